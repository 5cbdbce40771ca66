//! Bulk decisions on the queue: the selection bar ("3 selected", Approve…, Deny…, Clear, and "Select
//! all N matching"), the pre-flight summary (how many per source, Critical and High by role, what is
//! left out and why, one justification, the extra confirmation for Critical), and the run (a progress
//! bar, then one result per request with "Retry the failed ones"). The views only read and dispatch:
//! [`crate::state::bulk`] owns the selection and the run, the decision pipeline owns every write.

use crate::components::justification::{justification_to_send, JustificationField};
use crate::components::source_status::SourceErrorView;
use crate::components::untrusted::Untrusted;
use crate::domain::bulk::{Left, Preflight, RoleGroup, Tally};
use crate::domain::outcome::Outcome;
use crate::domain::policy::JustificationPolicy;
use crate::domain::{Decision, RiskLevel, SourceKind};
use crate::state::bulk::{Phase, Run};
use crate::state::decisions::{DecisionInput, DecisionState};
use crate::state::use_app;
use leptos::prelude::*;

/// "3 selected" with Approve…, Deny… and Clear; "Select all N matching" while nothing is under way.
#[component]
pub fn BulkBar() -> impl IntoView {
    let app = use_app();
    let bulk = app.bulk;
    let selection = bulk.selection;
    let count = Memo::new(move |_| selection.count());
    let shown = Memo::new(move |_| app.queue.data.with(|d| d.shown()));
    let idle = move || bulk.phase.with(|p| *p == Phase::Idle);
    let select_all = move |_| {
        let keys = app.queue.data.with_untracked(|d| d.arranged_keys());
        selection.set_all(keys, true);
        bulk.announce_selection();
    };
    let clear = move |_| {
        selection.clear();
        bulk.announce_selection();
    };
    view! {
        <Show when=idle>
            <div class="bulk-bar" data-testid="bulk-bar" role="group" aria-label="Bulk decision">
                <Show when=move || { count.get() > 0 }>
                    <strong class="bulk-count" data-testid="bulk-count">
                        {move || format!("{} selected", count.get())}
                    </strong>
                    <button type="button" class="button approve" data-testid="bulk-approve" on:click=move |_| bulk.prepare(Decision::Approve)>
                        "Approve…"
                    </button>
                    <button type="button" class="button deny" data-testid="bulk-deny" on:click=move |_| bulk.prepare(Decision::Deny)>
                        "Deny…"
                    </button>
                    <button type="button" class="button secondary" data-testid="bulk-clear" on:click=clear>
                        "Clear"
                    </button>
                </Show>
                <Show when=move || { shown.get() > count.get() }>
                    <button type="button" class="link-button" data-testid="bulk-select-all" on:click=select_all>
                        {move || format!("Select all {} matching the filter", shown.get())}
                    </button>
                </Show>
            </div>
        </Show>
    }
}

/// What the bulk decision shows while it is under way: reading, the summary, or the run.
#[component]
pub fn BulkPanel() -> impl IntoView {
    let app = use_app();
    let phase = app.bulk.phase;
    // The panel's heading takes focus when a new step of it appears, so keyboard and screen-reader
    // users land on it.
    let step = Memo::new(move |_| {
        phase.with(|p| match p {
            Phase::Idle => 0,
            Phase::Reading { .. } => 1,
            Phase::Review(_) => 2,
            Phase::Sent(_) => 3,
        })
    });
    Effect::new(move |_| {
        if step.get() > 1 {
            request_animation_frame(|| {
                if let Some(heading) = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.get_element_by_id("bulk-title"))
                    .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
                {
                    let _ = heading.focus();
                }
            });
        }
    });
    move || {
        match phase.get() {
        Phase::Idle => ().into_any(),
        Phase::Reading { decision, count } => view! {
            <section class="card bulk-panel" aria-labelledby="bulk-title" data-testid="bulk-reading">
                <h2 id="bulk-title" tabindex="-1">{format!("{} selected requests", decision.verb())}</h2>
                <p role="status">{format!("Reading the approvals of {count} requests as they stand now…")}</p>
                <button type="button" class="button secondary" on:click=move |_| app.bulk.close()>"Cancel"</button>
            </section>
        }
        .into_any(),
        Phase::Review(summary) => view! { <PreflightSummary summary /> }.into_any(),
        Phase::Sent(run) => view! { <RunResults run /> }.into_any(),
    }
    }
}

