//! PIM for Azure resources on Azure Resource Manager: `roleAssignmentScheduleRequests` (api-version
//! 2020-10-01) for the requests and their display data, `roleAssignmentApprovals` (2021-01-01-preview)
//! for the stages and the decision.

use super::http::Http;
use super::json::{self, last_segment, text, timestamp};
use super::{ErrorKind, Me, RequestSource, SourceError};
use crate::domain::history::DateRange;
use crate::domain::*;
use async_trait::async_trait;
use gloo_net::http::Method;
use serde_json::{json, Value};

pub const REQUESTS_API: &str = "2020-10-01";
pub const APPROVALS_API: &str = "2021-01-01-preview";
const AUTHZ: &str = "/providers/Microsoft.Authorization";

#[derive(Clone)]
pub struct ArmSource {
    http: Http,
    me: Me,
}

/// `GET /providers/Microsoft.Authorization/roleAssignmentScheduleRequests?…&$filter={filter}` at the
/// tenant root, which returns requests at every scope. The filter is sent literally (`asApprover()`).
pub fn requests_url(base: &str, filter: &str) -> String {
    format!(
        "{base}{AUTHZ}/roleAssignmentScheduleRequests?api-version={REQUESTS_API}&$filter={filter}"
    )
}

pub fn approvals_url(base: &str, filter: &str) -> String {
    format!("{base}{AUTHZ}/roleAssignmentApprovals?api-version={APPROVALS_API}&$filter={filter}")
}

pub fn approval_url(base: &str, approval_id: &str) -> String {
    format!(
        "{base}{AUTHZ}/roleAssignmentApprovals/{}?api-version={APPROVALS_API}",
        json::encode(approval_id)
    )
}

pub fn stage_url(base: &str, approval_id: &str, stage_id: &str) -> String {
    format!(
        "{base}{AUTHZ}/roleAssignmentApprovals/{}/stages/{}?api-version={APPROVALS_API}",
        json::encode(approval_id),
        json::encode(stage_id)
    )
}

/// The documented body shape: fields wrapped in `properties`.
pub fn decision_body(decision: Decision, justification: &str) -> Value {
    json!({ "properties": { "reviewResult": decision.api_value(), "justification": justification } })
}

/// One `RoleAssignmentScheduleRequest` envelope.
pub fn parse_request(item: &Value) -> Result<ApprovalRequest, SourceError> {
    let malformed =
        |what: &str| SourceError::malformed(SourceKind::AzureResources, what.to_string());
    let name = text(item, "/name")
        .or_else(|| text(item, "/id").map(|id| last_segment(&id).to_string()))
        .ok_or_else(|| malformed("a request without \"name\""))?;
    let p = item
        .get("properties")
        .ok_or_else(|| malformed("a request without \"properties\""))?;
    let created =
        timestamp(p, "/createdOn").ok_or_else(|| malformed("a request without \"createdOn\""))?;
    let scope_id = text(p, "/scope")
        .or_else(|| text(p, "/expandedProperties/scope/id"))
        .unwrap_or_else(|| "/".into());
    let role_id =
        text(p, "/roleDefinitionId").or_else(|| text(p, "/expandedProperties/roleDefinition/id"));
    Ok(ApprovalRequest {
        key: RequestKey::new(SourceKind::AzureResources, name),
        requester: Person {
            id: text(p, "/principalId").or_else(|| text(p, "/expandedProperties/principal/id")),
            display_name: text(p, "/expandedProperties/principal/displayName"),
            upn: text(p, "/expandedProperties/principal/email"),
        },
        role: RoleRef {
            name: text(p, "/expandedProperties/roleDefinition/displayName")
                .or_else(|| role_id.as_deref().map(|r| last_segment(r).to_string()))
                .unwrap_or_else(|| "Unknown role".into()),
            id: role_id,
        },
        scope: ScopeRef {
            name: scope_name(p, &scope_id),
            id: scope_id.clone(),
        },
        action: RequestAction::parse(&text(p, "/requestType").unwrap_or_default()),
        status: RequestStatus::from_service(&text(p, "/status").unwrap_or_default()),
        created,
        start: timestamp(p, "/scheduleInfo/startDateTime"),
        duration: RequestedDuration::from_iso(
            text(p, "/scheduleInfo/expiration/duration").as_deref(),
        ),
        end: timestamp(p, "/scheduleInfo/expiration/endDateTime"),
        justification: text(p, "/justification"),
        ticket: Ticket::from_parts(
            text(p, "/ticketInfo/ticketNumber"),
            text(p, "/ticketInfo/ticketSystem"),
        ),
        completed: None,
        review: None,
        // Either a bare GUID or the full `/providers/…/roleAssignmentApprovals/{guid}` path.
        approval_id: text(p, "/approvalId").map(|a| last_segment(&a).to_string()),
        locator: Some(scope_id),
    })
}

/// "Production (subscription)" from `expandedProperties.scope`, else the scope path.
fn scope_name(p: &Value, scope_id: &str) -> String {
    match (
        text(p, "/expandedProperties/scope/displayName"),
        text(p, "/expandedProperties/scope/type"),
    ) {
        (Some(name), Some(kind)) => format!("{name} ({})", humanize_scope_type(&kind)),
        (Some(name), None) => name,
        _ => scope_id.to_string(),
    }
}

