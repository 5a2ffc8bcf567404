use crud_core::CrudEnum;

#[derive(CrudEnum)]
pub enum Status {
    Open,
    #[crud(rename = "open")]
    Reopened,
}

fn main() {}
