//! The signed-out page of the full app (after a failed sign-in redirect, or embedded with its own
//! sign-in): one button that starts the Microsoft sign-in, and any sign-in error. A visitor who arrives
//! without a session sees the same screen from [`crate::entry`] instead.

use crate::auth::session::OAuthSession;
use crate::auth::AuthError;
use crate::entry::{login_hint, BUTTON, HELP, LEAD};
use leptos::prelude::*;

#[component]
pub fn SignInPage(
    session: OAuthSession,
    error: Option<AuthError>,
    return_to: String,
) -> impl IntoView {
    let failure = RwSignal::new(error.map(|e| e.message));
    let busy = RwSignal::new(false);
    let start = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let session = session.clone();
        let return_to = return_to.clone();
        leptos::task::spawn_local(async move {
            if let Err(e) = session
                .begin_sign_in(&return_to, login_hint().as_deref(), false)
                .await
            {
                failure.set(Some(e.message));
                busy.set(false);
            }
        });
    };
    view! {
        <main id="main" class="page standalone sign-in" data-testid="sign-in-page">
            <h1>"PIM Approvals"</h1>
            <p class="lead">{LEAD}</p>
            {move || failure.get().map(|message| view! { <p class="banner warning" role="alert">{message}</p> })}
            <button type="button" id="sign-in" class="button primary" disabled=busy on:click=start>
                {BUTTON}
            </button>
            <p class="help">{HELP}</p>
        </main>
    }
}
