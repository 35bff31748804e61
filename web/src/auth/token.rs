//! The session token: a JWT signed with HS256 carrying the user (`sub`), the server-side
//! session (`sid`), and its issue and expiry times (seconds).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::sign;

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
    /// Not three base64 parts of JSON, or not HS256.
    Malformed,
    /// The signature does not match.
    BadSignature,
    /// Past its expiry.
    Expired,
}

const HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

/// Signs `claims` as a compact JWT.
pub fn encode(key: &[u8], claims: &Claims) -> String {
    let header = URL_SAFE_NO_PAD.encode(HEADER);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
    let signing_input = format!("{header}.{payload}");
    let signature = URL_SAFE_NO_PAD.encode(sign(key, signing_input.as_bytes()));
    format!("{signing_input}.{signature}")
}

/// Checks a token's signature and expiry at `now_secs`, returning its claims.
///
/// # Errors
/// [`Rejected`] saying why.
pub fn decode(key: &[u8], token: &str, now_secs: i64) -> Result<Claims, Rejected> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Rejected::Malformed);
    };
    let given = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| Rejected::Malformed)?;
    let expected = sign(key, format!("{header}.{payload}").as_bytes());
    if !crate::admin::constant_time_eq(&given, &expected) {
        return Err(Rejected::BadSignature);
    }
    let header: serde_json::Value = URL_SAFE_NO_PAD
        .decode(header)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or(Rejected::Malformed)?;
    if header.get("alg").and_then(serde_json::Value::as_str) != Some("HS256") {
        return Err(Rejected::Malformed);
    }
    let claims: Claims = URL_SAFE_NO_PAD
        .decode(payload)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or(Rejected::Malformed)?;
    if claims.exp <= now_secs {
        return Err(Rejected::Expired);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
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
        assert_ne!(decode(b"key", &none_alg, 150).ok(), Some(claims(9_999)));
    }
}
