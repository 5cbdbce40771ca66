//! My Requests (`/my-requests`).

use leptos::prelude::*;

#[component]
pub fn MyRequestsPage() -> impl IntoView {
    view! { <section class="page"><h1>"My Requests"</h1></section> }
}
