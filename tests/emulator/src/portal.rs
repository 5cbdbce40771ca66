//! The internal portal API (`/portal/api/security/pim/...`, contract in `src/sources/PORTAL_API.md`):
//! pending approvals, approve/deny, history and the caller's own requests. Accepts a bearer token for
//! the portal audience or the `portal_session` cookie.

use crate::app::{App, Shared};
use crate::clock::format_time;
use crate::errors::{simple_error, Service};
use crate::http_util::{json_response, ApiRequest};
use crate::identity::{session_caller, PORTAL_SESSION_COOKIE};
use crate::paging::next_link_list;
use crate::scenario::{Action, Source};
use crate::store::{Caller, DecisionError, Outcome, Request, Status, Store};
use crate::tokens::{bearer_caller, bearer_token, AuthFailure, Resource};
use axum::extract::{Request as HttpRequest, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

/// How far back history goes (also the default window).
const HISTORY_DAYS: i64 = 30;

struct Context<'a> {
    app: &'a Shared,
    caller: &'a Caller,
    request: &'a ApiRequest,
}

/// Entry point for everything under `/portal`.
pub async fn handle(State(app): State<App>, request: HttpRequest) -> Response {
    let request = ApiRequest::read(request, "/portal").await;
    let Some(caller) = authenticate(&app, &request) else {
        return Service::Portal.unauthorized(AuthFailure::Invalid);
    };
    let context = Context {
        app: &app,
        caller: &caller,
        request: &request,
    };
    let segments = request.segments();
    match (request.method.as_str(), segments.as_slice()) {
        ("GET", ["api", "security", "pim", "pending-approvals"]) => pending_approvals(&context),
        ("POST", ["api", "security", "pim", "approvals", id, "approve"]) => {
            decide(&context, id, Outcome::Approve)
        }
        ("POST", ["api", "security", "pim", "approvals", id, "deny"]) => {
            decide(&context, id, Outcome::Deny)
        }
        ("GET", ["api", "security", "pim", "requests", "history"]) => history(&context),
        ("GET", ["api", "security", "pim", "my-requests"]) => my_requests(&context),
        _ => simple_error(StatusCode::NOT_FOUND, "NotFound", "No such endpoint."),
    }
}

/// A bearer token (when present it must be valid) or else the session cookie.
fn authenticate(app: &Shared, request: &ApiRequest) -> Option<Caller> {
    if bearer_token(&request.headers).is_some() {
        return bearer_caller(app, &request.headers, Resource::Portal).ok();
    }
    session_caller(app, &request.headers, PORTAL_SESSION_COOKIE)
}

fn list(context: &Context, keep: impl Fn(&Request, DateTime<Utc>) -> bool) -> Response {
    let now = context.app.clock.now();
    let items: Vec<Value> = {
        let store = context.app.store();
        store
            .requests(Source::PortalApi)
            .filter(|r| keep(r, now))
            .map(|r| request_json(&store, r, now))
            .collect()
    };
    next_link_list(items, context.request, &context.app.settings)
}

fn pending_approvals(context: &Context) -> Response {
    list(context, |r, now| {
        r.is_pending_at(now) && r.is_assigned_to(context.caller)
    })
}

fn my_requests(context: &Context) -> Response {
    list(context, |r, _| r.principal == context.caller.id())
}

/// Requests the caller approves that left `Pending` within `from`..`to` (default and limit: 30 days).
fn history(context: &Context) -> Response {
    let now = context.app.clock.now();
    let parse = |name: &str| {
        context
            .request
            .query_value(name)
            .map(DateTime::parse_from_rfc3339)
    };
    let (from, to) = match (parse("from").transpose(), parse("to").transpose()) {
        (Ok(from), Ok(to)) => (from.map(|t| t.to_utc()), to.map(|t| t.to_utc())),
        _ => {
            return simple_error(
                StatusCode::BAD_REQUEST,
                "InvalidParameter",
                "'from' and 'to' must be RFC 3339 times.",
            )
        }
    };
    let oldest = now - Duration::days(HISTORY_DAYS);
    let from = from.unwrap_or(oldest).max(oldest);
    let to = to.unwrap_or(now);
    list(context, |r, now| {
        r.has_approver(context.caller.id())
            && r.completed_at(now)
                .is_some_and(|done| done >= from && done <= to)
    })
}

fn decide(context: &Context, id: &str, outcome: Outcome) -> Response {
    let body = context.request.json_body().unwrap_or(Value::Null);
    let justification = body["justification"].as_str().unwrap_or_default();
    let now = context.app.clock.now();
    let mut store = context.app.store();
    let result = store
        .decide(
            Source::PortalApi,
            id,
            context.caller,
            outcome,
            Some(justification),
            now,
        )
        .cloned();
    match result {
        Ok(request) => json_response(StatusCode::OK, request_json(&store, &request, now)),
        Err(error) => decision_error(&store, id, error, now),
    }
}

