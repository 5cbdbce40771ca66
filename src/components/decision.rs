//! The decision: a required justification and Approve / Deny buttons named after the request. One click
//! sends one write; the typed justification survives every failure; success is shown only when the
//! service confirmed it (a dropped connection is followed by a read to find out what happened).

use crate::domain::blockers::{blocker, Blocker};
use crate::domain::{
    Approval, ApprovalRequest, Decision, Person, RequestStatus, Review, SourceKind,
};
use crate::pages::request_detail::Detail;
use crate::sources::{ErrorKind, RequestSource, SourceError};
use crate::state::{load_queue, use_app, AppContext};
use leptos::prelude::*;
use std::rc::Rc;

/// Messages for the whole page, kept above the parts that reload.
#[derive(Clone, Copy)]
pub struct PageNotices {
    pub confirmation: RwSignal<Option<String>>,
    pub notice: RwSignal<Option<String>>,
    /// The request as the service confirmed it after our decision, for services that cannot show a
    /// decided request again (MIM PAM lists only pending ones).
    pub confirmed: RwSignal<Option<ApprovalRequest>>,
}

impl PageNotices {
    pub fn new() -> Self {
        PageNotices {
            confirmation: RwSignal::new(None),
            notice: RwSignal::new(None),
            confirmed: RwSignal::new(None),
        }
    }
}

impl Default for PageNotices {
    fn default() -> Self {
        Self::new()
    }
}

#[derive(Clone, Debug, PartialEq)]
enum SendState {
    Idle,
    Sending(Decision),
    Checking,
}

