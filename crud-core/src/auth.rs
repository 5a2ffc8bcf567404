//! JWT bearer authentication: HS256 tokens whose `sub` claim is the user id.

use crate::column::ColumnType;
use crate::error::Error;
use axum::extract::{FromRef, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Verifies (and issues) HS256 tokens with one shared secret; cheap to clone.
///
/// A token must carry `sub` (the user id) and `exp`; `alg` must be `HS256` (`none` and every
/// other algorithm are refused). The `sub` becomes the owner column of what the user writes,
/// so it is refused when it is empty or holds a NUL or another control character.
#[derive(Clone)]
pub struct Auth(Arc<Keys>);

struct Keys {
    decoding: DecodingKey,
    encoding: EncodingKey,
    validation: Validation,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth")
            .field("algorithm", &Algorithm::HS256)
            .finish_non_exhaustive()
    }
}

/// Why an [`Auth`] could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthConfigError {
    /// The secret is empty.
    #[error("the token secret is empty: use a long random string")]
    EmptySecret,
}

/// The claims of a token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Claims {
    /// The user id.
    pub sub: String,
    /// Expiry, in seconds since the Unix epoch.
    pub exp: u64,
    /// Issue time, in seconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
}

/// The claims as a token carries them, before the required ones are checked.
#[derive(Deserialize)]
struct TokenClaims {
    sub: Option<String>,
    exp: Option<u64>,
    iat: Option<u64>,
}

impl Auth {
    /// Verifies and issues tokens signed with `secret`.
    pub fn hs256(secret: impl AsRef<[u8]>) -> Result<Self, AuthConfigError> {
        let secret = secret.as_ref();
        if secret.is_empty() {
            return Err(AuthConfigError::EmptySecret);
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "sub"]);
        validation.leeway = 30;
        Ok(Self(Arc::new(Keys {
            decoding: DecodingKey::from_secret(secret),
            encoding: EncodingKey::from_secret(secret),
            validation,
        })))
    }

    /// Verifies a token and returns its claims.
    pub fn verify(&self, token: &str) -> Result<Claims, Error> {
        let invalid = |reason: String| Error::Unauthorized(format!("Invalid token: {reason}"));
        // The claims are read with `sub` and `exp` optional, so that a missing one is reported
        // by the required-claims check (which runs after deserializing) as missing, not as
        // malformed claims.
        let data = jsonwebtoken::decode::<TokenClaims>(token, &self.0.decoding, &self.0.validation)
            .map_err(|error| invalid(reason(error.kind())))?;
        let TokenClaims { sub, exp, iat } = data.claims;
        let (Some(sub), Some(exp)) = (sub, exp) else {
            return Err(invalid("missing `sub` or `exp` claim".to_owned()));
        };
        let sub = check_sub(sub).map_err(invalid)?;
        Ok(Claims { sub, exp, iat })
    }

    /// Issues a token for `user_id`, valid for `ttl`.
    pub fn issue(&self, user_id: &str, ttl: Duration) -> String {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let claims = Claims {
            sub: user_id.to_owned(),
            // A lifetime too long to add saturates at the latest time a token can name.
            exp: now.checked_add(ttl).map_or(u64::MAX, |exp| exp.as_secs()),
            iat: Some(now.as_secs()),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.0.encoding)
            .expect("HS256 signing with a secret key cannot fail")
    }
}

/// The longest user id a token may carry, in bytes (UTF-8).
pub const MAX_SUB_BYTES: usize = 255;

/// Checks the user id of a token, which is stored as the owner of what the user writes: it is
/// text like any client value (no NUL, which PostgreSQL cannot store), not empty, and without
/// control characters (an id that would break a log line or a path is no id).
fn check_sub(sub: String) -> Result<String, String> {
    if sub.is_empty() {
        return Err("`sub` is empty".to_owned());
    }
    // The owner column is indexed: PostgreSQL refuses index entries of over 2,704 bytes.
    if sub.len() > MAX_SUB_BYTES {
        return Err(format!("`sub` is longer than {MAX_SUB_BYTES} bytes"));
    }
    // A `String` column's own check: the owner is held to what any text is.
    ColumnType::check(&sub).map_err(|message| format!("`sub` {message}"))?;
    if sub.chars().any(char::is_control) {
        return Err("`sub` must not contain control characters".to_owned());
    }
    Ok(sub)
}

