//! The requester's PIM record (reference §4–§5), all views of the one store: requests of every
//! status (decided through any API included) and schedule instances (declared assignments and
//! eligibilities, approved activations still running).
//! - Graph D1–D3: `roleManagement/directory/{roleAssignmentScheduleRequests, roleAssignmentScheduleInstances,
//!   roleEligibilityScheduleInstances}` with `$filter` eq clauses (`principalId`, `roleDefinitionId`, …).
//! - Graph D4–D6: `identityGovernance/privilegedAccess/group/{assignmentScheduleRequests,
//!   assignmentScheduleInstances, eligibilityScheduleInstances}`; `$filter` on `groupId` or
//!   `principalId` is required.
//! - ARM E1–E3: `{scope}/providers/Microsoft.Authorization/{roleAssignmentScheduleRequests,
//!   roleAssignmentScheduleInstances, roleEligibilityScheduleInstances}` with `principalId eq '…'`,
//!   `assignedTo('…')`, `atScope()`, `asTarget()`, `roleDefinitionId eq '…'`; requests lists without a
//!   principal, `atScope()` or role (the approver views `asApprover()`, `asRequestor()`,
//!   `asCreatedBy()`, `asTarget()`) keep being answered by `arm.rs`.

use crate::access::{
    arm_authorization_failed, graph_pim_missing_role, graph_pim_missing_scope, scopes,
    ENTRA_PIM_READERS, GROUP_READERS,
};
use crate::arm::{
    check_api_version, expanded_properties, principal_type, role_definition_path,
    schedule_request_json, scope_prefix,
};
use crate::clock::format_time;
use crate::context_routes::Call;
use crate::errors::graph_error;
use crate::graph_views::{group_request_json, role_request_json, Expand};
use crate::http_util::json_response;
use crate::odata_filter::EqFilter;
use crate::paging::{next_link_list, paginate};
use crate::scenario::Source;
use crate::schedules::{active_assignments, eligibilities, Instance};
use crate::store::{Request, Store};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

const ARM_API_VERSIONS: &[&str] = &["2020-10-01", "2022-04-01-preview"];

/// Which list of a PIM provider.
#[derive(Clone, Copy, PartialEq, Eq)]
enum List {
    Requests,
    Assignments,
    Eligibilities,
}

