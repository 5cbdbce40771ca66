//! Microsoft Identity Manager 2016 PAM REST API (OData v3): pending approvals (`pamrequeststoapprove`),
//! Approve/Reject, the caller's own `pamrequests` and Close. Authenticated by the browser's Windows
//! session (`credentials: include`), never with an Entra token. The API takes no justification.

use super::http::Http;
use super::json::{text, timestamp};
use super::{RequestSource, SourceError};
use crate::domain::history::DateRange;
use crate::domain::*;
use async_trait::async_trait;
use gloo_net::http::Method;
use serde_json::Value;

const RESOURCES: &str = "/api/pamresources";

#[derive(Clone)]
pub struct MimPamSource {
    http: Http,
}

/// GUIDs travel wrapped: `"FIMRequestID": { "Value": "…" }`.
fn guid(item: &Value, field: &str) -> Option<String> {
    text(item, &format!("/{field}/Value")).or_else(|| text(item, &format!("/{field}")))
}

/// `…/pamrequeststoapprove(guid'{id}')/Approve` — the id must be a GUID, so nothing else can be injected.
pub fn decision_url(
    base: &str,
    approval_object_id: &str,
    decision: Decision,
) -> Result<String, SourceError> {
    if !is_guid(approval_object_id) {
        return Err(SourceError::malformed(
            SourceKind::MimPam,
            "an approval id that is not a GUID",
        ));
    }
    let verb = match decision {
        Decision::Approve => "Approve",
        Decision::Deny => "Reject",
    };
    Ok(format!(
        "{base}{RESOURCES}/pamrequeststoapprove(guid'{approval_object_id}')/{verb}"
    ))
}

fn bastion_scope() -> ScopeRef {
    ScopeRef {
        id: "mim-pam".into(),
        name: "PRIV bastion forest".into(),
    }
}

/// One entry of `pamrequeststoapprove`.
pub fn parse_pending(item: &Value) -> Result<ApprovalRequest, SourceError> {
    let malformed = |what: &str| SourceError::malformed(SourceKind::MimPam, what.to_string());
    let request_id =
        guid(item, "FIMRequestID").ok_or_else(|| malformed("a request without FIMRequestID"))?;
    let approval_id = guid(item, "ApprovalObjectID")
        .ok_or_else(|| malformed("a request without ApprovalObjectID"))?;
    let created = timestamp(item, "/CreationTime")
        .ok_or_else(|| malformed("a request without CreationTime"))?;
    Ok(ApprovalRequest {
        key: RequestKey::new(SourceKind::MimPam, request_id),
        requester: Person {
            id: guid(item, "RequestorID"),
            display_name: text(item, "/Requestor"),
            upn: None,
        },
        role: RoleRef {
            id: None,
            name: text(item, "/RoleName").unwrap_or_else(|| "Unknown PAM role".into()),
        },
        scope: bastion_scope(),
        action: RequestAction::Activate,
        status: RequestStatus::Pending,
        created,
        start: timestamp(item, "/RequestedTime"),
        duration: RequestedDuration::from_ttl_seconds(text(item, "/RequestedTTL").as_deref()),
        end: None,
        justification: text(item, "/Justification"),
        ticket: None,
        completed: None,
        review: None,
        approval_id: Some(approval_id),
        locator: None,
    })
}

/// One of the caller's own `pamrequests`.
pub fn parse_own(item: &Value) -> Result<ApprovalRequest, SourceError> {
    let malformed = |what: &str| SourceError::malformed(SourceKind::MimPam, what.to_string());
    let request_id =
        guid(item, "RequestID").ok_or_else(|| malformed("a request without RequestID"))?;
    let created = timestamp(item, "/CreationTime")
        .ok_or_else(|| malformed("a request without CreationTime"))?;
    let status = RequestStatus::from_service(&text(item, "/RequestStatus").unwrap_or_default());
    Ok(ApprovalRequest {
        key: RequestKey::new(SourceKind::MimPam, request_id),
        requester: Person {
            id: guid(item, "CreatorID"),
            ..Person::default()
        },
        role: RoleRef {
            id: guid(item, "RoleID"),
            name: text(item, "/RoleName")
                .or_else(|| text(item, "/DisplayName"))
                .unwrap_or_else(|| "Unknown PAM role".into()),
        },
        scope: bastion_scope(),
        action: RequestAction::Activate,
        status,
        created,
        start: timestamp(item, "/RequestedTime"),
        duration: RequestedDuration::from_ttl_seconds(text(item, "/RequestedTTL").as_deref()),
        end: timestamp(item, "/ExpirationTime"),
        justification: text(item, "/Justification"),
        ticket: None,
        completed: None,
        review: None,
        approval_id: None,
        locator: None,
    })
}

impl MimPamSource {
    pub fn new(http: Http) -> Self {
        MimPamSource { http }
    }

    async fn own(&self) -> Result<Vec<ApprovalRequest>, SourceError> {
        let items = self
            .http
            .get_all(&self.http.url(&format!("{RESOURCES}/pamrequests?v=1")))
            .await?;
        items.iter().map(parse_own).collect()
    }
}

