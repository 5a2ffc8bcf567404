//! What a resource's `#[serde(...)]` attributes say about its JSON names.
//!
//! The resource's `Serialize` is the user's own (serde's derive), so the response is named by
//! serde. The derive reads the same attributes to know each field's JSON name, which it uses
//! in validation errors and the `Schema`, and copies those that name fields onto the request
//! bodies. Attributes it does not need are left to serde, which reports their mistakes: a
//! `#[serde(...)]` that does not parse is skipped here.

use crate::ctxt::Ctxt;
use heck::{ToKebabCase, ToLowerCamelCase, ToShoutyKebabCase, ToShoutySnakeCase, ToUpperCamelCase};
use proc_macro2::TokenTree;
use syn::meta::ParseNestedMeta;
use syn::{Attribute, Ident, LitStr, Token, token};

const SERDE: &str = "serde";

/// A `rename_all` rule, as serde names it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum RenameRule {
    Lower,
    Upper,
    Pascal,
    Camel,
    Snake,
    ScreamingSnake,
    Kebab,
    ScreamingKebab,
}

impl RenameRule {
    const ALL: [(&'static str, Self); 8] = [
        ("lowercase", Self::Lower),
        ("UPPERCASE", Self::Upper),
        ("PascalCase", Self::Pascal),
        ("camelCase", Self::Camel),
        ("snake_case", Self::Snake),
        ("SCREAMING_SNAKE_CASE", Self::ScreamingSnake),
        ("kebab-case", Self::Kebab),
        ("SCREAMING-KEBAB-CASE", Self::ScreamingKebab),
    ];

    fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find_map(|(known, rule)| (known == name).then_some(rule))
    }

    /// The JSON name serde gives the field `name` under this rule, or `None` when that name
    /// cannot be worked out here.
    ///
    /// serde reads a field's name as snake case words. For a name in plain snake case
    /// (lowercase letters and digits, words joined by single underscores) heck's conversions
    /// give serde's result; other names are left to an explicit `rename`.
    pub(crate) fn apply(self, name: &str) -> Option<String> {
        let convert: fn(&str) -> String = match self {
            // serde leaves field names as they are under these two, and upper-cases them
            // under this one, whatever their shape.
            Self::Lower | Self::Snake => return Some(name.to_owned()),
            Self::Upper => return Some(name.to_ascii_uppercase()),
            Self::Pascal => |name| name.to_upper_camel_case(),
            Self::Camel => |name| name.to_lower_camel_case(),
            Self::ScreamingSnake => |name| name.to_shouty_snake_case(),
            Self::Kebab => |name| name.to_kebab_case(),
            Self::ScreamingKebab => |name| name.to_shouty_kebab_case(),
        };
        is_plain_snake_case(name).then(|| convert(name))
    }
}

fn is_plain_snake_case(name: &str) -> bool {
    name.split('_').all(|word| {
        !word.is_empty()
            && word
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    }) && name.starts_with(|c: char| c.is_ascii_lowercase())
}

/// A value given for both directions (`key = "..."`) or for each
/// (`key(serialize = "...", deserialize = "...")`).
pub(crate) struct Directions<T> {
    pub(crate) serialize: Option<T>,
    pub(crate) deserialize: Option<T>,
}

impl<T> Default for Directions<T> {
    fn default() -> Self {
        Self {
            serialize: None,
            deserialize: None,
        }
    }
}

/// The container's `#[serde(...)]` attributes that name fields.
#[derive(Default)]
pub(crate) struct SerdeContainer {
    pub(crate) rename_all: Directions<(LitStr, RenameRule)>,
}

/// A field's `#[serde(...)]` attributes that name it.
#[derive(Default)]
pub(crate) struct SerdeField {
    pub(crate) rename: Directions<LitStr>,
    /// `alias = "..."`: other names accepted in request bodies.
    pub(crate) aliases: Vec<LitStr>,
}

fn serde_attrs(attrs: &[Attribute]) -> impl Iterator<Item = &Attribute> {
    attrs.iter().filter(|attr| attr.path().is_ident(SERDE))
}

impl SerdeContainer {
    pub(crate) fn parse(cx: &mut Ctxt, attrs: &[Attribute]) -> Self {
        let mut parsed = Self::default();
        for attr in serde_attrs(attrs) {
            // A `#[serde(...)]` that does not parse is serde's to report.
            let _ = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename_all") {
                    let rules = parse_directions(&meta)?;
                    let rule =
                        |lit: LitStr| RenameRule::from_name(&lit.value()).map(|rule| (lit, rule));
                    // serde takes each direction from wherever it is given.
                    if let Some(rule) = rules.serialize.and_then(rule) {
                        parsed.rename_all.serialize = Some(rule);
                    }
                    if let Some(rule) = rules.deserialize.and_then(rule) {
                        parsed.rename_all.deserialize = Some(rule);
                    }
                } else if meta.path.is_ident("into") {
                    cx.error(
                        &meta.path,
                        "`#[serde(into = \"...\")]` cannot be used on a crud resource: its \
                         responses are its own fields",
                    );
                    skip_value(&meta)?;
                } else {
                    skip_value(&meta)?;
                }
                Ok(())
            });
        }
        parsed
    }
}

impl SerdeField {
    pub(crate) fn parse(cx: &mut Ctxt, attrs: &[Attribute]) -> Self {
        let mut parsed = Self::default();
        for attr in serde_attrs(attrs) {
            let _ = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    // serde takes each direction from wherever it is given.
                    let names = parse_directions(&meta)?;
                    if names.serialize.is_some() {
                        parsed.rename.serialize = names.serialize;
                    }
                    if names.deserialize.is_some() {
                        parsed.rename.deserialize = names.deserialize;
                    }
                } else if meta.path.is_ident("alias") {
                    parsed.aliases.push(meta.value()?.parse()?);
                } else if meta.path.is_ident("flatten") {
                    cx.error(
                        &meta.path,
                        "`#[serde(flatten)]` cannot be used on a crud field: a field is one \
                         column holding one value",
                    );
                } else {
                    skip_value(&meta)?;
                }
                Ok(())
            });
        }
        parsed
    }
}

