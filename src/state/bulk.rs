//! Bulk decisions' app state: the selection and the bulk run.
//!
//! - The **selection** is a set of request keys, so it survives sorting, filtering, live refresh and
//!   windowing; a request that leaves the queue leaves the selection.
//! - A **run** goes: reading the approvals of the selected requests as they stand now (batched per
//!   source), the pre-flight summary ([`crate::domain::bulk::Preflight`]), then the writes, which go
//!   through the one decision pipeline ([`Decisions::decide_many`]): each item is in flight and
//!   settled exactly as a single decision. "Retry the failed ones" resends only the items the pipeline
//!   settled as not recorded. The run lives here, not in a page, so leaving the queue mid-run and
//!   coming back shows where it stands.

use super::decisions::{DecisionInput, DecisionState, Decisions};
use super::queue::QueueStore;
use super::{Announcer, Services};
use crate::domain::bulk::{before_reading, Left, Preflight, Selected, Tally};
use crate::domain::outcome::Outcome;
use crate::domain::{Approval, ApprovalRequest, Decision, RequestKey, SourceKind};
use crate::sources::SourceError;
use chrono::Utc;
use leptos::prelude::*;
use std::collections::HashSet;

/// The requests the approver ticked, by key.
#[derive(Clone, Copy)]
pub struct Selection {
    keys: RwSignal<HashSet<RequestKey>>,
    /// The row last ticked or unticked on its own: a shift-click selects from here.
    anchor: RwSignal<Option<RequestKey>>,
}

impl Selection {
    fn new() -> Self {
        Selection {
            keys: RwSignal::new(HashSet::new()),
            anchor: RwSignal::new(None),
        }
    }

    /// Whether `key` is selected, tracked.
    pub fn contains(&self, key: &RequestKey) -> bool {
        self.keys.with(|k| k.contains(key))
    }

    /// How many are selected, tracked.
    pub fn count(&self) -> usize {
        self.keys.with(HashSet::len)
    }

    /// Ticks or unticks one request; it becomes the anchor of the next shift-click.
    pub fn toggle(&self, key: &RequestKey) {
        self.keys.update(|k| {
            if !k.remove(key) {
                k.insert(key.clone());
            }
        });
        self.anchor.set(Some(key.clone()));
    }

    /// The anchor of a shift-click range, untracked.
    pub fn anchor(&self) -> Option<RequestKey> {
        self.anchor.get_untracked()
    }

    /// Sets every key of `keys` to `selected` (a shift-click range, "select all").
    pub fn set_all(&self, keys: impl IntoIterator<Item = RequestKey>, selected: bool) {
        self.keys.update(|k| {
            for key in keys {
                if selected {
                    k.insert(key);
                } else {
                    k.remove(&key);
                }
            }
        });
    }

    pub fn clear(&self) {
        self.keys.update(HashSet::clear);
        self.anchor.set(None);
    }

    /// The selected keys, untracked.
    pub fn keys(&self) -> Vec<RequestKey> {
        self.keys.with_untracked(|k| k.iter().cloned().collect())
    }

    /// Drops the keys `keep` refuses (changes nothing, notifies nobody, when it keeps them all).
    fn retain(&self, keep: impl Fn(&RequestKey) -> bool) {
        let gone: Vec<RequestKey> = self
            .keys
            .with_untracked(|k| k.iter().filter(|key| !keep(key)).cloned().collect());
        if !gone.is_empty() {
            self.set_all(gone, false);
        }
    }
}

/// Where the bulk decision stands.
#[derive(Clone, Debug, PartialEq)]
pub enum Phase {
    Idle,
    /// Reading the approvals of `count` selected requests for the summary.
    Reading {
        decision: Decision,
        count: usize,
    },
    /// The pre-flight summary, waiting for the justification and the approver's go.
    Review(Preflight),
    /// Sent: the items of the run (their states are the pipeline's), and how many it refused because
    /// a decision of theirs was already under way.
    Sent(Run),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    pub decision: Decision,
    pub items: Vec<DecisionInput>,
    pub refused: usize,
    /// What the summary left out (shown again beside the results).
    pub excluded: Vec<Left>,
}

/// The bulk decision of this tab. `Copy`.
#[derive(Clone, Copy)]
pub struct Bulk {
    pub selection: Selection,
    pub phase: RwSignal<Phase>,
    services: StoredValue<Services, LocalStorage>,
    queue: QueueStore,
    decisions: Decisions,
    announcer: Announcer,
}

impl Bulk {
    pub(super) fn new(
        services: StoredValue<Services, LocalStorage>,
        queue: QueueStore,
        decisions: Decisions,
        announcer: Announcer,
    ) -> Self {
        let selection = Selection::new();
        // Requests that leave the queue (decided here or elsewhere, expired, withdrawn) leave the
        // selection.
        Effect::new(move |_| {
            queue
                .data
                .with(|d| selection.retain(|k| d.find(k).is_some()));
        });
        Bulk {
            selection,
            phase: RwSignal::new(Phase::Idle),
            services,
            queue,
            decisions,
            announcer,
        }
    }

    /// Says how many are selected (after a change the user made).
    pub fn announce_selection(&self) {
        let n = self.selection.keys.with_untracked(HashSet::len);
        self.announcer.say(match n {
            0 => "No requests selected.".to_string(),
            1 => "1 request selected.".to_string(),
            n => format!("{n} requests selected."),
        });
    }

