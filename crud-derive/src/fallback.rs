//! What `#[derive(Crud)]` emits with its errors: the items a valid resource has, with bodies
//! that never run, so that the code using the resource adds no error of its own to the ones
//! that name the mistake.

use crate::ast::{Resource, Role};
use crate::expand::{associated_functions, input_struct};
use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote};
use syn::DeriveInput;

/// `error`, then the resource's items when the input is a struct that can have them.
pub(crate) fn expand(
    input: &DeriveInput,
    resource: Option<&Resource>,
    error: &syn::Error,
) -> TokenStream {
    let error = error.to_compile_error();
    let generic = !input.generics.params.is_empty() || input.generics.where_clause.is_some();
    let Some(resource) = resource.filter(|_| !generic) else {
        return error;
    };
    let ident = resource.ident;
    let name = ident.to_string();
    let create = format_ident!("{}Create", ident);
    let update = format_ident!("{}Update", ident);
    let create_struct = input_struct(resource, &create, "creates");
    let update_struct = input_struct(resource, &update, "replaces the input fields of");
    // Without an id field, any id type that compiles will do.
    let id_ty = resource
        .fields_with(&Role::Id)
        .next()
        .map_or_else(|| quote!(i64), |field| field.ty.to_token_stream());
    let inputs = [&create, &update].map(|input| {
        quote! {
            #[automatically_derived]
            impl ::crud_core::__private::Input for #input {
                fn validate(&self) -> ::core::result::Result<(), ::crud_core::__private::ValidationErrors> {
                    ::core::unreachable!()
                }

                fn bind<DB: ::crud_core::__private::Backend>(self, _: &mut ::crud_core::__private::Binder<DB>) {
                    ::core::unreachable!()
                }
            }
        }
    });
    let functions = associated_functions(resource, &create, &update);
    quote! {
        #error
        #create_struct
        #update_struct
        const _: () = {
            #[automatically_derived]
            impl ::crud_core::__private::Resource for #ident {
                type Id = #id_ty;
                type Create = #create;
                type Update = #update;

                const SCHEMA: ::crud_core::__private::Schema = ::crud_core::__private::Schema {
                    name: #name,
                    table: "",
                    path: "",
                    columns: &[],
                    order_by: &[],
                    body_limit: ::crud_core::DEFAULT_BODY_LIMIT,
                };

                fn statements(_: ::crud_core::BackendKind) -> &'static ::crud_core::sql::Statements {
                    ::core::unreachable!()
                }

                fn decode<DB: ::crud_core::__private::Backend>(
                    _: &<DB as ::crud_core::__private::sqlx::Database>::Row,
                ) -> ::core::result::Result<Self, ::crud_core::__private::sqlx::Error> {
                    ::core::unreachable!()
                }
            }

            #(#inputs)*

            #[automatically_derived]
            impl ::crud_core::__private::serde::Serialize for #ident {
                fn serialize<__S: ::crud_core::__private::serde::Serializer>(
                    &self,
                    _: __S,
                ) -> ::core::result::Result<__S::Ok, __S::Error> {
                    ::core::unreachable!()
                }
            }

            #functions
        };
    }
}
