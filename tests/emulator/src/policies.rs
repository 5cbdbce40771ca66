//! PIM role management policies (reference §1–§3): Graph
//! `GET /policies/roleManagementPolicyAssignments?$filter=scopeId eq … and scopeType eq … and
//! roleDefinitionId eq …&$expand=policy($expand=rules)` for Entra roles (`Directory`/`DirectoryRole`)
//! and PIM for Groups (`Group`, `member`/`owner`), and ARM
//! `{scope}/providers/Microsoft.Authorization/roleManagementPolicyAssignments` with `effectiveRules`
//! at one exact scope. Policies come from the scenario's `policies`, else PIM's defaults. Graph rules
//! carry `@odata.type` and `singleUser`/`groupMembers` approvers; ARM rules carry `ruleType` and
//! `{ id, description, isBackup, userType }` approvers; both list `*_Admin_*` rules before the
//! end-user ones in different orders (match rules on `id`). A policy flagged `rulesUnreadable`
//! answers Graph's reported 500 when its rules are expanded.

use crate::access::{
    arm_authorization_failed, graph_pim_missing_provider, graph_pim_missing_role,
    graph_pim_missing_scope, scopes, ENTRA_PIM_READERS,
};
use crate::arm::{check_api_version, role_definition_path};
use crate::clock::format_time;
use crate::context_routes::Call;
use crate::errors::graph_error;
use crate::http_util::json_response;
use crate::ids::derived_guid;
use crate::odata_filter::EqFilter;
use crate::paging::next_link_list;
use crate::scenario::{Scenario, Source};
use crate::scenario_context::{ApproverRef, PolicySpec};
use crate::store::Store;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};

const DEFAULT_MAXIMUM_DURATION: &str = "PT8H";

/// The activation settings of one role, as the scenario declares them or PIM's defaults.
struct Policy<'a> {
    source: Source,
    /// `/`, the group id or the Azure scope.
    scope: String,
    /// Role id, or `member`/`owner` for groups.
    role: String,
    spec: Option<&'a PolicySpec>,
}

impl<'a> Policy<'a> {
    fn find(scenario: &'a Scenario, source: Source, scope: &str, role: &str) -> Policy<'a> {
        let spec =
            (scenario.context.policies.iter()).find(|p| p.target.is_for(source, scope, role));
        Policy {
            source,
            scope: scope.to_string(),
            role: role.to_string(),
            spec,
        }
    }

    /// Stable per source, scope and role.
    fn guid(&self) -> String {
        derived_guid(
            &format!(
                "{:?}|{}|{}",
                self.source,
                self.scope.to_ascii_lowercase(),
                self.role
            ),
            "policy",
        )
    }

    fn maximum_duration(&self) -> &str {
        self.spec
            .and_then(|s| s.maximum_duration.as_deref())
            .unwrap_or(DEFAULT_MAXIMUM_DURATION)
    }

    fn is_expiration_required(&self) -> bool {
        self.spec
            .and_then(|s| s.is_expiration_required)
            .unwrap_or(true)
    }

    /// Defaults: MFA and justification for Entra roles, justification elsewhere.
    fn enabled_rules(&self) -> Vec<String> {
        if let Some(rules) = self.spec.and_then(|s| s.enabled_rules.clone()) {
            return rules;
        }
        let defaults: &[&str] = match self.source {
            Source::EntraRoles => &["MultiFactorAuthentication", "Justification"],
            _ => &["Justification"],
        };
        defaults.iter().map(|r| r.to_string()).collect()
    }

    fn is_approval_required(&self) -> bool {
        self.spec.and_then(|s| s.approval_required).unwrap_or(false)
    }

    fn approvers(&self) -> &[ApproverRef] {
        self.spec.map_or(&[], |s| s.approvers.as_slice())
    }

    fn rules_unreadable(&self) -> bool {
        self.spec.is_some_and(|s| s.rules_unreadable)
    }
}

/// Graph or ARM: the two ways the same rules are written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Flavor {
    Graph,
    Arm,
}

