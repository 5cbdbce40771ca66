//! The internal admin portal's PIM API, as fixed in `PORTAL_API.md`: pending approvals, approve/deny
//! with a justification, the approver's history and the caller's own requests. A request carries its
//! own decision; the contract has no single-request read, so a request is found again in the lists.

use super::http::Http;
use super::wire::{self, text, time, Embedded, Identity, Invalid};
use super::{ErrorKind, Listing, Me, RequestSource, SourceError};
use crate::domain::history::DateRange;
use crate::domain::*;
use async_trait::async_trait;
use gloo_net::http::Method;
use serde::Deserialize;
use serde_json::{json, Value};

const API: &str = "/api/security/pim";

/// The request object of `PORTAL_API.md`; `status` and `requestType` are read as text (clients must
/// show any other status as it came).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PortalRequest {
    id: String,
    status: Option<String>,
    request_type: Option<String>,
    requestor: Option<Identity>,
    role: Option<Embedded>,
    scope: Option<Embedded>,
    duration: Option<String>,
    start_date_time: Option<String>,
    justification: Option<String>,
    ticket: Option<PortalTicket>,
    requested_date_time: String,
    decision: Option<PortalDecision>,
}

#[derive(Deserialize)]
struct PortalTicket {
    number: Option<String>,
    system: Option<String>,
}

/// `{ "result": "Approved" | "Denied", "by", "dateTime", "justification" }`; `null` while pending.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PortalDecision {
    result: Option<String>,
    by: Option<Identity>,
    date_time: Option<String>,
    justification: Option<String>,
}

impl PortalDecision {
    /// The review, when `result` is one we know.
    fn review(self) -> Option<Review> {
        Some(Review {
            decision: Decision::from_review_result(self.result.as_deref()?)?,
            by: self.by.unwrap_or_default().person(),
            at: time(self.date_time.as_deref()),
            justification: text(self.justification.as_deref()),
        })
    }
}

impl TryFrom<PortalRequest> for ApprovalRequest {
    type Error = Invalid;

    fn try_from(r: PortalRequest) -> Result<Self, Invalid> {
        let created = wire::required_time(&r.requested_date_time, "requestedDateTime")?;
        let review = r.decision.and_then(PortalDecision::review);
        let (role, scope) = (r.role.unwrap_or_default(), r.scope.unwrap_or_default());
        let scope_id = text(scope.id.as_deref()).unwrap_or_else(|| "/".into());
        Ok(ApprovalRequest {
            key: RequestKey::new(SourceKind::PortalApi, r.id),
            requester: r.requestor.unwrap_or_default().person(),
            role: RoleRef {
                id: text(role.id.as_deref()),
                name: text(role.display_name.as_deref()).unwrap_or_else(|| "Unknown role".into()),
            },
            scope: ScopeRef {
                name: text(scope.display_name.as_deref()).unwrap_or_else(|| scope_id.clone()),
                id: scope_id,
            },
            action: RequestAction::parse(
                &text(r.request_type.as_deref()).unwrap_or_else(|| "activate".into()),
            ),
            status: RequestStatus::from_service(r.status.as_deref().unwrap_or_default()),
            created,
            start: time(r.start_date_time.as_deref()),
            duration: RequestedDuration::from_iso(r.duration.as_deref()),
            end: None,
            justification: text(r.justification.as_deref()),
            ticket: r.ticket.and_then(|t| {
                Ticket::from_parts(text(t.number.as_deref()), text(t.system.as_deref()))
            }),
            completed: review.as_ref().and_then(|r| r.at),
            review,
            source_ref: SourceRef::Portal,
        })
    }
}

fn decision_url(base: &str, id: &str, decision: Decision) -> String {
    let verb = match decision {
        Decision::Approve => "approve",
        Decision::Deny => "deny",
    };
    format!("{base}{API}/approvals/{}/{verb}", wire::encode(id))
}

/// The approval a portal request implies: one stage, mine to decide while it is pending and not mine.
fn implied_approval(request: &ApprovalRequest, me: &str) -> Approval {
    Approval {
        id: request.key.id.clone(),
        stages: vec![Stage {
            id: request.key.id.clone(),
            name: None,
            status: if request.is_pending() {
                StageStatus::InProgress
            } else {
                StageStatus::Completed
            },
            assigned_to_me: request.is_pending() && !request.requested_by(me),
            review: request.review.clone(),
        }],
    }
}

pub(crate) struct PortalSource {
    http: Http,
    me: Me,
}

impl PortalSource {
    pub fn new(http: Http, me: Me) -> Self {
        PortalSource { http, me }
    }

    fn url(&self, path_and_query: &str) -> String {
        self.http.url(&format!("{API}{path_and_query}"))
    }

