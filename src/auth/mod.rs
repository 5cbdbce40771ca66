//! Signing in and getting tokens: the OAuth 2.0 authorization code flow with PKCE against the Microsoft
//! identity platform ([`session`]), one access token per resource (Graph, ARM, the portal API), and the
//! embedding hand-off where a host portal supplies tokens instead ([`embed`]).
//!
//! The sign-in asks only for what listing and deciding requests need. The decision context's Graph
//! permissions are optional: each is asked for silently, on its own ([`Resource::GraphContext`]), from
//! the same refresh token (or the host) when a request's detail opens. A tenant whose administrator
//! has not consented to one refuses that token only ([`AuthError::consent_missing`]); the sign-in and
//! the decision are untouched, and the refusal is remembered while the page is open (asked once per page load).
//!
//! Tokens live in memory; only the refresh token and the account survive a reload, in
//! `sessionStorage`. Nothing is written to `localStorage`, logged, or put in a URL.

pub mod cache;
pub mod embed;
pub mod jwt;
pub mod oauth;
pub mod pkce;
pub mod session;

use async_trait::async_trait;
use std::fmt;

/// A resource an access token is issued for. A token for one is never sent to another.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Resource {
    /// Graph with the scopes the approval flow needs (asked at sign-in).
    Graph,
    /// Graph with the approval flow's scopes plus these optional decision-context permissions (bare
    /// names such as `RoleManagementPolicy.Read.Directory`), never asked at sign-in.
    GraphContext(&'static [&'static str]),
    Arm,
    /// The internal portal API, with its scope from config.
    Portal {
        scope: String,
    },
}

impl Resource {
    /// The name a host portal uses in the token hand-off protocol.
    pub fn protocol_name(&self) -> &'static str {
        match self {
            Resource::Graph | Resource::GraphContext(_) => "graph",
            Resource::Arm => "arm",
            Resource::Portal { .. } => "portal",
        }
    }

    /// The app works without it: a refusal leaves the sign-in alone.
    pub fn is_optional(&self) -> bool {
        matches!(self, Resource::GraphContext(_))
    }
}

/// Why no token could be had.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthError {
    pub message: String,
    /// The user must go through the interactive sign-in again (e.g. SPA refresh token past 24 h).
    pub needs_interactive: bool,
    /// The tenant has not consented to a permission the token asked for (AADSTS65001
    /// `consent_required`, or the host portal said so): asking again will not help.
    pub consent_missing: bool,
}

impl AuthError {
    pub fn new(message: impl Into<String>) -> Self {
        AuthError {
            message: message.into(),
            needs_interactive: false,
            consent_missing: false,
        }
    }

    pub fn interactive(message: impl Into<String>) -> Self {
        AuthError {
            needs_interactive: true,
            ..AuthError::new(message)
        }
    }

    /// A permission the tenant has not consented to. For the sign-in's own resources only an
    /// interactive sign-in can fix it; for an optional one, nothing the app can do.
    pub fn consent(message: impl Into<String>, resource: &Resource) -> Self {
        AuthError {
            needs_interactive: !resource.is_optional(),
            consent_missing: true,
            ..AuthError::new(message)
        }
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Hands out access tokens per resource; `fresh` skips the cache (after a 401).
#[async_trait(?Send)]
pub trait TokenSource {
    async fn access_token(&self, resource: &Resource, fresh: bool) -> Result<String, AuthError>;
}

/// The signed-in person, for the header and for "is this my own request?".
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Account {
    pub object_id: String,
    pub name: String,
    pub username: String,
}
