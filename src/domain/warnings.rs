//! The warnings an approver should see before deciding: a risky role, no ticket, a missing or vague
//! justification, a duration longer than policy allows or one that could not be read. The duration and
//! ticket warnings use PIM's own policy for the role where it was read, this app's configured defaults
//! where not, and say which.

use super::policy::DurationPolicy;
use super::role_policy::RolePolicy;
use super::{ApprovalRequest, IsoDuration, RequestedDuration, RiskLevel, RiskPolicy};

/// Where a limit came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Basis {
    /// PIM's policy for this role, as read from the service.
    PimPolicy,
    /// PIM's policy could not be read: this app's configuration (`config.json`).
    Configured,
}

/// Something the approver should look at twice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Warning {
    HighRiskRole {
        level: RiskLevel,
        reason: Option<String>,
    },
    NoTicket {
        /// PIM's policy for the role, when read: whether it requires a ticket.
        required_by_pim: Option<bool>,
    },
    VagueJustification,
    MissingJustification,
    LongDuration {
        requested: IsoDuration,
        limit: IsoDuration,
        basis: Basis,
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
            Warning::NoTicket { required_by_pim } => match required_by_pim {
                Some(true) => {
                    "No ticket number, although PIM's policy for this role requires one.".to_string()
                }
                Some(false) => "No ticket number: the activation cannot be linked to a change request (PIM's policy for this role does not require one).".to_string(),
                None => "No ticket number: the activation cannot be linked to a change request.".to_string(),
            },
            Warning::VagueJustification => {
                "The justification is short or vague: consider asking what the task is.".to_string()
            }
            Warning::MissingJustification => "The requester gave no justification.".to_string(),
            Warning::LongDuration {
                requested,
                limit,
                basis: Basis::PimPolicy,
            } => format!(
                "Requested duration {requested} is longer than PIM's policy for this role allows ({limit})."
            ),
            Warning::LongDuration {
                requested,
                limit,
                basis: Basis::Configured,
            } => format!(
                "Requested duration {requested} is longer than the {limit} this app's settings allow for this role (PIM's own policy for the role was not read)."
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

/// Every warning that applies to the request; `pim` is the role's PIM policy when it was read (its
/// maximum duration and ticket rule then replace the configured ones).
pub fn warnings_with_policy(
    request: &ApprovalRequest,
    risk: &RiskPolicy,
    durations: &DurationPolicy,
    pim: Option<&RolePolicy>,
) -> Vec<Warning> {
    let pim = pim.filter(|p| p.rules_read);
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
        out.push(Warning::NoTicket {
            required_by_pim: pim.map(|p| p.requires_ticket),
        });
    }
    match request.justification.as_deref().map(str::trim) {
        None | Some("") => out.push(Warning::MissingJustification),
        Some(text) if is_vague(text) => out.push(Warning::VagueJustification),
        Some(_) => {}
    }
    match &request.duration {
        RequestedDuration::Known(requested) => {
            let (limit, basis) = match pim.and_then(|p| p.max_duration) {
                Some(max) => (max, Basis::PimPolicy),
                None => (
                    durations.limit(risk.level(&request.role)),
                    Basis::Configured,
                ),
            };
            if *requested > limit {
                out.push(Warning::LongDuration {
                    requested: *requested,
                    limit,
                    basis,
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

    /// The warnings with the configured limits only.
    fn warnings(
        r: &ApprovalRequest,
        risk: &RiskPolicy,
        durations: &DurationPolicy,
    ) -> Vec<Warning> {
        warnings_with_policy(r, risk, durations, None)
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
        assert!(found.contains(&Warning::NoTicket {
            required_by_pim: None
        }));
        assert!(found.contains(&Warning::VagueJustification));
        assert!(found.contains(&Warning::LongDuration {
            requested: IsoDuration::from_hours(8),
            limit: IsoDuration::from_hours(2),
            basis: Basis::Configured,
        }));
    }

    #[test]
    fn pims_own_policy_replaces_the_configured_limits_where_read() {
        let r = request(
            HELPDESK,
            Some("Reset MFA for the finance team, INC-4411"),
            10,
            false,
        );
        let pim = RolePolicy {
            max_duration: Some(IsoDuration::from_hours(4)),
            requires_ticket: true,
            rules_read: true,
            ..RolePolicy::default()
        };
        let found = warnings_with_policy(
            &r,
            &RiskPolicy::default(),
            &DurationPolicy::default(),
            Some(&pim),
        );
        let long = Warning::LongDuration {
            requested: IsoDuration::from_hours(10),
            limit: IsoDuration::from_hours(4),
            basis: Basis::PimPolicy,
        };
        assert!(found.contains(&long), "{found:?}");
        assert!(long.message().contains("PIM's policy for this role allows"));
        let ticket = Warning::NoTicket {
            required_by_pim: Some(true),
        };
        assert!(found.contains(&ticket));
        assert!(ticket.message().contains("requires one"));
        // A policy read without its rules says nothing: the configured limit applies, and says so.
        let bare = RolePolicy {
            rules_read: false,
            ..pim
        };
        let found = warnings_with_policy(
            &r,
            &RiskPolicy::default(),
            &DurationPolicy::default(),
            Some(&bare),
        );
        assert!(found.iter().any(|w| matches!(
            w,
            Warning::LongDuration {
                basis: Basis::Configured,
                ..
            }
        )));
        assert!(found
            .iter()
            .find(|w| matches!(w, Warning::LongDuration { .. }))
            .unwrap()
            .message()
            .contains("was not read"));
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
