//! The services requests come from, behind one trait. Every URL, wire model and error mapping lives in
//! these modules; pages only call [`RequestSource`] methods and render domain types. Lists are tolerant:
//! an item that cannot be read is skipped and reported as [`Unreadable`], never fatal to the list.
//!
//! | module | service |
//! |---|---|
//! | [`graph_roles`] | Microsoft Graph, PIM for Entra roles (v1.0 lists, beta approvals) |
//! | [`graph_groups`] | Microsoft Graph, PIM for Groups (v1.0 lists and approvals) |
//! | [`arm`] | Azure Resource Manager, PIM for Azure resources |
//! | [`mim_pam`] | Microsoft Identity Manager PAM REST API |
//! | [`portal_api`] | the internal admin portal's PIM API (`PORTAL_API.md`) |
//!
//! [`context`] reads the decision context beside a request (policy, requester's record, account).

mod arm;
pub mod context;
mod error;
pub(crate) mod graph;
mod graph_groups;
mod graph_roles;
pub(crate) mod http;
mod mim_pam;
mod portal_api;
pub(crate) mod throttle;
mod wire;

use crate::auth::{Resource, TokenSource};
use crate::config::{AppConfig, PortalAuth};
use crate::domain::history::DateRange;
use crate::domain::{Approval, ApprovalRequest, Decision, SourceKind};
use async_trait::async_trait;
pub use error::{ErrorKind, SourceError};
use std::rc::Rc;

/// Who is signed in, as far as sources need to know (own requests, "reviewed by me").
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Me {
    pub object_id: String,
}

/// What a list read returned: every item that could be read, and a note for each one that could not.
#[derive(Clone, Debug, PartialEq)]
pub struct Listing<T> {
    pub items: Vec<T>,
    pub unreadable: Vec<Unreadable>,
}

impl<T> Default for Listing<T> {
    fn default() -> Self {
        Listing {
            items: Vec::new(),
            unreadable: Vec::new(),
        }
    }
}

impl<T> Listing<T> {
    /// Adds another page or list.
    pub fn extend(&mut self, other: Listing<T>) {
        self.items.extend(other.items);
        self.unreadable.extend(other.unreadable);
    }

    /// Keeps the items `keep` accepts (the notes stay).
    pub fn retain(mut self, keep: impl FnMut(&T) -> bool) -> Self {
        self.items.retain(keep);
        self
    }
}

/// One list item that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreadable {
    pub source: SourceKind,
    /// field path from the response root, e.g. "value[3].properties.scheduleInfo"
    pub at: String,
    pub problem: String,
}

impl std::fmt::Display for Unreadable {
    /// `Azure resources: value[3].properties.scheduleInfo: invalid type: …`
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}: {}", self.source.label(), self.at, self.problem)
    }
}

/// One PIM service. Implementations are handles around one [`http::Http`] client, shared as
/// `Rc<dyn RequestSource>`.
#[async_trait(?Send)]
pub trait RequestSource {
    fn kind(&self) -> SourceKind;

    /// Requests waiting for the signed-in approver. Each page goes to `on_page` as soon as it is read, so the
    /// queue fills while later pages load; the result says whether every page was read.
    async fn pending(
        &self,
        on_page: &mut dyn FnMut(Listing<ApprovalRequest>),
    ) -> Result<(), SourceError>;

    /// One request by its id, whatever its status (deep links). `Ok(None)` = the service does not know it.
    async fn find(&self, id: &str) -> Result<Option<ApprovalRequest>, SourceError>;

    /// The approval behind a request: its stages, who reviewed, and which stage is mine to decide.
    async fn approval(&self, request: &ApprovalRequest) -> Result<Approval, SourceError>;

    /// The approval as the service holds it *now*, read fresh (never derived from `request`'s possibly stale
    /// fields), to settle a write whose outcome is uncertain. Default: `self.approval(request)`.
    async fn read_back(&self, request: &ApprovalRequest) -> Result<Approval, SourceError> {
        self.approval(request).await
    }

    /// The approvals of many requests as the service holds them now, one answer each in order: the
    /// bulk pre-flight reads them, and a batch's uncertain writes are settled with them. Default: one
    /// [`RequestSource::read_back`] each, at most [`CONCURRENCY`] at a time.
    async fn read_back_many(
        &self,
        requests: &[ApprovalRequest],
    ) -> Vec<Result<Approval, SourceError>> {
        bounded(requests, |request| self.read_back(request)).await
    }

