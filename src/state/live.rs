//! Live refresh: the queue is read again in the background every `queueRefreshSeconds` (60 by
//! default), paused while the tab is hidden, backing off after errors (doubling up to ten minutes), and
//! never while a decision is being written (a refresh could race the write's read-back). What a refresh
//! brings is marked "new"; what it takes out that nobody here decided is counted for a short note. New
//! Critical and High requests raise a desktop notification when the user turned them on.

use super::AppContext;
use crate::domain::RiskLevel;
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;

/// The longest wait between refreshes after repeated errors.
const MAX_BACKOFF_SECS: u32 = 600;
/// How long to wait before looking again when a refresh was due but could not run.
const RETRY_SOON_SECS: u32 = 5;

/// The wait before the next refresh: the configured interval, doubled per failure in a row.
pub fn next_delay_secs(interval: u32, failures_in_a_row: u32) -> u32 {
    let factor = 1u32
        .checked_shl(failures_in_a_row.min(16))
        .unwrap_or(u32::MAX);
    interval
        .saturating_mul(factor)
        .min(MAX_BACKOFF_SECS.max(interval))
}

fn tab_hidden() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_some_and(|d| d.hidden())
}

/// Starts the background refresh for the life of the signed-in shell (no-op when configured off).
pub fn start(app: AppContext) {
    let interval = app.config().queue_refresh_seconds;
    if interval == 0 {
        return;
    }
    leptos::task::spawn_local(async move {
        let mut failures = 0;
        loop {
            TimeoutFuture::new(next_delay_secs(interval, failures) * 1000).await;
            // Stop when the shell is gone (its signals are disposed).
            if app.queue.slots.try_with_untracked(|_| ()).is_none() {
                return;
            }
            while tab_hidden()
                || app.decisions.in_flight_now() > 0
                || app.session.expired.get_untracked()
            {
                TimeoutFuture::new(RETRY_SOON_SECS * 1000).await;
            }
            let before = app.queue.unseen.get_untracked();
            let answered = app.queue.reload(app.sources(), app.me()).await;
            failures = if answered { 0 } else { failures + 1 };
            notify_new_risky(app, &before);
        }
    });
}

/// A desktop notification for each new Critical or High request, when the user asked for them.
fn notify_new_risky(
    app: AppContext,
    before: &std::collections::HashSet<crate::domain::RequestKey>,
) {
    if !app.notifications.get_untracked() {
        return;
    }
    let risky: Vec<(String, String)> = app.queue.unseen.with_untracked(|unseen| {
        app.queue.data.with_untracked(|d| {
            unseen
                .difference(before)
                .filter_map(|key| d.entry_of(key))
                .filter(|e| e.risk >= RiskLevel::High)
                .map(|e| {
                    let r = &e.request;
                    (
                        format!("{}: {}", e.risk.label(), r.role.name),
                        format!("{} asks for {}", r.requester.name(), r.role.name),
                    )
                })
                .collect()
        })
    });
    for (title, body) in risky {
        let options = web_sys::NotificationOptions::new();
        options.set_body(&body);
        let _ = web_sys::Notification::new_with_options(&title, &options);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backs_off_by_doubling_up_to_ten_minutes() {
        assert_eq!(next_delay_secs(60, 0), 60);
        assert_eq!(next_delay_secs(60, 1), 120);
        assert_eq!(next_delay_secs(60, 3), 480);
        assert_eq!(next_delay_secs(60, 4), 600);
        assert_eq!(next_delay_secs(60, 40), 600);
        // A configured interval longer than the cap is kept.
        assert_eq!(next_delay_secs(3600, 2), 3600);
    }
}
