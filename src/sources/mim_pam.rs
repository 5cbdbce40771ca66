//! Microsoft Identity Manager 2016 PAM REST API (OData v3): pending approvals (`pamrequeststoapprove`),
//! Approve/Reject, the caller's own `pamrequests` and Close. Authenticated by the browser's Windows
//! session (`credentials: include`), never with an Entra token. The API takes no justification, has no
//! approval read and keeps no approver history: after a decision, all it can tell is whether the
//! approval is still waiting.

use super::http::Http;
use super::wire::{self, text, time, Guid, Invalid};
use super::{ErrorKind, Listing, RequestSource, SourceError};
use crate::domain::history::DateRange;
use crate::domain::*;
use async_trait::async_trait;
use gloo_net::http::Method;
use serde::Deserialize;
use serde_json::Value;

const RESOURCES: &str = "/api/pamresources";

/// A PAM request as either list sends it (names as documented, GUIDs wrapped in `{ "Value": … }`): an
/// entry of `pamrequeststoapprove` (`FIMRequestID`, `ApprovalObjectID`, `RequestorID`, `Requestor`) or
/// one of the caller's own `pamrequests` (`RequestID`, `CreatorID`, `RoleID`, `DisplayName`,
/// `ExpirationTime`, `RequestStatus`). One shape for both keeps the bundle small.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PamRequest {
    #[serde(rename = "FIMRequestID", default)]
    fim_request_id: Guid,
    #[serde(rename = "ApprovalObjectID", default)]
    approval_object_id: Guid,
    #[serde(rename = "RequestorID", default)]
    requestor_id: Guid,
    requestor: Option<String>,
    #[serde(rename = "RequestID", default)]
    request_id: Guid,
    #[serde(rename = "CreatorID", default)]
    creator_id: Guid,
    #[serde(rename = "RoleID", default)]
    role_id: Guid,
    role_name: Option<String>,
    display_name: Option<String>,
    justification: Option<String>,
    /// Seconds, as a string.
    #[serde(rename = "RequestedTTL")]
    requested_ttl: Option<String>,
    requested_time: Option<String>,
    creation_time: String,
    expiration_time: Option<String>,
    /// `PendingApproval`, `Active`, `Closed`, `Rejected`, `Expired`; anything else as it came.
    request_status: Option<String>,
}

fn required_guid(guid: &Guid, field: &str) -> Result<String, Invalid> {
    guid.text().ok_or_else(|| Invalid::new(field, "missing"))
}

fn role_name(name: Option<String>) -> String {
    name.unwrap_or_else(|| "Unknown PAM role".into())
}

impl PamRequest {
    /// What both lists say alike (when, for how long, why), in a request for an activation in the PRIV
    /// forest.
    fn request(
        &self,
        request_id: String,
        source_ref: SourceRef,
    ) -> Result<ApprovalRequest, Invalid> {
        let created = wire::required_time(&self.creation_time, "CreationTime")?;
        let key = RequestKey::new(SourceKind::MimPam, request_id);
        Ok(ApprovalRequest {
            scope: ScopeRef {
                id: "mim-pam".into(),
                name: "PRIV bastion forest".into(),
            },
            start: time(self.requested_time.as_deref()),
            duration: RequestedDuration::from_ttl_seconds(self.requested_ttl.as_deref()),
            justification: text(self.justification.as_deref()),
            ..ApprovalRequest::new(key, created, source_ref)
        })
    }

    /// An entry of `pamrequeststoapprove`: waiting for me.
    fn into_pending(self) -> Result<ApprovalRequest, Invalid> {
        let request_id = required_guid(&self.fim_request_id, "FIMRequestID")?;
        let approval_object_id = required_guid(&self.approval_object_id, "ApprovalObjectID")?;
        let source_ref = SourceRef::MimPam {
            approval_object_id: Some(approval_object_id),
        };
        Ok(ApprovalRequest {
            requester: Person {
                id: self.requestor_id.text(),
                display_name: text(self.requestor.as_deref()),
                upn: None,
            },
            role: RoleRef {
                id: None,
                name: role_name(text(self.role_name.as_deref())),
            },
            ..self.request(request_id, source_ref)?
        })
    }

