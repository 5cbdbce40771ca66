//! Microsoft Graph (`/graph/v1.0/...`, `/graph/beta/...`): PIM for Entra roles (G1–G5 + cancel), PIM
//! for Groups (G6–G9 + cancel), `/me`, `/users/{id}` and `$batch` (in `graph_batch.rs`). Every route is
//! a view of the shared store; shapes live in `graph_views.rs`.

use crate::app::{App, Shared};
use crate::errors::{graph_error, Service};
use crate::graph_views::{group_request_json, role_request_json, step_json, user_json, Expand};
use crate::http_util::{empty_response, json_response, ApiRequest};
use crate::odata_filter::EqFilter;
use crate::paging::paginate;
use crate::scenario::Source;
use crate::store::{Caller, CancelError, DecisionError, Outcome, Request, Store};
use crate::tokens::{bearer_caller, Resource};
use axum::extract::{Request as HttpRequest, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    V1,
    Beta,
}

impl Version {
    pub fn parse(text: &str) -> Option<Version> {
        match text {
            "v1.0" => Some(Version::V1),
            "beta" => Some(Version::Beta),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Version::V1 => "v1.0",
            Version::Beta => "beta",
        }
    }
}

/// The two PIM surfaces Graph has: directory roles and groups.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Roles,
    Groups,
}

impl Kind {
    fn source(self) -> Source {
        match self {
            Kind::Roles => Source::EntraRoles,
            Kind::Groups => Source::Groups,
        }
    }

    fn requests_path(self) -> &'static [&'static str] {
        match self {
            Kind::Roles => &[
                "roleManagement",
                "directory",
                "roleAssignmentScheduleRequests",
            ],
            Kind::Groups => &[
                "identityGovernance",
                "privilegedAccess",
                "group",
                "assignmentScheduleRequests",
            ],
        }
    }

    fn approvals_path(self) -> &'static [&'static str] {
        match self {
            Kind::Roles => &["roleManagement", "directory", "roleAssignmentApprovals"],
            Kind::Groups => &[
                "identityGovernance",
                "privilegedAccess",
                "group",
                "assignmentApprovals",
            ],
        }
    }

    fn request_type(self) -> &'static str {
        match self {
            Kind::Roles => "unifiedRoleAssignmentScheduleRequest",
            Kind::Groups => "privilegedAccessGroupAssignmentScheduleRequest",
        }
    }

    /// Approval children: v1.0 groups have `stages`, beta has `steps`; role approvals exist only in beta.
    fn approval_children(self, version: Version) -> Option<&'static str> {
        match (self, version) {
            (Kind::Roles, Version::V1) => None,
            (Kind::Groups, Version::V1) => Some("stages"),
            (_, Version::Beta) => Some("steps"),
        }
    }

    fn render(
        self,
        store: &Store,
        request: &Request,
        now: DateTime<Utc>,
        expand: &Expand,
    ) -> Value {
        match self {
            Kind::Roles => role_request_json(store, request, now, expand),
            Kind::Groups => group_request_json(store, request, now, expand),
        }
    }
}

/// Per-request context every Graph handler needs.
struct Context<'a> {
    app: &'a Shared,
    caller: &'a Caller,
    version: Version,
    request: &'a ApiRequest,
}

impl Context<'_> {
    fn metadata_url(&self, fragment: &str) -> String {
        format!(
            "{}/graph/{}/$metadata#{fragment}",
            self.app.settings.base_url,
            self.version.as_str()
        )
    }
}

/// Entry point for everything under `/graph`.
pub async fn handle(State(app): State<App>, request: HttpRequest) -> Response {
    let request = ApiRequest::read(request, "/graph").await;
    let Some(version) = request.segments.first().and_then(|v| Version::parse(v)) else {
        return graph_error(StatusCode::BAD_REQUEST, "BadRequest", "Invalid version.");
    };
    let caller = match bearer_caller(&app, &request.headers, Resource::Graph) {
        Ok(caller) => caller,
        Err(failure) => return Service::Graph.unauthorized(failure),
    };
    if request.segments[1..] == ["$batch"] && request.method.as_str() == "POST" {
        return crate::graph_batch::execute(app.clone(), &request, version).await;
    }
    let context = Context {
        app: &app,
        caller: &caller,
        version,
        request: &request,
    };
    route(&context)
}

fn route(context: &Context) -> Response {
    let segments = context.request.segments();
    let rest = &segments[1..];
    let method = context.request.method.as_str();
    if let Some(response) = crate::context_routes::graph(
        context.app,
        context.caller,
        context.request,
        context.version.as_str(),
    ) {
        return response;
    }
    if let ("GET", ["me"]) = (method, rest) {
        return json_response(StatusCode::OK, user_json(&context.caller.user));
    }
    for kind in [Kind::Roles, Kind::Groups] {
        if let Some(tail) = rest.strip_prefix(kind.requests_path()) {
            return requests_route(context, kind, tail);
        }
        if let Some(tail) = rest.strip_prefix(kind.approvals_path()) {
            return approvals_route(context, kind, tail);
        }
    }
    unknown_route(context.request)
}

