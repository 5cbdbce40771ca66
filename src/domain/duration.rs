//! Durations as the services send them: ISO 8601 (`PT5H30M`, `P1DT2H`, `PT8H`) from Graph, ARM and the
//! portal, whole seconds (`"RequestedTTL": "3600"`) from MIM PAM. Parsing is total: integer arithmetic,
//! every step checked, so no value (`P300000Y`, `-PT1H`, a thousand digits) can panic or wrap; what a
//! request says about its duration is a [`RequestedDuration`], shown human-readably ("5 h 30 min").

use std::fmt;

/// A parsed duration, kept as whole non-negative seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IsoDuration {
    seconds: i64,
}

const MINUTE: i64 = 60;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// Fraction digits read from a decimal component (`PT0.5H`); later digits cannot change whole seconds.
const FRACTION_DIGITS: u32 = 9;

impl IsoDuration {
    pub const fn from_seconds(seconds: i64) -> Self {
        Self { seconds }
    }

    pub const fn from_minutes(minutes: i64) -> Self {
        Self::from_seconds(minutes * MINUTE)
    }

    pub const fn from_hours(hours: i64) -> Self {
        Self::from_seconds(hours * HOUR)
    }

    pub const fn from_days(days: i64) -> Self {
        Self::from_seconds(days * DAY)
    }

    pub const fn seconds(self) -> i64 {
        self.seconds
    }

    /// The duration for date arithmetic; `None` beyond what chrono can hold.
    pub fn to_chrono(self) -> Option<chrono::Duration> {
        chrono::Duration::try_seconds(self.seconds)
    }

    /// Parses `P[nY][nM][nW][nD][T[nH][nM][nS]]`, components in that order, the last one optionally
    /// decimal (`PT0.5H`, `PT1,5H`). Years and months count as 365 and 30 days, which only matters for
    /// values PIM never uses for activations. Signs, empty parts (`P`, `PT`, `P1DT`), unknown or
    /// repeated units and values beyond `i64` seconds are `None`.
    pub fn parse(text: &str) -> Option<Self> {
        let rest = text.trim().strip_prefix(['P', 'p'])?;
        let mut seconds: i64 = 0;
        let mut in_time = false;
        let mut components = 0;
        let mut last_rank = None;
        let mut fraction_seen = false;
        let mut input = rest;
        while !input.is_empty() {
            if let Some(after) = input.strip_prefix(['T', 't']) {
                if in_time {
                    return None;
                }
                in_time = true;
                components = 0;
                input = after;
                continue;
            }
            if fraction_seen {
                return None;
            }
            let (number, after) = Number::read(input)?;
            let (unit, after) = split_first_char(after)?;
            let (rank, unit_seconds) = unit_of(unit.to_ascii_uppercase(), in_time)?;
            if last_rank.is_some_and(|last| rank <= last) {
                return None;
            }
            last_rank = Some(rank);
            seconds = seconds.checked_add(number.times(unit_seconds)?)?;
            fraction_seen = number.has_fraction();
            components += 1;
            input = after;
        }
        (components > 0).then_some(Self { seconds })
    }

    /// Whole seconds as MIM PAM sends them (`"RequestedTTL": "3600"`): ASCII digits only, no sign.
    pub fn parse_seconds(text: &str) -> Option<Self> {
        let digits = text.trim();
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse::<i64>().ok().map(Self::from_seconds)
    }

    fn parts(self) -> (i64, i64, i64, i64) {
        let s = self.seconds.max(0);
        (s / DAY, (s % DAY) / HOUR, (s % HOUR) / MINUTE, s % MINUTE)
    }
}

fn split_first_char(text: &str) -> Option<(char, &str)> {
    let mut chars = text.chars();
    let first = chars.next()?;
    Some((first, chars.as_str()))
}

