//! What a decision ended with, and how an uncertain write is settled by reading the approval back.
//!
//! A write either came back with a 2xx (confirmed), failed in a way that proves nothing was recorded
//! (a 400, 403, 429, a token that could not be had), or failed in a way that leaves it open (a 409, a
//! 5xx, a dropped connection, a timeout): the service may have committed it. The open case is never
//! resent; the approval is read again and what it holds decides the outcome ([`after_read_back`]).

use super::{Approval, ApprovalRequest, Decision, Person, RequestStatus, Review, StageStatus};
use chrono::{DateTime, Utc};

/// How the app knows the decision was recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Confirmation {
    /// The service answered the write with success.
    Service,
    /// The write's answer was lost or ambiguous, and reading the approval back showed our decision.
    ReadBack,
}

/// How one decision ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Recorded, as the service confirmed it.
    Confirmed(Confirmation),
    /// Someone (another approver, or the same user elsewhere) decided first; their review.
    DecidedFirst(Review),
    /// The request expired before the decision arrived.
    Expired,
    /// Nothing was recorded: the approver can try again, the draft is kept.
    NotRecorded,
    /// The write may or may not have been recorded and the read-back could not tell: never resend;
    /// check again.
    Unknown,
}

impl Outcome {
    pub fn is_confirmed(&self) -> bool {
        matches!(self, Outcome::Confirmed(_))
    }

    /// The request is closed one way or another: it leaves the queue.
    pub fn closes_request(&self) -> bool {
        matches!(
            self,
            Outcome::Confirmed(_) | Outcome::DecidedFirst(_) | Outcome::Expired
        )
    }

    /// The approver may send a decision again (the buttons come back).
    pub fn allows_retry(&self) -> bool {
        matches!(self, Outcome::NotRecorded)
    }
}

/// Settles an uncertain write of `decision` by `me` from the approval as the service holds it now.
pub fn after_read_back(approval: &Approval, me: &str, decision: Decision) -> Outcome {
    if let Some(review) = approval.settling_review() {
        return if review.by.is(me) && review.decision == decision {
            Outcome::Confirmed(Confirmation::ReadBack)
        } else {
            Outcome::DecidedFirst(review.clone())
        };
    }
    if approval.decidable_stage().is_some() {
        return Outcome::NotRecorded;
    }
    if approval
        .stages
        .iter()
        .any(|s| s.status == StageStatus::Expired)
    {
        return Outcome::Expired;
    }
    // No review, and no stage open for me: closed in a way the approval does not explain.
    Outcome::Unknown
}

impl ApprovalRequest {
    /// This request as it stands after `by` recorded `decision` at `at` (for services that cannot show a
    /// decided request again, e.g. MIM PAM lists only pending ones).
    pub fn decided(
        &self,
        decision: Decision,
        by: Person,
        at: DateTime<Utc>,
        justification: &str,
    ) -> ApprovalRequest {
        ApprovalRequest {
            status: match decision {
                Decision::Approve => RequestStatus::Approved,
                Decision::Deny => RequestStatus::Denied,
            },
            completed: Some(at),
            review: Some(Review {
                decision,
                by,
                at: Some(at),
                justification: (!justification.is_empty()).then(|| justification.to_string()),
            }),
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: &str = "me-id";

    fn stage(status: StageStatus, review: Option<Review>) -> Approval {
        Approval::one_stage(status, true, review)
    }

    fn review(by: &str, decision: Decision) -> Review {
        Review {
            decision,
            by: Person {
                id: Some(by.into()),
                display_name: Some("Someone".into()),
                upn: None,
            },
            at: None,
            justification: Some("ok".into()),
        }
    }

    #[test]
    fn own_review_of_the_same_decision_confirms() {
        let approval = stage(
            StageStatus::Completed,
            Some(review("ME-ID", Decision::Approve)),
        );
        assert_eq!(
            after_read_back(&approval, ME, Decision::Approve),
            Outcome::Confirmed(Confirmation::ReadBack)
        );
    }

    #[test]
    fn another_review_wins_even_when_it_is_mine_with_the_other_decision() {
        let theirs = review("megan", Decision::Deny);
        let approval = stage(StageStatus::Completed, Some(theirs.clone()));
        assert_eq!(
            after_read_back(&approval, ME, Decision::Approve),
            Outcome::DecidedFirst(theirs)
        );
        let mine_other = review(ME, Decision::Deny);
        let approval = stage(StageStatus::Completed, Some(mine_other.clone()));
        assert_eq!(
            after_read_back(&approval, ME, Decision::Approve),
            Outcome::DecidedFirst(mine_other)
        );
    }

    #[test]
    fn still_open_for_me_means_not_recorded() {
        let approval = stage(StageStatus::InProgress, None);
        let outcome = after_read_back(&approval, ME, Decision::Deny);
        assert_eq!(outcome, Outcome::NotRecorded);
        assert!(outcome.allows_retry());
        assert!(!outcome.closes_request());
    }

    #[test]
    fn expired_stage_and_unexplained_closure() {
        assert_eq!(
            after_read_back(&stage(StageStatus::Expired, None), ME, Decision::Approve),
            Outcome::Expired
        );
        let outcome = after_read_back(&stage(StageStatus::Completed, None), ME, Decision::Approve);
        assert_eq!(outcome, Outcome::Unknown);
        assert!(!outcome.allows_retry());
    }

    #[test]
    fn decided_copies_the_decision_onto_the_request() {
        let at = Utc::now();
        let request = ApprovalRequest::sample("r", at);
        let me = Person {
            id: Some(ME.into()),
            ..Person::default()
        };
        let decided = request.decided(Decision::Deny, me.clone(), at, "");
        assert_eq!(decided.status, RequestStatus::Denied);
        assert_eq!(decided.completed, Some(at));
        let review = decided.review.expect("a review");
        assert_eq!(review.by, me);
        assert_eq!(review.justification, None);
    }
}
