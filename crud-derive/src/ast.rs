//! The typed model of a resource, read from the struct and its `#[crud(...)]` attributes.

use crate::attr::{Bounds, ContainerAttrs, FieldAttrs, Filter, RoleKind, Spanned};
use crate::case::snake_case;
use crate::ctxt::Ctxt;
use crate::serde_attr::{self, SerdeContainer, SerdeField};
use proc_macro2::Span;
use syn::ext::IdentExt as _;
use syn::spanned::Spanned as _;
use syn::{Attribute, Data, DeriveInput, Expr, Fields, Ident, LitInt, Path, Type, Visibility};

pub(crate) struct Resource<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) vis: &'a Visibility,
    /// The runtime crate's path in the generated code: `crate = "..."`, else `::crud_core`.
    pub(crate) krate: Path,
    /// The container's serde attributes that name fields, copied onto the request bodies.
    pub(crate) serde: SerdeContainer,
    pub(crate) table: Spanned<String>,
    pub(crate) path: Spanned<String>,
    pub(crate) order_by: Vec<OrderKey>,
    /// The largest request body in bytes, if `body_limit` sets one.
    pub(crate) body_limit: Option<usize>,
    /// `page_size = N`, as written (`u64::MAX` past it: `check` refuses it).
    pub(crate) page_size: Option<Spanned<u64>>,
    /// `max_page_size = N`, as written (`u64::MAX` past it: `check` refuses it).
    pub(crate) max_page_size: Option<Spanned<u64>>,
    /// The unique keys: `unique` on a field, `unique(a, b)` on the struct.
    pub(crate) unique: Vec<UniqueKey>,
    /// The struct's doc comment, for the resource's description.
    pub(crate) description: Option<String>,
    /// The span of `require_if_match`, if the resource's writes require `If-Match`.
    pub(crate) require_if_match: Option<Span>,
    pub(crate) fields: Vec<Field<'a>>,
}

/// The rows of a list page without `limit`, for a resource without `page_size`: crud-core's
/// `DEFAULT_PAGE_SIZE`.
pub(crate) const DEFAULT_PAGE_SIZE: u64 = 100;
/// The largest `limit`, for a resource without `max_page_size`: crud-core's
/// `DEFAULT_MAX_PAGE_SIZE`.
pub(crate) const DEFAULT_MAX_PAGE_SIZE: u64 = 1000;
/// The largest `max_page_size` a resource may set.
pub(crate) const LARGEST_PAGE_SIZE: u64 = 10_000;

/// Fields unique together within one owner.
pub(crate) struct UniqueKey {
    /// The fields, by their Rust names.
    pub(crate) fields: Vec<Spanned<String>>,
    /// The span of the `unique` keyword.
    pub(crate) span: Span,
}

pub(crate) struct OrderKey {
    /// The field, by its Rust name.
    pub(crate) field: String,
    pub(crate) descending: bool,
    pub(crate) span: Span,
}

pub(crate) struct Field<'a> {
    pub(crate) ident: &'a Ident,
    /// The field's name: the identifier without `r#`.
    pub(crate) name: String,
    /// The column name: `column = "..."`, else the field's name.
    pub(crate) column: Spanned<String>,
    /// The JSON name, from the field's and the container's serde attributes.
    pub(crate) json: String,
    /// The field's serde attributes that name it, copied onto the request bodies.
    pub(crate) serde: SerdeField,
    pub(crate) ty: &'a Type,
    pub(crate) role: Role,
    /// The role keyword's span, or the field's when the role is the default `input`.
    pub(crate) role_span: Span,
    pub(crate) length: Option<Bounds<LitInt>>,
    pub(crate) range: Option<Bounds<Expr>>,
    /// `filter` or `filter(...)`, spanned on the keyword.
    pub(crate) filter: Option<Spanned<Filter>>,
    /// The span of `sort`, if the field has it.
    pub(crate) sort: Option<Span>,
    /// The span of `unique`, if the field has it.
    pub(crate) unique: Option<Span>,
    /// The field's doc comments, carried to the request schemas.
    pub(crate) docs: Vec<&'a Attribute>,
    /// Whether the field has no role because its attribute could not be read: it may be the
    /// field meant as `id` or `owner`.
    pub(crate) role_unread: bool,
}

#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Role {
    Id,
    Owner,
    Input,
    Toggle { route: Spanned<String> },
    CreatedAt,
    UpdatedAt,
}

impl PartialEq for Spanned<String> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}
impl Eq for Spanned<String> {}

