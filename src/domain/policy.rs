//! The organisation's policies from `config.json`: the longest normal activation per risk level and
//! the length limits of the approver's own justification.

use super::{IsoDuration, RiskLevel};

/// Longest activation the organisation considers normal, per risk level (`config.json: maxDuration`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DurationPolicy {
    pub critical: IsoDuration,
    pub high: IsoDuration,
    pub normal: IsoDuration,
}

impl Default for DurationPolicy {
    fn default() -> Self {
        DurationPolicy {
            critical: IsoDuration::from_hours(2),
            high: IsoDuration::from_hours(4),
            normal: IsoDuration::from_hours(8),
        }
    }
}

impl DurationPolicy {
    pub fn limit(&self, level: RiskLevel) -> IsoDuration {
        match level {
            RiskLevel::Critical => self.critical,
            RiskLevel::High => self.high,
            RiskLevel::Normal => self.normal,
        }
    }
}

/// Length limits for the approver's justification (`config.json: approverJustification`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JustificationPolicy {
    pub min_length: usize,
    pub max_length: usize,
}

impl Default for JustificationPolicy {
    fn default() -> Self {
        JustificationPolicy {
            min_length: 10,
            max_length: 500,
        }
    }
}

impl JustificationPolicy {
    /// `Ok(trimmed)` or a sentence saying what is wrong.
    pub fn validate<'a>(&self, text: &'a str) -> Result<&'a str, String> {
        let trimmed = text.trim();
        let length = trimmed.chars().count();
        if length == 0 {
            Err("Write a justification: it is recorded with your decision.".to_string())
        } else if length < self.min_length {
            Err(format!(
                "Write at least {} characters ({} so far).",
                self.min_length, length
            ))
        } else if length > self.max_length {
            Err(format!(
                "Keep it to {} characters ({} now).",
                self.max_length, length
            ))
        } else {
            Ok(trimmed)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn approver_justification_limits() {
        let policy = JustificationPolicy {
            min_length: 5,
            max_length: 10,
        };
        assert!(policy.validate("   ").is_err());
        assert!(policy.validate("abc").unwrap_err().contains("at least 5"));
        assert_eq!(policy.validate("  fine ok  "), Ok("fine ok"));
        assert!(policy
            .validate("this is far too long")
            .unwrap_err()
            .contains("10"));
    }

    #[test]
    fn duration_limits_per_level() {
        let policy = DurationPolicy::default();
        assert_eq!(
            policy.limit(RiskLevel::Critical),
            IsoDuration::from_hours(2)
        );
        assert_eq!(policy.limit(RiskLevel::Normal), IsoDuration::from_hours(8));
    }
}
