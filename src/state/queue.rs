//! The pending queue: filled page by page as each source answers (so a slow or failing source never
//! holds the others back), reloaded without flicker, arranged incrementally, and never resurrecting a
//! request that a decision closed.
//!
//! - Each request becomes a [`QueueEntry`] once, when it arrives (search text and sort keys made then).
//! - A page is merged into the arranged order in its own sort plus one linear merge; a filter or sort
//!   change re-arranges over the precomputed keys; nothing re-renders rows that are not visible.
//! - Every load carries a generation (an answer older than the source's latest load is dropped), and
//!   closed requests are tombstoned for the session.

use crate::domain::queue::{self, Column, Filter, QueueEntry, Sort};
use crate::domain::{ApprovalRequest, RequestKey, RiskPolicy, SourceKind};
use crate::sources::{Listing, RequestSource, SourceError, Unreadable};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::sync::Arc;

/// Where one source's load stands.
#[derive(Clone, Debug, PartialEq)]
pub enum SourceState {
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
    /// Items of this source the last load could not read.
    pub unreadable: Vec<Unreadable>,
}

/// The entries and their arranged order. Positions are stable (a slab): a closed or replaced entry
/// leaves a hole that the next full arrange compacts.
#[derive(Default)]
pub struct QueueData {
    entries: Vec<Option<Arc<QueueEntry>>>,
    by_key: HashMap<RequestKey, u32>,
    /// Positions of the entries that pass the filter, in sort order.
    arranged: Vec<u32>,
    /// How many requests are in the queue (all sources, before filtering).
    count: usize,
}

impl QueueData {
    /// The number of requests waiting (before filtering).
    pub fn count(&self) -> usize {
        self.count
    }

    /// The number of requests the filter lets through.
    pub fn shown(&self) -> usize {
        self.arranged.len()
    }

    /// The arranged entries at `range` (what the visible window shows).
    pub fn window(&self, range: std::ops::Range<usize>) -> Vec<Arc<QueueEntry>> {
        let end = range.end.min(self.arranged.len());
        let start = range.start.min(end);
        self.arranged[start..end]
            .iter()
            .filter_map(|&p| self.entry(p).cloned())
            .collect()
    }

    /// Every arranged key, in order (what "select all N matching" selects).
    pub fn arranged_keys(&self) -> Vec<RequestKey> {
        self.arranged
            .iter()
            .filter_map(|&p| self.entry(p).map(|e| e.request.key.clone()))
            .collect()
    }

    pub fn find(&self, key: &RequestKey) -> Option<&ApprovalRequest> {
        self.entry_of(key).map(|e| &e.request)
    }

    pub fn entry_of(&self, key: &RequestKey) -> Option<&QueueEntry> {
        let position = *self.by_key.get(key)?;
        self.entry(position).map(|e| &**e)
    }

    /// Every request in the queue (unordered).
    pub fn requests(&self) -> impl Iterator<Item = &ApprovalRequest> {
        self.entries.iter().flatten().map(|e| &e.request)
    }

    fn entry(&self, position: u32) -> Option<&Arc<QueueEntry>> {
        self.entries.get(position as usize)?.as_ref()
    }

    fn live(&self) -> impl Iterator<Item = (u32, &QueueEntry)> {
        (0u32..)
            .zip(self.entries.iter())
            .filter_map(|(p, e)| e.as_deref().map(|e| (p, e)))
    }

    /// Adds a page's entries (a request already present is replaced) and merges them into the
    /// arranged order.
    fn add(
        &mut self,
        entries: Vec<QueueEntry>,
        filter: &Filter,
        sort: Sort<Column>,
        now: DateTime<Utc>,
    ) {
        let present: HashSet<RequestKey> = entries
            .iter()
            .map(|e| e.request.key.clone())
            .filter(|k| self.by_key.contains_key(k))
            .collect();
        self.remove(&present);
        let mut fresh = Vec::with_capacity(entries.len());
        for entry in entries {
            let p = self.entries.len() as u32;
            self.by_key.insert(entry.request.key.clone(), p);
            self.entries.push(Some(Arc::new(entry)));
            self.count += 1;
            fresh.push(p);
        }
        let page = queue::arrange(
            fresh
                .iter()
                .filter_map(|&p| self.entry(p).map(|e| (p, &**e))),
            filter,
            sort,
            now,
        );
        self.arranged = queue::merge_arranged(
            &self.arranged,
            &page,
            |p| self.entries[p as usize].as_deref().expect("a live entry"),
            sort,
        );
    }

