//! A windowed list: of thousands of rows only the ones in view (plus a small overscan) are in the DOM,
//! each placed at its own offset in a list as tall as all the rows would be, so the scroll height
//! stays true and a row coming or going moves no other row (nothing else is laid out or painted
//! again). The page itself scrolls (no inner scroll box), so the list works the same in a table at
//! 1280 px and as cards at 360 px; the row pitch is measured from a rendered row, so the layout's
//! CSS decides it.
//!
//! The arithmetic is [`visible_range`] (pure, unit-tested); [`use_visible_range`] feeds it the list's
//! position on screen, re-read on scroll and resize at most once per animation frame.

use crate::components::hooks::{use_event_listener, Listen};
use leptos::prelude::*;
use std::cell::Cell;
use std::ops::Range;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Rows rendered above and below the visible ones, so a quick scroll shows no gap.
pub const OVERSCAN: usize = 8;

/// The rows to render when the list's top is `scrolled` pixels above the viewport's top (negative:
/// still below it), the viewport is `viewport` pixels high and each row `row_height` pixels.
pub fn visible_range(
    scrolled: f64,
    viewport: f64,
    row_height: f64,
    count: usize,
    overscan: usize,
) -> Range<usize> {
    if count == 0 || row_height <= 0.0 || !row_height.is_finite() {
        return 0..count.min(overscan);
    }
    let first = (scrolled.max(0.0) / row_height).floor() as usize;
    let bottom = (scrolled + viewport.max(0.0)).max(0.0);
    let last = (bottom / row_height).ceil() as usize;
    let start = first.saturating_sub(overscan).min(count);
    let end = last.saturating_add(overscan).min(count).max(start);
    start..end
}

/// The part of `count` rows of `row_height` that is on screen, for the element `list` (the rows'
/// container, e.g. a `<tbody>`): a memo that follows scrolling and resizing.
pub fn use_visible_range(
    list: NodeRef<leptos::html::Tbody>,
    row_height: Signal<f64>,
    count: Signal<usize>,
) -> Memo<Range<usize>> {
    // Where the list's top is relative to the viewport, and the viewport's height.
    let geometry = RwSignal::new((0.0f64, 900.0f64));
    let measure = move || {
        let (Some(element), Some(window)) = (list.get_untracked(), web_sys::window()) else {
            return;
        };
        let top = element.get_bounding_client_rect().top();
        let viewport = window
            .inner_height()
            .ok()
            .and_then(|h| h.as_f64())
            .unwrap_or(900.0);
        let next = (-top, viewport);
        if geometry.get_untracked() != next {
            geometry.set(next);
        }
    };
    use_animation_frame_listener(&["scroll", "resize"], measure);
    // Measure again whenever the list itself changes (rows arrive, a filter applies).
    Effect::new(move |_| {
        count.track();
        list.track();
        measure();
    });
    Memo::new(move |_| {
        let (scrolled, viewport) = geometry.get();
        visible_range(scrolled, viewport, row_height.get(), count.get(), OVERSCAN)
    })
}

/// Calls `on_event` at most once per animation frame for each of `events` on `window`, until the
/// owner is cleaned up (passive listeners: scrolling is never held up).
fn use_animation_frame_listener(events: &'static [&'static str], on_event: impl Fn() + 'static) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let scheduled = Rc::new(Cell::new(false));
    let on_event = Rc::new(on_event);
    let frame = {
        let scheduled = scheduled.clone();
        let on_event = on_event.clone();
        Closure::<dyn Fn()>::new(move || {
            scheduled.set(false);
            on_event();
        })
    };
    use_event_listener(
        window.into(),
        events,
        Listen::Passive,
        move |_: web_sys::Event| {
            if scheduled.replace(true) {
                return;
            }
            if let Some(window) = web_sys::window() {
                let _ = window.request_animation_frame(frame.as_ref().unchecked_ref());
            }
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_top_of_the_list_shows_the_first_rows_and_the_overscan() {
        assert_eq!(visible_range(0.0, 800.0, 40.0, 10_000, 8), 0..28);
        // The list starts 300 px down the page: fewer of its rows fit.
        assert_eq!(visible_range(-300.0, 800.0, 40.0, 10_000, 8), 0..21);
    }

    #[test]
    fn scrolling_moves_the_window_and_keeps_it_small() {
        let range = visible_range(400_000.0, 800.0, 40.0, 10_027, 8);
        assert_eq!(range, 9_992..10_027);
        let middle = visible_range(200_000.0, 900.0, 60.0, 10_027, 8);
        assert_eq!(middle.start, 3_325);
        assert!(middle.len() < 200, "{middle:?}");
    }

    #[test]
    fn degenerate_inputs_never_panic_or_run_past_the_end() {
        assert_eq!(visible_range(0.0, 800.0, 40.0, 0, 8), 0..0);
        assert_eq!(visible_range(0.0, 800.0, 0.0, 100, 8), 0..8);
        assert_eq!(visible_range(f64::NAN, 800.0, 40.0, 100, 8), 0..8);
        assert_eq!(visible_range(1e12, 800.0, 40.0, 100, 8), 100..100);
        assert_eq!(visible_range(100.0, -5.0, 40.0, 100, 2), 0..5);
    }
}
