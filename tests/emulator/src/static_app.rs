//! Serving the built app (`--serve-app DIR`) on its own listener under `--app-base`, with SPA fallback
//! (extension-less paths get `index.html`), a generated `{base}config.json` pointing at this emulator,
//! and the Content-Security-Policy the README tells deployers to send (inline scripts allowed by hash
//! only, `frame-ancestors` from `embedding.allowedParentOrigins`), so every browser test runs under it.

use crate::app::{App, Shared};
use crate::http_util::json_response;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::Arc;
use tower::ServiceExt;
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};

/// The config the app reads at start-up, pointed at this emulator, with the `--app-config-overlay`
/// file and `POST /_emulator/app-config` merged over it key by key.
pub fn app_config(app: &Shared) -> Value {
    let base = &app.settings.base_url;
    let (tenant, client_id) = {
        let store = app.store();
        (
            store.scenario().tenant.id.clone(),
            store.scenario().client_id.clone(),
        )
    };
    let mut config = json!({
        "tenant": tenant,
        "clientId": client_id,
        "authority": format!("{base}/login"),
        "graphBaseUrl": format!("{base}/graph"),
        "armBaseUrl": format!("{base}/arm"),
        "mimPamBaseUrl": format!("{base}/pam"),
        "portalApiBaseUrl": format!("{base}/portal"),
        "portalApi": { "auth": "bearer", "scope": "api://contoso-admin-portal/Pim.ReadWrite" },
        "sources": ["entraRoles", "groups", "azureResources", "mimPam", "portalApi"],
    });
    let fields = config.as_object_mut().expect("config is an object");
    fields.extend(app.settings.app_config_overlay.clone());
    fields.extend(
        app.app_config_override
            .lock()
            .expect("app config lock")
            .clone(),
    );
    config
}

struct StaticSite {
    app: App,
    dir: PathBuf,
    /// Starts and ends with `/`.
    base: String,
}

/// The router of the app listener. Responses are compressed (brotli, else gzip) as any production
/// host serves a bundle, so timings over a throttled network are the ones users get.
pub fn router(app: App, dir: PathBuf, base: String) -> Router {
    let site = Arc::new(StaticSite { app, dir, base });
    Router::new()
        .fallback(serve)
        .with_state(site)
        .layer(CompressionLayer::new().br(true).gzip(true))
}

/// `/admin/pim` → `/admin/pim/`; `x` → `/x/`.
pub fn normalize_base(base: &str) -> String {
    let trimmed = base.trim_matches('/');
    if trimmed.is_empty() {
        "/".to_string()
    } else {
        format!("/{trimmed}/")
    }
}

async fn serve(State(site): State<Arc<StaticSite>>, request: Request) -> Response {
    let path = request.uri().path().to_string();
    if site.base != "/" && path == site.base.trim_end_matches('/') {
        return redirect_to(&site.base);
    }
    let Some(relative) = path.strip_prefix(&site.base) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if relative == "config.json" {
        let mut response = json_response(StatusCode::OK, app_config(&site.app));
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return response;
    }
    let last_segment = relative.rsplit('/').next().unwrap_or_default();
    if last_segment.contains('.') {
        serve_file(&site, relative, request).await
    } else {
        serve_index(&site, request).await
    }
}

async fn serve_file(site: &StaticSite, relative: &str, request: Request) -> Response {
    let (mut parts, body) = request.into_parts();
    parts.uri = Uri::try_from(format!("/{relative}")).unwrap_or_default();
    let response = ServeDir::new(&site.dir)
        .oneshot(Request::from_parts(parts, body))
        .await;
    match response {
        Ok(response) => response.map(Body::new),
        Err(never) => match never {},
    }
}

async fn serve_index(site: &StaticSite, request: Request) -> Response {
    let html = std::fs::read_to_string(site.dir.join("index.html")).unwrap_or_default();
    let policy =
        content_security_policy(&html, &app_config(&site.app), &site.app.settings.base_url);
    let response = ServeFile::new(site.dir.join("index.html"))
        .oneshot(request)
        .await;
    match response {
        Ok(response) => {
            let mut response = response.map(Body::new);
            let headers = response.headers_mut();
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            if let Ok(value) = HeaderValue::from_str(&policy) {
                headers.insert(header::CONTENT_SECURITY_POLICY, value);
            }
            headers.insert(
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            );
            headers.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            response
        }
        Err(never) => match never {},
    }
}

/// The bodies of the inline `<script>` elements of a page (the bootstrap, `src/bootstrap.js`).
pub fn inline_scripts(html: &str) -> Vec<&str> {
    let mut scripts = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(open_end) = after.find('>') else {
            break;
        };
        let tag = &after[..open_end];
        let body_start = open_end + 1;
        let Some(close) = after[body_start..].find("</script>") else {
            break;
        };
        if !tag.contains(" src=") {
            scripts.push(&after[body_start..body_start + close]);
        }
        rest = &after[body_start + close..];
    }
    scripts
}

/// `default-src 'self'`, scripts only from the site or by hash, the services the config names for
/// `connect-src`, and `frame-ancestors` from the embedding config (`'none'` when not embeddable).
pub fn content_security_policy(html: &str, config: &Value, emulator_base: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    let hashes: Vec<String> = inline_scripts(html)
        .into_iter()
        .map(|body| {
            let digest = sha2::Sha256::digest(body.as_bytes());
            format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            )
        })
        .collect();
    let ancestors: Vec<String> = config
        .pointer("/embedding/allowedParentOrigins")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let frame_ancestors = if ancestors.is_empty() {
        "'none'".to_string()
    } else {
        ancestors.join(" ")
    };
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' {}; style-src 'self'; img-src 'self' data:; \
         connect-src 'self' {emulator_base}; frame-ancestors {frame_ancestors}; base-uri 'self'; \
         form-action 'self'; object-src 'none'",
        hashes.join(" ")
    )
}

fn redirect_to(location: &str) -> Response {
    let mut response = StatusCode::MOVED_PERMANENTLY.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_inline_scripts_only_and_names_frame_ancestors() {
        let html = r#"<script src="/a.js"></script><script type="module">import init from '/x.js';</script>"#;
        assert_eq!(inline_scripts(html), ["import init from '/x.js';"]);
        let config = json!({ "embedding": { "allowedParentOrigins": ["http://127.0.0.1:9000"] } });
        let policy = content_security_policy(html, &config, "http://127.0.0.1:8400");
        assert!(
            policy.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-"),
            "{policy}"
        );
        assert!(!policy.contains("unsafe-inline"));
        assert!(
            policy.contains("frame-ancestors http://127.0.0.1:9000;"),
            "{policy}"
        );
        let closed = content_security_policy(html, &json!({}), "http://127.0.0.1:8400");
        assert!(closed.contains("frame-ancestors 'none'"));
    }
}
