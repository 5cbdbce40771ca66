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
        Utc::now() + *self.offset.lock().expect("clock lock")
    }

    /// Move the clock forward (or backward with a negative duration).
    pub fn advance(&self, by: Duration) {
        *self.offset.lock().expect("clock lock") += by;
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

/// Parse an ISO-8601 duration of the form `PnDTnHnMnS` (the subset PIM uses) into seconds.
pub fn parse_iso_duration(text: &str) -> Option<i64> {
    let rest = text.strip_prefix('P')?;
    let (date_part, time_part) = match rest.split_once('T') {
        Some((date, time)) => (date, time),
        None => (rest, ""),
    };
    let days = sum_units(date_part, &[('W', 7 * 86_400), ('D', 86_400)])?;
    let time = sum_units(time_part, &[('H', 3_600), ('M', 60), ('S', 1)])?;
    Some(days + time)
}

fn sum_units(text: &str, units: &[(char, i64)]) -> Option<i64> {
    let mut total = 0;
    let mut number = String::new();
    for ch in text.chars() {
        if ch.is_ascii_digit() {
            number.push(ch);
            continue;
        }
        let (_, seconds) = units.iter().find(|(unit, _)| *unit == ch)?;
        total += number.parse::<i64>().ok()? * seconds;
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
}
