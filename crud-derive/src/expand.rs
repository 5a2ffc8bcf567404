//! Writes the code of `#[derive(Crud)]` from the checked model: the request schemas and the
//! `Resource` description. The services and routes are crud-core's, reached through its
//! `Crud` trait, so nothing is added to the user's type.
//!
//! Every path goes through the resource's crate path (`#[crud(crate = "...")]`, by default
//! `::crud_core`), and every name the expansion introduces (generics, locals, statics) starts
//! with `__crud`/`__Crud`/`__CRUD`, so none can capture or be captured by a user's name.

use crate::ast::{Field, Resource, Role};
use crate::attr::Filter;
use crate::ctxt::Ctxt;
use crate::{check, fallback};
use proc_macro2::{Group, Literal, Span, TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{DeriveInput, Expr, ExprLit, ExprUnary, Ident, Type, UnOp};

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
    let names = BodyNames::of(resource);
    let create_struct = input_struct(resource, &names.create, Body::Create, Names::Json);
    let update_struct = input_struct(resource, &names.update, Body::Update, Names::Json);
    let patch_struct = input_struct(resource, &names.patch, Body::Patch, Names::Json);
    let create_input = input_impl(resource, &names.create, Body::Create);
    let update_input = input_impl(resource, &names.update, Body::Update);
    let patch_input = input_impl(resource, &names.patch, Body::Patch);
    let resource_impl = resource_impl(resource, &names);
    let assertions = type_assertions(resource);
    quote! {
        #create_struct
        #update_struct
        #patch_struct
        const _: () = {
            #resource_impl
            #create_input
            #update_input
            #patch_input
            #assertions
        };
    }
}

/// The names of a resource's request bodies: `TaskCreate`, `TaskUpdate`, `TaskPatch`.
pub(crate) struct BodyNames {
    pub(crate) create: Ident,
    pub(crate) update: Ident,
    pub(crate) patch: Ident,
}

impl BodyNames {
    pub(crate) fn of(resource: &Resource) -> Self {
        let ident = resource.ident;
        Self {
            create: format_ident!("{}Create", ident),
            update: format_ident!("{}Update", ident),
            patch: format_ident!("{}Patch", ident),
        }
    }
}

/// A request body of a resource.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Body {
    /// `POST`: every input field.
    Create,
    /// `PUT`: every input field.
    Update,
    /// `PATCH`: every input field as a `Patch`, absent by default.
    Patch,
}

impl Body {
    /// What the body does, for its documentation.
    fn doc(self, resource: &Resource) -> String {
        let ident = resource.ident;
        match self {
            Self::Create => {
                format!("The JSON body that creates a [`{ident}`]. Unknown fields are refused.")
            }
            Self::Update => format!(
                "The JSON body that replaces the input fields of a [`{ident}`]. Unknown fields \
                 are refused."
            ),
            Self::Patch => format!(
                "The JSON body that changes some input fields of a [`{ident}`] (`PATCH`, JSON \
                 Merge Patch): a field left out is left as it is, `null` clears an `Option` \
                 field. Unknown fields are refused."
            ),
        }
    }
}

/// How a request body's fields are named in JSON.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Names {
    /// By the resource's serde attributes.
    Json,
    /// By their Rust names: in the fallback, where the serde attributes may be the mistake.
    Rust,
}

