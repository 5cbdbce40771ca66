//! My Requests (`/my-requests`): the signed-in user's own requests from every source, with status in
//! the seed's words, when the access ran, and Cancel on pending requests after a confirmation.

use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::request_list::{ListMode, RequestList};
use crate::components::source_status::{SkippedItems, SourceErrorView};
use crate::domain::ApprovalRequest;
use crate::sources::SourceError;
use crate::state::{failures, gather, successes, use_app, PerSource};
use leptos::prelude::*;

#[component]
pub fn MyRequestsPage() -> impl IntoView {
    let app = use_app();
    let to_cancel = RwSignal::new(None::<ApprovalRequest>);
    let question = RwSignal::new(None::<String>);
    let cancel_error = RwSignal::new(None::<SourceError>);
    let cancel = Action::new_local(move |request: &ApprovalRequest| {
        let request = request.clone();
        async move {
            let source = app.source(request.key.source)?;
            Some(source.cancel(&request).await.map(|()| request))
        }
    });
    // Read again after every cancel that ended.
    let answers = LocalResource::new(move || {
        cancel.version().track();
        gather(app, |source| async move { source.my_requests().await })
    });
    Effect::new(move |_| match cancel.value().get().flatten() {
        Some(Ok(request)) => {
            app.announcer
                .say(format!("Canceled your request for {}.", request.role.name));
            cancel_error.set(None);
        }
        Some(Err(e)) => {
            app.announcer.say(e.what_happened());
            cancel_error.set(Some(e));
        }
        None => {}
    });
    let ask = Callback::new(move |request: ApprovalRequest| {
        question.set(Some(format!(
            "Cancel your pending request for {} ({})? Approvers will no longer see it.",
            request.role.name, request.scope.name
        )));
        cancel_error.set(None);
        to_cancel.set(Some(request));
    });
    let confirm = Callback::new(move |_| {
        if let Some(request) = to_cancel.get_untracked() {
            cancel.dispatch_local(request);
        }
    });
    view! {
        <section class="page" aria-labelledby="mine-title">
            <div class="page-head">
                <h1 id="mine-title">"My Requests"</h1>
                <button type="button" class="button secondary" on:click=move |_| answers.refetch()>
                    "Refresh"
                </button>
            </div>
            <p class="help">"Your own activation requests from every source, newest first. Microsoft keeps request history for 30 days."</p>
            {move || cancel_error.get().map(|error| view! { <SourceErrorView error /> })}
            <Transition fallback=|| view! { <p role="status">"Loading your requests…"</p> }>
                {move || answers.get().map(|read| view! { <MineList answers=read resource=answers on_cancel=ask /> })}
            </Transition>
            <ConfirmDialog
                open=question
                title="Cancel this request?".to_string()
                confirm_label="Cancel request".to_string()
                on_confirm=confirm
            />
        </section>
    }
}

/// What every source answered: its errors (with Retry), the items it could not read, and the requests,
/// newest first.
#[component]
fn MineList(
    answers: PerSource<ApprovalRequest>,
    resource: LocalResource<PerSource<ApprovalRequest>>,
    on_cancel: Callback<ApprovalRequest>,
) -> impl IntoView {
    let mut rows = successes(&answers);
    rows.sort_by_key(|r| std::cmp::Reverse(r.created));
    let retry = Callback::new(move |_| resource.refetch());
    let errors = failures(&answers)
        .into_iter()
        .map(|error| view! { <SourceErrorView error on_retry=retry /> })
        .collect_view();
    let list = if rows.is_empty() {
        view! { <p class="empty" data-testid="empty-mine">"You have no requests in the last 30 days."</p> }
            .into_any()
    } else {
        view! { <RequestList rows mode=ListMode::Mine caption="Your requests".to_string() on_cancel /> }
            .into_any()
    };
    view! {
        {errors}
        <SkippedItems answers />
        {list}
    }
}
