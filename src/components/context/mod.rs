//! The decision context beside a request's decision (issue 9): the role's PIM policy, the requester's
//! record for the role and who the requester is. [`DecisionContexts::for_request`] starts reading all
//! three, each on its own, as soon as the request is known (from the queue: before its approval is
//! read); the decision never waits for them, nor they for it. Each panel shows its own data or its own
//! reason ("Not visible" and why, or a failure with a retry for that panel only).

mod duration_mark;
mod policy_panel;
mod record_panel;
mod requester_panel;

use crate::auth::TokenSource;
use crate::domain::context_gap::{ContextGap, Panel};
use crate::domain::requester_facts::RequesterFacts;
use crate::domain::requester_record::RequesterRecord;
use crate::domain::role_policy::RolePolicy;
use crate::domain::{ApprovalRequest, RequestKey};
use crate::sources::context::{ContextReader, PanelResult};
use crate::sources::Me;
use crate::state::AppContext;
pub use duration_mark::QueueDuration;
use leptos::prelude::*;
pub use policy_panel::PolicyPanel;
pub use record_panel::RecordPanel;
pub use requester_panel::RequesterPanel;
use std::rc::Rc;

/// One panel's state: `None` while reading.
pub type PanelState<T> = RwSignal<Option<PanelResult<T>>>;

/// The three panels' data for one request, filled in as the reads answer.
#[derive(Clone, Copy)]
pub struct DecisionContext {
    pub policy: PanelState<RolePolicy>,
    pub record: PanelState<RequesterRecord>,
    pub requester: PanelState<RequesterFacts>,
    reader: StoredValue<Option<ContextReader>, LocalStorage>,
    request: StoredValue<ApprovalRequest, LocalStorage>,
    app: AppContext,
}

impl DecisionContext {
    /// Starts reading the context of `request` in the background.
    pub fn start(app: AppContext, request: &ApprovalRequest) -> Self {
        let context = DecisionContext {
            policy: RwSignal::new(None),
            record: RwSignal::new(None),
            requester: RwSignal::new(None),
            reader: StoredValue::new_local(reader(&app)),
            request: StoredValue::new_local(request.clone()),
            app,
        };
        let Some(reader) = context.reader.get_value() else {
            let no_tokens =
                || ContextGap::Missing("No sign-in token is available to read it.".into());
            context.policy.set(Some(Err(no_tokens())));
            context.record.set(Some(Err(no_tokens())));
            context.requester.set(Some(Err(no_tokens())));
            return context;
        };
        for panel in [Panel::Policy, Panel::Record, Panel::Requester] {
            context.read(panel, reader.clone());
        }
        context
    }

    /// The policy, once read (for the warnings and the duration comparison).
    pub fn policy_read(&self) -> Option<RolePolicy> {
        self.policy
            .with(|p| p.as_ref().and_then(|r| r.as_ref().ok()).cloned())
    }

    /// Reads one panel again; the others are left alone.
    pub fn retry(&self, panel: Panel) {
        let Some(reader) = self.reader.get_value() else {
            return;
        };
        match panel {
            Panel::Policy => self.policy.set(None),
            Panel::Record => self.record.set(None),
            Panel::Requester => self.requester.set(None),
        }
        self.read(panel, reader);
    }

    /// Reads one panel in the background and fills it in (unless the page was left meanwhile).
    fn read(&self, panel: Panel, reader: ContextReader) {
        let request = self.request.get_value();
        let now = self.app.clock.now.get_untracked();
        let this = *self;
        leptos::task::spawn_local(async move {
            match panel {
                Panel::Policy => {
                    this.policy.try_set(Some(reader.policy(&request).await));
                }
                Panel::Record => {
                    this.record
                        .try_set(Some(reader.record(&request, now).await));
                }
                Panel::Requester => {
                    this.requester
                        .try_set(Some(reader.requester(&request).await));
                }
            }
        });
    }

    fn reader(&self) -> Option<ContextReader> {
        self.reader.get_value()
    }

    fn request(&self) -> ApprovalRequest {
        self.request.get_value()
    }
}

/// The decision context of each request a page shows, started once per request for the page's life
/// (a re-read of the request after a decision keeps it).
#[derive(Clone, Copy)]
pub struct DecisionContexts {
    app: AppContext,
    owner: StoredValue<Option<Owner>, LocalStorage>,
    started: StoredValue<Option<(RequestKey, DecisionContext)>, LocalStorage>,
}

impl DecisionContexts {
    /// Contexts owned by the current component (disposed with it).
    pub fn new(app: AppContext) -> Self {
        DecisionContexts {
            app,
            owner: StoredValue::new_local(Owner::current()),
            started: StoredValue::new_local(None),
        }
    }

