//! Approve requests (`/`): one queue of every request waiting for the signed-in approver, from every
//! source config turns on, with sorting, search, filters, live countdowns and per-source errors.

use crate::components::badges::{RiskBadge, SourceBadge};
use crate::components::context::QueueDuration;
use crate::components::request_list::{ListMode, RequestList};
use crate::components::requester::Requester;
use crate::components::sort_header::SortHeader;
use crate::components::source_status::SourceErrorView;
use crate::components::time::{ExpiryCountdown, LocalTime};
use crate::components::untrusted::Untrusted;
use crate::domain::history::{self, Bucket, DateRange};
use crate::domain::queue::{self, Column, ExpiresWithin, Filter, Sort};
use crate::domain::{text, ApprovalRequest, RiskLevel, SourceKind};
use crate::routes::Route;
use crate::state::queue::{SourceSlot, SourceState};
use crate::state::{failures, gather, successes, use_app};
use chrono::Utc;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn ApprovePage() -> impl IntoView {
    let app = use_app();
    let filter = RwSignal::new(Filter::default());
    let sort = RwSignal::new(Sort::default());
    let config = app.config();
    let risk = config.risk.clone();
    let rows = Memo::new(move |_| {
        queue::arrange(
            &app.queue.requests(),
            &filter.get(),
            sort.get(),
            &risk,
            app.clock.now.get(),
        )
    });
    let total = move || app.queue.count();
    let bucket = RwSignal::new(Bucket::Pending);
    let enabled_sources = config.sources.clone();
    view! {
        <section class="page" aria-labelledby="approve-title">
            <div class="page-head">
                <h1 id="approve-title">"Approve requests"</h1>
                <button type="button" class="button secondary" on:click=move |_| app.load_queue(None)>
                    "Refresh"
                </button>
            </div>
            <Overview bucket />
            <SourceStatuses />
            <Show when=move || bucket.get() == Bucket::Pending fallback=move || view! { <BucketList bucket /> }>
            <Filters filter sources=enabled_sources.clone() />
            <p class="result-count" data-testid="result-count" aria-live="polite">
                {move || {
                    let shown = rows.with(Vec::len);
                    let all = total();
                    if shown == all {
                        format!("{all} waiting for you")
                    } else {
                        format!("Showing {shown} of {all}")
                    }
                }}
            </p>
            <Show
                when=move || !rows.with(Vec::is_empty)
                fallback=move || view! { <EmptyQueue filter /> }
            >
                <QueueTable rows sort />
            </Show>
            </Show>
        </section>
    }
}

/// The requests the approver can see from the last 7 days, pending ones first (the queue is fresher).
fn seen_requests(
    app: crate::state::AppContext,
    answers: &crate::state::PerSource<crate::domain::ApprovalRequest>,
) -> Vec<crate::domain::ApprovalRequest> {
    let mut all = app.queue.requests();
    all.extend(successes(answers));
    history::unique_by_key(&all)
}

/// The seed's request overview: Pending, Approved (7 days), Denied (7 days), Expired; each a button
/// that shows those requests.
#[component]
fn Overview(bucket: RwSignal<Bucket>) -> impl IntoView {
    let app = use_app();
    let answers = LocalResource::new(move || {
        app.decisions.version();
        let range = DateRange::last_days(history::OVERVIEW_WINDOW.num_days(), Utc::now());
        gather(
            app,
            move |source| async move { source.history(&range).await },
        )
    });
    provide_context(answers);
    let counts = move || {
        let answers = answers.get().unwrap_or_default();
        history::overview(&seen_requests(app, &answers), app.clock.now.get_untracked())
    };
    let unreadable = move || {
        let answers = answers.get().unwrap_or_default();
        let names: Vec<&str> = failures(&answers)
            .iter()
            .map(|e| e.source.label())
            .collect();
        (!names.is_empty()).then(|| {
            view! {
                <p class="help" data-testid="overview-partial">
                    {format!("Counts leave out the history of {}, which could not be read.", names.join(", "))}
                </p>
            }
        })
    };
    view! {
        <section class="overview" aria-label="Request overview">
            <div class="tiles">
                {move || {
                    counts()
                        .into_iter()
                        .map(|(b, count)| {
                            view! {
                                <button
                                    type="button"
                                    class=format!("tile tile-{}", b.slug())
                                    data-testid=format!("tile-{}", b.slug())
                                    aria-pressed=move || (bucket.get() == b).to_string()
                                    on:click=move |_| bucket.set(b)
                                >
                                    <span class="tile-count">{count}</span>
                                    <span class="tile-label">{b.label()}</span>
                                </button>
                            }
                        })
                        .collect_view()
                }}
            </div>
            {unreadable}
        </section>
    }
}