/// `key = "..."` for both directions, or `key(serialize = "...", deserialize = "...")`.
fn parse_directions(meta: &ParseNestedMeta) -> syn::Result<Directions<LitStr>> {
    if meta.input.peek(Token![=]) {
        let value: LitStr = meta.value()?.parse()?;
        return Ok(Directions {
            serialize: Some(value.clone()),
            deserialize: Some(value),
        });
    }
    let mut directions = Directions::default();
    meta.parse_nested_meta(|inner| {
        if inner.path.is_ident("serialize") {
            directions.serialize = Some(inner.value()?.parse()?);
        } else if inner.path.is_ident("deserialize") {
            directions.deserialize = Some(inner.value()?.parse()?);
        } else {
            skip_value(&inner)?;
        }
        Ok(())
    })?;
    Ok(directions)
}

/// Consumes the value of a key this derive does not read: `= ...` up to the next comma, or
/// a parenthesized list.
fn skip_value(meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        let value = meta.value()?;
        while !value.is_empty() && !value.peek(Token![,]) {
            value.parse::<TokenTree>()?;
        }
    } else if meta.input.peek(token::Paren) {
        meta.input.parse::<TokenTree>()?;
    }
    Ok(())
}

/// The JSON name of a field: its `rename`, else its name under the container's `rename_all`,
/// else its name. Both directions must agree, as a crud resource answers and accepts a field
/// under one name.
pub(crate) fn json_name(
    cx: &mut Ctxt,
    container: &SerdeContainer,
    field: &SerdeField,
    name: &str,
    ident: &Ident,
) -> String {
    let mut unknown = false;
    let mut named = |rename: Option<&LitStr>, rule: Option<&(LitStr, RenameRule)>| {
        if let Some(rename) = rename {
            return rename.value();
        }
        match rule {
            None => name.to_owned(),
            Some((_, rule)) => rule.apply(name).unwrap_or_else(|| {
                unknown = true;
                name.to_owned()
            }),
        }
    };
    let serialized = named(
        field.rename.serialize.as_ref(),
        container.rename_all.serialize.as_ref(),
    );
    let deserialized = named(
        field.rename.deserialize.as_ref(),
        container.rename_all.deserialize.as_ref(),
    );
    if unknown {
        cx.error(
            ident,
            format!(
                "`rename_all` cannot name `{name}`: serde's rules read a field's name as snake \
                 case words; give it its JSON name with `#[serde(rename = \"...\")]`"
            ),
        );
    } else if serialized != deserialized {
        cx.error(
            ident,
            format!(
                "`{name}` is named `{serialized}` in responses but `{deserialized}` in request \
                 bodies: a crud field has one JSON name, so rename it the same way in both"
            ),
        );
    }
    serialized
}

#[cfg(test)]
mod tests {
    use super::RenameRule;
    use serde::Serialize;
    use serde_json::Value;

    /// Asserts that the derive names the fields of `$name` as serde's derive does under the
    /// rule `$rule`.
    macro_rules! same_names_as_serde {
        ($rule:literal, $($field:ident)*) => {{
            #[derive(Default, Serialize)]
            #[serde(rename_all = $rule)]
            struct Fields { $($field: u8,)* }
            let Value::Object(serialized) =
                serde_json::to_value(Fields::default()).expect("it serializes")
            else {
                unreachable!("a struct serializes as an object")
            };
            let rule = RenameRule::from_name($rule).expect("a known rule");
            let ours: Vec<String> = [$(stringify!($field)),*]
                .into_iter()
                .map(|name| rule.apply(name).expect("a plain snake case name"))
                .collect();
            let mut theirs: Vec<&String> = serialized.keys().collect();
            let mut ours_sorted: Vec<&String> = ours.iter().collect();
            theirs.sort();
            ours_sorted.sort();
            assert_eq!(ours_sorted, theirs, "under {}", $rule);
        }};
    }

    macro_rules! every_rule {
        ($($field:ident)*) => {
            same_names_as_serde!("lowercase", $($field)*);
            same_names_as_serde!("UPPERCASE", $($field)*);
            same_names_as_serde!("PascalCase", $($field)*);
            same_names_as_serde!("camelCase", $($field)*);
            same_names_as_serde!("snake_case", $($field)*);
            same_names_as_serde!("SCREAMING_SNAKE_CASE", $($field)*);
            same_names_as_serde!("kebab-case", $($field)*);
            same_names_as_serde!("SCREAMING-KEBAB-CASE", $($field)*);
        };
    }

    #[test]
    fn snake_case_fields_are_named_as_serde_names_them() {
        every_rule!(id created_at a1b_c line_2 x ipv4_addr a_1b http_url2_x a_b_c_d);
    }

    #[test]
    fn other_names_are_left_to_an_explicit_rename() {
        assert_eq!(RenameRule::Camel.apply("_hidden"), None);
        assert_eq!(RenameRule::Kebab.apply("double__underscore"), None);
        assert_eq!(RenameRule::Pascal.apply("mixedCase"), None);
        assert_eq!(RenameRule::Kebab.apply("trailing_"), None);
        assert_eq!(
            RenameRule::Snake.apply("mixedCase").as_deref(),
            Some("mixedCase")
        );
        assert_eq!(
            RenameRule::Upper.apply("_hidden").as_deref(),
            Some("_HIDDEN")
        );
    }
}
