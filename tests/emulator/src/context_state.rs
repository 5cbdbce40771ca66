//! Runtime state of the decision-context endpoints, kept in the store so a reset or a scenario
//! replacement starts it afresh: the load time (scenario times are relative to it), consent withheld
//! through the test controls, and the `signInActivity` throttle window.

use crate::clock::{add_clamped, clamped_minutes};
use chrono::{DateTime, Duration, Utc};
use std::collections::{HashMap, VecDeque};

/// Graph reads of `signInActivity` allowed per minute, per app and tenant.
pub const SIGN_IN_ACTIVITY_CALLS_PER_MINUTE: usize = 10;

#[derive(Debug)]
pub struct ContextState {
    loaded_at: DateTime<Utc>,
    /// `POST /_emulator/consent` overrides of a user's withheld scopes (user id → scope names).
    withheld_overrides: HashMap<String, Vec<String>>,
    /// `POST /_emulator/consent` without a user: the tenant's withheld scopes.
    tenant_withheld_override: Option<Vec<String>>,
    sign_in_activity_calls: VecDeque<DateTime<Utc>>,
}

impl ContextState {
    pub fn new(loaded_at: DateTime<Utc>) -> ContextState {
        ContextState {
            loaded_at,
            withheld_overrides: HashMap::new(),
            tenant_withheld_override: None,
            sign_in_activity_calls: VecDeque::new(),
        }
    }

    /// `loaded_at − minutes`.
    pub fn minutes_ago(&self, minutes: i64) -> DateTime<Utc> {
        add_clamped(self.loaded_at, -clamped_minutes(minutes))
    }

    /// `loaded_at + minutes`.
    pub fn minutes_from_load(&self, minutes: i64) -> DateTime<Utc> {
        add_clamped(self.loaded_at, clamped_minutes(minutes))
    }

    pub fn withheld_override(&self, user_id: &str) -> Option<&Vec<String>> {
        self.withheld_overrides.get(user_id)
    }

    pub fn set_withheld(&mut self, user_id: &str, scopes: Vec<String>) {
        self.withheld_overrides.insert(user_id.to_string(), scopes);
    }

    pub fn tenant_withheld_override(&self) -> Option<&Vec<String>> {
        self.tenant_withheld_override.as_ref()
    }

    pub fn set_tenant_withheld(&mut self, scopes: Vec<String>) {
        self.tenant_withheld_override = Some(scopes);
    }

    /// Count one `signInActivity` read at `now`, or say how many seconds until one is allowed again.
    pub fn take_sign_in_activity_call(&mut self, now: DateTime<Utc>) -> Result<(), i64> {
        let window = Duration::minutes(1);
        while let Some(oldest) = self.sign_in_activity_calls.front() {
            if now - *oldest >= window {
                self.sign_in_activity_calls.pop_front();
            } else {
                break;
            }
        }
        if self.sign_in_activity_calls.len() >= SIGN_IN_ACTIVITY_CALLS_PER_MINUTE {
            let oldest = self.sign_in_activity_calls[0];
            let wait = window - (now - oldest);
            return Err((wait.num_milliseconds() + 999) / 1000);
        }
        self.sign_in_activity_calls.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eleventh_sign_in_activity_call_within_a_minute_waits_for_the_oldest() {
        let start = Utc::now();
        let mut state = ContextState::new(start);
        for second in 0..10 {
            assert!(state
                .take_sign_in_activity_call(start + Duration::seconds(second))
                .is_ok());
        }
        assert_eq!(
            state.take_sign_in_activity_call(start + Duration::seconds(20)),
            Err(40)
        );
        assert!(state
            .take_sign_in_activity_call(start + Duration::seconds(60))
            .is_ok());
    }
}
