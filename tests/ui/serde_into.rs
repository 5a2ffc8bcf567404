use crud_core::Crud;

#[derive(Clone, serde::Serialize, Crud)]
#[serde(into = "Summary")]
pub struct Note {
    #[crud(id)]
    pub id: i64,
    #[crud(owner)]
    pub user_id: String,
    pub title: String,
}

#[derive(serde::Serialize)]
pub struct Summary {
    pub title: String,
}

impl From<Note> for Summary {
    fn from(note: Note) -> Self {
        Self { title: note.title }
    }
}

fn main() {}
