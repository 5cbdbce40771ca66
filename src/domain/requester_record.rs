//! The requester's PIM record for one role and scope (reference §4–§5): their requests in the last 30
//! days with outcomes, and the assignments they already hold (active or eligible, until when).
//! PIM's retention of requests is undocumented, so "first" is worded as "no earlier request visible".

use super::{Person, RequestStatus, RequestedDuration};
use chrono::{DateTime, Duration, Utc};

/// How far back the record looks.
pub const RECORD_DAYS: i64 = 30;

/// One earlier request of the requester for the same role and scope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PastRequest {
    pub id: String,
    pub created: DateTime<Utc>,
    pub status: RequestStatus,
    pub duration: RequestedDuration,
    pub justification: Option<String>,
    /// Who decided, when the service says so.
    pub decided_by: Option<Person>,
}

/// An assignment the requester holds now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Holding {
    pub start: Option<DateTime<Utc>>,
    /// `None` = permanent.
    pub end: Option<DateTime<Utc>>,
    /// `Activated` (through PIM) or `Assigned` (permanently or by an admin), when the service says.
    pub assignment_type: Option<String>,
}

/// What PIM shows of the requester's history with this role.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequesterRecord {
    /// Newest first, within [`RECORD_DAYS`], the request being decided left out.
    pub requests: Vec<PastRequest>,
    pub active: Vec<Holding>,
    pub eligible: Vec<Holding>,
}

impl RequesterRecord {
    /// Keeps the requests of the last [`RECORD_DAYS`] other than `current_id`, newest first, and the
    /// holdings still running at `now`.
    pub fn new(
        mut requests: Vec<PastRequest>,
        active: Vec<Holding>,
        eligible: Vec<Holding>,
        current_id: &str,
        now: DateTime<Utc>,
    ) -> Self {
        let since = now - Duration::days(RECORD_DAYS);
        requests.retain(|r| r.created >= since && !r.id.eq_ignore_ascii_case(current_id));
        requests.sort_by_key(|r| std::cmp::Reverse(r.created));
        let running = |h: &Holding| h.end.is_none_or(|end| end > now);
        RequesterRecord {
            requests,
            active: active.into_iter().filter(running).collect(),
            eligible: eligible.into_iter().filter(running).collect(),
        }
    }

    /// No other request for this role in the last 30 days is visible to PIM.
    pub fn is_first_in_window(&self) -> bool {
        self.requests.is_empty()
    }

    /// "approved 2, denied 1, expired 1" over the window, in a fixed order.
    pub fn outcome_summary(&self) -> String {
        let order = [
            RequestStatus::Approved,
            RequestStatus::Denied,
            RequestStatus::Expired,
            RequestStatus::Canceled,
            RequestStatus::Pending,
        ];
        let mut parts: Vec<String> = order
            .iter()
            .filter_map(|status| {
                let count = self.requests.iter().filter(|r| r.status == *status).count();
                (count > 0).then(|| format!("{} {count}", status.label().to_lowercase()))
            })
            .collect();
        let other = self
            .requests
            .iter()
            .filter(|r| !order.contains(&r.status))
            .count();
        if other > 0 {
            parts.push(format!("other {other}"));
        }
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn past(id: &str, days_ago: i64, status: RequestStatus, now: DateTime<Utc>) -> PastRequest {
        PastRequest {
            id: id.into(),
            created: now - Duration::days(days_ago),
            status,
            duration: RequestedDuration::NotSpecified,
            justification: None,
            decided_by: None,
        }
    }

    #[test]
    fn keeps_thirty_days_without_the_current_request_newest_first() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
        let record = RequesterRecord::new(
            vec![
                past("old", 45, RequestStatus::Approved, now),
                past("a", 10, RequestStatus::Denied, now),
                past("b", 2, RequestStatus::Approved, now),
                past("CUR", 0, RequestStatus::Pending, now),
                past("c", 5, RequestStatus::Approved, now),
            ],
            vec![Holding {
                start: None,
                end: Some(now - Duration::hours(1)),
                assignment_type: None,
            }],
            vec![Holding {
                start: None,
                end: None,
                assignment_type: None,
            }],
            "cur",
            now,
        );
        let ids: Vec<&str> = record.requests.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["b", "c", "a"]);
        assert!(record.active.is_empty(), "an ended assignment is not held");
        assert_eq!(record.eligible.len(), 1);
        assert!(!record.is_first_in_window());
        assert_eq!(record.outcome_summary(), "approved 2, denied 1");
        let first = RequesterRecord::new(
            vec![past("cur", 0, RequestStatus::Pending, now)],
            vec![],
            vec![],
            "cur",
            now,
        );
        assert!(first.is_first_in_window());
    }
}
