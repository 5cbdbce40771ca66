//! Request detail (`/requests/{source}/{id}`, deep-linkable): everything about one request, the
//! "Before approving" checklist and warnings, its timeline, and the decision with a justification.
//! An old link to a decided, expired or canceled request shows its outcome.

use crate::components::badges::{RiskBadge, SourceBadge, StatusBadge};
use crate::components::context::{ContextPanels, DecisionContexts};
use crate::components::decision::{Blocked, DecisionOutcomeBanner, DecisionPanel};
use crate::components::requester::Requester;
use crate::components::source_status::SourceErrorView;
use crate::components::time::{ExpiryCountdown, LocalTime};
use crate::components::timeline::{outcome_sentence, Timeline};
use crate::components::untrusted::Untrusted;
use crate::domain::blockers::blocker;
use crate::domain::checklist::BEFORE_APPROVING;
use crate::domain::warnings::{self, Warning};
use crate::domain::{text, RiskLevel};
use crate::domain::{Approval, ApprovalRequest, RequestKey, RequestStatus};
use crate::routes::Route;
use crate::sources::SourceError;
use crate::state::decisions::DecisionState;
use crate::state::{use_app, AppContext};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

/// A request with its approval as read when the page opened.
#[derive(Clone, Debug, PartialEq)]
struct Detail {
    request: ApprovalRequest,
    /// `Err` when the approval could not be read (the page still shows the request).
    approval: Result<Approval, SourceError>,
}

#[derive(Clone, Debug, PartialEq)]
enum LoadError {
    UnknownSource(String),
    NotFound(RequestKey),
    Source(SourceError),
}

/// Reads the request (from the queue when it is there) and its approval. After the user's own
/// confirmed decision a service may still list the request as pending for a moment, or (MIM PAM) not
/// at all: the request as the pipeline confirmed it is used then. The decision context starts as soon
/// as the request is known, beside the approval read, not after it.
async fn load(
    app: AppContext,
    key: Result<RequestKey, String>,
    contexts: DecisionContexts,
) -> Result<Detail, LoadError> {
    let key = key.map_err(LoadError::UnknownSource)?;
    let source = app
        .source(key.source)
        .ok_or_else(|| LoadError::UnknownSource(key.source.slug().to_string()))?;
    let confirmed = app.decisions.confirmed_request(&key);
    let request = match app.queue.find(&key) {
        Some(request) => request,
        None => match (
            source.find(&key.id).await.map_err(LoadError::Source)?,
            confirmed,
        ) {
            (Some(found), Some(ours)) if found.is_pending() => ours,
            (Some(found), _) => found,
            (None, Some(ours)) => ours,
            (None, None) => return Err(LoadError::NotFound(key)),
        },
    };
    contexts.for_request(&request);
    let approval = source.approval(&request).await;
    Ok(Detail { request, approval })
}

#[component]
pub fn RequestDetailPage() -> impl IntoView {
    let app = use_app();
    let params = use_params_map();
    let key = Memo::new(move |_| {
        params.with(|p| {
            Route::request_key(
                &p.get("source").unwrap_or_default(),
                &p.get("id").unwrap_or_default(),
            )
        })
    });
    // The decision's state for this request, wherever it was started (app-level, survives navigation).
    let decision = Memo::new(move |_| key.get().ok().and_then(|k| app.decisions.state(&k)));
    let closed = Memo::new(move |_| {
        decision
            .with(|d| matches!(d, Some(DecisionState::Settled(s)) if s.outcome.closes_request()))
    });
    // Looked at: no longer "new" in the queue.
    Effect::new(move |_| {
        if let Ok(key) = key.get() {
            app.queue.seen(&key);
        }
    });
    let contexts = DecisionContexts::new(app);
    // Read again when a decision closed the request, to show it as it now stands.
    let detail = LocalResource::new(move || {
        closed.track();
        load(app, key.get(), contexts)
    });
    let retry = Callback::new(move |_| detail.refetch());
    view! {
        <section class="page detail">
            <p class="back">
                <A href=Route::Queue.href()>"← Approve requests"</A>
            </p>
            {move || match decision.get() {
                Some(DecisionState::Settled(settled)) => {
                    Some(view! { <DecisionOutcomeBanner settled=*settled /> })
                }
                _ => None,
            }}
            <Transition fallback=|| view! { <p role="status">"Loading request…"</p> }>
                {move || {
                    detail
                        .get()
                        .map(|result| match result {
                            Ok(detail) => view! { <DetailView detail retry contexts /> }.into_any(),
                            Err(error) => view! { <LoadErrorView error retry /> }.into_any(),
                        })
                }}
            </Transition>
        </section>
    }
}

