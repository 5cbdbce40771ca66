//! Identifier helpers: stable GUIDs derived from a request id (so approval, step and stage ids survive a
//! reset and tests can rely on them) and random opaque tokens for codes, cookies and refresh tokens.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A GUID derived deterministically from `seed` for one `purpose` (e.g. `"stage"`).
pub fn derived_guid(seed: &str, purpose: &str) -> String {
    let digest = Sha256::digest(format!("{purpose}:{seed}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

/// `id` itself when it is a GUID, else a GUID derived from it (MIM PAM needs GUID ids).
pub fn guid_or_derived(id: &str, purpose: &str) -> String {
    match uuid::Uuid::parse_str(id) {
        Ok(guid) => guid.to_string(),
        Err(_) => derived_guid(id, purpose),
    }
}

/// A fresh random GUID (request ids in error bodies, trace ids).
pub fn random_guid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// 32 random bytes, base64url: authorization codes, refresh tokens, session cookies.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}
