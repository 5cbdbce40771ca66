//! Browser tests (wasm-bindgen-test in headless Chromium): the parts that need a real browser —
//! Web Crypto for PKCE and state, and rendering untrusted text as text.
#![cfg(target_arch = "wasm32")]

use leptos::prelude::*;
use pim_approvals::auth::pkce;
use pim_approvals::components::source_status::SourceErrorView;
use pim_approvals::domain::SourceKind;
use pim_approvals::sources::{ErrorKind, SourceError};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn pkce_challenge_matches_rfc_7636_with_web_crypto() {
    let challenge = pkce::challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        .await
        .unwrap();
    assert_eq!(challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

#[wasm_bindgen_test]
fn state_and_verifiers_are_random_and_url_safe() {
    let a = pkce::random_token().unwrap();
    let b = pkce::random_token().unwrap();
    assert_eq!(a.len(), 43);
    assert_ne!(a, b);
    assert!(a
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
}

#[wasm_bindgen_test]
async fn a_service_message_is_rendered_as_text_not_html() {
    let document = web_sys::window().unwrap().document().unwrap();
    let host = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    let error = SourceError::new(SourceKind::PortalApi, ErrorKind::Rejected)
        .with_detail("<img src=x onerror=\"window.pwned=1\"><b>bold</b>");
    let _mounted = leptos::mount::mount_to(host.clone().unchecked_into(), move || {
        view! { <SourceErrorView error=error.clone() /> }
    });
    leptos::task::tick().await;
    assert!(
        host.query_selector("img").unwrap().is_none(),
        "no element was created from the text"
    );
    assert!(host.query_selector("b").unwrap().is_none());
    let text = host.text_content().unwrap();
    assert!(
        text.contains("<img src=x onerror=\"window.pwned=1\"><b>bold</b>"),
        "{text}"
    );
    assert!(text.contains("Admin portal refused the request"), "{text}");
}