#[component]
fn LoadErrorView(error: LoadError, retry: Callback<()>) -> impl IntoView {
    match error {
        LoadError::UnknownSource(slug) => view! {
            <div class="not-found" data-testid="request-missing">
                <h1>"Request not found"</h1>
                <p>{format!("\"{slug}\" is not a source this app reads, or it is turned off in config.json.")}</p>
            </div>
        }
        .into_any(),
        LoadError::NotFound(key) => view! {
            <div class="not-found" data-testid="request-missing">
                <h1>"Request not found"</h1>
                <p>
                    {format!(
                        "{} has no request with id \"{}\" that you can see. It may have been removed after PIM's 30-day retention, or the link may be incomplete.",
                        key.source.label(),
                        key.id,
                    )}
                </p>
                <p>
                    <A href=Route::Queue.href()>"Go to the requests waiting for you"</A>
                </p>
            </div>
        }
        .into_any(),
        LoadError::Source(error) => view! {
            <h1>"Request"</h1>
            <SourceErrorView error on_retry=retry />
        }
        .into_any(),
    }
}

/// The decision side: the panel with a plain approval, or why there is none.
#[component]
fn DecisionArea(detail: Detail, retry: Callback<()>) -> impl IntoView {
    let app = use_app();
    let request = detail.request;
    match detail.approval {
        Err(error) => view! {
            <section class="card decision">
                <h2>"Decision"</h2>
                <p>"The approval could not be read, so a decision cannot be sent yet."</p>
                <SourceErrorView error on_retry=retry />
            </section>
        }
        .into_any(),
        Ok(approval) => {
            let now = app.clock.now.get_untracked();
            // A decision already in flight (started before navigating here) shows its progress in
            // the panel, whatever the approval read since says.
            let in_flight = app
                .decisions
                .state(&request.key)
                .is_some_and(|s| s.in_flight());
            match blocker(&request, &approval, &app.me(), now).filter(|_| !in_flight) {
                Some(reason) => {
                    let kind = request.key.source;
                    view! { <Blocked reason kind /> }.into_any()
                }
                None => view! { <DecisionPanel request approval /> }.into_any(),
            }
        }
    }
}

#[component]
fn DetailView(detail: Detail, retry: Callback<()>, contexts: DecisionContexts) -> impl IntoView {
    let app = use_app();
    let config = app.config();
    let request = detail.request.clone();
    let level = config.risk.level(&request.role);
    let is_pending = request.is_pending();
    // The decision context is read in the background (started by `load`): nothing below waits for
    // it. The warnings use PIM's policy once it is read, the configured limits until then (and say
    // which).
    let context = contexts.for_request(&request);
    let warnings = {
        let request = request.clone();
        let (risk, durations) = (config.risk.clone(), config.max_duration.clone());
        Memo::new(move |_| {
            let policy = context.policy_read();
            warnings::warnings_with_policy(&request, &risk, &durations, policy.as_ref())
        })
    };
    // A memo, so the once-a-second clock only re-renders when the status really changes.
    let status = {
        let request = request.clone();
        Memo::new(move |_| request.effective_status(app.clock.now.get()))
    };
    let settled = {
        let request = detail.request.clone();
        let approval = detail.approval.clone().ok();
        move || {
            (status.get() != RequestStatus::Pending).then(|| {
                outcome_sentence(&request, approval.as_ref(), app.clock.now.get_untracked())
            })
        }
    };
    let stage_name = detail
        .approval
        .as_ref()
        .ok()
        .and_then(|a| a.stages.iter().find_map(|s| s.name.clone()));
    view! {
        <article data-testid="request-detail" data-source=request.key.source.slug() data-id=request.key.id.clone()>
            <DetailHeader request=request.clone() status level />
            {move || settled().map(|text| view! { <p class="outcome" data-testid="outcome">{text}</p> })}
            <div class="detail-grid">
                <div class="detail-main">
                    <Facts request=detail.request.clone() stage_name />
                    <RequesterJustification justification=detail.request.justification.clone() />
                    <ContextPanels context />
                    <Timeline request=detail.request.clone() approval=detail.approval.clone() />
                </div>
                <aside class="detail-side">
                    {is_pending.then(|| view! { <Warnings warnings /> <Checklist /> })}
                    {move || {
                        (status.get() == RequestStatus::Pending)
                            .then(|| {
                                view! { <DecisionArea detail=detail.clone() retry /> }
                            })
                    }}
                </aside>
            </div>
        </article>
    }
}