    /// Takes requests out (closed by a decision, or gone from their source's latest list).
    fn remove(&mut self, keys: &HashSet<RequestKey>) {
        if keys.is_empty() {
            return;
        }
        let mut removed = HashSet::new();
        for key in keys {
            if let Some(p) = self.by_key.remove(key) {
                self.entries[p as usize] = None;
                self.count -= 1;
                removed.insert(p);
            }
        }
        self.arranged.retain(|p| !removed.contains(p));
    }

    /// Arranges everything again (filter or sort changed, or time moved on); compacts the holes.
    fn rearrange(&mut self, filter: &Filter, sort: Sort<Column>, now: DateTime<Utc>) {
        if self.entries.len() > self.count * 2 + 64 {
            let live: Vec<Arc<QueueEntry>> = self.entries.drain(..).flatten().collect();
            self.by_key = (0u32..)
                .zip(live.iter())
                .map(|(p, e)| (e.request.key.clone(), p))
                .collect();
            self.entries = live.into_iter().map(Some).collect();
        }
        self.arranged = queue::arrange(self.live(), filter, sort, now);
    }
}

/// The pending queue of every source, with the approver's filter and sort (kept across navigation).
#[derive(Clone, Copy)]
pub struct QueueStore {
    pub slots: RwSignal<Vec<SourceSlot>>,
    pub data: RwSignal<QueueData>,
    pub filter: RwSignal<Filter>,
    pub sort: RwSignal<Sort<Column>>,
    risk: StoredValue<RiskPolicy>,
    /// The latest load's number per source; answers of older loads are dropped.
    generations: StoredValue<HashMap<SourceKind, u64>>,
    /// Requests a decision closed in this session: no answer brings them back.
    closed: StoredValue<HashSet<RequestKey>>,
    /// Requests that arrived with a refresh and were not looked at yet (marked "new").
    pub unseen: RwSignal<HashSet<RequestKey>>,
    /// How many requests the last refresh took out that no decision of ours closed.
    pub left: RwSignal<usize>,
}

impl QueueStore {
    pub fn new(kinds: &[SourceKind], risk: RiskPolicy) -> Self {
        let store = QueueStore {
            slots: RwSignal::new(
                kinds
                    .iter()
                    .map(|&kind| SourceSlot {
                        kind,
                        state: SourceState::Loading,
                        pages: 0,
                        unreadable: Vec::new(),
                    })
                    .collect(),
            ),
            data: RwSignal::new(QueueData::default()),
            filter: RwSignal::new(Filter::default()),
            sort: RwSignal::new(Sort::default()),
            risk: StoredValue::new(risk),
            generations: StoredValue::new(HashMap::new()),
            closed: StoredValue::new(HashSet::new()),
            unseen: RwSignal::new(HashSet::new()),
            left: RwSignal::new(0),
        };
        // A new filter or sort arranges everything again; arrival alone never does.
        Effect::new(move |_| {
            let (filter, sort) = (store.filter.get(), store.sort.get());
            store
                .data
                .update(|d| d.rearrange(&filter, sort, Utc::now()));
        });
        store
    }

    /// How many requests are waiting, tracked, without copying them.
    pub fn count(&self) -> usize {
        self.data.with(QueueData::count)
    }

    pub fn find(&self, key: &RequestKey) -> Option<ApprovalRequest> {
        self.data.with_untracked(|d| d.find(key).cloned())
    }

    /// Takes a closed request out of the queue for good (this session).
    pub fn close(&self, key: &RequestKey) {
        self.closed.update_value(|closed| {
            closed.insert(key.clone());
        });
        let keys = HashSet::from([key.clone()]);
        self.data.update(|d| d.remove(&keys));
    }

    pub fn is_loading(&self) -> bool {
        self.slots
            .with(|slots| slots.iter().any(|s| s.state == SourceState::Loading))
    }

    /// Arranges again at `now` (the "expires within" filter moves with time).
    pub fn rearrange(&self, now: DateTime<Utc>) {
        let (filter, sort) = (self.filter.get_untracked(), self.sort.get_untracked());
        self.data.update(|d| d.rearrange(&filter, sort, now));
    }

    /// Loads every source's pending requests in parallel (or only `only`'s), in the background.
    pub fn load(&self, sources: Vec<Rc<dyn RequestSource>>, me: String, only: Option<SourceKind>) {
        let store = *self;
        let sources = sources
            .into_iter()
            .filter(|s| only.is_none_or(|o| o == s.kind()))
            .collect();
        leptos::task::spawn_local(async move {
            store.reload(sources, me).await;
        });
    }

