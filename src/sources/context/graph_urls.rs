//! The Graph URLs of the decision context (reference §0 A, B, D1–D6, F1, F2), relative to `/v1.0` for
//! use inside `$batch`: `$filter` values are the request's own ids, spaces percent-encoded.

use super::{requester_id, Slot};
use crate::domain::role_policy::group_access;
use crate::domain::{ApprovalRequest, SourceKind};

/// The Graph URL (relative to `/v1.0`) of one read for `request`. Values are the request's own ids;
/// spaces are percent-encoded for use inside `$batch`.
pub(super) fn graph_url(request: &ApprovalRequest, slot: Slot, with_rules: bool) -> String {
    let role = request.role.id.clone().unwrap_or_default();
    let principal = requester_id(request).unwrap_or_default();
    let user = crate::sources::wire::encode(&principal);
    let groups = request.key.source == SourceKind::Groups;
    let filter = |clauses: &[(&str, &str)]| {
        clauses
            .iter()
            .map(|(name, value)| format!("{name}%20eq%20'{}'", value.replace('\'', "''")))
            .collect::<Vec<_>>()
            .join("%20and%20")
    };
    let group_path = "/identityGovernance/privilegedAccess/group";
    let entra_path = "/roleManagement/directory";
    match slot {
        Slot::Policy => {
            let expand = if with_rules {
                "policy($expand=rules)"
            } else {
                "policy"
            };
            let access = group_access(&request.role.name);
            let scope = if groups {
                filter(&[
                    ("scopeId", &role),
                    ("scopeType", "Group"),
                    ("roleDefinitionId", &access),
                ])
            } else {
                filter(&[
                    ("scopeId", &request.scope.id),
                    ("scopeType", "DirectoryRole"),
                    ("roleDefinitionId", &role),
                ])
            };
            format!("/policies/roleManagementPolicyAssignments?$filter={scope}&$expand={expand}")
        }
        Slot::Requests if groups => format!(
            "{group_path}/assignmentScheduleRequests?$filter={}",
            filter(&[("groupId", &role), ("principalId", &principal)])
        ),
        Slot::Requests => format!(
            "{entra_path}/roleAssignmentScheduleRequests?$filter={}",
            filter(&[("principalId", &principal), ("roleDefinitionId", &role)])
        ),
        Slot::Active if groups => format!(
            "{group_path}/assignmentScheduleInstances?$filter={}",
            filter(&[("groupId", &role)])
        ),
        Slot::Active => format!(
            "{entra_path}/roleAssignmentScheduleInstances?$filter={}",
            filter(&[("principalId", &principal), ("roleDefinitionId", &role)])
        ),
        Slot::Eligible if groups => format!(
            "{group_path}/eligibilityScheduleInstances?$filter={}",
            filter(&[("groupId", &role)])
        ),
        Slot::Eligible => format!(
            "{entra_path}/roleEligibilityScheduleInstances?$filter={}",
            filter(&[("principalId", &principal), ("roleDefinitionId", &role)])
        ),
        Slot::User => format!("/users/{user}?$select={}", super::user::USER_SELECT),
        Slot::Manager => format!(
            "/users/{user}/manager?$select={}",
            super::user::MANAGER_SELECT
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn entra_request() -> ApprovalRequest {
        let mut r = ApprovalRequest::sample("e1", Utc::now());
        r.key.source = SourceKind::EntraRoles;
        r.requester.id = Some("p-1".into());
        r.role.id = Some("62e90394-69f5-4237-9190-012177145e10".into());
        r.scope.id = "/".into();
        r
    }

    #[test]
    fn graph_urls_follow_the_reference() {
        let r = entra_request();
        assert_eq!(
            graph_url(&r, Slot::Policy, true),
            "/policies/roleManagementPolicyAssignments?$filter=scopeId%20eq%20'/'%20and%20scopeType%20eq%20'DirectoryRole'%20and%20roleDefinitionId%20eq%20'62e90394-69f5-4237-9190-012177145e10'&$expand=policy($expand=rules)"
        );
        assert!(graph_url(&r, Slot::Policy, false).ends_with("&$expand=policy"));
        assert_eq!(
            graph_url(&r, Slot::Eligible, true),
            "/roleManagement/directory/roleEligibilityScheduleInstances?$filter=principalId%20eq%20'p-1'%20and%20roleDefinitionId%20eq%20'62e90394-69f5-4237-9190-012177145e10'"
        );
        assert!(!graph_url(&r, Slot::User, true).contains("signInActivity"));
        let mut g = r.clone();
        g.key.source = SourceKind::Groups;
        g.role.id = Some("g-1".into());
        g.role.name = "Group owner".into();
        assert!(graph_url(&g, Slot::Policy, true).contains(
            "scopeId%20eq%20'g-1'%20and%20scopeType%20eq%20'Group'%20and%20roleDefinitionId%20eq%20'owner'"
        ));
        assert_eq!(
            graph_url(&g, Slot::Requests, true),
            "/identityGovernance/privilegedAccess/group/assignmentScheduleRequests?$filter=groupId%20eq%20'g-1'%20and%20principalId%20eq%20'p-1'"
        );
    }
}