#[component]
pub fn DecisionPanel(
    detail: Detail,
    justification: RwSignal<String>,
    reload: RwSignal<u32>,
) -> impl IntoView {
    let app = use_app();
    let notices = expect_context::<PageNotices>();
    let request = detail.request.clone();
    let kind = request.key.source;
    let Some(source) = app.source(kind) else {
        return ().into_any();
    };
    let approval = match detail.approval.clone() {
        Ok(approval) => approval,
        Err(error) => {
            let retry = Callback::new(move |_| reload.update(|n| *n += 1));
            return view! {
                <section class="card decision">
                    <h2>"Decision"</h2>
                    <p>"The approval could not be read, so a decision cannot be sent yet."</p>
                    <crate::components::source_status::SourceErrorView error on_retry=retry />
                </section>
            }
            .into_any();
        }
    };
    if let Some(reason) = blocker(
        &request,
        &approval,
        &app.me(),
        app.clock.now.get_untracked(),
    ) {
        return view! { <Blocked reason kind /> }.into_any();
    }
    let policy = app.config().approver_justification;
    let records_justification = source.records_justification();
    let subject = format!("{} for {}", request.role.name, request.requester.name());
    let state = RwSignal::new(SendState::Idle);
    let error = RwSignal::new(None::<SourceError>);
    let invalid = RwSignal::new(None::<String>);
    let done = RwSignal::new(false);
    let textarea = NodeRef::<leptos::html::Textarea>::new();
    let context = Rc::new(DecisionContext {
        app,
        source,
        detail: Detail {
            request,
            approval: Ok(approval),
        },
        subject: subject.clone(),
        notices,
        reload,
    });
    let submit = StoredValue::new_local(move |decision: Decision| {
        // Synchronous guard: a second click in the same instant sees this and sends nothing.
        if state.get_untracked() != SendState::Idle || done.get_untracked() {
            return;
        }
        let text = justification.get_untracked();
        let checked = if records_justification {
            match policy.validate(&text) {
                Ok(t) => t.to_string(),
                Err(message) => {
                    invalid.set(Some(message));
                    if let Some(el) = textarea.get_untracked() {
                        let _ = el.focus();
                    }
                    return;
                }
            }
        } else {
            String::new()
        };
        invalid.set(None);
        error.set(None);
        state.set(SendState::Sending(decision));
        let context = context.clone();
        leptos::task::spawn_local(async move {
            match context.send(decision, &checked, state).await {
                Ok(()) => {
                    done.set(true);
                    justification.set(String::new());
                }
                Err(e) => error.set(Some(e)),
            }
            state.set(SendState::Idle);
        });
    });
    let busy = move || state.get() != SendState::Idle || done.get();
    let status_text = move || match state.get() {
        SendState::Sending(d) => Some(format!("Sending your {}…", d.verb().to_lowercase())),
        SendState::Checking => {
            Some("The connection dropped; checking whether your decision was recorded…".into())
        }
        SendState::Idle => None,
    };
    let remaining = move || {
        let used = justification.with(|t| t.trim().chars().count());
        format!(
            "{used} / {} characters (at least {})",
            policy.max_length, policy.min_length
        )
    };
    view! {
        <section class="card decision" aria-labelledby="decision-title" data-testid="decision-panel">
            <h2 id="decision-title">"Your decision"</h2>
            {if records_justification {
                view! {
                    <label for="approver-justification" class="field-label">
                        "Justification"
                        <span class="required">" (required)"</span>
                    </label>
                    <textarea
                        id="approver-justification"
                        node_ref=textarea
                        rows="4"
                        maxlength=policy.max_length.to_string()
                        aria-describedby="justification-help justification-error"
                        aria-invalid=move || invalid.with(Option::is_some).to_string()
                        prop:value=move || justification.get()
                        on:input:target=move |ev| justification.set(ev.target().value())
                    ></textarea>
                    <p id="justification-help" class="help">{remaining}</p>
                    <p id="justification-error" class="field-error" role="alert">
                        {move || invalid.get()}
                    </p>
                }
                    .into_any()
            } else {
                view! {
                    <p class="note" data-testid="no-justification-note">
                        "MIM PAM's approval API takes no justification: your decision is recorded without one. Note your reason in your change record if your process needs it."
                    </p>
                }
                    .into_any()
            }}
            <div class="decision-buttons">
                {[Decision::Approve, Decision::Deny]
                    .into_iter()
                    .map(|decision| {
                        let name = decision.verb();
                        view! {
                            <button
                                type="button"
                                class=format!("button {}", name.to_lowercase())
                                data-testid=name.to_lowercase()
                                aria-label=format!("{name} {subject}")
                                disabled=busy
                                on:click=move |_| submit.with_value(|f| f(decision))
                            >
                                {name}
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
            <p class="sending" role="status">{status_text}</p>
            {move || {
                error
                    .get()
                    .map(|e| {
                        view! {
                            <div class="decision-error">
                                <p class="keeps">"Your justification is still in the box; nothing was lost."</p>
                                <crate::components::source_status::SourceErrorView error=e />
                            </div>
                        }
                    })
            }}
        </section>
    }
    .into_any()
}

#[component]
fn Blocked(reason: Blocker, kind: SourceKind) -> impl IntoView {
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

struct DecisionContext {
    app: AppContext,
    source: Rc<dyn RequestSource>,
    detail: Detail,
    subject: String,
    notices: PageNotices,
    reload: RwSignal<u32>,
}

impl DecisionContext {
    fn approval(&self) -> &Approval {
        self.detail
            .approval
            .as_ref()
            .expect("checked before the panel renders")
    }

    /// Sends once; on a dropped connection reads the approval back instead of sending again.
    async fn send(
        &self,
        decision: Decision,
        justification: &str,
        state: RwSignal<SendState>,
    ) -> Result<(), SourceError> {
        let request = &self.detail.request;
        match self
            .source
            .decide(self.approval(), decision, justification)
            .await
        {
            Ok(()) => {
                self.confirmed(decision, justification);
                Ok(())
            }
            Err(e) if matches!(e.kind, ErrorKind::AlreadyDecided | ErrorKind::Expired) => {
                self.overtaken(&e);
                Err(e)
            }
            Err(e) if e.kind == ErrorKind::Network => {
                state.set(SendState::Checking);
                let me = self.app.me();
                match self.source.approval(request).await {
                    Ok(now)
                        if now
                            .settling_review()
                            .is_some_and(|r| r.by.is(&me) && r.decision == decision) =>
                    {
                        self.confirmed(decision, justification);
                        Ok(())
                    }
                    Ok(now) if now.settling_review().is_some() => {
                        self.overtaken(&e);
                        Err(SourceError::new(e.source, ErrorKind::AlreadyDecided))
                    }
                    _ => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }

    fn confirmed(&self, decision: Decision, justification: &str) {
        let account = self.app.services().account;
        let mut decided = self.detail.request.clone();
        decided.status = match decision {
            Decision::Approve => RequestStatus::Approved,
            Decision::Deny => RequestStatus::Denied,
        };
        decided.review = Some(Review {
            decision,
            by: Person {
                id: Some(account.object_id),
                display_name: Some(account.name),
                upn: Some(account.username),
            },
            at: Some(chrono::Utc::now()),
            justification: (!justification.is_empty()).then(|| justification.to_string()),
        });
        decided.completed = decided.review.as_ref().and_then(|r| r.at);
        self.notices.confirmed.set(Some(decided));
        self.app.changes.update(|n| *n += 1);
        let message = format!(
            "{}: {}. The service confirmed your decision.",
            decision.past_tense(),
            self.subject
        );
        self.app.queue.remove(&self.detail.request.key);
        self.app.announcer.say(message.clone());
        self.notices.confirmation.set(Some(message));
        self.notices.notice.set(None);
        self.reload.update(|n| *n += 1);
    }

    fn overtaken(&self, error: &SourceError) {
        let text = match error.kind {
            ErrorKind::Expired => "Your decision was not recorded: the request expired before it arrived.",
            _ => "Your decision was not recorded: someone else decided this request first. Their decision is shown below.",
        };
        self.app.announcer.say(text);
        self.notices.notice.set(Some(text.to_string()));
        self.app.queue.remove(&self.detail.request.key);
        self.app.changes.update(|n| *n += 1);
        load_queue(self.app, Some(self.detail.request.key.source));
        self.reload.update(|n| *n += 1);
    }
}