fn reason(kind: &ErrorKind) -> String {
    match kind {
        ErrorKind::ExpiredSignature => "token has expired".to_owned(),
        ErrorKind::ImmatureSignature => "token is not valid yet".to_owned(),
        ErrorKind::InvalidSignature => "signature does not match".to_owned(),
        ErrorKind::InvalidAlgorithm
        | ErrorKind::InvalidAlgorithmName
        | ErrorKind::UnsupportedAlgorithm => "algorithm must be HS256".to_owned(),
        ErrorKind::MissingRequiredClaim(claim) => format!("missing `{claim}` claim"),
        ErrorKind::InvalidClaimFormat(claim) => format!("malformed `{claim}` claim"),
        ErrorKind::Json(_) => "malformed claims".to_owned(),
        _ => "malformed token".to_owned(),
    }
}

/// The authenticated caller: the `sub` of a valid bearer token.
///
/// An extractor for custom handlers; its rejection is a 401 in the crate's JSON shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    /// The user id from the token's `sub`.
    pub user_id: String,
}

impl<S> FromRequestParts<S> for Caller
where
    Auth: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        let token = bearer_token(parts)?;
        let claims = Auth::from_ref(state).verify(token)?;
        Ok(Self {
            user_id: claims.sub,
        })
    }
}

fn bearer_token(parts: &Parts) -> Result<&str, Error> {
    let missing = || {
        Error::Unauthorized("Not authenticated: send `Authorization: Bearer <token>`".to_owned())
    };
    let value = parts.headers.get(AUTHORIZATION).ok_or_else(missing)?;
    let value = value.to_str().map_err(|_| missing())?;
    let (scheme, token) = value.split_once(' ').ok_or_else(missing)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(missing());
    }
    Ok(token.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_id_longer_than_the_owner_column_indexes_is_refused() {
        assert_eq!(
            check_sub("a".repeat(MAX_SUB_BYTES)).map(|sub| sub.len()),
            Ok(255)
        );
        assert_eq!(
            check_sub("é".repeat(128)),
            Err("`sub` is longer than 255 bytes".to_owned())
        );
    }

    #[test]
    fn a_lifetime_too_long_to_add_saturates() {
        let auth = Auth::hs256("secret").expect("a secret");
        let token = auth.issue("alice", Duration::MAX);
        let claims = auth.verify(&token).expect("a valid token");
        assert_eq!(claims.exp, u64::MAX);
    }

    #[test]
    fn issued_tokens_verify() {
        let auth = Auth::hs256("secret").unwrap();
        let token = auth.issue("alice", Duration::from_secs(60));
        assert_eq!(auth.verify(&token).unwrap().sub, "alice");
    }

    #[test]
    fn another_secret_is_refused() {
        let token = Auth::hs256("one")
            .unwrap()
            .issue("alice", Duration::from_secs(60));
        let error = Auth::hs256("two").unwrap().verify(&token).unwrap_err();
        assert_eq!(error.to_string(), "Invalid token: signature does not match");
    }

    #[test]
    fn sub_is_checked_like_stored_text() {
        let auth = Auth::hs256("secret").unwrap();
        for (sub, reason) in [
            ("", "`sub` is empty"),
            ("a\0b", "`sub` must not contain NUL characters"),
            ("\0", "`sub` must not contain NUL characters"),
            ("a\nb", "`sub` must not contain control characters"),
            ("\u{1}", "`sub` must not contain control characters"),
            ("a\u{7f}", "`sub` must not contain control characters"),
            ("a\u{85}", "`sub` must not contain control characters"),
        ] {
            let token = auth.issue(sub, Duration::from_secs(60));
            let error = auth.verify(&token).unwrap_err();
            assert!(matches!(error, Error::Unauthorized(_)), "{sub:?}");
            assert_eq!(
                error.to_string(),
                format!("Invalid token: {reason}"),
                "{sub:?}"
            );
        }
        for sub in [
            "alice",
            "user@example.com",
            "日本語",
            "🦀",
            "with space",
            "a|b:c/d",
        ] {
            let token = auth.issue(sub, Duration::from_secs(60));
            assert_eq!(auth.verify(&token).unwrap().sub, sub);
        }
    }

    #[test]
    fn empty_secret_is_a_configuration_error() {
        assert!(matches!(Auth::hs256(""), Err(AuthConfigError::EmptySecret)));
    }
}
