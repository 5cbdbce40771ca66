//! Why the signed-in approver cannot decide a request here (not pending, expired, their own, an
//! extension or renewal, no stage of theirs open), each with a sentence saying why.

use super::{expiry, Approval, ApprovalRequest};
use chrono::{DateTime, Utc};

/// Why the signed-in approver cannot decide a request here, each with a sentence saying why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Blocker {
    UnknownStatus,
    NotPending,
    Expired,
    OwnRequest,
    ExtendOrRenew,
    NotAssignedToMe,
}

impl Blocker {
    pub fn explanation(&self) -> &'static str {
        match self {
            Blocker::UnknownStatus => {
                "The service reports a status this app does not know (shown with the request), so it is not offered for a decision here. Check the request in the Azure portal or with the service's owners."
            }
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
    request: &ApprovalRequest,
    approval: &Approval,
    me: &str,
    now: DateTime<Utc>,
) -> Option<Blocker> {
    request_blocker(request, me, now).or_else(|| {
        approval
            .decidable_stage()
            .is_none()
            .then_some(Blocker::NotAssignedToMe)
    })
}

/// The reasons of [`blocker`] that the request alone shows, before its approval is read.
pub fn request_blocker(request: &ApprovalRequest, me: &str, now: DateTime<Utc>) -> Option<Blocker> {
    if request.status.is_unknown() {
        return Some(Blocker::UnknownStatus);
    }
    if !request.is_pending() {
        return Some(Blocker::NotPending);
    }
    if expiry::is_expired(request.created, now) {
        return Some(Blocker::Expired);
    }
    if request.requested_by(me) {
        return Some(Blocker::OwnRequest);
    }
    if request.action.is_extend_or_renew() {
        return Some(Blocker::ExtendOrRenew);
    }
    None
}

#[cfg(test)]
mod tests {
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
        let mut unknown = ok.clone();
        unknown.status = RequestStatus::Unknown("PendingReapproval".into());
        assert_eq!(
            blocker(&unknown, &open_approval(true), "adele", now),
            Some(Blocker::UnknownStatus)
        );
    }
}
