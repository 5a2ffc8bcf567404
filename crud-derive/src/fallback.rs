//! What `#[derive(Crud)]` emits with its errors: the items a valid resource has, with bodies
//! that never run, so that the code using the resource adds no error of its own to the ones
//! that name the mistake.

use crate::ast::{Resource, Role};
use crate::expand::{Body, BodyNames, Names, input_struct};
use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::DeriveInput;

/// `error`, then the resource's items when the input is a struct that can have them.
///
/// The `Resource` impl holds where the resource implements `Serialize`, so that a missing
/// `Serialize` adds no error here: the generated code reports it when the rest is fixed.
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
    let krate = &resource.krate;
    let name = ident.to_string();
    let BodyNames {
        create,
        update,
        patch,
    } = BodyNames::of(resource);
    // Named by their Rust names: the serde attributes may be the mistake reported.
    let create_struct = input_struct(resource, &create, Body::Create, Names::Rust);
    let update_struct = input_struct(resource, &update, Body::Update, Names::Rust);
    let patch_struct = input_struct(resource, &patch, Body::Patch, Names::Rust);
    // Without an id field, any id type that compiles will do.
    let id_ty = resource
        .fields_with(&Role::Id)
        .next()
        .map_or_else(|| quote!(i64), |field| field.ty.to_token_stream());
    let inputs = [&create, &update, &patch].map(|input| {
        quote! {
            #[automatically_derived]
            impl #krate::__private::Input for #input {
                fn validate(&self) -> ::core::result::Result<(), #krate::__private::ValidationErrors> {
                    ::core::unreachable!()
                }

                fn bind<__CrudDb: #krate::__private::Backend>(
                    self,
                    _: &mut #krate::__private::Binder<__CrudDb>,
                ) {
                    ::core::unreachable!()
                }
            }
        }
    });
    quote! {
        #error
        #create_struct
        #update_struct
        #patch_struct
        const _: () = {
            #[automatically_derived]
            impl #krate::__private::Resource for #ident
            where
                for<'__crud> #ident: #krate::__private::serde::Serialize,
            {
                type Id = #id_ty;
                type Create = #create;
                type Update = #update;
                type Patch = #patch;

                const SCHEMA: #krate::__private::Schema = #krate::__private::Schema::new(
                    #name,
                    "",
                    "",
                    &[],
                    &[],
                    #krate::DEFAULT_BODY_LIMIT,
                );

                fn statements(_: #krate::BackendKind) -> &'static #krate::__private::Statements {
                    ::core::unreachable!()
                }

                fn decode<__CrudDb: #krate::__private::Backend>(
                    _: &<__CrudDb as #krate::__private::sqlx::Database>::Row,
                ) -> ::core::result::Result<Self, #krate::__private::sqlx::Error> {
                    ::core::unreachable!()
                }

                fn updated_at(
                    &self,
                ) -> ::core::option::Option<#krate::chrono::DateTime<#krate::chrono::Utc>> {
                    ::core::unreachable!()
                }
            }

            #(#inputs)*
        };
    }
}
