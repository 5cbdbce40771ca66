//! Bulk decisions as pure rules: which selected requests a batch decision sends and which it leaves
//! out and why, what the pre-flight summary shows (how many per source, Critical and High by role),
//! and how a batch's outcomes add up.
//!
//! The reasons to leave a request out are the single decision's ([`super::blockers`]: the approver's
//! own request, an extension or renewal, expired, not pending, no stage of theirs open) plus what only
//! a batch meets: a decision of the request already in flight, a review already recorded (someone
//! decided first) and an approval that could not be read.

use super::blockers::{request_blocker, Blocker};
use super::outcome::Outcome;
use super::text::without_hidden;
use super::{Approval, ApprovalRequest, Decision, Review, RiskLevel, SourceKind, StageStatus};
use chrono::{DateTime, Utc};

/// Why a selected request is left out of a batch decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exclusion {
    /// A reason a single decision would refuse too.
    Blocked(Blocker),
    /// A decision of this request is being sent or checked already.
    InFlight,
    /// The approval read now already holds a review: someone decided first.
    DecidedBy(Review),
    /// The approval could not be read (the source's error in words).
    Unreadable(String),
}

impl Exclusion {
    /// The reason in words, for the pre-flight summary.
    pub fn reason(&self) -> String {
        match self {
            Exclusion::Blocked(Blocker::OwnRequest) => {
                "Your own request: another approver must decide it.".into()
            }
            Exclusion::Blocked(Blocker::ExtendOrRenew) => {
                "Extension or renewal: Microsoft's APIs cannot decide it; decide it in the portal."
                    .into()
            }
            Exclusion::Blocked(Blocker::Expired) => {
                "Expired: the 24-hour window for a decision has closed.".into()
            }
            Exclusion::Blocked(Blocker::NotPending) => "No longer waiting for a decision.".into(),
            Exclusion::Blocked(Blocker::UnknownStatus) => {
                "Its status is unknown to this app: check it in the portal.".into()
            }
            Exclusion::Blocked(Blocker::NotAssignedToMe) => {
                "No open approval stage of it is assigned to you.".into()
            }
            Exclusion::InFlight => "A decision of it is being sent already.".into(),
            Exclusion::DecidedBy(review) => format!(
                "Already {} by {}.",
                review.decision.past_tense().to_lowercase(),
                review.by.name()
            ),
            Exclusion::Unreadable(why) => format!("Its approval could not be read: {why}"),
        }
    }

    /// A short stable name (a data attribute for tests and styles).
    pub fn slug(&self) -> &'static str {
        match self {
            Exclusion::Blocked(Blocker::OwnRequest) => "own",
            Exclusion::Blocked(Blocker::ExtendOrRenew) => "extend-or-renew",
            Exclusion::Blocked(Blocker::Expired) => "expired",
            Exclusion::Blocked(Blocker::NotPending) => "not-pending",
            Exclusion::Blocked(Blocker::UnknownStatus) => "unknown-status",
            Exclusion::Blocked(Blocker::NotAssignedToMe) => "not-assigned",
            Exclusion::InFlight => "in-flight",
            Exclusion::DecidedBy(_) => "decided",
            Exclusion::Unreadable(_) => "unreadable",
        }
    }
}

/// One selected request, as the queue holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct Selected {
    pub request: ApprovalRequest,
    pub risk: RiskLevel,
    /// A decision of it is in flight in the pipeline now.
    pub in_flight: bool,
}

/// A selected request left out, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Left {
    pub request: ApprovalRequest,
    pub why: Exclusion,
}

/// A request the batch will decide, with its approval as read just before.
#[derive(Clone, Debug, PartialEq)]
pub struct Planned {
    pub request: ApprovalRequest,
    pub risk: RiskLevel,
    pub approval: Approval,
}

/// The selected requests whose approvals must be read, and those the request alone rules out.
pub fn before_reading(
    selected: Vec<Selected>,
    me: &str,
    now: DateTime<Utc>,
) -> (Vec<Selected>, Vec<Left>) {
    let mut to_read = Vec::new();
    let mut left = Vec::new();
    for item in selected {
        let why = request_blocker(&item.request, me, now)
            .map(Exclusion::Blocked)
            .or_else(|| item.in_flight.then_some(Exclusion::InFlight));
        match why {
            Some(why) => left.push(Left {
                request: item.request,
                why,
            }),
            None => to_read.push(item),
        }
    }
    (to_read, left)
}

