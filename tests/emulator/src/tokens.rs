//! Access and id tokens: the three resources (Graph, ARM, portal), minting JWTs for a user, and turning
//! a request's `Authorization: Bearer` header into a [`Caller`] (signature, `exp` by the emulator clock,
//! `aud` of the service, known `oid`).

use crate::app::Shared;
use crate::ids::random_token;
use crate::scenario::User;
use crate::store::Caller;
use axum::http::{header, HeaderMap};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

/// Leeway for `nbf`, like real validators.
const CLOCK_SKEW_SECS: i64 = 300;

/// A resource a token can be issued for; one token covers one resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resource {
    Graph,
    Arm,
    Portal,
}

impl Resource {
    pub const ALL: [Resource; 3] = [Resource::Graph, Resource::Arm, Resource::Portal];

    /// The `aud` claim of its access tokens.
    pub fn audience(self) -> &'static str {
        match self {
            Resource::Graph => "https://graph.microsoft.com",
            Resource::Arm => "https://management.azure.com",
            Resource::Portal => "api://contoso-admin-portal",
        }
    }

    /// The prefix of its scope strings (`https://graph.microsoft.com/User.Read`).
    pub fn scope_prefix(self) -> String {
        format!("{}/", self.audience())
    }

    /// The resource a full scope string belongs to.
    pub fn of_scope(scope: &str) -> Option<Resource> {
        Resource::ALL.into_iter().find(|resource| {
            scope
                .to_ascii_lowercase()
                .starts_with(&resource.scope_prefix().to_ascii_lowercase())
        })
    }

    /// `graph`, `arm` or `portal` (the names `/_emulator/token` takes).
    pub fn from_name(name: &str) -> Option<Resource> {
        match name {
            "graph" => Some(Resource::Graph),
            "arm" => Some(Resource::Arm),
            "portal" => Some(Resource::Portal),
            _ => None,
        }
    }

    /// Scopes a test token gets by default.
    pub fn default_scopes(self) -> &'static str {
        match self {
            Resource::Graph => "RoleAssignmentSchedule.ReadWrite.Directory PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup User.Read \
                RoleManagementPolicy.Read.Directory RoleManagementPolicy.Read.AzureADGroup RoleEligibilitySchedule.Read.Directory \
                PrivilegedEligibilitySchedule.Read.AzureADGroup User.Read.All AuditLog.Read.All",
            Resource::Arm => "user_impersonation",
            Resource::Portal => "Pim.ReadWrite",
        }
    }
}

/// Why a bearer token was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthFailure {
    Missing,
    Invalid,
    Expired,
    WrongAudience,
}

impl AuthFailure {
    pub fn message(self) -> &'static str {
        match self {
            AuthFailure::Missing => "Access token is empty.",
            AuthFailure::Invalid => "Access token validation failure. Invalid signature or claims.",
            AuthFailure::Expired => "Lifetime validation failed, the token is expired.",
            AuthFailure::WrongAudience => "Invalid audience.",
        }
    }
}

/// Claims shared by access and id tokens. `uti` (a unique token id, as Entra sets it) makes every token
/// distinct, even two minted for the same user and resource in the same second.
fn base_claims(
    app: &Shared,
    user: &User,
    audience: &str,
    now: DateTime<Utc>,
    lifetime: i64,
) -> Value {
    let tenant = app.store().scenario().tenant.id.clone();
    let issued = now.timestamp();
    json!({
        "iss": format!("{}/login/{tenant}/v2.0", app.settings.base_url),
        "aud": audience,
        "tid": tenant,
        "oid": user.id,
        "sub": user.id,
        "name": user.display_name,
        "preferred_username": user.user_principal_name,
        "iat": issued,
        "nbf": issued,
        "exp": issued.saturating_add(lifetime),
        "uti": random_token()[..22],
        "ver": "2.0",
    })
}

/// An access token for `resource` with the space-separated `scp`.
pub fn mint_access_token(
    app: &Shared,
    user: &User,
    resource: Resource,
    scp: &str,
    lifetime: i64,
) -> String {
    let now = app.clock.now();
    let mut claims = base_claims(app, user, resource.audience(), now, lifetime);
    claims["scp"] = json!(scp);
    claims["idtyp"] = json!(if user.is_service_principal() {
        "app"
    } else {
        "user"
    });
    app.signer.sign(&claims)
}

/// An id token for the SPA (`aud` = client id, with the authorize request's `nonce`).
pub fn mint_id_token(app: &Shared, user: &User, nonce: Option<&str>, lifetime: i64) -> String {
    let now = app.clock.now();
    let client_id = app.store().scenario().client_id.clone();
    let mut claims = base_claims(app, user, &client_id, now, lifetime);
    if let Some(nonce) = nonce {
        claims["nonce"] = json!(nonce);
    }
    app.signer.sign(&claims)
}

/// The bearer token of a request, if any.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

/// Validate the bearer token for `resource` and resolve the caller.
pub fn bearer_caller(
    app: &Shared,
    headers: &HeaderMap,
    resource: Resource,
) -> Result<Caller, AuthFailure> {
    let token = bearer_token(headers).ok_or(AuthFailure::Missing)?;
    let claims = app.signer.verify(token).ok_or(AuthFailure::Invalid)?;
    let now = app.clock.now().timestamp();
    let exp = claims["exp"].as_i64().ok_or(AuthFailure::Invalid)?;
    let nbf = claims["nbf"].as_i64().unwrap_or(0);
    if now >= exp {
        return Err(AuthFailure::Expired);
    }
    if nbf > now + CLOCK_SKEW_SECS {
        return Err(AuthFailure::Invalid);
    }
    if claims["aud"] != resource.audience() {
        return Err(AuthFailure::WrongAudience);
    }
    let oid = claims["oid"].as_str().ok_or(AuthFailure::Invalid)?;
    let user = app
        .store()
        .scenario()
        .user(oid)
        .cloned()
        .ok_or(AuthFailure::Invalid)?;
    Ok(Caller {
        user,
        is_app_token: claims["idtyp"] == "app",
    })
}
