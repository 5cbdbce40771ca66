//! The approver's typed justification per request, kept in `sessionStorage` as it is typed: it survives
//! a reload, leaving the page and coming back, every failed write and a second sign-in in the same tab.
//! It is deleted when the service confirmed the decision and on sign-out. (`sessionStorage` is this tab's
//! only: nothing reaches `localStorage`.)

use crate::domain::RequestKey;

const PREFIX: &str = "pim-approvals.draft:";
/// The bulk decision's justification (one for the whole batch).
const BULK: &str = "pim-approvals.draft:bulk";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

fn key_of(request: &RequestKey) -> String {
    format!("{PREFIX}{}:{}", request.source.slug(), request.id)
}

/// Handle to the drafts of this tab.
#[derive(Clone, Copy, Debug, Default)]
pub struct Drafts;

impl Drafts {
    /// The draft for `request`, or empty.
    pub fn load(&self, request: &RequestKey) -> String {
        storage()
            .and_then(|s| s.get_item(&key_of(request)).ok().flatten())
            .unwrap_or_default()
    }

    /// Saves the draft (an empty one is removed). A full or blocked storage only loses persistence:
    /// the text stays in the box.
    pub fn save(&self, request: &RequestKey, text: &str) {
        let Some(storage) = storage() else { return };
        if text.is_empty() {
            let _ = storage.remove_item(&key_of(request));
        } else {
            let _ = storage.set_item(&key_of(request), text);
        }
    }

    /// The draft of the bulk decision's one justification, or empty.
    pub fn load_bulk(&self) -> String {
        storage()
            .and_then(|s| s.get_item(BULK).ok().flatten())
            .unwrap_or_default()
    }

    /// Saves the bulk decision's draft (an empty one is removed).
    pub fn save_bulk(&self, text: &str) {
        let Some(storage) = storage() else { return };
        let _ = if text.is_empty() {
            storage.remove_item(BULK)
        } else {
            storage.set_item(BULK, text)
        };
    }

    pub fn remove(&self, request: &RequestKey) {
        self.save(request, "");
    }

    /// Forgets every draft of this tab (sign-out).
    pub fn clear_all(&self) {
        let Some(storage) = storage() else { return };
        let count = storage.length().unwrap_or(0);
        let keys: Vec<String> = (0..count)
            .filter_map(|i| storage.key(i).ok().flatten())
            .filter(|k| k.starts_with(PREFIX))
            .collect();
        for key in keys {
            let _ = storage.remove_item(&key);
        }
    }
}
