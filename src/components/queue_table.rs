//! The queue's table, windowed: only the rows in view are in the DOM (a table at 1280 px, cards at
//! 360 px), `aria-rowcount`/`aria-rowindex` tell screen readers where they are ("row 412 of 10,027"),
//! and each row reads its own decision state (a decision in flight shows "Sending…"). The first column
//! ticks requests for a bulk decision (a shift-click ticks the range from the last one ticked); the
//! selection is app state keyed by request, so it outlives the rows drawn here.

use crate::components::badges::{RiskBadge, SourceBadge};
use crate::components::context::QueueDuration;
use crate::components::queue_keys::KeyboardCursor;
use crate::components::requester::Requester;
use crate::components::sort_header::SortHeader;
use crate::components::time::{ExpiryCountdown, LocalTime};
use crate::components::untrusted::Untrusted;
use crate::components::windowed::use_visible_range;
use crate::domain::queue::{Column, QueueEntry};
use crate::domain::text;
use crate::domain::ApprovalRequest;
use crate::routes::Route;
use crate::state::queue::QueueData;
use crate::state::use_app;
use leptos::prelude::*;
use std::sync::Arc;
use wasm_bindgen::JsCast;

/// Until a row is measured: the table row height at 1280 px.
const FIRST_GUESS_ROW_HEIGHT: f64 = 82.0;

#[component]
pub fn QueueTable() -> impl IntoView {
    let app = use_app();
    let data = app.queue.data;
    let shown = Signal::derive(move || data.with(QueueData::shown));
    let tbody = NodeRef::<leptos::html::Tbody>::new();
    let row_height = RwSignal::new(FIRST_GUESS_ROW_HEIGHT);
    let range = use_visible_range(tbody, row_height.into(), shown);
    let window = Memo::new(move |_| {
        let range = range.get();
        data.with(|d| (range.start, d.window(range.clone())))
    });
    let start = Memo::new(move |_| window.with(|w| w.0));
    let pitch = Signal::from(row_height);
    // As tall as every row would be (whole pixels: no float formatting in the bundle).
    let list_height = move || {
        format!(
            "{}px",
            (shown.get() as f64 * row_height.get()).round() as u64
        )
    };
    scroll_to_the_keyboard_row(tbody, row_height);
    // Row pitch as the layout draws it (table rows or cards with their gap), from a rendered row.
    Effect::new(move |_| {
        window.track();
        let measured = tbody
            .get()
            .and_then(|body| row_pitch(&body))
            .filter(|h| *h > 0.0);
        if let Some(height) = measured.filter(|h| (*h - row_height.get_untracked()).abs() > 0.5) {
            row_height.set(height);
        }
    });
    view! {
        <div class="table-wrap">
            <table class="queue" aria-rowcount=move || shown.get() + 1 data-testid="queue-table">
                <caption class="visually-hidden">"Requests waiting for your approval"</caption>
                <QueueHeader />
                <tbody node_ref=tbody style:height=list_height>
                    <ForEnumerate
                        each=move || window.get().1
                        key=|entry| entry.request.key.clone()
                        children={move |index: ReadSignal<usize>, entry: Arc<QueueEntry>| {
                            let row_index = Signal::derive(move || start.get() + index.get() + 2);
                            view! { <QueueRow entry row_index pitch /> }
                        }}
                    />
                </tbody>
            </table>
        </div>
    }
}

/// The column headers, each sorting the queue.
#[component]
fn QueueHeader() -> impl IntoView {
    let sort = use_app().queue.sort;
    view! {
        <thead>
            <tr aria-rowindex="1">
                <th scope="col" class="select-col">
                    <span class="visually-hidden">"Selected"</span>
                </th>
                {Column::ALL
                    .into_iter()
                    .map(|column| view! { <SortHeader sort column /> })
                    .collect_view()}
            </tr>
        </thead>
    }
}