/// What an approval read now rules out: a review already recorded, an expired stage, or no stage
/// open for the approver.
pub fn after_reading(approval: &Approval) -> Option<Exclusion> {
    if let Some(review) = approval.settling_review() {
        return Some(Exclusion::DecidedBy(review.clone()));
    }
    if approval.decidable_stage().is_some() {
        return None;
    }
    let expired = approval
        .stages
        .iter()
        .any(|s| s.status == StageStatus::Expired);
    Some(Exclusion::Blocked(if expired {
        Blocker::Expired
    } else {
        Blocker::NotAssignedToMe
    }))
}

/// The pre-flight summary: what a batch decision will send, and what it leaves out.
#[derive(Clone, Debug, PartialEq)]
pub struct Preflight {
    pub decision: Decision,
    pub included: Vec<Planned>,
    pub excluded: Vec<Left>,
}

/// Requests of one risky role in the summary: "Global Administrator: Alex Wilber, Megan Bowen".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleGroup {
    pub role: String,
    pub requesters: Vec<String>,
}

impl Preflight {
    /// Sorts what was read: each approval either rules its request out or plans it. `left` are the
    /// requests [`before_reading`] ruled out already.
    pub fn new(
        decision: Decision,
        read: Vec<(Selected, Result<Approval, String>)>,
        mut left: Vec<Left>,
    ) -> Self {
        let mut included = Vec::new();
        for (item, approval) in read {
            let ruled_out = match approval {
                Ok(approval) => match after_reading(&approval) {
                    None => {
                        included.push(Planned {
                            request: item.request,
                            risk: item.risk,
                            approval,
                        });
                        continue;
                    }
                    Some(why) => why,
                },
                Err(why) => Exclusion::Unreadable(why),
            };
            left.push(Left {
                request: item.request,
                why: ruled_out,
            });
        }
        Preflight {
            decision,
            included,
            excluded: left,
        }
    }

    /// How many requests the batch sends to each source, in the app's source order.
    pub fn per_source(&self) -> Vec<(SourceKind, usize)> {
        SourceKind::ALL
            .into_iter()
            .map(|kind| {
                let n = self
                    .included
                    .iter()
                    .filter(|p| p.request.key.source == kind)
                    .count();
                (kind, n)
            })
            .filter(|(_, n)| *n > 0)
            .collect()
    }

    /// How many included requests are at `level`.
    pub fn count_at(&self, level: RiskLevel) -> usize {
        self.included.iter().filter(|p| p.risk == level).count()
    }

    /// The included requests at `level`, by role (most requests first, then by name).
    pub fn roles_at(&self, level: RiskLevel) -> Vec<RoleGroup> {
        let mut groups: Vec<RoleGroup> = Vec::new();
        for planned in self.included.iter().filter(|p| p.risk == level) {
            let role = without_hidden(&planned.request.role.name).into_owned();
            let requester = without_hidden(planned.request.requester.name()).into_owned();
            match groups.iter_mut().find(|g| g.role == role) {
                Some(group) => group.requesters.push(requester),
                None => groups.push(RoleGroup {
                    role,
                    requesters: vec![requester],
                }),
            }
        }
        groups.sort_by(|a, b| {
            b.requesters
                .len()
                .cmp(&a.requesters.len())
                .then_with(|| a.role.cmp(&b.role))
        });
        groups
    }

    /// Approving Critical requests takes one extra, explicit confirmation.
    pub fn needs_critical_confirmation(&self) -> bool {
        self.decision == Decision::Approve && self.count_at(RiskLevel::Critical) > 0
    }
}

/// How a batch's items stand: each item's outcome, `None` while it is still in flight.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub total: usize,
    pub done: usize,
    pub decided_first: usize,
    pub expired: usize,
    pub not_recorded: usize,
    pub unknown: usize,
}