fn decision_error(store: &Store, id: &str, error: DecisionError, now: DateTime<Utc>) -> Response {
    let (status, code, message) = match &error {
        DecisionError::NotFound => (
            StatusCode::NOT_FOUND,
            "NotFound",
            format!("No request '{id}'."),
        ),
        DecisionError::JustificationRequired => (
            StatusCode::BAD_REQUEST,
            "JustificationRequired",
            "A justification is required.".into(),
        ),
        DecisionError::NotDecidable => (
            StatusCode::BAD_REQUEST,
            "NotDecidable",
            "Extend and renew requests cannot be decided through this API.".into(),
        ),
        DecisionError::SelfApproval => (
            StatusCode::FORBIDDEN,
            "SelfApprovalNotAllowed",
            "You cannot approve your own request.".into(),
        ),
        DecisionError::NotAnApprover | DecisionError::ServicePrincipal => (
            StatusCode::FORBIDDEN,
            "NotAnApprover",
            "You are not an approver of this request.".into(),
        ),
        DecisionError::AlreadyDecided(decision) => {
            let verb = if decision.outcome == Outcome::Approve {
                "Approved"
            } else {
                "Denied"
            };
            let by = store.display_name(&decision.by);
            (
                StatusCode::CONFLICT,
                "AlreadyDecided",
                format!("{verb} by {by} at {}.", format_time(decision.at)),
            )
        }
        DecisionError::Canceled => (
            StatusCode::CONFLICT,
            "AlreadyDecided",
            "Canceled by the requestor.".into(),
        ),
        DecisionError::Expired => (
            StatusCode::CONFLICT,
            "Expired",
            "The request expired 24 hours after it was submitted.".into(),
        ),
    };
    let mut body = json!({ "error": { "code": code, "message": message } });
    if matches!(
        error,
        DecisionError::AlreadyDecided(_) | DecisionError::Canceled
    ) {
        if let Some(request) = store.find(Source::PortalApi, id) {
            body["error"]["request"] = request_json(store, request, now);
        }
    }
    json_response(status, body)
}

fn portal_status(status: Status) -> &'static str {
    match status {
        Status::Pending => "Pending",
        Status::Approved => "Approved",
        Status::Denied => "Denied",
        Status::Canceled => "Canceled",
        Status::Expired => "Expired",
    }
}

fn request_type(action: Action) -> &'static str {
    match action {
        Action::SelfActivate => "activate",
        Action::SelfExtend => "extend",
        Action::SelfRenew => "renew",
    }
}

fn person_json(store: &Store, user_id: &str) -> Value {
    match store.scenario().user(user_id) {
        Some(user) => {
            json!({ "id": user.id, "displayName": user.display_name, "userPrincipalName": user.user_principal_name })
        }
        None => json!({ "id": user_id, "displayName": null, "userPrincipalName": null }),
    }
}

fn scope_json(store: &Store, scope: &str) -> Value {
    let name = match scope {
        "/" => "Directory".to_string(),
        other => store
            .scenario()
            .azure_scope(other)
            .map_or(other.to_string(), |s| s.display_name.clone()),
    };
    json!({ "id": scope, "displayName": name })
}

/// The portal request object of PORTAL_API.md.
fn request_json(store: &Store, request: &Request, now: DateTime<Utc>) -> Value {
    let role_id = request.role.clone().unwrap_or_default();
    let role_name = store
        .scenario()
        .role_name(Source::PortalApi, &role_id)
        .unwrap_or(&role_id);
    let decision = request.decision.as_ref().map(|d| {
        json!({
            "result": if d.outcome == Outcome::Approve { "Approved" } else { "Denied" },
            "by": person_json(store, &d.by),
            "dateTime": format_time(d.at),
            "justification": d.justification,
        })
    });
    json!({
        "id": request.id,
        "status": portal_status(request.status_at(now)),
        "requestType": request_type(request.action),
        "requestor": person_json(store, &request.principal),
        "role": { "id": role_id, "displayName": role_name },
        "scope": scope_json(store, &request.scope),
        "duration": request.duration,
        "startDateTime": request.start.map(format_time),
        "justification": request.justification,
        "ticket": request.ticket.as_ref().map(|t| json!({ "number": t.number, "system": t.system })),
        "requestedDateTime": format_time(request.created),
        "expiresDateTime": format_time(request.expires_at()),
        "decision": decision,
    })
}
