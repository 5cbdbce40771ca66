//! The one decision pipeline. Every Approve or Deny, from the detail page ([`Decisions::decide`]) or
//! in bulk ([`Decisions::decide_many`]), goes through it, each item alike:
//!
//! - **In flight is global**: the state of each request's decision lives here, keyed by request, not in
//!   a page. Every view of the request reads it, so leaving the page and coming back never re-enables
//!   the buttons mid-write, and a second decision for a request in flight is refused synchronously.
//! - **One write, never resent**: the source sends it once (a 401 gets one fresh token and one resend,
//!   inside the source, because a 401 proves nothing was processed).
//! - **Uncertain outcomes are read back**: after a 409, a 5xx, a timeout or a dropped connection the
//!   approval is read again and what it holds decides ([`crate::domain::outcome::after_read_back`]).
//! - **Confirmed means confirmed**: only a 2xx or a read-back showing the user's own decision; then the
//!   request leaves the queue for good, the draft is deleted, and readers of history refetch (they
//!   track [`Decisions::version`]).
//!
//! - **A batch is many single decisions**: each item is in flight on its own and settled exactly as
//!   one would be; only the transport is shared (one `decide_many` per source: Graph `$batch`, four at
//!   a time elsewhere), and so are the read-backs of a batch's uncertain items.
//!
//! Writes run as local Leptos `Action`s.

use super::drafts::Drafts;
use super::queue::QueueStore;
use super::{Announcer, Services};
use crate::domain::outcome::{after_read_back, Confirmation, Outcome};
use crate::domain::{Approval, ApprovalRequest, Decision, Person, RequestKey};
use crate::sources::SourceError;
use chrono::Utc;
use leptos::prelude::*;
use std::collections::HashMap;

/// One decision to send: the request, its approval as read when the page opened, and the text.
#[derive(Clone, Debug, PartialEq)]
pub struct DecisionInput {
    pub request: ApprovalRequest,
    pub approval: Approval,
    pub decision: Decision,
    pub justification: String,
}

impl DecisionInput {
    /// "Global Administrator for Alex Wilber".
    pub fn subject(&self) -> String {
        format!(
            "{} for {}",
            self.request.role.name,
            self.request.requester.name()
        )
    }
}

/// Where a request's decision stands.
#[derive(Clone, Debug, PartialEq)]
pub enum DecisionState {
    /// The write is on its way.
    Sending(DecisionInput),
    /// The write's answer left the outcome open; reading the approval back.
    Checking(DecisionInput),
    Settled(Box<Settled>),
}

impl DecisionState {
    pub fn in_flight(&self) -> bool {
        matches!(self, DecisionState::Sending(_) | DecisionState::Checking(_))
    }

    /// The sentence for the live status line while in flight.
    pub fn progress(&self) -> Option<String> {
        match self {
            DecisionState::Sending(input) => Some(format!(
                "Sending your {}…",
                input.decision.verb().to_lowercase()
            )),
            DecisionState::Checking(_) => Some(
                "The service's answer left it open whether your decision was recorded; reading it back…"
                    .into(),
            ),
            DecisionState::Settled(_) => None,
        }
    }
}

/// How a decision ended, with what is needed to show it and to check again.
#[derive(Clone, Debug, PartialEq)]
pub struct Settled {
    pub input: DecisionInput,
    pub outcome: Outcome,
    /// The failure behind any outcome other than a plain confirmation.
    pub error: Option<SourceError>,
    /// Why the read-back could not settle it (with [`Outcome::Unknown`]).
    pub read_back_error: Option<SourceError>,
}

impl Settled {
    fn confirmed(input: DecisionInput) -> Self {
        Settled {
            outcome: Outcome::Confirmed(Confirmation::Service),
            input,
            error: None,
            read_back_error: None,
        }
    }

