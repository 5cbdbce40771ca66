//! Start-up and the shell: read `config.json`, finish a sign-in redirect, then mount the routes
//! (Approve requests, request detail, My Requests, Requests I Approved, not found) under a header.

use crate::auth::embed::{self, HostChannel};
use crate::auth::oauth::RedirectParams;
use crate::auth::session::OAuthSession;
use crate::auth::{Account, AuthError, TokenSource};
use crate::components::header::Header;
use crate::components::host_bridge::HostBridge;
use crate::config::{self, AppConfig, ConfigError, Density, Theme};
use crate::pages::sign_in::SignInPage;
use crate::pages::{
    approve::ApprovePage, approved_by_me::ApprovedByMePage, config_error::ConfigErrorPage,
};
use crate::pages::{
    my_requests::MyRequestsPage, not_found::NotFoundPage, request_detail::RequestDetailPage,
};
use crate::sources::{self, Me};
use crate::state::{load_queue, AppContext, Services};
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use std::rc::Rc;

/// Where the app is served: `/` or a sub-path such as `/admin/pim/` (from `<base href>`).
pub fn base_path() -> String {
    let base = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.base_uri().ok().flatten())
        .and_then(|uri| web_sys::Url::new(&uri).ok())
        .map(|url| url.pathname())
        .unwrap_or_else(|| "/".into());
    if base.ends_with('/') {
        base
    } else {
        format!("{base}/")
    }
}

/// The router's `base`: the sub-path without its trailing slash (empty at the root).
fn router_base() -> String {
    base_path().trim_end_matches('/').to_string()
}

/// A link target for an app route: the route under the sub-path the app is served from, so links
/// work when opened in a new tab and the router recognises them as its own.
pub fn href(route: &str) -> String {
    format!("{}{}", router_base(), route)
}

/// The current route relative to the base, with its query, e.g. `/requests/groups/123`.
pub fn current_route() -> String {
    let location = web_sys::window().map(|w| w.location());
    let path = location
        .as_ref()
        .and_then(|l| l.pathname().ok())
        .unwrap_or_default();
    let base = router_base();
    let relative = path.strip_prefix(&base).unwrap_or(&path);
    if relative.is_empty() {
        "/".into()
    } else {
        relative.to_string()
    }
}

fn redirect_uri(config: &AppConfig) -> String {
    config.redirect_uri.clone().unwrap_or_else(|| {
        let origin = web_sys::window()
            .and_then(|w| w.location().origin().ok())
            .unwrap_or_default();
        format!("{origin}{}", base_path())
    })
}

/// Replaces the address bar without a reload (removes `?code=…&state=…`).
fn replace_url(route: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let target = format!(
        "{}{}",
        router_base(),
        if route.starts_with('/') {
            route.to_string()
        } else {
            format!("/{route}")
        }
    );
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&target));
    }
}

/// What start-up ended with.
#[derive(Clone)]
enum Boot {
    BadConfig(ConfigError),
    SignedOut {
        session: OAuthSession,
        error: Option<AuthError>,
    },
    /// Embedded with host-supplied tokens, but the host did not hand them over.
    HostFailed(String),
    Ready(Rc<Services>),
}

/// Sets `data-theme` / `data-density` on `<html>` (`None` leaves the current value).
pub fn apply_theme(theme: Option<Theme>, density: Option<Density>) {
    let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    else {
        return;
    };
    match theme {
        Some(Theme::Auto) => {
            let _ = root.remove_attribute("data-theme");
        }
        Some(theme) => {
            let _ = root.set_attribute("data-theme", theme.as_str());
        }
        None => {}
    }
    if let Some(density) = density {
        let _ = root.set_attribute("data-density", density.as_str());
    }
}

/// Embedded with host tokens: the account comes from Graph `/me` with the host's Graph token.
async fn boot_with_host(config: Rc<AppConfig>, host: HostChannel) -> Boot {
    let tokens: Rc<dyn TokenSource> = Rc::new(host.clone());
    let graph = crate::sources::http::Http::new(
        crate::domain::SourceKind::EntraRoles,
        config.graph_base_url.clone(),
        crate::sources::http::Credentials::Bearer {
            tokens: tokens.clone(),
            resource: crate::auth::Resource::Graph,
        },
    );
    match crate::sources::graph::me(&graph).await {
        Ok(account) => {
            let me = Me {
                object_id: account.object_id.clone(),
            };
            Boot::Ready(Rc::new(Services {
                sources: sources::build(&config, tokens, me),
                config,
                account,
                session: None,
                host: Some(host),
            }))
        }
        Err(error) => Boot::HostFailed(error.detail.clone().unwrap_or_else(|| error.to_string())),
    }
}