    /// One of the caller's own `pamrequests`.
    fn into_own(self) -> Result<ApprovalRequest, Invalid> {
        let request_id = required_guid(&self.request_id, "RequestID")?;
        let source_ref = SourceRef::MimPam {
            approval_object_id: None,
        };
        Ok(ApprovalRequest {
            requester: Person {
                id: self.creator_id.text(),
                ..Person::default()
            },
            role: RoleRef {
                id: self.role_id.text(),
                name: role_name(
                    text(self.role_name.as_deref()).or_else(|| text(self.display_name.as_deref())),
                ),
            },
            status: RequestStatus::from_service(self.request_status.as_deref().unwrap_or_default()),
            end: time(self.expiration_time.as_deref()),
            ..self.request(request_id, source_ref)?
        })
    }
}

fn is_guid(text: &str) -> bool {
    text.len() == 36 && text.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

/// `…/pamrequeststoapprove(guid'{id}')/Approve` — the id must be a GUID, so nothing else can be injected.
fn decision_url(
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

/// The one stage MIM PAM has: a pending approval in my list is mine to decide.
fn open_approval(approval_object_id: &str) -> Approval {
    Approval {
        id: approval_object_id.to_string(),
        stages: vec![Stage {
            id: approval_object_id.to_string(),
            name: None,
            status: StageStatus::InProgress,
            assigned_to_me: true,
            review: None,
        }],
    }
}

/// What a fresh pending list says about one approval: still open, or gone with nothing to tell how.
/// A request of the caller's own carries no approval object: there is nothing to read back.
fn no_approval_to_read() -> SourceError {
    SourceError::new(SourceKind::MimPam, ErrorKind::OutcomeUnknown)
        .with_detail("this request carries no approval to read")
}

fn settle(
    pending: &Listing<ApprovalRequest>,
    approval_object_id: &str,
) -> Result<Approval, SourceError> {
    let still_open = pending.items.iter().any(|r| {
        matches!(&r.source_ref, SourceRef::MimPam { approval_object_id: Some(id) }
            if id.eq_ignore_ascii_case(approval_object_id))
    });
    if still_open {
        return Ok(open_approval(approval_object_id));
    }
    let detail = if pending.unreadable.is_empty() {
        "MIM PAM no longer lists this approval as waiting, and its API cannot say who decided it or how"
    } else {
        "MIM PAM no longer lists this approval among the ones it could read, and its API cannot say who decided it or how"
    };
    Err(SourceError::new(SourceKind::MimPam, ErrorKind::OutcomeUnknown).with_detail(detail))
}

pub(crate) struct MimPamSource {
    http: Http,
}

impl MimPamSource {
    pub fn new(http: Http) -> Self {
        MimPamSource { http }
    }

    fn pending_url(&self) -> String {
        self.http
            .url(&format!("{RESOURCES}/pamrequeststoapprove?v=1"))
    }

    fn read_pending(items: &[Value]) -> Listing<ApprovalRequest> {
        wire::read_items(SourceKind::MimPam, items, PamRequest::into_pending)
    }

    async fn all_pending(&self) -> Result<Listing<ApprovalRequest>, SourceError> {
        self.http
            .read_all(&self.pending_url(), Self::read_pending)
            .await
    }

    async fn own(&self) -> Result<Listing<ApprovalRequest>, SourceError> {
        let url = self.http.url(&format!("{RESOURCES}/pamrequests?v=1"));
        self.http
            .read_all(&url, |items| {
                wire::read_items(SourceKind::MimPam, items, PamRequest::into_own)
            })
            .await
    }

    fn approval_object_id<'r>(
        &self,
        request: &'r ApprovalRequest,
    ) -> Result<Option<&'r str>, SourceError> {
        match &request.source_ref {
            SourceRef::MimPam { approval_object_id } => Ok(approval_object_id.as_deref()),
            _ => Err(super::foreign_request(SourceKind::MimPam, request)),
        }
    }
}

#[async_trait(?Send)]
impl RequestSource for MimPamSource {
    fn kind(&self) -> SourceKind {
        SourceKind::MimPam
    }

    async fn pending(
        &self,
        on_page: &mut dyn FnMut(Listing<ApprovalRequest>),
    ) -> Result<(), SourceError> {
        self.http
            .pages(&self.pending_url(), &mut |items| {
                on_page(Self::read_pending(&items))
            })
            .await
    }

    async fn find(&self, id: &str) -> Result<Option<ApprovalRequest>, SourceError> {
        let (pending, own) = futures::join!(self.all_pending(), self.own());
        let mut both = pending?;
        both.extend(own?);
        super::found(SourceKind::MimPam, both, |r| {
            r.key.id.eq_ignore_ascii_case(id)
        })
    }

