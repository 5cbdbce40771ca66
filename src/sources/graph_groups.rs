//! PIM for Groups on Microsoft Graph v1.0: `privilegedAccess/group/assignmentScheduleRequests` lists and
//! `assignmentApprovals/{id}/stages` decisions.

use super::graph::{GraphFlavor, GraphRequest, GraphSource};
use super::http::Http;
use super::wire::text;
use super::Me;
use crate::domain::{RoleRef, ScopeRef, SourceKind};

pub(super) static FLAVOR: GraphFlavor = GraphFlavor {
    kind: SourceKind::Groups,
    requests_path: "/identityGovernance/privilegedAccess/group/assignmentScheduleRequests",
    expand: "group,principal",
    approvals_version: "v1.0",
    approvals_path: "/identityGovernance/privilegedAccess/group/assignmentApprovals",
    stages_segment: "stages",
    target,
};

pub(super) fn source(http: Http, me: Me) -> GraphSource {
    GraphSource::new(http, me, &FLAVOR)
}

/// The "role" of a group request is membership or ownership (an unknown `accessId` is shown as it
/// came); the group is its scope. The role id is the group id, so `riskRoles` in config can rate
/// sensitive groups.
fn target(item: &GraphRequest) -> (RoleRef, ScopeRef) {
    let group = item.group.as_ref();
    let group_id =
        text(item.group_id.as_deref()).or_else(|| text(group.and_then(|g| g.id.as_deref())));
    let access = match text(item.access_id.as_deref()) {
        Some(access) if access.eq_ignore_ascii_case("owner") => "Group owner".to_string(),
        Some(access) if !access.eq_ignore_ascii_case("member") => format!("Group {access}"),
        _ => "Group member".to_string(),
    };
    let group_name = text(group.and_then(|g| g.display_name.as_deref()))
        .or_else(|| group_id.clone())
        .unwrap_or_else(|| "Unknown group".into());
    (
        RoleRef {
            id: group_id.clone(),
            name: access,
        },
        ScopeRef {
            id: group_id.unwrap_or_default(),
            name: group_name,
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
    fn maps_the_documented_example_despite_its_typos() {
        let body = fixture("graph_groups_pending.json");
        let request = parse_request(&FLAVOR, &body["value"][0]).unwrap();
        assert_eq!(request.key.id, "12345");
        // `createdDateTIme` (sic) in the doc sample is still read.
        assert_eq!(request.created.to_rfc3339(), "2022-02-26T08:00:00+00:00");
        assert_eq!(request.action, RequestAction::Activate);
        assert_eq!(request.duration.known(), Some(IsoDuration::from_hours(8)));
        assert_eq!(request.role.name, "Group member");
        assert_eq!(request.scope.id, "d5f0ad2e-6b34-401b-b6da-0c8fc2c5a3fc");
        assert_eq!(
            request.ticket.as_ref().map(|t| t.number.as_str()),
            Some("09876")
        );
        assert!(request.start.is_some());
    }

    #[test]
    fn reads_v1_stages() {
        let approval = parse_approval(&FLAVOR, &fixture("graph_group_approval_v1.json")).unwrap();
        assert_eq!(
            approval.decidable_stage().unwrap().id,
            "d4fa4045-4716-436d-aec5-57b0a713f095"
        );
    }

    #[test]
    fn a_zero_guid_reviewer_is_nobody() {
        let body = serde_json::json!({ "id": "a", "stages": [{ "id": "s", "status": "InProgress",
            "assignedToMe": true, "reviewResult": "NotReviewed",
            "reviewedBy": { "id": "00000000-0000-0000-0000-000000000000", "displayName": null } }] });
        let approval = parse_approval(&FLAVOR, &body).unwrap();
        assert!(approval.settling_review().is_none());
        assert!(approval.decidable_stage().is_some());
    }

    #[test]
    fn an_unknown_access_and_status_and_a_missing_ticket_are_shown_as_they_came() {
        let body = fixture("graph_groups_unknown_values.json");
        let request = parse_request(&FLAVOR, &body["value"][0]).unwrap();
        assert_eq!(request.role.name, "Group unknownFutureValue");
        assert_eq!(
            request.status,
            RequestStatus::Unknown("Provisioning".into())
        );
        assert_eq!(request.ticket, None);
        assert_eq!(request.justification, None);
        assert_eq!(request.scope.name, "Finance admins");
        assert_eq!(
            request.requester.upn.as_deref(),
            Some("diegos@contoso.example")
        );
    }
}
