//! A table of requests with their status and outcome, used for the overview's lists and My Requests.
//! Becomes cards on narrow screens like the queue.

use crate::components::badges::{SourceBadge, StatusBadge};
use crate::components::time::LocalTime;
use crate::components::untrusted::Untrusted;
use crate::domain::{history, ApprovalRequest};
use crate::state::use_app;
use leptos::prelude::*;
use leptos_router::components::A;

/// Whose requests the list shows: the approver's (with the requester) or the user's own (with when
/// the access ran).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListMode {
    Approver,
    Mine,
}

#[component]
pub fn RequestList(
    rows: Vec<ApprovalRequest>,
    mode: ListMode,
    /// A caption for screen readers.
    caption: String,
    /// Offered on pending rows whose source can cancel (My Requests).
    #[prop(optional)]
    on_cancel: Option<Callback<ApprovalRequest>>,
) -> impl IntoView {
    let body = rows
        .into_iter()
        .map(|request| view! { <HistoryRow request mode on_cancel /> })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="history">
                <caption class="visually-hidden">{caption}</caption>
                <thead>
                    <tr>
                        {(mode == ListMode::Approver).then(|| view! { <th scope="col">"Requestor"</th> })}
                        <th scope="col">"Role"</th>
                        <th scope="col">"Scope"</th>
                        <th scope="col">"Source"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Requested"</th>
                        <th scope="col">"Duration"</th>
                        {(mode == ListMode::Mine)
                            .then(|| view! { <th scope="col">"Active from"</th><th scope="col">"Ends"</th> })}
                        <th scope="col">"Decided"</th>
                        {on_cancel.is_some().then(|| view! { <th scope="col"><span class="visually-hidden">"Actions"</span></th> })}
                    </tr>
                </thead>
                <tbody>{body}</tbody>
            </table>
        </div>
    }
}

/// One request: who (for the approver), what, where, its status and who decided when; for the user's
/// own, when the access ran and Cancel while it is pending.
#[component]
fn HistoryRow(
    request: ApprovalRequest,
    mode: ListMode,
    on_cancel: Option<Callback<ApprovalRequest>>,
) -> impl IntoView {
    let app = use_app();
    let status = request.effective_status(app.clock.now.get_untracked());
    let status_label = status.label().to_string();
    let settled = history::settled_at(&request);
    let decided_by = request.review.as_ref().map(|r| r.by.name().to_string());
    let requester = request.requester.name().to_string();
    let route = crate::routes::Route::Request(request.key.clone()).href();
    let (source, id) = (request.key.source, request.key.id.clone());
    let (activated, ends) = (request.activated_at(), request.access_ends_at());
    let cancellable = on_cancel.is_some()
        && request.is_pending()
        && app
            .source(request.key.source)
            .is_some_and(|s| s.can_cancel());
    let cancel = on_cancel
        .filter(|_| cancellable)
        .map(|on_cancel| view! { <CancelButton request=request.clone() on_cancel /> });
    view! {
        <tr data-testid="history-row" data-source=source.slug() data-id=id data-status=status_label>
            {(mode == ListMode::Approver)
                .then(|| {
                    view! {
                        <td data-label="Requestor">
                            <span class="person-name">
                                <Untrusted text=requester />
                            </span>
                        </td>
                    }
                })}
            <td data-label="Role">
                <A href=route attr:class="row-link">
                    <Untrusted text=request.role.name.clone() what="role name" />
                </A>
            </td>
            <td data-label="Scope">
                <Untrusted text=request.scope.name.clone() what="scope name" />
            </td>
            <td data-label="Source"><SourceBadge source /></td>
            <td data-label="Status"><StatusBadge status=status /></td>
            <td data-label="Requested"><LocalTime at=request.created /></td>
            <td data-label="Duration">{request.duration.to_string()}</td>
            {(mode == ListMode::Mine)
                .then(|| {
                    view! {
                        <td data-label="Active from">{activated.map(|at| view! { <LocalTime at /> })}</td>
                        <td data-label="Ends">{ends.map(|at| view! { <LocalTime at /> })}</td>
                    }
                })}
            <td data-label="Decided">
                {decided_by.map(|name| view! { <span class="person-name"><Untrusted text=name /></span> })}
                {settled.map(|at| view! { <LocalTime at /> })}
            </td>
            {on_cancel.is_some().then(|| view! { <td data-label="">{cancel}</td> })}
        </tr>
    }
}

/// Cancel on one of the user's own pending requests (the page asks for a confirmation).
#[component]
fn CancelButton(request: ApprovalRequest, on_cancel: Callback<ApprovalRequest>) -> impl IntoView {
    let label = format!("Cancel your request for {}", request.role.name);
    view! {
        <button
            type="button"
            class="button danger"
            data-testid="cancel"
            aria-label=label
            on:click=move |_| on_cancel.run(request.clone())
        >
            "Cancel"
        </button>
    }
}
