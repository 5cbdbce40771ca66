//! The app's own sign-in: authorization code + PKCE redirect, code redemption, per-resource access
//! tokens from the refresh token (renewed five minutes before they expire, one refresh in flight per
//! resource), the end of the session and signing in again, and sign-out. Transient sign-in values and
//! the refresh token live in `sessionStorage`; access tokens only in memory.
//!
//! When the identity platform refuses the refresh token in a way only an interactive sign-in fixes
//! (the SPA token's 24 hours are over: AADSTS700084, `interaction_required`, `login_required`), the dead
//! token is cleared (a reload does not try it again), the account is kept for `login_hint`, and the
//! `on_ended` callback tells the app to show one "sign in again" banner. A refused optional token (the
//! decision context's permissions without admin consent, AADSTS65001) is not such an end: only that
//! token is missing.

use super::cache::{Token, TokenCache};
use super::oauth::{self, AuthorizeParams, RedirectParams, TokenError, TokenResponse};
use super::{jwt, pkce, Account, AuthError, Resource, TokenSource};
use crate::config::AppConfig;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::rc::Rc;

const PENDING_KEY: &str = "pim-approvals.sign-in";
/// Where a session survives a reload; `src/bootstrap.js` checks this key to load the full app at once.
const SESSION_KEY: &str = "pim-approvals.session";
/// Renew a token this long before it expires.
const RENEW_MARGIN_MS: f64 = 5.0 * 60.0 * 1000.0;

/// What the redirect to /authorize must find again when it comes back.
#[derive(Serialize, Deserialize)]
struct PendingSignIn {
    state: String,
    nonce: String,
    verifier: String,
    return_to: String,
    /// Sent with `prompt=none`: if Microsoft needs the user, sign in again interactively.
    #[serde(default)]
    silent: bool,
    #[serde(default)]
    login_hint: Option<String>,
}

/// How a redirect back from /authorize ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignInResult {
    /// Signed in: go to `return_to` (validate it first: it came back through the URL's round trip).
    Done { return_to: String },
    /// A silent sign-in (`prompt=none`) found no Microsoft session: start the interactive one.
    NeedsInteraction {
        return_to: String,
        login_hint: Option<String>,
    },
}

/// What survives a reload of the tab.
#[derive(Serialize, Deserialize)]
struct StoredSession {
    /// `None` once the identity platform refused it for good (the account stays, for `login_hint`).
    refresh_token: Option<String>,
    account: Account,
    /// When the interactive sign-in happened (ms since the epoch): the SPA session ends 24 h later.
    #[serde(default)]
    signed_in_at_ms: Option<i64>,
}

struct Inner {
    config: Rc<AppConfig>,
    redirect_uri: String,
    refresh_token: RefCell<Option<String>>,
    account: RefCell<Option<Account>>,
    signed_in_at_ms: RefCell<Option<i64>>,
    tokens: Rc<TokenCache>,
    on_ended: RefCell<Option<Rc<dyn Fn()>>>,
}

/// The signed-in state and the token cache; cheap to clone.
#[derive(Clone)]
pub struct OAuthSession {
    inner: Rc<Inner>,
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

impl OAuthSession {
    /// Restores a session from `sessionStorage` if this tab has one.
    pub fn new(config: Rc<AppConfig>, redirect_uri: String) -> Self {
        let stored: Option<StoredSession> = storage()
            .and_then(|s| s.get_item(SESSION_KEY).ok().flatten())
            .and_then(|text| serde_json::from_str(&text).ok());
        let (refresh_token, account, signed_in_at_ms) = match stored {
            Some(s) => (s.refresh_token, Some(s.account), s.signed_in_at_ms),
            None => (None, None, None),
        };
        OAuthSession {
            inner: Rc::new(Inner {
                config,
                redirect_uri,
                refresh_token: RefCell::new(refresh_token),
                account: RefCell::new(account),
                signed_in_at_ms: RefCell::new(signed_in_at_ms),
                tokens: TokenCache::new(RENEW_MARGIN_MS),
                on_ended: RefCell::new(None),
            }),
        }
    }

    pub fn account(&self) -> Option<Account> {
        self.inner.account.borrow().clone()
    }

    /// The sign-in ended (its refresh token was refused for good); the account is still known.
    pub fn has_ended(&self) -> bool {
        self.inner.account.borrow().is_some() && self.inner.refresh_token.borrow().is_none()
    }

    /// Called once when the sign-in ends while the app runs.
    pub fn on_ended(&self, callback: impl Fn() + 'static) {
        *self.inner.on_ended.borrow_mut() = Some(Rc::new(callback));
    }

    /// When the interactive sign-in of this session happened.
    pub fn signed_in_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        let ms = (*self.inner.signed_in_at_ms.borrow())?;
        chrono::DateTime::from_timestamp_millis(ms)
    }

