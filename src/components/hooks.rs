//! Browser APIs as hooks that clean up after themselves when their owner goes away: a listener is
//! removed, an observer disconnected. Nothing is `forget()`-ed.

use leptos::prelude::*;
use send_wrapper::SendWrapper;
use wasm_bindgen::convert::FromWasmAbi;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// How a listener is added: passive listeners never hold up scrolling (they cannot cancel it).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Listen {
    Active,
    Passive,
}

/// Calls `handler` with each of `events` on `target`, until the owner is cleaned up (the listener
/// is removed then).
pub fn use_event_listener<E: FromWasmAbi + 'static>(
    target: web_sys::EventTarget,
    events: &'static [&'static str],
    listen: Listen,
    handler: impl Fn(E) + 'static,
) {
    let handler = Closure::<dyn Fn(E)>::new(handler);
    let options = web_sys::AddEventListenerOptions::new();
    options.set_passive(listen == Listen::Passive);
    for event in events {
        let _ = target.add_event_listener_with_callback_and_add_event_listener_options(
            event,
            handler.as_ref().unchecked_ref(),
            &options,
        );
    }
    let kept = SendWrapper::new((target, handler));
    on_cleanup(move || {
        let (target, handler) = &*kept;
        for event in events {
            let _ =
                target.remove_event_listener_with_callback(event, handler.as_ref().unchecked_ref());
        }
    });
}

/// Asks before the page is closed or reloaded while `busy()` is true (`beforeunload`): a decision
/// being written must not be abandoned without a word.
pub fn use_confirm_unload(busy: impl Fn() -> bool + 'static) {
    let Some(window) = web_sys::window() else {
        return;
    };
    use_event_listener(
        window.into(),
        &["beforeunload"],
        Listen::Active,
        move |event: web_sys::BeforeUnloadEvent| {
            if busy() {
                event.prevent_default();
                event.set_return_value("A decision is still being sent.");
            }
        },
    );
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
