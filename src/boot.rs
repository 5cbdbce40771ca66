//! Start-up, before anything is shown: read `config.json`, apply the configured theme, connect to a host
//! portal when embedded, finish a sign-in redirect (and take `code`/`state` out of the address bar),
//! and build the services of the signed-in user.

use crate::auth::embed::{self, HostChannel};
use crate::auth::oauth::RedirectParams;
use crate::auth::session::{OAuthSession, SignInResult};
use crate::auth::{Account, AuthError, Resource, TokenSource};
use crate::config::{self, AppConfig, ConfigError};
use crate::routes;
use crate::sources::{self, http, Me};
use crate::state::Services;
use crate::theme;
use std::rc::Rc;

/// What start-up ended with.
#[derive(Clone)]
pub enum Boot {
    BadConfig(ConfigError),
    SignedOut {
        session: OAuthSession,
        error: Option<AuthError>,
    },
    /// On the way to the sign-in page (a silent sign-in needs the user after all).
    Redirecting,
    /// Embedded with host-supplied tokens, but the host did not hand them over.
    HostFailed(String),
    Ready(Rc<Services>),
}

pub async fn boot() -> Boot {
    let config = match load_config().await {
        Ok(c) => Rc::new(c),
        Err(e) => return Boot::BadConfig(e),
    };
    theme::apply(config.embedding.theme, config.embedding.density);
    let host = (embed::is_embedded() && !config.embedding.allowed_parent_origins.is_empty())
        .then(|| HostChannel::connect(config.embedding.clone()));
    if let (Some(host), true) = (host.clone(), config.embedding.tokens_from_host) {
        return boot_with_host(config, host).await;
    }
    let session = OAuthSession::new(config.clone(), redirect_uri(&config));
    if let Some(early) = finish_sign_in_redirect(&session).await {
        return early;
    }
    match session.account() {
        Some(account) => Boot::Ready(Rc::new(services(
            config,
            account,
            Rc::new(session.clone()),
            Some(session),
            host,
        ))),
        None => Boot::SignedOut {
            session,
            error: None,
        },
    }
}

/// Completes a redirect back from the sign-in page, if this load is one. `None` = carry on.
async fn finish_sign_in_redirect(session: &OAuthSession) -> Option<Boot> {
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    let params = RedirectParams::parse(&search);
    if !params.is_sign_in_response() {
        return None;
    }
    match session.complete_sign_in(&params).await {
        Ok(SignInResult::Done { return_to }) => {
            routes::replace_url(&return_to);
            None
        }
        Ok(SignInResult::NeedsInteraction {
            return_to,
            login_hint,
        }) => {
            routes::replace_url(&return_to);
            let started = session
                .begin_sign_in(
                    routes::in_app_route_or_home(&return_to),
                    login_hint.as_deref(),
                    false,
                )
                .await;
            Some(match started {
                Ok(()) => Boot::Redirecting,
                Err(error) => Boot::SignedOut {
                    session: session.clone(),
                    error: Some(error),
                },
            })
        }
        Err(error) => {
            routes::replace_url("/");
            Some(Boot::SignedOut {
                session: session.clone(),
                error: Some(error),
            })
        }
    }
}

/// Embedded with host tokens: the account comes from Graph `/me` with the host's Graph token.
async fn boot_with_host(config: Rc<AppConfig>, host: HostChannel) -> Boot {
    let tokens: Rc<dyn TokenSource> = Rc::new(host.clone());
    let graph = http::Http::new(
        crate::domain::SourceKind::EntraRoles,
        config.graph_base_url.clone(),
        http::Credentials::Bearer {
            tokens: tokens.clone(),
            resource: Resource::Graph,
        },
        config.request_timeout_ms,
    );
    match sources::graph::me(&graph).await {
        Ok(account) => Boot::Ready(Rc::new(services(config, account, tokens, None, Some(host)))),
        Err(error) => Boot::HostFailed(error.detail.clone().unwrap_or_else(|| error.to_string())),
    }
}

fn services(
    config: Rc<AppConfig>,
    account: Account,
    tokens: Rc<dyn TokenSource>,
    session: Option<OAuthSession>,
    host: Option<HostChannel>,
) -> Services {
    let me = Me {
        object_id: account.object_id.clone(),
    };
    Services {
        sources: sources::build(&config, tokens, me),
        config,
        account,
        session,
        host,
    }
}

pub(crate) fn redirect_uri(config: &AppConfig) -> String {
    config.redirect_uri.clone().unwrap_or_else(|| {
        let origin = web_sys::window()
            .and_then(|w| w.location().origin().ok())
            .unwrap_or_default();
        format!("{origin}{}", routes::base_path())
    })
}

pub(crate) async fn load_config() -> Result<AppConfig, ConfigError> {
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
