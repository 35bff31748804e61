//! The session token: a JWT signed with HS256 carrying the user (`sub`), the server-side
//! session (`sid`), and its issue and expiry times (seconds). Signing and verification are
//! `jsonwebtoken`'s (only HS256 is accepted, so `alg: none` or an RSA/HMAC confusion is refused
//! before the signature is looked at); the expiry is checked here against the dashboard's clock,
//! which tests control.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// What a session token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The Discord user id, as a string.
    pub sub: String,
    /// The server-side session id.
    pub sid: String,
    /// Issued at, unix seconds.
    pub iat: i64,
    /// Expires at, unix seconds.
    pub exp: i64,
}

/// Why a token was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejected {
    /// Not a JWT of these claims, or not HS256.
    Malformed,
    /// The signature does not match.
    BadSignature,
    /// Past its expiry.
    Expired,
}

/// Signs `claims` as a compact JWT (HS256). Serializing four plain fields cannot fail; if it
/// ever did, the empty token returned is refused by [`decode`] like any other bad token.
pub fn encode(key: &[u8], claims: &Claims) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(key),
    )
    .unwrap_or_default()
}

/// Checks a token's algorithm, signature and expiry at `now_secs`, returning its claims.
///
/// # Errors
/// [`Rejected`] saying why.
pub fn decode(key: &[u8], token: &str, now_secs: i64) -> Result<Claims, Rejected> {
    let mut validation = Validation::new(Algorithm::HS256);
    // The expiry is compared with the dashboard's clock below, not the system's.
    validation.validate_exp = false;
    validation.required_spec_claims = ["exp", "sub"]
        .iter()
        .map(|claim| (*claim).to_owned())
        .collect();
    let claims = jsonwebtoken::decode::<Claims>(token, &DecodingKey::from_secret(key), &validation)
        .map_err(|error| match error.kind() {
            ErrorKind::InvalidSignature => Rejected::BadSignature,
            _ => Rejected::Malformed,
        })?
        .claims;
    if claims.exp <= now_secs {
        return Err(Rejected::Expired);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;

    fn claims(exp: i64) -> Claims {
        Claims {
            sub: "1".into(),
            sid: "s".into(),
            iat: 100,
            exp,
        }
    }

    #[test]
    fn tokens_round_trip_and_reject_tampering_and_expiry() {
        let token = encode(b"key", &claims(200));
        assert_eq!(decode(b"key", &token, 150), Ok(claims(200)));
        assert_eq!(decode(b"key", &token, 200), Err(Rejected::Expired));
        assert_eq!(decode(b"other", &token, 150), Err(Rejected::BadSignature));
        let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims(9_999)).unwrap());
        let mut parts: Vec<&str> = token.split('.').collect();
        parts[1] = &forged_payload;
        assert_eq!(
            decode(b"key", &parts.join("."), 150),
            Err(Rejected::BadSignature)
        );
        assert_eq!(decode(b"key", "a.b", 150), Err(Rejected::Malformed));
        let none_alg = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
            parts[1]
        );
        assert_eq!(decode(b"key", &none_alg, 150), Err(Rejected::Malformed));
        // Another HMAC than the one accepted, correctly signed: refused for its algorithm.
        let hs512 = jsonwebtoken::encode(
            &Header::new(Algorithm::HS512),
            &claims(9_999),
            &EncodingKey::from_secret(b"key"),
        )
        .unwrap();
        assert_eq!(decode(b"key", &hs512, 150), Err(Rejected::Malformed));
        // Tokens made before the move to jsonwebtoken (same header, same HMAC) still verify.
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims(200)).unwrap());
        let signature = URL_SAFE_NO_PAD.encode(crate::auth::sign(
            b"key",
            format!("{header}.{payload}").as_bytes(),
        ));
        assert_eq!(
            decode(b"key", &format!("{header}.{payload}.{signature}"), 150),
            Ok(claims(200))
        );
    }
}