fn unknown_route(request: &ApiRequest) -> Response {
    let message = format!(
        "Resource not found for the segment '{}'.",
        request.segments.last().map_or("", String::as_str)
    );
    graph_error(StatusCode::BAD_REQUEST, "BadRequest", &message)
}

fn not_found(what: &str, id: &str) -> Response {
    graph_error(
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
        &format!("The {what} '{id}' was not found."),
    )
}

fn requests_route(context: &Context, kind: Kind, tail: &[&str]) -> Response {
    match (context.request.method.as_str(), tail) {
        ("GET", [function]) if function.starts_with("filterByCurrentUser(") => {
            list_requests(context, kind, function)
        }
        ("GET", [id]) => get_request(context, kind, id),
        ("POST", [id, "cancel"]) => cancel_request(context, kind, id),
        _ => unknown_route(context.request),
    }
}

/// `filterByCurrentUser(on='approver')` → `approver`.
fn filter_by_current_user_option(function: &str) -> Option<String> {
    let inner = function
        .strip_prefix("filterByCurrentUser(")?
        .strip_suffix(')')?;
    let (name, value) = inner.split_once('=')?;
    (name.trim() == "on").then(|| value.trim().trim_matches('\'').to_string())
}

/// G1 / G2 / G6: requests where the caller is an approver (own requests included when the caller is
/// also listed) or the principal. `$filter` eq clauses honoured, `$top` ignored, paged.
fn list_requests(context: &Context, kind: Kind, function: &str) -> Response {
    let caller_id = context.caller.id();
    let selects: fn(&Request, &str) -> bool =
        match filter_by_current_user_option(function).as_deref() {
            Some("approver") => |r, id| r.has_approver(id),
            Some("principal") => |r, id| r.principal == id,
            _ => {
                return graph_error(
                    StatusCode::BAD_REQUEST,
                    "BadRequest",
                    "The 'on' parameter must be 'principal' or 'approver'.",
                )
            }
        };
    let filter = match context
        .request
        .query_value("$filter")
        .map(EqFilter::parse)
        .transpose()
    {
        Ok(filter) => filter.unwrap_or_default(),
        Err(message) => return graph_error(StatusCode::BAD_REQUEST, "BadRequest", &message),
    };
    let expand = Expand::parse(context.request.query_value("$expand"));
    let now = context.app.clock.now();
    let items: Vec<Value> = {
        let store = context.app.store();
        store
            .requests(kind.source())
            .filter(|r| selects(r, caller_id))
            .map(|r| kind.render(&store, r, now, &expand))
            .filter(|item| filter.matches(item))
            .collect()
    };
    let settings = &context.app.settings;
    let page = paginate(
        items,
        context.request,
        &settings.base_url,
        settings.page_size,
    );
    let mut body = json!({
        "@odata.context": context.metadata_url(&format!("Collection({})", kind.request_type())),
        "value": page.items,
    });
    if let Some(link) = page.next_link {
        body["@odata.nextLink"] = json!(link);
    }
    json_response(StatusCode::OK, body)
}

/// One request, visible to its principal and its approvers.
fn get_request(context: &Context, kind: Kind, id: &str) -> Response {
    let now = context.app.clock.now();
    let expand = Expand::parse(context.request.query_value("$expand"));
    let store = context.app.store();
    let caller_id = context.caller.id();
    let visible = store
        .find(kind.source(), id)
        .filter(|r| r.principal == caller_id || r.has_approver(caller_id));
    let Some(request) = visible else {
        return not_found("request", id);
    };
    let mut body = kind.render(&store, request, now, &expand);
    let path = kind.requests_path().join("/");
    body["@odata.context"] = json!(context.metadata_url(&format!("{path}/$entity")));
    json_response(StatusCode::OK, body)
}

fn cancel_request(context: &Context, kind: Kind, id: &str) -> Response {
    let now = context.app.clock.now();
    let result = context
        .app
        .store()
        .cancel(kind.source(), id, context.caller, now)
        .map(|_| ());
    match result {
        Ok(()) => empty_response(StatusCode::NO_CONTENT),
        Err(CancelError::UnknownRequest) => not_found("request", id),
        Err(CancelError::NotTheRequester) => graph_error(
            StatusCode::BAD_REQUEST,
            "RequestCannotBeCancelled",
            "Only the principal of a request can cancel it.",
        ),
        Err(CancelError::AlreadyClosed) => graph_error(
            StatusCode::BAD_REQUEST,
            "RequestCannotBeCancelled",
            "Only pending requests can be cancelled.",
        ),
    }
}