/// One Graph PIM provider: its path, list names and scopes, shapes, and who may read it.
struct GraphProvider {
    source: Source,
    path: &'static str,
    lists: [(&'static str, List, &'static [&'static str]); 3],
    /// PIM for Groups lists require an eq clause on `groupId` or `principalId`.
    requires_group_or_principal: bool,
    render_request: fn(&Store, &Request, DateTime<Utc>, &Expand) -> Value,
    render_assignment: fn(&Instance) -> Value,
    render_eligibility: fn(&Instance) -> Value,
    may_read: fn(&Call, &Store, &EqFilter, DateTime<Utc>) -> bool,
}

/// D1–D3.
const ENTRA: GraphProvider = GraphProvider {
    source: Source::EntraRoles,
    path: "roleManagement/directory",
    lists: [
        (
            "roleAssignmentScheduleRequests",
            List::Requests,
            scopes::ENTRA_ASSIGNMENTS,
        ),
        (
            "roleAssignmentScheduleInstances",
            List::Assignments,
            scopes::ENTRA_ASSIGNMENTS,
        ),
        (
            "roleEligibilityScheduleInstances",
            List::Eligibilities,
            scopes::ENTRA_ELIGIBILITIES,
        ),
    ],
    requires_group_or_principal: false,
    render_request: role_request_json,
    render_assignment: entra_assignment_json,
    render_eligibility: entra_eligibility_json,
    may_read: |call, store, _, now| {
        call.access
            .has_directory_role(store, ENTRA_PIM_READERS, now)
    },
};

/// D4–D6: owners and members of the filtered group, or the group-reading roles.
const GROUPS: GraphProvider = GraphProvider {
    source: Source::Groups,
    path: "identityGovernance/privilegedAccess/group",
    lists: [
        (
            "assignmentScheduleRequests",
            List::Requests,
            scopes::GROUP_ASSIGNMENTS,
        ),
        (
            "assignmentScheduleInstances",
            List::Assignments,
            scopes::GROUP_ASSIGNMENTS,
        ),
        (
            "eligibilityScheduleInstances",
            List::Eligibilities,
            scopes::GROUP_ELIGIBILITIES,
        ),
    ],
    requires_group_or_principal: true,
    render_request: group_request_json,
    render_assignment: group_assignment_json,
    render_eligibility: group_eligibility_json,
    may_read: |call, store, filter, now| match filter.value("groupId") {
        Some(group) => call.access.can_read_group(store, group, now),
        None => call.access.has_directory_role(store, GROUP_READERS, now),
    },
};

impl GraphProvider {
    fn items(&self, list: List, store: &Store, now: DateTime<Utc>, expand: &Expand) -> Vec<Value> {
        let (instances, render) = match list {
            List::Requests => {
                return store
                    .requests(self.source)
                    .map(|r| (self.render_request)(store, r, now, expand))
                    .collect()
            }
            List::Assignments => (active_assignments(store, now), self.render_assignment),
            List::Eligibilities => (eligibilities(store, now), self.render_eligibility),
        };
        instances
            .iter()
            .filter(|i| i.source == self.source)
            .map(render)
            .collect()
    }

    /// The list called `name`, or `None` when this provider has none of that name.
    fn list(&self, call: &Call, name: &str) -> Option<Response> {
        let (_, list, accepted) = *self.lists.iter().find(|(n, _, _)| *n == name)?;
        let filter = match parse_graph_filter(call) {
            Ok(filter) => filter,
            Err(response) => return Some(response),
        };
        let unfiltered = filter.value("groupId").is_none() && filter.value("principalId").is_none();
        if self.requires_group_or_principal && unfiltered {
            let message = "The $filter must contain an eq clause on groupId or principalId.";
            return Some(graph_error(StatusCode::BAD_REQUEST, "BadRequest", message));
        }
        if !call.access.has_scope(accepted) {
            return Some(graph_pim_missing_scope(accepted));
        }
        let now = call.now();
        let store = call.app.store();
        if !(self.may_read)(call, &store, &filter, now) {
            return Some(graph_pim_missing_role());
        }
        let items = self.items(list, &store, now, &expand(call));
        drop(store);
        let path = format!("{}/{name}", self.path);
        Some(graph_page(call, &path, items, &filter))
    }
}

/// D1–D3.
pub fn graph_entra_list(call: &Call, name: &str) -> Option<Response> {
    ENTRA.list(call, name)
}

/// D4–D6.
pub fn graph_group_list(call: &Call, name: &str) -> Option<Response> {
    GROUPS.list(call, name)
}

fn parse_graph_filter(call: &Call) -> Result<EqFilter, Response> {
    EqFilter::parse(call.request.query_value("$filter").unwrap_or_default())
        .map_err(|message| graph_error(StatusCode::BAD_REQUEST, "BadRequest", &message))
}

fn expand(call: &Call) -> Expand {
    Expand::parse(call.request.query_value("$expand"))
}

/// The items the filter keeps, one page of them, with `@odata.context` and `@odata.nextLink`.
fn graph_page(call: &Call, path: &str, items: Vec<Value>, filter: &EqFilter) -> Response {
    let items: Vec<Value> = items.into_iter().filter(|i| filter.matches(i)).collect();
    let settings = &call.app.settings;
    let page = paginate(items, call.request, &settings.base_url, settings.page_size);
    let mut body = json!({ "@odata.context": call.metadata_url(path), "value": page.items });
    if let Some(link) = page.next_link {
        body["@odata.nextLink"] = json!(link);
    }
    json_response(StatusCode::OK, body)
}

fn time(at: Option<DateTime<Utc>>) -> Value {
    json!(at.map(format_time))
}

fn entra_instance_json(instance: &Instance) -> Value {
    json!({
        "id": instance.id(),
        "principalId": instance.principal,
        "roleDefinitionId": instance.role,
        "directoryScopeId": instance.scope,
        "appScopeId": null,
        "startDateTime": time(Some(instance.start)),
        "endDateTime": time(instance.end),
        "memberType": "Direct",
    })
}

fn entra_assignment_json(instance: &Instance) -> Value {
    let mut item = entra_instance_json(instance);
    item["assignmentType"] = json!(instance.assignment_type.map(|t| t.as_str()));
    item["roleAssignmentOriginId"] = json!(instance.id());
    item["roleAssignmentScheduleId"] = json!(instance.schedule_id());
    item
}

fn entra_eligibility_json(instance: &Instance) -> Value {
    let mut item = entra_instance_json(instance);
    item["roleEligibilityScheduleId"] = json!(instance.schedule_id());
    item
}

fn group_instance_json(instance: &Instance) -> Value {
    let group = instance.group.clone().unwrap_or_default();
    json!({
        "id": format!("{group}_{}_{}", instance.access_id, instance.id()),
        "startDateTime": time(Some(instance.start)),
        "endDateTime": time(instance.end),
        "accessId": instance.access_id,
        "principalId": instance.principal,
        "groupId": group,
        "memberType": "Direct",
    })
}

fn group_assignment_json(instance: &Instance) -> Value {
    let mut item = group_instance_json(instance);
    item["assignmentType"] = json!(instance.assignment_type.map(|t| t.as_str()));
    item["assignmentScheduleId"] = json!(instance.schedule_id());
    item
}

fn group_eligibility_json(instance: &Instance) -> Value {
    let mut item = group_instance_json(instance);
    item["eligibilityScheduleId"] = json!(instance.schedule_id());
    item
}

// ---------------------------------------------------------------------------------------------------
// ARM

/// The parts of an ARM `$filter` the record lists understand.
#[derive(Debug, Default, PartialEq, Eq)]
struct ArmFilter {
    principal: Option<String>,
    as_target: bool,
    at_scope: bool,
    role: Option<String>,
    /// `asApprover()`, `asRequestor()`, `asCreatedBy()`: the approver views of `arm.rs`.
    approver_view: bool,
}

impl ArmFilter {
    fn parse(text: &str) -> ArmFilter {
        let lower = text.to_ascii_lowercase();
        let eq = EqFilter::parse_lenient(text);
        let assigned_to = lower.find("assignedto(").map(|at| {
            let rest = &text[at + "assignedto(".len()..];
            let inner = rest.split(')').next().unwrap_or_default();
            inner.trim().trim_matches('\'').to_string()
        });
        ArmFilter {
            principal: assigned_to.or_else(|| eq.value("principalId").map(str::to_string)),
            as_target: lower.contains("astarget()"),
            at_scope: lower.contains("atscope()"),
            role: eq
                .value("roleDefinitionId")
                .map(|r| r.rsplit('/').next().unwrap_or(r).to_string()),
            approver_view: ["asapprover()", "asrequestor()", "ascreatedby()"]
                .iter()
                .any(|f| lower.contains(f)),
        }
    }

    /// A requests-list filter this module answers: it names a principal, `atScope()` or a role and
    /// none of the approver views. Other requests lists (approver views, `asTarget()` alone, no
    /// filter) stay with `arm.rs`.
    fn is_record_query(&self) -> bool {
        !self.approver_view && (self.principal.is_some() || self.at_scope || self.role.is_some())
    }

    /// Whether an item at `item_scope` for `principal` and `role` is listed at `scope`.
    fn keeps(&self, store: &Store, caller: &str, scope: &str, item: (&str, &str, &str)) -> bool {
        let (item_scope, principal, role) = item;
        let scenario = store.scenario();
        let at_or_above = scenario.scope_is_within(scope, item_scope);
        let related = at_or_above || scenario.scope_is_within(item_scope, scope);
        let wanted_principal = if self.as_target {
            Some(caller)
        } else {
            self.principal.as_deref()
        };
        (if self.at_scope { at_or_above } else { related })
            && wanted_principal.is_none_or(|p| p.eq_ignore_ascii_case(principal))
            && self
                .role
                .as_deref()
                .is_none_or(|r| r.eq_ignore_ascii_case(role))
    }
}

/// E1–E3. `None` for the approver views of the requests list (answered by `arm.rs`).
pub fn arm_route(call: &Call, scope: &str, collection: &str) -> Option<Response> {
    let filter = ArmFilter::parse(call.request.query_value("$filter").unwrap_or_default());
    let (list, action) = match collection.to_ascii_lowercase().as_str() {
        "roleassignmentschedulerequests" if filter.is_record_query() => {
            (List::Requests, "roleAssignmentScheduleRequests")
        }
        "roleassignmentscheduleinstances" => (List::Assignments, "roleAssignmentScheduleInstances"),
        "roleeligibilityscheduleinstances" => {
            (List::Eligibilities, "roleEligibilityScheduleInstances")
        }
        _ => return None,
    };
    if let Err(response) = check_api_version(call.request, ARM_API_VERSIONS) {
        return Some(response);
    }
    let now = call.now();
    let store = call.app.store();
    let own_only = filter.as_target;
    if !own_only && !call.access.can_read_azure_scope(&store, scope, now) {
        let action = format!("Microsoft.Authorization/{action}/read");
        return Some(arm_authorization_failed(call.access.caller, &action, scope));
    }
    let caller = call.access.caller.id();
    let items: Vec<Value> = match list {
        List::Requests => store
            .requests(Source::AzureResources)
            .filter(|r| {
                let role = r.role.as_deref().unwrap_or_default();
                filter.keeps(&store, caller, scope, (&r.scope, &r.principal, role))
            })
            .map(|r| schedule_request_json(&store, r, now))
            .collect(),
        List::Assignments | List::Eligibilities => {
            let instances = if list == List::Assignments {
                active_assignments(&store, now)
            } else {
                eligibilities(&store, now)
            };
            instances
                .iter()
                .filter(|i| i.source == Source::AzureResources)
                .filter(|i| {
                    let role = i.role.as_deref().unwrap_or_default();
                    filter.keeps(&store, caller, scope, (&i.scope, &i.principal, role))
                })
                .map(|i| arm_instance_json(&store, i))
                .collect()
        }
    };
    drop(store);
    Some(next_link_list(items, call.request, &call.app.settings))
}

/// E2 / E3 item: `roleAssignmentScheduleInstances` or `roleEligibilityScheduleInstances`.
fn arm_instance_json(store: &Store, instance: &Instance) -> Value {
    let role = instance.role.clone().unwrap_or_default();
    let authorization = format!(
        "{}/providers/Microsoft.Authorization",
        scope_prefix(&instance.scope)
    );
    let mut properties = json!({
        "scope": instance.scope,
        "roleDefinitionId": role_definition_path(&instance.scope, &role),
        "principalId": instance.principal,
        "principalType": principal_type(store, &instance.principal),
        "status": "Provisioned",
        "startDateTime": time(Some(instance.start)),
        "endDateTime": time(instance.end),
        "memberType": "Direct",
        "createdOn": time(Some(instance.start)),
        "condition": null,
        "conditionVersion": null,
        "expandedProperties": expanded_properties(store, &instance.scope, &role, &instance.principal),
    });
    let collection = match instance.assignment_type {
        Some(assignment_type) => {
            properties["assignmentType"] = json!(assignment_type.as_str());
            properties["roleAssignmentScheduleId"] = json!(format!(
                "{authorization}/roleAssignmentSchedules/{}",
                instance.schedule_id()
            ));
            properties["originRoleAssignmentId"] =
                json!(format!("{authorization}/roleAssignments/{}", instance.id()));
            properties["linkedRoleEligibilityScheduleId"] = Value::Null;
            properties["linkedRoleEligibilityScheduleInstanceId"] = Value::Null;
            "roleAssignmentScheduleInstances"
        }
        None => {
            properties["roleEligibilityScheduleId"] = json!(format!(
                "{authorization}/roleEligibilitySchedules/{}",
                instance.schedule_id()
            ));
            "roleEligibilityScheduleInstances"
        }
    };
    json!({
        "id": format!("{authorization}/{collection}/{}", instance.id()),
        "name": instance.id(),
        "type": format!("Microsoft.Authorization/{collection}"),
        "properties": properties,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arm_filters_name_the_principal_either_way() {
        let assigned = ArmFilter::parse("assignedTo('abc') and atScope()");
        assert_eq!(assigned.principal.as_deref(), Some("abc"));
        assert!(assigned.at_scope && !assigned.approver_view);
        let by_id = ArmFilter::parse("principalId eq 'abc'");
        assert_eq!(by_id.principal.as_deref(), Some("abc"));
        assert!(ArmFilter::parse("asApprover()").approver_view);
        let role = ArmFilter::parse("roleDefinitionId eq '/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/GUID'");
        assert_eq!(role.role.as_deref(), Some("GUID"));
    }
}
