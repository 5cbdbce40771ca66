//! A sortable column header, the same for every table: a button with the column's name that sorts by
//! it (the same column again flips the direction), `aria-sort` on the sorted column only, and an arrow
//! for sighted users.

use crate::domain::sort::{Sort, SortColumn};
use leptos::prelude::*;

/// `<th>` for `column` of a table sorted by `sort`.
#[component]
pub fn SortHeader<C: SortColumn>(sort: RwSignal<Sort<C>>, column: C) -> impl IntoView {
    let aria_sort = move || sort.get().aria_sort(column);
    let arrow = move || match sort.get().direction_of(column) {
        None => "",
        Some(true) => " ▲",
        Some(false) => " ▼",
    };
    view! {
        <th scope="col" aria-sort=aria_sort>
            <button type="button" class="sort" on:click=move |_| sort.update(|s| *s = s.toggled(column))>
                {column.label()}
                <span aria-hidden="true">{arrow}</span>
            </button>
        </th>
    }
}
