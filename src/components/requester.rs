//! Who asks: the requester's name and UPN, both another person's text, in one place for every table
//! and page that shows them.

use crate::components::untrusted::Untrusted;
use crate::domain::Person;
use leptos::prelude::*;

/// The requester's best name ([`Person::name`]) and, when known, the UPN below it.
#[component]
pub fn Requester(person: Person) -> impl IntoView {
    let name = person.name().to_string();
    view! {
        <span class="person-name">
            <Untrusted text=name />
        </span>
        {person
            .upn
            .map(|upn| {
                view! {
                    <span class="person-upn">
                        <Untrusted text=upn />
                    </span>
                }
            })}
    }
}
