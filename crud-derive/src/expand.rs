//! Writes the code of `#[derive(Crud)]` from the checked model: the request schemas, the
//! `Resource` description, and thin associated functions forwarding to `crud_core`.

use crate::ast::{Field, Resource, Role};
use crate::ctxt::Ctxt;
use crate::{check, fallback};
use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{DeriveInput, Ident, Type};

/// The generated code, or the errors and the fallback of `fallback.rs` when the input breaks a
/// rule.
pub(crate) fn derive(input: &DeriveInput) -> TokenStream {
    let mut cx = Ctxt::default();
    let resource = Resource::from_ast(&mut cx, input);
    if let Some(resource) = &resource {
        check::check(&mut cx, resource);
    }
    match (cx.check(), resource) {
        (Ok(()), Some(resource)) => expand(&resource),
        (Err(error), resource) => fallback::expand(input, resource.as_ref(), &error),
        (Ok(()), None) => unreachable!("from_ast records an error when it returns None"),
    }
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
pub(crate) fn input_struct(resource: &Resource, name: &Ident, verb: &str) -> TokenStream {
    let vis = resource.vis;
    let doc = format!(
        "The JSON body that {verb} a [`{}`]. Unknown fields are refused.",
        resource.ident
    );
    // A field whose role could not be read is likelier meant for a role than as an input; it
    // exists only in the fallback, which reports the attribute.
    let fields = resource
        .inputs()
        .filter(|field| !field.role_unread)
        .map(|field| {
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

/// `validate` and `bind` of a request body.
///
/// A rule's check is the one place that requires the field's type to suit the rule: its type
/// argument is spanned on the rule's key, where an unsuitable type is reported.
fn input_impl(resource: &Resource, name: &Ident) -> TokenStream {
    let bounds = where_clause(resource);
    let resource_ident = resource.ident;
    let checks = resource.inputs().map(|field| {
        let (ident, key) = (field.ident, &field.name);
        let mut check = quote_spanned! {field.ty.span()=>
            ::crud_core::__private::check_value(&mut errors, #key, &self.#ident);
        };
        if let Some(length) = &field.length {
            let ty = respanned(field.ty, length.span);
            let min = option(length.min.as_ref(), length.span);
            let max = option(length.max.as_ref(), length.span);
            check.extend(quote_spanned! {length.span=>
                ::crud_core::__private::check_length::<#ty>(&mut errors, #key, &self.#ident, #min, #max);
            });
        }
        if let Some(range) = &field.range {
            let ty = respanned(field.ty, range.span);
            let min = option(range.min.as_ref(), range.span);
            let max = option(range.max.as_ref(), range.span);
            check.extend(quote_spanned! {range.span=>
                ::crud_core::__private::check_range::<#ty, _>(&mut errors, #key, &self.#ident, #min, #max);
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
        impl ::crud_core::__private::Input for #name #bounds {
            const BODY_LIMIT: usize =
                <#resource_ident as ::crud_core::__private::Resource>::SCHEMA.body_limit;

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

/// `Some(value)` or `None`, spanned on the rule's key.
fn option(value: Option<&impl quote::ToTokens>, span: Span) -> TokenStream {
    match value {
        Some(value) => quote_spanned!(span=> ::core::option::Option::Some(#value)),
        None => quote_spanned!(span=> ::core::option::Option::None),
    }
}

fn resource_impl(resource: &Resource, create: &Ident, update: &Ident) -> TokenStream {
    let ident = resource.ident;
    let bounds = where_clause(resource);
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
    let body_limit = resource.body_limit.map_or_else(
        || quote!(::crud_core::DEFAULT_BODY_LIMIT),
        |limit| quote!(#limit),
    );
    let decode = resource.fields.iter().enumerate().map(|(index, field)| {
        let (field_ident, ty) = (field.ident, field.ty);
        quote_spanned! {ty.span()=> #field_ident: DB::get::<#ty>(row, #index)?, }
    });
    quote! {
        #[automatically_derived]
        impl ::crud_core::__private::Resource for #ident #bounds {
            type Id = #id_ty;
            type Create = #create;
            type Update = #update;

            const SCHEMA: ::crud_core::__private::Schema = ::crud_core::__private::Schema {
                name: #name,
                table: #table,
                path: #path,
                columns: &[#(#columns)*],
                order_by: &[#(#order_by)*],
                body_limit: #body_limit,
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
///
/// The `for<'__crud> Self: Resource` bound holds exactly when the `Resource` impl does: where a
/// field's type breaks its bound, the one error reported is the field's, not one per function.
/// It names `Create` and `Update`, which the bound would otherwise leave unnormalized.
pub(crate) fn associated_functions(
    resource: &Resource,
    create: &Ident,
    update: &Ident,
) -> TokenStream {
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
        impl #ident
        where
            for<'__crud> Self: ::crud_core::__private::Resource<Create = #create, Update = #update>,
        {
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

/// The trait a field's type must implement for its role, and the function asserting it.
fn role_bound(field: &Field) -> (TokenStream, TokenStream) {
    match field.role {
        Role::Id => (quote!(IdType), quote!(assert_id)),
        Role::Owner => (quote!(OwnerType), quote!(assert_owner)),
        Role::Toggle { .. } => (quote!(ToggleType), quote!(assert_toggle)),
        Role::CreatedAt | Role::UpdatedAt => (quote!(TimestampType), quote!(assert_timestamp)),
        Role::Input => (quote!(ColumnType), quote!(assert_column)),
    }
}

/// Calls that compile only if every field's type fits its role: an unmet bound is reported
/// once, on the field's type.
fn type_assertions(resource: &Resource) -> TokenStream {
    let assertions = resource.fields.iter().map(|field| {
        let ty = field.ty;
        let (_, assert) = role_bound(field);
        quote_spanned! {ty.span()=> ::crud_core::__private::#assert::<#ty>(); }
    });
    quote! {
        const _: () = { #(#assertions)* };
    }
}

/// The bounds of `type_assertions`, as the `where` clause of the generated impls.
///
/// Where a bound does not hold, `type_assertions` reports it; the impls' bodies rely on it
/// and, with the bound in their `where` clause, report nothing more. Each bound is written
/// `for<'__crud>` so that it is not a trivial bound, which is an error of its own where it
/// does not hold.
fn where_clause(resource: &Resource) -> TokenStream {
    let mut predicates: Vec<TokenStream> = Vec::new();
    for field in &resource.fields {
        let ty = field.ty;
        let (bound, _) = role_bound(field);
        let predicate = quote!(for<'__crud> #ty: ::crud_core::__private::#bound);
        let text = predicate.to_string();
        if !predicates.iter().any(|seen| seen.to_string() == text) {
            predicates.push(predicate);
        }
    }
    quote!(where #(#predicates),*)
}

/// The tokens of `ty`, every one spanned at `span`, so that an unmet bound on the type is
/// reported at `span`.
fn respanned(ty: &Type, span: Span) -> TokenStream {
    fn respan(tree: TokenTree, span: Span) -> TokenTree {
        match tree {
            TokenTree::Group(group) => {
                let stream = group.stream().into_iter().map(|tree| respan(tree, span));
                let mut group = Group::new(group.delimiter(), stream.collect());
                group.set_span(span);
                TokenTree::Group(group)
            }
            mut tree => {
                tree.set_span(span);
                tree
            }
        }
    }
    ty.to_token_stream()
        .into_iter()
        .map(|tree| respan(tree, span))
        .collect()
}
