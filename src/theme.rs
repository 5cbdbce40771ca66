//! The colour scheme and density on `<html>` (`data-theme`, `data-density`), set from
//! `embedding.theme`/`embedding.density` at start-up and from a host portal's `theme` message.

/// Sets `data-theme` / `data-density` on `<html>` (`None` leaves the current value).
pub fn apply(theme: Option<&str>, density: Option<&str>) {
    let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    else {
        return;
    };
    if let Some(theme) = theme.filter(|t| matches!(*t, "light" | "dark" | "auto")) {
        if theme == "auto" {
            let _ = root.remove_attribute("data-theme");
        } else {
            let _ = root.set_attribute("data-theme", theme);
        }
    }
    if let Some(density) = density.filter(|d| matches!(*d, "compact" | "comfortable")) {
        let _ = root.set_attribute("data-density", density);
    }
}
