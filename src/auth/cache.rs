//! Access tokens per resource, shared by the app's own sign-in and the host hand-off: a cached token
//! is reused until shortly before it expires, and only one fetch per resource is in flight at a time
//! (the five sources start together and must not ask five times). A token the tenant has not consented
//! to is refused once and remembered while the page is open: it is never asked for again in a loop.

use super::{AuthError, Resource};
use futures::future::{FutureExt, LocalBoxFuture, Shared};
use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::rc::Rc;

/// A token and the time it expires, in milliseconds since the epoch.
pub type Token = (String, f64);

type Fetch = Shared<LocalBoxFuture<'static, Result<Token, AuthError>>>;

#[derive(Default)]
pub struct TokenCache {
    /// Renew a token this long before it expires.
    margin_ms: f64,
    tokens: RefCell<HashMap<Resource, Token>>,
    in_flight: RefCell<HashMap<Resource, Fetch>>,
    /// Refused for missing consent; answered from here until the cache is cleared.
    refused: RefCell<HashMap<Resource, AuthError>>,
}

impl TokenCache {
    pub fn new(margin_ms: f64) -> Rc<Self> {
        Rc::new(TokenCache {
            margin_ms,
            ..TokenCache::default()
        })
    }

    pub fn insert(&self, resource: Resource, token: Token) {
        self.tokens.borrow_mut().insert(resource, token);
    }

    pub fn clear(&self) {
        self.tokens.borrow_mut().clear();
        self.in_flight.borrow_mut().clear();
        self.refused.borrow_mut().clear();
    }

    fn valid(&self, resource: &Resource, now_ms: f64) -> Option<String> {
        let tokens = self.tokens.borrow();
        let (token, expires_ms) = tokens.get(resource)?;
        (expires_ms - self.margin_ms > now_ms).then(|| token.clone())
    }

    /// The cached token, or the result of `fetch` (joined with a fetch already running); a consent
    /// refusal again, without asking, even when `fresh`.
    pub async fn get<F, Fut>(
        self: &Rc<Self>,
        resource: &Resource,
        fresh: bool,
        fetch: F,
    ) -> Result<String, AuthError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Token, AuthError>> + 'static,
    {
        if let Some(refusal) = self.refused.borrow().get(resource) {
            return Err(refusal.clone());
        }
        if !fresh {
            if let Some(token) = self.valid(resource, js_sys::Date::now()) {
                return Ok(token);
            }
        }
        let running = self.in_flight.borrow().get(resource).cloned();
        let shared = match running {
            Some(shared) => shared,
            None => {
                let cache = self.clone();
                let key = resource.clone();
                let future = fetch();
                let shared = async move {
                    let result = future.await;
                    cache.in_flight.borrow_mut().remove(&key);
                    match &result {
                        Ok(token) => cache.insert(key, token.clone()),
                        Err(e) if e.consent_missing => {
                            cache.refused.borrow_mut().insert(key, e.clone());
                        }
                        Err(_) => {}
                    }
                    result
                }
                .boxed_local()
                .shared();
                self.in_flight
                    .borrow_mut()
                    .insert(resource.clone(), shared.clone());
                shared
            }
        };
        shared.await.map(|(token, _)| token)
    }
}
