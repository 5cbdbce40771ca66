//! The colour scheme and density on `<html>` (`data-theme`, `data-density`), set from
//! `embedding.theme`/`embedding.density` at start-up and from a host portal's `theme` message.

use crate::config::{Density, Theme};

/// Sets `data-theme` / `data-density` on `<html>` (`None` leaves the current value).
pub fn apply(theme: Option<Theme>, density: Option<Density>) {
    let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    else {
        return;
    };
    match theme {
        Some(Theme::Auto) => {
            let _ = root.remove_attribute("data-theme");
        }
        Some(theme) => {
            let _ = root.set_attribute("data-theme", theme.as_str());
        }
        None => {}
    }
    if let Some(density) = density {
        let _ = root.set_attribute("data-density", density.as_str());
    }
}
