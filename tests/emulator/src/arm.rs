//! Azure Resource Manager (`/arm/...`): role assignment approvals (A1–A4, api-version
//! `2021-01-01-preview`) and role assignment schedule requests (A5, get, cancel; `2020-10-01` or
//! `2022-04-01-preview`) at the tenant root or any scope. Views of the shared store; quirks kept: stage
//! `name` differs from its id's last segment, `approvalId` is a full path, read values `Approve|Deny`,
//! `$filter=status eq …` ignored.

use crate::app::{App, Shared};
use crate::clock::format_time;
use crate::errors::{simple_error, Service};
use crate::http_util::{empty_response, json_response, ApiRequest};
use crate::ids::derived_guid;
use crate::paging::next_link_list;
use crate::scenario::Source;
use crate::store::{Caller, CancelError, DecisionError, Outcome, Request, Status, Store};
use crate::tokens::{bearer_caller, Resource};
use axum::extract::{Request as HttpRequest, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

const APPROVAL_API_VERSIONS: &[&str] = &["2021-01-01-preview"];
const SCHEDULE_REQUEST_API_VERSIONS: &[&str] = &["2020-10-01", "2022-04-01-preview"];
const APPROVALS_PATH: &str = "/providers/Microsoft.Authorization/roleAssignmentApprovals";

/// The ARM routes, parsed from the path after `/arm`.
#[derive(Debug)]
enum ArmRoute {
    Approvals,
    Approval(String),
    Stages(String),
    Stage(String, String),
    ScheduleRequests,
    ScheduleRequest(String),
    CancelScheduleRequest(String),
}

impl ArmRoute {
    /// `(scope, route)`; scope is `/` for the tenant root.
    fn parse(segments: &[&str]) -> Option<(String, ArmRoute)> {
        let provider_at = segments.windows(2).position(|pair| {
            pair[0].eq_ignore_ascii_case("providers")
                && pair[1].eq_ignore_ascii_case("Microsoft.Authorization")
        })?;
        let scope = format!("/{}", segments[..provider_at].join("/"));
        let rest = &segments[provider_at + 2..];
        let is = |segment: &str, name: &str| segment.eq_ignore_ascii_case(name);
        let route = match rest {
            [c] if is(c, "roleAssignmentApprovals") => ArmRoute::Approvals,
            [c, id] if is(c, "roleAssignmentApprovals") => ArmRoute::Approval(id.to_string()),
            [c, id, s] if is(c, "roleAssignmentApprovals") && is(s, "stages") => {
                ArmRoute::Stages(id.to_string())
            }
            [c, id, s, stage] if is(c, "roleAssignmentApprovals") && is(s, "stages") => {
                ArmRoute::Stage(id.to_string(), stage.to_string())
            }
            [c] if is(c, "roleAssignmentScheduleRequests") => ArmRoute::ScheduleRequests,
            [c, name] if is(c, "roleAssignmentScheduleRequests") => {
                ArmRoute::ScheduleRequest(name.to_string())
            }
            [c, name, action]
                if is(c, "roleAssignmentScheduleRequests") && is(action, "cancel") =>
            {
                ArmRoute::CancelScheduleRequest(name.to_string())
            }
            _ => return None,
        };
        Some((scope, route))
    }

    fn api_versions(&self) -> &'static [&'static str] {
        match self {
            ArmRoute::Approvals
            | ArmRoute::Approval(_)
            | ArmRoute::Stages(_)
            | ArmRoute::Stage(..) => APPROVAL_API_VERSIONS,
            _ => SCHEDULE_REQUEST_API_VERSIONS,
        }
    }
}

struct Context<'a> {
    app: &'a Shared,
    caller: &'a Caller,
    request: &'a ApiRequest,
    scope: String,
}

/// Entry point for everything under `/arm`.
pub async fn handle(State(app): State<App>, request: HttpRequest) -> Response {
    let request = ApiRequest::read(request, "/arm").await;
    let caller = match bearer_caller(&app, &request.headers, Resource::Arm) {
        Ok(caller) => caller,
        Err(failure) => return Service::Arm.unauthorized(failure),
    };
    if let Some(response) = crate::context_routes::arm(&app, &caller, &request) {
        return response;
    }
    let Some((scope, route)) = ArmRoute::parse(&request.segments()) else {
        return simple_error(
            StatusCode::NOT_FOUND,
            "InvalidResourceType",
            "The resource type could not be found in the namespace 'Microsoft.Authorization'.",
        );
    };
    if let Err(response) = check_api_version(&request, route.api_versions()) {
        return response;
    }
    let context = Context {
        app: &app,
        caller: &caller,
        request: &request,
        scope,
    };
    dispatch(&context, route)
}

