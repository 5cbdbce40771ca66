//! JSON shapes of the Graph views of a stored request, quirks included: v1.0 schedule requests
//! (`SelfActivate`, `AfterDuration`, `completedDateTime` on pending requests, `createdBy.user.displayName`
//! null, `approvalId == id`), beta approval steps / v1.0 approval stages (read values
//! `NotReviewed|Approved|Denied`), and the `$expand`-able principal, role definition, scope and group.

use crate::clock::{add_clamped, format_time};
use crate::scenario::{Source, User};
use crate::store::{Caller, Outcome, Request, Status, Store};
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

/// Which navigation properties `$expand` asked for.
pub struct Expand(Vec<String>);

impl Expand {
    pub fn parse(text: Option<&str>) -> Expand {
        let names = text
            .unwrap_or_default()
            .split(',')
            .map(|name| {
                name.split('(')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_ascii_lowercase()
            })
            .filter(|name| !name.is_empty())
            .collect();
        Expand(names)
    }

    fn has(&self, name: &str) -> bool {
        self.0.iter().any(|n| n == &name.to_ascii_lowercase())
    }
}

/// `completedDateTime`: set even on pending requests (200 ms before creation, as in the documented sample).
fn completed_date_time(request: &Request, now: DateTime<Utc>) -> String {
    let completed = request
        .completed_at(now)
        .unwrap_or_else(|| add_clamped(request.created, -Duration::milliseconds(200)));
    format_time(completed)
}

/// Properties common to `unifiedRoleAssignmentScheduleRequest` and
/// `privilegedAccessGroupAssignmentScheduleRequest`.
fn common_request_json(request: &Request, now: DateTime<Utc>, odata_type: &str) -> Value {
    let ticket = request.ticket.as_ref();
    json!({
        "@odata.type": odata_type,
        "id": request.id,
        "status": request.status_at(now).service_value(),
        "createdDateTime": format_time(request.created),
        "completedDateTime": completed_date_time(request, now),
        "approvalId": request.id,
        "customData": null,
        "action": request.action.as_str(),
        "principalId": request.principal,
        "isValidationOnly": false,
        "targetScheduleId": request.id,
        "justification": request.justification,
        "createdBy": {
            "application": null,
            "device": null,
            "user": { "displayName": null, "id": request.principal },
        },
        "scheduleInfo": {
            "startDateTime": request.start.map(format_time),
            "recurrence": null,
            "expiration": { "type": "AfterDuration", "endDateTime": null, "duration": request.duration },
        },
        "ticketInfo": {
            "ticketNumber": ticket.map(|t| t.number.clone()),
            "ticketSystem": ticket.map(|t| t.system.clone()),
        },
    })
}

/// A v1.0 `unifiedRoleAssignmentScheduleRequest` (G1/G2).
pub fn role_request_json(
    store: &Store,
    request: &Request,
    now: DateTime<Utc>,
    expand: &Expand,
) -> Value {
    let mut item = common_request_json(
        request,
        now,
        "#microsoft.graph.unifiedRoleAssignmentScheduleRequest",
    );
    let role_id = request.role.clone().unwrap_or_default();
    item["roleDefinitionId"] = json!(role_id);
    item["directoryScopeId"] = json!(request.scope);
    item["appScopeId"] = json!(null);
    if expand.has("principal") {
        item["principal"] = principal_json(store, &request.principal);
    }
    if expand.has("roleDefinition") {
        let name = store
            .scenario()
            .role_name(Source::EntraRoles, &role_id)
            .unwrap_or_default();
        item["roleDefinition"] = role_definition_json(&role_id, name);
    }
    if expand.has("directoryScope") {
        item["directoryScope"] = directory_scope_json(&request.scope);
    }
    item
}

