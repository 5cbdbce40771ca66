//! The emulator clock: real UTC time plus an offset that the test controls can move forward.
//!
//! Everything time-dependent (token `exp`, the 24 h request expiry, decision and cancel times,
//! refresh-token lifetime, authorization-code age) reads this clock, never `Utc::now()` directly.

use chrono::{DateTime, Duration, Utc};
use std::sync::Mutex;

/// Real time shifted by an adjustable offset.
#[derive(Debug)]
pub struct Clock {
    offset: Mutex<Duration>,
}

impl Default for Clock {
    fn default() -> Self {
        Clock {
            offset: Mutex::new(Duration::zero()),
        }
    }
}

impl Clock {
    /// The emulator's current time.
    pub fn now(&self) -> DateTime<Utc> {
        add_clamped(Utc::now(), *self.offset.lock().expect("clock lock"))
    }

    /// Move the clock forward (or backward with a negative duration).
    pub fn advance(&self, by: Duration) {
        let mut offset = self.offset.lock().expect("clock lock");
        *offset = offset.checked_add(&by).unwrap_or(*offset);
    }

    /// Back to real time.
    pub fn reset(&self) {
        *self.offset.lock().expect("clock lock") = Duration::zero();
    }
}

/// RFC 3339 with milliseconds and `Z`, the style Graph and ARM use (`2021-07-15T19:57:17.760Z`).
pub fn format_time(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// `time + delta`, clamped to the representable range instead of panicking (hostile scenario times).
pub fn add_clamped(time: DateTime<Utc>, delta: Duration) -> DateTime<Utc> {
    time.checked_add_signed(delta)
        .unwrap_or(if delta < Duration::zero() {
            DateTime::<Utc>::MIN_UTC
        } else {
            DateTime::<Utc>::MAX_UTC
        })
}

/// `minutes` as a duration, clamped to the longest one instead of panicking.
pub fn clamped_minutes(minutes: i64) -> Duration {
    Duration::try_minutes(minutes).unwrap_or(if minutes < 0 {
        Duration::MIN
    } else {
        Duration::MAX
    })
}

/// Parse an ISO-8601 duration `[-]PnYnMnWnDTnHnMnS` into seconds (a year counts 365 days, a month 30).
/// `None` when it is not one or does not fit in an `i64`; never panics.
pub fn parse_iso_duration(text: &str) -> Option<i64> {
    let (sign, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, text),
    };
    let rest = unsigned.strip_prefix('P')?;
    let (date_part, time_part) = match rest.split_once('T') {
        Some((date, time)) => (date, time),
        None => (rest, ""),
    };
    let date_units = [
        ('Y', 365 * 86_400),
        ('M', 30 * 86_400),
        ('W', 7 * 86_400),
        ('D', 86_400),
    ];
    let days = sum_units(date_part, &date_units)?;
    let time = sum_units(time_part, &[('H', 3_600), ('M', 60), ('S', 1)])?;
    days.checked_add(time)?.checked_mul(sign)
}

fn sum_units(text: &str, units: &[(char, i64)]) -> Option<i64> {
    let mut total: i64 = 0;
    let mut number = String::new();
    for ch in text.chars() {
        if ch.is_ascii_digit() {
            number.push(ch);
            continue;
        }
        let (_, seconds) = units.iter().find(|(unit, _)| *unit == ch)?;
        let amount = number.parse::<i64>().ok()?.checked_mul(*seconds)?;
        total = total.checked_add(amount)?;
        number.clear();
    }
    number.is_empty().then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pim_durations() {
        assert_eq!(parse_iso_duration("PT2H"), Some(7200));
        assert_eq!(parse_iso_duration("PT5H30M"), Some(19_800));
        assert_eq!(parse_iso_duration("P1DT1S"), Some(86_401));
        assert_eq!(parse_iso_duration("2H"), None);
    }

    #[test]
    fn hostile_durations_parse_or_fail_without_panicking() {
        assert_eq!(parse_iso_duration("P300000Y"), Some(300_000 * 365 * 86_400));
        assert_eq!(parse_iso_duration("-PT1H"), Some(-3600));
        assert_eq!(
            parse_iso_duration("P9999999999999999999D"),
            None,
            "i64 overflow"
        );
        assert_eq!(
            parse_iso_duration("P999999999999999Y"),
            None,
            "multiplication overflow"
        );
        assert_eq!(parse_iso_duration("P1D"), Some(86_400));
        for text in [
            "",
            "P",
            "PT",
            "P1",
            "PT1.5H",
            "P1H",
            "--PT1H",
            "not a duration",
        ] {
            assert!(parse_iso_duration(text).is_none_or(|s| s == 0), "{text}");
        }
    }

    #[test]
    fn date_arithmetic_clamps_instead_of_panicking() {
        let now = Utc::now();
        assert_eq!(
            add_clamped(now, clamped_minutes(i64::MAX)),
            DateTime::<Utc>::MAX_UTC
        );
        assert_eq!(
            add_clamped(now, clamped_minutes(i64::MIN)),
            DateTime::<Utc>::MIN_UTC
        );
        assert_eq!(
            add_clamped(now, clamped_minutes(90)),
            now + Duration::minutes(90)
        );
        assert!(format_time(DateTime::<Utc>::MAX_UTC).starts_with('+'));
    }
}