fn dispatch(context: &Context, route: ArmRoute) -> Response {
    match (context.request.method.as_str(), route) {
        ("GET", ArmRoute::Approvals) => list_approvals(context),
        ("GET", ArmRoute::Approval(id)) => with_approval(context, &id, |store, r, now| {
            approval_json(store, r, context.caller, now)
        }),
        ("GET", ArmRoute::Stages(id)) => with_approval(
            context,
            &id,
            |store, r, now| json!({ "value": [stage_json(store, r, context.caller, now)] }),
        ),
        ("GET", ArmRoute::Stage(id, stage)) => get_stage(context, &id, &stage),
        ("PATCH" | "PUT", ArmRoute::Stage(id, stage)) => decide(context, &id, &stage),
        ("GET", ArmRoute::ScheduleRequests) => list_schedule_requests(context),
        ("GET", ArmRoute::ScheduleRequest(name)) => get_schedule_request(context, &name),
        ("POST", ArmRoute::CancelScheduleRequest(name)) => cancel(context, &name),
        (method, _) => simple_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            &format!("The method '{method}' is not supported on this resource."),
        ),
    }
}

pub(crate) fn check_api_version(request: &ApiRequest, supported: &[&str]) -> Result<(), Response> {
    match request.query_value("api-version") {
        None => Err(simple_error(
            StatusCode::BAD_REQUEST,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        )),
        Some(version) if supported.contains(&version) => Ok(()),
        Some(version) => Err(simple_error(
            StatusCode::BAD_REQUEST,
            "InvalidApiVersionParameter",
            &format!(
                "The api-version '{version}' is invalid. The supported versions are '{}'.",
                supported.join(",")
            ),
        )),
    }
}

fn not_found(kind: &str, id: &str) -> Response {
    simple_error(
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
        &format!("The {kind} '{id}' could not be found."),
    )
}

/// `$filter` functions: `asApprover()`, `asCreatedBy()`/`asRequestor()`, `asTarget()`; anything else
/// (e.g. `status eq 'PendingApproval'`) is ignored, as ARM does.
fn matches_filter(filter: Option<&str>, request: &Request, caller_id: &str) -> bool {
    let filter = filter.unwrap_or_default().to_ascii_lowercase();
    if filter.contains("asapprover()") {
        request.has_approver(caller_id)
    } else if filter.contains("ascreatedby()")
        || filter.contains("asrequestor()")
        || filter.contains("astarget()")
    {
        request.principal == caller_id
    } else {
        true
    }
}

/// Requests at or below the route's scope matching the `$filter`, rendered and paged.
fn list(context: &Context, render: impl Fn(&Store, &Request, DateTime<Utc>) -> Value) -> Response {
    let now = context.app.clock.now();
    let filter = context.request.query_value("$filter");
    let items: Vec<Value> = {
        let store = context.app.store();
        store
            .requests(Source::AzureResources)
            .filter(|r| store.scenario().scope_is_within(&r.scope, &context.scope))
            .filter(|r| matches_filter(filter, r, context.caller.id()))
            .map(|r| render(&store, r, now))
            .collect()
    };
    next_link_list(items, context.request, &context.app.settings)
}

/// A1.
fn list_approvals(context: &Context) -> Response {
    list(context, |store, r, now| {
        approval_json(store, r, context.caller, now)
    })
}

/// A5.
fn list_schedule_requests(context: &Context) -> Response {
    list(context, schedule_request_json)
}

fn with_approval(
    context: &Context,
    approval_id: &str,
    render: impl Fn(&Store, &Request, DateTime<Utc>) -> Value,
) -> Response {
    let now = context.app.clock.now();
    let store = context.app.store();
    match store.find_by(
        Source::AzureResources,
        approval_id,
        Request::arm_approval_id,
    ) {
        Some(request) => json_response(StatusCode::OK, render(&store, request, now)),
        None => not_found("role assignment approval", approval_id),
    }
}

/// A3.
fn get_stage(context: &Context, approval_id: &str, stage_id: &str) -> Response {
    let now = context.app.clock.now();
    let store = context.app.store();
    match store.find_by(
        Source::AzureResources,
        approval_id,
        Request::arm_approval_id,
    ) {
        Some(request) if request.step_id().eq_ignore_ascii_case(stage_id) => json_response(
            StatusCode::OK,
            stage_json(&store, request, context.caller, now),
        ),
        Some(_) => not_found("approval stage", stage_id),
        None => not_found("role assignment approval", approval_id),
    }
}

