//! Requests I Approved (`/approved-by-me`): every request the signed-in user decided, from the
//! services' approval stages (Graph `$batch`, ARM `asApprover()` approvals, the portal's history), with
//! a date range, search, sort and a spreadsheet-safe CSV export. Search and sort are the domain's
//! ([`history::search_and_sort`]); this page only holds the choices and renders the rows.

use crate::components::badges::SourceBadge;
use crate::components::requester::Requester;
use crate::components::sort_header::SortHeader;
use crate::components::source_status::{SkippedItems, SourceErrorView};
use crate::components::time::LocalTime;
use crate::components::untrusted::Untrusted;
use crate::domain::history::{self, DateRange, DecisionColumn, MyDecision};
use crate::domain::sort::Sort;
use crate::domain::time::parse_day;
use crate::state::{failures, gather, successes, use_app, PerSource};
use chrono::{Duration, NaiveDate, Utc};
use leptos::prelude::*;
use leptos_router::components::A;

/// The date range choices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Range {
    Days(i64),
    Custom,
}

/// What the approver chose: the range and, for a custom one, its first and last day.
#[derive(Clone, Copy)]
struct RangeChoice {
    range: RwSignal<Range>,
    first_day: RwSignal<NaiveDate>,
    last_day: RwSignal<NaiveDate>,
}

impl RangeChoice {
    fn new() -> Self {
        let today = Utc::now().date_naive();
        RangeChoice {
            range: RwSignal::new(Range::Days(7)),
            first_day: RwSignal::new(today - Duration::days(30)),
            last_day: RwSignal::new(today),
        }
    }

    /// The range as instants; "Last N days" ends now, so it is worked out when the history is read.
    fn resolve(&self) -> DateRange {
        match self.range.get() {
            Range::Days(days) => DateRange::last_days(days, Utc::now()),
            Range::Custom => DateRange::whole_days(self.first_day.get(), self.last_day.get()),
        }
    }
}

#[component]
pub fn ApprovedByMePage() -> impl IntoView {
    let app = use_app();
    let choice = RangeChoice::new();
    // The range travels with the answers, so rows are always filtered by the range they were read for.
    let answers = LocalResource::new(move || {
        app.decisions.version();
        let range = choice.resolve();
        async move {
            let answers = gather(
                app,
                move |source| async move { source.history(&range).await },
            )
            .await;
            (range, answers)
        }
    });
    let search = RwSignal::new(String::new());
    let sort = RwSignal::new(Sort::<DecisionColumn>::default());
    let rows = Memo::new(move |_| {
        let Some((range, answers)) = answers.get() else {
            return Vec::new();
        };
        let mine = history::decisions_by(&successes(&answers), &app.me(), &range);
        search.with(|text| history::search_and_sort(mine, text, sort.get()))
    });
    let retry = Callback::new(move |_| answers.refetch());
    let mut notes: Vec<&'static str> = app.sources().iter().map(|s| s.history_note()).collect();
    notes.dedup();
    view! {
        <section class="page" aria-labelledby="approved-title">
            <div class="page-head">
                <h1 id="approved-title">"Requests I Approved"</h1>
                <CsvLink rows />
            </div>
            <ul class="help retention" data-testid="retention">
                {notes.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}
            </ul>
            <DecisionFilters choice search />
            <RetentionWarning choice />
            <Transition fallback=|| view! { <p role="status">"Loading your decisions…"</p> }>
                {move || answers.get().map(|(_, answers)| view! { <SourceErrors answers retry /> })}
                <p class="result-count" data-testid="result-count">
                    {move || format!("{} decisions", rows.with(Vec::len))}
                </p>
                <DecisionsTable rows sort />
            </Transition>
        </section>
    }
}

