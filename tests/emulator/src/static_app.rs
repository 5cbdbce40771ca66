//! Serving the built app (`--serve-app DIR`) on its own listener under `--app-base`, with SPA fallback
//! (extension-less paths get `index.html`) and a generated `{base}config.json` pointing at this emulator.

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

/// The router of the app listener.
pub fn router(app: App, dir: PathBuf, base: String) -> Router {
    let site = Arc::new(StaticSite { app, dir, base });
    Router::new().fallback(serve).with_state(site)
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
    let response = ServeFile::new(site.dir.join("index.html"))
        .oneshot(request)
        .await;
    match response {
        Ok(response) => {
            let mut response = response.map(Body::new);
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            response
        }
        Err(never) => match never {},
    }
}

fn redirect_to(location: &str) -> Response {
    let mut response = StatusCode::MOVED_PERMANENTLY.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}
