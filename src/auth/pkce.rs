//! PKCE (RFC 7636, S256) and the random `state` / `nonce` values, all from the browser's crypto.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// 32 random bytes, base64url: 43 characters, as RFC 7636 recommends for the verifier.
pub fn random_token() -> Result<String, String> {
    let mut bytes = [0u8; 32];
    web_sys::window()
        .ok_or("no window")?
        .crypto()
        .map_err(|_| "the browser has no crypto API")?
        .get_random_values_with_u8_array(&mut bytes)
        .map_err(|_| "crypto.getRandomValues failed")?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// `BASE64URL(SHA256(verifier))`.
pub async fn challenge(verifier: &str) -> Result<String, String> {
    let subtle = web_sys::window()
        .ok_or("no window")?
        .crypto()
        .map_err(|_| "the browser has no crypto API")?
        .subtle();
    let data = verifier.as_bytes().to_vec();
    let promise = subtle
        .digest_with_str_and_u8_array("SHA-256", &data)
        .map_err(|_| {
            "SHA-256 is not available (is the page served over https or from localhost?)"
        })?;
    let digest = JsFuture::from(promise)
        .await
        .map_err(|_| "SHA-256 failed")?;
    let bytes = js_sys::Uint8Array::new(digest.unchecked_ref()).to_vec();
    Ok(encode_challenge(&bytes))
}

pub fn encode_challenge(digest: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b_encoding() {
        // SHA-256 of "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk" from RFC 7636 Appendix B.
        let digest: [u8; 32] = [
            19, 211, 30, 150, 26, 26, 216, 236, 47, 22, 177, 12, 76, 152, 46, 8, 118, 168, 120,
            173, 109, 241, 68, 86, 110, 225, 137, 74, 203, 112, 249, 195,
        ];
        assert_eq!(
            encode_challenge(&digest),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
