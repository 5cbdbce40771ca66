//! Embedding in a host portal's iframe: the postMessage protocol (see README, "For portal teams").
//!
//! - Every message is an object whose `type` starts with `pim-approvals:`.
//! - Messages are accepted only from the parent window and only from an origin listed in
//!   `embedding.allowedParentOrigins`; anything else is ignored and logged without its content.
//! - The app sends only to those origins (postMessage with an exact `targetOrigin`).
//! - With `tokensFromHost`, the app asks the host for a token per resource and waits
//!   `hostTimeoutMs` for the answer. The decision context asks for `graph` again with more `scopes`
//!   (its optional permissions); a host whose tenant has not consented to them answers
//!   `token-error` with `error: "consent_required"` and the context panels say so.

use super::cache::{Token, TokenCache};
use super::{AuthError, Resource, TokenSource};
use crate::config::EmbeddingConfig;
use async_trait::async_trait;
use futures::channel::oneshot;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

pub const PREFIX: &str = "pim-approvals:";
/// Protocol version sent in `pim-approvals:ready`.
pub const VERSION: u32 = 1;
/// Ask the host again this long before its token expires.
const RENEW_MARGIN_MS: f64 = 60_000.0;

/// Messages the host may send.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "type")]
pub enum HostMessage {
    #[serde(rename = "pim-approvals:token")]
    Token {
        #[serde(rename = "requestId")]
        request_id: String,
        #[serde(rename = "accessToken")]
        access_token: String,
        /// Unix time in seconds when the token expires.
        #[serde(rename = "expiresOn")]
        expires_on: f64,
    },
    #[serde(rename = "pim-approvals:token-error")]
    TokenError {
        #[serde(rename = "requestId")]
        request_id: String,
        message: String,
        /// The identity platform's error code, e.g. `consent_required` (optional).
        #[serde(default)]
        error: Option<String>,
    },
    #[serde(rename = "pim-approvals:navigate")]
    Navigate { path: String },
    #[serde(rename = "pim-approvals:theme")]
    Theme {
        #[serde(default)]
        theme: Option<String>,
        #[serde(default)]
        density: Option<String>,
    },
}

/// Messages the app sends.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type")]
pub enum AppMessage {
    #[serde(rename = "pim-approvals:ready")]
    Ready { version: u32 },
    #[serde(rename = "pim-approvals:token-request")]
    TokenRequest {
        #[serde(rename = "requestId")]
        request_id: String,
        resource: String,
        scopes: Vec<String>,
    },
    #[serde(rename = "pim-approvals:pending-count")]
    PendingCount { count: usize },
    #[serde(rename = "pim-approvals:route")]
    Route { path: String },
    #[serde(rename = "pim-approvals:height")]
    Height { height: u32 },
}

/// Is `origin` one the config allows? Exact match only.
pub fn origin_allowed(config: &EmbeddingConfig, origin: &str) -> bool {
    config.allowed_parent_origins.iter().any(|o| o == origin)
}

/// Parses a message that passed the origin check; `None` for anything not in the protocol.
pub fn parse_host_message(data: &Value) -> Option<HostMessage> {
    let kind = data.get("type")?.as_str()?;
    if !kind.starts_with(PREFIX) {
        return None;
    }
    serde_json::from_value(data.clone()).ok()
}

pub fn is_embedded() -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    match (window.parent(), window.top()) {
        (Ok(Some(parent)), _) => !js_sys::Object::is(&parent, &window),
        _ => false,
    }
}

type Waiter = oneshot::Sender<Result<Token, AuthError>>;
type NavigateHandler = Rc<dyn Fn(String)>;
type ThemeHandler = Rc<dyn Fn(Option<String>, Option<String>)>;

struct Inner {
    config: EmbeddingConfig,
    waiting: RefCell<HashMap<String, Waiter>>,
    tokens: Rc<TokenCache>,
    next_id: RefCell<u64>,
    on_navigate: RefCell<Option<NavigateHandler>>,
    on_theme: RefCell<Option<ThemeHandler>>,
    /// The window's `message` listener, removed when the channel goes away (it holds the channel
    /// only weakly, so nothing keeps the channel alive but its owners).
    listener: RefCell<Option<MessageListener>>,
}

type MessageListener = Closure<dyn Fn(web_sys::MessageEvent)>;

impl Drop for Inner {
    fn drop(&mut self) {
        if let (Some(window), Some(listener)) = (web_sys::window(), self.listener.take()) {
            let _ = window
                .remove_event_listener_with_callback("message", listener.as_ref().unchecked_ref());
        }
    }
}