    /// Sends the browser to the sign-in page; `return_to` is the route to restore afterwards.
    /// `silent` asks with `prompt=none` first (no page shown where a Microsoft session exists).
    pub async fn begin_sign_in(
        &self,
        return_to: &str,
        login_hint: Option<&str>,
        silent: bool,
    ) -> Result<(), AuthError> {
        let fail = |e: String| AuthError::new(format!("Could not start sign-in: {e}"));
        let pending = PendingSignIn {
            state: pkce::random_token().map_err(fail)?,
            nonce: pkce::random_token().map_err(fail)?,
            verifier: pkce::random_token().map_err(fail)?,
            return_to: return_to.to_string(),
            silent,
            login_hint: login_hint.map(str::to_string),
        };
        let challenge = pkce::challenge(&pending.verifier).await.map_err(fail)?;
        let url = oauth::authorize_url(
            &self.inner.config,
            &AuthorizeParams {
                redirect_uri: &self.inner.redirect_uri,
                state: &pending.state,
                nonce: &pending.nonce,
                code_challenge: &challenge,
                login_hint,
                prompt: silent.then_some("none"),
            },
        );
        let store = storage().ok_or_else(|| fail("sessionStorage is not available".into()))?;
        let text = serde_json::to_string(&pending).map_err(|e| fail(e.to_string()))?;
        store
            .set_item(PENDING_KEY, &text)
            .map_err(|_| fail("sessionStorage is full or blocked".into()))?;
        web_sys::window()
            .ok_or_else(|| fail("no window".into()))?
            .location()
            .assign(&url)
            .map_err(|_| fail("navigation was blocked".into()))
    }

    /// Finishes the redirect back from /authorize: checks `state` and `nonce`, redeems the code, and
    /// says where to go next. The pending values are single-use.
    pub async fn complete_sign_in(
        &self,
        params: &RedirectParams,
    ) -> Result<SignInResult, AuthError> {
        let store = storage().ok_or_else(|| AuthError::new("sessionStorage is not available."))?;
        let pending: Option<PendingSignIn> = store
            .get_item(PENDING_KEY)
            .ok()
            .flatten()
            .and_then(|t| serde_json::from_str(&t).ok());
        let _ = store.remove_item(PENDING_KEY);
        let pending = pending.ok_or_else(|| {
            AuthError::interactive(
                "This sign-in response was not started from this tab. Sign in again.",
            )
        })?;
        if params.state.as_deref() != Some(pending.state.as_str()) {
            return Err(AuthError::interactive(
                "The sign-in response did not match the request this tab sent (state mismatch). Sign in again.",
            ));
        }
        if let Some(error) = &params.error {
            if pending.silent && oauth::needs_user(error) {
                return Ok(SignInResult::NeedsInteraction {
                    return_to: pending.return_to,
                    login_hint: pending.login_hint,
                });
            }
            let description = params.error_description.as_deref().unwrap_or(error);
            return Err(AuthError::interactive(format!(
                "Sign-in was not completed: {description}"
            )));
        }
        let code = params.code.as_deref().unwrap_or_default();
        let form = oauth::code_redemption_form(
            &self.inner.config,
            code,
            &self.inner.redirect_uri,
            &pending.verifier,
        );
        let endpoint = self.inner.config.token_endpoint();
        let response = post_token_form(&endpoint, form, &Resource::Graph).await?;
        let account = self.account_from(&response, &pending.nonce)?;
        *self.inner.signed_in_at_ms.borrow_mut() = Some(now_ms() as i64);
        self.store_session(response.refresh_token.clone(), account)?;
        self.inner.tokens.insert(Resource::Graph, cached(&response));
        Ok(SignInResult::Done {
            return_to: pending.return_to,
        })
    }

    fn account_from(&self, response: &TokenResponse, nonce: &str) -> Result<Account, AuthError> {
        let claims = response
            .id_token
            .as_deref()
            .and_then(jwt::claims)
            .ok_or_else(|| AuthError::interactive("The sign-in response had no ID token."))?;
        if claims.nonce.as_deref() != Some(nonce) {
            return Err(AuthError::interactive(
                "The ID token's nonce did not match this sign-in. Sign in again.",
            ));
        }
        if !claims
            .aud
            .eq_ignore_ascii_case(&self.inner.config.client_id)
        {
            return Err(AuthError::interactive(
                "The ID token was issued to another application.",
            ));
        }
        Ok(Account {
            object_id: claims.oid,
            name: claims.name,
            username: claims.preferred_username,
        })
    }

    fn store_session(
        &self,
        refresh_token: Option<String>,
        account: Account,
    ) -> Result<(), AuthError> {
        let refresh_token = refresh_token.ok_or_else(|| {
            AuthError::interactive("No refresh token was issued (offline_access was not granted).")
        })?;
        *self.inner.refresh_token.borrow_mut() = Some(refresh_token);
        *self.inner.account.borrow_mut() = Some(account);
        self.persist();
        Ok(())
    }