impl Tally {
    pub fn of<'a>(outcomes: impl IntoIterator<Item = Option<&'a Outcome>>) -> Self {
        let mut tally = Tally::default();
        for outcome in outcomes {
            tally.total += 1;
            match outcome {
                None => {}
                Some(Outcome::Confirmed(_)) => tally.done += 1,
                Some(Outcome::DecidedFirst(_)) => tally.decided_first += 1,
                Some(Outcome::Expired) => tally.expired += 1,
                Some(Outcome::NotRecorded) => tally.not_recorded += 1,
                Some(Outcome::Unknown) => tally.unknown += 1,
            }
        }
        tally
    }

    /// Items settled so far.
    pub fn settled(&self) -> usize {
        self.done + self.decided_first + self.expired + self.not_recorded + self.unknown
    }

    pub fn finished(&self) -> bool {
        self.settled() == self.total
    }

    /// "Decided 4 of 12."
    pub fn progress(&self) -> String {
        format!("Decided {} of {}.", self.settled(), self.total)
    }

    /// The results in one sentence: "10 approved. 1 already decided by someone else. 2 failed: …".
    pub fn summary(&self, decision: Decision) -> String {
        let mut parts = vec![format!(
            "{} {}.",
            self.done,
            decision.past_tense().to_lowercase()
        )];
        let mut add = |n: usize, text: &str| {
            if n > 0 {
                parts.push(format!("{n} {text}."));
            }
        };
        add(self.decided_first, "already decided by someone else");
        add(self.expired, "expired before the decision arrived");
        add(
            self.not_recorded,
            "failed, nothing recorded: you can retry them",
        );
        add(
            self.unknown,
            "may or may not have been recorded: check them again",
        );
        parts.join(" ")
    }
}