/// `TaskCreate` / `TaskUpdate` / `TaskPatch`: the input fields, deserialized under their JSON
/// names with unknown fields refused; in `TaskPatch`, each a `Patch` of the field's type,
/// `Absent` when left out.
///
/// The resource's serde attributes that name fields are copied: the container's
/// `rename_all`, each field's `rename` and `alias` (the request side of each, which names a
/// field as the response does: `serde_attr::json_name` checks it).
pub(crate) fn input_struct(
    resource: &Resource,
    name: &Ident,
    body: Body,
    names: Names,
) -> TokenStream {
    let json = names == Names::Json;
    let vis = resource.vis;
    let krate = &resource.krate;
    let serde_path = quote!(#krate::__private::serde).to_string();
    let doc = body.doc(resource);
    let rename_all = resource
        .serde
        .rename_all
        .deserialize
        .as_ref()
        .filter(|_| json)
        .map(|(rule, _)| quote!(rename_all = #rule,));
    // A field whose role could not be read is likelier meant for a role than as an input; it
    // exists only in the fallback, which reports the attribute.
    let fields = resource
        .inputs()
        .filter(|field| !field.role_unread)
        .map(|field| {
            let (ident, ty) = (field.ident, field.ty);
            let docs = &field.docs;
            let rename = field
                .serde
                .rename
                .deserialize
                .as_ref()
                .filter(|_| json)
                .map(|rename| quote!(#[serde(rename = #rename)]));
            let aliases = field
                .serde
                .aliases
                .iter()
                .filter(|_| json)
                .map(|alias| quote!(#[serde(alias = #alias)]));
            if body == Body::Patch {
                quote! {
                    #(#docs)* #rename #(#aliases)* #[serde(default)]
                    pub #ident: #krate::Patch<#ty>,
                }
            } else {
                quote! { #(#docs)* #rename #(#aliases)* pub #ident: #ty, }
            }
        });
    let default = (body == Body::Patch).then(|| quote!(::core::default::Default,));
    quote! {
        #[doc = #doc]
        #[derive(
            ::core::fmt::Debug,
            ::core::clone::Clone,
            #default
            #krate::__private::serde::Deserialize,
        )]
        #[serde(crate = #serde_path, deny_unknown_fields, #rename_all)]
        #vis struct #name {
            #(#fields)*
        }
    }
}

/// `validate` and `bind` of a request body.
///
/// A rule's check is the one place that requires the field's type to suit the rule: its type
/// argument is spanned on the rule's key, where an unsuitable type is reported. Failures are
/// reported under the field's JSON name. A patch checks the value it sets, if any, as the other
/// bodies check theirs, and binds two parameters per field.
fn input_impl(resource: &Resource, name: &Ident, body: Body) -> TokenStream {
    let krate = &resource.krate;
    let bounds = where_clause(resource);
    let resource_ident = resource.ident;
    let checks = resource.inputs().map(|field| {
        let (ident, key, ty) = (field.ident, &field.json, field.ty);
        match body {
            Body::Create | Body::Update => value_checks(resource, field, &quote!(&self.#ident)),
            Body::Patch => {
                let checks = value_checks(resource, field, &quote!(__crud_value));
                quote_spanned! {ty.span()=>
                    if let ::core::option::Option::Some(__crud_value) =
                        #krate::__private::check_patch::<#ty>(&mut __crud_errors, #key, &self.#ident)
                    {
                        #checks
                    }
                }
            }
        }
    });
    let binds = resource.inputs().map(|field| {
        let ident = field.ident;
        match body {
            Body::Create | Body::Update => quote! { __crud_binder.push(self.#ident); },
            Body::Patch => quote! { __crud_binder.push_patch(self.#ident); },
        }
    });
    quote! {
        #[automatically_derived]
        impl #krate::__private::Input for #name #bounds {
            const BODY_LIMIT: usize =
                <#resource_ident as #krate::__private::Resource>::SCHEMA.body_limit;

            fn validate(&self) -> ::core::result::Result<(), #krate::__private::ValidationErrors> {
                let mut __crud_errors = #krate::__private::ValidationErrors::new();
                #(#checks)*
                __crud_errors.into_result()
            }

            fn bind<__CrudDb: #krate::__private::Backend>(
                self,
                __crud_binder: &mut #krate::__private::Binder<__CrudDb>,
            ) {
                #(#binds)*
            }
        }
    }
}

/// The checks of one input field's value, `value` (a `&T`): its type's, then its rules'.
fn value_checks(resource: &Resource, field: &Field, value: &TokenStream) -> TokenStream {
    let krate = &resource.krate;
    let key = &field.json;
    let mut check = quote_spanned! {field.ty.span()=>
        #krate::__private::check_value(&mut __crud_errors, #key, #value);
    };
    if let Some(length) = &field.length {
        let ty = respanned(field.ty, length.span);
        let min = option(length.min.as_ref(), length.span);
        let max = option(length.max.as_ref(), length.span);
        check.extend(quote_spanned! {length.span=>
            #krate::__private::check_length::<#ty>(&mut __crud_errors, #key, #value, #min, #max);
        });
    }
    if let Some(range) = &field.range {
        let ty = respanned(field.ty, range.span);
        let min = option(range.min.as_ref(), range.span);
        let max = option(range.max.as_ref(), range.span);
        check.extend(quote_spanned! {range.span=>
            #krate::__private::check_range::<#ty, _>(&mut __crud_errors, #key, #value, #min, #max);
        });
    }
    check
}

/// `Some(value)` or `None`, spanned on the rule's key.
fn option(value: Option<&impl quote::ToTokens>, span: Span) -> TokenStream {
    match value {
        Some(value) => quote_spanned!(span=> ::core::option::Option::Some(#value)),
        None => quote_spanned!(span=> ::core::option::Option::None),
    }
}

/// A `range(...)` bound as an `f64`, for the description of the rule: a number literal is
/// written as a float literal (so an integer literal past `i32` is not read as an `i32`), any
/// other expression (a constant) converted with `as`.
fn as_f64(bound: &Expr) -> TokenStream {
    let literal = |lit: &syn::Lit| {
        let digits = match lit {
            syn::Lit::Int(int) => int.base10_digits(),
            syn::Lit::Float(float) => float.base10_digits(),
            _ => return None,
        };
        let value = digits
            .parse::<f64>()
            .ok()
            .filter(|value| value.is_finite())?;
        let mut literal = Literal::f64_unsuffixed(value);
        literal.set_span(lit.span());
        Some(literal)
    };
    match bound {
        Expr::Lit(ExprLit { lit, .. }) => literal(lit).map(|literal| quote!(#literal)),
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            expr,
            ..
        }) => match &**expr {
            Expr::Lit(ExprLit { lit, .. }) => literal(lit).map(|literal| quote!(-#literal)),
            _ => None,
        },
        _ => None,
    }
    .unwrap_or_else(|| quote_spanned!(bound.span()=> (#bound) as f64))
}

fn resource_impl(resource: &Resource, names: &BodyNames) -> TokenStream {
    let BodyNames {
        create,
        update,
        patch,
    } = names;
    let ident = resource.ident;
    let krate = &resource.krate;
    let bounds = where_clause(resource);
    let name = ident.to_string();
    let (table, path) = (&resource.table.value, &resource.path.value);
    let id_ty = resource.fields_with(&Role::Id).next().map(|field| field.ty);
    let columns = resource.fields.iter().map(|field| {
        let (column, json, ty) = (&field.column.value, &field.json, field.ty);
        let role = match &field.role {
            Role::Id => quote_spanned! {ty.span()=>
                #krate::__private::Role::Id {
                    database_generated: <#ty as #krate::__private::IdType>::DATABASE_GENERATED,
                }
            },
            Role::Owner => quote!(#krate::__private::Role::Owner),
            Role::Input => quote!(#krate::__private::Role::Input),
            Role::Toggle { route } => {
                let route = &route.value;
                quote!(#krate::__private::Role::Toggle { route: #route })
            }
            Role::CreatedAt => quote!(#krate::__private::Role::CreatedAt),
            Role::UpdatedAt => quote!(#krate::__private::Role::UpdatedAt),
        };
        let sql_type =
            quote_spanned! {ty.span()=> <#ty as #krate::__private::ColumnType>::SQL_TYPE };
        let filters = field.filter.as_ref().map(|filter| {
            let operators = match &filter.value {
                Filter::All => quote!(#krate::__private::Operators::for_type(#sql_type)),
                Filter::Only(operators) => {
                    let variants = operators
                        .iter()
                        .map(|op| Ident::new(op.value.variant(), op.span));
                    quote! {
                        #krate::__private::Operators::NONE
                            #(.with(#krate::__private::Operator::#variants))*
                    }
                }
            };
            quote!(.with_filters(#operators))
        });
        let sort = field.sort.map(|_| quote!(.with_sort()));
        let length = field.length.as_ref().map(|length| {
            let min = option(length.min.as_ref(), length.span);
            let max = option(length.max.as_ref(), length.span);
            quote_spanned!(length.span=> .with_length(#min, #max))
        });
        let range = field.range.as_ref().map(|range| {
            let [min, max] = [&range.min, &range.max].map(|bound| {
                let bound = bound.as_ref().map(as_f64);
                option(bound.as_ref(), range.span)
            });
            quote_spanned!(range.span=> .with_range(#min, #max))
        });
        let description = field
            .description()
            .map(|text| quote!(.with_description(#text)));
        quote! {
            #krate::__private::Column::new(#column, #json, #role, #sql_type)
                #filters #sort #length #range #description,
        }
    });
    let order_by = resource.order_by.iter().filter_map(|key| {
        let field = resource
            .fields
            .iter()
            .find(|field| field.name == key.field)?;
        let (column, descending) = (&field.column.value, key.descending);
        Some(quote! { #krate::__private::OrderBy::new(#column, #descending), })
    });
    let description = resource
        .description
        .as_ref()
        .map(|text| quote!(.with_description(#text)));
    let body_limit = resource.body_limit.map_or_else(
        || quote!(#krate::DEFAULT_BODY_LIMIT),
        |limit| quote!(#limit),
    );
    // Checked to be at most `LARGEST_PAGE_SIZE`: unsuffixed, they are `u32`s.
    let page_size = Literal::u64_unsuffixed(resource.page_size());
    let max_page_size = Literal::u64_unsuffixed(resource.max_page_size());
    let unique = resource.unique.iter().map(|key| {
        let columns = key.fields.iter().filter_map(|name| {
            let field = resource.fields.iter().find(|f| f.name == name.value)?;
            Some(field.column.value.clone())
        });
        quote!(&[#(#columns),*])
    });
    let decode = resource.fields.iter().enumerate().map(|(index, field)| {
        let (field_ident, ty) = (field.ident, field.ty);
        quote_spanned! {ty.span()=> #field_ident: __CrudDb::get::<#ty>(__crud_row, #index)?, }
    });
    let require_if_match = resource
        .require_if_match
        .map(|_| quote!(.with_require_if_match()));
    let updated_at = resource.fields_with(&Role::UpdatedAt).next().map_or_else(
        || quote!(::core::option::Option::None),
        |field| {
            let (field_ident, ty) = (field.ident, field.ty);
            quote_spanned! {ty.span()=>
                ::core::option::Option::Some(
                    <#ty as #krate::__private::TimestampType>::instant(&self.#field_ident),
                )
            }
        },
    );
    quote! {
        #[automatically_derived]
        impl #krate::__private::Resource for #ident #bounds {
            type Id = #id_ty;
            type Create = #create;
            type Update = #update;
            type Patch = #patch;

            const SCHEMA: #krate::__private::Schema = #krate::__private::Schema::new(
                #name,
                #table,
                #path,
                &[#(#columns)*],
                &[#(#order_by)*],
                #body_limit,
            )
            .with_page_sizes(#page_size, #max_page_size)
            .with_unique(&[#(#unique),*])
            #description
            #require_if_match;

            fn statements(
                __crud_backend: #krate::BackendKind,
            ) -> &'static #krate::__private::Statements {
                static __CRUD_STATEMENTS: #krate::__private::StatementCache =
                    #krate::__private::StatementCache::new();
                __CRUD_STATEMENTS.get(&<Self as #krate::__private::Resource>::SCHEMA, __crud_backend)
            }

            fn decode<__CrudDb: #krate::__private::Backend>(
                __crud_row: &<__CrudDb as #krate::__private::sqlx::Database>::Row,
            ) -> ::core::result::Result<Self, #krate::__private::sqlx::Error> {
                ::core::result::Result::Ok(Self { #(#decode)* })
            }

            fn updated_at(
                &self,
            ) -> ::core::option::Option<#krate::chrono::DateTime<#krate::chrono::Utc>> {
                #updated_at
            }
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

/// Calls that compile only if the resource implements `Serialize` and every field's type
/// fits its role: an unmet bound is reported once, on the struct's name or the field's type.
/// Then one constant per operator of each `filter(...)` that not every type has, which fails
/// to evaluate, spanned on the operator, where the field's type lacks it.
fn type_assertions(resource: &Resource) -> TokenStream {
    let krate = &resource.krate;
    let ident = resource.ident;
    let serialize = quote_spanned! {ident.span()=>
        #krate::__private::assert_serialize::<#ident>();
    };
    let assertions = resource.fields.iter().map(|field| {
        let ty = field.ty;
        let (_, assert) = role_bound(field);
        quote_spanned! {ty.span()=> #krate::__private::#assert::<#ty>(); }
    });
    let operators = resource.fields.iter().flat_map(|field| {
        let operators = match field.filter.as_ref().map(|filter| &filter.value) {
            Some(Filter::Only(operators)) => operators.as_slice(),
            Some(Filter::All) | None => &[],
        };
        operators.iter().filter_map(move |op| {
            let types = op.value.types()?;
            let ty = field.ty;
            let variant = Ident::new(op.value.variant(), op.span);
            let message = format!(
                "filter operator `{}` is not available for field `{}`: {types}",
                op.value.name(),
                field.name
            );
            Some(quote_spanned! {op.span=>
                const _: () = if !#krate::__private::Operators::for_type(
                    <#ty as #krate::__private::ColumnType>::SQL_TYPE,
                )
                .contains(#krate::__private::Operator::#variant)
                {
                    ::core::panic!(#message)
                };
            })
        })
    });
    quote! {
        const _: () = { #serialize #(#assertions)* };
        #(#operators)*
    }
}

/// The bounds of `type_assertions`, as the `where` clause of the generated impls.
///
/// Where a bound does not hold, `type_assertions` reports it; the impls' bodies rely on it
/// and, with the bound in their `where` clause, report nothing more. Each bound is written
/// `for<'__crud>` so that it is not a trivial bound, which is an error of its own where it
/// does not hold.
fn where_clause(resource: &Resource) -> TokenStream {
    let krate = &resource.krate;
    let ident = resource.ident;
    let mut predicates: Vec<TokenStream> =
        vec![quote!(for<'__crud> #ident: #krate::__private::serde::Serialize)];
    for field in &resource.fields {
        let ty = field.ty;
        let (bound, _) = role_bound(field);
        let predicate = quote!(for<'__crud> #ty: #krate::__private::#bound);
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

#[cfg(test)]
mod tests {
    use super::derive;
    use quote::quote;
    use syn::DeriveInput;

    fn resource(extra: Option<syn::Attribute>, owner: bool) -> DeriveInput {
        let owner = owner.then(|| quote! { #[crud(owner)] user_id: String, });
        syn::parse_quote! {
            #[crud(crate = "my::crud", order_by = "title desc")]
            #extra
            pub struct Task {
                #[crud(id)]
                id: i64,
                #owner
                #[crud(length(max = 3))]
                title: String,
                #[crud(toggle)]
                done: bool,
                #[crud(created_at)]
                created_at: DateTime<Utc>,
            }
        }
    }

    #[test]
    fn a_crate_path_replaces_every_path_to_crud_core() {
        let expanded = derive(&resource(None, true)).to_string();
        assert!(expanded.contains("my :: crud :: __private :: Resource"));
        assert!(expanded.contains("\"my :: crud :: __private :: serde\""));
        assert!(!expanded.contains("crud_core"), "{expanded}");
    }

    #[test]
    fn the_fallback_follows_the_crate_path_too() {
        let expanded = derive(&resource(None, false)).to_string();
        assert!(expanded.contains("compile_error"));
        assert!(expanded.contains("my :: crud :: __private :: Resource"));
        assert!(!expanded.contains("crud_core"), "{expanded}");
    }

    #[test]
    fn json_names_follow_serde_and_columns_the_field_names() {
        let expanded = derive(&resource(
            Some(syn::parse_quote!(#[serde(rename_all = "camelCase")])),
            true,
        ))
        .to_string();
        assert!(expanded.contains("Column :: new (\"created_at\" , \"createdAt\""));
        assert!(expanded.contains("Column :: new (\"user_id\" , \"userId\""));
        assert!(expanded.contains("rename_all = \"camelCase\""));
    }

    #[test]
    fn each_direction_of_a_rename_may_come_from_its_own_attribute() {
        let input: DeriveInput = syn::parse_quote! {
            #[serde(rename_all(serialize = "camelCase"), rename_all(deserialize = "camelCase"))]
            pub struct Note {
                #[crud(id)]
                id: i64,
                #[crud(owner)]
                user_id: String,
                #[serde(rename(serialize = "heading"))]
                #[serde(rename(deserialize = "heading"))]
                title: String,
            }
        };
        let expanded = derive(&input).to_string();
        assert!(!expanded.contains("compile_error"), "{expanded}");
        assert!(expanded.contains("Column :: new (\"title\" , \"heading\""));
        assert!(expanded.contains("Column :: new (\"user_id\" , \"userId\""));
    }

    #[test]
    fn list_attributes_become_column_builders_and_page_sizes() {
        let input: DeriveInput = syn::parse_quote! {
            #[crud(max_page_size = 20)]
            pub struct Task {
                #[crud(id, sort)]
                id: i64,
                #[crud(owner)]
                user_id: String,
                #[crud(filter)]
                title: String,
                #[crud(filter(eq, gte), sort)]
                rank: i32,
            }
        };
        let expanded = derive(&input).to_string();
        assert!(!expanded.contains("compile_error"), "{expanded}");
        let expected = [
            // `sort` on the id:
            ":: SQL_TYPE) . with_sort () , :: crud_core :: __private :: Column :: new (\"user_id\"",
            // `filter` on text:
            ". with_filters (:: crud_core :: __private :: Operators :: for_type (< String as",
            // `filter(eq, gte), sort`:
            ". with_filters (:: crud_core :: __private :: Operators :: NONE . with (:: crud_core :: \
             __private :: Operator :: Eq) . with (:: crud_core :: __private :: Operator :: Gte)) \
             . with_sort () ,",
            // The default page size, 100, is larger than the maximum given.
            ". with_page_sizes (20 , 20)",
        ];
        for piece in expected {
            assert!(expanded.contains(piece), "`{piece}` in {expanded}");
        }
        // Nothing on the owner:
        assert!(expanded.contains(
            "Role :: Owner , < String as :: crud_core :: __private :: ColumnType > :: SQL_TYPE) ,"
        ));
        // `gte` needs a check of the field's type; `eq`, which every type has, does not.
        assert_eq!(expanded.matches("panic !").count(), 1, "{expanded}");
        assert!(expanded.contains(
            "filter operator `gte` is not available for field `rank`: `lt`, `lte`, `gt` and \
             `gte` are for numbers, dates and timestamps"
        ));
    }

    #[test]
    fn rules_and_doc_comments_are_described() {
        let input: DeriveInput = syn::parse_quote! {
            /// A ticket.
            ///
            /// Filed by a user.
            pub struct Ticket {
                #[crud(id)]
                id: i64,
                #[crud(owner)]
                user_id: String,
                ///  What it is about,
                ///  in words.
                #[crud(length(min = 1, max = 80))]
                title: String,
                #[crud(range(min = -3_000_000_000, max = 2.5))]
                weight: f64,
                #[crud(range(max = LIMIT))]
                rank: i64,
            }
        };
        let expanded = derive(&input).to_string();
        assert!(!expanded.contains("compile_error"), "{expanded}");
        let expected = [
            ". with_length (:: core :: option :: Option :: Some (1) , :: core :: option :: \
             Option :: Some (80)) . with_description (\"What it is about,\\nin words.\") ,",
            ". with_range (:: core :: option :: Option :: Some (- 3000000000.0) , :: core :: \
             option :: Option :: Some (2.5)) ,",
            ". with_range (:: core :: option :: Option :: None , :: core :: option :: Option \
             :: Some ((LIMIT) as f64)) ,",
            ". with_description (\"A ticket.\\n\\nFiled by a user.\")",
        ];
        for piece in expected {
            assert!(expanded.contains(piece), "`{piece}` in {expanded}");
        }
    }

    #[test]
    fn generated_names_cannot_meet_a_users() {
        let expanded = derive(&resource(None, true)).to_string();
        for name in ["DB", "S", "errors", "binder", "row", "backend", "CACHE"] {
            let word = format!(" {name} ");
            assert!(!expanded.contains(&word), "`{name}` in {expanded}");
        }
    }
}