/// "Approve 12 requests", "1 request".
fn requests(n: usize) -> String {
    match n {
        1 => "1 request".to_string(),
        n => format!("{n} requests"),
    }
}

/// The pre-flight summary: nothing is sent before the approver presses the button at its end.
#[component]
fn PreflightSummary(summary: Preflight) -> impl IntoView {
    let app = use_app();
    let decision = summary.decision;
    let verb = decision.verb();
    let included = summary.included.len();
    let policy = app.config().approver_justification;
    let without_justification: usize = summary
        .included
        .iter()
        .filter(|p| {
            app.source(p.request.key.source)
                .is_some_and(|s| !s.records_justification())
        })
        .count();
    let takes_justification = without_justification < included;
    let draft = RwSignal::new(app.drafts.load_bulk());
    let invalid = RwSignal::new(None::<String>);
    let critical = summary.count_at(RiskLevel::Critical);
    let needs_confirmation = summary.needs_critical_confirmation();
    let confirmed = RwSignal::new(false);
    let textarea = NodeRef::<leptos::html::Textarea>::new();
    let can_send = Signal::derive(move || included > 0 && (!needs_confirmation || confirmed.get()));
    let stored = StoredValue::new(summary.clone());
    let send = move |()| {
        let text = draft.get_untracked();
        let Some(justification) =
            justification_to_send(takes_justification, policy, &text, invalid, textarea)
        else {
            if let Some(message) = invalid.get_untracked() {
                app.announcer.say(message);
            }
            return;
        };
        stored.with_value(|summary| app.bulk.send(summary, &justification));
    };
    let excluded = summary.excluded.clone();
    view! {
        <section class="card bulk-panel" aria-labelledby="bulk-title" data-testid="bulk-preflight">
            <h2 id="bulk-title" tabindex="-1">{format!("{verb} {}", requests(included))}</h2>
            <p class="help">
                {format!("Nothing is sent until you press “{verb} {}” below.", requests(included))}
            </p>
            <div class="bulk-summary">
                <PerSource counts=summary.per_source() />
                <RiskList level=RiskLevel::Critical groups=summary.roles_at(RiskLevel::Critical) />
                <RiskList level=RiskLevel::High groups=summary.roles_at(RiskLevel::High) />
            </div>
            <ExcludedList excluded />
            {takes_justification.then(|| view! { <BulkJustification policy draft invalid textarea /> })}
            {(without_justification > 0).then(|| view! {
                <p class="note">
                    {format!("MIM PAM takes no justification: {} will be recorded without it.", requests(without_justification))}
                </p>
            })}
            {needs_confirmation.then(|| view! { <CriticalConfirmation critical confirmed /> })}
            <BulkButtons verb included can_send on_send=Callback::new(send) />
        </section>
    }
}

/// One justification for the whole batch, kept as a draft like a single decision's.
#[component]
fn BulkJustification(
    policy: JustificationPolicy,
    draft: RwSignal<String>,
    invalid: RwSignal<Option<String>>,
    textarea: NodeRef<leptos::html::Textarea>,
) -> impl IntoView {
    let app = use_app();
    view! {
        <JustificationField
            id="bulk-justification"
            lines="bulk-justification"
            label="Justification for all of them"
            rows=3
            policy
            draft
            invalid
            textarea
            on_input=Callback::new(move |text: String| {
                app.drafts.save_bulk(&text);
                draft.set(text);
            })
        />
    }
}

/// "Approve 12 requests" (off until a Critical batch is confirmed) and Cancel.
#[component]
fn BulkButtons(
    verb: &'static str,
    included: usize,
    can_send: Signal<bool>,
    on_send: Callback<()>,
) -> impl IntoView {
    let app = use_app();
    view! {
        <div class="decision-buttons">
            <button
                type="button"
                class=format!("button {}", verb.to_lowercase())
                data-testid="bulk-send"
                disabled=move || !can_send.get()
                on:click=move |_| on_send.run(())
            >
                {format!("{verb} {}", requests(included))}
            </button>
            <button type="button" class="button secondary" data-testid="bulk-cancel" on:click=move |_| app.bulk.close()>
                "Cancel"
            </button>
        </div>
    }
}