    /// MIM has no approval read: a request in my pending list is mine to decide.
    async fn approval(&self, request: &ApprovalRequest) -> Result<Approval, SourceError> {
        match self.approval_object_id(request)? {
            Some(id) if request.is_pending() => Ok(open_approval(id)),
            _ => Ok(Approval::default()),
        }
    }

    /// Reads the pending list again: the approval still there is still open (nothing was recorded);
    /// gone, the outcome cannot be read from MIM PAM, which is said rather than guessed.
    async fn read_back(&self, request: &ApprovalRequest) -> Result<Approval, SourceError> {
        let id = self
            .approval_object_id(request)?
            .ok_or_else(no_approval_to_read)?;
        settle(&self.all_pending().await?, id)
    }

    /// One read of the pending list settles them all (MIM PAM has no read of one approval).
    async fn read_back_many(
        &self,
        requests: &[ApprovalRequest],
    ) -> Vec<Result<Approval, SourceError>> {
        let pending = match requests.len() {
            0 => return Vec::new(),
            1 => return vec![self.read_back(&requests[0]).await],
            _ => self.all_pending().await,
        };
        requests
            .iter()
            .map(|request| {
                let id = self
                    .approval_object_id(request)?
                    .ok_or_else(no_approval_to_read)?;
                settle(pending.as_ref().map_err(Clone::clone)?, id)
            })
            .collect()
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

    async fn my_requests(&self) -> Result<Listing<ApprovalRequest>, SourceError> {
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

    async fn history(&self, _range: &DateRange) -> Result<Listing<ApprovalRequest>, SourceError> {
        Ok(Listing::default())
    }

    fn history_note(&self) -> &'static str {
        "MIM PAM shows approvers only pending requests; its API keeps no approver history to list here."
    }
}

#[cfg(test)]
mod tests {
    use super::super::wire::fixture;
    use super::*;

    fn parse_pending(item: &Value) -> Result<ApprovalRequest, super::super::Unreadable> {
        super::super::wire::only(MimPamSource::read_pending(std::slice::from_ref(item)))
    }

    fn parse_own(item: &Value) -> Result<ApprovalRequest, Invalid> {
        wire::read::<PamRequest>(item)?.into_own()
    }

    #[test]
    fn maps_the_documented_odata_v3_shape() {
        let body = fixture("mim_pending.json");
        let request = parse_pending(&body["value"][0]).unwrap();
        assert_eq!(
            request.key,
            RequestKey::new(SourceKind::MimPam, "9802d7b7-b4e9-4fe4-8f5c-649cda127e49")
        );
        assert_eq!(
            request.source_ref,
            SourceRef::MimPam {
                approval_object_id: Some("5dbd9d0c-0a9d-4f75-8cbd-ff6ffdc00143".into())
            }
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

    #[test]
    fn an_unknown_status_and_missing_optional_fields_are_shown_as_they_came() {
        let body = fixture("mim_unknown_values.json");
        let listing = MimPamSource::read_pending(body["value"].as_array().unwrap());
        assert!(listing.unreadable.is_empty(), "{:?}", listing.unreadable);
        let request = &listing.items[0];
        assert_eq!(request.justification, None);
        assert_eq!(request.duration.known(), None);
        assert_eq!(request.start, None);
        assert_eq!(request.requester.name(), "CONTOSO\\alexw");
        let own = parse_own(&body["own"][0]).unwrap();
        assert_eq!(own.status, RequestStatus::Unknown("PendingMFA".into()));
        assert_eq!(own.role.name, "Elevation to PRIV Domain Admins");
        assert_eq!(own.end, None);
    }

    #[test]
    fn a_request_without_its_guid_is_unreadable_by_name() {
        let mut body = fixture("mim_pending.json");
        body["value"][0]["ApprovalObjectID"] = serde_json::json!({ "Value": null });
        let e = parse_pending(&body["value"][0]).unwrap_err();
        assert_eq!(e.at, "value[0].ApprovalObjectID");
        assert_eq!(e.problem, "missing");
    }

    #[test]
    fn reading_back_tells_open_from_unknown_and_never_guesses() {
        let body = fixture("mim_pending.json");
        let pending = MimPamSource::read_pending(body["value"].as_array().unwrap());
        let open = settle(&pending, "5DBD9D0C-0A9D-4F75-8CBD-FF6FFDC00143").unwrap();
        assert!(open.decidable_stage().is_some());
        let gone = settle(&pending, "11111111-2222-3333-4444-555555555555").unwrap_err();
        assert_eq!(gone.kind, ErrorKind::OutcomeUnknown);
        assert!(gone.to_string().contains("could not be read"), "{gone}");
    }
}
