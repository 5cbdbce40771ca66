//! The queue's Duration cell: the requested duration, marked when it is over the maximum of the role's
//! PIM policy, where that policy was read this session (a detail page read it). Never a read per row.

use crate::domain::role_policy::PolicyKey;
use crate::domain::ApprovalRequest;
use crate::sources::context::cached_policy;
use leptos::prelude::*;

#[component]
pub fn QueueDuration(request: ApprovalRequest) -> impl IntoView {
    let over = PolicyKey::of(&request)
        .and_then(|key| cached_policy(&key))
        .and_then(|policy| policy.compare(&request.duration))
        .filter(|comparison| comparison.is_over());
    view! {
        {request.duration.to_string()}
        {over
            .map(|c| {
                view! {
                    " "
                    <span class="over-policy" data-testid="over-policy">
                        <span aria-hidden="true">"⚠ "</span>
                        {format!("over PIM's {} max", c.max)}
                    </span>
                }
            })}
    }
}
