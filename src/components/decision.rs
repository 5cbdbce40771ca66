//! The decision: a required justification and Approve / Deny buttons named after the request, and the
//! outcome of the decision in words. The panel only reads and dispatches: the app-level pipeline
//! ([`crate::state::decisions`]) sends the write, settles uncertain answers by reading back, and owns
//! the in-flight state, so this panel can be left and reopened mid-write without re-enabling anything.
//! The typed justification is a draft in `sessionStorage`, kept through every failure and reload.

use crate::components::justification::{justification_to_send, JustificationField};
use crate::components::source_status::SourceErrorView;
use crate::components::time::LocalTime;
use crate::domain::blockers::Blocker;
use crate::domain::outcome::Outcome;
use crate::domain::{Approval, ApprovalRequest, Decision, SourceKind};
use crate::state::decisions::{DecisionInput, DecisionState, Settled};
use crate::state::use_app;
use leptos::prelude::*;

/// The request is closed by the decision: the page's banner for the outcome (confirmed, or someone
/// else was first, or it expired). `None` while nothing closed it.
#[component]
pub fn DecisionOutcomeBanner(settled: Settled) -> impl IntoView {
    let message = settled.message();
    match settled.outcome {
        Outcome::Confirmed(_) => Some(
            view! { <p class="banner success" data-testid="confirmation">{message}</p> }.into_any(),
        ),
        Outcome::DecidedFirst(review) => {
            let justification = review.justification.clone();
            Some(
                view! {
                    <div class="banner warning" data-testid="notice">
                        <p>{message}</p>
                        <p class="decided-first">
                            {format!("{} by ", review.decision.past_tense())}
                            <bdi class="person-name">{review.by.name().to_string()}</bdi>
                            {review.at.map(|at| view! { " at " <LocalTime at /> })}
                            {justification.map(|j| view! { ": " <q class="quoted"><bdi>{j}</bdi></q> })}
                        </p>
                    </div>
                }
                .into_any(),
            )
        }
        Outcome::Expired => {
            Some(view! { <p class="banner warning" data-testid="notice">{message}</p> }.into_any())
        }
        Outcome::NotRecorded | Outcome::Unknown => None,
    }
}

#[component]
pub fn DecisionPanel(request: ApprovalRequest, approval: Approval) -> impl IntoView {
    let app = use_app();
    let key = request.key.clone();
    let Some(source) = app.source(key.source) else {
        return ().into_any();
    };
    let policy = app.config().approver_justification;
    let records_justification = source.records_justification();
    let subject = format!("{} for {}", request.role.name, request.requester.name());
    let draft = RwSignal::new(app.drafts.load(&key));
    let invalid = RwSignal::new(None::<String>);
    let textarea = NodeRef::<leptos::html::Textarea>::new();
    let intended = intended_decision(textarea);
    let state = {
        let key = key.clone();
        Memo::new(move |_| app.decisions.state(&key))
    };
    let input = StoredValue::new((request, approval));
    let submit = move |decision: Decision| {
        let text = draft.get_untracked();
        let Some(justification) =
            justification_to_send(records_justification, policy, &text, invalid, textarea)
        else {
            return;
        };
        let (request, approval) = input.get_value();
        app.decisions.decide(DecisionInput {
            request,
            approval,
            decision,
            justification,
        });
    };
    let save_draft = Callback::new(move |text: String| {
        app.drafts.save(&key, &text);
        draft.set(text);
    });
    view! {
        <section class="card decision" aria-labelledby="decision-title" data-testid="decision-panel">
            <h2 id="decision-title">"Your decision"</h2>
            {if records_justification {
                view! {
                    <JustificationField
                        id="approver-justification"
                        lines="justification"
                        label="Justification"
                        rows=4
                        policy
                        draft
                        invalid
                        textarea
                        on_input=save_draft
                    />
                }
                    .into_any()
            } else {
                view! { <NoJustificationNote /> }.into_any()
            }}
            <DecisionButtons subject intended state on_decide=Callback::new(submit) />
            <DecisionProgress state />
        </section>
    }
    .into_any()
}

/// Approve and Deny, both off while the decision is being written or nobody can tell its outcome.
#[component]
fn DecisionButtons(
    subject: String,
    intended: Option<Decision>,
    state: Memo<Option<DecisionState>>,
    on_decide: Callback<Decision>,
) -> impl IntoView {
    let busy = move || {
        state.with(|s| match s {
            Some(DecisionState::Settled(settled)) => !settled.outcome.allows_retry(),
            Some(_) => true,
            None => false,
        })
    };
    view! {
        <div class="decision-buttons">
            {[Decision::Approve, Decision::Deny]
                .into_iter()
                .map(|decision| {
                    let subject = subject.clone();
                    let on_click = Callback::new(move |()| on_decide.run(decision));
                    view! { <DecisionButton decision subject intended busy on_click /> }
                })
                .collect_view()}
        </div>
    }
}

