use crud_core::CrudEnum;

#[derive(CrudEnum)]
pub struct Status {
    pub open: bool,
}

fn main() {}
