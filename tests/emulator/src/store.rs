//! The one in-memory request store and the PIM rules. Every service (Graph, ARM, MIM PAM, portal) is a
//! view of these requests, so a decision made through any route shows in every view.
//!
//! Rules: a pending request expires 24 h after creation (emulator clock); the first decision wins; a
//! requester never approves their own request; service principals never approve; extend/renew requests
//! cannot be decided through an API; a justification is required when the request's policy says so.

use crate::clock::{add_clamped, clamped_minutes};
use crate::context_state::ContextState;
use crate::ids::{derived_guid, guid_or_derived};
use crate::scenario::{Action, Scenario, ScenarioRequest, ScenarioState, Source, Ticket, User};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// How long a request waits for a decision before it expires (not configurable in PIM).
pub const APPROVAL_WINDOW_HOURS: i64 = 24;

fn approval_window() -> Duration {
    Duration::hours(APPROVAL_WINDOW_HOURS)
}

/// The stored lifecycle state. `Pending` past its window reads as `Expired` (see [`Request::status_at`]).
/// Serialized lowercase, as [`Status::as_str`] writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pending,
    Approved,
    Denied,
    Canceled,
    Expired,
}

impl Status {
    /// The request's `status` as Graph and ARM write it. Graph documents no value for the 24 h
    /// timeout; the emulator borrows ARM's `TimedOut` for both.
    pub fn service_value(self) -> &'static str {
        match self {
            Status::Pending => "PendingApproval",
            Status::Approved => "Provisioned",
            Status::Denied => "Denied",
            Status::Canceled => "Canceled",
            Status::Expired => "TimedOut",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Approved => "approved",
            Status::Denied => "denied",
            Status::Canceled => "canceled",
            Status::Expired => "expired",
        }
    }
}

/// An approver's verdict, serialized as the state it leads to (`approved` / `denied`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    #[serde(rename = "approved")]
    Approve,
    #[serde(rename = "denied")]
    Deny,
}

impl Outcome {
    /// The write values Graph and ARM accept, exact case: `Approve` / `Deny`.
    pub fn parse_review_result(text: &str) -> Option<Outcome> {
        match text {
            "Approve" => Some(Outcome::Approve),
            "Deny" => Some(Outcome::Deny),
            _ => None,
        }
    }

    /// The `{ reviewResult, justification }` of a decision body (Graph, or ARM's `properties`):
    /// `None` when `reviewResult` is not exactly `Approve` or `Deny`.
    pub fn from_review_body(fields: &serde_json::Value) -> Option<(Outcome, &str)> {
        let outcome = fields["reviewResult"]
            .as_str()
            .and_then(Outcome::parse_review_result)?;
        Some((
            outcome,
            fields["justification"].as_str().unwrap_or_default(),
        ))
    }
}

#[derive(Clone, Debug)]
pub struct Decision {
    pub by: String,
    pub outcome: Outcome,
    pub at: DateTime<Utc>,
    pub justification: String,
}

/// One access request as the store keeps it, independent of any service's shape.
#[derive(Clone, Debug)]
pub struct Request {
    pub id: String,
    pub source: Source,
    pub principal: String,
    pub approvers: Vec<String>,
    pub role: Option<String>,
    pub group: Option<String>,
    pub access_id: String,
    pub scope: String,
    pub action: Action,
    pub created: DateTime<Utc>,
    pub start: Option<DateTime<Utc>>,
    pub duration: String,
    /// MIM PAM `RequestedTTL` as the scenario gives it, served verbatim.
    pub requested_ttl: Option<String>,
    pub justification: String,
    pub ticket: Option<Ticket>,
    pub justification_required: bool,
    pub stage_display_name: Option<String>,
    status: Status,
    pub decision: Option<Decision>,
    closed_at: Option<DateTime<Utc>>,
}