    /// Reads `sources` again in parallel; `true` when every one answered. What a reload brings that was
    /// not there is marked unseen; what it no longer lists (and no decision of ours closed) is counted
    /// in [`QueueStore::left`].
    pub async fn reload(&self, sources: Vec<Rc<dyn RequestSource>>, me: String) -> bool {
        let keys = |d: &QueueData| -> HashSet<RequestKey> {
            d.requests().map(|r| r.key.clone()).collect()
        };
        let before = self.data.with_untracked(keys);
        let loads = sources.into_iter().map(|s| self.load_one(s, me.clone()));
        let answered = futures::future::join_all(loads).await;
        let after = self.data.with_untracked(keys);
        if !before.is_empty() {
            let left = self.closed.with_value(|closed| {
                before
                    .difference(&after)
                    .filter(|k| !closed.contains(*k))
                    .count()
            });
            self.left.set(left);
            self.unseen.update(|unseen| {
                unseen.extend(after.difference(&before).cloned());
                unseen.retain(|k| after.contains(k));
            });
        }
        answered.into_iter().all(|ok| ok)
    }

    /// The request was looked at: it is no longer "new".
    pub fn seen(&self, key: &RequestKey) {
        if self.unseen.with_untracked(|u| u.contains(key)) {
            self.unseen.update(|u| {
                u.remove(key);
            });
        }
    }

    /// One source's load; `true` when it answered (every page).
    async fn load_one(&self, source: Rc<dyn RequestSource>, me: String) -> bool {
        let store = *self;
        let kind = source.kind();
        let generation = self.next_generation(kind);
        // A first load shows pages as they come; a reload keeps the current rows until it is complete.
        let first = self
            .data
            .with_untracked(|d| !d.requests().any(|r| r.key.source == kind));
        self.update_slot(kind, |slot| {
            slot.state = SourceState::Loading;
            slot.pages = 0;
        });
        let mut fresh: Vec<QueueEntry> = Vec::new();
        let mut unreadable = Vec::new();
        let mut on_page = |page: Listing<ApprovalRequest>| {
            if !store.is_current(kind, generation) {
                return;
            }
            let admitted = store.admit(page.items, &me);
            unreadable.extend(page.unreadable);
            store.update_slot(kind, |slot| slot.pages += 1);
            if first {
                store.add(admitted);
            } else {
                fresh.extend(admitted);
            }
        };
        let result = source.pending(&mut on_page).await;
        if !store.is_current(kind, generation) {
            return true;
        }
        if !first && result.is_ok() {
            store.replace_source(kind, fresh);
        }
        let answered = result.is_ok();
        store.update_slot(kind, |slot| {
            slot.unreadable = unreadable;
            slot.state = match result {
                Ok(()) => SourceState::Ready,
                Err(error) => SourceState::Failed(error),
            };
        });
        answered
    }

    /// The requests of a page that belong in the queue now and were not closed meanwhile, as entries.
    fn admit(&self, items: Vec<ApprovalRequest>, me: &str) -> Vec<QueueEntry> {
        let now = Utc::now();
        let closed = self.closed;
        self.risk.with_value(|risk| {
            closed.with_value(|closed| {
                items
                    .into_iter()
                    .filter(|r| queue::belongs_in_queue(r, me, now))
                    .filter(|r| !closed.contains(&r.key))
                    .map(|r| QueueEntry::new(r, risk))
                    .collect()
            })
        })
    }

    fn add(&self, entries: Vec<QueueEntry>) {
        let (filter, sort) = (self.filter.get_untracked(), self.sort.get_untracked());
        self.data
            .update(|d| d.add(entries, &filter, sort, Utc::now()));
    }

    /// A completed reload of `kind` replaces what the source had in the queue, in one update.
    fn replace_source(&self, kind: SourceKind, fresh: Vec<QueueEntry>) {
        let (filter, sort) = (self.filter.get_untracked(), self.sort.get_untracked());
        let gone: HashSet<RequestKey> = self.data.with_untracked(|d| {
            d.requests()
                .filter(|r| r.key.source == kind)
                .map(|r| r.key.clone())
                .collect()
        });
        self.data.update(|d| {
            d.remove(&gone);
            d.add(fresh, &filter, sort, Utc::now());
        });
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

    fn update_slot(&self, kind: SourceKind, f: impl FnOnce(&mut SourceSlot)) {
        self.slots.update(|slots| {
            if let Some(slot) = slots.iter_mut().find(|s| s.kind == kind) {
                f(slot);
            }
        });
    }
}
