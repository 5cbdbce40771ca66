//! PIM for Azure resources on Azure Resource Manager: `roleAssignmentScheduleRequests` (api-version
//! 2020-10-01) for the requests and their display data, `roleAssignmentApprovals` (2021-01-01-preview)
//! for the stages and the decision. Ids come as full resource paths; the last segment is the id.

use super::http::Http;
use super::wire::{self, last_segment, text, time, Embedded, Invalid, Schedule, TicketInfo};
use super::{ErrorKind, Listing, Me, RequestSource, SourceError};
use crate::domain::history::{in_approver_history, DateRange};
use crate::domain::*;
use async_trait::async_trait;
use gloo_net::http::Method;
use serde::Deserialize;
use serde_json::{json, Value};

const REQUESTS_API: &str = "2020-10-01";
const APPROVALS_API: &str = "2021-01-01-preview";
const AUTHZ: &str = "/providers/Microsoft.Authorization";

/// A `RoleAssignmentScheduleRequest` envelope.
#[derive(Deserialize)]
struct ArmRequest {
    id: Option<String>,
    name: Option<String>,
    properties: ArmRequestProperties,
}

/// `RoleAssignmentScheduleRequestProperties`; enum values (`requestType`, `status`) are read as text.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ArmRequestProperties {
    scope: Option<String>,
    role_definition_id: Option<String>,
    principal_id: Option<String>,
    request_type: Option<String>,
    status: Option<String>,
    /// A bare GUID or the full `/providers/…/roleAssignmentApprovals/{guid}` path.
    approval_id: Option<String>,
    schedule_info: Option<Schedule>,
    ticket_info: Option<TicketInfo>,
    justification: Option<String>,
    created_on: String,
    expanded_properties: Option<Expanded>,
}

/// `expandedProperties`: the names ARM adds to the ids.
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Expanded {
    scope: Option<Embedded>,
    role_definition: Option<Embedded>,
    principal: Option<Embedded>,
}

impl TryFrom<ArmRequest> for ApprovalRequest {
    type Error = Invalid;

    fn try_from(request: ArmRequest) -> Result<Self, Invalid> {
        let name = resource_name(request.name.as_deref(), request.id.as_deref())?;
        let p = request.properties;
        let created = wire::required_time(&p.created_on, "properties.createdOn")?;
        let expanded = p.expanded_properties.unwrap_or_default();
        let (scope, definition, principal) = (
            expanded.scope.unwrap_or_default(),
            expanded.role_definition.unwrap_or_default(),
            expanded.principal.unwrap_or_default(),
        );
        let scope_id = text(p.scope.as_deref())
            .or_else(|| text(scope.id.as_deref()))
            .unwrap_or_else(|| "/".into());
        let role_id =
            text(p.role_definition_id.as_deref()).or_else(|| text(definition.id.as_deref()));
        let schedule = p.schedule_info.unwrap_or_default();
        Ok(ApprovalRequest {
            key: RequestKey::new(SourceKind::AzureResources, name),
            requester: Person {
                id: text(p.principal_id.as_deref()).or_else(|| text(principal.id.as_deref())),
                display_name: text(principal.display_name.as_deref()),
                upn: text(principal.email.as_deref()),
            },
            role: RoleRef {
                name: text(definition.display_name.as_deref())
                    .or_else(|| role_id.as_deref().map(|r| last_segment(r).to_string()))
                    .unwrap_or_else(|| "Unknown role".into()),
                id: role_id,
            },
            scope: ScopeRef {
                name: scope_name(&scope, &scope_id),
                id: scope_id.clone(),
            },
            action: RequestAction::parse(p.request_type.as_deref().unwrap_or_default()),
            status: RequestStatus::from_service(p.status.as_deref().unwrap_or_default()),
            created,
            start: schedule.start(),
            duration: schedule.duration(),
            end: schedule.end(),
            justification: text(p.justification.as_deref()),
            ticket: p.ticket_info.and_then(|t| t.ticket()),
            completed: None,
            review: None,
            source_ref: SourceRef::Arm {
                approval_id: text(p.approval_id.as_deref()).map(|a| last_segment(&a).to_string()),
                scope: scope_id,
            },
        })
    }
}

