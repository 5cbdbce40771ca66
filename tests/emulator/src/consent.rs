//! Consent the tenant has not granted: a user's `withheldScopes` (scenario) or the test control
//! `POST /_emulator/consent { "user", "withheldScopes" }`. Tokens the sign-in flow issues for that
//! user leave those scopes out of `scp` and of the response's `scope`, so the app meets a token
//! that lacks a permission, as it does in a tenant whose admin consent does not include it.
//! (Entra itself stops an interactive sign-in asking for admin-only scopes nobody consented; the
//! emulator lets the sign-in through so the app's "missing consent" path can be tested.)

use crate::app::{App, Shared};
use crate::http_util::json_response;
use crate::tokens::Resource;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use serde::Deserialize;
use serde_json::json;

/// The scope names withheld for `user_id` (a bare name is a Graph scope).
fn withheld(app: &Shared, user_id: &str) -> Vec<String> {
    let store = app.store();
    if let Some(scopes) = store.context().withheld_override(user_id) {
        return scopes.clone();
    }
    store
        .scenario()
        .user(user_id)
        .map(|user| user.profile.withheld_scopes.clone())
        .unwrap_or_default()
}

/// `https://graph.microsoft.com/X` for a bare `X`, full scope strings as they are.
fn full_scope(scope: &str) -> String {
    if scope.contains("://") {
        scope.to_string()
    } else {
        format!("{}{scope}", Resource::Graph.scope_prefix())
    }
}

/// `scopes` (full scope strings, or names of `resource` when given) without the withheld ones.
pub fn without_withheld(
    app: &Shared,
    user_id: &str,
    resource: Option<Resource>,
    scopes: Vec<String>,
) -> Vec<String> {
    let withheld: Vec<String> = withheld(app, user_id)
        .iter()
        .map(|s| full_scope(s))
        .collect();
    scopes
        .into_iter()
        .filter(|scope| {
            let full = match resource {
                Some(resource) => format!("{}{scope}", resource.scope_prefix()),
                None => scope.clone(),
            };
            !withheld.iter().any(|w| w.eq_ignore_ascii_case(&full))
        })
        .collect()
}

/// The `scp` claim without the withheld scopes of `user_id`.
pub fn strip_from_scp(app: &Shared, user_id: &str, resource: Resource, scp: &str) -> String {
    let names = scp.split_whitespace().map(str::to_string).collect();
    without_withheld(app, user_id, Some(resource), names).join(" ")
}

pub fn routes() -> Router<App> {
    Router::new().route("/_emulator/consent", post(set_withheld))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConsentRequest {
    user: String,
    withheld_scopes: Vec<String>,
}

/// Replace the withheld scopes of one user (until reset or scenario replacement).
async fn set_withheld(State(app): State<App>, body: Bytes) -> Response {
    let request: ConsentRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => {
            return json_response(
                StatusCode::BAD_REQUEST,
                json!({ "error": format!("invalid body: {e}") }),
            )
        }
    };
    let mut store = app.store();
    let Some(user_id) = store
        .scenario()
        .user_by_id_or_upn(&request.user)
        .map(|u| u.id.clone())
    else {
        let message = format!("unknown user {}", request.user);
        return json_response(StatusCode::BAD_REQUEST, json!({ "error": message }));
    };
    store
        .context_mut()
        .set_withheld(&user_id, request.withheld_scopes.clone());
    json_response(
        StatusCode::OK,
        json!({ "user": user_id, "withheldScopes": request.withheld_scopes }),
    )
}
