//! PIM for Microsoft Entra (directory) roles on Microsoft Graph: lists from v1.0
//! `roleAssignmentScheduleRequests`, approvals and decisions from **beta** `roleAssignmentApprovals`
//! (no v1.0 equivalent exists).

use super::graph::{GraphFlavor, GraphRequest, GraphSource};
use super::http::Http;
use super::wire::text;
use super::Me;
use crate::domain::{RoleRef, ScopeRef, SourceKind};

pub(super) static FLAVOR: GraphFlavor = GraphFlavor {
    kind: SourceKind::EntraRoles,
    requests_path: "/roleManagement/directory/roleAssignmentScheduleRequests",
    expand: "principal,roleDefinition",
    approvals_version: "beta",
    approvals_path: "/roleManagement/directory/roleAssignmentApprovals",
    stages_segment: "steps",
    target,
};

pub(super) fn source(http: Http, me: Me) -> GraphSource {
    GraphSource::new(http, me, &FLAVOR)
}

/// The role (template id first: it is stable across tenants) and the directory scope.
fn target(item: &GraphRequest) -> (RoleRef, ScopeRef) {
    let definition = item.role_definition.as_ref();
    let role_id = text(definition.and_then(|d| d.template_id.as_deref()))
        .or_else(|| text(item.role_definition_id.as_deref()));
    let role = RoleRef {
        name: text(definition.and_then(|d| d.display_name.as_deref()))
            .or_else(|| role_id.clone())
            .unwrap_or_else(|| "Unknown role".into()),
        id: role_id,
    };
    let scope_id = text(item.directory_scope_id.as_deref()).unwrap_or_else(|| "/".into());
    let scope_name = if scope_id == "/" {
        "Directory".to_string()
    } else {
        text(
            item.directory_scope
                .as_ref()
                .and_then(|s| s.display_name.as_deref()),
        )
        .unwrap_or_else(|| scope_id.clone())
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
    use super::super::graph::testing::{approval as parse_approval, request as parse_request};
    use super::super::wire::fixture;
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
            request.source_ref,
            SourceRef::Graph {
                approval_id: "9f2b5ddb-a50e-44a1-a6f4-f616322262ea".into()
            }
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
        assert_eq!(request.action, RequestAction::Unknown("adminAssign".into()));
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

    #[test]
    fn an_unknown_status_and_a_missing_schedule_are_shown_as_they_came() {
        let body = fixture("graph_roles_unknown_values.json");
        let request = parse_request(&FLAVOR, &body["value"][0]).unwrap();
        assert_eq!(
            request.status,
            RequestStatus::Unknown("PendingReapproval".into())
        );
        assert_eq!(request.status.label(), "Unknown (PendingReapproval)");
        assert_eq!(
            request.action,
            RequestAction::Unknown("SelfEscalate".into())
        );
        assert_eq!(request.duration.known(), None);
        assert_eq!(request.start, None);
        assert_eq!(request.ticket, None);
        assert_eq!(request.requester.name(), "Alex Wilber");
        let approval = serde_json::json!({ "id": "a", "steps": [{ "id": "s", "status": "Escalating",
            "assignedToMe": true, "reviewResult": "NotReviewed" }] });
        let stage = &parse_approval(&FLAVOR, &approval).unwrap().stages[0];
        assert_eq!(stage.status, StageStatus::Unknown("Escalating".into()));
        assert!(!stage.is_mine_to_decide());
    }

    #[test]
    fn a_wrongly_typed_field_names_its_path() {
        let mut body = fixture("graph_roles_pending.json");
        body["value"][0]["scheduleInfo"]["expiration"]["duration"] = 330.into();
        let e = parse_request(&FLAVOR, &body["value"][0]).unwrap_err();
        assert_eq!(e.at, "value[0].scheduleInfo.expiration.duration");
        assert!(
            e.problem.starts_with("invalid type: integer `330`"),
            "{}",
            e.problem
        );
        body["value"][0]["createdDateTime"] = "not yet".into();
        body["value"][0]["scheduleInfo"] = serde_json::Value::Null;
        let e = parse_request(&FLAVOR, &body["value"][0]).unwrap_err();
        assert_eq!(e.at, "value[0].createdDateTime");
    }
}
