//! The browser tab's title: the page and, when requests are waiting, their count, so a tab in the
//! background still says "(27) Approve requests · PIM Approvals". Renders nothing.

use crate::state::use_app;
use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// The page's name for a path relative to the app's base.
fn page_name(path: &str) -> &'static str {
    if path.contains("/requests/") {
        "Request"
    } else if path.ends_with("/my-requests") {
        "My Requests"
    } else if path.ends_with("/approved-by-me") {
        "Requests I Approved"
    } else {
        "Approve requests"
    }
}

#[component]
pub fn DocumentTitle() -> impl IntoView {
    let app = use_app();
    let location = use_location();
    let title = Memo::new(move |_| {
        let page = page_name(&location.pathname.get());
        match app.queue.count() {
            0 => format!("{page} · PIM Approvals"),
            n => format!("({n}) {page} · PIM Approvals"),
        }
    });
    Effect::new(move |_| {
        if let Some(document) = web_sys::window().and_then(|w| w.document()) {
            document.set_title(&title.get());
        }
    });
}
