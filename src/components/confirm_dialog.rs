//! A modal confirmation built on the native `<dialog>`: `showModal()` makes the rest of the page inert
//! (focus stays inside), Escape closes it, and focus returns to the control that opened it.

use leptos::html::Dialog;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

#[component]
pub fn ConfirmDialog(
    /// `Some(question)` opens the dialog with that question; `None` closes it.
    open: RwSignal<Option<String>>,
    title: String,
    confirm_label: String,
    /// Called when the user confirms.
    on_confirm: Callback<()>,
) -> impl IntoView {
    let dialog = NodeRef::<Dialog>::new();
    let opener = StoredValue::new_local(None::<web_sys::HtmlElement>);
    Effect::new(move |_| {
        let Some(el) = dialog.get() else { return };
        let wanted = open.with(Option::is_some);
        if wanted && !el.open() {
            let active = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.active_element())
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
            opener.set_value(active);
            let _ = el.show_modal();
        } else if !wanted && el.open() {
            el.close();
        }
    });
    let restore_focus = move || {
        if let Some(el) = opener.get_value() {
            let _ = el.focus();
        }
    };
    view! {
        <dialog
            node_ref=dialog
            class="confirm-dialog"
            aria-labelledby="confirm-title"
            data-testid="confirm-dialog"
            on:close=move |_| {
                open.set(None);
                restore_focus();
            }
        >
            <h2 id="confirm-title">{title}</h2>
            <p>{move || open.get().unwrap_or_default()}</p>
            <div class="dialog-buttons">
                <button type="button" class="button secondary" autofocus on:click=move |_| open.set(None)>
                    "Keep it"
                </button>
                <button
                    type="button"
                    class="button danger"
                    data-testid="confirm"
                    on:click=move |_| {
                        open.set(None);
                        on_confirm.run(());
                    }
                >
                    {confirm_label}
                </button>
            </div>
        </dialog>
    }
}
