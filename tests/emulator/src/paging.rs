//! Server-driven paging shared by Graph (`@odata.nextLink`), ARM and the portal API (`nextLink`):
//! `--page-size` items per page, next links absolute with an opaque `$skiptoken`.

use crate::http_util::{with_query, ApiRequest};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::Value;

pub struct Page {
    pub items: Vec<Value>,
    pub next_link: Option<String>,
}

/// The page of `items` the request's `$skiptoken` points at, and the link to the next one.
pub fn paginate(items: Vec<Value>, request: &ApiRequest, base_url: &str, page_size: usize) -> Page {
    let offset = request
        .query_value("$skiptoken")
        .and_then(decode_skiptoken)
        .unwrap_or(0)
        .min(items.len());
    let end = (offset + page_size.max(1)).min(items.len());
    let next_link = (end < items.len()).then(|| next_link(request, base_url, end));
    Page {
        items: items.into_iter().skip(offset).take(end - offset).collect(),
        next_link,
    }
}

/// `{ "value": [...], "nextLink": "..." }`, the list envelope of ARM and the portal API, for one page.
pub fn next_link_list(
    items: Vec<Value>,
    request: &ApiRequest,
    settings: &crate::app::Settings,
) -> axum::response::Response {
    let page = paginate(items, request, &settings.base_url, settings.page_size);
    let mut body = serde_json::json!({ "value": page.items });
    if let Some(link) = page.next_link {
        body["nextLink"] = Value::String(link);
    }
    crate::http_util::json_response(axum::http::StatusCode::OK, body)
}

fn next_link(request: &ApiRequest, base_url: &str, offset: usize) -> String {
    let token = URL_SAFE_NO_PAD.encode(format!("offset:{offset}"));
    let mut pairs: Vec<(&str, &str)> = request
        .query
        .iter()
        .filter(|(key, _)| key != "$skiptoken")
        .map(|(key, value)| (key.as_str(), value.as_str()))
        .collect();
    pairs.push(("$skiptoken", &token));
    with_query(&format!("{base_url}{}", request.path), &pairs)
}

fn decode_skiptoken(token: &str) -> Option<usize> {
    let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("offset:")?
        .parse()
        .ok()
}
