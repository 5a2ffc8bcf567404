//! The compile-time errors of `#[derive(Crud)]` and `#[derive(CrudEnum)]`.
//!
//! Each file in `tests/ui/` is a resource that is valid except for one mistake, named after
//! it; the `.stderr` next to it is the exact error the compiler reports, which must point at
//! the offending field or attribute. After changing a message, regenerate the expectations
//! with `TRYBUILD=overwrite cargo test --test ui` and review the diff. What must compile is
//! tested by ordinary test files (`derive_hygiene.rs`, `inherent_functions.rs`).

#[test]
fn ui() {
    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
}
