//! The life of a request as events (submitted, each stage and its decision, the outcome) and the
//! one-sentence outcome an old link lands on ("Approved by Adele Vance at …: “…”").

use super::text::without_hidden as shown;
use super::time::format_local;
use super::{Approval, ApprovalRequest, Decision, RequestStatus, Review, StageStatus};
use chrono::{DateTime, TimeZone, Utc};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    Submitted,
    Waiting,
    Approved,
    Denied,
    Expired,
    Canceled,
    Other,
}

impl EventKind {
    pub fn css_class(self) -> &'static str {
        match self {
            EventKind::Submitted => "submitted",
            EventKind::Waiting => "waiting",
            EventKind::Approved => "approved",
            EventKind::Denied => "denied",
            EventKind::Expired => "expired",
            EventKind::Canceled => "canceled",
            EventKind::Other => "other",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub kind: EventKind,
    pub title: String,
    pub at: Option<DateTime<Utc>>,
    /// Words of a person (a justification): untrusted, shown as text.
    pub quote: Option<String>,
}

fn review_event(stage_name: &str, review: &Review) -> Event {
    Event {
        kind: match review.decision {
            Decision::Approve => EventKind::Approved,
            Decision::Deny => EventKind::Denied,
        },
        title: format!(
            "{stage_name}: {} by {}",
            review.decision.past_tense(),
            shown(review.by.name())
        ),
        at: review.at,
        quote: review.justification.clone(),
    }
}

/// Submitted → stages → outcome.
pub fn events(
    request: &ApprovalRequest,
    approval: Option<&Approval>,
    now: DateTime<Utc>,
) -> Vec<Event> {
    let mut out = vec![Event {
        kind: EventKind::Submitted,
        title: format!("Submitted by {}", shown(request.requester.name())),
        at: Some(request.created),
        quote: request.justification.clone(),
    }];
    let status = request.effective_status(now);
    let stages = approval.map(|a| a.stages.as_slice()).unwrap_or_default();
    for (index, stage) in stages.iter().enumerate() {
        let name = stage
            .name
            .as_deref()
            .map(|n| shown(n).into_owned())
            .unwrap_or_else(|| format!("Approval stage {}", index + 1));
        match (&stage.review, &stage.status) {
            (Some(review), _) => out.push(review_event(&name, review)),
            (None, StageStatus::Expired) => out.push(Event {
                kind: EventKind::Expired,
                title: format!("{name}: expired without a decision"),
                at: Some(request.expires_at()),
                quote: None,
            }),
            (None, _) if status == RequestStatus::Pending => out.push(Event {
                kind: EventKind::Waiting,
                title: format!("{name}: waiting for an approver"),
                at: None,
                quote: None,
            }),
            _ => {}
        }
    }
    if stages.is_empty() {
        if let Some(review) = &request.review {
            out.push(review_event("Approval", review));
        }
    }
    if let Some(outcome) = outcome_event(request, status) {
        out.push(outcome);
    }
    out
}

fn outcome_event(request: &ApprovalRequest, status: RequestStatus) -> Option<Event> {
    let (kind, title, at) = match &status {
        RequestStatus::Pending => return None,
        RequestStatus::Approved => (
            EventKind::Approved,
            "Outcome: approved, access granted".to_string(),
            request.activated_at(),
        ),
        RequestStatus::Denied => (
            EventKind::Denied,
            "Outcome: denied".to_string(),
            super::history::settled_at(request),
        ),
        RequestStatus::Expired => (
            EventKind::Expired,
            "Outcome: expired after 24 hours without a decision".to_string(),
            Some(request.expires_at()),
        ),
        RequestStatus::Canceled => (
            EventKind::Canceled,
            "Outcome: canceled by the requester".to_string(),
            request.completed,
        ),
        RequestStatus::Unknown(raw) => (
            EventKind::Other,
            format!("Outcome: {raw}"),
            request.completed,
        ),
    };
    Some(Event {
        kind,
        title,
        at,
        quote: None,
    })
}

/// The sentence an old link shows for a request that is no longer pending.
pub fn outcome_sentence<Tz: TimeZone>(
    request: &ApprovalRequest,
    approval: Option<&Approval>,
    now: DateTime<Utc>,
    zone: &Tz,
) -> String {
    let review = approval
        .and_then(Approval::settling_review)
        .or(request.review.as_ref());
    let when = |at: Option<DateTime<Utc>>| {
        at.map(|t| format!(" at {}", format_local(t, zone)))
            .unwrap_or_default()
    };
    match request.effective_status(now) {
        RequestStatus::Pending => "Waiting for a decision.".to_string(),
        status @ (RequestStatus::Approved | RequestStatus::Denied) => match review {
            Some(r) => {
                let quote = r
                    .justification
                    .as_deref()
                    .map(|j| format!(": “{}”", shown(j)))
                    .unwrap_or_default();
                format!(
                    "{} by {}{}{quote}",
                    status.label(),
                    shown(r.by.name()),
                    when(r.at)
                )
            }
            None => format!(
                "{}{}. The service does not say by whom.",
                status.label(),
                when(request.completed)
            ),
        },
        RequestStatus::Expired => format!(
            "Expired{} without a decision: nobody decided within PIM's 24 hours.",
            when(Some(request.expires_at()))
        ),
        RequestStatus::Canceled => format!("Canceled by the requester{}.", when(request.completed)),
        RequestStatus::Unknown(raw) => format!("The service reports the status “{raw}”."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::*;
    use chrono::{Duration, FixedOffset};

    fn request(status: RequestStatus, review: Option<Review>) -> ApprovalRequest {
        let created = Utc.with_ymd_and_hms(2026, 11, 22, 13, 0, 0).unwrap();
        ApprovalRequest {
            requester: Person {
                id: Some("alex".into()),
                display_name: Some("Alex Wilber".into()),
                upn: None,
            },
            status,
            duration: RequestedDuration::Known(IsoDuration::from_hours(2)),
            justification: Some("Rotate keys".into()),
            completed: Some(created + Duration::minutes(62)),
            review,
            ..ApprovalRequest::sample("r", created)
        }
    }

    fn adele_approved() -> Review {
        Review {
            decision: Decision::Approve,
            by: Person {
                id: Some("adele".into()),
                display_name: Some("Adele Vance".into()),
                upn: None,
            },
            at: Some(Utc.with_ymd_and_hms(2026, 11, 22, 13, 2, 0).unwrap()),
            justification: Some("ticket CHG-1042 verified".into()),
        }
    }

    #[test]
    fn approved_sentence_names_who_when_and_why() {
        let r = request(RequestStatus::Approved, Some(adele_approved()));
        let cet = FixedOffset::east_opt(3600).unwrap();
        let now = r.created + Duration::days(2);
        assert_eq!(
            outcome_sentence(&r, None, now, &cet),
            "Approved by Adele Vance at 22 Nov 2026, 14:02: “ticket CHG-1042 verified”"
        );
    }

    #[test]
    fn names_and_quotes_lose_their_hidden_characters() {
        let mut review = adele_approved();
        review.by.display_name = Some("Alex \u{202e}nimdA labolG".into());
        review.justification = Some("ok\u{200b}ay".into());
        let r = request(RequestStatus::Approved, Some(review));
        let sentence = outcome_sentence(&r, None, r.created + Duration::days(2), &Utc);
        assert!(
            sentence.starts_with("Approved by Alex nimdA labolG at "),
            "{sentence}"
        );
        assert!(sentence.ends_with(": “okay”"), "{sentence}");
    }

    #[test]
    fn expired_and_canceled_sentences() {
        let utc = Utc;
        let r = request(RequestStatus::Expired, None);
        assert_eq!(
            outcome_sentence(&r, None, r.created + Duration::days(3), &utc),
            "Expired at 23 Nov 2026, 13:00 without a decision: nobody decided within PIM's 24 hours."
        );
        let c = request(RequestStatus::Canceled, None);
        assert_eq!(
            outcome_sentence(&c, None, c.created + Duration::days(3), &utc),
            "Canceled by the requester at 22 Nov 2026, 14:02."
        );
    }

    #[test]
    fn timeline_runs_from_submission_through_stages_to_outcome() {
        let r = request(RequestStatus::Approved, None);
        let approval = Approval {
            id: "a".into(),
            stages: vec![Stage {
                id: "s".into(),
                name: Some("Security approvers".into()),
                status: StageStatus::Completed,
                assigned_to_me: false,
                review: Some(adele_approved()),
            }],
        };
        let events = events(&r, Some(&approval), r.created + Duration::days(1));
        let titles: Vec<&str> = events.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Submitted by Alex Wilber",
                "Security approvers: Approved by Adele Vance",
                "Outcome: approved, access granted"
            ]
        );
        assert_eq!(events[0].quote.as_deref(), Some("Rotate keys"));
        assert_eq!(events[1].quote.as_deref(), Some("ticket CHG-1042 verified"));
    }

    #[test]
    fn pending_timeline_waits() {
        let r = request(RequestStatus::Pending, None);
        let approval = Approval {
            id: "a".into(),
            stages: vec![Stage {
                id: "s".into(),
                name: None,
                status: StageStatus::InProgress,
                assigned_to_me: true,
                review: None,
            }],
        };
        let events = events(&r, Some(&approval), r.created + Duration::hours(1));
        assert_eq!(events.len(), 2);
        assert_eq!(events[1].kind, EventKind::Waiting);
    }
}