    fn read_page(items: &[Value]) -> Listing<ApprovalRequest> {
        wire::read_items::<PortalRequest, _>(
            SourceKind::PortalApi,
            items,
            ApprovalRequest::try_from,
        )
    }

    async fn list(&self, path_and_query: &str) -> Result<Listing<ApprovalRequest>, SourceError> {
        self.http
            .read_all(&self.url(path_and_query), Self::read_page)
            .await
    }
}

#[async_trait(?Send)]
impl RequestSource for PortalSource {
    fn kind(&self) -> SourceKind {
        SourceKind::PortalApi
    }

    async fn pending(
        &self,
        on_page: &mut dyn FnMut(Listing<ApprovalRequest>),
    ) -> Result<(), SourceError> {
        self.http
            .pages(&self.url("/pending-approvals"), &mut |items| {
                on_page(Self::read_page(&items))
            })
            .await
    }

    /// The contract has no single-request read; look in the three lists (pending first: freshest).
    async fn find(&self, id: &str) -> Result<Option<ApprovalRequest>, SourceError> {
        let (pending, history, mine) = futures::join!(
            self.list("/pending-approvals"),
            self.list("/requests/history"),
            self.list("/my-requests")
        );
        let mut all = pending?;
        all.extend(history?);
        all.extend(mine?);
        super::found(SourceKind::PortalApi, all, |r| r.key.id == id)
    }

    /// The request carries its own decision; a pending request of someone else is mine to decide.
    async fn approval(&self, request: &ApprovalRequest) -> Result<Approval, SourceError> {
        Ok(implied_approval(request, &self.me.object_id))
    }

    /// Finds the request again in the service's lists and reads its decision from there; a request the
    /// service no longer lists anywhere leaves the outcome unknown.
    async fn read_back(&self, request: &ApprovalRequest) -> Result<Approval, SourceError> {
        match self.find(&request.key.id).await? {
            Some(fresh) => Ok(implied_approval(&fresh, &self.me.object_id)),
            None => Err(
                SourceError::new(SourceKind::PortalApi, ErrorKind::OutcomeUnknown)
                    .with_detail("the portal no longer lists this request"),
            ),
        }
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

    async fn my_requests(&self) -> Result<Listing<ApprovalRequest>, SourceError> {
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

    async fn history(&self, range: &DateRange) -> Result<Listing<ApprovalRequest>, SourceError> {
        let stamp = |t: chrono::DateTime<chrono::Utc>| {
            wire::encode(&t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        };
        let query = format!(
            "/requests/history?from={}&to={}",
            stamp(range.from),
            stamp(range.to)
        );
        self.list(&query).await
    }

    fn history_note(&self) -> &'static str {
        "The admin portal keeps request history for 30 days."
    }
}

#[cfg(test)]
mod tests {
    use super::super::wire::fixture;
    use super::*;

    fn parse_request(item: &Value) -> Result<ApprovalRequest, super::super::Unreadable> {
        super::super::wire::only(PortalSource::read_page(std::slice::from_ref(item)))
    }

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

    #[test]
    fn an_unknown_status_and_a_missing_ticket_are_shown_as_they_came() {
        let body = fixture("portal_unknown_values.json");
        let listing = PortalSource::read_page(body["value"].as_array().unwrap());
        assert!(listing.unreadable.is_empty(), "{:?}", listing.unreadable);
        let request = &listing.items[0];
        assert_eq!(request.status, RequestStatus::Unknown("Escalated".into()));
        assert_eq!(request.status.label(), "Unknown (Escalated)");
        assert_eq!(request.ticket, None);
        assert_eq!(
            request.action,
            RequestAction::Activate,
            "requestType absent"
        );
        assert_eq!(
            request.review, None,
            "an unknown decision result is no review"
        );
        assert_eq!(request.scope.id, "/");
    }

    #[test]
    fn the_implied_approval_follows_the_fresh_request() {
        let pending = parse_request(&contract_example()).unwrap();
        assert!(implied_approval(&pending, "someone-else")
            .decidable_stage()
            .is_some());
        assert!(implied_approval(&pending, "5C7F")
            .decidable_stage()
            .is_none());
        let mut decided = contract_example();
        decided["status"] = "Approved".into();
        decided["decision"] = serde_json::json!({ "result": "Approved",
            "by": { "id": "a1", "displayName": "Adele Vance" }, "dateTime": "2026-11-22T14:02:00Z" });
        let approval = implied_approval(&parse_request(&decided).unwrap(), "a1");
        assert_eq!(approval.settling_review().unwrap().by.name(), "Adele Vance");
        assert!(approval.decidable_stage().is_none());
    }
}
