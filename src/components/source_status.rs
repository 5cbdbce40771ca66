//! Per-source loading and error states: which source failed, what happened, what to do, and a retry.
//! A failure that is only the ended sign-in showing through is not an error of its own: the session
//! banner says it once for every source.

use crate::sources::SourceError;
use crate::state::AppContext;
use leptos::prelude::*;

/// A failed call, named by source, with what to do and an optional retry.
#[component]
pub fn SourceErrorView(
    error: SourceError,
    #[prop(optional, into)] on_retry: Option<Callback<()>>,
) -> impl IntoView {
    let slug = error.source.slug();
    let app = use_context::<AppContext>();
    if app.is_some_and(|app| app.session.explains(&error)) {
        return view! {
            <p class="note" data-source=slug>
                {format!("{} will load once you sign in again.", error.source.label())}
            </p>
        }
        .into_any();
    }
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
