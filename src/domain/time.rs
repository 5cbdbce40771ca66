//! Instants: reading them (RFC 3339 only, within a plausible range, never panicking), checked
//! arithmetic on them, and showing them to people as local wall-clock time plus a relative form
//! ("3 h ago", "in 47 min"). Formatting is written out by hand rather than through chrono's format
//! strings, which keeps chrono's generic formatter and parser out of the bundle.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Offset, TimeZone, Timelike, Utc};

/// The earliest instant a service value is taken for (earlier ones, such as .NET's `0001-01-01`
/// "no value", are unreadable).
const EARLIEST_YEAR: i32 = 1970;
/// The latest year RFC 3339 can write.
const LATEST_YEAR: i32 = 9999;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// An RFC 3339 timestamp (`2021-07-15T19:57:17.76Z`, `…+02:00`), or one without an offset as MIM PAM
/// sends them (`2020-09-09T21:35:27`, read as UTC). `None` for anything else and for instants outside
/// 1970–9999.
pub fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    let parsed = DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_rfc3339(&format!("{text}Z")))
        .ok()?
        .with_timezone(&Utc);
    (EARLIEST_YEAR..=LATEST_YEAR)
        .contains(&parsed.year())
        .then_some(parsed)
}

/// A calendar day as a date input gives it (`2026-11-22`), within 1970–9999.
pub fn parse_day(text: &str) -> Option<NaiveDate> {
    let mut parts = text.trim().split('-');
    let mut next = |len: usize| {
        parts
            .next()
            .filter(|p| p.len() == len && p.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|p| p.parse::<u32>().ok())
    };
    let (year, month, day) = (next(4)?, next(2)?, next(2)?);
    if parts.next().is_some() {
        return None;
    }
    let year = i32::try_from(year).ok()?;
    (EARLIEST_YEAR..=LATEST_YEAR)
        .contains(&year)
        .then(|| NaiveDate::from_ymd_opt(year, month, day))
        .flatten()
}

