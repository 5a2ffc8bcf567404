use crud_core::Crud;

#[derive(serde::Serialize, Crud)]
#[crud(body_limit = 0)]
pub struct Note {
    #[crud(id)]
    pub id: i64,
    #[crud(owner)]
    pub user_id: String,
    pub title: String,
}

#[derive(serde::Serialize, Crud)]
#[crud(body_limit = "64 KiB")]
pub struct Memo {
    #[crud(id)]
    pub id: i64,
    #[crud(owner)]
    pub user_id: String,
    pub title: String,
}

fn main() {}
