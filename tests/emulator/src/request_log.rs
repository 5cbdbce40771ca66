//! The request log (`GET /_emulator/log`): every service request in arrival order with method, path,
//! query, headers (Authorization redacted to `Bearer <aud=…>`), a fingerprint of the bearer token, body,
//! final status and the injected fault that hit it.

use crate::app::App;
use crate::clock::format_time;
use crate::jwt::unverified_claims;
use crate::tokens::bearer_token;
use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

/// Marks a request that is an inner item of a Graph `$batch` (logged with `"batchItem": true`).
#[derive(Clone, Copy, Debug)]
pub struct BatchItem;

/// The log entry of a request (set by [`record_requests`], read by the fault middleware).
#[derive(Clone, Copy, Debug)]
pub struct LogSeq(pub u64);

#[derive(Default)]
pub struct RequestLog {
    entries: Vec<Value>,
    next_seq: u64,
}

impl RequestLog {
    fn begin(&mut self, mut entry: Value) -> u64 {
        self.next_seq += 1;
        entry["seq"] = json!(self.next_seq);
        self.entries.push(entry);
        self.next_seq
    }

    fn finish(&mut self, seq: u64, status: u16) {
        if let Some(entry) = self.entries.iter_mut().find(|e| e["seq"] == seq) {
            entry["status"] = json!(status);
        }
    }

    /// Add `key: value` to the entry of request `seq` (e.g. the fault that hit it).
    pub fn annotate(&mut self, seq: u64, key: &str, value: Value) {
        if let Some(entry) = self.entries.iter_mut().find(|e| e["seq"] == seq) {
            entry[key] = value;
        }
    }

    /// Add `key: value` to the `fault` note of the entry of request `seq`.
    pub fn annotate_fault(&mut self, seq: u64, key: &str, value: Value) {
        if let Some(entry) = self.entries.iter_mut().find(|e| e["seq"] == seq) {
            entry["fault"][key] = value;
        }
    }

    pub fn entries(&self) -> Value {
        Value::Array(self.entries.clone())
    }

    pub fn clear(&mut self) {
        self.entries.clear();
        self.next_seq = 0;
    }
}

/// Middleware: log the request on arrival (status `null` until answered; a dropped connection stays
/// `null`), then fill in the status.
pub async fn record_requests(State(app): State<App>, request: Request, next: Next) -> Response {
    if request.uri().path().starts_with("/_emulator") {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, crate::http_util::MAX_BODY_BYTES)
        .await
        .unwrap_or_default();
    let mut entry = json!({
        "method": parts.method.as_str(),
        "path": parts.uri.path(),
        "query": parts.uri.query(),
        "headers": redacted_headers(&parts.headers),
        "tokenFingerprint": bearer_token(&parts.headers).map(token_fingerprint),
        "body": String::from_utf8_lossy(&bytes),
        "status": null,
        "at": format_time(app.clock.now()),
    });
    if parts.extensions.get::<BatchItem>().is_some() {
        entry["batchItem"] = json!(true);
    }
    let seq = app.log.lock().expect("log lock").begin(entry);
    let mut request = Request::from_parts(parts, Body::from(bytes));
    request.extensions_mut().insert(LogSeq(seq));
    let response = next.run(request).await;
    app.log
        .lock()
        .expect("log lock")
        .finish(seq, response.status().as_u16());
    response
}

/// The first 16 hex digits of the token's SHA-256: tells two tokens apart without showing either.
pub fn token_fingerprint(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest[..8]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn redacted_headers(headers: &HeaderMap) -> Value {
    let mut map = Map::new();
    for name in headers.keys() {
        let values: Vec<String> = headers
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect();
        let value = if name == header::AUTHORIZATION {
            redact_authorization(&values.join(", "))
        } else {
            values.join(", ")
        };
        map.insert(name.as_str().to_string(), json!(value));
    }
    Value::Object(map)
}

fn redact_authorization(value: &str) -> String {
    let token = value
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    match token.and_then(unverified_claims) {
        Some(claims) => format!("Bearer <aud={}>", claims["aud"].as_str().unwrap_or("?")),
        None if token.is_some() => "Bearer <invalid>".to_string(),
        None => "<redacted>".to_string(),
    }
}
