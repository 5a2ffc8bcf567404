//! Cursors: the position after a page's last row, bound to the list that gave it.
//!
//! A cursor is the sort keys of the last row of a page, as text (JSON), behind a tag: the
//! first 12 bytes of the SHA-256 of the list's description (table, sort, filters and their
//! values) and the keys. A cursor altered, cut, or used with another resource, sort or
//! filters fails the tag and is refused. It is opaque but not secret, and not a credential:
//! whoever forges one only moves within the rows the query may read anyway (the caller's).

use super::QueryError;
use super::plan::{Planned, SortColumn};
use super::value::Value;
use crate::column::SqlKind;
use crate::schema::Schema;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use std::fmt;

const TAG_LEN: usize = 12;

/// The position after the last row of a list page: pass it to
/// [`ListQuery::after`](super::ListQuery::after), or as `cursor=` in the next page's URL.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Cursor(String);

impl Cursor {
    /// A cursor from its text, as a page gave it.
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The cursor's text, URL-safe.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The cursor of the position after a row whose sort keys are `keys`.
    pub(crate) fn encode(
        schema: &Schema,
        filters: &[Planned],
        sort: &[SortColumn],
        keys: &[Value],
    ) -> Self {
        let payload = serde_json::to_vec(&keys.iter().map(Value::to_text).collect::<Vec<_>>())
            .unwrap_or_default();
        let mut bytes = tag(schema, filters, sort, &payload).to_vec();
        bytes.extend_from_slice(&payload);
        Self(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// The sort keys of the position, if the cursor is one that [`encode`](Self::encode)
    /// gave for this list.
    pub(crate) fn decode(
        &self,
        schema: &Schema,
        filters: &[Planned],
        sort: &[SortColumn],
    ) -> Result<Vec<Value>, QueryError> {
        let invalid = || {
            QueryError(
                "Invalid `cursor`: it was altered, or belongs to another list (another \
                 resource, sort or filters); start again from the first page"
                    .to_owned(),
            )
        };
        let bytes = URL_SAFE_NO_PAD.decode(&self.0).map_err(|_| invalid())?;
        if bytes.len() < TAG_LEN {
            return Err(invalid());
        }
        let (given, payload) = bytes.split_at(TAG_LEN);
        if given != tag(schema, filters, sort, payload) {
            return Err(invalid());
        }
        let texts: Vec<Option<String>> = serde_json::from_slice(payload).map_err(|_| invalid())?;
        if texts.len() != sort.len() {
            return Err(invalid());
        }
        texts
            .iter()
            .zip(sort)
            .map(|(text, key)| {
                let sql_type = schema.columns[key.column].sql_type;
                match text {
                    None if sql_type.nullable => Ok(Value::Null),
                    None => Err(invalid()),
                    // A row's text may be empty, though a filter's value may not.
                    Some(text) if text.is_empty() && sql_type.kind == SqlKind::Text => {
                        Value::Text(String::new())
                            .fit(sql_type)
                            .map_err(|_| invalid())
                    }
                    Some(text) => Value::parse(text, sql_type).map_err(|_| invalid()),
                }
            })
            .collect()
    }
}

/// The tag of `payload` for this list.
fn tag(schema: &Schema, filters: &[Planned], sort: &[SortColumn], payload: &[u8]) -> [u8; TAG_LEN] {
    let mut hash = Sha256::new();
    let mut field = |bytes: &[u8]| {
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(bytes);
    };
    // Every list of items is preceded by its length, so that no two lists hash alike.
    field(schema.table.as_bytes());
    field(&(sort.len() as u64).to_le_bytes());
    for key in sort {
        field(schema.columns[key.column].name.as_bytes());
        field(if key.descending { b"desc" } else { b"asc" });
    }
    field(&(filters.len() as u64).to_le_bytes());
    for filter in filters {
        field(schema.columns[filter.column].name.as_bytes());
        field(filter.op.name().as_bytes());
        field(&(filter.values.len() as u64).to_le_bytes());
        for value in &filter.values {
            field(value.to_text().unwrap_or_default().as_bytes());
        }
    }
    field(payload);
    let digest = hash.finalize();
    let mut tag = [0; TAG_LEN];
    tag.copy_from_slice(&digest[..TAG_LEN]);
    tag
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Cursor").field(&self.0).finish()
    }
}
