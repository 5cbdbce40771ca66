//! Reading a role's PIM policy (reference §1–§3): Graph `roleManagementPolicyAssignments` with
//! `policy.rules` (`@odata.type` rules, `singleUser`/`groupMembers` approvers) and ARM
//! `roleManagementPolicyAssignments` with `properties.effectiveRules` (`ruleType` rules,
//! `{id, description, userType}` approvers). Rules are matched on `id`, never on position; only the
//! `*_EndUser_Assignment` rules (activation) are read.

use crate::domain::role_policy::{PolicyApprover, RolePolicy};
use crate::domain::IsoDuration;
use serde_json::Value;

const EXPIRATION: &str = "Expiration_EndUser_Assignment";
const ENABLEMENT: &str = "Enablement_EndUser_Assignment";
const APPROVAL: &str = "Approval_EndUser_Assignment";

/// What a policy answer held.
#[derive(Debug, PartialEq)]
pub(crate) enum PolicyRead {
    /// The policy with its rules.
    Rules(RolePolicy),
    /// An assignment was found but came without rules (`$expand=policy` alone).
    WithoutRules,
    /// No assignment for this role in the answer.
    NoPolicy,
}

/// A Graph list answer (A, B): the assignment for `role` (case-insensitive; the filter already
/// picked it, but a service that ignored it must not lend another role's rules).
pub(crate) fn read_graph(body: &Value, role: &str) -> PolicyRead {
    let Some(assignment) = items(body).find(|a| same_id(a.get("roleDefinitionId"), role)) else {
        return PolicyRead::NoPolicy;
    };
    match assignment
        .pointer("/policy/rules")
        .and_then(Value::as_array)
    {
        Some(rules) => PolicyRead::Rules(read_rules(rules)),
        None => PolicyRead::WithoutRules,
    }
}

/// An ARM list answer (C): the assignment whose role definition GUID is `role_guid` and whose scope
/// is `scope` (settings are per scope, never inherited), read from `effectiveRules`.
pub(crate) fn read_arm(body: &Value, role_guid: &str, scope: &str) -> PolicyRead {
    let found = items(body).find(|a| {
        let p = &a["properties"];
        let role = p["roleDefinitionId"].as_str().unwrap_or_default();
        let at = p["scope"].as_str().unwrap_or(scope);
        crate::sources::wire::last_segment(role).eq_ignore_ascii_case(role_guid)
            && at
                .trim_end_matches('/')
                .eq_ignore_ascii_case(scope.trim_end_matches('/'))
    });
    let Some(assignment) = found else {
        return PolicyRead::NoPolicy;
    };
    let properties = &assignment["properties"];
    match properties
        .get("effectiveRules")
        .or_else(|| properties.get("rules"))
        .and_then(Value::as_array)
    {
        Some(rules) => PolicyRead::Rules(read_rules(rules)),
        None => PolicyRead::WithoutRules,
    }
}

fn items(body: &Value) -> impl Iterator<Item = &Value> {
    body["value"].as_array().into_iter().flatten()
}

fn same_id(value: Option<&Value>, id: &str) -> bool {
    value
        .and_then(Value::as_str)
        .is_some_and(|v| v.eq_ignore_ascii_case(id))
}

/// The activation rules of either shape.
pub(crate) fn read_rules(rules: &[Value]) -> RolePolicy {
    let rule = |id: &str| rules.iter().find(|r| same_id(r.get("id"), id));
    let mut policy = RolePolicy {
        rules_read: true,
        ..RolePolicy::default()
    };
    if let Some(expiration) = rule(EXPIRATION) {
        policy.max_duration = expiration["maximumDuration"]
            .as_str()
            .and_then(IsoDuration::parse)
            .filter(|d| d.seconds() > 0);
    }
    if let Some(enablement) = rule(ENABLEMENT) {
        let enabled = |name: &str| {
            enablement["enabledRules"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|r| r.as_str().is_some_and(|r| r.eq_ignore_ascii_case(name)))
        };
        policy.requires_mfa = enabled("MultiFactorAuthentication");
        policy.requires_justification = enabled("Justification");
        policy.requires_ticket = enabled("Ticketing");
    }
    if let Some(approval) = rule(APPROVAL) {
        let setting = &approval["setting"];
        policy.approval_required = setting["isApprovalRequired"].as_bool();
        let stages = setting["approvalStages"].as_array().into_iter().flatten();
        for approver in stages.flat_map(|s| s["primaryApprovers"].as_array().into_iter().flatten())
        {
            if let Some(approver) = read_approver(approver) {
                if !policy
                    .approvers
                    .iter()
                    .any(|a| a.id.eq_ignore_ascii_case(&approver.id))
                {
                    policy.approvers.push(approver);
                }
            }
        }
    }
    policy
}

