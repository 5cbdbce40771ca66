//! Any route the app does not have.

use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! {
        <section class="page" data-testid="not-found">
            <h1>"Page not found"</h1>
            <p>"This address is not a page of PIM Approvals."</p>
            <p>
                <A href=crate::routes::Route::Queue.href()>"Go to the requests waiting for you"</A>
            </p>
        </section>
    }
}