    /// Writes the same decision to many approvals, one answer each in order, each meaning what
    /// [`RequestSource::decide`]'s would. Default: one `decide` each, at most [`CONCURRENCY`] at a
    /// time; a 429 (nothing was recorded) waits its `Retry-After`, as do the writes after it, and is
    /// sent again. An uncertain answer is never resent.
    async fn decide_many(
        &self,
        approvals: &[Approval],
        decision: Decision,
        justification: &str,
    ) -> Vec<Result<(), SourceError>> {
        let pause = throttle::Pause::default();
        bounded(approvals, |approval| {
            pause.write(|| self.decide(approval, decision, justification))
        })
        .await
    }

    /// Writes one decision. `approval` is the one read when the page opened, so this is one call. It is
    /// resent only where the service surely did not process it: once with a fresh token after a 401, and
    /// (ARM) once with the flat body after a 400 about the body's shape. After a failure,
    /// [`SourceError::leaves_write_uncertain`] says whether to settle it with [`RequestSource::read_back`].
    async fn decide(
        &self,
        approval: &Approval,
        decision: Decision,
        justification: &str,
    ) -> Result<(), SourceError>;

    /// Whether the service records the approver's justification (MIM PAM does not).
    fn records_justification(&self) -> bool {
        true
    }

    /// The signed-in user's own requests, every status.
    async fn my_requests(&self) -> Result<Listing<ApprovalRequest>, SourceError>;

    /// Whether [`RequestSource::cancel`] is available for this service.
    fn can_cancel(&self) -> bool {
        true
    }

    /// Withdraws one of the user's own pending requests (resent only once after a 401, like a decision).
    async fn cancel(&self, request: &ApprovalRequest) -> Result<(), SourceError>;

    /// Requests the user is an approver of that are no longer pending, each with its deciding review
    /// when the service says who decided.
    async fn history(&self, range: &DateRange) -> Result<Listing<ApprovalRequest>, SourceError>;

    /// A plain sentence on what this service keeps as history, shown on the history pages.
    fn history_note(&self) -> &'static str;
}

/// How many calls a bulk decision keeps in flight to one service (ARM, MIM PAM, the portal API).
pub(crate) const CONCURRENCY: usize = 4;

