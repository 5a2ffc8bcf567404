// The README's "Querying lists" example, line for line (tests/readme.rs checks both).
/// The open tasks, most recently changed first, 20 to a page, with the next page and the count.
async fn open_tasks(db: &Db, owner: &str) -> crud_core::Result<Vec<Task>> {
    let query = || {
        ListQuery::new()
            .filter("completed", Operator::Eq, false)
            .sort_desc("updated_at")
            .limit(20)
    };
    let first = Task::list(db, owner, query().count(true)).await?;
    println!("{} open tasks", first.total.unwrap_or_default());
    let mut tasks = first.items;
    if let Some(next) = first.next {
        tasks.extend(Task::list(db, owner, query().after(next)).await?.items);
    }
    Ok(tasks)
}
