//! Per-source loading and error states: which source failed, what happened, what to do, and a retry.
//! A failure that is only the ended sign-in showing through is not an error of its own: the session
//! banner says it once for every source.

use crate::domain::ApprovalRequest;
use crate::sources::{SourceError, Unreadable};
use crate::state::{AppContext, PerSource};
use leptos::prelude::*;

/// A failed call, named by source, with what to do and an optional retry. While the error is only the
/// ended session showing through the source, a quiet note instead: the session banner says it once.
#[component]
pub fn SourceErrorView(
    error: SourceError,
    #[prop(optional, into)] on_retry: Option<Callback<()>>,
) -> impl IntoView {
    // Mounted alone (a browser test) there is no app and so no session to explain anything.
    let app = use_context::<AppContext>();
    move || {
        if app.is_some_and(|app| app.session.explains(&error)) {
            view! {
                <p class="note" data-source=error.source.slug()>
                    {format!("{} will load once you sign in again.", error.source.label())}
                </p>
            }
            .into_any()
        } else {
            error_box(error.clone(), on_retry)
        }
    }
}

fn error_box(error: SourceError, on_retry: Option<Callback<()>>) -> AnyView {
    let slug = error.source.slug();
    view! {
        <div class="source-error" role="alert" data-testid="source-error" data-source=slug>
            <p class="source-error-what">
                <strong>{error.what_happened()}</strong>
                " "
                {error.what_to_do()}
            </p>
            {error.detail.clone().map(|d| view! { <p class="source-error-detail">"Service said: " {d}</p> })}
            {on_retry
                .map(|retry| {
                    view! {
                        <button type="button" class="button secondary" on:click=move |_| retry.run(())>
                            {format!("Retry {}", error.source.label())}
                        </button>
                    }
                })}
        </div>
    }
    .into_any()
}

/// "2 requests from Azure resources could not be read", with the details behind a disclosure.
#[component]
pub fn UnreadableItems(items: Vec<Unreadable>) -> impl IntoView {
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

/// The items each source that answered had to skip, one [`UnreadableItems`] per source (history pages).
#[component]
pub fn SkippedItems(answers: PerSource<ApprovalRequest>) -> impl IntoView {
    answers
        .into_iter()
        .filter_map(|(_, answer)| answer.ok())
        .filter(|listing| !listing.unreadable.is_empty())
        .map(|listing| view! { <UnreadableItems items=listing.unreadable /> })
        .collect_view()
}