/// Runs `call` for each item, at most [`CONCURRENCY`] at a time; the answers in the items' order.
pub(crate) async fn bounded<'a, T, R, Fut>(items: &'a [T], call: impl FnMut(&'a T) -> Fut) -> Vec<R>
where
    Fut: std::future::Future<Output = R>,
{
    use futures::stream::{self, StreamExt};
    stream::iter(items.iter().map(call))
        .buffered(CONCURRENCY)
        .collect()
        .await
}

/// The stage of `approval` the signed-in approver may decide, or the refusal to show.
fn stage_to_decide(
    approval: &Approval,
    source: SourceKind,
) -> Result<&crate::domain::Stage, SourceError> {
    approval.decidable_stage().ok_or_else(|| {
        SourceError::new(source, ErrorKind::Forbidden)
            .with_detail("no open approval stage is assigned to you")
    })
}

/// The request `is_it` picks from `listing`. Not found while some items could not be read: an error
/// naming them (the request may be one of them), rather than "not found".
fn found(
    source: SourceKind,
    listing: Listing<ApprovalRequest>,
    is_it: impl Fn(&ApprovalRequest) -> bool,
) -> Result<Option<ApprovalRequest>, SourceError> {
    if let Some(request) = listing.items.into_iter().find(|r| is_it(r)) {
        return Ok(Some(request));
    }
    match listing.unreadable.first() {
        None => Ok(None),
        Some(first) => Err(SourceError::malformed(
            source,
            format!(
                "the request was not among those that could be read; {} could not be read, the first at {}: {}",
                listing.unreadable.len(),
                first.at,
                first.problem
            ),
        )),
    }
}

/// A request handle of another service than the one asked: a bug in the caller, said plainly.
fn foreign_request(source: SourceKind, request: &ApprovalRequest) -> SourceError {
    SourceError::malformed(
        source,
        format!(
            "request {} belongs to {}",
            request.key.id, request.key.source
        ),
    )
}

/// Builds the sources `config.json` turns on, in the order of [`SourceKind::ALL`].
pub fn build(
    config: &AppConfig,
    tokens: Rc<dyn TokenSource>,
    me: Me,
) -> Vec<Rc<dyn RequestSource>> {
    let bearer = |resource: Resource| http::Credentials::Bearer {
        tokens: tokens.clone(),
        resource,
    };
    let http = |kind, base: String, credentials| {
        http::Http::new(kind, base, credentials, config.request_timeout_ms)
    };
    let mut out: Vec<Rc<dyn RequestSource>> = Vec::new();
    for kind in SourceKind::ALL.into_iter().filter(|k| config.is_on(*k)) {
        let source: Rc<dyn RequestSource> = match kind {
            SourceKind::EntraRoles => Rc::new(graph_roles::source(
                http(kind, config.graph_base_url.clone(), bearer(Resource::Graph)),
                me.clone(),
            )),
            SourceKind::Groups => Rc::new(graph_groups::source(
                http(kind, config.graph_base_url.clone(), bearer(Resource::Graph)),
                me.clone(),
            )),
            SourceKind::AzureResources => Rc::new(arm::ArmSource::new(
                http(kind, config.arm_base_url.clone(), bearer(Resource::Arm)),
                me.clone(),
            )),
            SourceKind::MimPam => {
                let Some(base) = config.mim_pam_base_url.clone() else {
                    continue;
                };
                Rc::new(mim_pam::MimPamSource::new(http(
                    kind,
                    base,
                    http::Credentials::BrowserSession,
                )))
            }
            SourceKind::PortalApi => {
                let Some(base) = config.portal_api_base_url.clone() else {
                    continue;
                };
                let credentials = match &config.portal_auth {
                    PortalAuth::Bearer { scope } => bearer(Resource::Portal {
                        scope: scope.clone(),
                    }),
                    PortalAuth::Cookie => http::Credentials::BrowserSession,
                };
                Rc::new(portal_api::PortalSource::new(
                    http(kind, base, credentials),
                    me.clone(),
                ))
            }
        };
        out.push(source);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn listing(ids: &[&str], unreadable: usize) -> Listing<ApprovalRequest> {
        let created = Utc.with_ymd_and_hms(2026, 11, 22, 8, 0, 0).unwrap();
        Listing {
            items: ids
                .iter()
                .map(|id| ApprovalRequest::sample(id, created))
                .collect(),
            unreadable: (0..unreadable)
                .map(|i| Unreadable {
                    source: SourceKind::PortalApi,
                    at: format!("value[{i}].requestedDateTime"),
                    problem: "not a date and time: \"soon\"".into(),
                })
                .collect(),
        }
    }

    #[test]
    fn a_request_missing_among_unreadable_items_is_not_called_unknown() {
        let kind = SourceKind::PortalApi;
        let found_b = found(kind, listing(&["a", "b"], 1), |r| r.key.id == "b").unwrap();
        assert_eq!(found_b.map(|r| r.key.id).as_deref(), Some("b"));
        assert_eq!(
            found(kind, listing(&["a"], 0), |r| r.key.id == "x"),
            Ok(None)
        );
        let e = found(kind, listing(&["a"], 2), |r| r.key.id == "x").unwrap_err();
        assert_eq!(e.kind, ErrorKind::Malformed);
        assert!(e
            .detail
            .unwrap()
            .contains("2 could not be read, the first at value[0].requestedDateTime"),);
    }

    #[test]
    fn listings_join_and_filter_keeping_their_notes() {
        let mut all = listing(&["a", "b"], 1);
        all.extend(listing(&["c"], 1));
        let kept = all.retain(|r| r.key.id != "b");
        let ids: Vec<&str> = kept.items.iter().map(|r| r.key.id.as_str()).collect();
        assert_eq!(ids, ["a", "c"]);
        assert_eq!(kept.unreadable.len(), 2);
        assert_eq!(
            kept.unreadable[0].to_string(),
            "Admin portal: value[0].requestedDateTime: not a date and time: \"soon\""
        );
    }
}
