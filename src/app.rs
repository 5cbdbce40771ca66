//! The top of the program: start-up's outcome decides what is shown (configuration error, sign-in,
//! a host hand-off failure, or the signed-in shell), and the shell mounts the routes under a header.

use crate::boot::{boot, Boot};
use crate::components::document_title::DocumentTitle;
use crate::components::header::Header;
use crate::components::host_bridge::HostBridge;
use crate::components::session_banner::SessionBanner;
use crate::pages::sign_in::SignInPage;
use crate::pages::{
    approve::ApprovePage, approved_by_me::ApprovedByMePage, config_error::ConfigErrorPage,
};
use crate::pages::{
    my_requests::MyRequestsPage, not_found::NotFoundPage, request_detail::RequestDetailPage,
};
use crate::routes;
use crate::state::{AppContext, Services};
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use std::rc::Rc;

#[component]
pub fn App() -> impl IntoView {
    let boot = LocalResource::new(boot);
    view! {
        <Suspense fallback=|| view! { <p class="boot" role="status">"Loading PIM Approvals…"</p> }>
            {move || {
                boot.get()
                    .map(|outcome| match outcome {
                        Boot::BadConfig(error) => view! { <ConfigErrorPage error /> }.into_any(),
                        Boot::SignedOut { session, error } => {
                            view! { <SignInPage session error return_to=routes::current_route() /> }
                                .into_any()
                        }
                        Boot::Redirecting => {
                            view! { <p class="boot" role="status">"Signing you in…"</p> }.into_any()
                        }
                        Boot::HostFailed(message) => {
                            view! {
                                <main id="main" class="page standalone" data-testid="host-failed">
                                    <h1>"PIM Approvals could not start"</h1>
                                    <p role="alert">{message}</p>
                                </main>
                            }
                                .into_any()
                        }
                        Boot::Ready(services) => view! { <Shell services /> }.into_any(),
                    })
            }}
        </Suspense>
    }
}

#[component]
fn Shell(services: Rc<Services>) -> impl IntoView {
    let app = AppContext::new((*services).clone());
    provide_context(app);
    if !app.session.expired.get_untracked() {
        app.load_queue(None);
    }
    crate::state::live::start(app);
    crate::components::hooks::use_confirm_unload(move || app.decisions.in_flight_count() > 0);
    let announcement = app.announcer.message;
    view! {
        <Router base=routes::router_base()>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <Header />
            <SessionBanner />
            <main id="main" tabindex="-1">
                <Routes fallback=|| view! { <NotFoundPage /> }>
                    <Route path=path!("/") view=ApprovePage />
                    <Route path=path!("/requests/:source/:id") view=RequestDetailPage />
                    <Route path=path!("/my-requests") view=MyRequestsPage />
                    <Route path=path!("/approved-by-me") view=ApprovedByMePage />
                </Routes>
            </main>
            <HostBridge />
            <DocumentTitle />
            <div class="visually-hidden" role="status" aria-live="polite" data-testid="announcer">
                {move || announcement.get()}
            </div>
        </Router>
    }
}