/// The app's side of the channel to the host portal. Cheap to clone.
#[derive(Clone)]
pub struct HostChannel {
    inner: Rc<Inner>,
}

impl HostChannel {
    /// Starts listening to the parent window and announces the app.
    pub fn connect(config: EmbeddingConfig) -> Self {
        let channel = HostChannel {
            inner: Rc::new(Inner {
                config,
                waiting: RefCell::new(HashMap::new()),
                tokens: TokenCache::new(RENEW_MARGIN_MS),
                next_id: RefCell::new(0),
                on_navigate: RefCell::new(None),
                on_theme: RefCell::new(None),
                listener: RefCell::new(None),
            }),
        };
        channel.listen();
        channel.send(&AppMessage::Ready { version: VERSION });
        channel
    }

    pub fn on_navigate(&self, handler: impl Fn(String) + 'static) {
        *self.inner.on_navigate.borrow_mut() = Some(Rc::new(handler));
    }

    pub fn on_theme(&self, handler: impl Fn(Option<String>, Option<String>) + 'static) {
        *self.inner.on_theme.borrow_mut() = Some(Rc::new(handler));
    }

    fn listen(&self) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let channel = Rc::downgrade(&self.inner);
        let handler = MessageListener::new(move |event: web_sys::MessageEvent| {
            if let Some(inner) = channel.upgrade() {
                HostChannel { inner }.receive(&event);
            }
        });
        let _ =
            window.add_event_listener_with_callback("message", handler.as_ref().unchecked_ref());
        *self.inner.listener.borrow_mut() = Some(handler);
    }

    fn receive(&self, event: &web_sys::MessageEvent) {
        let origin = event.origin();
        let from_parent = match (
            web_sys::window().and_then(|w| w.parent().ok().flatten()),
            event.source(),
        ) {
            (Some(parent), Some(source)) => js_sys::Object::is(&parent, &source),
            _ => false,
        };
        if !from_parent || !origin_allowed(&self.inner.config, &origin) {
            web_sys::console::warn_1(&JsValue::from_str(&format!(
                "PIM Approvals ignored a message from {origin}: not the parent window or not in embedding.allowedParentOrigins."
            )));
            return;
        }
        let data: Value = serde_wasm_value(&event.data());
        match parse_host_message(&data) {
            Some(HostMessage::Token {
                request_id,
                access_token,
                expires_on,
            }) => self.resolve(&request_id, Ok((access_token, expires_on * 1000.0))),
            Some(HostMessage::TokenError {
                request_id,
                message,
                error,
            }) => self.resolve(&request_id, Err(host_refusal(&message, error.as_deref()))),
            // The handler validates the route (`routes::in_app_route`) before following it.
            Some(HostMessage::Navigate { path }) => {
                if let Some(handler) = self.inner.on_navigate.borrow().clone() {
                    handler(path);
                }
            }
            Some(HostMessage::Theme { theme, density }) => {
                if let Some(handler) = self.inner.on_theme.borrow().clone() {
                    handler(theme, density);
                }
            }
            None => {}
        }
    }

    fn resolve(&self, request_id: &str, result: Result<Token, AuthError>) {
        if let Some(waiter) = self.inner.waiting.borrow_mut().remove(request_id) {
            let _ = waiter.send(result);
        }
    }

    /// Posts to the parent, once per allowed origin: the browser delivers it only where the
    /// parent's origin matches exactly, so nothing reaches another site.
    pub fn send(&self, message: &AppMessage) {
        let Some(parent) = web_sys::window().and_then(|w| w.parent().ok().flatten()) else {
            return;
        };
        let Ok(text) = serde_json::to_string(message) else {
            return;
        };
        let Ok(value) = js_sys::JSON::parse(&text) else {
            return;
        };
        for origin in &self.inner.config.allowed_parent_origins {
            let _ = parent.post_message(&value, origin);
        }
    }

    async fn request_token(self, resource: Resource) -> Result<Token, AuthError> {
        let request_id = {
            let mut next = self.inner.next_id.borrow_mut();
            *next += 1;
            format!("t{}", *next)
        };
        let (sender, receiver) = oneshot::channel();
        self.inner
            .waiting
            .borrow_mut()
            .insert(request_id.clone(), sender);
        self.send(&AppMessage::TokenRequest {
            request_id: request_id.clone(),
            resource: resource.protocol_name().to_string(),
            scopes: super::oauth::resource_scopes(&resource),
        });
        let timeout = gloo_timers::future::TimeoutFuture::new(self.inner.config.host_timeout_ms);
        futures::pin_mut!(receiver);
        match futures::future::select(receiver, timeout).await {
            futures::future::Either::Left((Ok(result), _)) => result,
            _ => {
                self.inner.waiting.borrow_mut().remove(&request_id);
                Err(AuthError::new(format!(
                    "The host portal did not answer the token request for {} within {} s. Check that the portal page implements the PIM Approvals token hand-off and that its origin is listed in embedding.allowedParentOrigins.",
                    resource.protocol_name(),
                    self.inner.config.host_timeout_ms / 1000
                )))
            }
        }
    }
}