    /// The context of `request`, started now unless it already was.
    pub fn for_request(&self, request: &ApprovalRequest) -> DecisionContext {
        if let Some((key, context)) = self.started.get_value() {
            if key == request.key {
                return context;
            }
        }
        let start = || DecisionContext::start(self.app, request);
        let context = match self.owner.get_value() {
            Some(owner) => owner.with(start),
            None => start(),
        };
        self.started.set_value(Some((request.key.clone(), context)));
        context
    }
}

/// A reader with the signed-in user's tokens (own sign-in, or the host portal's).
fn reader(app: &AppContext) -> Option<ContextReader> {
    let services = app.services();
    let tokens: Rc<dyn TokenSource> = match (services.session.clone(), services.host.clone()) {
        (Some(session), _) => Rc::new(session),
        (None, Some(host)) => Rc::new(host),
        (None, None) => return None,
    };
    let me = Me {
        object_id: services.account.object_id.clone(),
    };
    Some(ContextReader::new(&services.config, tokens, me))
}

/// The three panels, in reading order.
#[component]
pub fn ContextPanels(context: DecisionContext) -> impl IntoView {
    view! {
        <PolicyPanel context />
        <RecordPanel context />
        <RequesterPanel context />
    }
}

/// A panel: a status while reading, the data through `render` once read, or why there is none.
fn panel_view<T>(
    panel: Panel,
    state: PanelState<T>,
    context: DecisionContext,
    render: fn(T, DecisionContext) -> AnyView,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
{
    view! {
        <PanelFrame panel state=state_of(state)>
            {move || match state.get() {
                None => view! { <p role="status" class="muted">{panel.reading()}</p> }.into_any(),
                Some(Ok(data)) => render(data, context),
                Some(Err(gap)) => view! { <GapView gap panel context /> }.into_any(),
            }}
        </PanelFrame>
    }
}

/// The frame every panel shares: a titled card with its own `data-testid`, and while reading, a status.
#[component]
fn PanelFrame(
    panel: Panel,
    #[prop(into)] state: Signal<&'static str>,
    children: Children,
) -> impl IntoView {
    let id = format!("context-{}-title", panel.slug());
    view! {
        <section
            class="card context-panel"
            aria-labelledby=id.clone()
            data-testid=format!("context-{}", panel.slug())
            data-state=state
        >
            <h2 id=id.clone()>{panel.title()}</h2>
            {children()}
        </section>
    }
}

/// Why a panel has no data: "Not visible to you" with the reason, or the failure with a retry.
#[component]
fn GapView(gap: ContextGap, panel: Panel, context: DecisionContext) -> impl IntoView {
    let request = context.request();
    let sentence = gap.explain(panel, request.key.source, &request.scope.name);
    let retryable = matches!(
        gap,
        ContextGap::Failed {
            retryable: true,
            ..
        }
    );
    let not_visible = gap.is_not_visible();
    view! {
        <div class="context-gap" data-testid="context-gap" data-gap=gap_kind(&gap)>
            {not_visible.then(|| view! { <p class="not-visible"><strong>{not_visible_label(&gap)}</strong></p> })}
            <p>{sentence}</p>
            {not_visible
                .then(|| {
                    view! {
                        <p class="muted">
                            "You can still see the request's justification, ticket and requested duration above."
                        </p>
                    }
                })}
            {retryable
                .then(|| {
                    view! {
                        <button
                            type="button"
                            class="button secondary"
                            data-testid="context-retry"
                            on:click=move |_| context.retry(panel)
                        >
                            "Try again"
                        </button>
                    }
                })}
        </div>
    }
}

/// Consent is the organisation's, not the approver's: "Not visible." then; a role is the approver's.
fn not_visible_label(gap: &ContextGap) -> &'static str {
    match gap {
        ContextGap::NoConsent { .. } => "Not visible.",
        _ => "Not visible to you.",
    }
}

fn gap_kind(gap: &ContextGap) -> &'static str {
    match gap {
        ContextGap::NoApi => "no-api",
        ContextGap::NoConsent { .. } => "no-consent",
        ContextGap::NoAccess => "no-access",
        ContextGap::NoLicence => "no-licence",
        ContextGap::Missing(_) => "missing",
        ContextGap::Failed { .. } => "failed",
    }
}

/// `loading`, `ready` or `gap`, for tests and styles.
fn state_of<T: Send + Sync + 'static>(state: PanelState<T>) -> Signal<&'static str> {
    Signal::derive(move || {
        state.with(|s| match s {
            None => "loading",
            Some(Ok(_)) => "ready",
            Some(Err(_)) => "gap",
        })
    })
}
