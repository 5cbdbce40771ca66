//! Text another person wrote (a name, a UPN, a justification), shown so it cannot pose as something
//! else: as text (never HTML), bidi-isolated in `<bdi>` so right-to-left text cannot reorder what is
//! around it, with hidden characters (bidi controls, zero-width characters) removed from what is shown
//! and flagged in words.

use crate::domain::text;
use leptos::prelude::*;

/// `text` inside `<bdi>`; when it contains hidden characters, those are left out of what is shown and
/// a flag says so ("this name contains hidden characters"), in words and not by colour alone.
#[component]
pub fn Untrusted(
    /// The string as the service sent it.
    #[prop(into)]
    text: String,
    /// What the text is, for the flag: "this {what} contains hidden characters".
    #[prop(default = "name")]
    what: &'static str,
) -> impl IntoView {
    let flagged = text::has_hidden_characters(&text);
    let shown = text::without_hidden(&text).into_owned();
    view! {
        <bdi class="untrusted">{shown}</bdi>
        {flagged
            .then(|| {
                view! {
                    <span class="hidden-characters" data-testid="hidden-characters">
                        <span aria-hidden="true">"⚠ "</span>
                        {format!("this {what} contains hidden characters")}
                    </span>
                }
            })}
    }
}