/// A unit's position in `PnYnMnWnDTnHnMnS` and its length in seconds.
fn unit_of(unit: char, in_time: bool) -> Option<(u8, i64)> {
    Some(match (unit, in_time) {
        ('Y', false) => (0, 365 * DAY),
        ('M', false) => (1, 30 * DAY),
        ('W', false) => (2, 7 * DAY),
        ('D', false) => (3, DAY),
        ('H', true) => (4, HOUR),
        ('M', true) => (5, MINUTE),
        ('S', true) => (6, 1),
        _ => return None,
    })
}

/// One component's number: whole part and up to [`FRACTION_DIGITS`] decimals as an integer fraction.
struct Number {
    whole: i64,
    fraction: i64,
    scale: i64,
}

impl Number {
    /// Reads `digits[(.|,)digits]` from the start of `text`.
    fn read(text: &str) -> Option<(Number, &str)> {
        let whole_len = text.bytes().take_while(u8::is_ascii_digit).count();
        if whole_len == 0 {
            return None;
        }
        let whole = digits_value(&text[..whole_len])?;
        let rest = &text[whole_len..];
        let Some(decimals) = rest.strip_prefix(['.', ',']) else {
            return Some((
                Number {
                    whole,
                    fraction: 0,
                    scale: 1,
                },
                rest,
            ));
        };
        let decimal_len = decimals.bytes().take_while(u8::is_ascii_digit).count();
        if decimal_len == 0 {
            return None;
        }
        let kept = &decimals[..decimal_len.min(FRACTION_DIGITS as usize)];
        let number = Number {
            whole,
            fraction: digits_value(kept)?,
            scale: 10_i64.pow(kept.len() as u32),
        };
        Some((number, &decimals[decimal_len..]))
    }

    fn has_fraction(&self) -> bool {
        self.scale > 1
    }

    /// `number × unit` in whole seconds (the fraction rounded half up), `None` on overflow.
    fn times(&self, unit_seconds: i64) -> Option<i64> {
        let whole = self.whole.checked_mul(unit_seconds)?;
        let fraction = self
            .fraction
            .checked_mul(unit_seconds)?
            .checked_add(self.scale / 2)?
            / self.scale;
        whole.checked_add(fraction)
    }
}

/// The value of a run of ASCII digits, `None` when it does not fit in `i64`.
fn digits_value(digits: &str) -> Option<i64> {
    digits.bytes().try_fold(0_i64, |value, digit| {
        value.checked_mul(10)?.checked_add(i64::from(digit - b'0'))
    })
}

/// Human-readable: `5 h 30 min`, `1 d 2 h`, `45 min`, `30 s`.
impl fmt::Display for IsoDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (days, hours, minutes, seconds) = self.parts();
        let mut separator = "";
        for (value, unit) in [(days, "d"), (hours, "h"), (minutes, "min")] {
            if value > 0 {
                write!(f, "{separator}{value} {unit}")?;
                separator = " ";
            }
        }
        if separator.is_empty() {
            write!(f, "{seconds} s")?;
        }
        Ok(())
    }
}

/// What a request says about its duration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RequestedDuration {
    /// The service sent none: shown as "Not specified".
    NotSpecified,
    Known(IsoDuration),
    /// Present but negative, longer than a year, or malformed: shown as "Not readable", never used in
    /// arithmetic. Keeps the raw text (untrusted, shown as text).
    Unreadable(String),
}

impl RequestedDuration {
    /// The longest duration taken as meant; anything longer is [`RequestedDuration::Unreadable`].
    pub const LONGEST: IsoDuration = IsoDuration::from_days(365);

    /// An ISO 8601 duration as Graph, ARM and the portal send it (`"PT8H"`); blank = not specified.
    pub fn from_iso(raw: Option<&str>) -> Self {
        Self::read(raw, IsoDuration::parse)
    }

    /// Seconds as MIM PAM sends them (`"RequestedTTL": "3600"`); blank = not specified.
    pub fn from_ttl_seconds(raw: Option<&str>) -> Self {
        Self::read(raw, IsoDuration::parse_seconds)
    }

