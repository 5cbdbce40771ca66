//! Times for people: local wall-clock time with a relative form, and the live expiry countdown.

use crate::domain::{expiry, time};
use crate::state::use_app;
use chrono::{DateTime, Local, Utc};
use leptos::prelude::*;

/// `22 Nov 2026, 14:02 (3 h ago)` in the browser's time zone, in a `<time>` element.
#[component]
pub fn LocalTime(at: DateTime<Utc>) -> impl IntoView {
    let clock = use_app().clock;
    let absolute = time::format_local(at, &Local);
    view! {
        <time datetime=at.to_rfc3339()>
            {absolute}
            <span class="relative">{move || format!(" ({})", time::relative(at, clock.now.get()))}</span>
        </time>
    }
}

/// Time left in PIM's 24-hour window, ticking; marked when under an hour.
#[component]
pub fn ExpiryCountdown(created: DateTime<Utc>) -> impl IntoView {
    let clock = use_app().clock;
    let expires = expiry::expires_at(created);
    let class = move || {
        let now = clock.now.get();
        if expiry::is_expired(created, now) {
            "countdown expired"
        } else if expiry::is_urgent(created, now) {
            "countdown urgent"
        } else {
            "countdown"
        }
    };
    let urgent = move || {
        let now = clock.now.get();
        expiry::is_urgent(created, now)
            .then_some(view! { <span class="urgent-label">"Expires soon: "</span> })
    };
    view! {
        <time class=class datetime=expires.to_rfc3339() data-testid="expires">
            {urgent}
            {move || expiry::countdown(created, clock.now.get())}
        </time>
    }
}
