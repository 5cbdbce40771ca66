//! The API router of one emulator: identity, the four services and (optionally) the test controls,
//! wrapped in the request log (outermost), CORS and fault injection.

use crate::app::App;
use crate::http_util::json_response;
use crate::{arm, consent, controls, cors, faults, graph, identity, mim_pam, portal, request_log};
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::response::Response;
use axum::routing::any;
use axum::Router;
use serde_json::json;

/// Identity and the four services, without any layer.
fn service_routes() -> Router<App> {
    Router::new()
        .merge(identity::routes())
        .route("/graph/{*rest}", any(graph::handle))
        .route("/arm/{*rest}", any(arm::handle))
        .route("/pam/{*rest}", any(mim_pam::handle))
        .route("/portal/{*rest}", any(portal::handle))
}

/// The services alone, without log, CORS or faults: the fault middleware replays a write through it.
pub fn bare_service_router(app: App) -> Router {
    service_routes().fallback(unknown_path).with_state(app)
}

/// Build the router; also used by Graph `$batch` to run its items through the same layers.
pub fn api_router(app: App) -> Router {
    let mut router = service_routes();
    if app.settings.test_controls {
        router = router.merge(controls::routes()).merge(consent::routes());
    }
    router
        .fallback(unknown_path)
        .layer(from_fn_with_state(app.clone(), faults::inject_faults))
        .layer(from_fn_with_state(app.clone(), cors::apply_cors))
        .layer(from_fn_with_state(
            app.clone(),
            request_log::record_requests,
        ))
        .with_state(app)
}

async fn unknown_path() -> Response {
    json_response(
        StatusCode::NOT_FOUND,
        json!({ "error": { "code": "NotFound", "message": "No such path on the tenant emulator." } }),
    )
}
