//! The signed-out page: one button that starts the Microsoft sign-in, and any sign-in error.

use crate::auth::session::OAuthSession;
use crate::auth::AuthError;
use leptos::prelude::*;

/// `?login_hint=` on the app's address is passed on to the sign-in page.
fn login_hint() -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    search.trim_start_matches('?').split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == "login_hint").then(|| crate::auth::oauth::decode(v))
    })
}

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
            <p class="lead">
                "Approve or deny just-in-time privileged access requests from Entra roles, PIM for Groups, Azure resources, MIM PAM and your admin portal, in one queue."
            </p>
            {move || failure.get().map(|message| view! { <p class="banner warning" role="alert">{message}</p> })}
            <button type="button" id="sign-in" class="button primary" disabled=busy on:click=start>
                "Sign in with Microsoft"
            </button>
            <p class="help">"Sign in with the account that is named as approver; it is often a separate admin account."</p>
        </main>
    }
}
