//! Keyboard triage on the queue: `j`/`k` move through the requests, `Enter` opens one, `x` ticks it for a
//! bulk decision, `a`/`d` open its
//! decision with the justification box focused (never a decision without one), `/` focuses search, `?`
//! shows the shortcuts. Keys act only when focus is not in a text field and no modifier is held.

use crate::components::hooks::{use_event_listener, Listen};
use crate::domain::RequestKey;
use crate::routes::Route;
use crate::state::use_app;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use wasm_bindgen::JsCast;

/// Which request the keyboard is on, shared by the table (which focuses it) and the key handler.
#[derive(Clone, Copy)]
pub struct KeyboardCursor {
    /// Position in the arranged list.
    pub active: RwSignal<Option<usize>>,
    /// Bumped by a key that moved the cursor (the table scrolls the row into view).
    pub moved: RwSignal<u64>,
    /// Set by a key that moved the cursor; the row takes focus once it is rendered and clears it, so a
    /// row drawn again later (a filter, a refresh) never takes focus from where the user is typing.
    pub focus_pending: RwSignal<bool>,
    pub help_open: RwSignal<bool>,
}

impl KeyboardCursor {
    pub fn new() -> Self {
        KeyboardCursor {
            active: RwSignal::new(None),
            moved: RwSignal::new(0),
            focus_pending: RwSignal::new(false),
            help_open: RwSignal::new(false),
        }
    }
}

impl Default for KeyboardCursor {
    fn default() -> Self {
        Self::new()
    }
}

/// What a key does on the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueueKey {
    Next,
    Previous,
    Open,
    Select,
    Approve,
    Deny,
    Search,
    Help,
}

impl QueueKey {
    pub fn from_key(key: &str) -> Option<Self> {
        Some(match key {
            "j" | "ArrowDown" => QueueKey::Next,
            "k" | "ArrowUp" => QueueKey::Previous,
            "Enter" => QueueKey::Open,
            "x" => QueueKey::Select,
            "a" => QueueKey::Approve,
            "d" => QueueKey::Deny,
            "/" => QueueKey::Search,
            "?" => QueueKey::Help,
            _ => return None,
        })
    }
}

/// The cursor after `key` over `count` rows.
pub fn move_cursor(active: Option<usize>, key: QueueKey, count: usize) -> Option<usize> {
    if count == 0 {
        return None;
    }
    Some(match (key, active) {
        (QueueKey::Next, None) | (QueueKey::Previous, None) => 0,
        (QueueKey::Next, Some(i)) => (i + 1).min(count - 1),
        (QueueKey::Previous, Some(i)) => i.saturating_sub(1),
        (_, Some(i)) => i.min(count - 1),
        (_, None) => return None,
    })
}

/// Is the key meant for a text field (or a shortcut of the browser)?
fn belongs_elsewhere(event: &web_sys::KeyboardEvent) -> bool {
    if event.ctrl_key() || event.meta_key() || event.alt_key() {
        return true;
    }
    let Some(target) = event
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
    else {
        return false;
    };
    let tag = target.tag_name().to_ascii_lowercase();
    matches!(tag.as_str(), "input" | "textarea" | "select") || target.is_content_editable()
}

