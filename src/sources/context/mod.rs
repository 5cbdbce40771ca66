//! The decision context of a request (issue 9, `pim-policy-and-context-apis.md`): the role's PIM policy,
//! the requester's record for the role, and the requester's account. The three panels are read
//! independently and at once: each panel's Graph reads (A/B; D1–D6; F1–F2) go out in one
//! `/v1.0/$batch`, each item with its own status, with a token carrying that panel's optional
//! permissions (`context_gap::permissions`, asked silently, never at sign-in); ARM reads (C, E1–E3) as
//! parallel fetches. A tenant that has not consented to a panel's permissions gets that panel's
//! "not consented" and no reads. Each panel's result stands alone: a 403 becomes "not visible" with the reason (missing
//! consent told apart from a missing role), a 5xx or 429 a retryable failure. Policies are cached per
//! role and scope, accounts per requester, for the session (this tab).
//!
//! MIM PAM and the portal API have no such APIs: every panel is [`ContextGap::NoApi`]. The portal API
//! contract may later add an optional `context` object to a request; it would be read by
//! `portal_api` into the request and answered from the readers' `NoApi` branches.

mod cache;
mod gaps;
mod graph_urls;
mod policy;
mod record;
mod user;

use super::arm::{self, ArmSource};
use super::graph::{self, GraphFlavor, GraphSource};
use super::http::{Credentials, Http};
use super::{graph_groups, graph_roles, ErrorKind, Me, SourceError};
use crate::auth::{Resource, TokenSource};
use crate::config::AppConfig;
use crate::domain::context_gap::{permissions, ContextGap, Panel, SIGN_IN_ACTIVITY_PERMISSIONS};
use crate::domain::requester_facts::{Manager, RequesterFacts, SignInActivity};
use crate::domain::requester_record::RequesterRecord;
use crate::domain::role_policy::{PolicyKey, RolePolicy};
use crate::domain::{ApprovalRequest, RequestStatus, SourceKind};
pub use cache::{cached_policy, cached_requester};
use chrono::{DateTime, Utc};
use gaps::{gap, sign_in_refusal};
use graph_urls::graph_url;
use policy::PolicyRead;
use serde_json::{json, Value};
use std::rc::Rc;

const ARM_API: &str = "2020-10-01";
const AUTHZ: &str = "/providers/Microsoft.Authorization";

/// One panel's data, or why there is none.
pub type PanelResult<T> = Result<T, ContextGap>;

/// Reads the decision context with the signed-in user's tokens.
#[derive(Clone)]
pub struct ContextReader {
    graph_base: String,
    arm_base: String,
    tokens: Rc<dyn TokenSource>,
    timeout_ms: u32,
    me: Me,
}

/// One Graph read of a panel's batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Slot {
    Policy,
    Requests,
    Active,
    Eligible,
    User,
    Manager,
}

/// The Graph answers of one batch: each slot's body or error.
type Answers = Vec<(Slot, Result<Value, SourceError>)>;

impl ContextReader {
    pub fn new(config: &AppConfig, tokens: Rc<dyn TokenSource>, me: Me) -> Self {
        ContextReader {
            graph_base: config.graph_base_url.clone(),
            arm_base: config.arm_base_url.clone(),
            tokens,
            timeout_ms: config.request_timeout_ms,
            me,
        }
    }

    fn arm_http(&self) -> Http {
        self.http(SourceKind::AzureResources, Resource::Arm)
    }

    /// Graph with `resource`'s token, under `source`'s label (an Azure request's requester is read
    /// from Graph too, under the Entra label).
    fn graph_http(&self, source: SourceKind, resource: Resource) -> Http {
        let kind = match source {
            SourceKind::AzureResources => SourceKind::EntraRoles,
            other => other,
        };
        self.http(kind, resource)
    }

    fn http(&self, kind: SourceKind, resource: Resource) -> Http {
        let base = match resource {
            Resource::Arm => self.arm_base.clone(),
            _ => self.graph_base.clone(),
        };
        let credentials = Credentials::Bearer {
            tokens: self.tokens.clone(),
            resource,
        };
        Http::new(kind, base, credentials, self.timeout_ms)
    }

    /// The Graph token for `panel`'s reads: its optional permissions (never asked at sign-in), asked
    /// for silently. A tenant that has not consented to them refuses (once a session): the panel says
    /// so and reads nothing.
    async fn graph_for(&self, panel: Panel, source: SourceKind) -> PanelResult<Http> {
        let extra = permissions(panel, source);
        let resource = match extra {
            [] => Resource::Graph,
            extra => Resource::GraphContext(extra),
        };
        match self.tokens.access_token(&resource, false).await {
            Ok(_) => Ok(self.graph_http(source, resource)),
            Err(e) if e.consent_missing => Err(ContextGap::NoConsent {
                scopes: Some(extra.join(" and ")),
            }),
            Err(e) => Err(ContextGap::Failed {
                message: e.message,
                retryable: !e.needs_interactive,
            }),
        }
    }