impl Request {
    fn from_scenario(source: &ScenarioRequest, now: DateTime<Utc>) -> Request {
        let created = add_clamped(now, -clamped_minutes(source.created_minutes_ago));
        let minutes_after = |m: i64| add_clamped(created, clamped_minutes(m));
        let status = match source.state {
            ScenarioState::Pending => Status::Pending,
            ScenarioState::Approved => Status::Approved,
            ScenarioState::Denied => Status::Denied,
            ScenarioState::Canceled => Status::Canceled,
            ScenarioState::Expired => Status::Expired,
        };
        let decision = source
            .decision
            .as_ref()
            .filter(|_| matches!(status, Status::Approved | Status::Denied))
            .map(|d| Decision {
                by: d.by.clone(),
                outcome: if status == Status::Approved {
                    Outcome::Approve
                } else {
                    Outcome::Deny
                },
                at: minutes_after(d.minutes_after_creation),
                justification: d.justification.clone(),
            });
        let closed_at = match status {
            Status::Canceled => Some(minutes_after(
                source
                    .decision
                    .as_ref()
                    .map_or(10, |d| d.minutes_after_creation),
            )),
            Status::Expired => Some(add_clamped(created, approval_window())),
            _ => None,
        };
        let mut start = source.start_minutes_from_creation.map(minutes_after);
        if status == Status::Approved && start.is_none() {
            start = decision.as_ref().map(|d| d.at);
        }
        Request {
            id: source.id.clone(),
            source: source.source,
            principal: source.principal.clone(),
            approvers: source.approvers.clone(),
            role: source.role.clone(),
            group: source.group.clone(),
            access_id: source.access_id.clone().unwrap_or_else(|| "member".into()),
            scope: source.scope.clone().unwrap_or_else(|| "/".into()),
            action: source.action,
            created,
            start,
            duration: source.duration.clone(),
            requested_ttl: source.requested_ttl.clone(),
            justification: source.justification.clone(),
            ticket: source.ticket.clone(),
            justification_required: source.justification_required,
            stage_display_name: source.stage_display_name.clone(),
            status,
            decision,
            closed_at,
        }
    }

    /// When the request expires if nobody decides.
    pub fn expires_at(&self) -> DateTime<Utc> {
        add_clamped(self.created, approval_window())
    }

    /// The state as of `now`: a pending request past its window is expired.
    pub fn status_at(&self, now: DateTime<Utc>) -> Status {
        if self.status == Status::Pending && now >= self.expires_at() {
            Status::Expired
        } else {
            self.status
        }
    }

    pub fn is_pending_at(&self, now: DateTime<Utc>) -> bool {
        self.status_at(now) == Status::Pending
    }

    /// When the request left `Pending` (decision, cancel or expiry), `None` while pending.
    pub fn completed_at(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self.status_at(now) {
            Status::Pending => None,
            Status::Approved | Status::Denied => self.decision.as_ref().map(|d| d.at),
            Status::Canceled => self.closed_at,
            Status::Expired => Some(self.closed_at.unwrap_or_else(|| self.expires_at())),
        }
    }

    pub fn has_approver(&self, user_id: &str) -> bool {
        self.approvers.iter().any(|a| a == user_id)
    }

    /// Whether `caller` may review this request at all (`assignedToMe`): listed as an approver, not the
    /// requester, not a service principal.
    pub fn is_assigned_to(&self, caller: &Caller) -> bool {
        self.has_approver(&caller.user.id)
            && self.principal != caller.user.id
            && !caller.is_service_principal()
    }

    /// The single approval step/stage id (Graph steps, Graph group stages, ARM stage id).
    pub fn step_id(&self) -> String {
        derived_guid(&self.id, "stage")
    }

    /// ARM stage `name`, deliberately not the last segment of the stage `id` (documented quirk).
    pub fn arm_stage_name(&self) -> String {
        derived_guid(&self.id, "arm-stage-name")
    }

    /// ARM approval GUID (differs from the request name, as in real tenants).
    pub fn arm_approval_id(&self) -> String {
        derived_guid(&self.id, "arm-approval")
    }

    /// MIM PAM `FIMRequestID`.
    pub fn pam_request_id(&self) -> String {
        guid_or_derived(&self.id, "pam-request")
    }

    /// MIM PAM `ApprovalObjectID`.
    pub fn pam_approval_id(&self) -> String {
        derived_guid(&self.id, "pam-approval")
    }
}

/// Who is calling: the scenario user plus whether the token is an app-only one (`idtyp: "app"`).
#[derive(Clone, Debug)]
pub struct Caller {
    pub user: User,
    pub is_app_token: bool,
}

impl Caller {
    pub fn id(&self) -> &str {
        &self.user.id
    }

    pub fn is_service_principal(&self) -> bool {
        self.is_app_token || self.user.is_service_principal()
    }
}

/// Why a decision was refused. Each service maps these to its own status and error body.
#[derive(Clone, Debug)]
pub enum DecisionError {
    NotFound,
    ServicePrincipal,
    SelfApproval,
    NotAnApprover,
    NotDecidable,
    AlreadyDecided(Decision),
    Canceled,
    Expired,
    JustificationRequired,
}

/// Why a cancel was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CancelError {
    UnknownRequest,
    NotTheRequester,
    AlreadyClosed,
}