impl Resource<'_> {
    /// The largest `limit` of a list page: `max_page_size`, else the default.
    pub(crate) fn max_page_size(&self) -> u64 {
        self.max_page_size
            .as_ref()
            .map_or(DEFAULT_MAX_PAGE_SIZE, |max| max.value)
    }

    /// The rows of a list page without `limit`: `page_size`, else the default, or
    /// `max_page_size` where it is smaller.
    pub(crate) fn page_size(&self) -> u64 {
        self.page_size.as_ref().map_or_else(
            || DEFAULT_PAGE_SIZE.min(self.max_page_size()),
            |size| size.value,
        )
    }

    pub(crate) fn fields_with(&self, role: &Role) -> impl Iterator<Item = &Field<'_>> {
        let role = role.clone();
        self.fields.iter().filter(move |field| field.role == role)
    }

    pub(crate) fn inputs(&self) -> impl Iterator<Item = &Field<'_>> {
        self.fields_with(&Role::Input)
    }

    pub(crate) fn toggles(&self) -> impl Iterator<Item = (&Field<'_>, &Spanned<String>)> {
        self.fields.iter().filter_map(|field| match &field.role {
            Role::Toggle { route } => Some((field, route)),
            _ => None,
        })
    }
}

impl<'a> Resource<'a> {
    /// Reads the struct; `None` when it is not a struct with named fields (the error is in `cx`).
    pub(crate) fn from_ast(cx: &mut Ctxt, input: &'a DeriveInput) -> Option<Self> {
        let Data::Struct(data) = &input.data else {
            cx.error(
                &input.ident,
                "`Crud` can only be derived for a struct with named fields",
            );
            return None;
        };
        let Fields::Named(named) = &data.fields else {
            cx.error(
                &input.ident,
                "`Crud` can only be derived for a struct with named fields",
            );
            return None;
        };
        if !input.generics.params.is_empty() || input.generics.where_clause.is_some() {
            cx.error(&input.generics, "`Crud` resources cannot be generic");
        }
        let attrs = ContainerAttrs::parse(cx, &input.attrs);
        let serde = SerdeContainer::parse(cx, &input.attrs);
        let krate = attrs.krate.as_ref().map_or_else(
            || syn::parse_quote!(::crud_core),
            |lit| {
                lit.parse::<Path>().unwrap_or_else(|_| {
                    cx.error(
                        lit,
                        "`crate` must be the path of crud-core, such as `\"my_crud\"`",
                    );
                    syn::parse_quote!(::crud_core)
                })
            },
        );
        let table = attrs.table.as_ref().map_or_else(
            || Spanned {
                value: format!("{}s", snake_case(&input.ident.to_string())),
                span: input.ident.span(),
            },
            |lit| Spanned {
                value: lit.value(),
                span: lit.span(),
            },
        );
        let path = attrs.path.as_ref().map_or_else(
            || Spanned {
                value: format!("/api/{{user_id}}/{}", table.value),
                span: input.ident.span(),
            },
            |lit| Spanned {
                value: lit.value(),
                span: lit.span(),
            },
        );
        let order_by = attrs
            .order_by
            .as_ref()
            .map_or_else(Vec::new, |lit| parse_order_by(cx, &lit.value(), lit.span()));
        let body_limit =
            attrs
                .body_limit
                .as_ref()
                .and_then(|lit| match lit.base10_parse::<usize>() {
                    Ok(limit) if limit > 0 => Some(limit),
                    _ => {
                        cx.error(lit, "`body_limit` must be a number of bytes, at least 1");
                        None
                    }
                });
        let page_size = attrs.page_size.as_ref().map(read_page_size);
        let max_page_size = attrs.max_page_size.as_ref().map(read_page_size);
        let fields = named
            .named
            .iter()
            .filter_map(|field| {
                let ident = field.ident.as_ref()?;
                let attrs = FieldAttrs::parse(cx, &field.attrs);
                let field_serde = SerdeField::parse(cx, &field.attrs);
                let (role, role_span) = match &attrs.role {
                    None => (Role::Input, field.span()),
                    Some(role) => (field_role(role, &attrs, ident), role.span),
                };
                let name = ident.to_string().trim_start_matches("r#").to_owned();
                let column = attrs.column.as_ref().map_or_else(
                    || Spanned {
                        value: name.clone(),
                        span: ident.span(),
                    },
                    |lit| Spanned {
                        value: lit.value(),
                        span: lit.span(),
                    },
                );
                let json = serde_attr::json_name(cx, &serde, &field_serde, &name, ident);
                Some(Field {
                    ident,
                    name,
                    column,
                    json,
                    serde: field_serde,
                    ty: &field.ty,
                    role,
                    role_span,
                    length: attrs.length,
                    range: attrs.range,
                    filter: attrs.filter,
                    sort: attrs.sort,
                    unique: attrs.unique,
                    role_unread: attrs.unreadable && attrs.role.is_none(),
                    docs: field
                        .attrs
                        .iter()
                        .filter(|attr| attr.path().is_ident("doc"))
                        .collect(),
                })
            })
            .collect::<Vec<Field<'a>>>();
        // A field's `unique` first, in field order, then the struct's `unique(...)`.
        let unique = fields
            .iter()
            .filter_map(|field| {
                field.unique.map(|span| UniqueKey {
                    fields: vec![Spanned {
                        value: field.name.clone(),
                        span,
                    }],
                    span,
                })
            })
            .chain(attrs.unique.iter().map(|key| {
                UniqueKey {
                    fields: key
                        .value
                        .iter()
                        .map(|ident| Spanned {
                            value: ident.unraw().to_string(),
                            span: ident.span(),
                        })
                        .collect(),
                    span: key.span,
                }
            }))
            .collect();
        Some(Self {
            ident: &input.ident,
            vis: &input.vis,
            krate,
            serde,
            table,
            path,
            order_by,
            body_limit,
            page_size,
            max_page_size,
            unique,
            description: doc_text(&input.attrs),
            require_if_match: attrs.require_if_match,
            fields,
        })
    }
}

