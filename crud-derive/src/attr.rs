//! What each `#[crud(...)]` attribute says, keeping its tokens for error spans.

use crate::ctxt::Ctxt;
use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::{Attribute, Expr, LitInt, LitStr, Path};

const CRUD: &str = "crud";

/// A value with the span of the tokens that gave it.
#[derive(Clone)]
pub(crate) struct Spanned<T> {
    pub(crate) value: T,
    pub(crate) span: Span,
}

/// The container attributes: `#[crud(table = "...", path = "...", order_by = "...",
/// body_limit = N, page_size = N, max_page_size = N, require_if_match, crate = "...")]`.
#[derive(Default)]
pub(crate) struct ContainerAttrs {
    pub(crate) table: Option<LitStr>,
    /// The path of the runtime crate in the generated code, `crate = "..."`.
    pub(crate) krate: Option<LitStr>,
    pub(crate) path: Option<LitStr>,
    pub(crate) order_by: Option<LitStr>,
    pub(crate) body_limit: Option<LitInt>,
    pub(crate) page_size: Option<LitInt>,
    pub(crate) max_page_size: Option<LitInt>,
    /// Each `unique(a, b)`: fields, by their Rust names, unique together within an owner.
    pub(crate) unique: Vec<Spanned<Vec<syn::Ident>>>,
    /// The span of `require_if_match`.
    pub(crate) require_if_match: Option<Span>,
}

/// The role keywords of a field.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum RoleKind {
    Id,
    Owner,
    Input,
    Toggle,
    CreatedAt,
    UpdatedAt,
}

impl RoleKind {
    pub(crate) fn keyword(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::Owner => "owner",
            Self::Input => "input",
            Self::Toggle => "toggle",
            Self::CreatedAt => "created_at",
            Self::UpdatedAt => "updated_at",
        }
    }

    const ALL: [Self; 6] = [
        Self::Id,
        Self::Owner,
        Self::Input,
        Self::Toggle,
        Self::CreatedAt,
        Self::UpdatedAt,
    ];
}

/// A filter operator of `filter(...)`, by its name in query strings; crud-core's `Operator`
/// has a variant of the same name for each.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum FilterOp {
    Eq,
    Ne,
    In,
    Lt,
    Lte,
    Gt,
    Gte,
    Contains,
    IContains,
    StartsWith,
    IsNull,
}

impl FilterOp {
    const ALL: [Self; 11] = [
        Self::Eq,
        Self::Ne,
        Self::In,
        Self::Lt,
        Self::Lte,
        Self::Gt,
        Self::Gte,
        Self::Contains,
        Self::IContains,
        Self::StartsWith,
        Self::IsNull,
    ];

    /// The operator's name in `filter(...)` and in query strings (`gte`).
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Eq => "eq",
            Self::Ne => "ne",
            Self::In => "in",
            Self::Lt => "lt",
            Self::Lte => "lte",
            Self::Gt => "gt",
            Self::Gte => "gte",
            Self::Contains => "contains",
            Self::IContains => "icontains",
            Self::StartsWith => "startswith",
            Self::IsNull => "isnull",
        }
    }

    /// The name of crud-core's `Operator` variant (`Gte`).
    pub(crate) fn variant(self) -> &'static str {
        match self {
            Self::Eq => "Eq",
            Self::Ne => "Ne",
            Self::In => "In",
            Self::Lt => "Lt",
            Self::Lte => "Lte",
            Self::Gt => "Gt",
            Self::Gte => "Gte",
            Self::Contains => "Contains",
            Self::IContains => "IContains",
            Self::StartsWith => "StartsWith",
            Self::IsNull => "IsNull",
        }
    }

    /// Which types have the operator, in words, for the error on a type that lacks it;
    /// `None` for the operators every type has.
    pub(crate) fn types(self) -> Option<&'static str> {
        match self {
            Self::Eq | Self::Ne | Self::In => None,
            Self::Lt | Self::Lte | Self::Gt | Self::Gte => {
                Some("`lt`, `lte`, `gt` and `gte` are for numbers, dates and timestamps")
            }
            Self::Contains | Self::IContains | Self::StartsWith => Some(
                "`contains`, `icontains` and `startswith` are for text fields (`String`, not enums)",
            ),
            Self::IsNull => Some("`isnull` is for `Option` fields"),
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|op| op.name() == name)
    }

    /// `` `eq`, `ne`, ..., `isnull` ``, for messages.
    fn names() -> String {
        Self::ALL.map(|op| format!("`{}`", op.name())).join(", ")
    }
}

/// What `filter` says: every operator of the field's type, or those listed.
pub(crate) enum Filter {
    /// `filter`.
    All,
    /// `filter(eq, gte, ...)`, each operator with its span; empty only where `cx` holds the
    /// error.
    Only(Vec<Spanned<FilterOp>>),
}

/// `min = ..., max = ...` bounds of `length(...)` or `range(...)`.
pub(crate) struct Bounds<T> {
    pub(crate) min: Option<T>,
    pub(crate) max: Option<T>,
    pub(crate) span: Span,
}