    /// The role's policy: from this session's cache, else read (the panels start together, each on
    /// its own; none waits for another or for the approval).
    pub async fn policy(&self, request: &ApprovalRequest) -> PanelResult<RolePolicy> {
        let source = request.key.source;
        if !has_context_api(source) {
            return Err(ContextGap::NoApi);
        }
        if let Some(policy) = PolicyKey::of(request).and_then(|k| cached_policy(&k)) {
            return Ok(policy);
        }
        if source == SourceKind::AzureResources {
            return self.arm_policy(request).await;
        }
        let http = self.graph_for(Panel::Policy, source).await?;
        let answers = self.graph_batch(&http, request, &[Slot::Policy]).await;
        self.graph_policy_from(request, take(&answers, Slot::Policy))
            .await
    }

    /// The requester's record for the role.
    pub async fn record(
        &self,
        request: &ApprovalRequest,
        now: DateTime<Utc>,
    ) -> PanelResult<RequesterRecord> {
        match request.key.source {
            SourceKind::AzureResources => self.arm_record(request, now).await,
            source if has_context_api(source) => {
                let http = self.graph_for(Panel::Record, source).await?;
                let slots = [Slot::Requests, Slot::Active, Slot::Eligible];
                let answers = self.graph_batch(&http, request, &slots).await;
                self.graph_record_from(http, request, &answers, now).await
            }
            _ => Err(ContextGap::NoApi),
        }
    }

    /// Who the requester is: from this session's cache, else the account and manager in one batch.
    pub async fn requester(&self, request: &ApprovalRequest) -> PanelResult<RequesterFacts> {
        let source = request.key.source;
        if !has_context_api(source) {
            return Err(ContextGap::NoApi);
        }
        let id = requester_id(request).ok_or_else(no_requester)?;
        if let Some(user) = cached_requester(&id) {
            return Ok(user);
        }
        let http = self.graph_for(Panel::Requester, source).await?;
        let answers = self
            .graph_batch(&http, request, &[Slot::User, Slot::Manager])
            .await;
        self.requester_from(request, &answers).await
    }

    /// F3, only on an explicit click: a separate read, never part of the account read.
    pub async fn sign_in_activity(&self, user_id: &str) -> Result<SignInActivity, String> {
        let resource = Resource::GraphContext(SIGN_IN_ACTIVITY_PERMISSIONS);
        if let Err(e) = self.tokens.access_token(&resource, false).await {
            if !e.consent_missing {
                return Err(e.message);
            }
            let gap = ContextGap::NoConsent {
                scopes: Some(SIGN_IN_ACTIVITY_PERMISSIONS.join(" and ")),
            };
            return Err(gap.explain(Panel::Requester, SourceKind::EntraRoles, ""));
        }
        let http = self.graph_http(SourceKind::EntraRoles, resource);
        let url = http.url(&format!(
            "/v1.0/users/{}?$select=signInActivity",
            super::wire::encode(user_id)
        ));
        match http.get_json(&url).await {
            Ok(body) => Ok(user::read_sign_in(&body)),
            Err(e) => Err(sign_in_refusal(&e)),
        }
    }

    /// The Graph reads of `slots` in one `$batch`; a failed item that may succeed later is read again
    /// on its own (the policy then without `$expand=rules`, reference §1).
    async fn graph_batch(&self, http: &Http, request: &ApprovalRequest, slots: &[Slot]) -> Answers {
        if slots.is_empty() {
            return Vec::new();
        }
        let urls: Vec<String> = slots
            .iter()
            .map(|slot| graph_url(request, *slot, true))
            .collect();
        let requests: Vec<Value> = urls
            .iter()
            .enumerate()
            .map(|(i, url)| json!({ "id": i.to_string(), "method": "GET", "url": url }))
            .collect();
        let reply = http
            .post_read(&http.url("/v1.0/$batch"), &json!({ "requests": requests }))
            .await;
        let mut answers: Vec<Option<Result<Value, SourceError>>> = vec![None; slots.len()];
        match reply.and_then(|r| graph::batch_items(&r, slots.len(), http.source())) {
            Ok(items) => {
                for (index, result) in items {
                    answers[index] = Some(result);
                }
            }
            Err(e) => answers.iter_mut().for_each(|a| *a = Some(Err(e.clone()))),
        }
        let retries = slots.iter().zip(answers).map(|(slot, answer)| async move {
            let answer = answer.unwrap_or_else(|| {
                Err(SourceError::malformed(
                    http.source(),
                    "the $batch answer left this read out",
                ))
            });
            let answer = match answer {
                Err(e) if graph::retry_delay_ms(&e).is_some() => {
                    let delay = graph::retry_delay_ms(&e).unwrap_or(0);
                    super::http::sleep_ms(delay).await;
                    let with_rules = !(*slot == Slot::Policy && e.kind == ErrorKind::Unavailable);
                    let url = http.url(&format!("/v1.0{}", graph_url(request, *slot, with_rules)));
                    http.get_json(&url).await
                }
                other => other,
            };
            (*slot, answer)
        });
        futures::future::join_all(retries).await
    }