    fn read(raw: Option<&str>, parse: fn(&str) -> Option<IsoDuration>) -> Self {
        match raw.filter(|text| !text.trim().is_empty()) {
            None => RequestedDuration::NotSpecified,
            Some(text) => match parse(text).filter(|d| *d <= Self::LONGEST) {
                Some(duration) => RequestedDuration::Known(duration),
                None => RequestedDuration::Unreadable(text.to_string()),
            },
        }
    }

    /// The duration, when the request gave a readable one.
    pub fn known(&self) -> Option<IsoDuration> {
        match self {
            RequestedDuration::Known(duration) => Some(*duration),
            _ => None,
        }
    }
}

/// `5 h 30 min`, `Not specified` or `Not readable`.
impl fmt::Display for RequestedDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestedDuration::NotSpecified => f.write_str("Not specified"),
            RequestedDuration::Known(duration) => duration.fmt(f),
            RequestedDuration::Unreadable(_) => f.write_str("Not readable"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Option<i64> {
        IsoDuration::parse(text).map(IsoDuration::seconds)
    }

    #[test]
    fn parses_the_documented_examples() {
        assert_eq!(parse("PT5H30M"), Some(330 * 60));
        assert_eq!(parse("PT8H"), Some(8 * 3600));
        assert_eq!(parse("P1DT2H"), Some(26 * 3600));
        assert_eq!(parse("PT0.5H"), Some(30 * 60));
        assert_eq!(parse("PT1.5H"), Some(90 * 60));
        assert_eq!(parse("PT1,5H"), Some(90 * 60));
        assert_eq!(parse("pt15m"), Some(15 * 60));
        assert_eq!(parse(" P1W "), Some(7 * 86_400));
        assert_eq!(
            parse("P1Y2M3DT4H5M6S"),
            Some(((365 + 60 + 3) * 24 + 4) * 3600 + 5 * 60 + 6)
        );
        assert_eq!(parse("PT0S"), Some(0));
        assert_eq!(parse("PT0.4S"), Some(0), "fractions round to whole seconds");
        assert_eq!(parse("PT0.5S"), Some(1));
        assert_eq!(
            parse("PT0.0000000000001H"),
            Some(0),
            "extra decimals are read, not kept"
        );
        assert_eq!(
            parse("P300000Y"),
            Some(300_000 * 365 * 86_400),
            "parses; too long to be meant"
        );
    }

    #[test]
    fn rejects_malformed_durations() {
        for bad in [
            "",
            "P",
            "PT",
            "P1DT",
            "5H",
            "PT5",
            "PTH",
            "PT5X",
            "P5H",
            "PT1H2D",
            "-PT1H",
            "+PT1H",
            "P-1D",
            "PT-1H",
            "PT1H1H",
            "PT30M1H",
            "P1D1Y",
            "PTT1H",
            "PT1HT1M",
            "PT.5H",
            "PT1.H",
            "PT1.5H30M",
            "PT1..5H",
            "PT1e3S",
            "P１D",
            "PT 1H",
            "P1DT2HX",
            "PT1H\u{200B}",
            "P\u{202E}T1H",
        ] {
            assert_eq!(IsoDuration::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn huge_values_never_wrap_or_panic() {
        let digits = "9".repeat(400);
        for huge in [
            format!("PT{digits}S"),
            format!("P{digits}Y"),
            "PT9223372036854775808S".to_string(),
            "P9223372036854775807Y".to_string(),
            "P25000000000000Y".to_string(),
            "PT9223372036854775807S1".to_string(),
            format!("PT1.{digits}H"),
        ] {
            let parsed = IsoDuration::parse(&huge);
            assert!(parsed.is_none() || huge.starts_with("PT1."), "{huge}");
        }
        assert_eq!(parse("PT9223372036854775807S"), Some(i64::MAX));
        assert_eq!(parse("P1DT9223372036854775807S"), None, "the sum overflows");
        assert_eq!(IsoDuration::from_seconds(i64::MAX).to_chrono(), None);
        assert!(IsoDuration::from_days(365).to_chrono().is_some());
    }

    #[test]
    fn shows_durations_for_people() {
        assert_eq!(IsoDuration::from_minutes(330).to_string(), "5 h 30 min");
        assert_eq!(IsoDuration::from_hours(26).to_string(), "1 d 2 h");
        assert_eq!(IsoDuration::from_minutes(45).to_string(), "45 min");
        assert_eq!(IsoDuration::from_seconds(30).to_string(), "30 s");
        assert_eq!(IsoDuration::from_seconds(0).to_string(), "0 s");
        assert_eq!(IsoDuration::from_seconds(-5).to_string(), "0 s");
        assert_eq!(
            IsoDuration::from_seconds(i64::MAX).to_string(),
            "106751991167300 d 15 h 30 min"
        );
    }

    #[test]
    fn reads_mim_seconds() {
        let ttl = |s| IsoDuration::parse_seconds(s).map(IsoDuration::seconds);
        assert_eq!(ttl("3600"), Some(3600));
        assert_eq!(ttl(" 0 "), Some(0));
        assert_eq!(ttl("9223372036854775807"), Some(i64::MAX));
        for bad in [
            "-1",
            "+1",
            "1h",
            "1e9",
            "1.5",
            "",
            " ",
            "0x10",
            "9223372036854775808",
            "99999999999999999999999",
            "３６００",
            "36\u{200B}00",
        ] {
            assert_eq!(ttl(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn requested_durations_from_iso() {
        use RequestedDuration::*;
        assert_eq!(RequestedDuration::from_iso(None), NotSpecified);
        assert_eq!(RequestedDuration::from_iso(Some("  ")), NotSpecified);
        assert_eq!(
            RequestedDuration::from_iso(Some("PT8H")),
            Known(IsoDuration::from_hours(8))
        );
        assert_eq!(
            RequestedDuration::from_iso(Some("P1Y")),
            Known(IsoDuration::from_days(365)),
            "a year is still meant"
        );
        for hostile in [
            "P300000Y",
            "P366D",
            "P1YT1S",
            "-PT1H",
            "PT",
            "P",
            "garbage",
            "PT1H\u{202E}",
        ] {
            assert_eq!(
                RequestedDuration::from_iso(Some(hostile)),
                Unreadable(hostile.to_string()),
                "{hostile:?}"
            );
        }
        let digits = "9".repeat(10_000);
        assert_eq!(RequestedDuration::from_iso(Some(&digits)).known(), None);
    }

    #[test]
    fn requested_durations_from_mim_ttl() {
        use RequestedDuration::*;
        assert_eq!(RequestedDuration::from_ttl_seconds(None), NotSpecified);
        assert_eq!(
            RequestedDuration::from_ttl_seconds(Some("3600")),
            Known(IsoDuration::from_hours(1))
        );
        for hostile in [
            "9223372036854775807",
            "-1",
            "1e9",
            "31536001",
            "PT1H",
            "1.5",
        ] {
            assert_eq!(
                RequestedDuration::from_ttl_seconds(Some(hostile)),
                Unreadable(hostile.to_string()),
                "{hostile:?}"
            );
        }
    }

    #[test]
    fn shows_requested_durations() {
        assert_eq!(RequestedDuration::NotSpecified.to_string(), "Not specified");
        assert_eq!(
            RequestedDuration::Known(IsoDuration::from_minutes(90)).to_string(),
            "1 h 30 min"
        );
        assert_eq!(
            RequestedDuration::Unreadable("P300000Y".into()).to_string(),
            "Not readable"
        );
        assert_eq!(
            RequestedDuration::Unreadable("P300000Y".into()).known(),
            None
        );
    }
}
