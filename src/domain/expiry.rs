//! PIM's fixed approval window: a request expires 24 hours after it was made, whatever the policy says.

use super::time::later;
use chrono::{DateTime, Duration, Utc};

/// The approval window. Microsoft: "The 24 hour approval time window isn't configurable."
pub const APPROVAL_WINDOW: Duration = Duration::hours(24);

/// Requests with less than this left are marked in the queue.
pub const URGENT_WITHIN: Duration = Duration::hours(1);

/// When the window closes (the end of representable time for a creation date at its very end).
pub fn expires_at(created: DateTime<Utc>) -> DateTime<Utc> {
    later(created, APPROVAL_WINDOW)
}

pub fn is_expired(created: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now >= expires_at(created)
}

/// Time left to decide, never negative.
pub fn time_left(created: DateTime<Utc>, now: DateTime<Utc>) -> Duration {
    expires_at(created)
        .signed_duration_since(now)
        .max(Duration::zero())
}

pub fn is_urgent(created: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    !is_expired(created, now) && time_left(created, now) <= URGENT_WITHIN
}

/// A countdown for the Expires column: `23 h 59 min`, `47 min`, `38 s`, `Expired`.
pub fn countdown(created: DateTime<Utc>, now: DateTime<Utc>) -> String {
    if is_expired(created, now) {
        return "Expired".to_string();
    }
    let left = time_left(created, now).num_seconds();
    let (hours, minutes, seconds) = (left / 3600, (left % 3600) / 60, left % 60);
    match (hours, minutes) {
        (0, 0) => format!("{seconds} s"),
        (0, m) => format!("{m} min"),
        (h, m) => format!("{h} h {m} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, h, m, 0).unwrap()
    }

    #[test]
    fn expires_exactly_24_hours_after_creation() {
        let created = at(9, 15);
        assert_eq!(expires_at(created), created + Duration::hours(24));
        assert!(!is_expired(
            created,
            created + Duration::hours(24) - Duration::seconds(1)
        ));
        assert!(is_expired(created, created + Duration::hours(24)));
    }

    #[test]
    fn counts_down() {
        let created = at(9, 15);
        assert_eq!(countdown(created, at(9, 15)), "24 h 0 min");
        assert_eq!(countdown(created, at(10, 0)), "23 h 15 min");
        assert_eq!(
            countdown(created, created + Duration::minutes(1393)),
            "47 min"
        );
        assert_eq!(
            countdown(created, created + Duration::seconds(86_400 - 38)),
            "38 s"
        );
        assert_eq!(countdown(created, created + Duration::hours(25)), "Expired");
    }

    #[test]
    fn creation_dates_at_the_end_of_time_never_panic() {
        let end = DateTime::<Utc>::MAX_UTC;
        assert_eq!(expires_at(end), end);
        assert!(!is_expired(end, at(12, 0)));
        assert_eq!(
            countdown(end - Duration::hours(1), end - Duration::hours(1)),
            "1 h 0 min"
        );
        assert_eq!(countdown(DateTime::<Utc>::MIN_UTC, at(12, 0)), "Expired");
        assert!(time_left(end, DateTime::<Utc>::MIN_UTC) > Duration::days(365));
    }

    #[test]
    fn urgent_in_the_last_hour_only() {
        let created = at(0, 0);
        assert!(!is_urgent(created, created + Duration::hours(22)));
        assert!(is_urgent(created, created + Duration::hours(23)));
        assert!(!is_urgent(created, created + Duration::hours(24)));
    }
}
