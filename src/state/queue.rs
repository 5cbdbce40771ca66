//! The pending queue, per source: filled page by page as each source answers (so a slow or failing
//! source never holds the others back), reloaded without flicker, and never resurrecting a request that
//! a decision closed: every load carries a generation (an answer older than the source's latest load is
//! dropped) and closed requests are tombstoned for the session.

use crate::domain::{ApprovalRequest, RequestKey, SourceKind};
use crate::sources::{Listing, RequestSource, SourceError, Unreadable};
use chrono::Utc;
use leptos::prelude::*;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// Where one source's load stands.
#[derive(Clone, Debug, PartialEq)]
pub enum SourceState {
    /// Pages are arriving (`pages` read so far).
    Loading,
    Ready,
    Failed(SourceError),
}

/// One source's part of the queue.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceSlot {
    pub kind: SourceKind,
    pub state: SourceState,
    /// Pages read by the load in progress (or the last one).
    pub pages: usize,
    pub items: Vec<ApprovalRequest>,
    /// Items of this source the last load could not read.
    pub unreadable: Vec<Unreadable>,
}

impl SourceSlot {
    fn new(kind: SourceKind) -> Self {
        SourceSlot {
            kind,
            state: SourceState::Loading,
            pages: 0,
            items: Vec::new(),
            unreadable: Vec::new(),
        }
    }
}

/// The pending queue, per source, in [`SourceKind::ALL`] order.
#[derive(Clone, Copy)]
pub struct QueueStore {
    pub slots: RwSignal<Vec<SourceSlot>>,
    /// The latest load's number per source; answers of older loads are dropped.
    generations: StoredValue<HashMap<SourceKind, u64>>,
    /// Requests a decision closed in this session: no answer brings them back.
    closed: StoredValue<HashSet<RequestKey>>,
}

impl QueueStore {
    pub fn new(kinds: &[SourceKind]) -> Self {
        QueueStore {
            slots: RwSignal::new(kinds.iter().map(|k| SourceSlot::new(*k)).collect()),
            generations: StoredValue::new(HashMap::new()),
            closed: StoredValue::new(HashSet::new()),
        }
    }

    /// Every pending request that loaded, all sources together.
    pub fn requests(&self) -> Vec<ApprovalRequest> {
        self.slots
            .with(|slots| slots.iter().flat_map(|s| s.items.iter().cloned()).collect())
    }

    /// How many requests are waiting, without copying them.
    pub fn count(&self) -> usize {
        self.slots
            .with(|slots| slots.iter().map(|s| s.items.len()).sum())
    }

    pub fn find(&self, key: &RequestKey) -> Option<ApprovalRequest> {
        self.slots.with_untracked(|slots| {
            slots
                .iter()
                .filter(|s| s.kind == key.source)
                .find_map(|s| s.items.iter().find(|r| &r.key == key).cloned())
        })
    }

    /// Takes a closed request out of the queue for good (this session).
    pub fn close(&self, key: &RequestKey) {
        self.closed.update_value(|closed| {
            closed.insert(key.clone());
        });
        self.slots.update(|slots| {
            for slot in slots.iter_mut().filter(|s| s.kind == key.source) {
                slot.items.retain(|r| &r.key != key);
            }
        });
    }

    pub fn is_loading(&self) -> bool {
        self.slots
            .with(|slots| slots.iter().any(|s| s.state == SourceState::Loading))
    }

    /// Loads every source's pending requests in parallel (or only `only`'s).
    pub fn load(&self, sources: Vec<Rc<dyn RequestSource>>, me: String, only: Option<SourceKind>) {
        for source in sources {
            let kind = source.kind();
            if only.is_none_or(|o| o == kind) {
                self.load_one(source, me.clone());
            }
        }
    }

    fn load_one(&self, source: Rc<dyn RequestSource>, me: String) {
        let store = *self;
        let kind = source.kind();
        let generation = self.next_generation(kind);
        // A first load shows pages as they come; a reload keeps the current rows until it is complete.
        let live = self
            .update_slot(kind, |slot| {
                slot.state = SourceState::Loading;
                slot.pages = 0;
                slot.items.is_empty()
            })
            .unwrap_or(true);
        leptos::task::spawn_local(async move {
            let mut fresh = Vec::new();
            let mut unreadable = Vec::new();
            let mut on_page = |page: Listing<ApprovalRequest>| {
                if !store.is_current(kind, generation) {
                    return;
                }
                let admitted = store.admit(page.items, &me);
                unreadable.extend(page.unreadable);
                if live {
                    store.update_slot(kind, |slot| {
                        slot.pages += 1;
                        slot.items.extend(admitted);
                    });
                } else {
                    store.update_slot(kind, |slot| slot.pages += 1);
                    fresh.extend(admitted);
                }
            };
            let result = source.pending(&mut on_page).await;
            if !store.is_current(kind, generation) {
                return;
            }
            store.update_slot(kind, |slot| {
                if !live {
                    slot.items = std::mem::take(&mut fresh);
                }
                slot.unreadable = std::mem::take(&mut unreadable);
                slot.state = match result {
                    Ok(()) => SourceState::Ready,
                    Err(error) => SourceState::Failed(error),
                };
            });
        });
    }

    /// The requests of a page that belong in the queue now and were not closed meanwhile.
    fn admit(&self, items: Vec<ApprovalRequest>, me: &str) -> Vec<ApprovalRequest> {
        let now = Utc::now();
        self.closed.with_value(|closed| {
            items
                .into_iter()
                .filter(|r| crate::domain::queue::belongs_in_queue(r, me, now))
                .filter(|r| !closed.contains(&r.key))
                .collect()
        })
    }

    fn next_generation(&self, kind: SourceKind) -> u64 {
        let mut next = 0;
        self.generations.update_value(|g| {
            let n = g.entry(kind).or_insert(0);
            *n += 1;
            next = *n;
        });
        next
    }

    fn is_current(&self, kind: SourceKind, generation: u64) -> bool {
        self.generations
            .with_value(|g| g.get(&kind) == Some(&generation))
    }

    fn update_slot<R>(&self, kind: SourceKind, f: impl FnOnce(&mut SourceSlot) -> R) -> Option<R> {
        let mut out = None;
        self.slots.update(|slots| {
            if let Some(slot) = slots.iter_mut().find(|s| s.kind == kind) {
                out = Some(f(slot));
            }
        });
        out
    }
}
