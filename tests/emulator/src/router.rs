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

/// Build the router; also used by Graph `$batch` to run its items through the same layers.
pub fn api_router(app: App) -> Router {
    let mut router = Router::new()
        .merge(identity::routes())
        .route("/graph/{*rest}", any(graph::handle))
        .route("/arm/{*rest}", any(arm::handle))
        .route("/pam/{*rest}", any(mim_pam::handle))
        .route("/portal/{*rest}", any(portal::handle));
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