/// A key moved the cursor: bring its row into view (the row focuses itself once rendered).
fn scroll_to_the_keyboard_row(tbody: NodeRef<leptos::html::Tbody>, row_height: RwSignal<f64>) {
    let cursor = expect_context::<KeyboardCursor>();
    Effect::new(move |_| {
        cursor.moved.track();
        if let (Some(index), Some(body)) = (cursor.active.get_untracked(), tbody.get_untracked()) {
            scroll_into_view(&body, index, row_height.get_untracked());
        }
    });
}

/// A shift-click on the row of `key` at `index`: every row from the last one ticked to this one takes
/// this row's new state.
fn select_range(key: &crate::domain::RequestKey, index: usize) {
    let app = use_app();
    let selection = app.bulk.selection;
    let selecting = !selection.contains(key);
    let keys = app.queue.data.with_untracked(|d| {
        let keys = d.arranged_keys();
        let anchor = selection
            .anchor()
            .and_then(|a| keys.iter().position(|k| *k == a));
        let range = crate::domain::bulk::range_between(anchor, index);
        keys.get(range).map(<[_]>::to_vec).unwrap_or_default()
    });
    selection.set_all(keys, selecting);
}

/// Scrolls the page so that row `index` (of rows `pitch` apart) is in view, a third from the top.
fn scroll_into_view(body: &web_sys::HtmlTableSectionElement, index: usize, pitch: f64) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let viewport = window
        .inner_height()
        .ok()
        .and_then(|h| h.as_f64())
        .unwrap_or(900.0);
    let row_top = body.get_bounding_client_rect().top() + index as f64 * pitch;
    if row_top < 0.0 || row_top + pitch > viewport {
        let scrolled = window.scroll_y().unwrap_or(0.0);
        window.scroll_to_with_x_and_y(0.0, scrolled + row_top - viewport / 3.0);
    }
}

/// The distance from one row to the next as the layout draws it: a rendered row's height and the
/// gap below it.
fn row_pitch(body: &web_sys::HtmlTableSectionElement) -> Option<f64> {
    let first = body
        .query_selector("tr.queue-row")
        .ok()??
        .dyn_into::<web_sys::HtmlElement>()
        .ok()?;
    Some(f64::from(first.offset_height()) + margin_below(&first))
}

/// The gap a card keeps below itself (its `margin-bottom`, whole pixels; 0 for table rows).
fn margin_below(row: &web_sys::HtmlElement) -> f64 {
    let margin = web_sys::window()
        .and_then(|w| w.get_computed_style(row).ok().flatten())
        .and_then(|style| style.get_property_value("margin-bottom").ok())
        .unwrap_or_default();
    let whole = margin.split(['.', 'p']).next().unwrap_or_default();
    whole.parse::<u32>().map_or(0.0, f64::from)
}

