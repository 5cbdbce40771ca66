//! The queue's search and filters: the search box always in reach (`/` focuses it), the source, risk and
//! "expires within" filters behind a "Filters (2 active)" button, open on wide screens and closed on
//! phones so the first request is on the first screen.

use crate::domain::queue::{ExpiresWithin, Filter};
use crate::domain::{RiskLevel, SourceKind};
use leptos::prelude::*;

/// Narrower than this, the filters start closed (the layout's card breakpoint).
const NARROW: &str = "(max-width: 760px)";

fn starts_open() -> bool {
    !web_sys::window()
        .and_then(|w| w.match_media(NARROW).ok().flatten())
        .is_some_and(|query| query.matches())
}

#[component]
pub fn QueueFilters(filter: RwSignal<Filter>, sources: Vec<SourceKind>) -> impl IntoView {
    let open = RwSignal::new(starts_open());
    let label = move || match filter.with(Filter::narrowing) {
        0 => "Filters".to_string(),
        n => format!("Filters ({n} active)"),
    };
    view! {
        <form class="filters" role="search" on:submit=|ev| ev.prevent_default()>
            <div class="filter-bar">
                <label class="search">
                    <span>"Search"</span>
                    <input
                        type="search"
                        id="queue-search"
                        placeholder="Name, role, ticket, justification…"
                        aria-keyshortcuts="/"
                        prop:value=move || filter.with(|f| f.text.clone())
                        on:input:target=move |ev| filter.update(|f| f.text = ev.target().value())
                    />
                </label>
                <button
                    type="button"
                    class="button secondary filter-toggle"
                    aria-expanded=move || open.get().to_string()
                    aria-controls="queue-filter-panel"
                    data-testid="filter-toggle"
                    on:click=move |_| open.update(|o| *o = !*o)
                >
                    {label}
                </button>
            </div>
            <div id="queue-filter-panel" class="filter-panel" hidden=move || !open.get()>
                <Chips
                    legend="Source"
                    items=sources.into_iter().map(|k| (k.label(), Chip::Source(k))).collect()
                    filter
                />
                <Chips
                    legend="Risk"
                    items=[RiskLevel::Critical, RiskLevel::High, RiskLevel::Normal]
                        .into_iter()
                        .map(|l| (l.label(), Chip::Risk(l)))
                        .collect()
                    filter
                />
                <ExpirySelect filter />
            </div>
        </form>
    }
}

/// One filter checkbox: a source or a risk level.
#[derive(Clone, Copy, PartialEq)]
enum Chip {
    Source(SourceKind),
    Risk(RiskLevel),
}

impl Chip {
    fn is_on(self, filter: &Filter) -> bool {
        match self {
            Chip::Source(kind) => filter.sources.contains(&kind),
            Chip::Risk(level) => filter.risks.contains(&level),
        }
    }

    fn toggle(self, filter: &mut Filter) {
        match self {
            Chip::Source(kind) => filter.toggle_source(kind),
            Chip::Risk(level) => filter.toggle_risk(level),
        }
    }
}

#[component]
fn Chips(
    legend: &'static str,
    items: Vec<(&'static str, Chip)>,
    filter: RwSignal<Filter>,
) -> impl IntoView {
    view! {
        <fieldset>
            <legend>{legend}</legend>
            {items
                .into_iter()
                .map(|(label, chip)| {
                    view! {
                        <label class="chip">
                            <input
                                type="checkbox"
                                prop:checked=move || filter.with(|f| chip.is_on(f))
                                on:change=move |_| filter.update(|f| chip.toggle(f))
                            />
                            {label}
                        </label>
                    }
                })
                .collect_view()}
        </fieldset>
    }
}

#[component]
fn ExpirySelect(filter: RwSignal<Filter>) -> impl IntoView {
    let set_expiry = move |value: String| {
        let within = value
            .parse::<i64>()
            .map(ExpiresWithin::Hours)
            .unwrap_or(ExpiresWithin::Any);
        filter.update(|f| f.expires_within = within);
    };
    view! {
        <label class="select">
            <span>"Expires within"</span>
            <select on:change:target=move |ev| set_expiry(ev.target().value())>
                <option value="any">"Any time"</option>
                <option value="1">"1 hour"</option>
                <option value="4">"4 hours"</option>
                <option value="12">"12 hours"</option>
            </select>
        </label>
    }
}
