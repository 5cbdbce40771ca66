//! The internal admin portal's PIM API, as fixed in `PORTAL_API.md`: pending approvals, approve/deny
//! with a justification, the approver's history and the caller's own requests.

use super::http::Http;
use super::json::{self, text, timestamp};
use super::{ErrorKind, Me, RequestSource, SourceError};
use crate::domain::history::DateRange;
use crate::domain::*;
use async_trait::async_trait;
use gloo_net::http::Method;
use serde_json::{json, Value};

const API: &str = "/api/security/pim";

#[derive(Clone)]
pub struct PortalSource {
    http: Http,
    me: Me,
}

fn person(item: &Value, pointer: &str) -> Person {
    Person {
        id: text(item, &format!("{pointer}/id")),
        display_name: text(item, &format!("{pointer}/displayName")),
        upn: text(item, &format!("{pointer}/userPrincipalName")),
    }
}

/// One portal request object.
pub fn parse_request(item: &Value) -> Result<ApprovalRequest, SourceError> {
    let malformed = |what: &str| SourceError::malformed(SourceKind::PortalApi, what.to_string());
    let id = text(item, "/id").ok_or_else(|| malformed("a request without \"id\""))?;
    let created = timestamp(item, "/requestedDateTime")
        .ok_or_else(|| malformed("a request without requestedDateTime"))?;
    let review = item
        .get("decision")
        .filter(|d| d.is_object())
        .and_then(|d| {
            Some(Review {
                decision: Decision::from_review_result(&text(d, "/result")?)?,
                by: person(d, "/by"),
                at: timestamp(d, "/dateTime"),
                justification: text(d, "/justification"),
            })
        });
    let scope_id = text(item, "/scope/id").unwrap_or_else(|| "/".into());
    Ok(ApprovalRequest {
        key: RequestKey::new(SourceKind::PortalApi, id.clone()),
        requester: person(item, "/requestor"),
        role: RoleRef {
            id: text(item, "/role/id"),
            name: text(item, "/role/displayName").unwrap_or_else(|| "Unknown role".into()),
        },
        scope: ScopeRef {
            name: text(item, "/scope/displayName").unwrap_or_else(|| scope_id.clone()),
            id: scope_id,
        },
        action: RequestAction::parse(
            &text(item, "/requestType").unwrap_or_else(|| "activate".into()),
        ),
        status: RequestStatus::from_service(&text(item, "/status").unwrap_or_default()),
        created,
        start: timestamp(item, "/startDateTime"),
        duration: RequestedDuration::from_iso(text(item, "/duration").as_deref()),
        end: None,
        justification: text(item, "/justification"),
        ticket: Ticket::from_parts(text(item, "/ticket/number"), text(item, "/ticket/system")),
        completed: review.as_ref().and_then(|r| r.at),
        review,
        approval_id: Some(id),
        locator: None,
    })
}

pub fn decision_url(base: &str, id: &str, decision: Decision) -> String {
    let verb = match decision {
        Decision::Approve => "approve",
        Decision::Deny => "deny",
    };
    format!("{base}{API}/approvals/{}/{verb}", json::encode(id))
}

impl PortalSource {
    pub fn new(http: Http, me: Me) -> Self {
        PortalSource { http, me }
    }

    async fn list(&self, path_and_query: &str) -> Result<Vec<ApprovalRequest>, SourceError> {
        let items = self
            .http
            .get_all(&self.http.url(&format!("{API}{path_and_query}")))
            .await?;
        items.iter().map(parse_request).collect()
    }
}

#[async_trait(?Send)]
impl RequestSource for PortalSource {
    fn kind(&self) -> SourceKind {
        SourceKind::PortalApi
    }

    async fn pending(&self) -> Result<Vec<ApprovalRequest>, SourceError> {
        self.list("/pending-approvals").await
    }

    /// The contract has no single-request read; look in the three lists (pending first: freshest).
    async fn find(&self, id: &str) -> Result<Option<ApprovalRequest>, SourceError> {
        let (pending, history, mine) = futures::join!(
            self.list("/pending-approvals"),
            self.list("/requests/history"),
            self.list("/my-requests")
        );
        Ok(pending?
            .into_iter()
            .chain(history?)
            .chain(mine?)
            .find(|r| r.key.id == id))
    }