/// The write's progress in words (announced), then what the panel says when it did not settle.
#[component]
fn DecisionProgress(state: Memo<Option<DecisionState>>) -> impl IntoView {
    view! {
        <p class="sending" role="status" data-testid="decision-progress">
            {move || state.with(|s| s.as_ref().and_then(DecisionState::progress))}
        </p>
        {move || match state.get() {
            Some(DecisionState::Settled(settled)) => view! { <Unsettled settled=*settled /> }.into_any(),
            _ => ().into_any(),
        }}
    }
}

/// The decision the approver meant when the detail was opened from the queue with `a` or `d`
/// (`?decide=approve|deny`): the justification box takes focus and that button is marked; the
/// decision is still sent only by pressing it.
fn intended_decision(textarea: NodeRef<leptos::html::Textarea>) -> Option<Decision> {
    let intended = leptos_router::hooks::use_query_map()
        .with_untracked(|q| q.get("decide"))
        .and_then(|d| match d.as_str() {
            "approve" => Some(Decision::Approve),
            "deny" => Some(Decision::Deny),
            _ => None,
        });
    if intended.is_some() {
        // After the frame that attaches the panel (focusing a detached element does nothing).
        Effect::new(move |_| {
            if textarea.get().is_some() {
                request_animation_frame(move || {
                    if let Some(el) = textarea.get_untracked() {
                        let _ = el.focus();
                    }
                });
            }
        });
    }
    intended
}

/// Approve or Deny, named with what it decides ("Approve Global Administrator for Megan Bowen").
#[component]
fn DecisionButton(
    decision: Decision,
    subject: String,
    intended: Option<Decision>,
    busy: impl Fn() -> bool + Send + Sync + 'static,
    on_click: Callback<()>,
) -> impl IntoView {
    let name = decision.verb();
    let class = format!(
        "button {}{}",
        name.to_lowercase(),
        if intended == Some(decision) {
            " intended"
        } else {
            ""
        },
    );
    view! {
        <button
            type="button"
            class=class
            data-testid=name.to_lowercase()
            aria-label=format!("{name} {subject}")
            disabled=busy
            on:click=move |_| on_click.run(())
        >
            {name}
        </button>
    }
}

/// MIM PAM records no approver's justification: said instead of the box.
#[component]
fn NoJustificationNote() -> impl IntoView {
    view! {
        <p class="note" data-testid="no-justification-note">
            "MIM PAM's approval API takes no justification: your decision is recorded without one. Note your reason in your change record if your process needs it."
        </p>
    }
}

/// What the panel says when nothing was recorded (the buttons are back), or when nobody can tell (the
/// buttons stay off; "Check again" reads the request back, it never resends).
#[component]
fn Unsettled(settled: Settled) -> impl IntoView {
    let app = use_app();
    let message = settled.message();
    let key = settled.input.request.key.clone();
    match settled.outcome {
        Outcome::NotRecorded => Some(
            view! {
                <div class="decision-error" data-testid="decision-error" data-outcome="not-recorded">
                    <p class="decision-outcome">{message}</p>
                    <p class="keeps">"Your justification is still in the box; nothing was lost."</p>
                    {settled.error.map(|error| view! { <SourceErrorView error /> })}
                </div>
            }
            .into_any(),
        ),
        Outcome::Unknown => Some(
            view! {
                <div class="decision-error" data-testid="decision-error" data-outcome="unknown">
                    <p class="decision-outcome">{message}</p>
                    {settled.error.map(|error| view! { <SourceErrorView error /> })}
                    {settled.read_back_error.map(|error| view! { <SourceErrorView error /> })}
                    <button
                        type="button"
                        class="button secondary"
                        data-testid="check-again"
                        on:click=move |_| app.decisions.check_again(&key)
                    >
                        "Check again"
                    </button>
                </div>
            }
            .into_any(),
        ),
        _ => None,
    }
}

/// Why this request cannot be decided here, with a way to the portal where that helps.
#[component]
pub fn Blocked(reason: Blocker, kind: SourceKind) -> impl IntoView {
    let app = use_app();
    let portal_link = (reason == Blocker::ExtendOrRenew
        && kind != SourceKind::PortalApi
        && kind != SourceKind::MimPam)
        .then(|| {
            format!(
                "{}/#view/Microsoft_Azure_PIMCommon/CommonMenuBlade/~/approvals",
                app.config().azure_portal_url
            )
        });
    view! {
        <section class="card decision blocked" data-testid="decision-blocked" data-reason=format!("{reason:?}")>
            <h2>"Decision"</h2>
            <p>{reason.explanation()}</p>
            {portal_link
                .map(|href| {
                    view! {
                        <p>
                            <a href=href target="_blank" rel="noopener noreferrer">
                                "Open PIM approvals in the Azure portal"
                            </a>
                        </p>
                    }
                })}
        </section>
    }
}