#[component]
fn QueueRow(entry: Arc<QueueEntry>, row_index: Signal<usize>, pitch: Signal<f64>) -> impl IntoView {
    let app = use_app();
    let cursor = expect_context::<KeyboardCursor>();
    let level = entry.risk;
    let request = entry.request.clone();
    let is_active = Signal::derive(move || cursor.active.get() == Some(row_index.get() - 2));
    let link = NodeRef::<leptos::html::A>::new();
    focus_when_the_keyboard_moves_here(cursor, is_active, link);
    // An accessible name without the hidden characters the visible text leaves out.
    let link_label = format!(
        "Review {} for {}",
        text::without_hidden(&request.role.name),
        text::without_hidden(request.requester.name())
    );
    let created = request.created;
    let selected = {
        let key = request.key.clone();
        let selection = app.bulk.selection;
        Signal::derive(move || selection.contains(&key))
    };
    let select_label = format!("Select {}", &link_label["Review ".len()..]);
    view! {
        <tr
            class="queue-row"
            data-testid="queue-row"
            data-source=request.key.source.slug()
            data-id=request.key.id.clone()
            aria-rowindex=row_index
            style:transform=move || {
                // Its own place in the list (whole pixels: no float formatting in the bundle).
                let top = ((row_index.get() - 2) as f64 * pitch.get()).round() as u64;
                format!("translateY({top}px)")
            }
            class:active=is_active
            class:selected=selected
        >
            <SelectCell key=request.key.clone() row_index selected label=select_label />
            <td data-label="Requestor">
                <Requester person=request.requester.clone() />
            </td>
            <RoleCell request=request.clone() label=link_label link />
            <td data-label="Scope">
                <Untrusted text=request.scope.name.clone() />
            </td>
            <td data-label="Duration">
                <QueueDuration request=request.clone() />
            </td>
            <JustificationAndTicketCells request=request.clone() />
            <td data-label="Requested">
                <LocalTime at=created />
            </td>
            <td data-label="Expires">
                <ExpiryCountdown created />
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

/// The keyboard's row takes focus when a key moved there (also when it is rendered only then).
fn focus_when_the_keyboard_moves_here(
    cursor: KeyboardCursor,
    is_active: Signal<bool>,
    link: NodeRef<leptos::html::A>,
) {
    Effect::new(move |_| {
        if cursor.focus_pending.get() && is_active.get() {
            if let Some(link) = link.get() {
                let _ = link.focus();
                cursor.focus_pending.set(false);
            }
        }
    });
}

/// The role, as the link that opens the request, and the role's badges.
#[component]
fn RoleCell(
    request: ApprovalRequest,
    label: String,
    link: NodeRef<leptos::html::A>,
) -> impl IntoView {
    let route = Route::Request(request.key.clone()).href();
    view! {
        <td data-label="Role">
            <a href=route aria-label=label class="row-link" node_ref=link>
                <Untrusted text=request.role.name.clone() />
            </a>
            <RowBadges request />
        </td>
    }
}

/// The requester's justification (clamped) and ticket, or what is missing.
#[component]
fn JustificationAndTicketCells(request: ApprovalRequest) -> impl IntoView {
    view! {
        <td data-label="Justification">
            <span class="clamp">
                {match request.justification {
                    Some(text) => view! { <Untrusted text what="justification" /> }.into_any(),
                    None => "None given".into_any(),
                }}
            </span>
        </td>
        <td data-label="Ticket">
            {match request.ticket {
                Some(t) => view! { <Untrusted text=t.number what="ticket" /> }.into_any(),
                None => view! { <span class="missing">"No ticket"</span> }.into_any(),
            }}
        </td>
    }
}

/// The row's checkbox for a bulk decision; a shift-click ticks the range from the last one ticked.
#[component]
fn SelectCell(
    key: crate::domain::RequestKey,
    row_index: Signal<usize>,
    selected: Signal<bool>,
    label: String,
) -> impl IntoView {
    let app = use_app();
    let on_select = move |event: web_sys::MouseEvent| {
        if event.shift_key() {
            select_range(&key, row_index.get_untracked() - 2);
        } else {
            app.bulk.selection.toggle(&key);
        }
        app.bulk.announce_selection();
    };
    view! {
        <td data-label="Select" class="select-cell">
            <input
                type="checkbox"
                data-testid="row-select"
                aria-label=label
                prop:checked=selected
                on:click=on_select
            />
        </td>
    }
}

/// What the role cell says beside the role: new since the last refresh, an unusual action, a status no
/// client knows, a decision being sent.
#[component]
fn RowBadges(request: ApprovalRequest) -> impl IntoView {
    let app = use_app();
    let unseen = {
        let key = request.key.clone();
        move || app.queue.unseen.with(|u| u.contains(&key))
    };
    let action = request
        .action
        .is_unusual()
        .then(|| request.action.label().to_string());
    let unknown_status = request
        .status
        .is_unknown()
        .then(|| request.status.label().to_string());
    let key = request.key;
    view! {
        {move || unseen().then(|| view! { <span class="badge new" data-testid="row-new">"New"</span> })}
        {action.map(|a| view! { <span class="badge action">{a}</span> })}
        {unknown_status.map(|s| view! { <span class="badge status-unknown" data-testid="row-unknown-status">{s}</span> })}
        {move || {
            app.decisions
                .in_flight(&key)
                .then(|| view! { <span class="badge sending" data-testid="row-sending">"Sending…"</span> })
        }}
    }
}
