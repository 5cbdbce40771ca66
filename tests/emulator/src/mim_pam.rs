//! MIM 2016 PAM REST API (`/pam/api/pamresources/...`): requests to approve (M1), Approve/Reject (M2),
//! the caller's own requests and Close, session info and roles. OData v3 shapes (`odata.metadata`,
//! GUIDs wrapped in `{ "Value": … }`, `RequestedTTL` as a string of seconds); the `pam_session` cookie
//! stands in for Windows Integrated Authentication.

use crate::app::{App, Shared};
use crate::clock::{format_time, parse_iso_duration};
use crate::errors::{pam_error, Service};
use crate::http_util::{empty_response, json_response, ApiRequest};
use crate::identity::{session_caller, PAM_SESSION_COOKIE};
use crate::odata_filter::EqFilter;
use crate::scenario::Source;
use crate::store::{Caller, CancelError, DecisionError, Outcome, Request, Status, Store};
use crate::tokens::AuthFailure;
use axum::extract::{Request as HttpRequest, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

struct Context<'a> {
    app: &'a Shared,
    caller: &'a Caller,
    request: &'a ApiRequest,
}

impl Context<'_> {
    fn metadata(&self, entity_set: &str) -> String {
        format!(
            "{}/pam/api/pamresources/%24metadata#{entity_set}",
            self.app.settings.base_url
        )
    }
}

/// Entry point for everything under `/pam`.
pub async fn handle(State(app): State<App>, request: HttpRequest) -> Response {
    let request = ApiRequest::read(request, "/pam").await;
    let Some(caller) = session_caller(&app, &request.headers, PAM_SESSION_COOKIE) else {
        return Service::Pam.unauthorized(AuthFailure::Missing);
    };
    let context = Context {
        app: &app,
        caller: &caller,
        request: &request,
    };
    let segments = request.segments();
    match (request.method.as_str(), segments.as_slice()) {
        ("GET", ["api", "pamresources", "pamrequeststoapprove"]) => requests_to_approve(&context),
        ("POST", ["api", "pamresources", target, verb @ ("Approve" | "Reject")]) => {
            match keyed_guid(target, "pamrequeststoapprove") {
                Some(approval_id) => decide(&context, &approval_id, verb),
                None => no_resource(),
            }
        }
        ("GET", ["api", "pamresources", "pamrequests"]) => own_requests(&context),
        ("POST", ["api", "pamresources", target, "Close"]) => {
            match keyed_guid(target, "pamrequests") {
                Some(request_id) => close(&context, &request_id),
                None => no_resource(),
            }
        }
        ("GET", ["api", "pamresources", "sessioninfo"]) => session_info(&context),
        ("GET", ["api", "pamresources", "pamroles"]) => roles(&context),
        _ => no_resource(),
    }
}

fn no_resource() -> Response {
    pam_error(
        StatusCode::NOT_FOUND,
        "No HTTP resource was found that matches the request URI.",
    )
}

/// `pamrequeststoapprove(guid'…')` → the GUID.
fn keyed_guid(segment: &str, entity_set: &str) -> Option<String> {
    let key = segment
        .strip_prefix(entity_set)?
        .strip_prefix('(')?
        .strip_suffix(')')?;
    let guid = key.strip_prefix("guid").unwrap_or(key).trim_matches('\'');
    Some(guid.to_string())
}

fn odata_list(context: &Context, entity_set: &str, items: Vec<Value>) -> Response {
    json_response(
        StatusCode::OK,
        json!({ "odata.metadata": context.metadata(entity_set), "value": items }),
    )
}

/// `RequestedTTL`: the scenario's value verbatim, else the duration in seconds (3600 if unreadable).
fn requested_ttl(request: &Request) -> String {
    match &request.requested_ttl {
        Some(ttl) => ttl.clone(),
        None => parse_iso_duration(&request.duration)
            .unwrap_or(3600)
            .to_string(),
    }
}

/// `ExpirationTime`: start + TTL, null before the start or when the TTL is not a readable span.
fn expiration_time(request: &Request) -> Option<String> {
    let seconds = requested_ttl(request).parse::<i64>().ok()?;
    let start = request.start?;
    let ttl = Duration::try_seconds(seconds)?;
    start.checked_add_signed(ttl).map(format_time)
}

fn requested_time(request: &Request) -> DateTime<Utc> {
    request.start.unwrap_or(request.created)
}

fn account(store: &Store, user_id: &str) -> String {
    let name = store
        .scenario()
        .user(user_id)
        .map_or(user_id, |u| u.account_name());
    format!("{}\\{name}", store.scenario().netbios_domain())
}

fn role_name(store: &Store, request: &Request) -> String {
    let role = request.role.as_deref().unwrap_or_default();
    store
        .scenario()
        .role_name(Source::MimPam, role)
        .unwrap_or(role)
        .to_string()
}

