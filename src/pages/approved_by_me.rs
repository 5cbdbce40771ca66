//! Requests I Approved (`/approved-by-me`).

use leptos::prelude::*;

#[component]
pub fn ApprovedByMePage() -> impl IntoView {
    view! { <section class="page"><h1>"Requests I Approved"</h1></section> }
}