/// Graph `singleUser {userId}` / `groupMembers {groupId}`, or ARM `{id, userType: "User"|"Group"}`.
fn read_approver(value: &Value) -> Option<PolicyApprover> {
    let text = |key: &str| crate::sources::wire::text(value[key].as_str());
    let odata = value["@odata.type"]
        .as_str()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let (id, is_group) = if let Some(user) = text("userId") {
        (user, false)
    } else if let Some(group) = text("groupId") {
        (group, true)
    } else {
        let is_group = odata.ends_with("groupmembers")
            || value["userType"]
                .as_str()
                .is_some_and(|t| t.eq_ignore_ascii_case("group"));
        (text("id")?, is_group)
    };
    Some(PolicyApprover {
        id,
        name: text("description"),
        is_group,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::wire::fixture;
    use serde_json::json;

    #[test]
    fn reads_the_documented_entra_policy() {
        let body = fixture("context_entra_policy.json");
        let PolicyRead::Rules(policy) = read_graph(&body, "62E90394-69f5-4237-9190-012177145e10")
        else {
            panic!("rules expected");
        };
        assert_eq!(policy.max_duration, Some(IsoDuration::from_hours(8)));
        assert!(policy.requires_mfa && policy.requires_justification && !policy.requires_ticket);
        assert_eq!(policy.approval_required, Some(false));
        assert!(policy.approvers.is_empty());
        assert_eq!(read_graph(&body, "another-role"), PolicyRead::NoPolicy);
    }

    #[test]
    fn a_policy_without_rules_is_told_apart() {
        let mut body = fixture("context_entra_policy.json");
        body["value"][0]["policy"]
            .as_object_mut()
            .unwrap()
            .remove("rules");
        assert_eq!(
            read_graph(&body, "62e90394-69f5-4237-9190-012177145e10"),
            PolicyRead::WithoutRules
        );
    }

    #[test]
    fn reads_the_documented_arm_policy_at_its_own_scope() {
        let body = fixture("context_arm_policy.json");
        let scope = "/subscriptions/129ff972-28f8-46b8-a726-e497be039368";
        let PolicyRead::Rules(policy) =
            read_arm(&body, "A1705BD2-3a8f-45a5-8683-466fcfd5cc24", scope)
        else {
            panic!("rules expected");
        };
        assert_eq!(policy.max_duration, Some(IsoDuration::from_hours(7)));
        assert!(policy.requires_mfa && policy.requires_justification && policy.requires_ticket);
        assert_eq!(policy.approval_required, Some(true));
        let names: Vec<(String, bool)> = policy
            .approvers
            .iter()
            .map(|a| (a.label(), a.is_group))
            .collect();
        assert_eq!(
            names,
            [
                ("amansw_new_group (group)".to_string(), true),
                ("amansw_group (group)".to_string(), true)
            ]
        );
        // Settings are per scope: a resource group below it is not governed by this answer.
        assert_eq!(
            read_arm(
                &body,
                "a1705bd2-3a8f-45a5-8683-466fcfd5cc24",
                &format!("{scope}/resourceGroups/rg1")
            ),
            PolicyRead::NoPolicy
        );
    }

    #[test]
    fn reads_graph_approvers_of_both_kinds() {
        let rules = [
            json!({
                "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyApprovalRule",
                "id": "Approval_EndUser_Assignment",
                "setting": { "isApprovalRequired": true, "approvalStages": [{ "primaryApprovers": [
                    { "@odata.type": "#microsoft.graph.singleUser", "userId": "10a08e2e-3ea2-4ce0-80cb-d5fdd4b05ea6" },
                    { "@odata.type": "#microsoft.graph.groupMembers", "groupId": "14f2746d-7d6f-4ac6-acd8-8cac318b041b", "description": "PIM Approvers" }
                ]}]}
            }),
            json!({ "id": "Expiration_EndUser_Assignment", "maximumDuration": "nonsense" }),
        ];
        let policy = read_rules(&rules);
        assert_eq!(policy.approvers.len(), 2);
        assert!(!policy.approvers[0].is_group);
        assert_eq!(
            policy.approvers[0].label(),
            "User with object id 10a08e2e-3ea2-4ce0-80cb-d5fdd4b05ea6 (no name in the policy)"
        );
        assert!(policy.approvers[1].is_group);
        assert_eq!(policy.approvers[1].label(), "PIM Approvers (group)");
        assert_eq!(
            policy.max_duration, None,
            "an unreadable maximum is not a limit"
        );
    }
}
