//! The requester's record for this role and scope: their requests of the last 30 days with outcomes
//! and who decided, the assignments they hold now (active or eligible, until when), and "first request
//! for this role in 30 days" where that holds.

use super::{panel_view, DecisionContext};
use crate::components::badges::StatusBadge;
use crate::components::time::LocalTime;
use crate::components::untrusted::Untrusted;
use crate::domain::context_gap::Panel;
use crate::domain::requester_record::{Holding, RequesterRecord, RECORD_DAYS};
use crate::domain::SourceKind;
use leptos::prelude::*;

#[component]
pub fn RecordPanel(context: DecisionContext) -> impl IntoView {
    panel_view(Panel::Record, context.record, context, |record, context| {
        view! { <RecordView record context /> }.into_any()
    })
}

#[component]
fn RecordView(record: RequesterRecord, context: DecisionContext) -> impl IntoView {
    let source = context.request().key.source;
    let direct = if source == SourceKind::EntraRoles {
        " (direct assignments)"
    } else {
        ""
    };
    let first = record.is_first_in_window();
    view! {
        <dl class="context-facts">
            <dt>{format!("Active now{direct}")}</dt>
            <dd data-testid="record-active">
                <Holdings held=record.active.clone() none="No active assignment." verb="Active" />
            </dd>
            <dt>{format!("Eligible{direct}")}</dt>
            <dd data-testid="record-eligible">
                <Holdings held=record.eligible.clone() none="Not eligible." verb="Eligible" />
            </dd>
        </dl>
        {if first {
            view! {
                <p data-testid="record-first" class="record-first">
                    {format!(
                        "First request for this role in {RECORD_DAYS} days: no earlier request is visible to PIM.",
                    )}
                </p>
            }
                .into_any()
        } else {
            view! {
                <p data-testid="record-summary">
                    {format!("Last {RECORD_DAYS} days: {}.", record.outcome_summary())}
                </p>
                <ul class="record-list" data-testid="record-requests">
                    {record
                        .requests
                        .iter()
                        .map(|r| {
                            let by = r.decided_by.as_ref().map(|p| p.name().to_string());
                            let why = r.justification.clone();
                            view! {
                                <li data-testid="record-request">
                                    <StatusBadge status=r.status.clone() />
                                    " "
                                    <LocalTime at=r.created />
                                    {format!(", {}", r.duration)}
                                    {by
                                        .map(|name| {
                                            view! {
                                                ", by "
                                                <Untrusted text=name />
                                            }
                                        })}
                                    {why
                                        .map(|text| {
                                            view! {
                                                <span class="record-why">
                                                    <Untrusted text what="justification" />
                                                </span>
                                            }
                                        })}
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            }
                .into_any()
        }}
    }
}

/// "Active until 23 Nov 2026, 15:00 (in 3 h)" per holding, or `none`.
#[component]
fn Holdings(held: Vec<Holding>, none: &'static str, verb: &'static str) -> impl IntoView {
    if held.is_empty() {
        return none.into_any();
    }
    held.into_iter()
        .map(|h| match h.end {
            Some(end) => view! {
                <span class="holding">
                    {format!("{verb} until ")}
                    <LocalTime at=end />
                </span>
            }
            .into_any(),
            None => {
                view! { <span class="holding">{format!("{verb}, permanently")}</span> }.into_any()
            }
        })
        .collect_view()
        .into_any()
}
