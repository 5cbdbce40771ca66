//! Honouring `Retry-After` across a bulk decision's writes to one service: a write answered with 429
//! (the service refused it before doing anything) waits the time the service asked for and is sent
//! again, and the writes still to go wait with it. Only a 429 is resent: every other failure is the
//! pipeline's to settle (an uncertain one by reading back, never by resending).

use super::http::{sleep_ms, MAX_AUTO_WAIT_SECS};
use super::{ErrorKind, SourceError};
use std::cell::Cell;

/// How often one write is sent at most when the service keeps answering 429.
pub(crate) const WRITE_ATTEMPTS: u32 = 3;

/// How long to wait before sending a throttled write again, if it may be sent again at all: only a
/// 429, and only when the wait it asks for is short enough to wait for here.
pub(crate) fn wait_before_resend_ms(error: &SourceError) -> Option<u32> {
    match error.kind {
        ErrorKind::Throttled {
            retry_after: Some(secs),
        } if secs <= MAX_AUTO_WAIT_SECS => Some(secs * 1000),
        ErrorKind::Throttled { retry_after: None } => Some(1000),
        _ => None,
    }
}

/// The moment (ms since the epoch) before which no write to the service is sent.
#[derive(Default)]
pub(crate) struct Pause {
    until: Cell<f64>,
}

impl Pause {
    /// Sends `write` after any pause in force; a 429 pauses every write and sends this one again.
    pub async fn write<F, Fut>(&self, write: F) -> Result<(), SourceError>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<(), SourceError>>,
    {
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.wait().await;
            let answer = write().await;
            match answer.as_ref().err().and_then(wait_before_resend_ms) {
                Some(ms) if attempt < WRITE_ATTEMPTS => self.extend(ms),
                _ => return answer,
            }
        }
    }

    /// Pauses every write for `ms` from now (a longer pause in force stays).
    pub fn extend(&self, ms: u32) {
        let until = js_sys::Date::now() + f64::from(ms);
        if until > self.until.get() {
            self.until.set(until);
        }
    }

    /// Waits out the pause in force, if any.
    pub async fn wait(&self) {
        loop {
            let left = self.until.get() - js_sys::Date::now();
            if left <= 0.0 {
                return;
            }
            sleep_ms(left.ceil() as u32).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::SourceKind;

    fn error(kind: ErrorKind) -> SourceError {
        SourceError::new(SourceKind::AzureResources, kind)
    }

    #[test]
    fn only_a_throttled_write_is_sent_again() {
        let throttled = |retry_after| {
            error(ErrorKind::Throttled {
                retry_after: Some(retry_after),
            })
        };
        assert_eq!(wait_before_resend_ms(&throttled(3)), Some(3000));
        assert_eq!(
            wait_before_resend_ms(&error(ErrorKind::Throttled { retry_after: None })),
            Some(1000)
        );
        assert_eq!(
            wait_before_resend_ms(&throttled(MAX_AUTO_WAIT_SECS + 1)),
            None,
            "too long to wait here: the approver retries"
        );
        for uncertain in [
            ErrorKind::Unavailable,
            ErrorKind::Network,
            ErrorKind::TimedOut,
            ErrorKind::AlreadyDecided,
        ] {
            assert_eq!(wait_before_resend_ms(&error(uncertain)), None);
        }
        assert_eq!(wait_before_resend_ms(&error(ErrorKind::Forbidden)), None);
    }
}
