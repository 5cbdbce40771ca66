//! Reading the requester's record (reference §4–§5): earlier requests (read by the sources' own request
//! readers, then kept when they are for the same role and scope) and schedule instances (Graph flat
//! items, ARM `properties`), kept when they are the requester's, for this role, at this scope or above.

use crate::domain::requester_record::{Holding, PastRequest};
use crate::domain::role_policy::PolicyKey;
use crate::domain::{ApprovalRequest, SourceKind};
use crate::sources::wire::{last_segment, text, time};
use serde_json::Value;

/// The earlier requests of `listing` for the same requester, role and scope as `current`.
pub(crate) fn past_requests(
    current: &ApprovalRequest,
    listing: Vec<ApprovalRequest>,
) -> Vec<PastRequest> {
    let key = PolicyKey::of(current);
    let requester = current.requester.id.clone().unwrap_or_default();
    listing
        .into_iter()
        .filter(|r| r.requested_by(&requester) && PolicyKey::of(r) == key)
        .map(|r| PastRequest {
            decided_by: r.review.as_ref().map(|review| review.by.clone()),
            id: r.key.id,
            created: r.created,
            status: r.status,
            duration: r.duration,
            justification: r.justification,
        })
        .collect()
}

/// The schedule instances of `items` that are `current`'s requester holding `current`'s role.
pub(crate) fn holdings(current: &ApprovalRequest, items: &[Value]) -> Vec<Holding> {
    items
        .iter()
        .filter(|item| holds_the_role(current, item))
        .map(|item| {
            let fields = fields(current.key.source, item);
            Holding {
                start: time(fields["startDateTime"].as_str()),
                end: time(fields["endDateTime"].as_str()),
                assignment_type: text(fields["assignmentType"].as_str()),
            }
        })
        .collect()
}

/// ARM wraps an instance's fields in `properties`; Graph does not.
fn fields(source: SourceKind, item: &Value) -> &Value {
    match source {
        SourceKind::AzureResources => &item["properties"],
        _ => item,
    }
}

