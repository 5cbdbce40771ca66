//! Compact HS256 JSON Web Tokens: signing with the per-process key and verifying signatures.
//! Claims checks (expiry, audience) belong to `tokens.rs`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde_json::{json, Value};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Signs and verifies tokens with a key generated at start-up (tokens never outlive the process).
pub struct TokenSigner {
    key: [u8; 32],
}

impl TokenSigner {
    pub fn random() -> TokenSigner {
        let mut key = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut key);
        TokenSigner { key }
    }

    fn mac(&self) -> HmacSha256 {
        HmacSha256::new_from_slice(&self.key).expect("HMAC accepts any key length")
    }

    /// `header.payload.signature`, all base64url.
    pub fn sign(&self, claims: &Value) -> String {
        let header = json!({ "alg": "HS256", "typ": "JWT" });
        let signing_input = format!("{}.{}", encode_json(&header), encode_json(claims));
        let mut mac = self.mac();
        mac.update(signing_input.as_bytes());
        let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{signing_input}.{signature}")
    }

    /// The claims of a token whose signature is valid, else `None`.
    pub fn verify(&self, token: &str) -> Option<Value> {
        let (signing_input, signature) = token.rsplit_once('.')?;
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        let mut mac = self.mac();
        mac.update(signing_input.as_bytes());
        mac.verify_slice(&signature).ok()?;
        unverified_claims(token)
    }
}

/// The payload of a JWT without checking anything (used to label tokens in the request log).
pub fn unverified_claims(token: &str) -> Option<Value> {
    let mut parts = token.split('.');
    let (_header, payload) = (parts.next()?, parts.next()?);
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn encode_json(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_tokens_verify_and_tampered_ones_do_not() {
        let signer = TokenSigner::random();
        let token = signer.sign(&json!({ "oid": "x" }));
        assert_eq!(signer.verify(&token).unwrap()["oid"], "x");
        let tampered = token.replacen('.', ".e30", 1);
        assert!(signer.verify(&tampered).is_none());
        assert!(TokenSigner::random().verify(&token).is_none());
    }
}
