//! Keeps an embedding host portal informed: the pending count (for a badge), the route (so the host
//! can mirror it in its own URL) and the content height (to size the iframe); and follows the host's
//! navigate and theme messages. Renders nothing.

use crate::app::apply_theme;
use crate::auth::embed::AppMessage;
use crate::config::{Density, Theme};
use crate::state::use_app;
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[component]
pub fn HostBridge() -> impl IntoView {
    let app = use_app();
    let Some(host) = app.services().host else {
        return;
    };
    let navigate = use_navigate();
    host.on_navigate(move |path| navigate(&crate::app::href(&path), Default::default()));
    host.on_theme(|theme, density| {
        apply_theme(
            theme.as_deref().and_then(Theme::parse),
            density.as_deref().and_then(Density::parse),
        )
    });

    let pending = Memo::new(move |_| (!app.queue.is_loading()).then(|| app.queue.requests().len()));
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
    let callback = Closure::<dyn Fn(js_sys::Array)>::new(move |_entries: js_sys::Array| {
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
    if let Ok(observer) = web_sys::ResizeObserver::new(callback.as_ref().unchecked_ref()) {
        observer.observe(&body);
        // Observer and callback live as long as the page.
        std::mem::forget(observer);
        callback.forget();
    }
}