#[async_trait(?Send)]
impl RequestSource for MimPamSource {
    fn kind(&self) -> SourceKind {
        SourceKind::MimPam
    }

    async fn pending(&self) -> Result<Vec<ApprovalRequest>, SourceError> {
        let url = self
            .http
            .url(&format!("{RESOURCES}/pamrequeststoapprove?v=1"));
        let items = self.http.get_all(&url).await?;
        items.iter().map(parse_pending).collect()
    }

    async fn find(&self, id: &str) -> Result<Option<ApprovalRequest>, SourceError> {
        let (pending, own) = futures::join!(self.pending(), self.own());
        Ok(pending?
            .into_iter()
            .chain(own?)
            .find(|r| r.key.id.eq_ignore_ascii_case(id)))
    }

    /// MIM has no approval read: a request in my pending list is mine to decide.
    async fn approval(&self, request: &ApprovalRequest) -> Result<Approval, SourceError> {
        let Some(id) = request.approval_id.clone().filter(|_| request.is_pending()) else {
            return Ok(Approval::default());
        };
        Ok(Approval {
            id: id.clone(),
            stages: vec![Stage {
                id,
                name: None,
                status: StageStatus::InProgress,
                assigned_to_me: true,
                review: None,
            }],
        })
    }

    async fn decide(
        &self,
        approval: &Approval,
        decision: Decision,
        _justification: &str,
    ) -> Result<(), SourceError> {
        super::stage_to_decide(approval, SourceKind::MimPam)?;
        let url = decision_url(&self.http.url(""), &approval.id, decision)?;
        self.http.write(Method::POST, &url, None).await.map(|_| ())
    }

    fn records_justification(&self) -> bool {
        false
    }

    async fn my_requests(&self) -> Result<Vec<ApprovalRequest>, SourceError> {
        self.own().await
    }

    async fn cancel(&self, request: &ApprovalRequest) -> Result<(), SourceError> {
        if !is_guid(&request.key.id) {
            return Err(SourceError::malformed(
                SourceKind::MimPam,
                "a request id that is not a GUID",
            ));
        }
        let url = self.http.url(&format!(
            "{RESOURCES}/pamrequests(guid'{}')/Close",
            request.key.id
        ));
        self.http.write(Method::POST, &url, None).await.map(|_| ())
    }

    async fn history(&self, _range: &DateRange) -> Result<Vec<ApprovalRequest>, SourceError> {
        Ok(Vec::new())
    }

    fn history_note(&self) -> &'static str {
        "MIM PAM shows approvers only pending requests; its API keeps no approver history to list here."
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_the_documented_odata_v3_shape() {
        let path = format!(
            "{}/tests/fixtures/mim_pending.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let body: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let request = parse_pending(&body["value"][0]).unwrap();
        assert_eq!(
            request.key,
            RequestKey::new(SourceKind::MimPam, "9802d7b7-b4e9-4fe4-8f5c-649cda127e49")
        );
        assert_eq!(
            request.approval_id.as_deref(),
            Some("5dbd9d0c-0a9d-4f75-8cbd-ff6ffdc00143")
        );
        assert_eq!(request.requester.name(), "PRIV.Jen");
        assert_eq!(
            request.requester.id.as_deref(),
            Some("73257e5e-00b3-4309-a330-f1e607ff113a")
        );
        // RequestedTTL is a string of seconds.
        assert_eq!(request.duration.known(), Some(IsoDuration::from_hours(1)));
        assert_eq!(request.role.name, "ApprovalRole");
        assert_eq!(
            request.justification.as_deref(),
            Some("Justification Reason")
        );
    }

    #[test]
    fn decision_urls_use_the_guid_syntax_and_reject_injection() {
        let url = decision_url(
            "https://pam.contoso.com",
            "5dbd9d0c-0a9d-4f75-8cbd-ff6ffdc00143",
            Decision::Deny,
        )
        .unwrap();
        assert_eq!(
            url,
            "https://pam.contoso.com/api/pamresources/pamrequeststoapprove(guid'5dbd9d0c-0a9d-4f75-8cbd-ff6ffdc00143')/Reject"
        );
        assert!(decision_url("https://pam", "x')/Approve?", Decision::Approve).is_err());
    }

    #[test]
    fn maps_own_requests_with_statuses() {
        let item = serde_json::json!({
            "RequestID": { "Value": "11111111-2222-3333-4444-555555555555" },
            "CreatorID": { "Value": "73257e5e-00b3-4309-a330-f1e607ff113a" },
            "Justification": "Patch DCs", "DisplayName": "Elevation to PRIV Domain Admins",
            "CreationTime": "2026-11-22T08:00:00Z", "ExpirationTime": "2026-11-22T10:00:00Z",
            "RoleID": { "Value": "99999999-2222-3333-4444-555555555555" }, "RoleName": "PRIV Domain Admins",
            "RequestedTTL": "7200", "RequestedTime": "2026-11-22T08:00:00Z", "RequestStatus": "Active" });
        let request = parse_own(&item).unwrap();
        assert_eq!(request.status, RequestStatus::Approved);
        assert_eq!(request.role.name, "PRIV Domain Admins");
        assert_eq!(request.duration.known(), Some(IsoDuration::from_hours(2)));
    }
}
