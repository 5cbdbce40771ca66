//! The decision context beside a request's decision (issue 9): the role's PIM policy, the requester's
//! record for the role and who the requester is. [`DecisionContext::start`] reads all three at once in
//! the background when the detail opens; the decision never waits for it. Each panel shows its own data
//! or its own reason ("Not visible to you" and why, or a failure with a retry for that panel only).

mod duration_mark;
mod policy_panel;
mod record_panel;
mod requester_panel;

use crate::auth::TokenSource;
use crate::domain::context_gap::{ContextGap, Panel};
use crate::domain::requester_facts::RequesterFacts;
use crate::domain::requester_record::RequesterRecord;
use crate::domain::role_policy::RolePolicy;
use crate::domain::ApprovalRequest;
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
        let request = request.clone();
        let now = app.clock.now.get_untracked();
        leptos::task::spawn_local(async move {
            let read = reader.read_all(&request, now).await;
            // The page may have been left meanwhile: then there is nothing to fill in.
            context.policy.try_set(Some(read.policy));
            context.record.try_set(Some(read.record));
            context.requester.try_set(Some(read.requester));
        });
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
        let request = self.request.get_value();
        let now = self.app.clock.now.get_untracked();
        let this = *self;
        match panel {
            Panel::Policy => this.policy.set(None),
            Panel::Record => this.record.set(None),
            Panel::Requester => this.requester.set(None),
        }
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
            {not_visible.then(|| view! { <p class="not-visible"><strong>"Not visible to you."</strong></p> })}
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