/// A resource's own id: its `name`, else the last segment of its `id` path.
fn resource_name(name: Option<&str>, id: Option<&str>) -> Result<String, Invalid> {
    text(name)
        .or_else(|| text(id).map(|id| last_segment(&id).to_string()))
        .ok_or_else(|| Invalid::new("name", "missing, and no id to take it from"))
}

/// "Production (subscription)" from `expandedProperties.scope`, else the scope path.
fn scope_name(scope: &Embedded, scope_id: &str) -> String {
    match (
        text(scope.display_name.as_deref()),
        text(scope.kind.as_deref()),
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

/// A `RoleAssignmentApproval` with its stages.
#[derive(Deserialize)]
struct ArmApproval {
    id: Option<String>,
    name: Option<String>,
    properties: Option<ArmApprovalProperties>,
}

#[derive(Deserialize)]
struct ArmApprovalProperties {
    #[serde(default)]
    stages: Vec<ArmStage>,
}

/// A `RoleAssignmentApprovalStep`. Its id is the last segment of `id`: the documented examples' `name`
/// does not match it.
#[derive(Deserialize)]
struct ArmStage {
    id: String,
    properties: ArmStageProperties,
}

/// Read values `Approve|Deny|NotReviewed` (not Graph's `Approved`/`Denied`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ArmStageProperties {
    display_name: Option<String>,
    status: Option<String>,
    assigned_to_me: Option<bool>,
    reviewed_by: Option<ArmReviewer>,
    reviewed_date_time: Option<String>,
    review_result: Option<String>,
    justification: Option<String>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ArmReviewer {
    principal_id: Option<String>,
    principal_name: Option<String>,
    user_principal_name: Option<String>,
}

impl TryFrom<ArmApproval> for Approval {
    type Error = Invalid;

    fn try_from(approval: ArmApproval) -> Result<Self, Invalid> {
        let id = resource_name(approval.name.as_deref(), approval.id.as_deref())?;
        let stages = approval.properties.map(|p| p.stages).unwrap_or_default();
        Ok(Approval {
            id,
            stages: stages.into_iter().map(Stage::from).collect(),
        })
    }
}

impl From<ArmStage> for Stage {
    fn from(stage: ArmStage) -> Self {
        let p = stage.properties;
        let reviewer = p.reviewed_by.unwrap_or_default();
        let review = Decision::from_review_result(p.review_result.as_deref().unwrap_or_default())
            .map(|decision| Review {
                decision,
                by: Person {
                    id: text(reviewer.principal_id.as_deref()),
                    display_name: text(reviewer.principal_name.as_deref()),
                    upn: text(reviewer.user_principal_name.as_deref()),
                },
                at: time(p.reviewed_date_time.as_deref()),
                justification: text(p.justification.as_deref()),
            });
        Stage {
            id: last_segment(&stage.id).to_string(),
            name: text(p.display_name.as_deref()),
            status: StageStatus::parse(p.status.as_deref().unwrap_or_default()),
            assigned_to_me: p.assigned_to_me.unwrap_or(false),
            review,
        }
    }
}

/// `GET /providers/Microsoft.Authorization/roleAssignmentScheduleRequests?…&$filter={filter}` at the
/// tenant root, which returns requests at every scope. The filter is sent literally (`asApprover()`).
fn requests_url(base: &str, filter: &str) -> String {
    format!(
        "{base}{AUTHZ}/roleAssignmentScheduleRequests?api-version={REQUESTS_API}&$filter={filter}"
    )
}

fn approvals_url(base: &str, filter: &str) -> String {
    format!("{base}{AUTHZ}/roleAssignmentApprovals?api-version={APPROVALS_API}&$filter={filter}")
}

fn approval_url(base: &str, approval_id: &str) -> String {
    format!(
        "{base}{AUTHZ}/roleAssignmentApprovals/{}?api-version={APPROVALS_API}",
        wire::encode(approval_id)
    )
}

fn stage_url(base: &str, approval_id: &str, stage_id: &str) -> String {
    format!(
        "{base}{AUTHZ}/roleAssignmentApprovals/{}/stages/{}?api-version={APPROVALS_API}",
        wire::encode(approval_id),
        wire::encode(stage_id)
    )
}

/// The body shape of the REST sample and the swagger example: fields wrapped in `properties`.
fn decision_body(decision: Decision, justification: &str) -> Value {
    json!({ "properties": flat_decision_body(decision, justification) })
}

/// The flat body of the Entra how-to (and the swagger schema), sent when the wrapped one is refused.
fn flat_decision_body(decision: Decision, justification: &str) -> Value {
    json!({ "reviewResult": decision.api_value(), "justification": justification })
}

/// A 400 that objects to the shape of the decision body rather than to the decision (expired, not
/// decidable, justification missing), so the other documented shape may be accepted.
fn complains_about_body_shape(error: &SourceError) -> bool {
    let mentions = |needle: &str| {
        [&error.code, &error.detail]
            .into_iter()
            .flatten()
            .any(|text| text.to_ascii_lowercase().contains(needle))
    };
    error.status == Some(400)
        && error.kind == ErrorKind::Rejected
        && (mentions("invalidrequestcontent")
            || mentions("invalidrequestbody")
            || mentions("reviewresult")
            || mentions("properties"))
}

pub(crate) struct ArmSource {
    http: Http,
    me: Me,
}

impl ArmSource {
    pub fn new(http: Http, me: Me) -> Self {
        ArmSource { http, me }
    }

    fn base(&self) -> String {
        self.http.url("")
    }

    pub(crate) fn read_page(items: &[Value]) -> Listing<ApprovalRequest> {
        wire::read_items::<ArmRequest, _>(
            SourceKind::AzureResources,
            items,
            ApprovalRequest::try_from,
        )
    }

    /// The requests list (`asApprover()`, `asTarget()`): the readable requests `keep` accepts, filtered
    /// page by page.
    async fn list(
        &self,
        filter: &str,
        keep: impl Fn(&ApprovalRequest) -> bool,
    ) -> Result<Listing<ApprovalRequest>, SourceError> {
        let url = requests_url(&self.base(), filter);
        self.http
            .read_all(&url, |items| Self::read_page(items).retain(&keep))
            .await
    }

    /// The approvals list (`asApprover()`, `asTarget()`): the readable approvals `keep` accepts.
    pub(crate) async fn approvals(
        &self,
        filter: &str,
        keep: impl Fn(&Approval) -> bool,
    ) -> Result<Listing<Approval>, SourceError> {
        let url = approvals_url(&self.base(), filter);
        self.http
            .read_all(&url, |items| {
                wire::read_items::<ArmApproval, _>(
                    SourceKind::AzureResources,
                    items,
                    Approval::try_from,
                )
                .retain(&keep)
            })
            .await
    }

    fn handle<'r>(
        &self,
        request: &'r ApprovalRequest,
    ) -> Result<(Option<&'r str>, &'r str), SourceError> {
        match &request.source_ref {
            SourceRef::Arm { approval_id, scope } => Ok((approval_id.as_deref(), scope)),
            _ => Err(super::foreign_request(SourceKind::AzureResources, request)),
        }
    }
}

#[async_trait(?Send)]
impl RequestSource for ArmSource {
    fn kind(&self) -> SourceKind {
        SourceKind::AzureResources
    }

    /// ARM does not honour `$filter=status eq …` here, so pending requests are picked client-side.
    async fn pending(
        &self,
        on_page: &mut dyn FnMut(Listing<ApprovalRequest>),
    ) -> Result<(), SourceError> {
        let url = requests_url(&self.base(), "asApprover()");
        self.http
            .pages(&url, &mut |items| {
                on_page(Self::read_page(&items).retain(ApprovalRequest::is_pending))
            })
            .await
    }

    async fn find(&self, id: &str) -> Result<Option<ApprovalRequest>, SourceError> {
        let this_one = |r: &ApprovalRequest| r.key.id.eq_ignore_ascii_case(id);
        let (as_approver, as_target) = futures::join!(
            self.list("asApprover()", this_one),
            self.list("asTarget()", this_one)
        );
        let mut both = as_approver?;
        both.extend(as_target?);
        super::found(SourceKind::AzureResources, both, |r| {
            r.key.id.eq_ignore_ascii_case(id)
        })
    }

    async fn approval(&self, request: &ApprovalRequest) -> Result<Approval, SourceError> {
        let approval_id = self.handle(request)?.0.ok_or_else(|| {
            SourceError::new(SourceKind::AzureResources, ErrorKind::NotFound)
                .with_detail("this request has no approval")
        })?;
        let body = self
            .http
            .get_json(&approval_url(&self.base(), approval_id))
            .await?;
        let approval: ArmApproval = wire::read_response(SourceKind::AzureResources, &body)?;
        Approval::try_from(approval).map_err(|e| e.into_error(SourceKind::AzureResources))
    }

    /// PATCH with the `properties` body; a 400 objecting to that shape is answered once with the flat
    /// body. 200 with the stage (swagger) or an empty 204 (Learn how-to): both mean done.
    async fn decide(
        &self,
        approval: &Approval,
        decision: Decision,
        justification: &str,
    ) -> Result<(), SourceError> {
        let stage = super::stage_to_decide(approval, SourceKind::AzureResources)?;
        let url = stage_url(&self.base(), &approval.id, &stage.id);
        let wrapped = decision_body(decision, justification);
        match self.http.write(Method::PATCH, &url, Some(&wrapped)).await {
            Err(e) if complains_about_body_shape(&e) => {
                let flat = flat_decision_body(decision, justification);
                self.http.write(Method::PATCH, &url, Some(&flat)).await
            }
            outcome => outcome,
        }
        .map(|_| ())
    }

    async fn my_requests(&self) -> Result<Listing<ApprovalRequest>, SourceError> {
        let (requests, approvals) = futures::join!(
            self.list("asTarget()", |_| true),
            self.approvals("asTarget()", |_| true)
        );
        Ok(with_reviews(requests?, approvals?))
    }

    async fn cancel(&self, request: &ApprovalRequest) -> Result<(), SourceError> {
        let scope = self.handle(request)?.1.trim_end_matches('/');
        let url = format!(
            "{}{scope}{AUTHZ}/roleAssignmentScheduleRequests/{}/cancel?api-version={REQUESTS_API}",
            self.base(),
            wire::encode(&request.key.id)
        );
        self.http.write(Method::POST, &url, None).await.map(|_| ())
    }

    /// Two paged lists in parallel, joined on the approval id: never one call per request.
    async fn history(&self, range: &DateRange) -> Result<Listing<ApprovalRequest>, SourceError> {
        // Only settled requests and decided approvals are kept, page by page: the pending thousands
        // never stay in memory twice.
        let (settled, approvals) = futures::join!(
            self.list("asApprover()", |r| in_approver_history(
                r,
                &self.me.object_id,
                range
            )),
            self.approvals("asApprover()", |a| a.settling_review().is_some())
        );
        Ok(with_reviews(settled?, approvals?))
    }

    fn history_note(&self) -> &'static str {
        "Azure keeps PIM request history for 30 days."
    }
}