/// The attributes of one field.
#[derive(Default)]
pub(crate) struct FieldAttrs {
    pub(crate) role: Option<Spanned<RoleKind>>,
    /// The route segment of `toggle = "..."`.
    pub(crate) toggle_route: Option<LitStr>,
    /// The column name of `column = "..."`.
    pub(crate) column: Option<LitStr>,
    pub(crate) length: Option<Bounds<LitInt>>,
    pub(crate) range: Option<Bounds<Expr>>,
    /// `filter` or `filter(...)`, spanned on the keyword.
    pub(crate) filter: Option<Spanned<Filter>>,
    /// The span of `sort`.
    pub(crate) sort: Option<Span>,
    /// The span of `unique`.
    pub(crate) unique: Option<Span>,
    /// Whether an attribute could not be read, so that the field's role may be missing.
    pub(crate) unreadable: bool,
}

/// Sets `slot` once; a second value is a "duplicate" error spanned on the key.
fn set_once<T>(cx: &mut Ctxt, slot: &mut Option<T>, value: T, meta: &ParseNestedMeta) {
    if slot.is_some() {
        cx.error(
            &meta.path,
            format!("duplicate crud attribute `{}`", path_name(&meta.path)),
        );
    } else {
        *slot = Some(value);
    }
}

pub(crate) fn path_name(path: &Path) -> String {
    path.get_ident()
        .map_or_else(|| "?".to_owned(), ToString::to_string)
}

fn crud_attrs(attrs: &[Attribute]) -> impl Iterator<Item = &Attribute> {
    attrs.iter().filter(|attr| attr.path().is_ident(CRUD))
}

impl ContainerAttrs {
    pub(crate) fn parse(cx: &mut Ctxt, attrs: &[Attribute]) -> Self {
        let mut parsed = Self::default();
        for attr in crud_attrs(attrs) {
            let result = attr.parse_nested_meta(|meta| {
                let number = if meta.path.is_ident("body_limit") {
                    Some(&mut parsed.body_limit)
                } else if meta.path.is_ident("page_size") {
                    Some(&mut parsed.page_size)
                } else if meta.path.is_ident("max_page_size") {
                    Some(&mut parsed.max_page_size)
                } else {
                    None
                };
                if let Some(slot) = number {
                    let value: LitInt = meta.value()?.parse()?;
                    set_once(cx, slot, value, &meta);
                    return Ok(());
                }
                if meta.path.is_ident("unique") {
                    let content;
                    syn::parenthesized!(content in meta.input);
                    let fields = syn::punctuated::Punctuated::<syn::Ident, syn::Token![,]>::parse_terminated(&content)?
                        .into_iter()
                        .collect();
                    parsed.unique.push(Spanned {
                        value: fields,
                        span: meta.path.span(),
                    });
                    return Ok(());
                }
                if meta.path.is_ident("require_if_match") {
                    if !meta.input.is_empty() && !meta.input.peek(syn::Token![,]) {
                        return Err(meta.error(
                            "`require_if_match` takes no value: write `#[crud(require_if_match)]`",
                        ));
                    }
                    let span = meta.path.span();
                    set_once(cx, &mut parsed.require_if_match, span, &meta);
                    return Ok(());
                }
                let slot = if meta.path.is_ident("table") {
                    &mut parsed.table
                } else if meta.path.is_ident("path") {
                    &mut parsed.path
                } else if meta.path.is_ident("order_by") {
                    &mut parsed.order_by
                } else if meta.path.is_ident("crate") {
                    &mut parsed.krate
                } else {
                    return Err(meta.error(format!(
                        "unknown crud attribute `{}`; expected `table`, `path`, `order_by`, \
                         `body_limit`, `page_size`, `max_page_size`, `unique`, \
                         `require_if_match` or `crate`",
                        path_name(&meta.path)
                    )));
                };
                let value: LitStr = meta.value()?.parse()?;
                set_once(cx, slot, value, &meta);
                Ok(())
            });
            if let Err(error) = result {
                cx.syn_error(error);
            }
        }
        parsed
    }
}

