//! The sign-in's health as the pages see it: whether it has ended (the refresh token was refused and
//! only an interactive sign-in helps: one banner, not an error per source), when it will end (the
//! notice 15 minutes before Microsoft's 24-hour limit), and "Sign in again", which returns to the same
//! route with the drafts kept and does not sign out of Microsoft.

use super::Services;
use crate::auth::session::OAuthSession;
use crate::domain::session::session_ends_at;
use crate::sources::{ErrorKind, SourceError};
use chrono::{DateTime, Utc};
use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct SessionStatus {
    /// The sign-in has ended: only signing in again helps.
    pub expired: RwSignal<bool>,
    /// When this tab's sign-in started (the app's own sign-in only).
    pub signed_in_at: Option<DateTime<Utc>>,
    session: StoredValue<Option<OAuthSession>, LocalStorage>,
    /// "Sign in again" was pressed and the browser is on its way to the sign-in page.
    pub redirecting: RwSignal<bool>,
    /// Why starting the sign-in failed, if it did.
    pub failure: RwSignal<Option<String>>,
}

impl SessionStatus {
    /// Follows the app's own sign-in (a host portal's tokens have no such session).
    pub fn watch(services: &Services) -> Self {
        let session = services.session.clone();
        let expired = RwSignal::new(session.as_ref().is_some_and(OAuthSession::has_ended));
        if let Some(session) = &session {
            session.on_ended(move || expired.set(true));
        }
        SessionStatus {
            expired,
            signed_in_at: session.as_ref().and_then(OAuthSession::signed_in_at),
            session: StoredValue::new_local(session),
            redirecting: RwSignal::new(false),
            failure: RwSignal::new(None),
        }
    }

    /// When the sign-in ends, if known.
    pub fn ends_at(&self) -> Option<DateTime<Utc>> {
        self.signed_in_at.and_then(session_ends_at)
    }

    /// Whether `error` is just the ended session showing through a source (the banner says it once).
    pub fn explains(&self, error: &SourceError) -> bool {
        error.kind == ErrorKind::SignIn && self.expired.get()
    }

    /// Signs in again as the same user and comes back to `return_to`: silently first
    /// (`prompt=none`, where a Microsoft session still exists), interactively otherwise.
    pub fn sign_in_again(&self, return_to: String, login_hint: String) {
        let Some(session) = self.session.get_value() else {
            return;
        };
        let (redirecting, failure) = (self.redirecting, self.failure);
        redirecting.set(true);
        leptos::task::spawn_local(async move {
            if let Err(e) = session
                .begin_sign_in(&return_to, Some(&login_hint), true)
                .await
            {
                failure.set(Some(e.message));
                redirecting.set(false);
            }
        });
    }
}