    /// Starts a bulk `decision` of the selection: what the requests alone rule out is known at once;
    /// the approvals of the others are read as they stand now (one batched read per source), then
    /// the summary is shown.
    pub fn prepare(&self, decision: Decision) {
        let keys = self.selection.keys();
        let selected: Vec<Selected> = self.queue.data.with_untracked(|d| {
            keys.iter()
                .filter_map(|k| d.entry_of(k))
                .map(|entry| Selected {
                    request: entry.request.clone(),
                    risk: entry.risk,
                    in_flight: self
                        .decisions
                        .state_untracked(&entry.request.key)
                        .is_some_and(|s| s.in_flight()),
                })
                .collect()
        });
        let me = self.services.with_value(|s| s.account.object_id.clone());
        let (to_read, left) = before_reading(selected, &me, Utc::now());
        self.phase.set(Phase::Reading {
            decision,
            count: to_read.len(),
        });
        self.announcer.say(format!(
            "Reading the approvals of {} selected requests…",
            to_read.len()
        ));
        let bulk = *self;
        leptos::task::spawn_local(async move {
            let read = bulk.read_now(to_read).await;
            let still_wanted = bulk.phase.with_untracked(
                |p| matches!(p, Phase::Reading { decision: d, .. } if *d == decision),
            );
            if !still_wanted {
                return;
            }
            let summary = Preflight::new(decision, read, left);
            bulk.announcer.say(format!(
                "Summary: {} to {}, {} left out. Review it before sending.",
                summary.included.len(),
                decision.verb().to_lowercase(),
                summary.excluded.len()
            ));
            bulk.phase.set(Phase::Review(summary));
        });
    }

    /// The approvals of `items` as their services hold them now: one `read_back_many` per source,
    /// all in parallel.
    async fn read_now(&self, items: Vec<Selected>) -> Vec<(Selected, Result<Approval, String>)> {
        let mut by_source: Vec<(SourceKind, Vec<Selected>)> = Vec::new();
        for item in items {
            let kind = item.request.key.source;
            match by_source.iter_mut().find(|(k, _)| *k == kind) {
                Some((_, group)) => group.push(item),
                None => by_source.push((kind, vec![item])),
            }
        }
        let services = self.services;
        let reads = by_source.into_iter().map(|(kind, group)| async move {
            let requests: Vec<ApprovalRequest> = group.iter().map(|s| s.request.clone()).collect();
            let answers = match services.with_value(|s| s.source(kind)) {
                Some(source) => source.read_back_many(&requests).await,
                None => Vec::new(),
            };
            let mut answers = answers.into_iter();
            group
                .into_iter()
                .map(|item| {
                    let answer = answers.next().unwrap_or_else(|| {
                        Err(SourceError::malformed(
                            kind,
                            "this service is not configured",
                        ))
                    });
                    (item, answer.map_err(|e| e.to_string()))
                })
                .collect::<Vec<_>>()
        });
        futures::future::join_all(reads)
            .await
            .into_iter()
            .flatten()
            .collect()
    }

    /// Sends the summary's requests with `justification` (the text for services that record one)
    /// through the pipeline.
    pub fn send(&self, summary: &Preflight, justification: &str) {
        let services = self.services;
        let inputs: Vec<DecisionInput> = summary
            .included
            .iter()
            .map(|planned| {
                let records = services.with_value(|s| {
                    s.source(planned.request.key.source)
                        .is_none_or(|source| source.records_justification())
                });
                DecisionInput {
                    request: planned.request.clone(),
                    approval: planned.approval.clone(),
                    decision: summary.decision,
                    justification: if records {
                        justification.to_string()
                    } else {
                        String::new()
                    },
                }
            })
            .collect();
        let sent: HashSet<RequestKey> = self
            .decisions
            .decide_many(inputs.clone())
            .into_iter()
            .collect();
        let refused = inputs.len() - sent.len();
        let items: Vec<DecisionInput> = inputs
            .into_iter()
            .filter(|i| sent.contains(&i.request.key))
            .collect();
        self.selection.set_all(sent, false);
        self.announcer.say(format!(
            "Sending {} decisions: {}…",
            items.len(),
            summary.decision.verb().to_lowercase()
        ));
        self.phase.set(Phase::Sent(Run {
            decision: summary.decision,
            items,
            refused,
            excluded: summary.excluded.clone(),
        }));
    }

    /// The outcome of each item of the run so far (`None` while in flight), tracked.
    pub fn outcomes(&self, run: &Run) -> Vec<Option<Outcome>> {
        run.items
            .iter()
            .map(|item| match self.decisions.state(&item.request.key) {
                Some(DecisionState::Settled(settled)) => Some(settled.outcome),
                _ => None,
            })
            .collect()
    }

    /// How the run stands, tracked.
    pub fn tally(&self, run: &Run) -> Tally {
        let outcomes = self.outcomes(run);
        Tally::of(outcomes.iter().map(Option::as_ref))
    }

    /// Sends again the items of the run the pipeline settled as not recorded (never one that was
    /// confirmed, decided by someone else, or whose outcome is unknown).
    pub fn retry_failed(&self, run: &Run) {
        let failed: Vec<DecisionInput> = run
            .items
            .iter()
            .filter(|item| {
                matches!(
                    self.decisions.state_untracked(&item.request.key),
                    Some(DecisionState::Settled(s)) if s.outcome == Outcome::NotRecorded
                )
            })
            .cloned()
            .collect();
        let n = self.decisions.decide_many(failed).len();
        self.announcer
            .say(format!("Sending the {n} failed decisions again…"));
    }

    /// Back to the queue (the run's states stay with the pipeline).
    pub fn close(&self) {
        self.phase.set(Phase::Idle);
    }
}
