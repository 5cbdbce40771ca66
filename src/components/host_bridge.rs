//! Keeps an embedding host portal informed: the pending count (for a badge), the route (so the host
//! can mirror it in its own URL) and the content height (to size the iframe); and follows the host's
//! navigate and theme messages. Renders nothing.

use crate::auth::embed::AppMessage;
use crate::components::hooks::use_resize_observer;
use crate::config::{Density, Theme};
use crate::routes;
use crate::state::use_app;
use crate::theme;
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};

#[component]
pub fn HostBridge() -> impl IntoView {
    let app = use_app();
    let Some(host) = app.services().host else {
        return;
    };
    let navigate = use_navigate();
    // Only a validated in-app route is followed; anything else goes home.
    host.on_navigate(move |path| {
        navigate(
            &routes::href(routes::in_app_route_or_home(&path)),
            Default::default(),
        )
    });
    host.on_theme(|theme, density| {
        theme::apply(
            theme.as_deref().and_then(Theme::parse),
            density.as_deref().and_then(Density::parse),
        )
    });

    let pending = Memo::new(move |_| (!app.queue.is_loading()).then(|| app.queue.count()));
    let count_host = host.clone();
    Effect::new(move |_| {
        if let Some(count) = pending.get() {
            count_host.send(&AppMessage::PendingCount { count });
        }
    });

    let location = use_location();
    let route_host = host.clone();
    Effect::new(move |_| {
        let path = location.pathname.get();
        let search = location.search.get();
        let path = if search.is_empty() {
            path
        } else {
            format!("{path}?{search}")
        };
        route_host.send(&AppMessage::Route { path });
    });

    observe_height(host);
}

/// Reports the document height whenever it changes (ResizeObserver on `<body>`).
fn observe_height(host: crate::auth::embed::HostChannel) {
    let Some(body) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.body())
    else {
        return;
    };
    let last = std::cell::Cell::new(0u32);
    use_resize_observer(&body, move || {
        let height = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
            .map(|e| e.scroll_height().max(0) as u32)
            .unwrap_or(0);
        if height != last.get() {
            last.set(height);
            host.send(&AppMessage::Height { height });
        }
    });
}
