//! The one banner for the sign-in's end: "Your sign-in has expired … Sign in again" once Microsoft
//! refused the session (instead of an error per source), and a notice 15 minutes before the 24-hour
//! limit. "Sign in again" comes back to the same route with the drafts kept.

use crate::components::time::LocalTime;
use crate::domain::session::session_ending_soon;
use crate::routes;
use crate::state::use_app;
use leptos::prelude::*;

#[component]
pub fn SessionBanner() -> impl IntoView {
    let app = use_app();
    let session = app.session;
    let username = app.services().account.username;
    let ending_soon = Memo::new(move |_| {
        session
            .signed_in_at
            .is_some_and(|start| session_ending_soon(start, app.clock.now.get()))
    });
    let sign_in_again = move |_| session.sign_in_again(routes::current_route(), username.clone());
    let button = move || {
        view! {
            <button
                type="button"
                class="button primary"
                data-testid="sign-in-again"
                disabled=move || session.redirecting.get()
                on:click=sign_in_again.clone()
            >
                "Sign in again"
            </button>
        }
    };
    move || {
        if session.expired.get() {
            Some(
                view! {
                    <div class="banner warning session-banner" role="alert" data-testid="session-expired">
                        <p>
                            "Your sign-in has expired (Microsoft ends browser sessions after 24 hours). Sign in again; you will come back to this page and your typed justifications are kept."
                        </p>
                        {button()}
                        {move || session.failure.get().map(|f| view! { <p class="field-error">{f}</p> })}
                    </div>
                }
                    .into_any(),
            )
        } else if ending_soon.get() {
            let ends = session.ends_at();
            Some(
                view! {
                    <div class="banner info session-banner" role="status" data-testid="session-ending">
                        <p>
                            "Your sign-in ends "
                            {ends.map(|at| view! { <LocalTime at /> })}
                            " (Microsoft ends browser sessions after 24 hours). Sign in again now so a decision you are writing is not interrupted."
                        </p>
                        {button()}
                    </div>
                }
                    .into_any(),
            )
        } else {
            None
        }
    }
}