/// One rule: `kind` (`Expiration`, `Enablement`, …), `id`, target caller and level, and its fields.
fn rule(flavor: Flavor, kind: &str, id: &str, caller: &str, level: &str, fields: Value) -> Value {
    let mut rule = fields;
    rule["id"] = json!(id);
    match flavor {
        Flavor::Graph => {
            rule["@odata.type"] = json!(format!(
                "#microsoft.graph.unifiedRoleManagementPolicy{kind}Rule"
            ));
            // The documented samples spell the operation both ways.
            let operation = if kind == "Approval" { "All" } else { "all" };
            rule["target"] = json!({ "caller": caller, "operations": [operation], "level": level,
                "inheritableSettings": [], "enforcedSettings": [] });
        }
        Flavor::Arm => {
            rule["ruleType"] = json!(format!("RoleManagementPolicy{kind}Rule"));
            rule["target"] = json!({ "caller": caller, "operations": ["All"], "level": level,
                "targetObjects": null, "inheritableSettings": null, "enforcedSettings": null });
        }
    }
    rule
}

fn approver_json(scenario: &Scenario, approver: &ApproverRef, flavor: Flavor) -> Value {
    let (id, description, is_group) = match (&approver.user, &approver.group) {
        (Some(user), _) => (
            user,
            scenario.user(user).map(|u| u.display_name.clone()),
            false,
        ),
        (None, Some(group)) => (
            group,
            scenario.group(group).map(|g| g.display_name.clone()),
            true,
        ),
        (None, None) => unreachable!("validated: an approver is a user or a group"),
    };
    match (flavor, is_group) {
        (Flavor::Graph, false) => json!({ "@odata.type": "#microsoft.graph.singleUser",
            "userId": id, "description": description }),
        (Flavor::Graph, true) => json!({ "@odata.type": "#microsoft.graph.groupMembers",
            "groupId": id, "description": description }),
        (Flavor::Arm, _) => json!({ "id": id, "description": description, "isBackup": false,
            "userType": if is_group { "Group" } else { "User" } }),
    }
}

fn approval_rule(scenario: &Scenario, policy: &Policy, flavor: Flavor) -> Value {
    let approvers: Vec<Value> = policy
        .approvers()
        .iter()
        .map(|a| approver_json(scenario, a, flavor))
        .collect();
    let escalation = match flavor {
        Flavor::Graph => json!([]),
        Flavor::Arm => Value::Null,
    };
    let setting = json!({
        "isApprovalRequired": policy.is_approval_required(),
        "isApprovalRequiredForExtension": false,
        "isRequestorJustificationRequired": true,
        "approvalMode": "SingleStage",
        "approvalStages": [{
            "approvalStageTimeOutInDays": 1,
            "isApproverJustificationRequired": true,
            "escalationTimeInMinutes": 0,
            "isEscalationEnabled": false,
            "primaryApprovers": approvers,
            "escalationApprovers": escalation,
        }],
    });
    let id = "Approval_EndUser_Assignment";
    rule(
        flavor,
        "Approval",
        id,
        "EndUser",
        "Assignment",
        json!({ "setting": setting }),
    )
}

fn authentication_context_rule(policy: &Policy, flavor: Flavor) -> Value {
    let claim = policy.spec.and_then(|s| s.authentication_context.clone());
    let fields = json!({
        "isEnabled": claim.is_some(),
        "claimValue": match (&claim, flavor) {
            (Some(value), _) => json!(value),
            (None, Flavor::Graph) => Value::Null,
            (None, Flavor::Arm) => json!(""),
        },
    });
    let id = "AuthenticationContext_EndUser_Assignment";
    rule(
        flavor,
        "AuthenticationContext",
        id,
        "EndUser",
        "Assignment",
        fields,
    )
}

fn expiration_rule(flavor: Flavor, who: &str, level: &str, required: bool, max: &str) -> Value {
    let id = format!("Expiration_{who}_{level}");
    let fields = json!({ "isExpirationRequired": required, "maximumDuration": max });
    rule(flavor, "Expiration", &id, who, level, fields)
}

fn enablement_rule(flavor: Flavor, who: &str, level: &str, enabled: &[String]) -> Value {
    let id = format!("Enablement_{who}_{level}");
    rule(
        flavor,
        "Enablement",
        &id,
        who,
        level,
        json!({ "enabledRules": enabled }),
    )
}

