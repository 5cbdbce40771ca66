//! The request timeline: submitted (with the requester's justification), each stage and decision,
//! the outcome.

use crate::components::time::LocalTime;
use crate::components::untrusted::Untrusted;
use crate::domain::timeline::{self, Event};
use crate::domain::{Approval, ApprovalRequest};
use crate::sources::SourceError;
use crate::state::use_app;
use chrono::{DateTime, Local, Utc};
use leptos::prelude::*;

/// The outcome sentence in the browser's time zone.
pub fn outcome_sentence(
    request: &ApprovalRequest,
    approval: Option<&Approval>,
    now: DateTime<Utc>,
) -> String {
    timeline::outcome_sentence(request, approval, now, &Local)
}

#[component]
pub fn Timeline(
    request: ApprovalRequest,
    approval: Result<Approval, SourceError>,
) -> impl IntoView {
    let app = use_app();
    let events = timeline::events(
        &request,
        approval.as_ref().ok(),
        app.clock.now.get_untracked(),
    );
    let unreadable = approval
        .err()
        .map(|_| view! { <p class="note">"The approval stages could not be read, so reviews may be missing here."</p> });
    view! {
        <section class="card timeline-card" aria-labelledby="timeline-title">
            <h2 id="timeline-title">"Timeline"</h2>
            {unreadable}
            <ol class="timeline" data-testid="timeline">
                {events.into_iter().map(|event| view! { <TimelineItem event /> }).collect_view()}
            </ol>
        </section>
    }
}

#[component]
fn TimelineItem(event: Event) -> impl IntoView {
    let class = format!("timeline-item {}", event.kind.css_class());
    view! {
        <li class=class>
            <p class="timeline-title">{event.title}</p>
            {event.at.map(|at| view! { <p class="timeline-time"><LocalTime at /></p> })}
            {event
                .quote
                .map(|q| {
                    view! {
                        <blockquote class="quoted">
                            <Untrusted text=q what="justification" />
                        </blockquote>
                    }
                })}
        </li>
    }
}
