//! Error bodies in each service's own format (Graph, ARM, MIM PAM OData v3, portal, identity platform),
//! and which service a path belongs to (so faults and auth failures answer in the right format).

use crate::clock::format_time;
use crate::http_util::json_response;
use crate::ids::random_guid;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use serde_json::json;

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
    let description = if aadsts == 0 {
        description.to_string()
    } else {
        format!("AADSTS{aadsts}: {description}")
    };
    json_response(
        status,
        json!({
            "error": error,
            "error_description": description,
            "error_codes": if aadsts == 0 { vec![] } else { vec![aadsts] },
            "timestamp": format_time(Utc::now()),
            "trace_id": random_guid(),
            "correlation_id": random_guid(),
        }),
    )
}
