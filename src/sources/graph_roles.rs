//! PIM for Microsoft Entra (directory) roles on Microsoft Graph: lists from v1.0
//! `roleAssignmentScheduleRequests`, approvals and decisions from **beta** `roleAssignmentApprovals`
//! (no v1.0 equivalent exists).

use super::graph::{GraphFlavor, GraphSource};
use super::http::Http;
use super::json::text;
use super::Me;
use crate::domain::{RoleRef, ScopeRef, SourceKind};
use serde_json::Value;

pub static FLAVOR: GraphFlavor = GraphFlavor {
    kind: SourceKind::EntraRoles,
    requests_path: "/roleManagement/directory/roleAssignmentScheduleRequests",
    expand: "principal,roleDefinition",
    approvals_version: "beta",
    approvals_path: "/roleManagement/directory/roleAssignmentApprovals",
    stages_segment: "steps",
    target,
};

pub fn source(http: Http, me: Me) -> GraphSource {
    GraphSource::new(http, me, &FLAVOR)
}

/// The role (template id first: it is stable across tenants) and the directory scope.
fn target(item: &Value) -> (RoleRef, ScopeRef) {
    let role_id =
        text(item, "/roleDefinition/templateId").or_else(|| text(item, "/roleDefinitionId"));
    let role = RoleRef {
        name: text(item, "/roleDefinition/displayName")
            .or_else(|| role_id.clone())
            .unwrap_or_else(|| "Unknown role".into()),
        id: role_id,
    };
    let scope_id = text(item, "/directoryScopeId").unwrap_or_else(|| "/".into());
    let scope_name = if scope_id == "/" {
        "Directory".to_string()
    } else {
        text(item, "/directoryScope/displayName").unwrap_or_else(|| scope_id.clone())
    };
    (
        role,
        ScopeRef {
            id: scope_id,
            name: scope_name,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::super::graph::{parse_approval, parse_request};
    use super::*;
    use crate::domain::*;

    #[test]
    fn maps_the_documented_pending_example_with_its_quirks() {
        let body = fixture("graph_roles_pending.json");
        let request = parse_request(&FLAVOR, &body["value"][0]).unwrap();
        assert_eq!(
            request.key,
            RequestKey::new(
                SourceKind::EntraRoles,
                "9f2b5ddb-a50e-44a1-a6f4-f616322262ea"
            )
        );
        // PascalCase action, camelCase expiration type: both understood.
        assert_eq!(request.action, RequestAction::Activate);
        assert_eq!(
            request.duration.known(),
            Some(IsoDuration::from_minutes(330))
        );
        // completedDateTime is set although the request is pending: it must not mean "done".
        assert!(request.completed.is_some());
        assert_eq!(request.status, RequestStatus::Pending);
        assert!(request.is_pending());
        // No $expand: the name falls back to the principal id; no ticket.
        assert_eq!(
            request.requester.name(),
            "d96ea738-3b95-4ae7-9e19-78a083066d5b"
        );
        assert_eq!(request.ticket, None);
        assert_eq!(request.start, None);
        assert_eq!(request.scope.name, "Directory");
        assert_eq!(
            request.role.id.as_deref(),
            Some("88d8e3e3-8f55-4a1e-953a-9b9898b8876b")
        );
        assert_eq!(
            request.approval_id.as_deref(),
            Some("9f2b5ddb-a50e-44a1-a6f4-f616322262ea")
        );
        assert_eq!(request.justification.as_deref(), Some("test"));
    }

    #[test]
    fn uses_expanded_principal_and_role_definition() {
        let request = parse_request(&FLAVOR, &fixture("graph_role_request_expanded.json")).unwrap();
        assert_eq!(request.requester.name(), "Conf Room Adams");
        assert_eq!(request.requester.upn.as_deref(), Some("Adams@Contoso.com"));
        assert_eq!(request.role.name, "Groups Administrator");
        assert_eq!(
            request.role.id.as_deref(),
            Some("fdd7a751-b60b-444a-984c-02652fe8fa1c")
        );
        assert_eq!(request.action, RequestAction::Other("adminAssign".into()));
    }

    #[test]
    fn reads_the_beta_approval_steps() {
        let approval = parse_approval(&FLAVOR, &fixture("graph_role_approval_beta.json")).unwrap();
        assert_eq!(approval.id, "9f2b5ddb-a50e-44a1-a6f4-f616322262ea");
        let stage = approval.decidable_stage().unwrap();
        assert_eq!(stage.id, "7b2e5ddb-0000-44a1-a6f4-f616322262eb");
        assert!(approval.settling_review().is_none());
    }

    #[test]
    fn reads_a_reviewed_step_in_the_graph_read_shape() {
        let body = serde_json::json!({ "id": "a", "steps": [{
            "id": "s", "displayName": "Security approvers", "status": "Completed", "assignedToMe": false,
            "reviewResult": "Approved", "justification": "ticket CHG-1042 verified",
            "reviewedDateTime": "2026-11-22T14:02:00Z",
            "reviewedBy": { "id": "a0000000-0000-4000-8000-000000000001", "displayName": "Adele Vance" } }] });
        let approval = parse_approval(&FLAVOR, &body).unwrap();
        let review = approval.settling_review().unwrap();
        assert_eq!(review.decision, Decision::Approve);
        assert_eq!(review.by.name(), "Adele Vance");
        assert_eq!(
            review.justification.as_deref(),
            Some("ticket CHG-1042 verified")
        );
        assert!(approval.decidable_stage().is_none());
    }
}
