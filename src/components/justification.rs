//! The approver's justification box, the same for a single decision and a bulk one: a required text
//! area with the policy's length limits, a live character count, and the error in words (announced).

use crate::domain::policy::JustificationPolicy;
use leptos::prelude::*;

/// The justification to send: empty where the service records none (`required` false), else the typed
/// text when the policy accepts it. When it does not, the error is shown on the field, the box takes
/// focus, and `None` says: send nothing.
pub fn justification_to_send(
    required: bool,
    policy: JustificationPolicy,
    text: &str,
    invalid: RwSignal<Option<String>>,
    textarea: NodeRef<leptos::html::Textarea>,
) -> Option<String> {
    if !required {
        invalid.set(None);
        return Some(String::new());
    }
    match policy.validate(text) {
        Ok(t) => {
            invalid.set(None);
            Some(t.to_string())
        }
        Err(message) => {
            invalid.set(Some(message));
            if let Some(el) = textarea.get_untracked() {
                let _ = el.focus();
            }
            None
        }
    }
}

#[component]
pub fn JustificationField(
    /// The textarea's id.
    id: &'static str,
    /// The help and error lines' ids are `{lines}-help` and `{lines}-error`.
    lines: &'static str,
    label: &'static str,
    rows: u32,
    policy: JustificationPolicy,
    /// The text as typed (the caller loads it from, and saves it to, its draft).
    draft: RwSignal<String>,
    invalid: RwSignal<Option<String>>,
    textarea: NodeRef<leptos::html::Textarea>,
    /// Called with each new text.
    on_input: Callback<String>,
) -> impl IntoView {
    let help = format!("{lines}-help");
    let error = format!("{lines}-error");
    let remaining = move || {
        let used = draft.with(|t| t.trim().chars().count());
        format!(
            "{used} / {} characters (at least {})",
            policy.max_length, policy.min_length
        )
    };
    view! {
        <label for=id class="field-label">
            {label}
            <span class="required">" (required)"</span>
        </label>
        <textarea
            id=id
            node_ref=textarea
            rows=rows.to_string()
            maxlength=policy.max_length.to_string()
            aria-describedby=format!("{help} {error}")
            aria-invalid=move || invalid.with(Option::is_some).to_string()
            prop:value=move || draft.get()
            on:input:target=move |ev| on_input.run(ev.target().value())
        ></textarea>
        <p id=help class="help">{remaining}</p>
        <p id=error class="field-error" role="alert">
            {move || invalid.get()}
        </p>
    }
}
