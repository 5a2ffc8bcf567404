use crud_core::CrudEnum;

#[derive(CrudEnum)]
pub enum Status {
    Open,
    #[crud(name = "done")]
    Closed,
}

fn main() {}
