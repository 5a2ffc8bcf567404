//! Writes the code of `#[derive(Crud)]` from the checked model: the request schemas, the
//! `Resource` description, and thin associated functions forwarding to `crud_core`.

use crate::ast::{Resource, Role};
use crate::check;
use crate::ctxt::Ctxt;
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{DeriveInput, Ident};

pub(crate) fn derive(input: &DeriveInput) -> syn::Result<TokenStream> {
    let mut cx = Ctxt::default();
    let resource = Resource::from_ast(&mut cx, input);
    if let Some(resource) = &resource {
        check::check(&mut cx, resource);
    }
    cx.check()?;
    let Some(resource) = resource else {
        unreachable!("from_ast records an error when it returns None")
    };
    Ok(expand(&resource))
}

fn expand(resource: &Resource) -> TokenStream {
    let ident = resource.ident;
    let create = format_ident!("{}Create", ident);
    let update = format_ident!("{}Update", ident);
    let create_struct = input_struct(resource, &create, "creates");
    let update_struct = input_struct(resource, &update, "replaces the input fields of");
    let create_input = input_impl(resource, &create);
    let update_input = input_impl(resource, &update);
    let resource_impl = resource_impl(resource, &create, &update);
    let serialize = serialize_impl(resource);
    let functions = associated_functions(resource, &create, &update);
    let assertions = type_assertions(resource);
    quote! {
        #create_struct
        #update_struct
        const _: () = {
            #resource_impl
            #create_input
            #update_input
            #serialize
            #functions
            #assertions
        };
    }
}

/// `TaskCreate` / `TaskUpdate`: the input fields, deserialized with unknown fields refused.
fn input_struct(resource: &Resource, name: &Ident, verb: &str) -> TokenStream {
    let vis = resource.vis;
    let doc = format!(
        "The JSON body that {verb} a [`{}`]. Unknown fields are refused.",
        resource.ident
    );
    let fields = resource.inputs().map(|field| {
        let (ident, ty) = (field.ident, field.ty);
        let docs = &field.docs;
        quote! { #(#docs)* pub #ident: #ty, }
    });
    quote! {
        #[doc = #doc]
        #[derive(::core::fmt::Debug, ::core::clone::Clone, ::crud_core::__private::serde::Deserialize)]
        #[serde(crate = "::crud_core::__private::serde", deny_unknown_fields)]
        #vis struct #name {
            #(#fields)*
        }
    }
}

