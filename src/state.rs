//! State shared by the pages: the signed-in context (config, account, sources), the queue of pending
//! requests per source (so a decision removes a row everywhere without a reload), a ticking clock for
//! countdowns, and the screen-reader announcer.

use crate::auth::embed::HostChannel;
use crate::auth::session::OAuthSession;
use crate::auth::Account;
use crate::config::AppConfig;
use crate::domain::{ApprovalRequest, RequestKey, RequestStatus, SourceKind};
use crate::sources::{RequestSource, SourceError};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use std::rc::Rc;

/// Everything a page needs to talk to the services. Not `Send`: kept in a local `StoredValue`.
#[derive(Clone)]
pub struct Services {
    pub config: Rc<AppConfig>,
    pub account: Account,
    pub sources: Vec<Rc<dyn RequestSource>>,
    /// `None` when a host portal supplies the tokens.
    pub session: Option<OAuthSession>,
    /// The channel to the host portal when the app is embedded.
    pub host: Option<HostChannel>,
}

impl Services {
    pub fn source(&self, kind: SourceKind) -> Option<Rc<dyn RequestSource>> {
        self.sources.iter().find(|s| s.kind() == kind).cloned()
    }
}

/// Handle to [`Services`] for components.
#[derive(Clone, Copy)]
pub struct AppContext {
    services: StoredValue<Services, LocalStorage>,
    pub queue: QueueStore,
    pub clock: Clock,
    pub announcer: Announcer,
    /// Bumped after every confirmed decision or cancel, so history views read again.
    pub changes: RwSignal<u32>,
}

impl AppContext {
    pub fn new(services: Services) -> Self {
        let kinds: Vec<SourceKind> = services.sources.iter().map(|s| s.kind()).collect();
        AppContext {
            services: StoredValue::new_local(services),
            queue: QueueStore::new(&kinds),
            clock: Clock::start(),
            announcer: Announcer::default(),
            changes: RwSignal::new(0),
        }
    }

    pub fn services(&self) -> Services {
        self.services.get_value()
    }

    pub fn config(&self) -> Rc<AppConfig> {
        self.services.with_value(|s| s.config.clone())
    }

    pub fn me(&self) -> String {
        self.services.with_value(|s| s.account.object_id.clone())
    }

    pub fn source(&self, kind: SourceKind) -> Option<Rc<dyn RequestSource>> {
        self.services.with_value(|s| s.source(kind))
    }

    pub fn sources(&self) -> Vec<Rc<dyn RequestSource>> {
        self.services.with_value(|s| s.sources.clone())
    }
}

pub fn use_app() -> AppContext {
    expect_context::<AppContext>()
}

/// One source's part of the queue.
#[derive(Clone, Debug, PartialEq)]
pub enum SourceState {
    Loading,
    Ready(Vec<ApprovalRequest>),
    Failed(SourceError),
}

/// The pending queue, per source, in [`SourceKind::ALL`] order.
#[derive(Clone, Copy)]
pub struct QueueStore {
    pub slots: RwSignal<Vec<(SourceKind, SourceState)>>,
    /// Bumped when the queue was (re)loaded, so pages can tell fresh data.
    pub loaded_at: RwSignal<Option<DateTime<Utc>>>,
}

impl QueueStore {
    fn new(kinds: &[SourceKind]) -> Self {
        QueueStore {
            slots: RwSignal::new(kinds.iter().map(|k| (*k, SourceState::Loading)).collect()),
            loaded_at: RwSignal::new(None),
        }
    }

    pub fn set(&self, kind: SourceKind, state: SourceState) {
        self.slots.update(|slots| {
            if let Some(slot) = slots.iter_mut().find(|(k, _)| *k == kind) {
                slot.1 = state;
            }
        });
    }

    /// Every pending request that loaded, all sources together.
    pub fn requests(&self) -> Vec<ApprovalRequest> {
        self.slots.with(|slots| {
            slots
                .iter()
                .filter_map(|(_, s)| match s {
                    SourceState::Ready(list) => Some(list.clone()),
                    _ => None,
                })
                .flatten()
                .collect()
        })
    }