impl FieldAttrs {
    pub(crate) fn parse(cx: &mut Ctxt, attrs: &[Attribute]) -> Self {
        let mut parsed = Self::default();
        for attr in crud_attrs(attrs) {
            let result = attr.parse_nested_meta(|meta| {
                if let Some(kind) = RoleKind::ALL
                    .into_iter()
                    .find(|kind| meta.path.is_ident(kind.keyword()))
                {
                    if kind == RoleKind::Toggle && meta.input.peek(syn::Token![=]) {
                        let route: LitStr = meta.value()?.parse()?;
                        parsed.toggle_route = Some(route);
                    }
                    parsed.set_role(cx, kind, &meta);
                    Ok(())
                } else if meta.path.is_ident("length") {
                    let bounds = parse_bounds(&meta, |meta| meta.value()?.parse::<LitInt>())?;
                    set_once(cx, &mut parsed.length, bounds, &meta);
                    Ok(())
                } else if meta.path.is_ident("range") {
                    let bounds = parse_bounds(&meta, |meta| meta.value()?.parse::<Expr>())?;
                    set_once(cx, &mut parsed.range, bounds, &meta);
                    Ok(())
                } else if meta.path.is_ident("column") {
                    let column: LitStr = meta.value()?.parse()?;
                    set_once(cx, &mut parsed.column, column, &meta);
                    Ok(())
                } else if meta.path.is_ident("filter") {
                    let filter = if meta.input.peek(syn::token::Paren) {
                        Filter::Only(parse_operators(cx, &meta)?)
                    } else {
                        Filter::All
                    };
                    let filter = Spanned {
                        value: filter,
                        span: meta.path.span(),
                    };
                    set_once(cx, &mut parsed.filter, filter, &meta);
                    Ok(())
                } else if meta.path.is_ident("sort") {
                    set_once(cx, &mut parsed.sort, meta.path.span(), &meta);
                    Ok(())
                } else if meta.path.is_ident("unique") {
                    set_once(cx, &mut parsed.unique, meta.path.span(), &meta);
                    Ok(())
                } else {
                    Err(meta.error(format!(
                        "unknown crud attribute `{}`; expected one of `id`, `owner`, `input`, \
                         `toggle`, `created_at`, `updated_at`, `length`, `range`, `column`, \
                         `filter`, `sort`, `unique`",
                        path_name(&meta.path)
                    )))
                }
            });
            if let Err(error) = result {
                parsed.unreadable = true;
                cx.syn_error(error);
            }
        }
        parsed
    }

    fn set_role(&mut self, cx: &mut Ctxt, kind: RoleKind, meta: &ParseNestedMeta) {
        match &self.role {
            Some(previous) if previous.value == kind => {
                cx.error(
                    &meta.path,
                    format!("duplicate crud attribute `{}`", kind.keyword()),
                );
            }
            Some(previous) => cx.error(
                &meta.path,
                format!(
                    "conflicting crud attributes: a field is either `{}` or `{}`",
                    previous.value.keyword(),
                    kind.keyword()
                ),
            ),
            None => {
                self.role = Some(Spanned {
                    value: kind,
                    span: meta.path.span(),
                })
            }
        }
    }
}

/// Reads the operators of `filter(...)`. An unknown or repeated operator, or none at all, is
/// recorded in `cx`, and the others are read on.
fn parse_operators(cx: &mut Ctxt, meta: &ParseNestedMeta) -> syn::Result<Vec<Spanned<FilterOp>>> {
    let mut operators: Vec<Spanned<FilterOp>> = Vec::new();
    // syn's nested-meta parser refuses an empty list: `()` is skipped and reported here.
    let fork = meta.input.fork();
    let content;
    syn::parenthesized!(content in fork);
    if content.is_empty() {
        meta.input.parse::<proc_macro2::TokenTree>()?;
        cx.error(
            &meta.path,
            "`filter()` names no operator; write `filter` for every operator of the field's \
             type, or name some, as in `filter(eq, in)`",
        );
        return Ok(operators);
    }
    meta.parse_nested_meta(|inner| {
        let name = path_name(&inner.path);
        if !inner.input.is_empty() && !inner.input.peek(syn::Token![,]) {
            return Err(inner.error(format!(
                "`{name}` takes no value: `filter(...)` lists operator names, as in \
                 `filter(eq, in)`"
            )));
        }
        match FilterOp::from_name(&name) {
            None => cx.error(
                &inner.path,
                format!(
                    "unknown filter operator `{name}`; expected one of {}",
                    FilterOp::names()
                ),
            ),
            Some(op) if operators.iter().any(|seen| seen.value == op) => {
                cx.error(&inner.path, format!("duplicate filter operator `{name}`"));
            }
            Some(op) => operators.push(Spanned {
                value: op,
                span: inner.path.span(),
            }),
        }
        Ok(())
    })?;
    Ok(operators)
}

fn parse_bounds<T>(
    meta: &ParseNestedMeta,
    parse_value: impl Fn(&ParseNestedMeta) -> syn::Result<T>,
) -> syn::Result<Bounds<T>> {
    let mut bounds = Bounds {
        min: None,
        max: None,
        span: meta.path.span(),
    };
    meta.parse_nested_meta(|inner| {
        let slot = if inner.path.is_ident("min") {
            &mut bounds.min
        } else if inner.path.is_ident("max") {
            &mut bounds.max
        } else {
            return Err(inner.error(format!(
                "unknown bound `{}`; expected `min` or `max`",
                path_name(&inner.path)
            )));
        };
        if slot.is_some() {
            return Err(inner.error(format!("duplicate bound `{}`", path_name(&inner.path))));
        }
        *slot = Some(parse_value(&inner)?);
        Ok(())
    })?;
    if bounds.min.is_none() && bounds.max.is_none() {
        return Err(meta.error("expected `min = ...`, `max = ...` or both"));
    }
    Ok(bounds)
}

use syn::spanned::Spanned as _;
