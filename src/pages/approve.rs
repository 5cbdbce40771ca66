//! Approve requests (`/`): one queue of every request waiting for the signed-in approver, from every
//! source config turns on: the overview tiles, each source's progress and errors, search and filters,
//! the windowed table (`components::queue_table`), which stays instant at 10,000 requests, and the bulk
//! decision over the selected requests (`components::bulk`).

use crate::components::bulk::{BulkBar, BulkPanel};
use crate::components::queue_filters::QueueFilters;
use crate::components::queue_keys::{use_queue_keys, KeyboardCursor, ShortcutsHelp};
use crate::components::queue_table::QueueTable;
use crate::components::request_list::{ListMode, RequestList};
use crate::components::source_status::{SourceErrorView, UnreadableItems};
use crate::domain::history::{self, Bucket, DateRange};
use crate::domain::queue::Filter;
use crate::domain::ApprovalRequest;
use crate::state::queue::{SourceSlot, SourceState};
use crate::state::{failures, gather, successes, use_app, PerSource};
use chrono::Utc;
use leptos::prelude::*;

#[component]
pub fn ApprovePage() -> impl IntoView {
    let app = use_app();
    let bucket = RwSignal::new(Bucket::Pending);
    let filter = app.queue.filter;
    let has_rows = move || app.queue.data.with(|d| d.shown() > 0);
    let cursor = KeyboardCursor::new();
    provide_context(cursor);
    use_queue_keys(cursor);
    view! {
        <section class="page" aria-labelledby="approve-title">
            <div class="page-head">
                <h1 id="approve-title">"Approve requests"</h1>
                <div class="page-actions">
                    <NotificationsToggle />
                    <button type="button" class="button secondary" on:click=move |_| app.load_queue(None)>
                        "Refresh"
                    </button>
                </div>
            </div>
            <Overview bucket />
            <SourceStatuses />
            <Show when=move || bucket.get() == Bucket::Pending fallback=move || view! { <BucketList bucket /> }>
                <QueueFilters filter sources=app.config().sources.clone() />
                <ShortcutsHelp cursor />
                <ResultCount />
                <LeftTheQueue />
                <BulkBar />
                <BulkPanel />
                <Show when=has_rows fallback=move || view! { <EmptyQueue filter /> }>
                    <QueueTable />
                </Show>
            </Show>
        </section>
    }
}

/// Desktop notifications for new Critical and High requests: only after the user asks, through the
/// browser's own permission prompt; never on load.
#[component]
fn NotificationsToggle() -> impl IntoView {
    let app = use_app();
    let supported = web_sys::window()
        .is_some_and(|w| js_sys::Reflect::has(&w, &"Notification".into()).unwrap_or(false));
    let refused = RwSignal::new(false);
    let turn_on = move |_| {
        leptos::task::spawn_local(async move {
            let granted = match web_sys::Notification::request_permission() {
                Ok(promise) => wasm_bindgen_futures::JsFuture::from(promise)
                    .await
                    .ok()
                    .and_then(|v| v.as_string())
                    .is_some_and(|p| p == "granted"),
                Err(_) => false,
            };
            app.notifications.set(granted);
            refused.set(!granted);
        });
    };
    supported.then(|| {
        view! {
            <Show
                when=move || app.notifications.get()
                fallback=move || {
                    view! {
                        <button type="button" class="button secondary" data-testid="notifications-on" on:click=turn_on>
                            {move || if refused.get() { "Notifications blocked by the browser" } else { "Notify me of new Critical and High" }}
                        </button>
                    }
                }
            >
                <button
                    type="button"
                    class="button secondary"
                    aria-pressed="true"
                    on:click=move |_| app.notifications.set(false)
                >
                    "Notifications on: turn off"
                </button>
            </Show>
        }
    })
}

/// After a refresh: how many requests left the queue that nobody here decided.
#[component]
fn LeftTheQueue() -> impl IntoView {
    let app = use_app();
    let note = Memo::new(move |_| match app.queue.left.get() {
        0 => None,
        1 => Some(
            "1 request was decided by another approver or withdrawn since the last refresh."
                .to_string(),
        ),
        n => Some(format!(
            "{n} requests were decided by other approvers or withdrawn since the last refresh."
        )),
    });
    Effect::new(move |_| {
        if let Some(text) = note.get() {
            app.announcer.say(text);
        }
    });
    move || {
        note.get()
            .map(|text| view! { <p class="note" data-testid="left-the-queue">{text}</p> })
    }
}

/// "27 waiting for you" or "Showing 3 of 27".
#[component]
fn ResultCount() -> impl IntoView {
    let app = use_app();
    let cursor = expect_context::<KeyboardCursor>();
    let counts = Memo::new(move |_| app.queue.data.with(|d| (d.shown(), d.count())));
    view! {
        <div class="result-line">
            <p class="result-count" data-testid="result-count" aria-live="polite">
                {move || {
                    let (shown, all) = counts.get();
                    if shown == all {
                        format!("{all} waiting for you")
                    } else {
                        format!("Showing {shown} of {all}")
                    }
                }}
            </p>
            <button
                type="button"
                class="link-button"
                aria-keyshortcuts="?"
                on:click=move |_| cursor.help_open.update(|open| *open = !*open)
            >
                "Keyboard shortcuts (?)"
            </button>
        </div>
    }
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
        history::overview_beside_queue(
            &successes(&answers),
            app.queue.count(),
            app.clock.now.get_untracked(),
        )
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
    let answers = expect_context::<LocalResource<PerSource<ApprovalRequest>>>();
    let rows = move || {
        let answers = answers.get().unwrap_or_default();
        let now = app.clock.now.get_untracked();
        let mut rows: Vec<_> = history::unique_by_key(&successes(&answers))
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
