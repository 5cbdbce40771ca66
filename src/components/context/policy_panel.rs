//! What PIM's policy for the role says: the longest activation and how the requested one compares,
//! what activation requires, whether approval is required, the approvers and whether I am one.

use super::{panel_view, DecisionContext};
use crate::components::untrusted::Untrusted;
use crate::domain::context_gap::Panel;
use crate::domain::role_policy::RolePolicy;
use leptos::prelude::*;

#[component]
pub fn PolicyPanel(context: DecisionContext) -> impl IntoView {
    panel_view(Panel::Policy, context.policy, context, |policy, context| {
        view! { <PolicyView policy context /> }.into_any()
    })
}

#[component]
fn PolicyView(policy: RolePolicy, context: DecisionContext) -> impl IntoView {
    let request = context.request();
    let comparison = policy.compare(&request.duration);
    let over = comparison.is_some_and(|c| c.is_over());
    let me = context.app.me();
    let requirements = policy.requirements_sentence();
    let approval = policy.approval_label();
    let membership = policy.membership(&me).sentence();
    let default_note = policy.default_approvers_note(request.key.source);
    let max = policy
        .max_duration
        .map(|d| d.to_string())
        .unwrap_or_else(|| "Not set".into());
    view! {
        {comparison
            .map(|c| {
                view! {
                    <p
                        class=if over { "duration-comparison over" } else { "duration-comparison" }
                        data-testid="policy-duration"
                        data-over=over.to_string()
                    >
                        {over.then(|| view! { <span aria-hidden="true">"⚠ "</span> })}
                        {c.sentence()}
                    </p>
                }
            })}
        <dl class="context-facts">
            <dt>"Maximum activation"</dt>
            <dd data-testid="policy-max">{max}</dd>
            <dt>"Activation requires"</dt>
            <dd data-testid="policy-requires">{requirements}</dd>
            <dt>"Approval required"</dt>
            <dd data-testid="policy-approval">{approval}</dd>
            <dt>"Approvers"</dt>
            <dd data-testid="policy-approvers">
                {if policy.approvers.is_empty() {
                    default_note.unwrap_or("None listed.").into_any()
                } else {
                    view! {
                        <ul class="approver-list">
                            {policy
                                .approvers
                                .iter()
                                .map(|a| {
                                    let named = a.name.is_some();
                                    view! {
                                        <li data-named=named.to_string()>
                                            <Untrusted text=a.label() />
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                        .into_any()
                }}
            </dd>
            <dt>"You"</dt>
            <dd data-testid="policy-me">{membership}</dd>
        </dl>
    }
}
