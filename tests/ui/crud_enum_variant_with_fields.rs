use crud_core::CrudEnum;

#[derive(CrudEnum)]
pub enum Status {
    Open,
    Closed { reason: String },
}

fn main() {}
