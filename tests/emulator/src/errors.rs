//! Error bodies in each service's own format (Graph, ARM, MIM PAM OData v3, portal, identity platform),
//! and which service a path belongs to (so faults and auth failures answer in the right format).

use crate::clock::format_time;
use crate::http_util::json_response;
use crate::ids::random_guid;
use crate::tokens::AuthFailure;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use serde_json::{json, Value};

/// The services behind the path prefixes of SPEC.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    Identity,
    Graph,
    Arm,
    Pam,
    Portal,
    Other,
}

impl Service {
    pub fn of_path(path: &str) -> Service {
        let first = path
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or_default();
        match first {
            "login" => Service::Identity,
            "graph" => Service::Graph,
            "arm" => Service::Arm,
            "pam" => Service::Pam,
            "portal" => Service::Portal,
            _ => Service::Other,
        }
    }

    /// An error in this service's format. MIM PAM has no code field, so `code` is dropped there.
    pub fn error(self, status: StatusCode, code: &str, message: &str) -> Response {
        match self {
            Service::Graph => graph_error(status, code, message),
            Service::Arm | Service::Portal | Service::Other => simple_error(status, code, message),
            Service::Pam => pam_error(status, message),
            Service::Identity => identity_error(status, code, 0, message),
        }
    }

    /// The 401 this service answers when the bearer token (MIM PAM: the Windows session) is refused:
    /// Graph `InvalidAuthenticationToken` with `innerError`, ARM `ExpiredAuthenticationToken` or
    /// `InvalidAuthenticationToken`, portal `Unauthorized`, MIM PAM's OData error.
    pub fn unauthorized(self, failure: AuthFailure) -> Response {
        let status = StatusCode::UNAUTHORIZED;
        match self {
            Service::Graph => graph_error(status, "InvalidAuthenticationToken", failure.message()),
            Service::Arm => {
                let code = match failure {
                    AuthFailure::Expired => "ExpiredAuthenticationToken",
                    _ => "InvalidAuthenticationToken",
                };
                let message = format!("The access token is invalid. {}", failure.message());
                simple_error(status, code, &message)
            }
            Service::Pam => pam_error(status, "Authorization has been denied for this request."),
            Service::Portal | Service::Identity | Service::Other => simple_error(
                status,
                "Unauthorized",
                "A valid bearer token or portal session is required.",
            ),
        }
    }

    /// The error code this service puts in the body of a given status (for injected faults).
    pub fn code_for_status(self, status: StatusCode) -> &'static str {
        match (self, status.as_u16()) {
            (_, 400) => "BadRequest",
            (Service::Graph | Service::Arm, 401) => "InvalidAuthenticationToken",
            (_, 401) => "Unauthorized",
            (Service::Arm, 403) => "AuthorizationFailed",
            (_, 403) => "Forbidden",
            (Service::Graph | Service::Arm, 404) => "ResourceNotFound",
            (_, 404) => "NotFound",
            (_, 409) => "Conflict",
            (_, 429) => "TooManyRequests",
            (_, 500) => "InternalServerError",
            (_, 502) => "BadGateway",
            (_, 503) => "ServiceUnavailable",
            (_, 504) => "GatewayTimeout",
            _ => "InjectedFault",
        }
    }
}

/// Graph: `{ "error": { "code", "message", "innerError": { "date", "request-id", "client-request-id" } } }`.
pub fn graph_error(status: StatusCode, code: &str, message: &str) -> Response {
    let request_id = random_guid();
    json_response(
        status,
        json!({ "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string(),
                "request-id": request_id,
                "client-request-id": request_id,
            }
        }}),
    )
}

/// ARM and the portal API: `{ "error": { "code", "message" } }`.
pub fn simple_error(status: StatusCode, code: &str, message: &str) -> Response {
    json_response(
        status,
        json!({ "error": { "code": code, "message": message } }),
    )
}

/// MIM PAM (OData v3): `{ "odata.error": { "code": "", "message": { "lang": "en-US", "value" } } }`.
pub fn pam_error(status: StatusCode, message: &str) -> Response {
    json_response(
        status,
        json!({ "odata.error": { "code": "", "message": { "lang": "en-US", "value": message } } }),
    )
}

/// Identity platform: `{ error, error_description: "AADSTS…: …", error_codes, timestamp, trace_id, correlation_id }`.
pub fn identity_error(status: StatusCode, error: &str, aadsts: u32, description: &str) -> Response {
    json_response(status, identity_error_body(error, aadsts, description))
}

/// The body of [`identity_error`]. With an AADSTS code, the description ends with the trace lines the
/// identity platform appends and `error_uri` points at the code's explanation.
pub fn identity_error_body(error: &str, aadsts: u32, description: &str) -> Value {
    let now = Utc::now();
    let (trace_id, correlation_id) = (random_guid(), random_guid());
    if aadsts == 0 {
        return json!({
            "error": error,
            "error_description": description,
            "error_codes": [],
            "timestamp": format_time(now),
            "trace_id": trace_id,
            "correlation_id": correlation_id,
        });
    }
    let timestamp = now.format("%Y-%m-%d %H:%M:%SZ").to_string();
    json!({
        "error": error,
        "error_description": format!(
            "AADSTS{aadsts}: {description}\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}\r\nTimestamp: {timestamp}"
        ),
        "error_codes": [aadsts],
        "timestamp": timestamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": format!("https://login.microsoftonline.com/error?code={aadsts}"),
    })
}
