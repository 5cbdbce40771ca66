//! Who the requester is: their account (name, UPN, enabled, member or guest, created, job, department,
//! manager) with flags for a guest, a disabled account or a new account, and the last sign-in only on
//! an explicit click (a separate read: it needs a licence and a reports role, 10 reads a minute).

use super::{panel_view, DecisionContext};
use crate::components::time::LocalTime;
use crate::components::untrusted::Untrusted;
use crate::domain::context_gap::Panel;
use crate::domain::requester_facts::{Manager, RequesterFacts, SignInActivity};
use chrono::{DateTime, Utc};
use leptos::prelude::*;

#[component]
pub fn RequesterPanel(context: DecisionContext) -> impl IntoView {
    panel_view(
        Panel::Requester,
        context.requester,
        context,
        |facts, context| view! { <FactsView facts context /> }.into_any(),
    )
}

/// Text from the directory (other people's words), or "Not recorded".
fn untrusted_or_none(value: Option<String>) -> AnyView {
    match value {
        Some(text) => view! { <Untrusted text /> }.into_any(),
        None => view! { <span class="muted">"Not recorded"</span> }.into_any(),
    }
}

#[component]
fn FactsView(facts: RequesterFacts, context: DecisionContext) -> impl IntoView {
    let flags = facts.flags(context.app.clock.now.get_untracked());
    let enabled = match facts.account_enabled {
        Some(true) => "Enabled",
        Some(false) => "Disabled",
        None => "Not known",
    };
    let kind = if facts.is_guest() {
        "Guest"
    } else if facts.user_type.is_some() {
        "Member"
    } else {
        "Not known"
    };
    let manager = match facts.manager.clone() {
        Manager::Known {
            name,
            upn,
            job_title,
        } => view! {
            <Untrusted text=name />
            {job_title.map(|t| view! { ", " <Untrusted text=t what="job title" /> })}
            {upn.map(|u| view! { <span class="person-upn"><Untrusted text=u what="UPN" /></span> })}
        }
        .into_any(),
        Manager::NoneRecorded => "No manager recorded.".into_any(),
        Manager::Unreadable(why) => view! { <span class="muted">{why}</span> }.into_any(),
    };
    let user_id = facts.id.clone();
    view! {
        {(!flags.is_empty())
            .then(|| {
                view! {
                    <ul class="user-flags" data-testid="requester-flags">
                        {flags
                            .iter()
                            .map(|f| {
                                view! {
                                    <li>
                                        <span aria-hidden="true">"⚠ "</span>
                                        {f.message()}
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
            })}
        <dl class="context-facts">
            <dt>"Name"</dt>
            <dd data-testid="requester-name">{untrusted_or_none(facts.display_name.clone())}</dd>
            <dt>"User principal name"</dt>
            <dd>{untrusted_or_none(facts.upn.clone())}</dd>
            <dt>"Account"</dt>
            <dd data-testid="requester-enabled">{enabled}</dd>
            <dt>"Type"</dt>
            <dd data-testid="requester-type">{kind}</dd>
            <dt>"Created"</dt>
            <dd>
                {match facts.created {
                    Some(at) => view! { <LocalTime at /> }.into_any(),
                    None => "Not known".into_any(),
                }}
            </dd>
            <dt>"Job title"</dt>
            <dd>{untrusted_or_none(facts.job_title.clone())}</dd>
            <dt>"Department"</dt>
            <dd>{untrusted_or_none(facts.department.clone())}</dd>
            <dt>"Manager"</dt>
            <dd data-testid="requester-manager">{manager}</dd>
        </dl>
        <LastSignIn user_id context />
    }
}

/// "Show last sign-in": read only when clicked.
#[component]
fn LastSignIn(user_id: String, context: DecisionContext) -> impl IntoView {
    let shown: RwSignal<Option<Result<SignInActivity, String>>> = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let show = move |_| {
        let Some(reader) = context.reader() else {
            return;
        };
        let user_id = user_id.clone();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let read = reader.sign_in_activity(&user_id).await;
            shown.try_set(Some(read));
            busy.try_set(false);
        });
    };
    view! {
        <div class="last-sign-in" data-testid="last-sign-in">
            {move || match shown.get() {
                None => view! {
                    <button type="button" class="button secondary" disabled=move || busy.get() on:click=show.clone()>
                        {move || if busy.get() { "Reading last sign-in…" } else { "Show last sign-in" }}
                    </button>
                }
                    .into_any(),
                Some(Ok(activity)) => view! {
                    <dl class="context-facts">
                        <dt>"Last sign-in"</dt>
                        <dd>{time_or_none(activity.last_interactive)}</dd>
                        <dt>"Last successful sign-in"</dt>
                        <dd>{time_or_none(activity.last_successful)}</dd>
                        <dt>"Last non-interactive sign-in"</dt>
                        <dd>{time_or_none(activity.last_non_interactive)}</dd>
                    </dl>
                }
                    .into_any(),
                Some(Err(why)) => view! { <p data-testid="last-sign-in-gap">{why}</p> }.into_any(),
            }}
        </div>
    }
}

fn time_or_none(at: Option<DateTime<Utc>>) -> AnyView {
    match at {
        Some(at) => view! { <LocalTime at /> }.into_any(),
        None => "None recorded".into_any(),
    }
}