/// The requests of the tenant plus its catalog (users, roles, scopes, groups).
#[derive(Debug)]
pub struct Store {
    scenario: Scenario,
    requests: Vec<Request>,
    /// Decision-context state (load time, consent overrides, throttle window).
    context: ContextState,
}

impl Store {
    /// Build the store from a scenario, turning relative times into absolute ones at `now`.
    pub fn from_scenario(scenario: Scenario, now: DateTime<Utc>) -> Store {
        let requests = scenario
            .requests
            .iter()
            .map(|r| Request::from_scenario(r, now))
            .collect();
        Store {
            scenario,
            requests,
            context: ContextState::new(now),
        }
    }

    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    pub fn context(&self) -> &ContextState {
        &self.context
    }

    pub fn context_mut(&mut self) -> &mut ContextState {
        &mut self.context
    }

    pub fn display_name(&self, user_id: &str) -> String {
        self.scenario
            .user(user_id)
            .map_or_else(|| user_id.to_string(), |u| u.display_name.clone())
    }

    /// Every request of every source, in scenario order.
    pub fn all_requests(&self) -> &[Request] {
        &self.requests
    }

    pub fn requests(&self, source: Source) -> impl Iterator<Item = &Request> {
        self.requests.iter().filter(move |r| r.source == source)
    }

    /// The request of `source` whose `key(request)` equals `value` (ids are case-insensitive GUIDs).
    pub fn find_by(
        &self,
        source: Source,
        value: &str,
        key: impl Fn(&Request) -> String,
    ) -> Option<&Request> {
        self.requests(source)
            .find(|r| key(r).eq_ignore_ascii_case(value))
    }

    pub fn find(&self, source: Source, id: &str) -> Option<&Request> {
        self.find_by(source, id, |r| r.id.clone())
    }

    fn index_of(&self, source: Source, id: &str) -> Option<usize> {
        self.requests
            .iter()
            .position(|r| r.source == source && r.id.eq_ignore_ascii_case(id))
    }

    /// Apply an approver's decision if every rule allows it. `justification` is `None` for surfaces
    /// that have no justification field (MIM PAM), where the requirement cannot apply.
    pub fn decide(
        &mut self,
        source: Source,
        id: &str,
        caller: &Caller,
        outcome: Outcome,
        justification: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<&Request, DecisionError> {
        let index = self.index_of(source, id).ok_or(DecisionError::NotFound)?;
        check_decision_allowed(&self.requests[index], caller, justification, now)?;
        let request = &mut self.requests[index];
        request.status = match outcome {
            Outcome::Approve => Status::Approved,
            Outcome::Deny => Status::Denied,
        };
        if outcome == Outcome::Approve && request.start.is_none() {
            request.start = Some(now);
        }
        request.decision = Some(Decision {
            by: caller.user.id.clone(),
            outcome,
            at: now,
            justification: justification.unwrap_or_default().to_string(),
        });
        Ok(&self.requests[index])
    }

    /// Cancel a pending request; only its requester may.
    pub fn cancel(
        &mut self,
        source: Source,
        id: &str,
        caller: &Caller,
        now: DateTime<Utc>,
    ) -> Result<&Request, CancelError> {
        let index = self
            .index_of(source, id)
            .ok_or(CancelError::UnknownRequest)?;
        let request = &mut self.requests[index];
        if request.principal != caller.user.id {
            return Err(CancelError::NotTheRequester);
        }
        if !request.is_pending_at(now) {
            return Err(CancelError::AlreadyClosed);
        }
        request.status = Status::Canceled;
        request.closed_at = Some(now);
        Ok(&self.requests[index])
    }
}

fn check_decision_allowed(
    request: &Request,
    caller: &Caller,
    justification: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), DecisionError> {
    if caller.is_service_principal() {
        return Err(DecisionError::ServicePrincipal);
    }
    if request.principal == caller.user.id {
        return Err(DecisionError::SelfApproval);
    }
    if !request.has_approver(&caller.user.id) {
        return Err(DecisionError::NotAnApprover);
    }
    if request.action != Action::SelfActivate {
        return Err(DecisionError::NotDecidable);
    }
    match request.status_at(now) {
        Status::Pending => {}
        Status::Approved | Status::Denied => {
            let decision = request
                .decision
                .clone()
                .expect("decided request has a decision");
            return Err(DecisionError::AlreadyDecided(decision));
        }
        Status::Canceled => return Err(DecisionError::Canceled),
        Status::Expired => return Err(DecisionError::Expired),
    }
    let blank = justification.is_some_and(|j| j.trim().is_empty());
    if request.justification_required && blank {
        return Err(DecisionError::JustificationRequired);
    }
    Ok(())
}
