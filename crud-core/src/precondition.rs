//! Conditional requests (RFC 9110, section 13): the [`ETag`] of a resource, the [`IfMatch`]
//! condition of a write, and how the `If-Match` and `If-None-Match` headers read.
//!
//! A resource's ETag is its `#[crud(updated_at)]` field, which every write of its row moves
//! forward (strictly, on both backends) and nothing else changes: a strong validator that the
//! write's own statement can compare (`AND updated_at IN (...)`). A resource without an
//! `updated_at` field has no ETag: a write under `If-Match` other than `*` finds no current
//! ETag to match and answers 412.

use crate::resource::Resource;
use axum::http::header::GetAll;
use axum::http::{HeaderMap, HeaderValue, header};
use chrono::{DateTime, Utc};
use std::fmt;
use std::str::FromStr;

pub use crate::schema::MAX_IF_MATCH;

/// The strong entity tag of one resource: its `updated_at`, which changes on every write of its
/// row and only then.
///
/// Written `"<hex>"`, the lowercase hexadecimal of the time in microseconds since 1970; send it
/// back in `If-Match` (a write) or `If-None-Match` (a read). Its text is opaque to clients.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ETag(DateTime<Utc>);

impl ETag {
    /// The resource's ETag; `None` if it has no `#[crud(updated_at)]` field.
    pub fn of<R: Resource>(resource: &R) -> Option<Self> {
        resource.updated_at().map(Self)
    }

    /// The `updated_at` the tag stands for.
    pub fn updated_at(self) -> DateTime<Utc> {
        self.0
    }

    /// The tag as a header value (`ETag: "..."`).
    pub fn header_value(self) -> HeaderValue {
        // `"`, at most 16 hexadecimal digits, `"`.
        let mut text = [0_u8; 18];
        let micros = self.0.timestamp_micros() as u64;
        let digits = (16 - micros.leading_zeros() as usize / 4).max(1);
        text[0] = b'"';
        for index in 0..digits {
            let nibble = (micros >> (4 * (digits - 1 - index))) & 0xf;
            text[1 + index] = b"0123456789abcdef"[nibble as usize];
        }
        text[1 + digits] = b'"';
        HeaderValue::from_bytes(&text[..digits + 2]).expect("hexadecimal digits in quotes")
    }

    /// The tag whose opaque text (between the quotes) is `opaque`, if it is one this crate
    /// writes: hexadecimal digits, lowercase, without leading zero.
    fn from_opaque(opaque: &[u8]) -> Option<Self> {
        let canonical = matches!(opaque.len(), 1..=16)
            && opaque
                .iter()
                .all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f'))
            && (opaque[0] != b'0' || opaque.len() == 1);
        if !canonical {
            return None;
        }
        let text = std::str::from_utf8(opaque).ok()?;
        let micros = u64::from_str_radix(text, 16).ok()? as i64;
        DateTime::from_timestamp_micros(micros).map(Self)
    }
}

impl fmt::Display for ETag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{:x}\"", self.0.timestamp_micros() as u64)
    }
}

/// The text is not a strong entity tag this crate writes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not an entity tag of a resource: expected `\"` and hexadecimal digits and `\"`")]
pub struct InvalidETag;

impl FromStr for ETag {
    type Err = InvalidETag;

    /// Reads a tag as [`Display`](fmt::Display) writes it, quotes included.
    fn from_str(text: &str) -> Result<Self, InvalidETag> {
        text.strip_prefix('"')
            .and_then(|rest| rest.strip_suffix('"'))
            .and_then(|opaque| Self::from_opaque(opaque.as_bytes()))
            .ok_or(InvalidETag)
    }
}

/// What a write requires of the row it writes: `If-Match`.
///
/// A conditional write checks its condition in its own statement, so of concurrent writes
/// carrying the same current ETag, one applies and the others fail with
/// [`Error::PreconditionFailed`](crate::Error::PreconditionFailed) (412).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum IfMatch {
    /// Any current row: no condition (no `If-Match`, or `If-Match: *`). A missing row is
    /// still not found.
    #[default]
    Any,
    /// Only a row whose current ETag is one of these, at most [`MAX_IF_MATCH`]; an empty list
    /// matches no row.
    OneOf(Vec<ETag>),
}

impl From<ETag> for IfMatch {
    fn from(tag: ETag) -> Self {
        Self::OneOf(vec![tag])
    }
}

impl IfMatch {
    /// Whether a row whose ETag is `current` (`None`: a resource without one) meets the
    /// condition.
    pub fn matches(&self, current: Option<ETag>) -> bool {
        match self {
            Self::Any => true,
            Self::OneOf(tags) => current.is_some_and(|current| tags.contains(&current)),
        }
    }
}