    /// The request carries its own decision; a pending request of someone else is mine to decide.
    async fn approval(&self, request: &ApprovalRequest) -> Result<Approval, SourceError> {
        let open = request.is_pending() && !request.requested_by(&self.me.object_id);
        Ok(Approval {
            id: request.key.id.clone(),
            stages: vec![Stage {
                id: request.key.id.clone(),
                name: None,
                status: if request.is_pending() {
                    StageStatus::InProgress
                } else {
                    StageStatus::Completed
                },
                assigned_to_me: open,
                review: request.review.clone(),
            }],
        })
    }

    async fn decide(
        &self,
        approval: &Approval,
        decision: Decision,
        justification: &str,
    ) -> Result<(), SourceError> {
        super::stage_to_decide(approval, SourceKind::PortalApi)?;
        let url = decision_url(&self.http.url(""), &approval.id, decision);
        let body = json!({ "justification": justification });
        self.http
            .write(Method::POST, &url, Some(&body))
            .await
            .map(|_| ())
    }

    async fn my_requests(&self) -> Result<Vec<ApprovalRequest>, SourceError> {
        self.list("/my-requests").await
    }

    fn can_cancel(&self) -> bool {
        false
    }

    async fn cancel(&self, _request: &ApprovalRequest) -> Result<(), SourceError> {
        Err(
            SourceError::new(SourceKind::PortalApi, ErrorKind::Rejected).with_detail(
                "the portal API has no cancel endpoint; withdraw the request in the portal",
            ),
        )
    }

    async fn history(&self, range: &DateRange) -> Result<Vec<ApprovalRequest>, SourceError> {
        let query = format!(
            "/requests/history?from={}&to={}",
            json::encode(
                &range
                    .from
                    .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
            ),
            json::encode(
                &range
                    .to
                    .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
            )
        );
        self.list(&query).await
    }

    fn history_note(&self) -> &'static str {
        "The admin portal keeps request history for 30 days."
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contract_example() -> Value {
        serde_json::json!({
          "id": "PR-1042", "status": "Pending", "requestType": "activate",
          "requestor": { "id": "5c7f", "displayName": "Alex Wilber", "userPrincipalName": "alexw@contoso.onmicrosoft.com" },
          "role": { "id": "62e90394-69f5-4237-9190-012177145e10", "displayName": "Global Administrator" },
          "scope": { "id": "/", "displayName": "Directory" },
          "duration": "PT2H", "startDateTime": null,
          "justification": "Rotate the break-glass credentials, CHG-1042",
          "ticket": { "number": "CHG-1042", "system": "ServiceNow" },
          "requestedDateTime": "2026-11-22T09:15:00Z", "expiresDateTime": "2026-11-23T09:15:00Z",
          "decision": null })
    }

    #[test]
    fn maps_the_contract_example() {
        let request = parse_request(&contract_example()).unwrap();
        assert_eq!(request.key.route(), "/requests/portal/PR-1042");
        assert_eq!(request.requester.name(), "Alex Wilber");
        assert_eq!(
            request.role.id.as_deref(),
            Some("62e90394-69f5-4237-9190-012177145e10")
        );
        assert_eq!(request.duration.known(), Some(IsoDuration::from_hours(2)));
        assert_eq!(
            request.ticket.as_ref().unwrap().system.as_deref(),
            Some("ServiceNow")
        );
        assert!(request.is_pending());
        assert_eq!(request.review, None);
    }

    #[test]
    fn reads_decisions() {
        let mut item = contract_example();
        item["status"] = "Approved".into();
        item["decision"] = serde_json::json!({ "result": "Approved",
            "by": { "id": "a1", "displayName": "Adele Vance" }, "dateTime": "2026-11-22T14:02:00Z",
            "justification": "ticket CHG-1042 verified" });
        let request = parse_request(&item).unwrap();
        let review = request.review.unwrap();
        assert_eq!(review.decision, Decision::Approve);
        assert_eq!(review.by.name(), "Adele Vance");
        assert_eq!(request.status, RequestStatus::Approved);
    }

    #[test]
    fn decision_urls_encode_the_id() {
        assert_eq!(
            decision_url("https://admin.contoso.com", "PR-1042", Decision::Deny),
            "https://admin.contoso.com/api/security/pim/approvals/PR-1042/deny"
        );
        assert_eq!(
            decision_url("https://a", "../x", Decision::Approve),
            "https://a/api/security/pim/approvals/..%2Fx/approve"
        );
    }
}
