//! The warnings an approver should see before deciding: a risky role, no ticket, a missing or vague
//! justification, a duration longer than policy allows or one that could not be read.

use super::policy::DurationPolicy;
use super::{ApprovalRequest, IsoDuration, RequestedDuration, RiskLevel, RiskPolicy};

/// Something the approver should look at twice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Warning {
    HighRiskRole {
        level: RiskLevel,
        reason: Option<String>,
    },
    NoTicket,
    VagueJustification,
    MissingJustification,
    LongDuration {
        requested: IsoDuration,
        limit: IsoDuration,
    },
    /// The service sent a duration that is negative, longer than a year or malformed.
    UnreadableDuration,
}

impl Warning {
    pub fn message(&self) -> String {
        match self {
            Warning::HighRiskRole { level, reason } => format!(
                "{} risk role. {}",
                level.label(),
                reason.as_deref().unwrap_or("Exercise extra caution.")
            ),
            Warning::NoTicket => {
                "No ticket number: the activation cannot be linked to a change request.".to_string()
            }
            Warning::VagueJustification => {
                "The justification is short or vague: consider asking what the task is.".to_string()
            }
            Warning::MissingJustification => "The requester gave no justification.".to_string(),
            Warning::LongDuration { requested, limit } => format!(
                "Requested duration {requested} is longer than the {limit} your policy allows for this role."
            ),
            Warning::UnreadableDuration => {
                "The requested duration could not be read: check in the service how long the access would last before approving."
                    .to_string()
            }
        }
    }
}

const VAGUE_PHRASES: [&str; 12] = [
    "need admin access",
    "need access",
    "admin",
    "access",
    "test",
    "testing",
    "work",
    "please approve",
    "asap",
    "urgent",
    "n/a",
    "bau",
];

/// Shorter than this (after trimming) counts as vague.
const SHORT_JUSTIFICATION: usize = 20;

pub fn is_vague(justification: &str) -> bool {
    let normalized = justification
        .trim()
        .trim_end_matches(['.', '!'])
        .to_ascii_lowercase();
    normalized.chars().count() < SHORT_JUSTIFICATION || VAGUE_PHRASES.contains(&normalized.as_str())
}

/// Every warning that applies to the request.
pub fn warnings(
    request: &ApprovalRequest,
    risk: &RiskPolicy,
    durations: &DurationPolicy,
) -> Vec<Warning> {
    let mut out = Vec::new();
    if let Some(rule) = risk
        .rule_for(&request.role)
        .filter(|r| r.level.is_elevated())
    {
        out.push(Warning::HighRiskRole {
            level: rule.level,
            reason: rule.reason.clone(),
        });
    }
    if request.ticket.is_none() {
        out.push(Warning::NoTicket);
    }
    match request.justification.as_deref().map(str::trim) {
        None | Some("") => out.push(Warning::MissingJustification),
        Some(text) if is_vague(text) => out.push(Warning::VagueJustification),
        Some(_) => {}
    }
    match &request.duration {
        RequestedDuration::Known(requested) => {
            let limit = durations.limit(risk.level(&request.role));
            if *requested > limit {
                out.push(Warning::LongDuration {
                    requested: *requested,
                    limit,
                });
            }
        }
        RequestedDuration::Unreadable(_) => out.push(Warning::UnreadableDuration),
        RequestedDuration::NotSpecified => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::*;
    use chrono::Utc;

    fn request(
        role_id: &str,
        justification: Option<&str>,
        hours: i64,
        ticket: bool,
    ) -> ApprovalRequest {
        ApprovalRequest {
            role: RoleRef {
                id: Some(role_id.into()),
                name: "Role".into(),
            },
            duration: RequestedDuration::Known(IsoDuration::from_hours(hours)),
            justification: justification.map(str::to_string),
            ticket: ticket.then(|| Ticket {
                number: "CHG-1".into(),
                system: None,
            }),
            ..ApprovalRequest::sample("r1", Utc::now())
        }
    }

    const GA: &str = "62e90394-69f5-4237-9190-012177145e10";
    const HELPDESK: &str = "729827e3-9c14-49f7-bb1b-9608f156bbb8";

    #[test]
    fn a_clean_request_has_no_warnings() {
        let r = request(
            HELPDESK,
            Some("Reset MFA for the finance team, INC-4411"),
            2,
            true,
        );
        assert!(warnings(&r, &RiskPolicy::default(), &DurationPolicy::default()).is_empty());
    }

    #[test]
    fn flags_risk_ticket_vagueness_and_duration() {
        let r = request(GA, Some("need admin access"), 8, false);
        let found = warnings(&r, &RiskPolicy::default(), &DurationPolicy::default());
        assert!(matches!(
            found[0],
            Warning::HighRiskRole {
                level: RiskLevel::Critical,
                ..
            }
        ));
        assert!(found.contains(&Warning::NoTicket));
        assert!(found.contains(&Warning::VagueJustification));
        assert!(found.contains(&Warning::LongDuration {
            requested: IsoDuration::from_hours(8),
            limit: IsoDuration::from_hours(2)
        }));
    }

    #[test]
    fn missing_justification_is_its_own_warning() {
        let r = request(HELPDESK, None, 1, true);
        let found = warnings(&r, &RiskPolicy::default(), &DurationPolicy::default());
        assert_eq!(found, vec![Warning::MissingJustification]);
    }

    #[test]
    fn an_unreadable_duration_is_a_warning_not_a_limit() {
        let mut r = request(
            GA,
            Some("Rotate the signing keys, CHG-1042 approved by CAB"),
            1,
            true,
        );
        r.duration = RequestedDuration::from_iso(Some("P300000Y"));
        let found = warnings(&r, &RiskPolicy::default(), &DurationPolicy::default());
        assert!(found.contains(&Warning::UnreadableDuration), "{found:?}");
        assert!(!found
            .iter()
            .any(|w| matches!(w, Warning::LongDuration { .. })));
        r.duration = RequestedDuration::NotSpecified;
        let found = warnings(&r, &RiskPolicy::default(), &DurationPolicy::default());
        assert!(!found.contains(&Warning::UnreadableDuration));
    }
}
