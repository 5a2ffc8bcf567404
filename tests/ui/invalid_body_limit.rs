use crud_core::Crud;

#[derive(Crud)]
#[crud(body_limit = 0)]
pub struct Note {
    #[crud(id)]
    pub id: i64,
    #[crud(owner)]
    pub user_id: String,
    pub title: String,
}

#[derive(Crud)]
#[crud(body_limit = "64 KiB")]
pub struct Memo {
    #[crud(id)]
    pub id: i64,
    #[crud(owner)]
    pub user_id: String,
    pub title: String,
}

fn main() {}
