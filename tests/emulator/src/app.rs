//! The state of one running emulator, shared by every route: settings, clock, token signer, the request
//! store, identity state (codes, refresh tokens, sessions), faults, the request log and the app config
//! overrides.

use crate::clock::Clock;
use crate::faults::FaultSet;
use crate::identity::IdentityState;
use crate::jwt::TokenSigner;
use crate::request_log::RequestLog;
use crate::scenario::Scenario;
use crate::store::Store;
use serde_json::{Map, Value};
use std::sync::{Arc, Mutex, MutexGuard};

/// Handle on the shared state, cloned into every handler.
pub type App = Arc<Shared>;

/// Settings fixed at start-up (from the command line or [`crate::EmulatorConfig`]).
#[derive(Clone, Debug)]
pub struct Settings {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub base_url: String,
    pub page_size: usize,
    pub latency_ms: u64,
    /// `--route-latency PREFIX=MS`: a path prefix's own fixed delay instead of `latency_ms`.
    pub route_latency: Vec<(String, u64)>,
    pub token_lifetime_secs: i64,
    /// Origins CORS allows; their URLs also count as registered SPA redirect URIs.
    pub allowed_origins: Vec<String>,
    pub test_controls: bool,
    /// `--app-config-overlay` contents, merged over the generated app config.
    pub app_config_overlay: Map<String, Value>,
}

pub struct Shared {
    pub settings: Settings,
    pub clock: Clock,
    pub signer: TokenSigner,
    pub identity: Mutex<IdentityState>,
    pub faults: Mutex<FaultSet>,
    pub log: Mutex<RequestLog>,
    /// Set with `POST /_emulator/app-config`.
    pub app_config_override: Mutex<Map<String, Value>>,
    store: Mutex<Store>,
    /// The scenario as loaded at start (plus generated requests), for `POST /_emulator/reset`.
    baseline: Scenario,
}

impl Settings {
    /// The fixed delay of a response on `path`: the longest matching `--route-latency` prefix, else
    /// `--latency-ms`.
    pub fn latency_for(&self, path: &str) -> u64 {
        self.route_latency
            .iter()
            .filter(|(prefix, _)| path.starts_with(prefix.as_str()))
            .max_by_key(|(prefix, _)| prefix.len())
            .map_or(self.latency_ms, |(_, ms)| *ms)
    }
}

impl Shared {
    pub fn new(settings: Settings, baseline: Scenario) -> Shared {
        let clock = Clock::default();
        let store = Store::from_scenario(baseline.clone(), clock.now());
        Shared {
            settings,
            clock,
            signer: TokenSigner::random(),
            identity: Mutex::new(IdentityState::default()),
            faults: Mutex::new(FaultSet::default()),
            log: Mutex::new(RequestLog::default()),
            app_config_override: Mutex::new(Map::new()),
            store: Mutex::new(store),
            baseline,
        }
    }

    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().expect("store lock")
    }

    /// Back to the scenario as loaded (times re-based to now); clock, faults and log cleared.
    pub fn reset(&self) {
        self.clock.reset();
        self.replace_scenario(self.baseline.clone());
        self.faults.lock().expect("faults lock").clear();
        self.log.lock().expect("log lock").clear();
    }

    /// Load another scenario, times relative to the emulator clock's now.
    pub fn replace_scenario(&self, scenario: Scenario) {
        *self.store() = Store::from_scenario(scenario, self.clock.now());
    }

    pub fn is_allowed_origin(&self, origin: &str) -> bool {
        let origin = origin.trim_end_matches('/');
        self.settings.allowed_origins.iter().any(|o| o == origin)
    }

    /// A URL under one of the allowed origins (used for redirect and logout URIs).
    pub fn is_under_allowed_origin(&self, url: &str) -> bool {
        self.settings.allowed_origins.iter().any(|origin| {
            url == origin
                || url.starts_with(&format!("{origin}/"))
                || url.starts_with(&format!("{origin}?"))
        })
    }

    /// The scenario's `redirectUris` or any URL under an allowed origin.
    pub fn is_registered_redirect(&self, uri: &str) -> bool {
        let registered = self
            .store()
            .scenario()
            .redirect_uris
            .iter()
            .any(|r| r == uri);
        registered || self.is_under_allowed_origin(uri)
    }
}