fn humanize_scope_type(kind: &str) -> String {
    match kind.to_ascii_lowercase().as_str() {
        "subscription" => "subscription".into(),
        "resourcegroup" => "resource group".into(),
        "managementgroup" => "management group".into(),
        other => other.to_string(),
    }
}

/// A `RoleAssignmentApproval` with its stages; stage ids are the last segment of `stages[].id`
/// (the documented examples' `name` does not match it).
pub fn parse_approval(item: &Value) -> Result<Approval, SourceError> {
    let id = text(item, "/name")
        .or_else(|| text(item, "/id").map(|id| last_segment(&id).to_string()))
        .ok_or_else(|| {
            SourceError::malformed(SourceKind::AzureResources, "an approval without an id")
        })?;
    let stages = item
        .pointer("/properties/stages")
        .and_then(Value::as_array)
        .map(|s| s.iter().filter_map(parse_stage).collect())
        .unwrap_or_default();
    Ok(Approval { id, stages })
}

fn parse_stage(stage: &Value) -> Option<Stage> {
    let id = last_segment(&text(stage, "/id")?).to_string();
    let p = stage.get("properties")?;
    let review = Decision::from_review_result(&text(p, "/reviewResult").unwrap_or_default()).map(
        |decision| Review {
            decision,
            by: Person {
                id: text(p, "/reviewedBy/principalId"),
                display_name: text(p, "/reviewedBy/principalName"),
                upn: text(p, "/reviewedBy/userPrincipalName"),
            },
            at: timestamp(p, "/reviewedDateTime"),
            justification: text(p, "/justification"),
        },
    );
    Some(Stage {
        id,
        name: text(p, "/displayName"),
        status: StageStatus::parse(&text(p, "/status").unwrap_or_default()),
        assigned_to_me: json::boolean(p, "/assignedToMe"),
        review,
    })
}

impl ArmSource {
    pub fn new(http: Http, me: Me) -> Self {
        ArmSource { http, me }
    }

    fn base(&self) -> String {
        self.http.url("")
    }

    async fn list(&self, filter: &str) -> Result<Vec<ApprovalRequest>, SourceError> {
        let items = self
            .http
            .get_all(&requests_url(&self.base(), filter))
            .await?;
        items.iter().map(parse_request).collect()
    }

    fn approval_id(&self, request: &ApprovalRequest) -> Result<String, SourceError> {
        request.approval_id.clone().ok_or_else(|| {
            SourceError::new(SourceKind::AzureResources, ErrorKind::NotFound)
                .with_detail("this request has no approval")
        })
    }
}

#[async_trait(?Send)]
impl RequestSource for ArmSource {
    fn kind(&self) -> SourceKind {
        SourceKind::AzureResources
    }

    /// ARM does not honour `$filter=status eq …` here, so pending requests are picked client-side.
    async fn pending(&self) -> Result<Vec<ApprovalRequest>, SourceError> {
        Ok(self
            .list("asApprover()")
            .await?
            .into_iter()
            .filter(ApprovalRequest::is_pending)
            .collect())
    }

    async fn find(&self, id: &str) -> Result<Option<ApprovalRequest>, SourceError> {
        let (as_approver, as_target) =
            futures::join!(self.list("asApprover()"), self.list("asTarget()"));
        let found = as_approver?
            .into_iter()
            .chain(as_target?)
            .find(|r| r.key.id.eq_ignore_ascii_case(id));
        Ok(found)
    }

    async fn approval(&self, request: &ApprovalRequest) -> Result<Approval, SourceError> {
        let body = self
            .http
            .get_json(&approval_url(&self.base(), &self.approval_id(request)?))
            .await?;
        parse_approval(&body)
    }

    async fn decide(
        &self,
        approval: &Approval,
        decision: Decision,
        justification: &str,
    ) -> Result<(), SourceError> {
        let stage = super::stage_to_decide(approval, SourceKind::AzureResources)?;
        let url = stage_url(&self.base(), &approval.id, &stage.id);
        let body = decision_body(decision, justification);
        // 200 with the stage (swagger) or an empty 204 (Learn how-to): both mean done.
        self.http
            .write(Method::PATCH, &url, Some(&body))
            .await
            .map(|_| ())
    }

    async fn my_requests(&self) -> Result<Vec<ApprovalRequest>, SourceError> {
        let mut requests = self.list("asTarget()").await?;
        let approvals = self
            .http
            .get_all(&approvals_url(&self.base(), "asTarget()"))
            .await?;
        attach_reviews(&mut requests, &approvals)?;
        Ok(requests)
    }

    async fn cancel(&self, request: &ApprovalRequest) -> Result<(), SourceError> {
        let scope = request
            .locator
            .as_deref()
            .unwrap_or("")
            .trim_end_matches('/');
        let url = format!(
            "{}{scope}{AUTHZ}/roleAssignmentScheduleRequests/{}/cancel?api-version={REQUESTS_API}",
            self.base(),
            json::encode(&request.key.id)
        );
        self.http.write(Method::POST, &url, None).await.map(|_| ())
    }