/// A4: `{"properties":{"reviewResult","justification"}}` or the flat body → 200 with the stage.
fn decide(context: &Context, approval_id: &str, stage_id: &str) -> Response {
    let now = context.app.clock.now();
    let mut store = context.app.store();
    let request_id = match store.find_by(
        Source::AzureResources,
        approval_id,
        Request::arm_approval_id,
    ) {
        Some(request) if request.step_id().eq_ignore_ascii_case(stage_id) => request.id.clone(),
        Some(_) => return not_found("approval stage", stage_id),
        None => return not_found("role assignment approval", approval_id),
    };
    let body = context.request.json_body().unwrap_or(Value::Null);
    let fields = body.get("properties").unwrap_or(&body);
    let Some((outcome, justification)) = Outcome::from_review_body(fields) else {
        return simple_error(
            StatusCode::BAD_REQUEST,
            "InvalidRequestContent",
            "The reviewResult must be 'Approve' or 'Deny'.",
        );
    };
    let result = store.decide(
        Source::AzureResources,
        &request_id,
        context.caller,
        outcome,
        Some(justification),
        now,
    );
    match result {
        Ok(request) => {
            let request = request.clone();
            json_response(
                StatusCode::OK,
                stage_json(&store, &request, context.caller, now),
            )
        }
        Err(error) => decision_error(error, &store),
    }
}

fn decision_error(error: DecisionError, store: &Store) -> Response {
    let (status, code, message) = match error {
        DecisionError::NotFound => (
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            "The role assignment approval could not be found.".to_string(),
        ),
        DecisionError::SelfApproval => (
            StatusCode::FORBIDDEN,
            "AuthorizationFailed",
            "The requestor cannot approve their own request.".into(),
        ),
        DecisionError::NotAnApprover => (
            StatusCode::FORBIDDEN,
            "AuthorizationFailed",
            "The client is not an approver of this request.".into(),
        ),
        DecisionError::ServicePrincipal => (
            StatusCode::FORBIDDEN,
            "AuthorizationFailed",
            "Service principals cannot approve requests.".into(),
        ),
        DecisionError::NotDecidable => (
            StatusCode::BAD_REQUEST,
            "ApprovalNotSupportedForRequestType",
            "Approval for extend and renew requests is currently not supported by the ARM API."
                .into(),
        ),
        DecisionError::AlreadyDecided(decision) => (
            StatusCode::CONFLICT,
            "ApprovalStepAlreadyCompleted",
            format!(
                "The approval stage has already been completed by {} at {}.",
                store.display_name(&decision.by),
                format_time(decision.at)
            ),
        ),
        DecisionError::Canceled => (
            StatusCode::CONFLICT,
            "ApprovalStepAlreadyCompleted",
            "The request has been canceled by the requestor.".into(),
        ),
        DecisionError::Expired => (
            StatusCode::BAD_REQUEST,
            "ApprovalStepExpired",
            "The approval stage has expired.".into(),
        ),
        DecisionError::JustificationRequired => (
            StatusCode::BAD_REQUEST,
            "JustificationRequired",
            "A justification is required.".into(),
        ),
    };
    simple_error(status, code, &message)
}

fn get_schedule_request(context: &Context, name: &str) -> Response {
    let now = context.app.clock.now();
    let store = context.app.store();
    let found = store
        .find(Source::AzureResources, name)
        .filter(|r| store.scenario().scope_is_within(&r.scope, &context.scope));
    match found {
        Some(request) => json_response(StatusCode::OK, schedule_request_json(&store, request, now)),
        None => not_found("role assignment schedule request", name),
    }
}

fn cancel(context: &Context, name: &str) -> Response {
    let now = context.app.clock.now();
    let result = context
        .app
        .store()
        .cancel(Source::AzureResources, name, context.caller, now)
        .map(|_| ());
    match result {
        Ok(()) => empty_response(StatusCode::OK),
        Err(CancelError::UnknownRequest) => not_found("role assignment schedule request", name),
        Err(CancelError::NotTheRequester) => simple_error(
            StatusCode::FORBIDDEN,
            "AuthorizationFailed",
            "Only the requestor can cancel this request.",
        ),
        Err(CancelError::AlreadyClosed) => simple_error(
            StatusCode::BAD_REQUEST,
            "RequestCannotBeCancelled",
            "Only pending requests can be cancelled.",
        ),
    }
}

// ---------------------------------------------------------------------------------------------------
// shapes

fn approval_json(store: &Store, request: &Request, caller: &Caller, now: DateTime<Utc>) -> Value {
    let approval_id = request.arm_approval_id();
    json!({
        "id": format!("{APPROVALS_PATH}/{approval_id}"),
        "type": "Microsoft.Authorization/roleAssignmentApprovals",
        "name": approval_id,
        "properties": { "stages": [stage_json(store, request, caller, now)] },
    })
}

