//! Requests I Approved (`/approved-by-me`): every request the signed-in user decided, from the
//! services' approval stages (Graph `$batch`, ARM `asApprover()` approvals, the portal's history), with
//! a date range, search, sort and a spreadsheet-safe CSV export.

use crate::components::badges::SourceBadge;
use crate::components::source_status::SourceErrorView;
use crate::components::time::LocalTime;
use crate::domain::history::{self, DateRange, MyDecision};
use crate::state::{failures, gather, successes, use_app};
use chrono::{Duration, NaiveDate, Utc};
use leptos::prelude::*;
use leptos_router::components::A;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Range {
    Days(i64),
    Custom,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SortBy {
    When,
    Decision,
    Requester,
    Role,
    Source,
}

impl SortBy {
    const ALL: [SortBy; 5] = [
        SortBy::When,
        SortBy::Decision,
        SortBy::Requester,
        SortBy::Role,
        SortBy::Source,
    ];

    fn label(self) -> &'static str {
        match self {
            SortBy::When => "Decided",
            SortBy::Decision => "Decision",
            SortBy::Requester => "Requestor",
            SortBy::Role => "Role",
            SortBy::Source => "Source",
        }
    }

    fn key(self, row: &MyDecision) -> String {
        match self {
            SortBy::When => row.at.map(|t| t.to_rfc3339()).unwrap_or_default(),
            SortBy::Decision => row.decision.past_tense().to_string(),
            SortBy::Requester => row.request.requester.name().to_lowercase(),
            SortBy::Role => row.request.role.name.to_lowercase(),
            SortBy::Source => row.request.key.source.label().to_string(),
        }
    }
}

fn matches(row: &MyDecision, needle: &str) -> bool {
    let needle = needle.trim().to_lowercase();
    if needle.is_empty() {
        return true;
    }
    let r = &row.request;
    [
        r.requester.name(),
        r.requester.upn.as_deref().unwrap_or(""),
        &r.role.name,
        &r.scope.name,
        row.justification.as_deref().unwrap_or(""),
        row.decision.past_tense(),
        row.outcome(),
        r.key.source.label(),
    ]
    .iter()
    .any(|field| field.to_lowercase().contains(&needle))
}

#[component]
pub fn ApprovedByMePage() -> impl IntoView {
    let app = use_app();
    let range_choice = RwSignal::new(Range::Days(7));
    let today = Utc::now().date_naive();
    let from_day = RwSignal::new(today - Duration::days(30));
    let to_day = RwSignal::new(today);
    // "Last N days" ends now: recomputed on refresh and after every decision.
    let range = Memo::new(move |_| {
        app.decisions.version();
        let now = Utc::now();
        match range_choice.get() {
            Range::Days(days) => DateRange::last_days(days, now),
            Range::Custom => DateRange {
                from: from_day
                    .get()
                    .and_hms_opt(0, 0, 0)
                    .unwrap_or_default()
                    .and_utc(),
                to: to_day
                    .get()
                    .and_hms_opt(23, 59, 59)
                    .unwrap_or_default()
                    .and_utc(),
            },
        }
    });
    let answers = LocalResource::new(move || {
        let range = range.get();
        gather(
            app,
            move |source| async move { source.history(&range).await },
        )
    });
    let search = RwSignal::new(String::new());
    let sort = RwSignal::new((SortBy::When, false));
    let rows = Memo::new(move |_| {
        let Some(answers) = answers.get() else {
            return Vec::new();
        };
        let mut rows: Vec<MyDecision> =
            history::decisions_by(&successes(&answers), &app.me(), &range.get())
                .into_iter()
                .filter(|r| search.with(|s| matches(r, s)))
                .collect();
        let (by, ascending) = sort.get();
        rows.sort_by(|a, b| {
            let order = by.key(a).cmp(&by.key(b));
            if ascending {
                order
            } else {
                order.reverse()
            }
        });
        rows
    });
    let mut notes: Vec<&'static str> = app.sources().iter().map(|s| s.history_note()).collect();
    notes.dedup();
    let resource = answers;
    view! {
        <section class="page" aria-labelledby="approved-title">
            <div class="page-head">
                <h1 id="approved-title">"Requests I Approved"</h1>
                <CsvLink rows />
            </div>
            <ul class="help retention" data-testid="retention">
                {notes.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}
            </ul>
            <form class="filters" on:submit=|ev| ev.prevent_default()>
                <fieldset>
                    <legend>"Date range"</legend>
                    {[(Range::Days(7), "Last 7 days"), (Range::Days(30), "Last 30 days"), (Range::Custom, "Custom")]
                        .into_iter()
                        .map(|(choice, label)| {
                            view! {
                                <label class="chip">
                                    <input
                                        type="radio"
                                        name="range"
                                        prop:checked=move || range_choice.get() == choice
                                        on:change=move |_| range_choice.set(choice)
                                    />
                                    {label}
                                </label>
                            }
                        })
                        .collect_view()}
                </fieldset>
                <Show when=move || range_choice.get() == Range::Custom>
                    <label class="select">
                        <span>"From"</span>
                        <input
                            type="date"
                            prop:value=move || from_day.get().to_string()
                            on:change:target=move |ev| {
                                if let Ok(d) = NaiveDate::parse_from_str(&ev.target().value(), "%Y-%m-%d") {
                                    from_day.set(d)
                                }
                            }
                        />
                    </label>
                    <label class="select">
                        <span>"To"</span>
                        <input
                            type="date"
                            prop:value=move || to_day.get().to_string()
                            on:change:target=move |ev| {
                                if let Ok(d) = NaiveDate::parse_from_str(&ev.target().value(), "%Y-%m-%d") {
                                    to_day.set(d)
                                }
                            }
                        />
                    </label>
                </Show>
                <label class="search">
                    <span>"Search"</span>
                    <input
                        type="search"
                        placeholder="Requestor, role, justification…"
                        prop:value=move || search.get()
                        on:input:target=move |ev| search.set(ev.target().value())
                    />
                </label>
            </form>
            {move || {
                range
                    .get()
                    .exceeds_retention(Utc::now())
                    .then(|| {
                        view! {
                            <p class="banner warning" data-testid="retention-warning">
                                "This range reaches further back than the 30 days Microsoft keeps PIM history: older decisions cannot be listed."
                            </p>
                        }
                    })
            }}
            <Transition fallback=|| view! { <p role="status">"Loading your decisions…"</p> }>
                {move || {
                    answers
                        .get()
                        .map(|answers| {
                            let retry = Callback::new(move |_| resource.refetch());
                            failures(&answers)
                                .into_iter()
                                .map(|error| view! { <SourceErrorView error on_retry=retry /> })
                                .collect_view()
                        })
                }}
                <p class="result-count" data-testid="result-count">
                    {move || format!("{} decisions", rows.with(Vec::len))}
                </p>
                <DecisionsTable rows sort />
            </Transition>
        </section>
    }
}

