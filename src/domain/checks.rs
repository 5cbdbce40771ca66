//! The "Before approving" checklist and the warnings an approver should see before deciding, plus the
//! rules for the approver's own justification.

use super::{ApprovalRequest, IsoDuration, RiskLevel, RiskPolicy};
use serde::Deserialize;

/// The seed's "Before Approving" checklist.
pub const BEFORE_APPROVING: [&str; 5] = [
    "Verify the requestor is who they claim to be",
    "Review the justification for legitimacy",
    "Check if ticket number matches an actual change request",
    "Consider if the requested duration is appropriate",
    "Verify the role is needed for the stated task",
];

/// Longest activation the organisation considers normal, per risk level (`config.json: maxDuration`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DurationPolicy {
    pub critical: IsoDuration,
    pub high: IsoDuration,
    pub normal: IsoDuration,
}

impl Default for DurationPolicy {
    fn default() -> Self {
        DurationPolicy {
            critical: IsoDuration::from_hours(2),
            high: IsoDuration::from_hours(4),
            normal: IsoDuration::from_hours(8),
        }
    }
}

impl DurationPolicy {
    pub fn limit(&self, level: RiskLevel) -> IsoDuration {
        match level {
            RiskLevel::Critical => self.critical,
            RiskLevel::High => self.high,
            RiskLevel::Normal => self.normal,
        }
    }
}

/// Length limits for the approver's justification (`config.json: approverJustification`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JustificationPolicy {
    pub min_length: usize,
    pub max_length: usize,
}

impl Default for JustificationPolicy {
    fn default() -> Self {
        JustificationPolicy {
            min_length: 10,
            max_length: 500,
        }
    }
}

impl JustificationPolicy {
    /// `Ok(trimmed)` or a sentence saying what is wrong.
    pub fn validate<'a>(&self, text: &'a str) -> Result<&'a str, String> {
        let trimmed = text.trim();
        let length = trimmed.chars().count();
        if length == 0 {
            Err("Write a justification: it is recorded with your decision.".to_string())
        } else if length < self.min_length {
            Err(format!(
                "Write at least {} characters ({} so far).",
                self.min_length, length
            ))
        } else if length > self.max_length {
            Err(format!(
                "Keep it to {} characters ({} now).",
                self.max_length, length
            ))
        } else {
            Ok(trimmed)
        }
    }
}

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
    if let Some(requested) = request.duration {
        let limit = durations.limit(risk.level(&request.role));
        if requested > limit {
            out.push(Warning::LongDuration { requested, limit });
        }
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
            duration: Some(IsoDuration::from_hours(hours)),
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
    fn approver_justification_limits() {
        let policy = JustificationPolicy {
            min_length: 5,
            max_length: 10,
        };
        assert!(policy.validate("   ").is_err());
        assert!(policy.validate("abc").unwrap_err().contains("at least 5"));
        assert_eq!(policy.validate("  fine ok  "), Ok("fine ok"));
        assert!(policy
            .validate("this is far too long")
            .unwrap_err()
            .contains("10"));
    }
}

/// Why the signed-in approver cannot decide a request here, each with a sentence saying why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Blocker {
    NotPending,
    Expired,
    OwnRequest,
    ExtendOrRenew,
    NotAssignedToMe,
}

impl Blocker {
    pub fn explanation(&self) -> &'static str {
        match self {
            Blocker::NotPending => "This request is no longer waiting for a decision.",
            Blocker::Expired => {
                "This request expired: PIM gives approvers 24 hours, and the window has closed. The requester must submit a new request."
            }
            Blocker::OwnRequest => {
                "This is your own request. Approvers cannot approve their own requests; another approver must decide it."
            }
            Blocker::ExtendOrRenew => {
                "Extension and renewal requests cannot be decided through Microsoft's APIs. Decide it in the portal instead."
            }
            Blocker::NotAssignedToMe => {
                "No open approval stage of this request is assigned to you, so you cannot decide it."
            }
        }
    }
}

/// The first reason, if any, that the approver `me` cannot decide `request` at `now`.
pub fn blocker(
    request: &super::ApprovalRequest,
    approval: &super::Approval,
    me: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<Blocker> {
    if !request.is_pending() {
        return Some(Blocker::NotPending);
    }
    if super::expiry::is_expired(request.created, now) {
        return Some(Blocker::Expired);
    }
    if request.requested_by(me) {
        return Some(Blocker::OwnRequest);
    }
    if request.action.is_extend_or_renew() {
        return Some(Blocker::ExtendOrRenew);
    }
    if approval.decidable_stage().is_none() {
        return Some(Blocker::NotAssignedToMe);
    }
    None
}

#[cfg(test)]
mod blocker_tests {
    use super::*;
    use crate::domain::*;
    use chrono::{Duration, Utc};

    fn pending(requester: &str, action: RequestAction, hours_ago: i64) -> ApprovalRequest {
        ApprovalRequest {
            requester: Person {
                id: Some(requester.into()),
                ..Person::default()
            },
            action,
            ..ApprovalRequest::sample("r", Utc::now() - Duration::hours(hours_ago))
        }
    }

    fn open_approval(assigned: bool) -> Approval {
        Approval {
            id: "a".into(),
            stages: vec![Stage {
                id: "s".into(),
                name: None,
                status: StageStatus::InProgress,
                assigned_to_me: assigned,
                review: None,
            }],
        }
    }

    #[test]
    fn each_rule_blocks_with_its_reason() {
        let now = Utc::now();
        let ok = pending("alex", RequestAction::Activate, 1);
        assert_eq!(blocker(&ok, &open_approval(true), "adele", now), None);
        assert_eq!(
            blocker(&ok, &open_approval(false), "adele", now),
            Some(Blocker::NotAssignedToMe)
        );
        assert_eq!(
            blocker(&ok, &open_approval(true), "alex", now),
            Some(Blocker::OwnRequest)
        );
        let extend = pending("alex", RequestAction::Extend, 1);
        assert_eq!(
            blocker(&extend, &open_approval(true), "adele", now),
            Some(Blocker::ExtendOrRenew)
        );
        let old = pending("alex", RequestAction::Activate, 25);
        assert_eq!(
            blocker(&old, &open_approval(true), "adele", now),
            Some(Blocker::Expired)
        );
        let mut done = ok.clone();
        done.status = RequestStatus::Approved;
        assert_eq!(
            blocker(&done, &open_approval(true), "adele", now),
            Some(Blocker::NotPending)
        );
    }
}