/// The requests of one overview bucket other than Pending.
#[component]
fn BucketList(bucket: RwSignal<Bucket>) -> impl IntoView {
    let app = use_app();
    let answers =
        expect_context::<LocalResource<crate::state::PerSource<crate::domain::ApprovalRequest>>>();
    let rows = move || {
        let answers = answers.get().unwrap_or_default();
        let now = app.clock.now.get_untracked();
        let mut rows: Vec<_> = seen_requests(app, &answers)
            .into_iter()
            .filter(|r| history::in_bucket(r, bucket.get(), now))
            .collect();
        rows.sort_by_key(|r| std::cmp::Reverse(history::settled_at(r)));
        rows
    };
    view! {
        <div class="bucket" data-testid="bucket-list">
            <div class="page-head">
                <h2>{move || bucket.get().label()}</h2>
                <button type="button" class="button secondary" on:click=move |_| bucket.set(Bucket::Pending)>
                    "Back to pending requests"
                </button>
            </div>
            {move || {
                let rows = rows();
                if rows.is_empty() {
                    view! { <p class="empty">"No requests in this group."</p> }.into_any()
                } else {
                    view! { <RequestList rows mode=ListMode::Approver caption=bucket.get_untracked().label().to_string() /> }
                        .into_any()
                }
            }}
        </div>
    }
}

/// Per source: a progress line while its pages arrive, its error with a retry, and the items it
/// could not read.
#[component]
fn SourceStatuses() -> impl IntoView {
    let app = use_app();
    view! {
        <div class="source-statuses">
            <For
                each=move || app.queue.slots.get()
                key=|slot| (slot.kind, slot.pages, format!("{:?}", slot.state), slot.unreadable.len())
                let:source_slot
            >
                <SourceStatus source_slot />
            </For>
        </div>
    }
}

#[component]
fn SourceStatus(source_slot: SourceSlot) -> impl IntoView {
    let slot = source_slot;
    let app = use_app();
    let kind = slot.kind;
    let unreadable = (!slot.unreadable.is_empty())
        .then(|| view! { <UnreadableItems items=slot.unreadable.clone() /> });
    let state = match slot.state {
        SourceState::Loading => {
            let pages = match slot.pages {
                0 => String::new(),
                1 => " 1 page,".to_string(),
                n => format!(" {n} pages,"),
            };
            Some(
                view! {
                    <p class="source-loading" role="status" data-source=kind.slug()>
                        {format!("{}:{pages} loading…", kind.label())}
                    </p>
                }
                .into_any(),
            )
        }
        SourceState::Failed(error) if !app.session.explains(&error) => {
            let retry = Callback::new(move |_| app.load_queue(Some(kind)));
            Some(view! { <SourceErrorView error on_retry=retry /> }.into_any())
        }
        _ => None,
    };
    view! {
        {state}
        {unreadable}
    }
}

/// "2 requests from Azure resources could not be read", with the details behind a disclosure.
#[component]
pub fn UnreadableItems(items: Vec<crate::sources::Unreadable>) -> impl IntoView {
    let source = items.first().map(|u| u.source);
    let summary = match (items.len(), source) {
        (1, Some(s)) => format!("1 request from {} could not be read", s.label()),
        (n, Some(s)) => format!("{n} requests from {} could not be read", s.label()),
        _ => String::new(),
    };
    view! {
        <details class="unreadable" data-testid="unreadable" data-source=source.map(|s| s.slug())>
            <summary>{summary} "; the others are shown."</summary>
            <ul>
                {items
                    .into_iter()
                    .map(|u| view! { <li><code>{u.at}</code>": "{u.problem}</li> })
                    .collect_view()}
            </ul>
        </details>
    }
}

#[component]
fn Filters(filter: RwSignal<Filter>, sources: Vec<SourceKind>) -> impl IntoView {
    let toggle_source = move |kind: SourceKind| {
        filter.update(|f| {
            if let Some(i) = f.sources.iter().position(|k| *k == kind) {
                f.sources.remove(i);
            } else {
                f.sources.push(kind);
            }
        })
    };
    let toggle_risk = move |level: RiskLevel| {
        filter.update(|f| {
            if let Some(i) = f.risks.iter().position(|l| *l == level) {
                f.risks.remove(i);
            } else {
                f.risks.push(level);
            }
        })
    };
    let source_boxes = sources
        .into_iter()
        .map(|kind| {
            view! {
                <label class="chip">
                    <input
                        type="checkbox"
                        prop:checked=move || filter.with(|f| f.sources.contains(&kind))
                        on:change=move |_| toggle_source(kind)
                    />
                    {kind.label()}
                </label>
            }
        })
        .collect_view();
    let risk_boxes = [RiskLevel::Critical, RiskLevel::High, RiskLevel::Normal]
        .into_iter()
        .map(|level| {
            view! {
                <label class="chip">
                    <input
                        type="checkbox"
                        prop:checked=move || filter.with(|f| f.risks.contains(&level))
                        on:change=move |_| toggle_risk(level)
                    />
                    {level.label()}
                </label>
            }
        })
        .collect_view();
    let set_expiry = move |value: String| {
        let within = value
            .parse::<i64>()
            .map(ExpiresWithin::Hours)
            .unwrap_or(ExpiresWithin::Any);
        filter.update(|f| f.expires_within = within);
    };
    view! {
        <form class="filters" role="search" on:submit=|ev| ev.prevent_default()>
            <label class="search">
                <span>"Search"</span>
                <input
                    type="search"
                    placeholder="Name, role, ticket, justification…"
                    prop:value=move || filter.with(|f| f.text.clone())
                    on:input:target=move |ev| filter.update(|f| f.text = ev.target().value())
                />
            </label>
            <fieldset>
                <legend>"Source"</legend>
                {source_boxes}
            </fieldset>
            <fieldset>
                <legend>"Risk"</legend>
                {risk_boxes}
            </fieldset>
            <label class="select">
                <span>"Expires within"</span>
                <select on:change:target=move |ev| set_expiry(ev.target().value())>
                    <option value="any">"Any time"</option>
                    <option value="1">"1 hour"</option>
                    <option value="4">"4 hours"</option>
                    <option value="12">"12 hours"</option>
                </select>
            </label>
        </form>
    }
}

