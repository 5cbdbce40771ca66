//! Reading (not verifying) the claims of an ID token: the SPA checks `nonce` and `aud` and takes the
//! account's name and object id from it. Access tokens are opaque to the app and never decoded.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Deserialize;

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct IdClaims {
    #[serde(default)]
    pub oid: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub preferred_username: String,
    #[serde(default)]
    pub aud: String,
    #[serde(default)]
    pub nonce: Option<String>,
    #[serde(default)]
    pub tid: Option<String>,
}

/// The payload of a compact JWT, or `None` when it is not one.
pub fn claims(token: &str) -> Option<IdClaims> {
    let payload = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_claims() {
        let payload = URL_SAFE_NO_PAD.encode(br#"{"oid":"o1","name":"Adele Vance","preferred_username":"adelev@contoso","aud":"c","nonce":"n"}"#);
        let token = format!("eyJhbGciOiJIUzI1NiJ9.{payload}.sig");
        let c = claims(&token).unwrap();
        assert_eq!(c.oid, "o1");
        assert_eq!(c.name, "Adele Vance");
        assert_eq!(c.nonce.as_deref(), Some("n"));
        assert!(claims("not-a-jwt").is_none());
        assert!(claims("a.!!!.c").is_none());
    }
}
