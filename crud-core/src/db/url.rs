//! Database URLs as they may be shown: in logs, error messages and `Debug` output, a URL's
//! password is replaced by `***`.

use std::borrow::Cow;
use std::ops::Range;

/// Where the passwords of a database URL are, as byte ranges: in its user info
/// (`scheme://user:password@host/...`) and in `password=` query parameters. The user info ends
/// at the last `@` before the query, so a password with an unescaped `/` or `@` is found whole.
fn password_ranges(url: &str) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    let Some(authority) = url.find("://").map(|at| at + 3) else {
        return ranges;
    };
    let query = url[authority..]
        .find(['?', '#'])
        .map_or(url.len(), |at| authority + at);
    if let Some(at) = url[authority..query].rfind('@')
        && let Some(colon) = url[authority..authority + at].find(':')
        && colon + 1 < at
    {
        ranges.push(authority + colon + 1..authority + at);
    }
    if url[query..].starts_with('?') {
        let end = url[query..].find('#').map_or(url.len(), |at| query + at);
        let mut start = query + 1;
        for pair in url[start..end].split('&') {
            if let Some((key, value)) = pair.split_once('=')
                && key.eq_ignore_ascii_case("password")
                && !value.is_empty()
            {
                let value_start = start + key.len() + 1;
                ranges.push(value_start..value_start + value.len());
            }
            start += pair.len() + 1;
        }
    }
    ranges
}

/// A database URL as the server shows it: its passwords replaced by `***`
/// (`postgres://u:secret@h/db` shows as `postgres://u:***@h/db`). A URL without a password
/// is shown as it is.
pub fn masked_url(url: &str) -> Cow<'_, str> {
    let ranges = password_ranges(url);
    if ranges.is_empty() {
        return Cow::Borrowed(url);
    }
    let mut masked = String::with_capacity(url.len());
    let mut from = 0;
    for range in ranges {
        masked.push_str(&url[from..range.start]);
        masked.push_str("***");
        from = range.end;
    }
    masked.push_str(&url[from..]);
    Cow::Owned(masked)
}

/// `text` (an error message, say) without the passwords of the database `url`: the URL is
/// replaced by its [masked](masked_url) form, and any other occurrence of a password by `***`.
pub fn redact<'a>(text: &'a str, url: &str) -> Cow<'a, str> {
    let ranges = password_ranges(url);
    if ranges.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut text = text.replace(url, &masked_url(url));
    for range in ranges {
        text = text.replace(&url[range], "***");
    }
    Cow::Owned(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_masked() {
        for (url, shown) in [
            ("postgres://u:secret@h/db", "postgres://u:***@h/db"),
            (
                "postgres://u:secret@h:5432/db?sslmode=require",
                "postgres://u:***@h:5432/db?sslmode=require",
            ),
            ("postgres://u:p%40ss@h/db", "postgres://u:***@h/db"),
            ("postgres://u:se/cr@et@h/db", "postgres://u:***@h/db"),
            (
                "postgres://h/db?user=u&password=secret",
                "postgres://h/db?user=u&password=***",
            ),
            ("postgresql://u:pw@h/db", "postgresql://u:***@h/db"),
            ("postgres://u:u@u/u", "postgres://u:***@u/u"),
            (
                "postgres://u:a@h/db?password=b&x=1#f",
                "postgres://u:***@h/db?password=***&x=1#f",
            ),
        ] {
            assert_eq!(masked_url(url), shown, "{url}");
        }
    }

    #[test]
    fn urls_without_a_password_are_unchanged() {
        for url in [
            "postgres://u@h/db",
            "postgres://h/db",
            "postgres://u:@h/db",
            "postgres://h/db?user=u",
            "sqlite://todo.db",
            "sqlite://todo.db?mode=rwc",
            "sqlite::memory:",
            "sqlite:todo.db",
            "mysql://localhost/todo",
            "",
        ] {
            assert_eq!(masked_url(url), url);
        }
    }

    #[test]
    fn errors_lose_the_password() {
        let url = "postgres://u:hunter2@h/db";
        assert_eq!(
            redact("cannot connect to postgres://u:hunter2@h/db: refused", url),
            "cannot connect to postgres://u:***@h/db: refused"
        );
        assert_eq!(redact("refused", url), "refused");
    }
}