fn stage_json(store: &Store, request: &Request, caller: &Caller, now: DateTime<Utc>) -> Value {
    let decision = request.decision.as_ref();
    let reviewed_by = decision.and_then(|d| store.scenario().user(&d.by)).map(|user| {
        json!({
            "principalId": user.id,
            "principalType": if user.is_service_principal() { "servicePrincipal" } else { "user" },
            "principalName": user.display_name,
            "userPrincipalName": user.user_principal_name,
        })
    });
    json!({
        "id": format!("{APPROVALS_PATH}/{}/stages/{}", request.arm_approval_id(), request.step_id()),
        "type": "Microsoft.Authorization/roleAssignmentApprovals/stages",
        "name": request.arm_stage_name(),
        "properties": {
            "displayName": request.stage_display_name,
            "assignedToMe": request.is_assigned_to(caller),
            "status": match request.status_at(now) {
                Status::Pending => "InProgress",
                Status::Expired => "Expired",
                _ => "Completed",
            },
            "reviewedBy": reviewed_by,
            "reviewedDateTime": decision.map(|d| format_time(d.at)),
            "reviewResult": match decision.map(|d| d.outcome) {
                Some(Outcome::Approve) => "Approve",
                Some(Outcome::Deny) => "Deny",
                None => "NotReviewed",
            },
            "justification": decision.map_or("", |d| d.justification.as_str()),
        },
    })
}

/// ARM resource path prefix for a scope (`""` for the tenant root).
pub(crate) fn scope_prefix(scope: &str) -> &str {
    scope.trim_end_matches('/')
}

/// `{scope}/providers/Microsoft.Authorization/roleDefinitions/{role}`.
pub(crate) fn role_definition_path(scope: &str, role_id: &str) -> String {
    let prefix = scope_prefix(scope);
    format!("{prefix}/providers/Microsoft.Authorization/roleDefinitions/{role_id}")
}

/// `principalType`: `User` or `ServicePrincipal`.
pub(crate) fn principal_type(store: &Store, principal_id: &str) -> &'static str {
    match store.scenario().user(principal_id) {
        Some(user) if user.is_service_principal() => "ServicePrincipal",
        _ => "User",
    }
}

/// `expandedProperties` of schedule requests and instances: scope, role definition, principal.
pub(crate) fn expanded_properties(
    store: &Store,
    scope_id: &str,
    role_id: &str,
    principal_id: &str,
) -> Value {
    let scenario = store.scenario();
    let scope = scenario.azure_scope(scope_id);
    let principal = scenario.user(principal_id);
    json!({
        "scope": {
            "id": scope_id,
            "displayName": scope.map_or("Tenant Root", |s| s.display_name.as_str()),
            "type": scope.map_or("managementgroup", |s| s.kind.as_str()),
        },
        "roleDefinition": {
            "id": role_definition_path(scope_id, role_id),
            "displayName": scenario.role_name(Source::AzureResources, role_id),
            "type": "BuiltInRole",
        },
        "principal": {
            "id": principal_id,
            "displayName": principal.map(|p| p.display_name.clone()),
            "email": principal.filter(|p| !p.is_service_principal()).map(|p| p.user_principal_name.clone()),
            "type": principal_type(store, principal_id),
        },
    })
}

pub(crate) fn schedule_request_json(store: &Store, request: &Request, now: DateTime<Utc>) -> Value {
    let role_id = request.role.clone().unwrap_or_default();
    let prefix = scope_prefix(&request.scope);
    let ticket = request.ticket.as_ref();
    json!({
        "id": format!("{prefix}/providers/Microsoft.Authorization/RoleAssignmentScheduleRequests/{}", request.id),
        "name": request.id,
        "type": "Microsoft.Authorization/RoleAssignmentScheduleRequests",
        "properties": {
            "targetRoleAssignmentScheduleId": derived_guid(&request.id, "arm-target-schedule"),
            "targetRoleAssignmentScheduleInstanceId": null,
            "linkedRoleEligibilityScheduleId": derived_guid(&request.id, "arm-eligibility"),
            "scope": request.scope,
            "roleDefinitionId": role_definition_path(&request.scope, &role_id),
            "principalId": request.principal,
            "principalType": principal_type(store, &request.principal),
            "requestType": request.action.as_str(),
            "status": request.status_at(now).service_value(),
            "approvalId": format!("{APPROVALS_PATH}/{}", request.arm_approval_id()),
            "scheduleInfo": {
                "startDateTime": request.start.map(format_time),
                "expiration": { "type": "AfterDuration", "endDateTime": null, "duration": request.duration },
            },
            "ticketInfo": {
                "ticketNumber": ticket.map(|t| t.number.clone()),
                "ticketSystem": ticket.map(|t| t.system.clone()),
            },
            "justification": request.justification,
            "requestorId": request.principal,
            "createdOn": format_time(request.created),
            "condition": null,
            "conditionVersion": null,
            "expandedProperties": expanded_properties(store, &request.scope, &role_id, &request.principal),
        },
    })
}
