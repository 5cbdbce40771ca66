//! What the pages share, in one `Copy` context ([`AppContext`]): the signed-in services (config,
//! account, sources), the queue of pending requests ([`queue`]), the decision pipeline that owns every
//! decision in flight ([`decisions`]), the selection and bulk decision ([`bulk`]), the approver's drafts ([`drafts`]), the session's health
//! ([`session`]), a ticking clock for countdowns and the screen-reader announcer.

pub(crate) mod bulk;
pub(crate) mod decisions;
pub(crate) mod drafts;
pub(crate) mod live;
pub(crate) mod queue;
pub(crate) mod session;

use crate::auth::embed::HostChannel;
use crate::auth::session::OAuthSession;
use crate::auth::Account;
use crate::config::AppConfig;
use crate::domain::SourceKind;
use crate::sources::{Listing, RequestSource, SourceError, Unreadable};
use bulk::Bulk;
use chrono::{DateTime, Utc};
use decisions::Decisions;
use drafts::Drafts;
use leptos::prelude::*;
use queue::QueueStore;
use session::SessionStatus;
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

/// Handle to the shared state for components.
#[derive(Clone, Copy)]
pub struct AppContext {
    services: StoredValue<Services, LocalStorage>,
    pub queue: QueueStore,
    pub decisions: Decisions,
    /// The selection and the bulk decision.
    pub bulk: Bulk,
    pub drafts: Drafts,
    pub session: SessionStatus,
    pub clock: Clock,
    pub announcer: Announcer,
    /// Desktop notifications for new Critical and High requests: on only after the user asked (and
    /// the browser's permission was granted).
    pub notifications: RwSignal<bool>,
}

impl AppContext {
    pub fn new(services: Services) -> Self {
        let kinds: Vec<SourceKind> = services.sources.iter().map(|s| s.kind()).collect();
        let session = SessionStatus::watch(&services);
        let services = StoredValue::new_local(services);
        let queue = QueueStore::new(&kinds, services.with_value(|s| s.config.risk.clone()));
        let announcer = Announcer::default();
        let drafts = Drafts;
        let decisions = Decisions::new(services, queue, drafts, announcer);
        AppContext {
            services,
            queue,
            decisions,
            bulk: Bulk::new(services, queue, decisions, announcer),
            drafts,
            session,
            clock: Clock::start(),
            announcer,
            notifications: RwSignal::new(false),
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

    /// Loads (or reloads) the pending queue from every source, or from one.
    pub fn load_queue(&self, only: Option<SourceKind>) {
        self.queue.load(self.sources(), self.me(), only);
    }
}

pub fn use_app() -> AppContext {
    expect_context::<AppContext>()
}

/// One source's answer to a history-style read.
pub type PerSource<T> = Vec<(SourceKind, Result<Listing<T>, SourceError>)>;

/// Calls `read` on every source at once and collects each answer, failures included.
pub async fn gather<T, F, Fut>(app: AppContext, read: F) -> PerSource<T>
where
    F: Fn(Rc<dyn RequestSource>) -> Fut,
    Fut: std::future::Future<Output = Result<Listing<T>, SourceError>>,
{
    let sources = app.sources();
    let kinds: Vec<SourceKind> = sources.iter().map(|s| s.kind()).collect();
    let answers = futures::future::join_all(sources.into_iter().map(read)).await;
    kinds.into_iter().zip(answers).collect()
}

/// The items of every source that answered, flattened.
pub fn successes<T: Clone>(answers: &PerSource<T>) -> Vec<T> {
    answers
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok())
        .flat_map(|listing| listing.items.iter().cloned())
        .collect()
}

/// The failures of a [`gather`].
pub fn failures<T>(answers: &PerSource<T>) -> Vec<SourceError> {
    answers
        .iter()
        .filter_map(|(_, r)| r.as_ref().err().cloned())
        .collect()
}

/// The items that could not be read, from every source that answered.
pub fn unreadable<T>(answers: &PerSource<T>) -> Vec<Unreadable> {
    answers
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok())
        .flat_map(|listing| listing.unreadable.iter().cloned())
        .collect()
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