fn notification_rule(policy: &Policy, flavor: Flavor, recipient: &str) -> Value {
    let extra = match (recipient, policy.spec) {
        ("Admin", Some(spec)) => spec.notification_recipients.clone(),
        _ => Vec::new(),
    };
    let fields = json!({
        "notificationType": "Email",
        "recipientType": recipient,
        "notificationLevel": "All",
        "isDefaultRecipientsEnabled": true,
        "notificationRecipients": extra,
    });
    let id = format!("Notification_{recipient}_EndUser_Assignment");
    rule(flavor, "Notification", &id, "EndUser", "Assignment", fields)
}

/// The rules of a policy: Graph lists admin rules first; ARM starts with the approval rule.
fn rules(scenario: &Scenario, policy: &Policy, flavor: Flavor) -> Vec<Value> {
    let justification = vec!["Justification".to_string()];
    let enduser_enabled = policy.enabled_rules();
    let expirations = [
        expiration_rule(flavor, "Admin", "Eligibility", false, "P365D"),
        expiration_rule(flavor, "Admin", "Assignment", false, "P180D"),
        expiration_rule(
            flavor,
            "EndUser",
            "Assignment",
            policy.is_expiration_required(),
            policy.maximum_duration(),
        ),
    ];
    let enablements = [
        enablement_rule(flavor, "Admin", "Eligibility", &[]),
        enablement_rule(flavor, "Admin", "Assignment", &justification),
        enablement_rule(flavor, "EndUser", "Assignment", &enduser_enabled),
    ];
    let approval = approval_rule(scenario, policy, flavor);
    let authentication_context = authentication_context_rule(policy, flavor);
    let notifications =
        ["Admin", "Requestor", "Approver"].map(|r| notification_rule(policy, flavor, r));
    let [exp_admin_eligibility, exp_admin_assignment, exp_enduser] = expirations;
    let [en_admin_eligibility, en_admin_assignment, en_enduser] = enablements;
    let mut list = match flavor {
        Flavor::Graph => vec![
            exp_admin_eligibility,
            en_admin_eligibility,
            exp_admin_assignment,
            en_admin_assignment,
            exp_enduser,
            en_enduser,
            approval,
            authentication_context,
        ],
        Flavor::Arm => vec![
            approval,
            authentication_context,
            en_admin_eligibility,
            en_admin_assignment,
            en_enduser,
            exp_admin_eligibility,
            exp_admin_assignment,
            exp_enduser,
        ],
    };
    list.extend(notifications);
    list
}

/// When the policy was last changed and by whom, in the given flavor: Graph's `identity`
/// (`displayName`, `id`) or ARM's principal (`id`, `displayName`, `type`, `email`).
fn last_modified(store: &Store, policy: &Policy, flavor: Flavor) -> (Value, Value) {
    let Some(spec) = policy.spec else {
        return (Value::Null, Value::Null);
    };
    let at = spec
        .last_modified_minutes_ago
        .map(|m| format_time(store.context().minutes_ago(m)));
    let by = spec
        .last_modified_by
        .as_deref()
        .and_then(|id| store.scenario().user(id));
    let by = by.map_or(Value::Null, |u| match flavor {
        Flavor::Graph => json!({ "displayName": u.display_name, "id": u.id }),
        Flavor::Arm => json!({ "id": u.id, "displayName": u.display_name, "type": "User",
            "email": u.user_principal_name }),
    });
    (json!(at), by)
}

// ---------------------------------------------------------------------------------------------------
// Graph

/// What `$expand` asked for: the policy, and inside it `rules` and/or `effectiveRules`.
struct PolicyExpand {
    policy: bool,
    rules: bool,
    effective_rules: bool,
}

