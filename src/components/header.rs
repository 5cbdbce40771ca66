//! The header: product name, navigation, who is signed in (name and UPN) and Sign out.

use crate::routes::Route;
use crate::state::use_app;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn Header() -> impl IntoView {
    let app = use_app();
    let services = app.services();
    let account = services.account.clone();
    let session = services.session.clone();
    let can_sign_out = session.is_some();
    let sign_out = move |_| {
        if let Some(session) = &session {
            app.drafts.clear_all();
            session.sign_out();
        }
    };
    let pending = move || app.queue.count();
    view! {
        <header class="app-header">
            <div class="brand">
                <span class="brand-mark" aria-hidden="true">"◆"</span>
                <span class="brand-name">"PIM Approvals"</span>
            </div>
            <nav aria-label="Main">
                <A href=Route::Queue.href() exact=true>
                    "Approve requests"
                    <span class="nav-count" data-testid="nav-pending-count">
                        {move || {
                            let n = pending();
                            (n > 0).then(|| format!(" ({n})"))
                        }}
                    </span>
                </A>
                <A href=Route::MyRequests.href()>"My Requests"</A>
                <A href=Route::ApprovedByMe.href()>"Requests I Approved"</A>
            </nav>
            <div class="account">
                <span class="account-text">
                    <span class="account-name" data-testid="account-name">{account.name.clone()}</span>
                    <span class="account-upn" data-testid="account-username">{account.username.clone()}</span>
                </span>
                {can_sign_out
                    .then(|| {
                        view! {
                            <button type="button" class="button secondary" id="sign-out" on:click=sign_out>
                                "Sign out"
                            </button>
                        }
                    })}
            </div>
        </header>
    }
}