    pub fn find(&self, key: &RequestKey) -> Option<ApprovalRequest> {
        self.slots.with_untracked(|slots| {
            slots.iter().find_map(|(kind, state)| match state {
                SourceState::Ready(list) if *kind == key.source => {
                    list.iter().find(|r| &r.key == key).cloned()
                }
                _ => None,
            })
        })
    }

    /// Takes a decided request out of the queue at once.
    pub fn remove(&self, key: &RequestKey) {
        self.slots.update(|slots| {
            for (_, state) in slots.iter_mut() {
                if let SourceState::Ready(list) = state {
                    list.retain(|r| &r.key != key);
                }
            }
        });
    }

    pub fn is_loading(&self) -> bool {
        self.slots
            .with(|slots| slots.iter().any(|(_, s)| *s == SourceState::Loading))
    }
}

/// One source's answer to a history-style read.
pub type PerSource<T> = Vec<(SourceKind, Result<Vec<T>, SourceError>)>;

/// Calls `read` on every source at once and collects each answer, failures included.
pub async fn gather<T, F, Fut>(app: AppContext, read: F) -> PerSource<T>
where
    F: Fn(Rc<dyn RequestSource>) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<T>, SourceError>>,
{
    let sources = app.sources();
    let kinds: Vec<SourceKind> = sources.iter().map(|s| s.kind()).collect();
    let answers = futures::future::join_all(sources.into_iter().map(read)).await;
    kinds.into_iter().zip(answers).collect()
}

/// The successful parts of a [`gather`], flattened.
pub fn successes<T: Clone>(answers: &PerSource<T>) -> Vec<T> {
    answers
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok())
        .flatten()
        .cloned()
        .collect()
}

/// The failures of a [`gather`].
pub fn failures<T>(answers: &PerSource<T>) -> Vec<SourceError> {
    answers
        .iter()
        .filter_map(|(_, r)| r.as_ref().err().cloned())
        .collect()
}

/// Loads every source's pending requests in parallel; each source updates its slot as soon as it
/// answers, so a slow or failing source never holds the others back.
pub fn load_queue(app: AppContext, only: Option<SourceKind>) {
    let me = app.me();
    for source in app.sources() {
        let kind = source.kind();
        if only.is_some_and(|o| o != kind) {
            continue;
        }
        app.queue.set(kind, SourceState::Loading);
        let me = me.clone();
        leptos::task::spawn_local(async move {
            // Pages are collected and shown together; `unreadable` is not shown yet.
            let mut list = Vec::new();
            let outcome = source.pending(&mut |page| list.extend(page.items)).await;
            let state = match outcome {
                Ok(()) => {
                    let now = Utc::now();
                    SourceState::Ready(
                        list.into_iter()
                            .filter(|r| r.effective_status(now) == RequestStatus::Pending)
                            .filter(|r| !r.requested_by(&me))
                            .collect(),
                    )
                }
                Err(e) => SourceState::Failed(e),
            };
            app.queue.set(kind, state);
            app.queue.loaded_at.set(Some(Utc::now()));
        });
    }
}

/// "Now", ticking every second for countdowns.
#[derive(Clone, Copy)]
pub struct Clock {
    pub now: RwSignal<DateTime<Utc>>,
}

impl Clock {
    fn start() -> Self {
        let now = RwSignal::new(Utc::now());
        if let Ok(handle) = set_interval_with_handle(
            move || now.set(Utc::now()),
            std::time::Duration::from_secs(1),
        ) {
            on_cleanup(move || handle.clear());
        }
        Clock { now }
    }
}

/// Text for the polite live region: decisions and errors are announced to screen readers.
#[derive(Clone, Copy, Default)]
pub struct Announcer {
    pub message: RwSignal<String>,
}

impl Announcer {
    pub fn say(&self, text: impl Into<String>) {
        self.message.set(text.into());
    }
}
