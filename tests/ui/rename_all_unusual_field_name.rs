use crud_core::Crud;

#[derive(serde::Serialize, Crud)]
#[serde(rename_all = "kebab-case")]
pub struct Note {
    #[crud(id)]
    pub id: i64,
    #[crud(owner)]
    pub user_id: String,
    pub _draft_title: String,
}

fn main() {}