/// The title (role for requester) and the status, risk and source badges.
#[component]
fn DetailHeader(
    request: ApprovalRequest,
    status: Memo<RequestStatus>,
    level: RiskLevel,
) -> impl IntoView {
    // Another person's text, isolated and without hidden characters (the facts below flag them).
    view! {
        <header class="detail-head">
            <h1>
                <bdi>{text::without_hidden(&request.role.name).into_owned()}</bdi>
                " for "
                <bdi>{text::without_hidden(request.requester.name()).into_owned()}</bdi>
            </h1>
            <div class="badges">
                {move || view! { <StatusBadge status=status.get() /> }}
                <RiskBadge level />
                <SourceBadge source=request.key.source />
            </div>
        </header>
    }
}

/// The requester's own words, as text.
#[component]
fn RequesterJustification(justification: Option<String>) -> impl IntoView {
    view! {
        <section aria-labelledby="justification-title" class="card requester-justification">
            <h2 id="justification-title">"Requester's justification"</h2>
            <p class="quoted" data-testid="requester-justification">
                {match justification {
                    Some(text) => view! { <Untrusted text what="justification" /> }.into_any(),
                    None => "None given.".into_any(),
                }}
            </p>
        </section>
    }
}

/// "Look twice": the warnings of a pending request, when there are any.
#[component]
fn Warnings(warnings: Memo<Vec<Warning>>) -> impl IntoView {
    move || {
        warnings.with(|w| !w.is_empty()).then(|| {
            view! {
                <section class="card warnings" aria-labelledby="warnings-title" data-testid="warnings">
                    <h2 id="warnings-title">"Look twice"</h2>
                    <ul>
                        {warnings.get().iter().map(|w| view! { <li>{w.message()}</li> }).collect_view()}
                    </ul>
                </section>
            }
        })
    }
}

/// "Before approving": the approver's checklist.
#[component]
fn Checklist() -> impl IntoView {
    view! {
        <section class="card checklist" aria-labelledby="checklist-title">
            <h2 id="checklist-title">"Before approving"</h2>
            <ul>{BEFORE_APPROVING.iter().map(|item| view! { <li>{*item}</li> }).collect_view()}</ul>
        </section>
    }
}

#[component]
fn Facts(request: ApprovalRequest, stage_name: Option<String>) -> impl IntoView {
    let ticket = request.ticket.clone().map(|t| match t.system {
        Some(system) => format!("{} ({system})", t.number),
        None => t.number,
    });
    let is_pending = request.is_pending();
    view! {
        <dl class="facts card">
            <dt>"Requestor"</dt>
            <dd>
                <Requester person=request.requester.clone() />
            </dd>
            <dt>"Role"</dt>
            <dd>
                <Untrusted text=request.role.name.clone() what="role name" />
            </dd>
            <dt>"Scope"</dt>
            <dd>
                <Untrusted text=request.scope.name.clone() what="scope name" />
            </dd>
            <dt>"Request type"</dt>
            <dd>{request.action.label().to_string()}</dd>
            <dt>"Duration"</dt>
            <dd>{request.duration.to_string()}</dd>
            <dt>"Starts"</dt>
            <dd>
                {match request.start {
                    Some(at) => view! { <LocalTime at /> }.into_any(),
                    None => "When approved".into_any(),
                }}
            </dd>
            <dt>"Requested"</dt>
            <dd>
                <LocalTime at=request.created />
            </dd>
            {is_pending
                .then(|| {
                    view! {
                        <dt>"Expires in"</dt>
                        <dd>
                            <ExpiryCountdown created=request.created />
                        </dd>
                    }
                })}
            <dt>"Ticket"</dt>
            <dd>
                <Untrusted text=ticket.unwrap_or_else(|| "None".into()) what="ticket" />
            </dd>
            <dt>"Approval stage"</dt>
            <dd>
                <Untrusted text=stage_name.unwrap_or_else(|| "Approval".into()) what="stage name" />
            </dd>
            <dt>"Source"</dt>
            <dd>{request.key.source.label()}</dd>
            <dt>"Request id"</dt>
            <dd class="mono">{request.key.id.clone()}</dd>
        </dl>
    }
}
