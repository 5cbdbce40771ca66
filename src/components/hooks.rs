//! Browser APIs as hooks that clean up after themselves when their owner goes away: a listener is
//! removed, an observer disconnected. Nothing is `forget()`-ed.

use leptos::prelude::*;
use send_wrapper::SendWrapper;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Asks before the page is closed or reloaded while `busy()` is true (`beforeunload`): a decision
/// being written must not be abandoned without a word.
pub fn use_confirm_unload(busy: impl Fn() -> bool + 'static) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let handler = Closure::<dyn Fn(web_sys::BeforeUnloadEvent)>::new(
        move |event: web_sys::BeforeUnloadEvent| {
            if busy() {
                event.prevent_default();
                event.set_return_value("A decision is still being sent.");
            }
        },
    );
    let _ =
        window.add_event_listener_with_callback("beforeunload", handler.as_ref().unchecked_ref());
    let window = SendWrapper::new(window);
    let handler = SendWrapper::new(handler);
    on_cleanup(move || {
        let _ = window
            .remove_event_listener_with_callback("beforeunload", handler.as_ref().unchecked_ref());
    });
}

/// Calls `on_resize` whenever `target`'s size changes (ResizeObserver), until the owner is cleaned up.
pub fn use_resize_observer(target: &web_sys::Element, on_resize: impl Fn() + 'static) {
    let callback =
        Closure::<dyn Fn(js_sys::Array)>::new(move |_entries: js_sys::Array| on_resize());
    let Ok(observer) = web_sys::ResizeObserver::new(callback.as_ref().unchecked_ref()) else {
        return;
    };
    observer.observe(target);
    let kept = SendWrapper::new((observer, callback));
    on_cleanup(move || kept.0.disconnect());
}