async fn load_config() -> Result<AppConfig, ConfigError> {
    let unreadable = |problem: String| ConfigError {
        field: None,
        problem,
    };
    let response = gloo_net::http::Request::get(config::CONFIG_FILE)
        .send()
        .await
        .map_err(|_| {
            unreadable(
                "could not be downloaded; check that it is deployed next to index.html.".into(),
            )
        })?;
    if !response.ok() {
        return Err(unreadable(format!(
            "could not be downloaded (HTTP {}); deploy it next to index.html.",
            response.status()
        )));
    }
    let text = response
        .text()
        .await
        .map_err(|_| unreadable("was cut off while downloading.".into()))?;
    config::parse(&text)
}

async fn boot() -> Boot {
    let config = match load_config().await {
        Ok(c) => Rc::new(c),
        Err(e) => return Boot::BadConfig(e),
    };
    apply_theme(config.embedding.theme, config.embedding.density);
    let host = (embed::is_embedded() && !config.embedding.allowed_parent_origins.is_empty())
        .then(|| HostChannel::connect(config.embedding.clone()));
    if let (Some(host), true) = (host.clone(), config.embedding.tokens_from_host) {
        return boot_with_host(config, host).await;
    }
    let session = OAuthSession::new(config.clone(), redirect_uri(&config));
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    let params = RedirectParams::parse(&search);
    if params.is_sign_in_response() {
        match session.complete_sign_in(&params).await {
            Ok(return_to) => replace_url(&return_to),
            Err(error) => {
                replace_url("/");
                return Boot::SignedOut {
                    session,
                    error: Some(error),
                };
            }
        }
    }
    match session.account() {
        Some(account) => Boot::Ready(Rc::new(services(config, account, session, host))),
        None => Boot::SignedOut {
            session,
            error: None,
        },
    }
}

fn services(
    config: Rc<AppConfig>,
    account: Account,
    session: OAuthSession,
    host: Option<HostChannel>,
) -> Services {
    let tokens: Rc<dyn TokenSource> = Rc::new(session.clone());
    let me = Me {
        object_id: account.object_id.clone(),
    };
    Services {
        sources: sources::build(&config, tokens, me),
        config,
        account,
        session: Some(session),
        host,
    }
}

#[component]
pub fn App() -> impl IntoView {
    let boot = LocalResource::new(boot);
    view! {
        <Suspense fallback=|| view! { <p class="boot" role="status">"Loading PIM Approvals…"</p> }>
            {move || {
                boot.get()
                    .map(|outcome| match outcome {
                        Boot::BadConfig(error) => view! { <ConfigErrorPage error /> }.into_any(),
                        Boot::SignedOut { session, error } => {
                            view! { <SignInPage session error return_to=current_route() /> }.into_any()
                        }
                        Boot::HostFailed(message) => {
                            view! {
                                <main id="main" class="page standalone" data-testid="host-failed">
                                    <h1>"PIM Approvals could not start"</h1>
                                    <p role="alert">{message}</p>
                                </main>
                            }
                                .into_any()
                        }
                        Boot::Ready(services) => view! { <Shell services /> }.into_any(),
                    })
            }}
        </Suspense>
    }
}

#[component]
fn Shell(services: Rc<Services>) -> impl IntoView {
    let app = AppContext::new((*services).clone());
    provide_context(app);
    load_queue(app, None);
    let announcement = app.announcer.message;
    view! {
        <Router base=router_base()>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <Header />
            <main id="main" tabindex="-1">
                <Routes fallback=|| view! { <NotFoundPage /> }>
                    <Route path=path!("/") view=ApprovePage />
                    <Route path=path!("/requests/:source/:id") view=RequestDetailPage />
                    <Route path=path!("/my-requests") view=MyRequestsPage />
                    <Route path=path!("/approved-by-me") view=ApprovedByMePage />
                </Routes>
            </main>
            <HostBridge />
            <div class="visually-hidden" role="status" aria-live="polite" data-testid="announcer">
                {move || announcement.get()}
            </div>
        </Router>
    }
}