/// How many of the included requests each source gets, or that none can be decided here.
#[component]
fn PerSource(counts: Vec<(SourceKind, usize)>) -> impl IntoView {
    let list = (!counts.is_empty()).then(|| {
        counts
            .into_iter()
            .map(|(kind, n)| {
                view! { <li data-source=kind.slug()>{format!("{}: {}", kind.label(), requests(n))}</li> }
            })
            .collect_view()
    });
    view! {
        <div>
            <h3>"Per source"</h3>
            {match list {
                None => view! { <p data-testid="bulk-none">"None of the selected requests can be decided here."</p> }.into_any(),
                Some(list) => view! { <ul class="bulk-sources" data-testid="bulk-per-source">{list}</ul> }.into_any(),
            }}
        </div>
    }
}

/// The extra, explicit confirmation Critical requests need before a bulk approval is sent.
#[component]
fn CriticalConfirmation(critical: usize, confirmed: RwSignal<bool>) -> impl IntoView {
    let text = if critical == 1 {
        " I have checked the Critical request listed above and want to approve it.".to_string()
    } else {
        format!(" I have checked the {critical} Critical requests listed above and want to approve them.")
    };
    view! {
        <label class="bulk-critical" data-testid="bulk-critical">
            <input
                type="checkbox"
                data-testid="bulk-critical-confirm"
                prop:checked=move || confirmed.get()
                on:change:target=move |ev| confirmed.set(ev.target().checked())
            />
            {text}
        </label>
    }
}

/// The Critical or High requests of the summary, by role.
#[component]
fn RiskList(level: RiskLevel, groups: Vec<RoleGroup>) -> impl IntoView {
    (!groups.is_empty()).then(|| {
        let count: usize = groups.iter().map(|g| g.requesters.len()).sum();
        view! {
            <div data-testid=format!("bulk-{}", level.css_class())>
                <h3>
                    <span class=format!("badge risk-{}", level.css_class())>{level.label()}</span>
                    {format!(" {}", requests(count))}
                </h3>
                <ul class="bulk-roles">
                    {groups
                        .into_iter()
                        .map(|g| view! {
                            <li>
                                <strong><bdi>{g.role}</bdi></strong>
                                ": "
                                <bdi>{g.requesters.join(", ")}</bdi>
                            </li>
                        })
                        .collect_view()}
                </ul>
            </div>
        }
    })
}

