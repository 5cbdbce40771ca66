//! CORS for the app's origins (`--app-origin`, plus the `--serve-app` origin): the exact origin echoed,
//! never `*`; `Access-Control-Allow-Credentials: true` on the cookie-authenticated services (MIM PAM and
//! the portal API). Other origins get no CORS headers at all.

use crate::app::App;
use crate::http_util::empty_response;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

const ALLOWED_METHODS: &str = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
const DEFAULT_ALLOWED_HEADERS: &str =
    "authorization, content-type, client-request-id, return-client-request-id, consistencylevel, prefer";
const EXPOSED_HEADERS: &str =
    "retry-after, request-id, client-request-id, x-ms-request-id, location";

pub async fn apply_cors(State(app): State<App>, request: Request, next: Next) -> Response {
    let allowed_origin = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .filter(|origin| app.is_allowed_origin(origin))
        .map(str::to_string);
    let with_credentials = uses_cookies(request.uri().path());
    if is_preflight(&request) {
        // A preflight is a round trip to the service like any other: the same fixed delay.
        let latency = app.settings.latency_for(request.uri().path());
        if latency > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(latency)).await;
        }
        let mut response = empty_response(StatusCode::NO_CONTENT);
        if let Some(origin) = &allowed_origin {
            add_preflight_headers(response.headers_mut(), request.headers());
            add_origin_headers(response.headers_mut(), origin, with_credentials);
        }
        return response;
    }
    let mut response = next.run(request).await;
    if let Some(origin) = &allowed_origin {
        add_origin_headers(response.headers_mut(), origin, with_credentials);
    }
    response
}

fn is_preflight(request: &Request) -> bool {
    request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
}

fn uses_cookies(path: &str) -> bool {
    path.starts_with("/pam/") || path.starts_with("/portal/")
}

fn add_origin_headers(headers: &mut HeaderMap, origin: &str, with_credentials: bool) {
    if let Ok(value) = HeaderValue::from_str(origin) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
    }
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(EXPOSED_HEADERS),
    );
    if with_credentials {
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
    }
}

fn add_preflight_headers(headers: &mut HeaderMap, request_headers: &HeaderMap) {
    let requested = request_headers
        .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
        .cloned()
        .unwrap_or(HeaderValue::from_static(DEFAULT_ALLOWED_HEADERS));
    headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, requested);
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(ALLOWED_METHODS),
    );
    headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
}