/// What a client's `If-None-Match` says: the tags a cached copy has, or `*`.
#[derive(Debug)]
pub(crate) enum IfNoneMatch {
    /// `*`: any current representation.
    Any,
    /// The tags this crate could have written; others match nothing.
    OneOf(Vec<ETag>),
}

impl IfNoneMatch {
    /// Whether the row whose ETag is `current` is one the client has: weak comparison
    /// (`W/"x"` matches `"x"`).
    pub(crate) fn matches(&self, current: Option<ETag>) -> bool {
        match self {
            Self::Any => true,
            Self::OneOf(tags) => current.is_some_and(|current| tags.contains(&current)),
        }
    }
}

/// What is wrong with a conditional header.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum HeaderError {
    /// Not `*` nor a list of entity tags.
    Malformed(&'static str),
    /// A list longer than [`MAX_IF_MATCH`].
    TooMany(&'static str),
}

impl HeaderError {
    pub(crate) fn message(&self) -> String {
        match self {
            Self::Malformed(name) => format!(
                "Invalid `{name}`: expected `*` or a comma-separated list of entity tags, such \
                 as `\"18c2f9d4e5a10\"`"
            ),
            Self::TooMany(name) => {
                format!("`{name}` lists more than {MAX_IF_MATCH} entity tags")
            }
        }
    }
}

/// One entity tag of a header: whether it is weak, and its opaque text without the quotes.
struct EntityTag<'a> {
    weak: bool,
    opaque: &'a [u8],
}

/// A conditional header's list: `*`, or entity tags.
enum TagList<'a> {
    Any,
    Tags(Vec<EntityTag<'a>>),
}

/// Reads the lines of a header holding `"*" / #entity-tag` (RFC 9110, section 13.1.1): every
/// line is part of one list; empty elements are skipped; `*` stands alone. `None` when the
/// header is absent.
fn tag_list<'a>(
    values: GetAll<'a, HeaderValue>,
    name: &'static str,
    max: usize,
) -> Result<Option<TagList<'a>>, HeaderError> {
    let mut present = false;
    let mut any = false;
    let mut tags = Vec::new();
    for value in values {
        present = true;
        let mut rest = value.as_bytes();
        loop {
            rest = rest.trim_ascii_start();
            if let [b',', tail @ ..] = rest {
                rest = tail;
                continue;
            }
            let Some(&first) = rest.first() else {
                break;
            };
            if first == b'*' {
                any = true;
                rest = &rest[1..];
            } else {
                let (tag, tail) = entity_tag(rest).ok_or(HeaderError::Malformed(name))?;
                tags.push(tag);
                if tags.len() > max {
                    return Err(HeaderError::TooMany(name));
                }
                rest = tail;
            }
            rest = rest.trim_ascii_start();
            match rest {
                [] => break,
                [b',', tail @ ..] => rest = tail,
                _ => return Err(HeaderError::Malformed(name)),
            }
        }
    }
    match (present, any, tags.is_empty()) {
        (false, _, _) => Ok(None),
        (true, true, true) => Ok(Some(TagList::Any)),
        (true, false, false) => Ok(Some(TagList::Tags(tags))),
        // `*` among tags, or nothing at all.
        _ => Err(HeaderError::Malformed(name)),
    }
}

/// `[W/] DQUOTE *etagc DQUOTE`, then what follows it.
fn entity_tag(text: &[u8]) -> Option<(EntityTag<'_>, &[u8])> {
    let (weak, text) = match text {
        [b'W', b'/', rest @ ..] => (true, rest),
        _ => (false, text),
    };
    let rest = text.strip_prefix(b"\"")?;
    let end = rest.iter().position(|&byte| byte == b'"')?;
    let opaque = &rest[..end];
    // etagc: `!`, `#` to `~`, and obs-text; `"` ends the tag.
    if !opaque.iter().all(|&byte| byte == 0x21 || byte >= 0x23) || opaque.contains(&0x7f) {
        return None;
    }
    Some((EntityTag { weak, opaque }, &rest[end + 1..]))
}

/// The `If-Match` of a request: `None` without one. Strong comparison: a weak tag, or one this
/// crate never writes, matches no row, and is left out.
pub(crate) fn if_match(headers: &HeaderMap) -> Result<Option<IfMatch>, HeaderError> {
    let list = tag_list(headers.get_all(header::IF_MATCH), "If-Match", MAX_IF_MATCH)?;
    Ok(list.map(|list| match list {
        TagList::Any => IfMatch::Any,
        TagList::Tags(tags) => IfMatch::OneOf(
            tags.iter()
                .filter(|tag| !tag.weak)
                .filter_map(|tag| ETag::from_opaque(tag.opaque))
                .collect(),
        ),
    }))
}