/// The selected requests left out, each with its reason.
#[component]
fn ExcludedList(excluded: Vec<Left>) -> impl IntoView {
    (!excluded.is_empty()).then(|| {
        let n = excluded.len();
        view! {
            <div class="bulk-excluded">
                <h3>{format!("Left out: {}", requests(n))}</h3>
                <ul data-testid="bulk-excluded">
                    {excluded
                        .into_iter()
                        .map(|left| {
                            let request = left.request;
                            view! {
                                <li data-testid="bulk-left-out" data-id=request.key.id.clone() data-source=request.key.source.slug() data-reason=left.why.slug()>
                                    <strong><Untrusted text=request.role.name.clone() what="role name" /></strong>
                                    " for "
                                    <Untrusted text=request.requester.name().to_string() />
                                    {format!(" ({}): {}", request.key.source.label(), left.why.reason())}
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </div>
        }
    })
}

/// The run: a progress bar while the decisions are on their way, then one result per request.
#[component]
fn RunResults(run: Run) -> impl IntoView {
    let app = use_app();
    let bulk = app.bulk;
    let decision = run.decision;
    let stored = StoredValue::new(run.clone());
    let tally = Memo::new(move |_| stored.with_value(|run| bulk.tally(run)));
    announce_progress(tally, decision);
    let retry = move |_| stored.with_value(|run| bulk.retry_failed(run));
    let close = move |_| {
        let t = tally.get_untracked();
        if t.finished() && t.not_recorded == 0 && t.unknown == 0 {
            app.drafts.save_bulk("");
        }
        bulk.close();
    };
    let refused = run.refused;
    let excluded = run.excluded.clone();
    view! {
        <section class="card bulk-panel" aria-labelledby="bulk-title" data-testid="bulk-results">
            <h2 id="bulk-title" tabindex="-1">
                {move || {
                    let t = tally.get();
                    if t.finished() {
                        format!("{}: results", decision.verb())
                    } else {
                        format!("{} {}…", if decision == Decision::Approve { "Approving" } else { "Denying" }, requests(t.total))
                    }
                }}
            </h2>
            <progress
                class="bulk-progress"
                data-testid="bulk-progress"
                aria-label="Decisions settled"
                max=move || tally.get().total.max(1).to_string()
                value=move || tally.get().settled().to_string()
            ></progress>
            <p class="bulk-tally" data-testid="bulk-tally">
                {move || {
                    let t = tally.get();
                    if t.finished() { t.summary(decision) } else { t.progress() }
                }}
            </p>
            {(refused > 0).then(|| view! {
                <p class="note">{format!("{} left out: a decision of them was already under way.", requests(refused))}</p>
            })}
            <ResultTable items=run.items />
            <ExcludedList excluded />
            <div class="decision-buttons">
                <Show when=move || { let t = tally.get(); t.finished() && t.not_recorded > 0 }>
                    <button type="button" class="button" data-testid="bulk-retry" on:click=retry>
                        {move || format!("Retry the failed ones ({})", tally.get().not_recorded)}
                    </button>
                </Show>
                <button type="button" class="button secondary" data-testid="bulk-close" on:click=close>
                    {move || if tally.get().finished() { "Close" } else { "Hide (it keeps going)" }}
                </button>
            </div>
        </section>
    }
}

/// Says the run's progress in quarters, and its results once, to screen readers.
fn announce_progress(tally: Memo<Tally>, decision: Decision) {
    let app = use_app();
    Effect::new(move |previous: Option<usize>| {
        let t = tally.get();
        let quarter = (t.settled() * 4).checked_div(t.total).unwrap_or(4);
        if previous.is_some_and(|p| p != quarter) {
            if t.finished() {
                app.announcer.say(t.summary(decision));
            } else {
                app.announcer.say(t.progress());
            }
        }
        quarter
    });
}

/// Each request of the run with where its decision stands.
#[component]
fn ResultTable(items: Vec<DecisionInput>) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="history bulk-results" data-testid="bulk-results-table">
                <caption class="visually-hidden">"Result per request"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Request"</th>
                        <th scope="col">"Source"</th>
                        <th scope="col">"Result"</th>
                    </tr>
                </thead>
                <tbody>{items.into_iter().map(|item| view! { <ResultRow item /> }).collect_view()}</tbody>
            </table>
        </div>
    }
}

/// One request of the run and where its decision stands.
#[component]
fn ResultRow(item: DecisionInput) -> impl IntoView {
    let app = use_app();
    let key = item.request.key.clone();
    let state = {
        let key = key.clone();
        Memo::new(move |_| app.decisions.state(&key))
    };
    let decision = item.decision;
    let result = move || match state.get() {
        Some(DecisionState::Settled(settled)) => {
            let (slug, text) = match &settled.outcome {
                Outcome::Confirmed(_) => ("done", decision.past_tense().to_string()),
                Outcome::DecidedFirst(review) => (
                    "decided",
                    format!(
                        "Already {} by {}",
                        review.decision.past_tense().to_lowercase(),
                        review.by.name()
                    ),
                ),
                Outcome::Expired => ("expired", "Expired before your decision arrived".into()),
                Outcome::NotRecorded => ("failed", "Failed, nothing recorded:".into()),
                Outcome::Unknown => ("unknown", settled.message()),
            };
            let error = matches!(settled.outcome, Outcome::NotRecorded | Outcome::Unknown)
                .then(|| settled.error.clone())
                .flatten();
            let check = (settled.outcome == Outcome::Unknown).then(|| {
                let key = key.clone();
                view! {
                    <button type="button" class="button secondary" on:click=move |_| app.decisions.check_again(&key)>
                        "Check again"
                    </button>
                }
            });
            view! {
                <span class=format!("bulk-result {slug}") data-result=slug>{text}</span>
                {error.map(|error| view! { <SourceErrorView error /> })}
                {check}
            }
            .into_any()
        }
        Some(state) => {
            let text = if matches!(state, DecisionState::Checking(_)) {
                "Checking…"
            } else {
                "Sending…"
            };
            view! { <span class="bulk-result sending" data-result="sending">{text}</span> }
                .into_any()
        }
        None => view! { <span class="bulk-result sending" data-result="sending">"Waiting…"</span> }
            .into_any(),
    };
    let request = item.request;
    view! {
        <tr data-testid="bulk-result" data-id=request.key.id.clone() data-source=request.key.source.slug()>
            <td data-label="Request">
                <span>
                    <strong><Untrusted text=request.role.name.clone() what="role name" /></strong>
                    " for "
                    <Untrusted text=request.requester.name().to_string() />
                </span>
            </td>
            <td data-label="Source">{request.key.source.label()}</td>
            <td data-label="Result"><div>{result}</div></td>
        </tr>
    }
}