/// A v1.0 `privilegedAccessGroupAssignmentScheduleRequest` (G6).
pub fn group_request_json(
    store: &Store,
    request: &Request,
    now: DateTime<Utc>,
    expand: &Expand,
) -> Value {
    let mut item = common_request_json(
        request,
        now,
        "#microsoft.graph.privilegedAccessGroupAssignmentScheduleRequest",
    );
    let group_id = request.group.clone().unwrap_or_default();
    item["accessId"] = json!(request.access_id);
    item["groupId"] = json!(group_id);
    if expand.has("principal") {
        item["principal"] = principal_json(store, &request.principal);
    }
    if expand.has("group") {
        item["group"] = match store.scenario().group(&group_id) {
            Some(group) => json!({
                "@odata.type": "#microsoft.graph.group",
                "id": group.id,
                "displayName": group.display_name,
                "mail": group.mail,
                "description": null,
                "securityEnabled": true,
                "mailEnabled": group.mail.is_some(),
            }),
            None => Value::Null,
        };
    }
    item
}

/// `$expand=principal`: a user (as in the documented sample) or a service principal.
fn principal_json(store: &Store, id: &str) -> Value {
    match store.scenario().user(id) {
        Some(user) if user.is_service_principal() => json!({
            "@odata.type": "#microsoft.graph.servicePrincipal",
            "id": user.id,
            "displayName": user.display_name,
            "appDisplayName": user.display_name,
            "servicePrincipalType": "Application",
        }),
        Some(user) => {
            let mut value = user_json(user);
            value["@odata.type"] = json!("#microsoft.graph.user");
            for empty in [
                "givenName",
                "jobTitle",
                "mobilePhone",
                "officeLocation",
                "preferredLanguage",
                "surname",
            ] {
                value[empty] = Value::Null;
            }
            value["businessPhones"] = json!([]);
            value
        }
        None => json!({ "@odata.type": "#microsoft.graph.directoryObject", "id": id }),
    }
}

/// `/me` and `/users/{id}`.
pub fn user_json(user: &User) -> Value {
    json!({
        "id": user.id,
        "displayName": user.display_name,
        "userPrincipalName": user.user_principal_name,
        "mail": if user.is_service_principal() { None } else { Some(&user.user_principal_name) },
    })
}

fn role_definition_json(id: &str, name: &str) -> Value {
    json!({
        "id": id,
        "description": "",
        "displayName": name,
        "isBuiltIn": true,
        "isEnabled": true,
        "templateId": id,
        "version": null,
        "resourceScopes": [],
        "rolePermissions": [],
    })
}

/// Tenant-wide (`/`) has no directory object; anything else is shown as an administrative unit.
fn directory_scope_json(scope: &str) -> Value {
    if scope == "/" {
        return Value::Null;
    }
    json!({
        "@odata.type": "#microsoft.graph.administrativeUnit",
        "id": scope.trim_start_matches("/administrativeUnits/"),
    })
}

/// An approval step (beta) or stage (v1.0 groups); both have the same properties.
pub fn step_json(store: &Store, request: &Request, caller: &Caller, now: DateTime<Utc>) -> Value {
    let status = request.status_at(now);
    let decision = request.decision.as_ref();
    let reviewed_by = decision.and_then(|d| store.scenario().user(&d.by)).map(|user| {
        json!({ "id": user.id, "displayName": user.display_name, "userPrincipalName": user.user_principal_name })
    });
    json!({
        "id": request.step_id(),
        "displayName": request.stage_display_name,
        "reviewedDateTime": decision.map(|d| format_time(d.at)),
        "reviewResult": match decision.map(|d| d.outcome) {
            Some(Outcome::Approve) => "Approved",
            Some(Outcome::Deny) => "Denied",
            None => "NotReviewed",
        },
        "status": match status {
            Status::Pending => "InProgress",
            Status::Expired => "Expired",
            _ => "Completed",
        },
        "assignedToMe": request.is_assigned_to(caller),
        "justification": decision.map_or("", |d| d.justification.as_str()),
        "reviewedBy": reviewed_by,
    })
}