#[component]
fn QueueTable(rows: Memo<Vec<ApprovalRequest>>, sort: RwSignal<Sort<Column>>) -> impl IntoView {
    let headers = Column::ALL
        .into_iter()
        .map(|column| view! { <SortHeader sort column /> })
        .collect_view();
    view! {
        <div class="table-wrap">
        <table class="queue">
            <caption class="visually-hidden">"Requests waiting for your approval"</caption>
            <thead>
                <tr>{headers}</tr>
            </thead>
            <tbody>
                <For each=move || rows.get() key=|r| r.key.clone() let:request>
                    <QueueRow request />
                </For>
            </tbody>
        </table>
        </div>
    }
}

#[component]
fn QueueRow(request: ApprovalRequest) -> impl IntoView {
    let app = use_app();
    let level = app.config().risk.level(&request.role);
    let route = Route::Request(request.key.clone()).href();
    let key = request.key.clone();
    // An accessible name, so without the hidden characters the visible text leaves out.
    let link_label = format!(
        "Review {} for {}",
        text::without_hidden(&request.role.name),
        text::without_hidden(request.requester.name())
    );
    let action = request
        .action
        .is_extend_or_renew()
        .then(|| request.action.label().to_string());
    let duration_of = request.clone();
    view! {
        <tr data-testid="queue-row" data-source=request.key.source.slug() data-id=request.key.id.clone()>
            <td data-label="Requestor">
                <Requester person=request.requester.clone() />
            </td>
            <td data-label="Role">
                <A href=route attr:aria-label=link_label attr:class="row-link">
                    <Untrusted text=request.role.name.clone() />
                </A>
                {action.map(|a| view! { <span class="badge action">{a}</span> })}
                {move || {
                    app.decisions
                        .in_flight(&key)
                        .then(|| view! { <span class="badge sending" data-testid="row-sending">"Sending…"</span> })
                }}
            </td>
            <td data-label="Scope">{request.scope.name.clone()}</td>
            <td data-label="Duration">
                <QueueDuration request=duration_of />
            </td>
            <td data-label="Justification">
                <span class="clamp">
                    {match request.justification.clone() {
                        Some(text) => view! { <Untrusted text what="justification" /> }.into_any(),
                        None => "None given".into_any(),
                    }}
                </span>
            </td>
            <td data-label="Ticket">
                {match request.ticket.clone() {
                    Some(t) => t.number.into_any(),
                    None => view! { <span class="missing">"No ticket"</span> }.into_any(),
                }}
            </td>
            <td data-label="Requested">
                <LocalTime at=request.created />
            </td>
            <td data-label="Expires">
                <ExpiryCountdown created=request.created />
            </td>
            <td data-label="Source">
                <SourceBadge source=request.key.source />
            </td>
            <td data-label="Risk">
                <RiskBadge level />
            </td>
        </tr>
    }
}

/// Why the queue may be empty, never a blank table.
#[component]
fn EmptyQueue(filter: RwSignal<Filter>) -> impl IntoView {
    let app = use_app();
    move || {
        if app.queue.is_loading() && app.queue.count() == 0 {
            return view! { <p class="empty" role="status">"Loading requests…"</p> }.into_any();
        }
        if filter.with(Filter::is_active) {
            return view! {
                <div class="empty" data-testid="empty-filtered">
                    <p>"No requests match your search and filters."</p>
                    <button type="button" class="button secondary" on:click=move |_| filter.set(Filter::default())>
                        "Clear filters"
                    </button>
                </div>
            }
                .into_any();
        }
        let name = app.services().account.username.clone();
        view! {
            <div class="empty" data-testid="empty-queue">
                <h2>"No requests are waiting for you"</h2>
                <p>"If you expected some:"</p>
                <ul>
                    <li>
                        {format!("You are signed in as {name}. Approvals go to the account named as approver, which is often a separate admin account.")}
                    </li>
                    <li>"Requests expire 24 hours after they are made; expired ones no longer appear here."</li>
                    <li>"Another approver may have decided them already: the first decision wins."</li>
                    <li>"Your own requests are never listed here; see My Requests."</li>
                </ul>
            </div>
        }
            .into_any()
    }
}
