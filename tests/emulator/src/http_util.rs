//! Small HTTP helpers shared by the service modules: reading a request into path segments, query pairs
//! and body bytes, and building JSON / empty responses.

use crate::server::ConnectionKill;
use axum::body::{to_bytes, Body, Bytes};
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;
use serde_json::Value;

/// Largest request body the emulator reads.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// A request as the service modules see it.
pub struct ApiRequest {
    pub method: Method,
    /// The raw path, e.g. `/graph/v1.0/me`.
    pub path: String,
    /// Percent-decoded path segments after the service prefix.
    pub segments: Vec<String>,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// The connection's kill switch, passed on to `$batch` items so a drop fault can close it.
    pub kill: Option<ConnectionKill>,
}

impl ApiRequest {
    /// Read a request; `prefix` (e.g. `/graph`) is cut from the segments.
    pub async fn read(request: Request, prefix: &str) -> ApiRequest {
        let (parts, body) = request.into_parts();
        let body = to_bytes(body, MAX_BODY_BYTES).await.unwrap_or_default();
        let path = parts.uri.path().to_string();
        let segments = path
            .strip_prefix(prefix)
            .unwrap_or(&path)
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
            .collect();
        let query = form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
        ApiRequest {
            method: parts.method,
            path,
            segments,
            query,
            kill: parts.extensions.get::<ConnectionKill>().cloned(),
            headers: parts.headers,
            body,
        }
    }

    /// The value of a query parameter (exact name).
    pub fn query_value(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    pub fn segments(&self) -> Vec<&str> {
        self.segments.iter().map(String::as_str).collect()
    }

    /// The body as JSON; an empty body is `Null`, invalid JSON is `Err`.
    pub fn json_body(&self) -> Result<Value, serde_json::Error> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&self.body)
    }
}

pub fn json_response(status: StatusCode, value: Value) -> Response {
    let mut response = (status, value.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

pub fn empty_response(status: StatusCode) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status;
    response
}

/// The value of one cookie from the `Cookie` header(s).
pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_string())
}

/// Escape text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// `base` with query pairs appended (after `?`, or `&` if it already has a query).
pub fn with_query(base: &str, pairs: &[(&str, &str)]) -> String {
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    for (key, value) in pairs {
        serializer.append_pair(key, value);
    }
    let separator = if base.contains('?') { '&' } else { '?' };
    format!("{base}{separator}{}", serializer.finish())
}