/// The `If-None-Match` of a request: `None` without one. Weak comparison: `W/"x"` is `"x"`.
pub(crate) fn if_none_match(headers: &HeaderMap) -> Result<Option<IfNoneMatch>, HeaderError> {
    let list = tag_list(
        headers.get_all(header::IF_NONE_MATCH),
        "If-None-Match",
        usize::MAX,
    )?;
    Ok(list.map(|list| match list {
        TagList::Any => IfNoneMatch::Any,
        TagList::Tags(tags) => IfNoneMatch::OneOf(
            tags.iter()
                .filter_map(|tag| ETag::from_opaque(tag.opaque))
                .collect(),
        ),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(micros: i64) -> ETag {
        ETag(DateTime::from_timestamp_micros(micros).expect("in range"))
    }

    fn headers(name: header::HeaderName, values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(&name, HeaderValue::from_str(value).expect("a header value"));
        }
        headers
    }

    fn parse_if_match(values: &[&str]) -> Result<Option<IfMatch>, HeaderError> {
        if_match(&headers(header::IF_MATCH, values))
    }

    #[test]
    fn a_tag_is_written_and_read_back() {
        for micros in [0, 1, 15, 16, 1_733_135_593_200_574, -1, i64::from(i32::MAX)] {
            let Some(time) = DateTime::from_timestamp_micros(micros) else {
                continue;
            };
            let tag = ETag(time);
            let text = tag.to_string();
            assert_eq!(tag.header_value(), text.as_str(), "{micros}");
            assert_eq!(text.parse::<ETag>(), Ok(tag), "{text}");
        }
        assert_eq!(tag(1_733_135_593_200_574).to_string(), "\"6284713615bbe\"");
        assert_eq!(tag(0).to_string(), "\"0\"");
    }

    #[test]
    fn only_the_canonical_text_is_a_tag() {
        for text in [
            "\"\"",
            "\"0f\"",
            "\"F\"",
            "\"g\"",
            "W/\"1\"",
            "1",
            "\"11111111111111111\"",
        ] {
            assert_eq!(text.parse::<ETag>(), Err(InvalidETag), "{text}");
        }
    }

    #[test]
    fn if_match_lists_read_strongly() {
        assert_eq!(parse_if_match(&[]), Ok(None));
        assert_eq!(parse_if_match(&["*"]), Ok(Some(IfMatch::Any)));
        assert_eq!(parse_if_match(&[" * "]), Ok(Some(IfMatch::Any)));
        assert_eq!(
            parse_if_match(&["\"1\", W/\"2\",\"x\" ,, \"3\"", "\"4\""]),
            Ok(Some(IfMatch::OneOf(vec![tag(1), tag(3), tag(4)])))
        );
        assert_eq!(
            parse_if_match(&["W/\"1\""]),
            Ok(Some(IfMatch::OneOf(Vec::new())))
        );
        let sixteen = vec!["\"1\""; 16].join(", ");
        assert!(matches!(parse_if_match(&[&sixteen]), Ok(Some(_))));
        let seventeen = vec!["\"1\""; 17].join(", ");
        assert_eq!(
            parse_if_match(&[&seventeen]),
            Err(HeaderError::TooMany("If-Match"))
        );
    }

    #[test]
    fn malformed_lists_are_refused() {
        for value in [
            "",
            ",",
            "1",
            "\"1",
            "\"1\" \"2\"",
            "w/\"1\"",
            "*, \"1\"",
            "**",
            "\"a b\"",
            "\"1\";",
            "W/ \"1\"",
        ] {
            assert_eq!(
                parse_if_match(&[value]),
                Err(HeaderError::Malformed("If-Match")),
                "{value:?}"
            );
        }
        assert_eq!(
            parse_if_match(&["*", "\"1\""]),
            Err(HeaderError::Malformed("If-Match"))
        );
    }

    #[test]
    fn if_none_match_compares_weakly() {
        let list = if_none_match(&headers(header::IF_NONE_MATCH, &["W/\"1\", \"2\""]))
            .expect("well formed")
            .expect("present");
        assert!(list.matches(Some(tag(1))));
        assert!(list.matches(Some(tag(2))));
        assert!(!list.matches(Some(tag(3))));
        assert!(!list.matches(None));
        let any = if_none_match(&headers(header::IF_NONE_MATCH, &["*"]))
            .expect("well formed")
            .expect("present");
        assert!(any.matches(None));
    }

    #[test]
    fn if_match_compares_strongly() {
        let condition = IfMatch::from(tag(5));
        assert!(condition.matches(Some(tag(5))));
        assert!(!condition.matches(Some(tag(6))));
        assert!(!condition.matches(None));
        assert!(IfMatch::Any.matches(None));
    }
}