    async fn graph_policy_from(
        &self,
        request: &ApprovalRequest,
        answer: Option<Result<Value, SourceError>>,
    ) -> PanelResult<RolePolicy> {
        let body = answer
            .unwrap_or_else(|| Err(SourceError::malformed(request.key.source, "not read")))
            .map_err(|e| gap(Panel::Policy, &e))?;
        let key = PolicyKey::of(request).ok_or_else(no_role)?;
        let read = policy::read_graph(&body, &key.role);
        settle_policy(key, read)
    }

    async fn arm_policy(&self, request: &ApprovalRequest) -> PanelResult<RolePolicy> {
        let key = PolicyKey::of(request).ok_or_else(no_role)?;
        let http = self.arm_http();
        let role = request.role.id.clone().unwrap_or_default();
        let url = format!(
            "{}{AUTHZ}/roleManagementPolicyAssignments?api-version={ARM_API}&$filter=roleDefinitionId%20eq%20'{}'",
            http.url(scope_path(&request.scope.id)),
            role
        );
        let body = http
            .get_json(&url)
            .await
            .map_err(|e| gap(Panel::Policy, &e))?;
        let read = policy::read_arm(&body, &key.role, &request.scope.id);
        settle_policy(key, read)
    }

    async fn graph_record_from(
        &self,
        http: Http,
        request: &ApprovalRequest,
        answers: &Answers,
        now: DateTime<Utc>,
    ) -> PanelResult<RequesterRecord> {
        let mut lists = Vec::new();
        for slot in [Slot::Requests, Slot::Active, Slot::Eligible] {
            let body = take(answers, slot)
                .unwrap_or_else(|| Err(SourceError::malformed(http.source(), "not read")))
                .map_err(|e| gap(Panel::Record, &e))?;
            lists.push(
                all_pages(&http, body)
                    .await
                    .map_err(|e| gap(Panel::Record, &e))?,
            );
        }
        let eligible = lists.pop().unwrap_or_default();
        let active = lists.pop().unwrap_or_default();
        let requests = lists.pop().unwrap_or_default();
        let source = GraphSource::new(http, self.me.clone(), flavor(request.key.source));
        let listing = source.read_page(&requests);
        let listing = source.with_reviews(listing, is_decided).await;
        Ok(record_of(request, listing, &active, &eligible, now))
    }

    async fn arm_record(
        &self,
        request: &ApprovalRequest,
        now: DateTime<Utc>,
    ) -> PanelResult<RequesterRecord> {
        let requester = requester_id(request).ok_or_else(no_requester)?;
        let http = self.arm_http();
        let scope = http.url(scope_path(&request.scope.id));
        let list = |collection: &str, filter: String| {
            format!("{scope}{AUTHZ}/{collection}?api-version={ARM_API}&$filter={filter}")
        };
        let requests_url = list(
            "roleAssignmentScheduleRequests",
            format!("principalId%20eq%20'{requester}'"),
        );
        let active_url = list(
            "roleAssignmentScheduleInstances",
            format!("assignedTo('{requester}')"),
        );
        let eligible_url = list(
            "roleEligibilityScheduleInstances",
            format!("assignedTo('{requester}')"),
        );
        let (requests, active, eligible) = futures::join!(
            http.get_all(&requests_url),
            http.get_all(&active_url),
            http.get_all(&eligible_url)
        );
        let fail = |e: SourceError| gap(Panel::Record, &e);
        let (requests, active, eligible) = (
            requests.map_err(fail)?,
            active.map_err(fail)?,
            eligible.map_err(fail)?,
        );
        let listing = ArmSource::read_page(&requests);
        let source = ArmSource::new(http, self.me.clone());
        // Who decided: the approvals the signed-in approver can see (one list, never one per request).
        let listing = match source.approvals("asApprover()", |_| true).await {
            Ok(approvals) => arm::with_reviews(listing, approvals),
            Err(_) => listing,
        };
        Ok(record_of(request, listing, &active, &eligible, now))
    }