/// The rows a shift-click on row `clicked` covers: from the anchor (the row last ticked on its own)
/// to it, either way round; the clicked row alone without an anchor.
pub fn range_between(anchor: Option<usize>, clicked: usize) -> std::ops::RangeInclusive<usize> {
    let from = anchor.unwrap_or(clicked);
    from.min(clicked)..=from.max(clicked)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::outcome::Confirmation;
    use crate::domain::*;
    use chrono::Duration;

    const ME: &str = "adele";

    fn request(id: &str, source: SourceKind, requester: &str, role: &str) -> ApprovalRequest {
        let mut r = ApprovalRequest::sample(id, Utc::now() - Duration::hours(1));
        r.key.source = source;
        r.requester.id = Some(requester.into());
        r.requester.display_name = Some(requester.to_uppercase());
        r.role.name = role.into();
        r
    }

    fn selected(r: ApprovalRequest, risk: RiskLevel) -> Selected {
        Selected {
            request: r,
            risk,
            in_flight: false,
        }
    }

    fn open() -> Approval {
        Approval::one_stage(StageStatus::InProgress, true, None)
    }

    fn nestor_approved() -> Review {
        Review {
            decision: Decision::Approve,
            by: Person {
                id: Some("nestor".into()),
                display_name: Some("Nestor Wilke".into()),
                upn: None,
            },
            at: None,
            justification: None,
        }
    }

    #[test]
    fn the_request_alone_rules_out_own_extend_expired_and_in_flight() {
        let now = Utc::now();
        let fine = request("ok", SourceKind::EntraRoles, "alex", "Reader");
        let own = request("own", SourceKind::Groups, ME, "Reader");
        let mut extend = request("ext", SourceKind::AzureResources, "alex", "Reader");
        extend.action = RequestAction::Renew;
        let mut old = request("old", SourceKind::PortalApi, "alex", "Reader");
        old.created = now - Duration::hours(25);
        let mut done = request("done", SourceKind::MimPam, "alex", "Reader");
        done.status = RequestStatus::Approved;
        let busy = Selected {
            in_flight: true,
            ..selected(
                request("busy", SourceKind::EntraRoles, "alex", "Reader"),
                RiskLevel::Normal,
            )
        };
        let all = vec![
            selected(fine, RiskLevel::Normal),
            selected(own, RiskLevel::Normal),
            selected(extend, RiskLevel::Normal),
            selected(old, RiskLevel::Normal),
            selected(done, RiskLevel::Normal),
            busy,
        ];
        let (to_read, left) = before_reading(all, ME, now);
        assert_eq!(
            to_read
                .iter()
                .map(|s| s.request.key.id.as_str())
                .collect::<Vec<_>>(),
            ["ok"]
        );
        let why: Vec<(&str, &str)> = left
            .iter()
            .map(|l| (l.request.key.id.as_str(), l.why.slug()))
            .collect();
        assert_eq!(
            why,
            [
                ("own", "own"),
                ("ext", "extend-or-renew"),
                ("old", "expired"),
                ("done", "not-pending"),
                ("busy", "in-flight"),
            ]
        );
    }

    #[test]
    fn the_approval_read_now_rules_out_decided_expired_and_not_mine() {
        assert_eq!(after_reading(&open()), None);
        let decided = Approval::one_stage(StageStatus::Completed, true, Some(nestor_approved()));
        let why = after_reading(&decided).unwrap();
        assert_eq!(why.reason(), "Already approved by Nestor Wilke.");
        assert_eq!(
            after_reading(&Approval::one_stage(StageStatus::Expired, true, None)),
            Some(Exclusion::Blocked(Blocker::Expired))
        );
        assert_eq!(
            after_reading(&Approval::one_stage(StageStatus::InProgress, false, None)),
            Some(Exclusion::Blocked(Blocker::NotAssignedToMe))
        );
    }

    #[test]
    fn the_summary_counts_per_source_and_lists_risky_roles() {
        let read = vec![
            (
                selected(
                    request("1", SourceKind::EntraRoles, "alex", "Global Administrator"),
                    RiskLevel::Critical,
                ),
                Ok(open()),
            ),
            (
                selected(
                    request(
                        "2",
                        SourceKind::EntraRoles,
                        "megan",
                        "Global\u{200B} Administrator",
                    ),
                    RiskLevel::Critical,
                ),
                Ok(open()),
            ),
            (
                selected(
                    request("3", SourceKind::AzureResources, "lee", "Owner"),
                    RiskLevel::Critical,
                ),
                Ok(open()),
            ),
            (
                selected(
                    request("4", SourceKind::Groups, "lee", "Exchange Administrator"),
                    RiskLevel::High,
                ),
                Ok(open()),
            ),
            (
                selected(
                    request("5", SourceKind::Groups, "lee", "Reader"),
                    RiskLevel::Normal,
                ),
                Err("Entra roles: the service is unavailable".into()),
            ),
            (
                selected(
                    request("6", SourceKind::PortalApi, "lee", "Reader"),
                    RiskLevel::Normal,
                ),
                Ok(Approval::one_stage(
                    StageStatus::Completed,
                    true,
                    Some(nestor_approved()),
                )),
            ),
        ];
        let summary = Preflight::new(Decision::Approve, read, Vec::new());
        assert_eq!(
            summary.per_source(),
            [
                (SourceKind::EntraRoles, 2),
                (SourceKind::Groups, 1),
                (SourceKind::AzureResources, 1)
            ]
        );
        assert_eq!(summary.count_at(RiskLevel::Critical), 3);
        assert_eq!(
            summary.roles_at(RiskLevel::Critical),
            [
                RoleGroup {
                    role: "Global Administrator".into(),
                    requesters: vec!["ALEX".into(), "MEGAN".into()]
                },
                RoleGroup {
                    role: "Owner".into(),
                    requesters: vec!["LEE".into()]
                },
            ]
        );
        assert_eq!(summary.roles_at(RiskLevel::High).len(), 1);
        assert!(summary.needs_critical_confirmation());
        let left: Vec<(&str, &str)> = summary
            .excluded
            .iter()
            .map(|l| (l.request.key.id.as_str(), l.why.slug()))
            .collect();
        assert_eq!(left, [("5", "unreadable"), ("6", "decided")]);
        assert!(summary.excluded[0]
            .why
            .reason()
            .contains("Entra roles: the service is unavailable"));
        let deny = Preflight {
            decision: Decision::Deny,
            ..summary
        };
        assert!(
            !deny.needs_critical_confirmation(),
            "only approving Critical needs it"
        );
    }

    #[test]
    fn a_shift_click_covers_the_rows_from_the_anchor() {
        assert_eq!(range_between(Some(2), 5), 2..=5);
        assert_eq!(range_between(Some(7), 3), 3..=7);
        assert_eq!(range_between(None, 4), 4..=4);
        assert_eq!(range_between(Some(4), 4), 4..=4);
    }

    #[test]
    fn outcomes_add_up() {
        let decided = Outcome::DecidedFirst(nestor_approved());
        let outcomes = [
            Some(Outcome::Confirmed(Confirmation::Service)),
            Some(Outcome::Confirmed(Confirmation::ReadBack)),
            Some(decided),
            Some(Outcome::NotRecorded),
            None,
        ];
        let tally = Tally::of(outcomes.iter().map(Option::as_ref));
        assert_eq!(tally.total, 5);
        assert_eq!(tally.settled(), 4);
        assert!(!tally.finished());
        assert_eq!(tally.progress(), "Decided 4 of 5.");
        assert_eq!(
            tally.summary(Decision::Approve),
            "2 approved. 1 already decided by someone else. 1 failed, nothing recorded: you can retry them."
        );
    }
}
