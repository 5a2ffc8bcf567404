//! A resource with a mistake reports that mistake only, not one error for each use of it.

use crud_core::{AppState, Crud, Db, ListQuery};

#[derive(serde::Serialize, Crud)]
pub struct Note {
    #[crud(primary)]
    pub id: i64,
    #[crud(owner)]
    pub user_id: String,
    pub title: String,
    #[crud(toggle)]
    pub pinned: bool,
}

pub async fn use_it(db: &Db) -> crud_core::Result<()> {
    db.create_table::<Note>().await?;
    let _router: axum::Router<AppState> = Note::router();
    let input = NoteCreate {
        title: "a".to_owned(),
    };
    let note = Note::create(db, "user", input).await?;
    let _ = Note::list(db, "user", ListQuery::new()).await?;
    let _ = Note::get(db, "user", note.id).await?;
    let update = NoteUpdate {
        title: "b".to_owned(),
    };
    let _ = Note::update(db, "user", note.id, update).await?;
    let _ = Note::toggle(db, "user", note.id, "pinned").await?;
    let _ = Note::delete(db, "user", note.id).await?;
    Ok(())
}

fn main() {}
