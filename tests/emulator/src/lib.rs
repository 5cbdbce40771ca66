//! Tenant emulator for PIM Approvals: one in-memory tenant served as the Microsoft identity platform,
//! Microsoft Graph, Azure Resource Manager, the MIM PAM REST API and the internal portal API, on
//! 127.0.0.1 only. `tests/emulator/SPEC.md` is the contract; `README.md` explains how to use it.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use tenant_emulator::{Emulator, EmulatorConfig, Scenario};
//! let mut config = EmulatorConfig::new(Scenario::demo());
//! config.test_controls = true;
//! let emulator = Emulator::start(config).await?;
//! println!("{}", emulator.base_url);
//! emulator.shutdown();
//! # Ok(()) }
//! ```

// Handlers return an early `Response` as the `Err` of small helpers (`Result<T, Response>`); boxing it
// would only add noise on a test server.
#![allow(clippy::result_large_err)]

mod access;
mod app;
mod arm;
mod clock;
mod consent;
mod context_routes;
mod context_state;
mod controls;
mod cors;
mod errors;
mod faults;
mod generate;
mod graph;
mod graph_batch;
mod graph_views;
mod history;
mod http_util;
mod identity;
mod ids;
mod item_faults;
mod jwt;
mod mim_pam;
mod odata_filter;
mod paging;
mod policies;
mod portal;
mod request_log;
mod router;
mod scenario;
mod scenario_context;
mod schedules;
mod server;
mod state_view;
mod static_app;
mod store;
mod tokens;
mod users;

pub use consent::CONTEXT_PERMISSIONS;
pub use identity::pkce_challenge;
pub use scenario::{Action, Scenario, ScenarioRequest, ScenarioState, Source};
pub use state_view::{DecisionView, IdsView, RequestView, StateView};
pub use store::{Outcome, Status};

use app::{Settings, Shared};
use serde_json::{Map, Value};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// Serve the built app (`--serve-app DIR --app-port P --app-base B`).
#[derive(Clone, Debug)]
pub struct ServeApp {
    pub dir: PathBuf,
    /// 0 picks a free port.
    pub port: u16,
    pub base: String,
}

/// Everything the command line can set.
#[derive(Clone, Debug)]
pub struct EmulatorConfig {
    pub scenario: Scenario,
    /// 0 picks a free port.
    pub port: u16,
    pub app_origins: Vec<String>,
    pub test_controls: bool,
    pub latency_ms: u64,
    /// Per-route fixed delays (path prefix, ms): the longest matching prefix replaces `latency_ms`.
    pub route_latency: Vec<(String, u64)>,
    pub page_size: usize,
    pub generate: usize,
    pub serve_app: Option<ServeApp>,
    pub app_config_overlay: Map<String, Value>,
    pub token_lifetime_secs: i64,
}

impl EmulatorConfig {
    /// Defaults of the command line, but port 0 (for in-process tests).
    pub fn new(scenario: Scenario) -> EmulatorConfig {
        EmulatorConfig {
            scenario,
            port: 0,
            app_origins: Vec::new(),
            test_controls: false,
            latency_ms: 0,
            route_latency: Vec::new(),
            page_size: 100,
            generate: 0,
            serve_app: None,
            app_config_overlay: Map::new(),
            token_lifetime_secs: 3599,
        }
    }
}

/// A running emulator.
pub struct EmulatorHandle {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// `http://127.0.0.1:APP_PORT{base}` when serving the app.
    pub app_url: Option<String>,
    tasks: Vec<JoinHandle<()>>,
}

impl EmulatorHandle {
    /// Stop listening and close every connection.
    pub fn shutdown(self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

pub struct Emulator;

impl Emulator {
    /// Bind the listener(s) on 127.0.0.1 and start serving.
    pub async fn start(config: EmulatorConfig) -> std::io::Result<EmulatorHandle> {
        let api_listener = TcpListener::bind(("127.0.0.1", config.port)).await?;
        let base_url = format!("http://127.0.0.1:{}", api_listener.local_addr()?.port());
        let app_listener = match &config.serve_app {
            Some(serve) => Some(TcpListener::bind(("127.0.0.1", serve.port)).await?),
            None => None,
        };
        let mut allowed_origins: Vec<String> = config
            .app_origins
            .iter()
            .map(|o| o.trim_end_matches('/').to_string())
            .collect();
        let mut app_url = None;
        if let Some(listener) = &app_listener {
            let origin = format!("http://127.0.0.1:{}", listener.local_addr()?.port());
            let base =
                static_app::normalize_base(&config.serve_app.as_ref().expect("serve_app").base);
            app_url = Some(format!("{origin}{base}"));
            allowed_origins.push(origin);
        }
        let mut scenario = config.scenario.clone();
        generate::add_synthetic_requests(&mut scenario, config.generate);
        let settings = Settings {
            base_url: base_url.clone(),
            page_size: config.page_size.max(1),
            latency_ms: config.latency_ms,
            route_latency: config.route_latency.clone(),
            token_lifetime_secs: config.token_lifetime_secs,
            allowed_origins,
            test_controls: config.test_controls,
            app_config_overlay: config.app_config_overlay.clone(),
        };
        let app = Arc::new(Shared::new(settings, scenario));
        let mut tasks = vec![server::spawn_server(
            api_listener,
            router::api_router(app.clone()),
        )];
        if let (Some(listener), Some(serve)) = (app_listener, &config.serve_app) {
            let base = static_app::normalize_base(&serve.base);
            let site = static_app::router(app.clone(), serve.dir.clone(), base);
            tasks.push(server::spawn_server(listener, site));
        }
        Ok(EmulatorHandle {
            base_url,
            app_url,
            tasks,
        })
    }
}