impl PolicyExpand {
    fn parse(text: Option<&str>) -> PolicyExpand {
        let text = text.unwrap_or_default().to_ascii_lowercase();
        let policy = text
            .split(',')
            .any(|part| part.trim().starts_with("policy"));
        let nested = text
            .split_once('(')
            .map_or("", |(_, inner)| inner.trim_end_matches(')'));
        let nested = nested.strip_prefix("$expand=").unwrap_or(nested);
        let names: Vec<&str> = nested.split([',', ';', '(']).map(str::trim).collect();
        PolicyExpand {
            policy,
            rules: policy && names.contains(&"rules"),
            effective_rules: policy && names.contains(&"effectiverules"),
        }
    }

    fn context_suffix(&self) -> String {
        let mut nested = Vec::new();
        if self.rules {
            nested.push("rules()");
        }
        if self.effective_rules {
            nested.push("effectiveRules()");
        }
        if self.policy {
            format!("(policy({}))", nested.join(","))
        } else {
            String::new()
        }
    }
}

/// `scopeType` → PIM provider.
fn graph_provider(scope_type: &str) -> Option<Source> {
    match scope_type {
        "Directory" | "DirectoryRole" => Some(Source::EntraRoles),
        "Group" => Some(Source::Groups),
        _ => None,
    }
}

/// A: `GET /policies/roleManagementPolicyAssignments` (B with `scopeType eq 'Group'`).
pub fn graph_list_assignments(call: &Call) -> Response {
    let filter = match EqFilter::parse(call.request.query_value("$filter").unwrap_or_default()) {
        Ok(filter) => filter,
        Err(message) => return graph_error(StatusCode::BAD_REQUEST, "BadRequest", &message),
    };
    let (Some(scope_id), Some(scope_type)) = (filter.value("scopeId"), filter.value("scopeType"))
    else {
        return graph_pim_missing_provider();
    };
    let Some(source) = graph_provider(scope_type) else {
        return graph_pim_missing_provider();
    };
    let accepted = match source {
        Source::Groups => scopes::GROUP_POLICY,
        _ => scopes::ENTRA_POLICY,
    };
    if !call.access.has_scope(accepted) {
        return graph_pim_missing_scope(accepted);
    }
    let now = call.now();
    let store = call.app.store();
    let allowed = match source {
        Source::Groups => call.access.can_read_group(&store, scope_id, now),
        _ => call
            .access
            .has_directory_role(&store, ENTRA_PIM_READERS, now),
    };
    if !allowed {
        return graph_pim_missing_role();
    }
    let scenario = store.scenario();
    let roles: Vec<String> = match source {
        Source::Groups if scenario.group(scope_id).is_some() => {
            vec!["member".to_string(), "owner".to_string()]
        }
        Source::Groups => Vec::new(),
        _ if scope_id == "/" => scenario
            .directory_roles
            .iter()
            .map(|r| r.id.clone())
            .collect(),
        _ => Vec::new(),
    };
    let wanted = filter.value("roleDefinitionId");
    let policies: Vec<Policy> = roles
        .iter()
        .filter(|role| wanted.is_none_or(|w| w.eq_ignore_ascii_case(role)))
        .map(|role| Policy::find(scenario, source, scope_id, role))
        .collect();
    let expand = PolicyExpand::parse(call.request.query_value("$expand"));
    let reads_rules = expand.rules || expand.effective_rules;
    if reads_rules && policies.iter().any(Policy::rules_unreadable) {
        // microsoft-graph-explorer-v4#4041: a 500 with no error code.
        return graph_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "",
            "An error has occurred.",
        );
    }
    let items: Vec<Value> = policies
        .iter()
        .map(|policy| graph_assignment_json(&store, policy, scope_type, &expand))
        .collect();
    let context = call.metadata_url(&format!(
        "policies/roleManagementPolicyAssignments{}",
        expand.context_suffix()
    ));
    json_response(
        StatusCode::OK,
        json!({ "@odata.context": context, "value": items }),
    )
}