fn approvals_route(context: &Context, kind: Kind, tail: &[&str]) -> Response {
    let Some(children) = kind.approval_children(context.version) else {
        return unknown_route(context.request);
    };
    match (context.request.method.as_str(), tail) {
        ("GET", [id]) => get_approval(context, kind, id, children),
        ("GET", [id, c]) if *c == children => list_steps(context, kind, id, children),
        ("GET", [id, c, step]) if *c == children => get_step(context, kind, id, step),
        ("PATCH", [id, c, step]) if *c == children => decide(context, kind, id, step),
        _ => unknown_route(context.request),
    }
}

/// G3 / G7 / G9: the approval with its single step or stage inline.
fn get_approval(context: &Context, kind: Kind, id: &str, children: &str) -> Response {
    let now = context.app.clock.now();
    let store = context.app.store();
    let Some(request) = store.find(kind.source(), id) else {
        return not_found("approval", id);
    };
    let path = kind.approvals_path().join("/");
    let mut body = json!({
        "@odata.context": context.metadata_url(&format!("{path}/$entity")),
        "id": request.id,
        children: [step_json(&store, request, context.caller, now)],
    });
    body[format!("{children}@odata.context")] =
        json!(context.metadata_url(&format!("{path}('{}')/{children}", request.id)));
    json_response(StatusCode::OK, body)
}

/// G4: the steps (or stages) of an approval.
fn list_steps(context: &Context, kind: Kind, id: &str, children: &str) -> Response {
    let now = context.app.clock.now();
    let store = context.app.store();
    let Some(request) = store.find(kind.source(), id) else {
        return not_found("approval", id);
    };
    let path = kind.approvals_path().join("/");
    json_response(
        StatusCode::OK,
        json!({
            "@odata.context": context.metadata_url(&format!("{path}('{}')/{children}", request.id)),
            "value": [step_json(&store, request, context.caller, now)],
        }),
    )
}

fn get_step(context: &Context, kind: Kind, id: &str, step_id: &str) -> Response {
    let now = context.app.clock.now();
    let store = context.app.store();
    match store.find(kind.source(), id) {
        Some(request) if request.step_id().eq_ignore_ascii_case(step_id) => json_response(
            StatusCode::OK,
            step_json(&store, request, context.caller, now),
        ),
        Some(_) => not_found("approval step", step_id),
        None => not_found("approval", id),
    }
}

/// G5 / G8 / G9: `{ "reviewResult": "Approve"|"Deny", "justification" }` → 204.
fn decide(context: &Context, kind: Kind, id: &str, step_id: &str) -> Response {
    let now = context.app.clock.now();
    let mut store = context.app.store();
    match store.find(kind.source(), id) {
        Some(request) if request.step_id().eq_ignore_ascii_case(step_id) => {}
        Some(_) => return not_found("approval step", step_id),
        None => return not_found("approval", id),
    }
    let body = context.request.json_body().unwrap_or(Value::Null);
    let Some((outcome, justification)) = Outcome::from_review_body(&body) else {
        return graph_error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "The reviewResult must be 'Approve' or 'Deny'.",
        );
    };
    match store.decide(
        kind.source(),
        id,
        context.caller,
        outcome,
        Some(justification),
        now,
    ) {
        Ok(_) => empty_response(StatusCode::NO_CONTENT),
        Err(error) => decision_error(error),
    }
}

fn decision_error(error: DecisionError) -> Response {
    let (status, code, message) = match error {
        DecisionError::NotFound => (
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            "The approval was not found.",
        ),
        DecisionError::SelfApproval => (
            StatusCode::FORBIDDEN,
            "Forbidden",
            "Approvers cannot approve their own requests.",
        ),
        DecisionError::NotAnApprover => (
            StatusCode::FORBIDDEN,
            "Forbidden",
            "The caller is not an approver of this request.",
        ),
        DecisionError::ServicePrincipal => (
            StatusCode::FORBIDDEN,
            "Forbidden",
            "Applications cannot approve requests.",
        ),
        DecisionError::NotDecidable => (
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Approval for extend and renew requests is not supported through the API.",
        ),
        DecisionError::AlreadyDecided(_) => (
            StatusCode::CONFLICT,
            "Conflict",
            "The request has already been approved by another approver in the same approval stage.",
        ),
        DecisionError::Canceled => (
            StatusCode::CONFLICT,
            "Conflict",
            "The request has been canceled by the requestor.",
        ),
        DecisionError::Expired => (
            StatusCode::BAD_REQUEST,
            "ApprovalStepExpired",
            "The approval step has expired.",
        ),
        DecisionError::JustificationRequired => (
            StatusCode::BAD_REQUEST,
            "JustificationRequired",
            "A justification is required.",
        ),
    };
    graph_error(status, code, message)
}