fn input_impl(resource: &Resource, name: &Ident) -> TokenStream {
    let checks = resource.inputs().map(|field| {
        let (ident, key) = (field.ident, &field.name);
        let mut check = quote_spanned! {field.ty.span()=>
            ::crud_core::__private::check_value(&mut errors, #key, &self.#ident);
        };
        if let Some(length) = &field.length {
            let (min, max) = (option(length.min.as_ref()), option(length.max.as_ref()));
            check.extend(quote_spanned! {length.span=>
                ::crud_core::__private::check_length(&mut errors, #key, &self.#ident, #min, #max);
            });
        }
        if let Some(range) = &field.range {
            let (min, max) = (option(range.min.as_ref()), option(range.max.as_ref()));
            check.extend(quote_spanned! {range.span=>
                ::crud_core::__private::check_range(&mut errors, #key, &self.#ident, #min, #max);
            });
        }
        check
    });
    let binds = resource.inputs().map(|field| {
        let ident = field.ident;
        quote! { binder.push(self.#ident); }
    });
    quote! {
        #[automatically_derived]
        impl ::crud_core::__private::Input for #name {
            fn validate(&self) -> ::core::result::Result<(), ::crud_core::__private::ValidationErrors> {
                let mut errors = ::crud_core::__private::ValidationErrors::new();
                #(#checks)*
                errors.into_result()
            }

            fn bind<DB: ::crud_core::__private::Backend>(self, binder: &mut ::crud_core::__private::Binder<DB>) {
                #(#binds)*
            }
        }
    }
}

fn option(value: Option<&impl quote::ToTokens>) -> TokenStream {
    match value {
        Some(value) => quote!(::core::option::Option::Some(#value)),
        None => quote!(::core::option::Option::None),
    }
}

fn resource_impl(resource: &Resource, create: &Ident, update: &Ident) -> TokenStream {
    let ident = resource.ident;
    let name = ident.to_string();
    let (table, path) = (&resource.table.value, &resource.path.value);
    let id_ty = resource.fields_with(&Role::Id).next().map(|field| field.ty);
    let columns = resource.fields.iter().map(|field| {
        let (key, ty) = (&field.name, field.ty);
        let role = match &field.role {
            Role::Id => quote_spanned! {ty.span()=>
                ::crud_core::__private::Role::Id {
                    database_generated: <#ty as ::crud_core::__private::IdType>::DATABASE_GENERATED,
                }
            },
            Role::Owner => quote!(::crud_core::__private::Role::Owner),
            Role::Input => quote!(::crud_core::__private::Role::Input),
            Role::Toggle { route } => {
                let route = &route.value;
                quote!(::crud_core::__private::Role::Toggle { route: #route })
            }
            Role::CreatedAt => quote!(::crud_core::__private::Role::CreatedAt),
            Role::UpdatedAt => quote!(::crud_core::__private::Role::UpdatedAt),
        };
        let sql_type =
            quote_spanned! {ty.span()=> <#ty as ::crud_core::__private::ColumnType>::SQL_TYPE };
        quote! {
            ::crud_core::__private::Column { name: #key, role: #role, sql_type: #sql_type },
        }
    });
    let order_by = resource.order_by.iter().map(|key| {
        let (column, descending) = (&key.column, key.descending);
        quote! { ::crud_core::__private::OrderBy { column: #column, descending: #descending }, }
    });
    let decode = resource.fields.iter().enumerate().map(|(index, field)| {
        let (field_ident, ty) = (field.ident, field.ty);
        quote_spanned! {ty.span()=> #field_ident: DB::get::<#ty>(row, #index)?, }
    });
    quote! {
        #[automatically_derived]
        impl ::crud_core::__private::Resource for #ident {
            type Id = #id_ty;
            type Create = #create;
            type Update = #update;

            const SCHEMA: ::crud_core::__private::Schema = ::crud_core::__private::Schema {
                name: #name,
                table: #table,
                path: #path,
                columns: &[#(#columns)*],
                order_by: &[#(#order_by)*],
            };

            fn statements(backend: ::crud_core::BackendKind) -> &'static ::crud_core::sql::Statements {
                static CACHE: ::crud_core::__private::StatementCache = ::crud_core::__private::StatementCache::new();
                CACHE.get(&<Self as ::crud_core::__private::Resource>::SCHEMA, backend)
            }

            fn decode<DB: ::crud_core::__private::Backend>(
                row: &<DB as ::crud_core::__private::sqlx::Database>::Row,
            ) -> ::core::result::Result<Self, ::crud_core::__private::sqlx::Error> {
                ::core::result::Result::Ok(Self { #(#decode)* })
            }
        }
    }
}

/// The response shape: every field, by its name.
fn serialize_impl(resource: &Resource) -> TokenStream {
    let ident = resource.ident;
    let name = ident.to_string();
    let count = resource.fields.len();
    let fields = resource.fields.iter().map(|field| {
        let (field_ident, key) = (field.ident, &field.name);
        quote_spanned! {field.ty.span()=> state.serialize_field(#key, &self.#field_ident)?; }
    });
    quote! {
        #[automatically_derived]
        impl ::crud_core::__private::serde::Serialize for #ident {
            fn serialize<__S: ::crud_core::__private::serde::Serializer>(
                &self,
                serializer: __S,
            ) -> ::core::result::Result<__S::Ok, __S::Error> {
                use ::crud_core::__private::serde::ser::SerializeStruct as _;
                let mut state = serializer.serialize_struct(#name, #count)?;
                #(#fields)*
                state.end()
            }
        }
    }
}

/// `Task::router()` and the service functions, forwarding to `crud_core`.
fn associated_functions(resource: &Resource, create: &Ident, update: &Ident) -> TokenStream {
    let ident = resource.ident;
    let vis = resource.vis;
    let name = ident.to_string();
    let toggles = resource.toggles().map(|(field, route)| {
        let function = format_ident!("toggle_{}", field.name);
        let key = &field.name;
        let doc = format!(
            "Flips `{key}` of the owner's {name} with this id in one atomic statement \
             (`PATCH .../{{id}}/{}`); `None` if there is none.",
            route.value
        );
        quote! {
            #[doc = #doc]
            #vis async fn #function(db: &::crud_core::Db, owner: &str, id: <Self as ::crud_core::__private::Resource>::Id)
                -> ::crud_core::Result<::core::option::Option<Self>>
            {
                ::crud_core::service::toggle::<Self>(db, owner, id, #key).await
            }
        }
    });
    let router_doc = format!(
        "The routes of {name}: list, create, get, update, delete and toggles under `{}`.",
        resource.path.value
    );
    quote! {
        #[automatically_derived]
        impl #ident {
            #[doc = #router_doc]
            #vis fn router<S>() -> ::crud_core::__private::axum::Router<S>
            where
                S: ::core::clone::Clone + ::core::marker::Send + ::core::marker::Sync + 'static,
                ::crud_core::Db: ::crud_core::__private::axum::extract::FromRef<S>,
                ::crud_core::Auth: ::crud_core::__private::axum::extract::FromRef<S>,
            {
                ::crud_core::routes::router::<Self, S>()
            }

            /// Validates `input`, then creates a resource owned by `owner`.
            #vis async fn create(db: &::crud_core::Db, owner: &str, input: #create) -> ::crud_core::Result<Self> {
                ::crud_core::service::create::<Self>(db, owner, input).await
            }

            /// The owner's resources, in the declared order.
            #vis async fn list(db: &::crud_core::Db, owner: &str, page: ::crud_core::Page)
                -> ::crud_core::Result<::std::vec::Vec<Self>>
            {
                ::crud_core::service::list::<Self>(db, owner, page).await
            }

            /// The owner's resource with this id, if any.
            #vis async fn get(db: &::crud_core::Db, owner: &str, id: <Self as ::crud_core::__private::Resource>::Id)
                -> ::crud_core::Result<::core::option::Option<Self>>
            {
                ::crud_core::service::get::<Self>(db, owner, id).await
            }

            /// Validates `input`, then replaces the input fields of the owner's resource with this id.
            #vis async fn update(db: &::crud_core::Db, owner: &str, id: <Self as ::crud_core::__private::Resource>::Id, input: #update)
                -> ::crud_core::Result<::core::option::Option<Self>>
            {
                ::crud_core::service::update::<Self>(db, owner, id, input).await
            }

            /// Deletes the owner's resource with this id, returning it.
            #vis async fn delete(db: &::crud_core::Db, owner: &str, id: <Self as ::crud_core::__private::Resource>::Id)
                -> ::crud_core::Result<::core::option::Option<Self>>
            {
                ::crud_core::service::delete::<Self>(db, owner, id).await
            }

            #(#toggles)*
        }
    }
}

/// Bounds that name the role a field's type does not fit, spanned on the field's type.
fn type_assertions(resource: &Resource) -> TokenStream {
    let assertions = resource.fields.iter().filter_map(|field| {
        let ty = field.ty;
        let check = match field.role {
            Role::Id => quote!(assert_id),
            Role::Owner => quote!(assert_owner),
            Role::Toggle { .. } => quote!(assert_toggle),
            Role::CreatedAt | Role::UpdatedAt => quote!(assert_timestamp),
            Role::Input => return None,
        };
        Some(quote_spanned! {ty.span()=> ::crud_core::__private::#check::<#ty>(); })
    });
    quote! {
        const _: () = { #(#assertions)* };
    }
}