fn holds_the_role(current: &ApprovalRequest, item: &Value) -> bool {
    let fields = fields(current.key.source, item);
    let field = |name: &str| fields[name].as_str().unwrap_or_default();
    let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    let role = current.role.id.as_deref().unwrap_or_default();
    let requester = current.requester.id.as_deref().unwrap_or_default();
    match current.key.source {
        SourceKind::EntraRoles => {
            same(field("principalId"), requester)
                && same(field("roleDefinitionId"), role)
                && same(field("directoryScopeId"), &current.scope.id)
        }
        SourceKind::Groups => {
            let access = crate::domain::role_policy::group_access(&current.role.name);
            same(field("principalId"), requester)
                && same(field("groupId"), role)
                && same(field("accessId"), &access)
        }
        SourceKind::AzureResources => {
            // `assignedTo()` already picked the requester, groups they are in included.
            let at = field("scope").trim_end_matches('/').to_ascii_lowercase();
            let wanted = current.scope.id.trim_end_matches('/').to_ascii_lowercase();
            same(last_segment(field("roleDefinitionId")), last_segment(role))
                && !at.is_empty()
                && (wanted == at || wanted.starts_with(&format!("{at}/")))
        }
        SourceKind::MimPam | SourceKind::PortalApi => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::*;
    use crate::sources::wire::fixture;
    use chrono::Utc;

    fn entra_request() -> ApprovalRequest {
        let mut r = ApprovalRequest::sample("current", Utc::now());
        r.key.source = SourceKind::EntraRoles;
        r.requester.id = Some("6be4b305-b75e-4efc-bfcc-31bd3b53a5f8".into());
        r.role.id = Some("62e90394-69f5-4237-9190-012177145e10".into());
        r.scope.id = "/".into();
        r
    }

    #[test]
    fn reads_the_documented_active_instance_for_the_role_only() {
        let body = fixture("context_entra_active.json");
        let items = body["value"].as_array().unwrap();
        let held = holdings(&entra_request(), items);
        assert_eq!(held.len(), 1);
        assert_eq!(held[0].end, None, "permanent");
        assert_eq!(held[0].assignment_type.as_deref(), Some("Assigned"));
        let mut other_role = entra_request();
        other_role.role.id = Some("fdd7a751-b60b-444a-984c-02652fe8fa1c".into());
        assert!(holdings(&other_role, items).is_empty());
    }

    #[test]
    fn reads_the_documented_group_eligibility_for_the_access_asked() {
        let body = fixture("context_group_eligible.json");
        let items = body["value"].as_array().unwrap();
        let mut r = ApprovalRequest::sample("current", Utc::now());
        r.key.source = SourceKind::Groups;
        r.requester.id = Some("3cce9d87-3986-4f19-8335-7ed075408ca2".into());
        r.role = RoleRef {
            id: Some("2b5ed229-4072-478d-9504-a047ebd4b07d".into()),
            name: "Group member".into(),
        };
        assert_eq!(holdings(&r, items).len(), 1);
        r.role.name = "Group owner".into();
        assert!(holdings(&r, items).is_empty());
    }

    #[test]
    fn keeps_the_documented_requests_for_the_same_role_and_scope() {
        let body = fixture("context_entra_requests.json");
        let flavor = &crate::sources::graph_roles::FLAVOR;
        let past = crate::sources::graph::testing::request(flavor, &body["value"][0]).unwrap();
        let mut current = entra_request();
        current.requester.id = Some("071cc716-8147-4397-a5ba-b2105951cc0b".into());
        current.role.id = Some("fdd7a751-b60b-444a-984c-02652fe8fa1c".into());
        let kept = past_requests(&current, vec![past.clone()]);
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].status, RequestStatus::Approved);
        current.role.id = Some("62e90394-69f5-4237-9190-012177145e10".into());
        assert!(
            past_requests(&current, vec![past]).is_empty(),
            "another role"
        );

        let body = fixture("context_arm_requests.json");
        let listing = crate::sources::arm::ArmSource::read_page(body["value"].as_array().unwrap());
        let mut current = ApprovalRequest::sample("current", Utc::now());
        current.key.source = SourceKind::AzureResources;
        current.requester.id = Some("a3bb8764-cb92-4276-9d2a-ca1e895e55ea".into());
        current.role.id = Some("/subscriptions/dfa2a084-766f-4003-8ae1-c4aeb893a99f/providers/Microsoft.Authorization/roleDefinitions/c8d4ff99-41c3-41a8-9f60-21dfdad59608".into());
        current.scope.id = "/subscriptions/dfa2a084-766f-4003-8ae1-c4aeb893a99f".into();
        let kept = past_requests(&current, listing.items.clone());
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].duration.known(), Some(IsoDuration::from_hours(8)));
        current.scope.id =
            "/subscriptions/dfa2a084-766f-4003-8ae1-c4aeb893a99f/resourceGroups/rg".into();
        assert!(
            past_requests(&current, listing.items).is_empty(),
            "another scope"
        );
    }

    #[test]
    fn keeps_the_documented_group_request_for_the_same_access() {
        let body = fixture("context_group_requests.json");
        let flavor = &crate::sources::graph_groups::FLAVOR;
        let past = crate::sources::graph::testing::request(flavor, &body["value"][0]).unwrap();
        let mut current = ApprovalRequest::sample("current", Utc::now());
        current.key.source = SourceKind::Groups;
        current.requester.id = Some("3cce9d87-3986-4f19-8335-7ed075408ca2".into());
        current.role = RoleRef {
            id: Some("2b5ed229-4072-478d-9504-a047ebd4b07d".into()),
            name: "Group member".into(),
        };
        current.scope.id = "2b5ed229-4072-478d-9504-a047ebd4b07d".into();
        assert_eq!(past_requests(&current, vec![past.clone()]).len(), 1);
        current.role.name = "Group owner".into();
        assert!(
            past_requests(&current, vec![past]).is_empty(),
            "ownership is another role"
        );
    }

    #[test]
    fn arm_instances_count_at_the_scope_or_above() {
        let item = serde_json::json!({ "properties": {
            "scope": "/subscriptions/S",
            "roleDefinitionId": "/subscriptions/S/providers/Microsoft.Authorization/roleDefinitions/R1",
            "principalId": "p", "endDateTime": "2026-12-01T00:00:00Z", "assignmentType": "Activated"
        }});
        let mut r = ApprovalRequest::sample("current", Utc::now());
        r.key.source = SourceKind::AzureResources;
        r.requester.id = Some("p".into());
        r.role.id =
            Some("/subscriptions/S/providers/Microsoft.Authorization/roleDefinitions/r1".into());
        r.scope.id = "/subscriptions/S/resourceGroups/rg".into();
        assert_eq!(holdings(&r, std::slice::from_ref(&item)).len(), 1);
        r.scope.id = "/subscriptions/S2".into();
        assert!(holdings(&r, std::slice::from_ref(&item)).is_empty());
    }
}