    fn not_recorded(input: DecisionInput, error: SourceError) -> Self {
        Settled {
            outcome: Outcome::NotRecorded,
            input,
            error: Some(error),
            read_back_error: None,
        }
    }

    /// The sentence for the page and the screen reader.
    pub fn message(&self) -> String {
        let subject = self.input.subject();
        let decision = self.input.decision;
        match &self.outcome {
            Outcome::Confirmed(Confirmation::Service) => format!(
                "{}: {subject}. The service confirmed your decision.",
                decision.past_tense()
            ),
            Outcome::Confirmed(Confirmation::ReadBack) => format!(
                "{}: {subject}. The service's answer was lost on the way, but the request now shows your decision: the service confirmed your decision.",
                decision.past_tense()
            ),
            Outcome::DecidedFirst(review) => format!(
                "Your decision was not recorded: someone else decided this request first. Already {} by {}.",
                review.decision.past_tense().to_lowercase(),
                review.by.name()
            ),
            Outcome::Expired => {
                "Your decision was not recorded: the request expired before it arrived.".into()
            }
            Outcome::NotRecorded => {
                "Not recorded. Nothing was changed; you can try again.".into()
            }
            Outcome::Unknown => format!(
                "Your {} may or may not have been recorded: the service's answer was lost and reading the request back failed too. It was not sent again. Check again before you decide once more.",
                decision.verb().to_lowercase()
            ),
        }
    }
}

/// The app's decisions, keyed by request. `Copy`.
#[derive(Clone, Copy)]
pub struct Decisions {
    states: RwSignal<HashMap<RequestKey, DecisionState>>,
    /// Requests as they stand after the user's confirmed decision, for services that cannot show a
    /// decided request again (MIM PAM lists only pending ones) or still list it as pending for a moment.
    confirmed: RwSignal<HashMap<RequestKey, ApprovalRequest>>,
    send: Action<Batch, ()>,
    check_again: Action<DecisionInput, ()>,
}

/// Decisions sent together, and whether each settled one is announced on its own (a bulk run
/// announces its progress and results instead).
#[derive(Clone)]
struct Batch {
    inputs: Vec<DecisionInput>,
    announce: bool,
}

/// What the pipeline's tasks need: the services and the parts of the app a decision changes.
#[derive(Clone, Copy)]
struct Pipeline {
    services: StoredValue<Services, LocalStorage>,
    queue: QueueStore,
    drafts: Drafts,
    announcer: Announcer,
    states: RwSignal<HashMap<RequestKey, DecisionState>>,
    confirmed: RwSignal<HashMap<RequestKey, ApprovalRequest>>,
}

impl Decisions {
    pub fn new(
        services: StoredValue<Services, LocalStorage>,
        queue: QueueStore,
        drafts: Drafts,
        announcer: Announcer,
    ) -> Self {
        let states = RwSignal::new(HashMap::new());
        let confirmed = RwSignal::new(HashMap::new());
        let pipeline = Pipeline {
            services,
            queue,
            drafts,
            announcer,
            states,
            confirmed,
        };
        Decisions {
            states,
            confirmed,
            send: Action::new_local(move |batch: &Batch| pipeline.send(batch.clone())),
            check_again: Action::new_local(move |input: &DecisionInput| {
                pipeline.check_again(input.clone())
            }),
        }
    }

    /// Sends one decision unless one for the same request is in flight or already closed it (checked
    /// synchronously, so a double click or a second view can never send twice). `false` = refused.
    pub fn decide(&self, input: DecisionInput) -> bool {
        !self.start(vec![input], true).is_empty()
    }

    /// Sends many decisions as one batch, each item exactly as [`Decisions::decide`] would (an item in
    /// flight or closed already is refused). Returns the keys of the items that were sent.
    pub fn decide_many(&self, inputs: Vec<DecisionInput>) -> Vec<RequestKey> {
        self.start(inputs, false)
    }

