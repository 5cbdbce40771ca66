//! Test controls under `/_emulator` (only with `--test-controls`): reset, scenario replacement, clock
//! advance, faults, the request log, token and session minting, app-config overrides and the store state.

use crate::app::{App, Shared};
use crate::clock::format_time;
use crate::faults::FaultSpec;
use crate::http_util::{empty_response, json_response};
use crate::scenario::Scenario;
use crate::static_app::app_config;
use crate::tokens::{mint_access_token, Resource};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use chrono::Duration;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/_emulator/reset", post(reset))
        .route("/_emulator/scenario", post(replace_scenario))
        .route("/_emulator/clock/advance", post(advance_clock))
        .route(
            "/_emulator/faults",
            post(add_fault).delete(clear_faults).get(list_faults),
        )
        .route("/_emulator/log", get(get_log).delete(clear_log))
        .route("/_emulator/token", post(mint_token))
        .route("/_emulator/session", post(new_session))
        .route(
            "/_emulator/app-config",
            get(get_app_config)
                .post(merge_app_config)
                .delete(reset_app_config),
        )
        .route("/_emulator/state", get(state))
}

fn bad_request(message: &str) -> Response {
    json_response(StatusCode::BAD_REQUEST, json!({ "error": message }))
}

fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, Response> {
    serde_json::from_slice(body).map_err(|e| bad_request(&format!("invalid body: {e}")))
}

async fn reset(State(app): State<App>) -> Response {
    app.reset();
    empty_response(StatusCode::NO_CONTENT)
}

async fn replace_scenario(State(app): State<App>, body: Bytes) -> Response {
    let text = String::from_utf8_lossy(&body);
    match Scenario::from_json(&text) {
        Ok(scenario) => {
            app.replace_scenario(scenario);
            empty_response(StatusCode::NO_CONTENT)
        }
        Err(message) => bad_request(&message),
    }
}

#[derive(Deserialize)]
struct Advance {
    #[serde(default)]
    minutes: f64,
    #[serde(default)]
    seconds: f64,
}

async fn advance_clock(State(app): State<App>, body: Bytes) -> Response {
    let advance: Advance = match parse_body(&body) {
        Ok(advance) => advance,
        Err(response) => return response,
    };
    let millis = (advance.minutes * 60_000.0 + advance.seconds * 1000.0).round() as i64;
    app.clock.advance(Duration::milliseconds(millis));
    json_response(
        StatusCode::OK,
        json!({ "now": format_time(app.clock.now()) }),
    )
}

async fn add_fault(State(app): State<App>, body: Bytes) -> Response {
    let spec: FaultSpec = match parse_body(&body) {
        Ok(spec) => spec,
        Err(response) => return response,
    };
    let id = app.faults.lock().expect("faults lock").add(spec);
    json_response(StatusCode::OK, json!({ "id": id }))
}

async fn clear_faults(State(app): State<App>) -> Response {
    app.faults.lock().expect("faults lock").clear();
    empty_response(StatusCode::NO_CONTENT)
}

async fn list_faults(State(app): State<App>) -> Response {
    let ids = app.faults.lock().expect("faults lock").ids();
    json_response(StatusCode::OK, json!({ "ids": ids }))
}

async fn get_log(State(app): State<App>) -> Response {
    let entries = app.log.lock().expect("log lock").entries();
    json_response(StatusCode::OK, entries)
}

async fn clear_log(State(app): State<App>) -> Response {
    app.log.lock().expect("log lock").clear();
    empty_response(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenRequest {
    user: String,
    resource: String,
    #[serde(default)]
    scopes: Option<String>,
    #[serde(default)]
    lifetime_secs: Option<i64>,
}

/// Mint an access token for any user (service principals get `idtyp: "app"`).
async fn mint_token(State(app): State<App>, body: Bytes) -> Response {
    let request: TokenRequest = match parse_body(&body) {
        Ok(request) => request,
        Err(response) => return response,
    };
    let Some(resource) = Resource::from_name(&request.resource) else {
        return bad_request("resource must be graph, arm or portal");
    };
    let Some(user) = find_user(&app, &request.user) else {
        return bad_request(&format!("unknown user {}", request.user));
    };
    let lifetime = request
        .lifetime_secs
        .unwrap_or(app.settings.token_lifetime_secs);
    let scopes = request
        .scopes
        .as_deref()
        .unwrap_or(resource.default_scopes());
    let token = mint_access_token(&app, &user, resource, scopes, lifetime);
    json_response(
        StatusCode::OK,
        json!({ "access_token": token, "token_type": "Bearer", "expires_in": lifetime }),
    )
}

fn find_user(app: &Shared, key: &str) -> Option<crate::scenario::User> {
    app.store().scenario().user_by_id_or_upn(key).cloned()
}

#[derive(Deserialize)]
struct SessionRequest {
    user: String,
}

/// A session value usable as both the `pam_session` and the `portal_session` cookie.
async fn new_session(State(app): State<App>, body: Bytes) -> Response {
    let request: SessionRequest = match parse_body(&body) {
        Ok(request) => request,
        Err(response) => return response,
    };
    let Some(user) = find_user(&app, &request.user) else {
        return bad_request(&format!("unknown user {}", request.user));
    };
    let value = app
        .identity
        .lock()
        .expect("identity lock")
        .new_session(&user.id);
    json_response(
        StatusCode::OK,
        json!({ "value": value, "pam_session": value, "portal_session": value }),
    )
}

async fn get_app_config(State(app): State<App>) -> Response {
    json_response(StatusCode::OK, app_config(&app))
}

async fn merge_app_config(State(app): State<App>, body: Bytes) -> Response {
    let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(&body) else {
        return bad_request("body must be a JSON object");
    };
    app.app_config_override
        .lock()
        .expect("app config lock")
        .extend(fields);
    json_response(StatusCode::OK, app_config(&app))
}

async fn reset_app_config(State(app): State<App>) -> Response {
    app.app_config_override
        .lock()
        .expect("app config lock")
        .clear();
    empty_response(StatusCode::NO_CONTENT)
}

async fn state(State(app): State<App>) -> Response {
    let now = app.clock.now();
    let view = serde_json::to_value(app.store().state_view(now)).expect("the state is plain data");
    json_response(StatusCode::OK, view)
}