    /// Two paged lists in parallel, joined on the approval id: never one call per request.
    async fn history(&self, range: &DateRange) -> Result<Vec<ApprovalRequest>, SourceError> {
        let base = self.base();
        let approvals_link = approvals_url(&base, "asApprover()");
        let (requests, approvals) = futures::join!(
            self.list("asApprover()"),
            self.http.get_all(&approvals_link)
        );
        let mut settled: Vec<ApprovalRequest> = requests?
            .into_iter()
            .filter(|r| !r.is_pending() && !r.requested_by(&self.me.object_id))
            .filter(|r| {
                r.created + chrono::Duration::days(1) >= range.from && r.created <= range.to
            })
            .collect();
        attach_reviews(&mut settled, &approvals?)?;
        Ok(settled)
    }

    fn history_note(&self) -> &'static str {
        "Azure keeps PIM request history for 30 days."
    }
}

fn attach_reviews(
    requests: &mut [ApprovalRequest],
    approvals: &[Value],
) -> Result<(), SourceError> {
    let parsed: Vec<Approval> = approvals
        .iter()
        .map(parse_approval)
        .collect::<Result<_, _>>()?;
    for request in requests.iter_mut() {
        let Some(aid) = request.approval_id.as_deref() else {
            continue;
        };
        if let Some(approval) = parsed.iter().find(|a| a.id.eq_ignore_ascii_case(aid)) {
            request.review = approval.settling_review().cloned();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::*;

    #[test]
    fn maps_the_documented_schedule_request() {
        let body = fixture("arm_requests.json");
        let request = parse_request(&body["value"][0]).unwrap();
        assert_eq!(request.key.id, "fea7a502-9a96-4806-a26f-eee560e52045");
        assert_eq!(request.requester.name(), "User Account");
        assert_eq!(request.requester.upn.as_deref(), Some("user@my-tenant.com"));
        assert_eq!(request.role.name, "Contributor");
        assert_eq!(request.scope.name, "Pay-As-You-Go (subscription)");
        assert_eq!(
            request.scope.id,
            "/subscriptions/dfa2a084-766f-4003-8ae1-c4aeb893a99f"
        );
        assert_eq!(request.status, RequestStatus::Approved);
        assert_eq!(request.duration.known(), Some(IsoDuration::from_hours(8)));
        assert_eq!(request.approval_id, None);
    }

    #[test]
    fn takes_the_approval_guid_from_a_full_path() {
        let mut body = fixture("arm_requests.json");
        body["value"][0]["properties"]["status"] = "PendingApproval".into();
        body["value"][0]["properties"]["approvalId"] =
            "/providers/Microsoft.Authorization/roleAssignmentApprovals/488a6d0e-0a63-4946-86e3-1f5bbc934661".into();
        let request = parse_request(&body["value"][0]).unwrap();
        assert!(request.is_pending());
        assert_eq!(
            request.approval_id.as_deref(),
            Some("488a6d0e-0a63-4946-86e3-1f5bbc934661")
        );
    }

    #[test]
    fn stage_id_comes_from_the_id_path_not_the_name() {
        let body = fixture("arm_approvals.json");
        let approval = parse_approval(&body["value"][0]).unwrap();
        assert_eq!(approval.id, "488a6d0e-0a63-4946-86e3-1f5bbc934661");
        let stage = approval.decidable_stage().unwrap();
        assert_eq!(stage.id, "4135f961-be78-4005-8101-c72a5af307a2");
        assert_eq!(stage.name.as_deref(), Some("Vice President Approval Step"));
    }

    #[test]
    fn reads_the_arm_review_shape() {
        let body = fixture("arm_stage_patched.json");
        let approval =
            parse_approval(&json!({ "name": "a", "properties": { "stages": [body] } })).unwrap();
        let review = approval.settling_review().unwrap();
        assert_eq!(review.decision, Decision::Approve);
        assert_eq!(review.by.name(), "Shubham Gupta");
        assert_eq!(
            review.by.id.as_deref(),
            Some("a6c7aecb-cbfd-4763-87ef-e91b4bd509d9")
        );
    }

    #[test]
    fn urls_and_body_follow_the_reference() {
        let base = "https://management.azure.com";
        assert_eq!(
            requests_url(base, "asApprover()"),
            "https://management.azure.com/providers/Microsoft.Authorization/roleAssignmentScheduleRequests?api-version=2020-10-01&$filter=asApprover()"
        );
        assert_eq!(
            stage_url(base, "488a6d0e-0a63-4946-86e3-1f5bbc934661", "4135f961-be78-4005-8101-c72a5af307a2"),
            "https://management.azure.com/providers/Microsoft.Authorization/roleAssignmentApprovals/488a6d0e-0a63-4946-86e3-1f5bbc934661/stages/4135f961-be78-4005-8101-c72a5af307a2?api-version=2021-01-01-preview"
        );
        assert_eq!(
            decision_body(Decision::Approve, "I trust this person."),
            json!({ "properties": { "reviewResult": "Approve", "justification": "I trust this person." } })
        );
    }
}