    async fn requester_from(
        &self,
        request: &ApprovalRequest,
        answers: &Answers,
    ) -> PanelResult<RequesterFacts> {
        let id = requester_id(request).ok_or_else(no_requester)?;
        let body = match take(answers, Slot::User) {
            Some(Ok(body)) => body,
            Some(Err(e)) if e.kind == ErrorKind::NotFound => {
                return Err(ContextGap::Missing(
                    "The requester is not a user account in this directory (a service principal, or an account since removed).".into(),
                ))
            }
            Some(Err(e)) => return Err(gap(Panel::Requester, &e)),
            None => return Err(ContextGap::Missing("The account was not read.".into())),
        };
        let manager = match take(answers, Slot::Manager) {
            Some(Ok(body)) => user::read_manager(&body),
            Some(Err(e)) if e.kind == ErrorKind::NotFound => Manager::NoneRecorded,
            Some(Err(e)) => Manager::Unreadable(gap(Panel::Requester, &e).explain(
                Panel::Requester,
                request.key.source,
                "",
            )),
            None => Manager::Unreadable("not read".into()),
        };
        let facts = user::read_user(&body, manager);
        cache::keep_requester(&id, &facts);
        Ok(facts)
    }
}

/// Whether the service has policy, record and account APIs (Graph and ARM do; MIM PAM and the
/// portal do not).
pub fn has_context_api(source: SourceKind) -> bool {
    matches!(
        source,
        SourceKind::EntraRoles | SourceKind::Groups | SourceKind::AzureResources
    )
}

fn flavor(source: SourceKind) -> &'static GraphFlavor {
    match source {
        SourceKind::Groups => &graph_groups::FLAVOR,
        _ => &graph_roles::FLAVOR,
    }
}

fn is_decided(request: &ApprovalRequest) -> bool {
    matches!(
        request.status,
        RequestStatus::Approved | RequestStatus::Denied
    )
}

pub(super) fn requester_id(request: &ApprovalRequest) -> Option<String> {
    request
        .requester
        .id
        .clone()
        .filter(|id| !id.trim().is_empty())
}

/// The record from the requester's requests (with reviews where read) and schedule instances.
fn record_of(
    request: &ApprovalRequest,
    listing: super::Listing<ApprovalRequest>,
    active: &[Value],
    eligible: &[Value],
    now: DateTime<Utc>,
) -> RequesterRecord {
    RequesterRecord::new(
        record::past_requests(request, listing.items),
        record::holdings(request, active),
        record::holdings(request, eligible),
        &request.key.id,
        now,
    )
}

fn no_requester() -> ContextGap {
    ContextGap::Missing("The request does not say who the requester is.".into())
}

fn no_role() -> ContextGap {
    ContextGap::Missing("The request does not say which role it is for.".into())
}

/// An ARM scope as a path (`/subscriptions/…`, no trailing slash; `/` = the tenant root).
fn scope_path(scope: &str) -> &str {
    scope.trim_end_matches('/')
}

/// The rules read become the panel's policy (and are cached); a policy without rules is "role settings
/// unreadable" (Graph's reported 500 on `$expand=rules`), to retry later.
fn settle_policy(key: PolicyKey, read: PolicyRead) -> PanelResult<RolePolicy> {
    match read {
        PolicyRead::Rules(policy) => {
            cache::keep_policy(key, &policy);
            Ok(policy)
        }
        PolicyRead::WithoutRules => Err(ContextGap::Failed {
            message: "PIM found this role's settings but could not return its rules (a known Graph failure): the role settings are unreadable for now.".into(),
            retryable: true,
        }),
        PolicyRead::NoPolicy => Err(ContextGap::Missing(
            "PIM returned no policy for this role at this scope.".into(),
        )),
    }
}

fn take(answers: &Answers, slot: Slot) -> Option<Result<Value, SourceError>> {
    answers
        .iter()
        .find(|(s, _)| *s == slot)
        .map(|(_, a)| a.clone())
}

/// The items of a list answer, with its further pages (only ever from the same service).
async fn all_pages(http: &Http, body: Value) -> Result<Vec<Value>, SourceError> {
    let mut items = body["value"].as_array().cloned().unwrap_or_default();
    let next = body
        .get("@odata.nextLink")
        .or_else(|| body.get("nextLink"))
        .and_then(Value::as_str);
    if let Some(link) = next {
        items.extend(http.get_all(&http.same_service(link)?).await?);
    }
    Ok(items)
}
