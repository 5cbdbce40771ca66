//! Shown instead of the app when `config.json` is missing or invalid: names the file and the field.

use crate::config::{ConfigError, CONFIG_FILE};
use leptos::prelude::*;

#[component]
pub fn ConfigErrorPage(error: ConfigError) -> impl IntoView {
    let field = error.field.clone();
    view! {
        <main id="main" class="page standalone" data-testid="config-error">
            <h1>"PIM Approvals is not configured correctly"</h1>
            <p role="alert">
                "The configuration file "
                <code>{CONFIG_FILE}</code>
                {match field {
                    Some(field) => {
                        view! {
                            " has a problem with the field "
                            <code data-testid="config-error-field">{field}</code>
                            ": "
                        }
                            .into_any()
                    }
                    None => ": ".into_any(),
                }}
                {error.problem.clone()}
            </p>
            <p>
                "Whoever deploys this app edits "<code>{CONFIG_FILE}</code>
                " next to index.html; the README lists every field. Nothing else needs to be rebuilt."
            </p>
        </main>
    }
}