    /// Writes what survives a reload to `sessionStorage`.
    fn persist(&self) {
        let Some(account) = self.account() else {
            return;
        };
        let stored = StoredSession {
            refresh_token: self.inner.refresh_token.borrow().clone(),
            account,
            signed_in_at_ms: *self.inner.signed_in_at_ms.borrow(),
        };
        if let (Some(store), Ok(text)) = (storage(), serde_json::to_string(&stored)) {
            let _ = store.set_item(SESSION_KEY, &text);
        }
    }

    /// The identity platform refused the refresh token for good: forget it (in memory and in
    /// `sessionStorage`, so a reload does not try it again), keep the account, tell the app once.
    fn end(&self) {
        let was_live = self.inner.refresh_token.borrow_mut().take().is_some();
        self.inner.tokens.clear();
        self.persist();
        if was_live {
            let callback = self.inner.on_ended.borrow().clone();
            if let Some(callback) = callback {
                callback();
            }
        }
    }

    /// Forgets everything in this tab and signs out at the identity platform.
    pub fn sign_out(&self) {
        if let Some(store) = storage() {
            let _ = store.remove_item(SESSION_KEY);
            let _ = store.remove_item(PENDING_KEY);
        }
        self.inner.tokens.clear();
        *self.inner.refresh_token.borrow_mut() = None;
        *self.inner.account.borrow_mut() = None;
        let url = oauth::logout_url(&self.inner.config, &self.inner.redirect_uri);
        if let Some(window) = web_sys::window() {
            let _ = window.location().assign(&url);
        }
    }

    /// A token for `resource` from the refresh token (which may be rotated on the way).
    async fn refresh_now(self, resource: Resource) -> Result<Token, AuthError> {
        let refresh_token = self
            .inner
            .refresh_token
            .borrow()
            .clone()
            .ok_or_else(|| AuthError::interactive("You are signed out. Sign in again."))?;
        let form = oauth::refresh_form(&self.inner.config, &refresh_token, &resource);
        let endpoint = self.inner.config.token_endpoint();
        let response = match post_token_form(&endpoint, form, &resource).await {
            Ok(response) => response,
            Err(error) => {
                if error.needs_interactive {
                    self.end();
                }
                return Err(error);
            }
        };
        if let (Some(new_refresh), Some(account)) = (response.refresh_token.clone(), self.account())
        {
            self.store_session(Some(new_refresh), account)?;
        }
        Ok(cached(&response))
    }
}

fn cached(response: &TokenResponse) -> Token {
    (
        response.access_token.clone(),
        now_ms() + (response.expires_in.max(60) as f64) * 1000.0,
    )
}

async fn post_token_form(
    endpoint: &str,
    form: String,
    resource: &Resource,
) -> Result<TokenResponse, AuthError> {
    let request = gloo_net::http::Request::post(endpoint)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form)
        .map_err(|_| AuthError::new("Could not build the token request."))?;
    let response = request.send().await.map_err(|_| {
        AuthError::new(
            "The sign-in service could not be reached. Check your connection and try again.",
        )
    })?;
    let text = response
        .text()
        .await
        .map_err(|_| AuthError::new("The sign-in service's answer was cut off. Try again."))?;
    if response.ok() {
        return serde_json::from_str(&text).map_err(|_| {
            AuthError::new("The sign-in service sent a token response that could not be read.")
        });
    }
    match serde_json::from_str::<TokenError>(&text) {
        Ok(e) if e.is_consent_missing() && resource.is_optional() => Err(AuthError::consent(
            format!(
                "Your organisation has not consented to these permissions for PIM Approvals ({}).",
                e.summary()
            ),
            resource,
        )),
        Ok(e) if e.needs_interactive() => Err(AuthError::interactive(format!(
            "Your sign-in has ended ({}). Sign in again.",
            e.summary()
        ))),
        Ok(e) => Err(AuthError::new(format!(
            "The sign-in service refused: {}",
            e.summary()
        ))),
        Err(_) => Err(AuthError::new(format!(
            "The sign-in service answered HTTP {}.",
            response.status()
        ))),
    }
}

#[async_trait(?Send)]
impl TokenSource for OAuthSession {
    async fn access_token(&self, resource: &Resource, fresh: bool) -> Result<String, AuthError> {
        let session = self.clone();
        let target = resource.clone();
        self.inner
            .tokens
            .get(resource, fresh, move || session.refresh_now(target))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::SESSION_KEY;

    /// The bootstrap script decides between the sign-in entry and the full app by this key, before
    /// any wasm runs: it must name the same one.
    #[test]
    fn the_bootstrap_script_checks_the_session_key() {
        let script = include_str!("../bootstrap.js");
        let check = format!("sessionStorage.getItem(\"{SESSION_KEY}\")");
        assert!(
            script.contains(&check),
            "src/bootstrap.js must read {check}"
        );
    }
}
