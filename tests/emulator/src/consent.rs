//! Admin consent, as a tenant has it. The app registration's delegated permissions ([`APP_PERMISSIONS`])
//! are admin-consented in the tenant except those withheld: the tenant's `withheldScopes` (scenario
//! `tenant.withheldScopes`, or `POST /_emulator/consent { "withheldScopes" }`) and a user's
//! (`withheldScopes` on a scenario user, or the same control with `"user"`).
//!
//! As the identity platform: a consented permission can be asked for at the token endpoint with any
//! refresh token of the app, asked at sign-in or not; asking for a withheld one fails. At /authorize
//! the user cannot consent to these admin-only permissions: the interactive sign-in stops on "Need
//! admin approval" (AADSTS90094), a silent one (`prompt=none`) redirects with `consent_required`
//! (AADSTS65001). At the token endpoint: 400 `invalid_grant` AADSTS65001 with `suberror:
//! consent_required`.

use crate::app::{App, Shared};
use crate::errors::identity_error_body;
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

/// The Graph permissions on the app registration (README "App registration"), consented by the
/// tenant's admin unless withheld. Other resources are consented by asking for them at sign-in.
pub const APP_PERMISSIONS: [&str; 9] = [
    "User.Read",
    "RoleAssignmentSchedule.ReadWrite.Directory",
    "PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup",
    CONTEXT_PERMISSIONS[0],
    CONTEXT_PERMISSIONS[1],
    CONTEXT_PERMISSIONS[2],
    CONTEXT_PERMISSIONS[3],
    CONTEXT_PERMISSIONS[4],
    CONTEXT_PERMISSIONS[5],
];

/// The decision context's optional permissions (the app asks for them silently, never at sign-in).
pub const CONTEXT_PERMISSIONS: [&str; 6] = [
    "RoleManagementPolicy.Read.Directory",
    "RoleManagementPolicy.Read.AzureADGroup",
    "RoleEligibilitySchedule.Read.Directory",
    "PrivilegedEligibilitySchedule.Read.AzureADGroup",
    "User.Read.All",
    "AuditLog.Read.All",
];
/// The scope names withheld for `user_id`: the tenant's and the user's own (a bare name is Graph's).
fn withheld(app: &Shared, user_id: &str) -> Vec<String> {
    let store = app.store();
    let tenant = match store.context().tenant_withheld_override() {
        Some(scopes) => scopes.clone(),
        None => store.scenario().tenant.withheld_scopes.clone(),
    };
    let user = match store.context().withheld_override(user_id) {
        Some(scopes) => scopes.clone(),
        None => store
            .scenario()
            .user(user_id)
            .map(|user| user.profile.withheld_scopes.clone())
            .unwrap_or_default(),
    };
    tenant
        .into_iter()
        .chain(user)
        .map(|s| full_scope(&s))
        .collect()
}

/// `https://graph.microsoft.com/X` for a bare `X`, full scope strings as they are.
fn full_scope(scope: &str) -> String {
    if scope.contains("://") {
        scope.to_string()
    } else {
        format!("{}{scope}", Resource::Graph.scope_prefix())
    }
}

/// The first of `scopes` (full scope strings) the tenant has not consented for `user_id`.
pub fn first_withheld(app: &Shared, user_id: &str, scopes: &[String]) -> Option<String> {
    let withheld = withheld(app, user_id);
    scopes
        .iter()
        .find(|scope| withheld.iter().any(|w| w.eq_ignore_ascii_case(scope)))
        .cloned()
}

/// Admin-consented permissions of `resource` (names, without the resource prefix) for `user_id`.
pub fn admin_consented(app: &Shared, user_id: &str, resource: Resource) -> Vec<String> {
    if resource != Resource::Graph {
        return Vec::new();
    }
    let withheld = withheld(app, user_id);
    APP_PERMISSIONS
        .iter()
        .filter(|name| {
            let full = full_scope(name);
            !withheld.iter().any(|w| w.eq_ignore_ascii_case(&full))
        })
        .map(|name| name.to_string())
        .collect()
}

fn not_consented_description(client_id: &str) -> String {
    format!("The user or administrator has not consented to use the application with ID '{client_id}' named 'PIM Approvals'. Send an interactive authorization request for this user and resource.")
}

/// The token endpoint's refusal of a scope nobody consented (AADSTS65001, `suberror`).
pub fn token_refusal(client_id: &str) -> Response {
    let mut body = identity_error_body(
        "invalid_grant",
        65001,
        &not_consented_description(client_id),
    );
    body["suberror"] = json!("consent_required");
    json_response(StatusCode::BAD_REQUEST, body)
}

/// The redirect error of a silent sign-in asking for a scope nobody consented.
pub fn silent_refusal(client_id: &str) -> (&'static str, u32, String) {
    (
        "consent_required",
        65001,
        not_consented_description(client_id),
    )
}

/// The interactive sign-in's stop: the user cannot consent to an admin-only permission.
pub fn need_admin_approval(scope: &str) -> (u32, String) {
    (
        90094,
        format!("Need admin approval. PIM Approvals needs permission to access resources in your organization that only an admin can grant ({scope}). Please ask an admin to grant permission to this app before you can use it."),
    )
}

pub fn routes() -> Router<App> {
    Router::new().route("/_emulator/consent", post(set_withheld))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConsentRequest {
    /// A user's own withheld scopes; without it, the tenant's.
    #[serde(default)]
    user: Option<String>,
    withheld_scopes: Vec<String>,
}

/// Replace the withheld scopes of the tenant or of one user (until reset or scenario replacement).
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
    let Some(user) = &request.user else {
        store
            .context_mut()
            .set_tenant_withheld(request.withheld_scopes.clone());
        return json_response(
            StatusCode::OK,
            json!({ "tenant": true, "withheldScopes": request.withheld_scopes }),
        );
    };
    let Some(user_id) = store
        .scenario()
        .user_by_id_or_upn(user)
        .map(|u| u.id.clone())
    else {
        let message = format!("unknown user {user}");
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