    /// Marks the items that may be sent as sending (synchronously, so nothing is sent twice) and
    /// sends them together. The write is queued before the views hear of the change, so the request
    /// leaves before the "Sending…" state is drawn rather than after it.
    fn start(&self, inputs: Vec<DecisionInput>, announce: bool) -> Vec<RequestKey> {
        let mut accepted = Vec::new();
        self.states.update_untracked(|s| {
            for input in inputs {
                let key = input.request.key.clone();
                let busy = s.get(&key).is_some_and(|state| match state {
                    DecisionState::Settled(settled) => !settled.outcome.allows_retry(),
                    _ => true,
                });
                if !busy {
                    s.insert(key, DecisionState::Sending(input.clone()));
                    accepted.push(input);
                }
            }
        });
        let keys = accepted.iter().map(|i| i.request.key.clone()).collect();
        if !accepted.is_empty() {
            self.send.dispatch_local(Batch {
                inputs: accepted,
                announce,
            });
            self.states.notify();
        }
        keys
    }

    /// Reads an [`Outcome::Unknown`] decision back again (never resends it).
    pub fn check_again(&self, key: &RequestKey) {
        let Some(DecisionState::Settled(settled)) = self.state_untracked(key) else {
            return;
        };
        if settled.outcome != Outcome::Unknown {
            return;
        }
        let input = settled.input.clone();
        self.states.update(|s| {
            s.insert(key.clone(), DecisionState::Checking(input.clone()));
        });
        self.check_again.dispatch_local(input);
    }

    /// The state of `key`'s decision, tracked.
    pub fn state(&self, key: &RequestKey) -> Option<DecisionState> {
        self.states.with(|s| s.get(key).cloned())
    }

    /// The state of `key`'s decision, untracked.
    pub fn state_untracked(&self, key: &RequestKey) -> Option<DecisionState> {
        self.states.with_untracked(|s| s.get(key).cloned())
    }

    /// Whether a decision for `key` is being sent or checked, tracked.
    pub fn in_flight(&self, key: &RequestKey) -> bool {
        self.states
            .with(|s| s.get(key).is_some_and(DecisionState::in_flight))
    }

    /// How many decisions are in flight now, untracked (for background work that must wait).
    pub fn in_flight_now(&self) -> usize {
        self.states
            .with_untracked(|s| s.values().filter(|d| d.in_flight()).count())
    }

    /// How many decisions are in flight, tracked (the page asks before unloading while any are).
    pub fn in_flight_count(&self) -> usize {
        self.states
            .with(|s| s.values().filter(|d| d.in_flight()).count())
    }

    /// The request as it stands after the user's confirmed decision, if there was one.
    pub fn confirmed_request(&self, key: &RequestKey) -> Option<ApprovalRequest> {
        self.confirmed.with_untracked(|c| c.get(key).cloned())
    }

    /// Bumped by every decision that ended; readers of history track it to refetch.
    pub fn version(&self) -> usize {
        self.send.version().get() + self.check_again.version().get()
    }
}

impl Pipeline {
    /// Sends a batch: one `decide_many` per source and kind of write, all in parallel.
    async fn send(self, batch: Batch) {
        let mut groups: Vec<Vec<DecisionInput>> = Vec::new();
        for input in batch.inputs {
            let same_write = |group: &Vec<DecisionInput>| {
                let first = &group[0];
                first.request.key.source == input.request.key.source
                    && first.decision == input.decision
                    && first.justification == input.justification
            };
            match groups.iter_mut().find(|g| same_write(g)) {
                Some(group) => group.push(input),
                None => groups.push(vec![input]),
            }
        }
        let announce = batch.announce;
        futures::future::join_all(groups.into_iter().map(|g| self.send_group(g, announce))).await;
    }

