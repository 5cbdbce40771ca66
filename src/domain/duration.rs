//! ISO 8601 durations as PIM sends them (`PT5H30M`, `P1DT2H`, `PT8H`), parsed once and shown
//! human-readably ("5 h 30 min").

use std::fmt;

/// A parsed ISO 8601 duration, kept as whole seconds (PIM never sends fractions that matter).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IsoDuration {
    seconds: i64,
}

impl IsoDuration {
    pub const fn from_seconds(seconds: i64) -> Self {
        Self { seconds }
    }

    pub const fn from_minutes(minutes: i64) -> Self {
        Self {
            seconds: minutes * 60,
        }
    }

    pub const fn from_hours(hours: i64) -> Self {
        Self {
            seconds: hours * 3600,
        }
    }

    pub const fn seconds(self) -> i64 {
        self.seconds
    }

    pub fn to_chrono(self) -> chrono::Duration {
        chrono::Duration::seconds(self.seconds)
    }

    /// Parses `P[nY][nM][nW][nD][T[nH][nM][nS]]`. Years and months are counted as 365 and 30 days,
    /// which only matters for values PIM never uses for activations.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let rest = text.strip_prefix('P').or_else(|| text.strip_prefix('p'))?;
        if rest.is_empty() {
            return None;
        }
        let mut seconds: f64 = 0.0;
        let mut in_time = false;
        let mut number = String::new();
        let mut saw_component = false;
        for ch in rest.chars() {
            match ch.to_ascii_uppercase() {
                'T' if !in_time && number.is_empty() => in_time = true,
                c if c.is_ascii_digit() || c == '.' || c == ',' => {
                    number.push(if c == ',' { '.' } else { c })
                }
                unit => {
                    let value: f64 = number.parse().ok()?;
                    number.clear();
                    seconds += value * unit_seconds(unit, in_time)?;
                    saw_component = true;
                }
            }
        }
        if !number.is_empty() || !saw_component {
            return None;
        }
        Some(Self {
            seconds: seconds.round() as i64,
        })
    }

    /// Seconds as MIM PAM sends them (`"RequestedTTL": "3600"`).
    pub fn parse_seconds(text: &str) -> Option<Self> {
        text.trim()
            .parse::<i64>()
            .ok()
            .filter(|s| *s >= 0)
            .map(Self::from_seconds)
    }

    fn parts(self) -> (i64, i64, i64, i64) {
        let s = self.seconds.max(0);
        (s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60, s % 60)
    }
}

fn unit_seconds(unit: char, in_time: bool) -> Option<f64> {
    Some(match (unit, in_time) {
        ('Y', false) => 365.0 * 86_400.0,
        ('M', false) => 30.0 * 86_400.0,
        ('W', false) => 7.0 * 86_400.0,
        ('D', false) => 86_400.0,
        ('H', true) => 3600.0,
        ('M', true) => 60.0,
        ('S', true) => 1.0,
        _ => return None,
    })
}

/// Human-readable: `5 h 30 min`, `1 d 2 h`, `45 min`, `30 s`.
impl fmt::Display for IsoDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (days, hours, minutes, seconds) = self.parts();
        let mut parts = Vec::new();
        if days > 0 {
            parts.push(format!("{days} d"));
        }
        if hours > 0 {
            parts.push(format!("{hours} h"));
        }
        if minutes > 0 {
            parts.push(format!("{minutes} min"));
        }
        if parts.is_empty() {
            parts.push(format!("{seconds} s"));
        }
        f.write_str(&parts.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_examples() {
        assert_eq!(
            IsoDuration::parse("PT5H30M"),
            Some(IsoDuration::from_minutes(330))
        );
        assert_eq!(IsoDuration::parse("PT8H"), Some(IsoDuration::from_hours(8)));
        assert_eq!(
            IsoDuration::parse("P1DT2H"),
            Some(IsoDuration::from_hours(26))
        );
        assert_eq!(
            IsoDuration::parse("PT0.5H"),
            Some(IsoDuration::from_minutes(30))
        );
        assert_eq!(
            IsoDuration::parse("pt15m"),
            Some(IsoDuration::from_minutes(15))
        );
    }

    #[test]
    fn rejects_malformed_durations() {
        for bad in ["", "P", "PT", "5H", "PT5", "PTH", "PT5X", "P5H", "PT1H2D"] {
            assert_eq!(IsoDuration::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn shows_durations_for_people() {
        assert_eq!(IsoDuration::from_minutes(330).to_string(), "5 h 30 min");
        assert_eq!(IsoDuration::from_hours(26).to_string(), "1 d 2 h");
        assert_eq!(IsoDuration::from_minutes(45).to_string(), "45 min");
        assert_eq!(IsoDuration::from_seconds(30).to_string(), "30 s");
    }

    #[test]
    fn reads_mim_seconds() {
        assert_eq!(
            IsoDuration::parse_seconds("3600"),
            Some(IsoDuration::from_hours(1))
        );
        assert_eq!(IsoDuration::parse_seconds("-1"), None);
        assert_eq!(IsoDuration::parse_seconds("1h"), None);
    }
}