fn graph_assignment_json(
    store: &Store,
    policy: &Policy,
    scope_type: &str,
    expand: &PolicyExpand,
) -> Value {
    let tenant = &store.scenario().tenant.id;
    let policy_id = match policy.source {
        Source::Groups => format!("Group_{}_{}", policy.scope, policy.guid()),
        _ => format!("{scope_type}_{tenant}_{}", policy.guid()),
    };
    let mut item = json!({
        "id": format!("{policy_id}_{}", policy.role),
        "policyId": policy_id,
        "scopeId": policy.scope,
        "scopeType": scope_type,
        "roleDefinitionId": policy.role,
    });
    if expand.policy {
        let (modified_at, modified_by) = last_modified(store, policy, Flavor::Graph);
        let name = if policy.source == Source::Groups {
            "Group"
        } else {
            "Directory"
        };
        let mut body = json!({
            "id": policy_id,
            "displayName": name,
            "description": name,
            "isOrganizationDefault": false,
            "scopeId": policy.scope,
            "scopeType": scope_type,
            "lastModifiedDateTime": modified_at,
            "lastModifiedBy": modified_by,
        });
        let rules = || rules(store.scenario(), policy, Flavor::Graph);
        if expand.rules {
            body["rules"] = json!(rules());
        }
        if expand.effective_rules {
            body["effectiveRules"] = json!(rules());
        }
        item["policy"] = body;
    }
    item
}

// ---------------------------------------------------------------------------------------------------
// ARM

/// The GUID at the end of a role definition id (`…/roleDefinitions/{guid}` or the bare GUID).
fn role_guid(id: &str) -> &str {
    id.rsplit('/').next().unwrap_or(id)
}

/// C: `{scope}/providers/Microsoft.Authorization/roleManagementPolicyAssignments`, the policies of
/// every Azure role at exactly that scope, `$filter=roleDefinitionId eq '{full id}'` honoured.
pub fn arm_list_assignments(call: &Call, scope: &str) -> Response {
    if let Err(response) = check_api_version(call.request, &["2020-10-01"]) {
        return response;
    }
    let now = call.now();
    let store = call.app.store();
    if !call.access.can_read_azure_scope(&store, scope, now) {
        let action = "Microsoft.Authorization/roleManagementPolicyAssignments/read";
        return arm_authorization_failed(call.access.caller, action, scope);
    }
    let filter = EqFilter::parse_lenient(call.request.query_value("$filter").unwrap_or_default());
    let wanted = filter.value("roleDefinitionId").map(role_guid);
    let scenario = store.scenario();
    let items: Vec<Value> = scenario
        .azure_roles
        .iter()
        .filter(|role| wanted.is_none_or(|w| w.eq_ignore_ascii_case(&role.id)))
        .map(|role| Policy::find(scenario, Source::AzureResources, scope, &role.id))
        .map(|policy| arm_assignment_json(&store, &policy))
        .collect();
    drop(store);
    next_link_list(items, call.request, &call.app.settings)
}

fn arm_assignment_json(store: &Store, policy: &Policy) -> Value {
    let scenario = store.scenario();
    let authorization = format!(
        "{}/providers/Microsoft.Authorization",
        crate::arm::scope_prefix(&policy.scope)
    );
    let name = format!("{}_{}", policy.guid(), policy.role);
    let role_definition_id = role_definition_path(&policy.scope, &policy.role);
    let policy_id = format!("{authorization}/roleManagementPolicies/{}", policy.guid());
    let scope = scenario.azure_scope(&policy.scope);
    let (modified_at, modified_by) = last_modified(store, policy, Flavor::Arm);
    json!({
        "id": format!("{authorization}/roleManagementPolicyAssignments/{name}"),
        "name": name,
        "type": "Microsoft.Authorization/RoleManagementPolicyAssignment",
        "properties": {
            "scope": policy.scope,
            "roleDefinitionId": role_definition_id,
            "policyId": policy_id,
            "effectiveRules": rules(scenario, policy, Flavor::Arm),
            "policyAssignmentProperties": {
                "scope": {
                    "id": policy.scope,
                    "displayName": scope.map(|s| s.display_name.clone()),
                    "type": scope.map(|s| s.kind.clone()),
                },
                "roleDefinition": {
                    "id": role_definition_id,
                    "displayName": scenario.role_name(Source::AzureResources, &policy.role),
                    "type": "BuiltInRole",
                },
                "policy": {
                    "id": policy_id,
                    "lastModifiedBy": modified_by,
                    "lastModifiedDateTime": modified_at,
                },
            },
        },
    })
}
