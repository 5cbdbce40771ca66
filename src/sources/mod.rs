//! The services requests come from, behind one trait. Every URL, JSON shape and error mapping lives in
//! these modules; pages only call [`RequestSource`] methods and render domain types.
//!
//! | module | service |
//! |---|---|
//! | [`graph_roles`] | Microsoft Graph, PIM for Entra roles (v1.0 lists, beta approvals) |
//! | [`graph_groups`] | Microsoft Graph, PIM for Groups (v1.0 lists and approvals) |
//! | [`arm`] | Azure Resource Manager, PIM for Azure resources |
//! | [`mim_pam`] | Microsoft Identity Manager PAM REST API |
//! | [`portal_api`] | the internal admin portal's PIM API (`PORTAL_API.md`) |

pub mod arm;
pub mod error;
pub mod graph;
pub mod graph_groups;
pub mod graph_roles;
pub mod http;
pub mod json;
pub mod mim_pam;
pub mod portal_api;

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

/// One PIM service. Implementations are cheap to clone handles around an HTTP client.
#[async_trait(?Send)]
pub trait RequestSource {
    fn kind(&self) -> SourceKind;

    /// Requests waiting for the signed-in approver, every page.
    async fn pending(&self) -> Result<Vec<ApprovalRequest>, SourceError>;

    /// One request by its id, whatever its status (deep links). `Ok(None)` = the service does not know it.
    async fn find(&self, id: &str) -> Result<Option<ApprovalRequest>, SourceError>;

    /// The approval behind a request: its stages, who reviewed, and which stage is mine to decide.
    async fn approval(&self, request: &ApprovalRequest) -> Result<Approval, SourceError>;

    /// Writes one decision. `approval` is the one read when the page opened, so this is one call.
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
    async fn my_requests(&self) -> Result<Vec<ApprovalRequest>, SourceError>;

    /// Whether [`RequestSource::cancel`] is available for this service.
    fn can_cancel(&self) -> bool {
        true
    }

    /// Withdraws one of the user's own pending requests.
    async fn cancel(&self, request: &ApprovalRequest) -> Result<(), SourceError>;

    /// Requests the user is an approver of that are no longer pending, each with its deciding review
    /// when the service says who decided.
    async fn history(&self, range: &DateRange) -> Result<Vec<ApprovalRequest>, SourceError>;

    /// A plain sentence on what this service keeps as history, shown on the history pages.
    fn history_note(&self) -> &'static str;

    // MERGE: the sources branch replaces these adapters with the real trait methods
    // (`pending(on_page)`, `my_requests -> Listing`, `history -> Listing`, `read_back`).
    async fn pending_pages(
        &self,
        on_page: &mut dyn FnMut(Listing<ApprovalRequest>),
    ) -> Result<(), SourceError> {
        let items = self.pending().await?;
        on_page(Listing {
            items,
            unreadable: Vec::new(),
        });
        Ok(())
    }

    async fn my_requests_listing(&self) -> Result<Listing<ApprovalRequest>, SourceError> {
        Ok(Listing {
            items: self.my_requests().await?,
            unreadable: Vec::new(),
        })
    }

    async fn history_listing(
        &self,
        range: &DateRange,
    ) -> Result<Listing<ApprovalRequest>, SourceError> {
        Ok(Listing {
            items: self.history(range).await?,
            unreadable: Vec::new(),
        })
    }

    async fn read_back(&self, request: &ApprovalRequest) -> Result<Approval, SourceError> {
        self.approval(request).await
    }
}

/// What a list read returned: every item that could be read, and a note for each one that could not.
#[derive(Clone, Debug, PartialEq)]
pub struct Listing<T> {
    pub items: Vec<T>,
    pub unreadable: Vec<Unreadable>,
}

/// One list item that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreadable {
    pub source: SourceKind,
    /// Field path from the response root, e.g. `value[3].properties.scheduleInfo`.
    pub at: String,
    pub problem: String,
}

/// The stage of `approval` the signed-in approver may decide, or the refusal to show.
pub fn stage_to_decide(
    approval: &Approval,
    source: SourceKind,
) -> Result<&crate::domain::Stage, SourceError> {
    approval.decidable_stage().ok_or_else(|| {
        SourceError::new(source, ErrorKind::Forbidden)
            .with_detail("no open approval stage is assigned to you")
    })
}

/// Reads a JSON fixture from `tests/fixtures/` (the services' documented examples).
#[cfg(test)]
pub fn fixture(name: &str) -> serde_json::Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture exists"))
        .expect("fixture is JSON")
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
    let mut out: Vec<Rc<dyn RequestSource>> = Vec::new();
    for kind in SourceKind::ALL.into_iter().filter(|k| config.is_on(*k)) {
        let source: Rc<dyn RequestSource> = match kind {
            SourceKind::EntraRoles => Rc::new(graph_roles::source(
                http::Http::new(kind, config.graph_base_url.clone(), bearer(Resource::Graph)),
                me.clone(),
            )),
            SourceKind::Groups => Rc::new(graph_groups::source(
                http::Http::new(kind, config.graph_base_url.clone(), bearer(Resource::Graph)),
                me.clone(),
            )),
            SourceKind::AzureResources => Rc::new(arm::ArmSource::new(
                http::Http::new(kind, config.arm_base_url.clone(), bearer(Resource::Arm)),
                me.clone(),
            )),
            SourceKind::MimPam => {
                let Some(base) = config.mim_pam_base_url.clone() else {
                    continue;
                };
                Rc::new(mim_pam::MimPamSource::new(http::Http::new(
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
                    http::Http::new(kind, base, credentials),
                    me.clone(),
                ))
            }
        };
        out.push(source);
    }
    out
}