/// Puts each approval's settling review on its request; the notes of both lists are kept.
pub(crate) fn with_reviews(
    mut requests: Listing<ApprovalRequest>,
    approvals: Listing<Approval>,
) -> Listing<ApprovalRequest> {
    for request in requests.items.iter_mut() {
        let SourceRef::Arm {
            approval_id: Some(aid),
            ..
        } = &request.source_ref
        else {
            continue;
        };
        if let Some(approval) = approvals
            .items
            .iter()
            .find(|a| a.id.eq_ignore_ascii_case(aid))
        {
            request.review = approval.settling_review().cloned();
        }
    }
    requests.unreadable.extend(approvals.unreadable);
    requests
}

#[cfg(test)]
mod tests {
    use super::super::wire::fixture;
    use super::*;

    fn parse_request(item: &Value) -> Result<ApprovalRequest, super::super::Unreadable> {
        super::super::wire::only(ArmSource::read_page(std::slice::from_ref(item)))
    }

    fn parse_approval(item: &Value) -> Result<Approval, SourceError> {
        let approval: ArmApproval = wire::read_response(SourceKind::AzureResources, item)?;
        Approval::try_from(approval).map_err(|e| e.into_error(SourceKind::AzureResources))
    }

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
        assert_eq!(
            request.source_ref,
            SourceRef::Arm {
                approval_id: None,
                scope: "/subscriptions/dfa2a084-766f-4003-8ae1-c4aeb893a99f".into()
            }
        );
    }

    #[test]
    fn takes_the_approval_guid_from_a_full_path() {
        let mut body = fixture("arm_requests.json");
        body["value"][0]["properties"]["status"] = "PendingApproval".into();
        body["value"][0]["properties"]["approvalId"] =
            "/providers/Microsoft.Authorization/roleAssignmentApprovals/488a6d0e-0a63-4946-86e3-1f5bbc934661".into();
        let request = parse_request(&body["value"][0]).unwrap();
        assert!(request.is_pending());
        assert!(matches!(
            request.source_ref,
            SourceRef::Arm { approval_id: Some(ref id), .. } if id == "488a6d0e-0a63-4946-86e3-1f5bbc934661"
        ));
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

    #[test]
    fn an_unknown_status_and_a_missing_schedule_are_shown_as_they_came() {
        let body = fixture("arm_unknown_values.json");
        let listing = ArmSource::read_page(body["value"].as_array().unwrap());
        assert!(listing.unreadable.is_empty(), "{:?}", listing.unreadable);
        let request = &listing.items[0];
        assert_eq!(
            request.status,
            RequestStatus::Unknown("PendingRevalidation".into())
        );
        assert_eq!(
            request.action,
            RequestAction::Unknown("SelfEscalate".into())
        );
        assert_eq!(request.duration.known(), None);
        assert_eq!(request.start, None);
        assert_eq!(request.ticket, None);
        assert_eq!(request.scope.name, "Sandbox (resource group)");
        let approval = parse_approval(&body["approval"]).unwrap();
        assert_eq!(
            approval.stages[0].status,
            StageStatus::Unknown("Escalated".into())
        );
        assert!(approval.decidable_stage().is_none());
    }

    #[test]
    fn one_malformed_item_is_skipped_and_named_by_its_path() {
        let mut body = fixture("arm_requests.json");
        let good = body["value"][0].clone();
        let mut bad = good.clone();
        bad["properties"]["scheduleInfo"] = "PT8H".into();
        let mut no_date = good.clone();
        no_date["properties"]
            .as_object_mut()
            .unwrap()
            .remove("createdOn");
        body["value"] = json!([good, bad, no_date, good]);
        let listing = ArmSource::read_page(body["value"].as_array().unwrap());
        assert_eq!(listing.items.len(), 2);
        let notes: Vec<String> = listing.unreadable.iter().map(|u| u.to_string()).collect();
        assert_eq!(
            notes,
            [
                "Azure resources: value[1].properties.scheduleInfo: invalid type: string \"PT8H\", expected struct Schedule",
                "Azure resources: value[2].properties: missing field `createdOn`",
            ]
        );
    }

    #[test]
    fn only_a_400_about_the_body_shape_gets_the_flat_body() {
        let refused = |status: u16, body: &str| {
            complains_about_body_shape(&SourceError::from_response(
                SourceKind::AzureResources,
                status,
                body,
                None,
            ))
        };
        assert!(refused(
            400,
            r#"{"error":{"code":"InvalidRequestContent","message":"The request content was invalid and could not be deserialized: 'Could not find member 'properties'.'"}}"#
        ));
        assert!(refused(
            400,
            r#"{"error":{"code":"BadRequest","message":"The reviewResult field is required."}}"#
        ));
        assert!(!refused(
            400,
            r#"{"error":{"code":"JustificationRequired","message":"A justification is required."}}"#
        ));
        assert!(!refused(
            400,
            r#"{"error":{"code":"ApprovalStepExpired","message":"The approval step has expired."}}"#
        ));
        assert!(!refused(
            409,
            r#"{"error":{"code":"InvalidRequestContent","message":"x"}}"#
        ));
        assert_eq!(
            flat_decision_body(Decision::Deny, "no"),
            json!({ "reviewResult": "Deny", "justification": "no" })
        );
    }
}