/// A host's `token-error`: a missing consent when the host says `consent_required` (or passes on
/// AADSTS65001), otherwise a failure in the host's words.
pub fn host_refusal(message: &str, error: Option<&str>) -> AuthError {
    let consent = error == Some("consent_required")
        || ["AADSTS65001", "AADSTS90094", "consent_required"]
            .iter()
            .any(|code| message.contains(code));
    AuthError {
        consent_missing: consent,
        ..AuthError::new(format!(
            "The host portal could not provide a token: {message}"
        ))
    }
}

/// Converts a structured-clone value to JSON via `JSON.stringify` (strings and plain objects only).
fn serde_wasm_value(data: &JsValue) -> Value {
    js_sys::JSON::stringify(data)
        .ok()
        .and_then(|s| s.as_string())
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(Value::Null)
}

#[async_trait(?Send)]
impl TokenSource for HostChannel {
    async fn access_token(&self, resource: &Resource, fresh: bool) -> Result<String, AuthError> {
        let channel = self.clone();
        let target = resource.clone();
        self.inner
            .tokens
            .get(resource, fresh, move || channel.request_token(target))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config() -> EmbeddingConfig {
        EmbeddingConfig {
            allowed_parent_origins: vec!["https://admin.contoso.com".into()],
            tokens_from_host: true,
            host_timeout_ms: 5000,
            theme: None,
            density: None,
        }
    }

    #[test]
    fn only_exact_origins_are_allowed() {
        assert!(origin_allowed(&config(), "https://admin.contoso.com"));
        assert!(!origin_allowed(
            &config(),
            "https://admin.contoso.com.evil.example"
        ));
        assert!(!origin_allowed(&config(), "http://admin.contoso.com"));
        assert!(!origin_allowed(&config(), "null"));
    }

    #[test]
    fn parses_the_protocol_and_ignores_the_rest() {
        let token = json!({ "type": "pim-approvals:token", "requestId": "t1", "accessToken": "eyJ", "expiresOn": 1_900_000_000 });
        assert_eq!(
            parse_host_message(&token),
            Some(HostMessage::Token {
                request_id: "t1".into(),
                access_token: "eyJ".into(),
                expires_on: 1_900_000_000.0
            })
        );
        assert_eq!(parse_host_message(&json!({ "type": "other:thing" })), None);
        assert_eq!(parse_host_message(&json!("just a string")), None);
        assert_eq!(
            parse_host_message(&json!({ "type": "pim-approvals:token" })),
            None
        );
    }

    #[test]
    fn a_host_refusal_for_missing_consent_is_told_apart() {
        let refusal = json!({ "type": "pim-approvals:token-error", "requestId": "t2", "message": "no", "error": "consent_required" });
        let Some(HostMessage::TokenError { message, error, .. }) = parse_host_message(&refusal)
        else {
            panic!("a token-error");
        };
        assert!(host_refusal(&message, error.as_deref()).consent_missing);
        assert!(
            host_refusal(
                "AADSTS65001: The user or administrator has not consented",
                None
            )
            .consent_missing
        );
        let other = host_refusal("the portal is restarting", None);
        assert!(!other.consent_missing && !other.needs_interactive);
        let old = json!({ "type": "pim-approvals:token-error", "requestId": "t3", "message": "x" });
        assert!(parse_host_message(&old).is_some(), "error stays optional");
    }

    #[test]
    fn serializes_events() {
        let text = serde_json::to_string(&AppMessage::PendingCount { count: 3 }).unwrap();
        assert_eq!(text, r#"{"type":"pim-approvals:pending-count","count":3}"#);
        let text = serde_json::to_string(&AppMessage::TokenRequest {
            request_id: "t1".into(),
            resource: "graph".into(),
            scopes: vec!["s".into()],
        })
        .unwrap();
        assert_eq!(
            text,
            r#"{"type":"pim-approvals:token-request","requestId":"t1","resource":"graph","scopes":["s"]}"#
        );
    }
}
