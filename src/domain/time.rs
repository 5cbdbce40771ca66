//! Showing instants to people: local wall-clock time plus a relative form ("3 h ago", "in 47 min").

use chrono::{DateTime, Duration, TimeZone, Utc};

/// `22 Nov 2026, 14:02` in the given zone (the browser's zone in the app).
pub fn format_local<Tz: TimeZone>(instant: DateTime<Utc>, zone: &Tz) -> String
where
    Tz::Offset: std::fmt::Display,
{
    instant
        .with_timezone(zone)
        .format("%-d %b %Y, %H:%M")
        .to_string()
}

/// `just now`, `5 min ago`, `3 h ago`, `2 d ago`, `in 47 min`, `in 23 h`.
pub fn relative(instant: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let delta = instant - now;
    let future = delta > Duration::zero();
    let span = if future { delta } else { -delta };
    let text = if span < Duration::minutes(1) {
        return "just now".to_string();
    } else if span < Duration::hours(1) {
        format!("{} min", span.num_minutes())
    } else if span < Duration::days(2) {
        format!("{} h", span.num_hours())
    } else {
        format!("{} d", span.num_days())
    };
    if future {
        format!("in {text}")
    } else {
        format!("{text} ago")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_forms() {
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap();
        assert_eq!(relative(now - Duration::seconds(20), now), "just now");
        assert_eq!(relative(now - Duration::minutes(5), now), "5 min ago");
        assert_eq!(relative(now - Duration::hours(3), now), "3 h ago");
        assert_eq!(relative(now - Duration::days(3), now), "3 d ago");
        assert_eq!(relative(now + Duration::minutes(47), now), "in 47 min");
    }

    #[test]
    fn local_format_uses_the_zone() {
        let instant = Utc.with_ymd_and_hms(2026, 11, 22, 13, 2, 0).unwrap();
        let cet = chrono::FixedOffset::east_opt(3600).unwrap();
        assert_eq!(format_local(instant, &cet), "22 Nov 2026, 14:02");
    }
}