/// The date range (last 7 or 30 days, or custom days) and the search box.
#[component]
fn DecisionFilters(choice: RangeChoice, search: RwSignal<String>) -> impl IntoView {
    let ranges = [
        (Range::Days(7), "Last 7 days"),
        (Range::Days(30), "Last 30 days"),
        (Range::Custom, "Custom"),
    ];
    view! {
        <form class="filters" on:submit=|ev| ev.prevent_default()>
            <fieldset>
                <legend>"Date range"</legend>
                {ranges
                    .into_iter()
                    .map(|(range, label)| {
                        view! {
                            <label class="chip">
                                <input
                                    type="radio"
                                    name="range"
                                    prop:checked=move || choice.range.get() == range
                                    on:change=move |_| choice.range.set(range)
                                />
                                {label}
                            </label>
                        }
                    })
                    .collect_view()}
            </fieldset>
            <Show when=move || choice.range.get() == Range::Custom>
                <DayInput label="From" day=choice.first_day />
                <DayInput label="To" day=choice.last_day />
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
    }
}

/// A date input bound to `day`; a value that is not a day (or out of range) is ignored.
#[component]
fn DayInput(label: &'static str, day: RwSignal<NaiveDate>) -> impl IntoView {
    view! {
        <label class="select">
            <span>{label}</span>
            <input
                type="date"
                prop:value=move || day.get().to_string()
                on:change:target=move |ev| {
                    if let Some(d) = parse_day(&ev.target().value()) {
                        day.set(d)
                    }
                }
            />
        </label>
    }
}

/// Said when the chosen range reaches further back than Microsoft keeps history.
#[component]
fn RetentionWarning(choice: RangeChoice) -> impl IntoView {
    move || {
        choice.resolve().exceeds_retention(Utc::now()).then(|| {
            view! {
                <p class="banner warning" data-testid="retention-warning">
                    "This range reaches further back than the 30 days Microsoft keeps PIM history: older decisions cannot be listed."
                </p>
            }
        })
    }
}

/// One error with a retry for each source whose history could not be read, and the items skipped.
#[component]
fn SourceErrors(
    answers: PerSource<crate::domain::ApprovalRequest>,
    retry: Callback<()>,
) -> impl IntoView {
    let errors = failures(&answers)
        .into_iter()
        .map(|error| view! { <SourceErrorView error on_retry=retry /> })
        .collect_view();
    view! {
        {errors}
        <SkippedItems answers />
    }
}

#[component]
fn DecisionsTable(
    rows: Memo<Vec<MyDecision>>,
    sort: RwSignal<Sort<DecisionColumn>>,
) -> impl IntoView {
    let headers = DecisionColumn::ALL
        .into_iter()
        .map(|column| view! { <SortHeader sort column /> })
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
    let outcome = row.outcome().to_string();
    let decided = row.decision.past_tense();
    let request = row.request;
    view! {
        <tr data-testid="decision-row" data-source=request.key.source.slug() data-id=request.key.id.clone()>
            <td data-label="Decided">{row.at.map(|at| view! { <LocalTime at /> })}</td>
            <td data-label="Decision">
                <span class=format!("badge status-{}", decided.to_lowercase())>{decided}</span>
            </td>
            <td data-label="Requestor">
                <Requester person=request.requester.clone() />
            </td>
            <td data-label="Role">
                <A href=crate::routes::Route::Request(request.key.clone()).href() attr:class="row-link">
                    <Untrusted text=request.role.name.clone() />
                </A>
            </td>
            <td data-label="Source"><SourceBadge source=request.key.source /></td>
            <td data-label="Scope">
                <Untrusted text=request.scope.name.clone() what="scope name" />
            </td>
            <td data-label="Duration">{request.duration.to_string()}</td>
            <td data-label="My justification">
                <span class="clamp">
                    <Untrusted text=row.justification.unwrap_or_default() what="justification" />
                </span>
            </td>
            <td data-label="Outcome">{outcome}</td>
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
    let file_name = format!("requests-i-approved-{}.csv", Utc::now().date_naive());
    view! {
        <a class="button secondary" href=href download=file_name data-testid="csv-link">
            "Export CSV"
        </a>
    }
}