#[component]
fn DecisionsTable(rows: Memo<Vec<MyDecision>>, sort: RwSignal<(SortBy, bool)>) -> impl IntoView {
    let headers = SortBy::ALL
        .into_iter()
        .map(|by| {
            let aria = move || match sort.get() {
                (b, true) if b == by => "ascending",
                (b, false) if b == by => "descending",
                _ => "none",
            };
            let toggle = move |_| {
                sort.update(|(b, asc)| {
                    if *b == by {
                        *asc = !*asc;
                    } else {
                        *b = by;
                        *asc = by != SortBy::When;
                    }
                })
            };
            view! {
                <th scope="col" aria-sort=aria>
                    <button type="button" class="sort" on:click=toggle>{by.label()}</button>
                </th>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="history">
                <caption class="visually-hidden">"Requests you decided"</caption>
                <thead>
                    <tr>
                        {headers}
                        <th scope="col">"Scope"</th>
                        <th scope="col">"Duration"</th>
                        <th scope="col">"My justification"</th>
                        <th scope="col">"Outcome"</th>
                    </tr>
                </thead>
                <tbody>
                    <For each=move || rows.get() key=|r| r.request.key.clone() let:row>
                        <DecisionRow row />
                    </For>
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn DecisionRow(row: MyDecision) -> impl IntoView {
    let request = row.request.clone();
    view! {
        <tr data-testid="decision-row" data-source=request.key.source.slug() data-id=request.key.id.clone()>
            <td data-label="Decided">{row.at.map(|at| view! { <LocalTime at /> })}</td>
            <td data-label="Decision">
                <span class=format!("badge status-{}", row.decision.past_tense().to_lowercase())>
                    {row.decision.past_tense()}
                </span>
            </td>
            <td data-label="Requestor">
                <span class="person-name">{request.requester.name().to_string()}</span>
                {request.requester.upn.clone().map(|u| view! { <span class="person-upn">{u}</span> })}
            </td>
            <td data-label="Role">
                <A href=crate::routes::Route::Request(request.key.clone()).href() attr:class="row-link">{request.role.name.clone()}</A>
            </td>
            <td data-label="Source"><SourceBadge source=request.key.source /></td>
            <td data-label="Scope">{request.scope.name.clone()}</td>
            <td data-label="Duration">{request.duration.map(|d| d.to_string()).unwrap_or_default()}</td>
            <td data-label="My justification"><span class="clamp">{row.justification.clone().unwrap_or_default()}</span></td>
            <td data-label="Outcome">{row.outcome().to_string()}</td>
        </tr>
    }
}

/// A download link for the rows as CSV, as a `data:` URL (no object URLs to revoke, and nothing for
/// the Content-Security-Policy's `connect-src` to allow).
#[component]
fn CsvLink(rows: Memo<Vec<MyDecision>>) -> impl IntoView {
    let href = move || {
        let csv = rows.with(|r| history::csv_export(r));
        format!(
            "data:text/csv;charset=utf-8,{}",
            js_sys::encode_uri_component(&csv)
        )
    };
    let file_name = format!("requests-i-approved-{}.csv", Utc::now().format("%Y-%m-%d"));
    view! {
        <a class="button secondary" href=href download=file_name data-testid="csv-link">
            "Export CSV"
        </a>
    }
}
