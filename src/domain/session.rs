//! The browser session's fixed lifetime: Microsoft issues a single-page app's refresh token for 24 hours
//! from the interactive sign-in, and rotation never extends it. The app warns a while before, so nobody
//! starts a careful justification that the end of the session would interrupt.

use chrono::{DateTime, Duration, Utc};

/// How long a SPA sign-in lasts (AADSTS700084 after it).
pub const SPA_SESSION_LIFETIME: Duration = Duration::hours(24);
/// How long before the end the notice appears.
pub const SESSION_NOTICE_BEFORE: Duration = Duration::minutes(15);

/// When a session that signed in interactively at `signed_in_at` ends (`None` if out of range).
pub fn session_ends_at(signed_in_at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    signed_in_at.checked_add_signed(SPA_SESSION_LIFETIME)
}

/// Whether to show the "your sign-in ends soon" notice at `now`.
pub fn session_ending_soon(signed_in_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    session_ends_at(signed_in_at)
        .and_then(|end| end.checked_sub_signed(SESSION_NOTICE_BEFORE))
        .is_some_and(|notice_from| now >= notice_from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notice_starts_fifteen_minutes_before_the_end() {
        let start = DateTime::parse_from_rfc3339("2026-11-22T08:00:00Z")
            .unwrap()
            .to_utc();
        let end = session_ends_at(start).unwrap();
        assert_eq!(end, start + Duration::hours(24));
        assert!(!session_ending_soon(start, end - Duration::minutes(16)));
        assert!(session_ending_soon(start, end - Duration::minutes(15)));
        assert!(session_ending_soon(start, end + Duration::hours(1)));
    }

    #[test]
    fn out_of_range_start_never_panics() {
        assert_eq!(session_ends_at(DateTime::<Utc>::MAX_UTC), None);
        assert!(!session_ending_soon(DateTime::<Utc>::MAX_UTC, Utc::now()));
    }
}