/// `at + span`, or the last representable instant when that overflows.
pub fn later(at: DateTime<Utc>, span: Duration) -> DateTime<Utc> {
    at.checked_add_signed(span)
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// `at - span`, or the first representable instant when that overflows.
pub fn earlier(at: DateTime<Utc>, span: Duration) -> DateTime<Utc> {
    at.checked_sub_signed(span)
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// `days` days, or the longest span chrono holds.
pub fn days(days: i64) -> Duration {
    Duration::try_days(days).unwrap_or(Duration::MAX)
}

/// `22 Nov 2026, 14:02` in the given zone (the browser's zone in the app).
pub fn format_local<Tz: TimeZone>(instant: DateTime<Utc>, zone: &Tz) -> String {
    let utc = instant.naive_utc();
    let offset = zone.offset_from_utc_datetime(&utc).fix();
    // At the very ends of chrono's range the local time may not exist; UTC is shown then.
    let local = utc.checked_add_offset(offset).unwrap_or(utc);
    let month = MONTHS[local.month0() as usize];
    format!(
        "{} {month} {}, {:02}:{:02}",
        local.day(),
        year(local.year()),
        local.hour(),
        local.minute()
    )
}

/// A year as `%Y` writes it: four digits, a sign beyond 0–9999.
fn year(year: i32) -> String {
    if (0..=9999).contains(&year) {
        format!("{year:04}")
    } else {
        format!("{year:+}")
    }
}

/// `just now`, `5 min ago`, `3 h ago`, `2 d ago`, `in 47 min`, `in 23 h`.
pub fn relative(instant: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let delta = instant.signed_duration_since(now);
    let future = delta > Duration::zero();
    let span = delta.abs();
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
        assert!(relative(DateTime::<Utc>::MAX_UTC, DateTime::<Utc>::MIN_UTC).starts_with("in "));
        assert!(relative(DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC).ends_with(" ago"));
    }

    #[test]
    fn local_format_uses_the_zone() {
        let instant = Utc.with_ymd_and_hms(2026, 11, 22, 13, 2, 0).unwrap();
        let cet = chrono::FixedOffset::east_opt(3600).unwrap();
        assert_eq!(format_local(instant, &cet), "22 Nov 2026, 14:02");
        let early = Utc.with_ymd_and_hms(2026, 1, 5, 0, 7, 0).unwrap();
        assert_eq!(format_local(early, &Utc), "5 Jan 2026, 00:07");
        let west = chrono::FixedOffset::west_opt(5 * 3600).unwrap();
        assert_eq!(format_local(early, &west), "4 Jan 2026, 19:07");
    }

    #[test]
    fn local_format_matches_chrono_format_strings() {
        let zones = [0, 3600, -5 * 3600, 5 * 3600 + 1800, 14 * 3600];
        let mut instant = Utc.with_ymd_and_hms(1970, 1, 1, 0, 0, 0).unwrap();
        while instant.year() < 2100 {
            for offset in zones {
                let zone = chrono::FixedOffset::east_opt(offset).unwrap();
                let expected = instant
                    .with_timezone(&zone)
                    .format("%-d %b %Y, %H:%M")
                    .to_string();
                assert_eq!(format_local(instant, &zone), expected);
            }
            instant += Duration::minutes(7_919_981);
        }
    }

    #[test]
    fn extreme_instants_format_without_panicking() {
        for instant in [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC] {
            let east = chrono::FixedOffset::east_opt(14 * 3600).unwrap();
            let west = chrono::FixedOffset::west_opt(12 * 3600).unwrap();
            assert!(!format_local(instant, &east).is_empty());
            assert!(!format_local(instant, &west).is_empty());
        }
        assert_eq!(year(275_760), "+275760");
        assert_eq!(year(-1), "-1");
    }

    #[test]
    fn reads_timestamps_of_every_service() {
        let utc = |y, mo, d, h, mi, s| Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap();
        assert_eq!(
            parse_instant("2021-07-15T19:57:17Z"),
            Some(utc(2021, 7, 15, 19, 57, 17))
        );
        assert!(parse_instant("2021-07-15T19:57:17.76Z").is_some());
        assert_eq!(
            parse_instant("2020-09-09T21:35:27+02:00"),
            Some(utc(2020, 9, 9, 19, 35, 27))
        );
        assert_eq!(
            parse_instant("2020-09-09T21:35:27"),
            Some(utc(2020, 9, 9, 21, 35, 27)),
            "MIM PAM sends no offset"
        );
        assert!(parse_instant("2020-09-09T21:35:27.1234567").is_some());
        assert_eq!(
            parse_instant("1970-01-01T00:00:00Z"),
            Some(DateTime::<Utc>::UNIX_EPOCH)
        );
        assert!(parse_instant("9999-12-31T23:59:59Z").is_some());
    }

    #[test]
    fn refuses_hostile_and_out_of_range_timestamps() {
        for bad in [
            "+275760-09-13T00:00:00Z",
            "-271821-04-20T00:00:00Z",
            "+262143-12-31T23:59:59Z",
            "0000-01-01",
            "0000-01-01T00:00:00Z",
            "0001-01-01T00:00:00",
            "1969-12-31T23:59:59Z",
            "9999-12-31T23:59:59-01:00",
            "2021-02-30T00:00:00Z",
            "2021-13-01T00:00:00Z",
            "2021-07-15T25:00:00Z",
            "2021-07-15",
            "2021-07-15T19:57:17ZZ",
            "2021-07-15T19:57:17+99:00",
            "2021-07-15T19:57:17Z\u{202E}",
            "yesterday",
            "",
            "Z",
            "1626379037",
            "９９９９-12-31T00:00:00Z",
        ] {
            assert_eq!(parse_instant(bad), None, "{bad:?}");
        }
        assert_eq!(parse_instant(&"9".repeat(100_000)), None);
    }

    #[test]
    fn reads_days_of_a_date_input() {
        assert_eq!(
            parse_day("2026-11-22"),
            NaiveDate::from_ymd_opt(2026, 11, 22)
        );
        for bad in [
            "2026-11-31",
            "2026-1-22",
            "26-11-22",
            "2026-11-22-1",
            "2026/11/22",
            "",
            "0000-01-01",
            "+275760-09-13",
            "2026-11-2x",
        ] {
            assert_eq!(parse_day(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn arithmetic_saturates_instead_of_panicking() {
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap();
        assert_eq!(later(now, Duration::hours(1)), now + Duration::hours(1));
        assert_eq!(earlier(now, Duration::hours(1)), now - Duration::hours(1));
        assert_eq!(
            later(DateTime::<Utc>::MAX_UTC, Duration::hours(24)),
            DateTime::<Utc>::MAX_UTC
        );
        assert_eq!(later(now, Duration::MAX), DateTime::<Utc>::MAX_UTC);
        assert_eq!(earlier(now, Duration::MAX), DateTime::<Utc>::MIN_UTC);
        assert_eq!(days(i64::MAX), Duration::MAX);
        assert_eq!(days(7), Duration::days(7));
    }
}