impl Field<'_> {
    /// The field's doc comment, for its description.
    pub(crate) fn description(&self) -> Option<String> {
        doc_text(self.docs.iter().copied())
    }
}

/// The text of the `#[doc = "..."]` attributes among `attrs` (what `///` comments are), one
/// line each, without the space after `///`; `None` without any. A doc attribute whose value
/// is not a string literal (`#[doc = include_str!(...)]`) is left out.
pub(crate) fn doc_text<'a>(attrs: impl IntoIterator<Item = &'a Attribute>) -> Option<String> {
    let lines: Vec<String> = attrs
        .into_iter()
        .filter(|attr| attr.path().is_ident("doc"))
        .filter_map(|attr| match &attr.meta {
            syn::Meta::NameValue(syn::MetaNameValue {
                value:
                    Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(text),
                        ..
                    }),
                ..
            }) => Some(text.value()),
            _ => None,
        })
        // `split`, not `lines`: an empty `///` line is a paragraph break to keep.
        .flat_map(|text| text.split('\n').map(str::to_owned).collect::<Vec<_>>())
        .collect();
    // rustdoc's unindent: the smallest indentation of the lines that are not blank.
    let indent = lines
        .iter()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.len() - line.trim_start().len())
        .min()?;
    let text = lines
        .iter()
        .map(|line| line.get(indent..).unwrap_or(line.trim_start()).trim_end())
        .collect::<Vec<_>>()
        .join("\n");
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// A page size as written, or `u64::MAX` for a number past it, which `check` refuses as any
/// other number out of range.
fn read_page_size(lit: &LitInt) -> Spanned<u64> {
    Spanned {
        value: lit.base10_parse().unwrap_or(u64::MAX),
        span: lit.span(),
    }
}

fn field_role(role: &Spanned<RoleKind>, attrs: &FieldAttrs, ident: &Ident) -> Role {
    match role.value {
        RoleKind::Id => Role::Id,
        RoleKind::Owner => Role::Owner,
        RoleKind::Input => Role::Input,
        RoleKind::CreatedAt => Role::CreatedAt,
        RoleKind::UpdatedAt => Role::UpdatedAt,
        RoleKind::Toggle => Role::Toggle {
            route: attrs.toggle_route.as_ref().map_or_else(
                || Spanned {
                    value: ident.to_string().trim_start_matches("r#").to_owned(),
                    span: role.span,
                },
                |lit| Spanned {
                    value: lit.value(),
                    span: lit.span(),
                },
            ),
        },
    }
}

/// Reads `"created_at desc, title"`.
fn parse_order_by(cx: &mut Ctxt, text: &str, span: Span) -> Vec<OrderKey> {
    let mut keys = Vec::new();
    for part in text.split(',') {
        let words = part.split_whitespace().collect::<Vec<_>>();
        let descending = match words.as_slice() {
            [_] => false,
            [_, direction] if direction.eq_ignore_ascii_case("asc") => false,
            [_, direction] if direction.eq_ignore_ascii_case("desc") => true,
            _ => {
                cx.syn_error(syn::Error::new(
                    span,
                    format!("invalid `order_by` key `{}`: expected `field`, `field asc` or `field desc`", part.trim()),
                ));
                continue;
            }
        };
        keys.push(OrderKey {
            field: words[0].to_owned(),
            descending,
            span,
        });
    }
    keys
}
