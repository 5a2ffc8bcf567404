//! The derive macros of `crud-core`. Depend on `crud-core`, which re-exports them and
//! documents them.

mod ast;
mod attr;
mod case;
mod check;
mod ctxt;
mod expand;
mod fallback;
mod serde_attr;
mod text_enum;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Derives `crud_core::Resource` and the request schemas of a user-scoped resource, whose
/// services and routes `crud_core::Crud` then provides. Documented in `crud-core`.
#[proc_macro_derive(Crud, attributes(crud))]
pub fn derive_crud(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input).into()
}

/// Derives storage as text and JSON as a string for a field-less enum. Documented in
/// `crud-core`.
#[proc_macro_derive(CrudEnum, attributes(crud))]
pub fn derive_crud_enum(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    text_enum::derive(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
