use crud_core::Crud;

#[derive(serde::Serialize, Crud)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    #[crud(id)]
    pub id: i64,
    #[crud(owner)]
    pub user_id: String,
    pub title: String,
    #[serde(rename = "title")]
    pub subtitle: String,
}

fn main() {}
