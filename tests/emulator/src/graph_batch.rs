//! Graph JSON batching (`POST /graph/v1.0/$batch`, `/graph/beta/$batch`): at most 20 items with unique
//! ids, each executed against the emulator's own router (so faults and the request log apply per item)
//! with the outer Authorization header; `dependsOn` on a failed item gives 424; an item with a body and
//! no `Content-Type` header fails the whole batch with 400, as Graph's does.

use crate::app::App;
use crate::errors::graph_error;
use crate::graph::Version;
use crate::http_util::{json_response, ApiRequest, MAX_BODY_BYTES};
use crate::request_log::BatchItem;
use axum::body::{to_bytes, Body};
use axum::http::{header, HeaderName, HeaderValue, Request, StatusCode};
use axum::response::Response;
use serde_json::{json, Map, Value};
use std::collections::{HashMap, HashSet};
use tower::ServiceExt;

pub const MAX_BATCH_REQUESTS: usize = 20;

/// Run a batch and answer `{ "responses": [...] }` in request order.
pub async fn execute(app: App, outer: &ApiRequest, version: Version) -> Response {
    let items = match parse_items(outer) {
        Ok(items) => items,
        Err(message) => return graph_error(StatusCode::BAD_REQUEST, "BadRequest", &message),
    };
    let router = crate::router::api_router(app);
    let mut statuses: HashMap<String, u16> = HashMap::new();
    let mut responses = Vec::new();
    for item in items {
        let id = item["id"].as_str().unwrap_or_default().to_string();
        let response = if depends_on_failure(&item, &statuses) {
            json!({ "id": id, "status": 424, "headers": {}, "body": failed_dependency_body() })
        } else {
            run_item(router.clone(), outer, version, &item).await
        };
        statuses.insert(id, response["status"].as_u64().unwrap_or(0) as u16);
        responses.push(response);
    }
    json_response(StatusCode::OK, json!({ "responses": responses }))
}

fn parse_items(outer: &ApiRequest) -> Result<Vec<Value>, String> {
    let body = outer
        .json_body()
        .map_err(|_| "Invalid batch payload format.".to_string())?;
    let items = body["requests"]
        .as_array()
        .ok_or("Invalid batch payload format: 'requests' is missing.")?;
    if items.len() > MAX_BATCH_REQUESTS {
        return Err(format!(
            "Number of requests in a batch exceeded the limit of {MAX_BATCH_REQUESTS}."
        ));
    }
    let mut ids = HashSet::new();
    for item in items {
        let id = item["id"]
            .as_str()
            .ok_or("Every batch request needs an 'id'.")?;
        if !ids.insert(id) {
            return Err(format!("Request id '{id}' is duplicated in the batch."));
        }
        let url = item["url"]
            .as_str()
            .ok_or(format!("Request '{id}' has no 'url'."))?;
        if url.contains("://") || url.contains("$batch") {
            return Err(format!(
                "Request '{id}' must have a relative URL that is not a batch."
            ));
        }
        item["method"]
            .as_str()
            .ok_or(format!("Request '{id}' has no 'method'."))?;
        if !item["body"].is_null() && !has_content_type(item) {
            return Err(format!(
                "Write request id : {id} does not contain Content-Type header or body."
            ));
        }
    }
    Ok(items.clone())
}

/// Graph needs the inner item's `Content-Type` whenever it has a body (`headers` names are
/// case-insensitive).
fn has_content_type(item: &Value) -> bool {
    item["headers"].as_object().is_some_and(|headers| {
        headers
            .iter()
            .any(|(name, value)| name.eq_ignore_ascii_case("content-type") && value.is_string())
    })
}

fn depends_on_failure(item: &Value, statuses: &HashMap<String, u16>) -> bool {
    item["dependsOn"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .any(|dependency| statuses.get(dependency).is_none_or(|status| *status >= 400))
}

fn failed_dependency_body() -> Value {
    json!({ "error": { "code": "FailedDependency", "message": "A request this one depends on failed." } })
}

/// Execute one item through the router and convert its response to a batch response entry.
async fn run_item(
    router: axum::Router,
    outer: &ApiRequest,
    version: Version,
    item: &Value,
) -> Value {
    let id = item["id"].clone();
    let request = match build_request(outer, version, item) {
        Some(request) => request,
        None => {
            return json!({ "id": id, "status": 400, "headers": {}, "body": { "error": { "code": "BadRequest", "message": "Invalid request in batch." } } })
        }
    };
    let response = router.oneshot(request).await.expect("router is infallible");
    let status = response.status().as_u16();
    let headers = batch_headers(response.headers());
    let bytes = to_bytes(response.into_body(), MAX_BODY_BYTES)
        .await
        .unwrap_or_default();
    let mut entry = json!({ "id": id, "status": status, "headers": headers });
    if !bytes.is_empty() {
        entry["body"] = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    }
    entry
}

fn build_request(outer: &ApiRequest, version: Version, item: &Value) -> Option<Request<Body>> {
    let url = item["url"].as_str()?;
    let separator = if url.starts_with('/') { "" } else { "/" };
    let mut builder = Request::builder()
        .method(item["method"].as_str()?.to_ascii_uppercase().as_str())
        .uri(format!("/graph/{}{separator}{url}", version.as_str()));
    for (name, value) in item["headers"].as_object().into_iter().flatten() {
        builder = builder.header(name.as_str(), value.as_str().unwrap_or_default());
    }
    if let Some(authorization) = outer.headers.get(header::AUTHORIZATION) {
        builder = builder.header(header::AUTHORIZATION, authorization.clone());
    }
    let body = match &item["body"] {
        Value::Null => Body::empty(),
        Value::String(text) => Body::from(text.clone()),
        other => Body::from(other.to_string()),
    };
    let mut request = builder.body(body).ok()?;
    request.extensions_mut().insert(BatchItem);
    if let Some(kill) = &outer.kill {
        request.extensions_mut().insert(kill.clone());
    }
    if !request.headers().contains_key(header::CONTENT_TYPE) {
        request.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
    Some(request)
}

/// Response headers of an item, with Graph's capitalisation (`Retry-After`, `Content-Type`).
fn batch_headers(headers: &axum::http::HeaderMap) -> Value {
    let mut map = Map::new();
    for (name, value) in headers {
        if name.as_str().starts_with("access-control-")
            || name == header::VARY
            || name == header::CONTENT_LENGTH
        {
            continue;
        }
        map.insert(title_case(name), json!(value.to_str().unwrap_or_default()));
    }
    Value::Object(map)
}

fn title_case(name: &HeaderName) -> String {
    name.as_str()
        .split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or(String::new(), |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect::<Vec<_>>()
        .join("-")
}