    /// One source's share of a batch (one decision, one justification): written together, each item
    /// settled on its own; the uncertain ones are read back together.
    async fn send_group(self, inputs: Vec<DecisionInput>, announce: bool) {
        let kind = inputs[0].request.key.source;
        let Some(source) = self.services.with_value(|s| s.source(kind)) else {
            for input in inputs {
                let error = SourceError::malformed(kind, "this service is not configured");
                self.finish(Settled::not_recorded(input, error), announce);
            }
            return;
        };
        let approvals: Vec<Approval> = inputs.iter().map(|i| i.approval.clone()).collect();
        let (decision, justification) = (inputs[0].decision, inputs[0].justification.clone());
        let written = source
            .decide_many(&approvals, decision, &justification)
            .await;
        let mut uncertain = Vec::new();
        for (input, written) in inputs.into_iter().zip(written) {
            match written {
                Ok(()) => self.finish(Settled::confirmed(input), announce),
                Err(error) if !error.leaves_write_uncertain() => {
                    self.finish(Settled::not_recorded(input, error), announce)
                }
                Err(error) => {
                    self.set(&input.request.key, DecisionState::Checking(input.clone()));
                    uncertain.push((input, Some(error)));
                }
            }
        }
        for settled in self.read_back(uncertain).await {
            self.finish(settled, announce);
        }
    }

    async fn check_again(self, input: DecisionInput) {
        let error = match self
            .states
            .with_untracked(|s| s.get(&input.request.key).cloned())
        {
            Some(DecisionState::Checking(_)) | None => None,
            Some(DecisionState::Sending(_)) => return,
            Some(DecisionState::Settled(settled)) => settled.error,
        };
        for settled in self.read_back(vec![(input, error)]).await {
            self.finish(settled, true);
        }
    }

    /// Reads the approvals (of one source) as the service holds them now, all in one go, and lets
    /// each decide its item's outcome.
    async fn read_back(&self, items: Vec<(DecisionInput, Option<SourceError>)>) -> Vec<Settled> {
        let Some((first, _)) = items.first() else {
            return Vec::new();
        };
        let source = self
            .services
            .with_value(|s| s.source(first.request.key.source));
        let me = self.services.with_value(|s| s.account.object_id.clone());
        let read = match source {
            Some(source) => {
                let requests: Vec<ApprovalRequest> =
                    items.iter().map(|(i, _)| i.request.clone()).collect();
                source.read_back_many(&requests).await
            }
            None => Vec::new(),
        };
        let mut read = read.into_iter();
        items
            .into_iter()
            .map(|(input, error)| match read.next() {
                Some(Ok(approval)) => Settled {
                    outcome: after_read_back(&approval, &me, input.decision),
                    input,
                    error,
                    read_back_error: None,
                },
                Some(Err(read_back_error)) => Settled {
                    outcome: Outcome::Unknown,
                    input,
                    error,
                    read_back_error: Some(read_back_error),
                },
                None => Settled {
                    outcome: Outcome::Unknown,
                    input,
                    error,
                    read_back_error: None,
                },
            })
            .collect()
    }

    fn finish(&self, settled: Settled, announce: bool) {
        let key = settled.input.request.key.clone();
        if settled.outcome.is_confirmed() {
            let me = self.services.with_value(|s| Person {
                id: Some(s.account.object_id.clone()),
                display_name: Some(s.account.name.clone()),
                upn: Some(s.account.username.clone()),
            });
            let input = &settled.input;
            let decided =
                input
                    .request
                    .decided(input.decision, me, Utc::now(), &input.justification);
            self.confirmed.update(|c| {
                c.insert(key.clone(), decided);
            });
            self.drafts.remove(&key);
        }
        if settled.outcome.closes_request() {
            self.queue.close(&key);
        }
        if announce {
            self.announcer.say(settled.message());
        }
        self.set(&key, DecisionState::Settled(Box::new(settled)));
    }

    fn set(&self, key: &RequestKey, state: DecisionState) {
        self.states.update(|s| {
            s.insert(key.clone(), state);
        });
    }
}
