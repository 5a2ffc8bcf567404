use crud_core::CrudEnum;

#[derive(CrudEnum)]
#[crud(rename_all = "kebab-case")]
pub enum Status {
    Open,
    Closed,
}

fn main() {}