/// Listens for the queue's keys while the queue page is mounted.
pub fn use_queue_keys(cursor: KeyboardCursor) {
    let app = use_app();
    let navigate = use_navigate();
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let handler = move |event: web_sys::KeyboardEvent| {
        if belongs_elsewhere(&event) {
            return;
        }
        let Some(key) = QueueKey::from_key(&event.key()) else {
            return;
        };
        let count = app.queue.data.with_untracked(|d| d.shown());
        let active = cursor.active.get_untracked();
        let key_of = |i: usize| {
            app.queue
                .data
                .with_untracked(|d| d.window(i..i + 1).first().map(|e| e.request.key.clone()))
        };
        match key {
            QueueKey::Next | QueueKey::Previous => {
                event.prevent_default();
                cursor.active.set(move_cursor(active, key, count));
                cursor.focus_pending.set(true);
                cursor.moved.update(|n| *n += 1);
            }
            QueueKey::Open | QueueKey::Approve | QueueKey::Deny => {
                // Enter on a focused link or button does its own thing.
                if key == QueueKey::Open && !on_page_body(&event) {
                    return;
                }
                let Some(request) = active.and_then(key_of) else {
                    return;
                };
                event.prevent_default();
                navigate(&detail_href(request, key), Default::default());
            }
            QueueKey::Select => {
                let Some(request) = active.and_then(key_of) else {
                    return;
                };
                event.prevent_default();
                app.bulk.selection.toggle(&request);
                app.bulk.announce_selection();
            }
            QueueKey::Search => {
                event.prevent_default();
                focus_search();
            }
            QueueKey::Help => cursor.help_open.update(|open| *open = !*open),
        }
    };
    use_event_listener(document.into(), &["keydown"], Listen::Active, handler);
}

/// The detail of `request`; `a` and `d` open it with that decision intended (`?decide=`).
fn detail_href(request: RequestKey, key: QueueKey) -> String {
    let suffix = match key {
        QueueKey::Approve => "?decide=approve",
        QueueKey::Deny => "?decide=deny",
        _ => "",
    };
    format!("{}{suffix}", Route::Request(request).href())
}

fn focus_search() {
    if let Some(search) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("queue-search"))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = search.focus();
    }
}

/// Whether the key went to the page itself or a row rather than a link or a button.
fn on_page_body(event: &web_sys::KeyboardEvent) -> bool {
    event
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_none_or(|e| !matches!(e.tag_name().to_ascii_lowercase().as_str(), "a" | "button"))
}

/// The `?` overlay: every shortcut, in words.
#[component]
pub fn ShortcutsHelp(cursor: KeyboardCursor) -> impl IntoView {
    let rows = [
        ("j or ↓", "next request"),
        ("k or ↑", "previous request"),
        ("Enter", "open the request"),
        ("x", "select or unselect the request for a bulk decision"),
        (
            "a",
            "open the request to approve it (the justification box is focused)",
        ),
        (
            "d",
            "open the request to deny it (the justification box is focused)",
        ),
        ("/", "search"),
        ("?", "show or hide these shortcuts"),
    ];
    view! {
        <Show when=move || cursor.help_open.get()>
            <section class="card shortcuts" aria-labelledby="shortcuts-title" data-testid="shortcuts">
                <div class="page-head">
                    <h2 id="shortcuts-title">"Keyboard shortcuts"</h2>
                    <button type="button" class="button secondary" on:click=move |_| cursor.help_open.set(false)>
                        "Close"
                    </button>
                </div>
                <p class="help">"They work when the cursor is not in a text field."</p>
                <dl class="shortcut-list">
                    {rows
                        .into_iter()
                        .map(|(key, what)| view! { <dt><kbd>{key}</kbd></dt><dd>{what}</dd> })
                        .collect_view()}
                </dl>
            </section>
        </Show>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cursor_moves_within_the_list() {
        assert_eq!(move_cursor(None, QueueKey::Next, 3), Some(0));
        assert_eq!(move_cursor(Some(0), QueueKey::Next, 3), Some(1));
        assert_eq!(move_cursor(Some(2), QueueKey::Next, 3), Some(2));
        assert_eq!(move_cursor(Some(0), QueueKey::Previous, 3), Some(0));
        assert_eq!(
            move_cursor(Some(5), QueueKey::Open, 3),
            Some(2),
            "a shrunk list"
        );
        assert_eq!(move_cursor(Some(1), QueueKey::Next, 0), None);
    }

    #[test]
    fn keys_map_to_actions() {
        assert_eq!(QueueKey::from_key("j"), Some(QueueKey::Next));
        assert_eq!(QueueKey::from_key("?"), Some(QueueKey::Help));
        assert_eq!(QueueKey::from_key("x"), Some(QueueKey::Select));
        assert_eq!(QueueKey::from_key("q"), None);
    }
}