/// M1: pending requests the caller may approve; never the caller's own. `$filter` eq clauses applied.
fn requests_to_approve(context: &Context) -> Response {
    let now = context.app.clock.now();
    let filter =
        EqFilter::parse_lenient(context.request.query_value("$filter").unwrap_or_default());
    let store = context.app.store();
    let items = store
        .requests(Source::MimPam)
        .filter(|r| r.is_pending_at(now) && r.is_assigned_to(context.caller))
        .map(|r| {
            json!({
                "RoleName": role_name(&store, r),
                "Requestor": account(&store, &r.principal),
                "Justification": r.justification,
                "RequestedTTL": requested_ttl(r),
                "RequestedTime": format_time(requested_time(r)),
                "CreationTime": format_time(r.created),
                "FIMRequestID": { "Value": r.pam_request_id() },
                "RequestorID": { "Value": r.principal },
                "ApprovalObjectID": { "Value": r.pam_approval_id() },
            })
        })
        .filter(|item| filter.matches(item))
        .collect();
    odata_list(context, "pamrequeststoapprove", items)
}

/// M2: Approve or Reject; no body (a body is ignored), 200 with an empty body.
fn decide(context: &Context, approval_id: &str, verb: &str) -> Response {
    let outcome = if verb == "Approve" {
        Outcome::Approve
    } else {
        Outcome::Deny
    };
    let now = context.app.clock.now();
    let mut store = context.app.store();
    let Some(request_id) = store
        .find_by(Source::MimPam, approval_id, Request::pam_approval_id)
        .map(|r| r.id.clone())
    else {
        return pam_error(StatusCode::NOT_FOUND, "The approval object was not found.");
    };
    match store.decide(
        Source::MimPam,
        &request_id,
        context.caller,
        outcome,
        None,
        now,
    ) {
        Ok(_) => empty_response(StatusCode::OK),
        Err(error) => pam_error(StatusCode::FORBIDDEN, decision_message(&error)),
    }
}

fn decision_message(error: &DecisionError) -> &'static str {
    match error {
        DecisionError::AlreadyDecided(_) | DecisionError::Canceled => {
            "Approval has already been completed."
        }
        DecisionError::SelfApproval => "Requestor cannot approve own request.",
        DecisionError::Expired => "Approval has expired.",
        DecisionError::NotDecidable => "This request cannot be approved through the API.",
        DecisionError::JustificationRequired => "A justification is required.",
        DecisionError::NotFound
        | DecisionError::NotAnApprover
        | DecisionError::ServicePrincipal => {
            "Access is denied. The caller is not an approver of this request."
        }
    }
}

fn pam_request_status(status: Status) -> &'static str {
    match status {
        Status::Pending => "PendingApproval",
        Status::Approved => "Active",
        Status::Denied => "Rejected",
        Status::Canceled => "Closed",
        Status::Expired => "Expired",
    }
}

/// The caller's own requests, every status.
fn own_requests(context: &Context) -> Response {
    let now = context.app.clock.now();
    let store = context.app.store();
    let items = store
        .requests(Source::MimPam)
        .filter(|r| r.principal == context.caller.id())
        .map(|r| {
            let role = role_name(&store, r);
            json!({
                "RequestID": { "Value": r.pam_request_id() },
                "CreatorID": { "Value": r.principal },
                "Justification": r.justification,
                "DisplayName": format!("Elevation request for {role}"),
                "CreationTime": format_time(r.created),
                "CreationMethod": "REST API",
                "ExpirationTime": expiration_time(r),
                "RoleID": { "Value": r.role },
                "RoleName": role,
                "RequestedTTL": requested_ttl(r),
                "RequestedTime": format_time(requested_time(r)),
                "RequestStatus": pam_request_status(r.status_at(now)),
            })
        })
        .collect();
    odata_list(context, "pamrequests", items)
}

/// Close one's own pending request (status `Closed`).
fn close(context: &Context, request_guid: &str) -> Response {
    let now = context.app.clock.now();
    let mut store = context.app.store();
    let Some(request_id) = store
        .find_by(Source::MimPam, request_guid, Request::pam_request_id)
        .map(|r| r.id.clone())
    else {
        return pam_error(StatusCode::NOT_FOUND, "The request was not found.");
    };
    match store.cancel(Source::MimPam, &request_id, context.caller, now) {
        Ok(_) => empty_response(StatusCode::OK),
        Err(CancelError::NotTheRequester) => pam_error(
            StatusCode::FORBIDDEN,
            "Only the requestor can close this request.",
        ),
        Err(CancelError::AlreadyClosed) => pam_error(
            StatusCode::FORBIDDEN,
            "Only pending requests can be closed.",
        ),
        Err(CancelError::UnknownRequest) => {
            pam_error(StatusCode::NOT_FOUND, "The request was not found.")
        }
    }
}

fn session_info(context: &Context) -> Response {
    let store = context.app.store();
    let username = account(&store, context.caller.id());
    odata_list(
        context,
        "sessioninfo",
        vec![json!({ "Username": username })],
    )
}

fn roles(context: &Context) -> Response {
    let store = context.app.store();
    let items = store
        .scenario()
        .pam_roles
        .iter()
        .map(|role| json!({ "RoleID": { "Value": role.id }, "DisplayName": role.display_name }))
        .collect();
    odata_list(context, "pamroles", items)
}
