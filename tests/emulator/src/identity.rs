//! Identity platform v2.0 stand-in (`/login/{tenant}/oauth2/v2.0/...`): the authorize endpoint with its
//! sign-in page (auth code + PKCE S256), the token endpoint (authorization_code and refresh_token grants,
//! one resource per token, SPA refresh tokens with a fixed 24 h lifetime), logout, and the browser
//! sessions that stand in for MIM PAM's Windows auth and the portal's own cookie.

use crate::app::{App, Shared};
use crate::clock::add_clamped;
use crate::errors::{identity_error, identity_error_body};
use crate::http_util::{cookie_value, escape_html, with_query};
use crate::ids::random_token;
use crate::scenario::User;
use crate::store::Caller;
use crate::tokens::{mint_access_token, mint_id_token, Resource};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

pub const PAM_SESSION_COOKIE: &str = "pam_session";
pub const PORTAL_SESSION_COOKIE: &str = "portal_session";
/// The identity platform's own sign-in session (for `prompt=none` and silent re-authorization).
pub const LOGIN_SESSION_COOKIE: &str = "emulator_login";

const OIDC_SCOPES: [&str; 4] = ["openid", "profile", "email", "offline_access"];
const CODE_LIFETIME_MINUTES: i64 = 10;
const SPA_REFRESH_TOKEN_HOURS: i64 = 24;

/// What one interactive sign-in granted; carried by its code and every refresh token minted from it.
#[derive(Clone, Debug)]
struct Grant {
    user_id: String,
    client_id: String,
    /// Normalized scopes consented at authorize (`https://graph.microsoft.com/X`, `openid`, …).
    consented: Vec<String>,
    nonce: Option<String>,
    /// The interactive sign-in; SPA refresh tokens end 24 h later, however often they are redeemed.
    signed_in: DateTime<Utc>,
}

impl Grant {
    fn refresh_expires(&self) -> DateTime<Utc> {
        add_clamped(self.signed_in, Duration::hours(SPA_REFRESH_TOKEN_HOURS))
    }
}

struct AuthCode {
    grant: Grant,
    redirect_uri: String,
    code_challenge: String,
    issued: DateTime<Utc>,
    used: bool,
}

/// Codes, refresh tokens and browser sessions.
#[derive(Default)]
pub struct IdentityState {
    codes: HashMap<String, AuthCode>,
    refresh_tokens: HashMap<String, Grant>,
    sessions: HashMap<String, String>,
}

impl IdentityState {
    /// A new browser session for `user_id`; the value works as any of the three session cookies.
    pub fn new_session(&mut self, user_id: &str) -> String {
        let value = random_token();
        self.sessions.insert(value.clone(), user_id.to_string());
        value
    }

    fn session_user(&self, value: &str) -> Option<String> {
        self.sessions.get(value).cloned()
    }
}

/// The caller behind a session cookie (`pam_session`, `portal_session`).
pub fn session_caller(app: &Shared, headers: &HeaderMap, cookie_name: &str) -> Option<Caller> {
    let value = cookie_value(headers, cookie_name)?;
    let user_id = app
        .identity
        .lock()
        .expect("identity lock")
        .session_user(&value)?;
    let user = app.store().scenario().user(&user_id).cloned()?;
    Some(Caller {
        user,
        is_app_token: false,
    })
}

pub fn routes() -> Router<App> {
    Router::new()
        .route(
            "/login/{tenant}/oauth2/v2.0/authorize",
            get(authorize).post(authorize_chosen_user),
        )
        .route("/login/{tenant}/oauth2/v2.0/token", post(token))
        .route("/login/{tenant}/oauth2/v2.0/logout", get(logout))
}

// ---------------------------------------------------------------------------------------------------
// authorize

/// A validated authorize request.
struct AuthorizeRequest {
    client_id: String,
    redirect_uri: String,
    use_fragment: bool,
    consented: Vec<String>,
    state: Option<String>,
    nonce: Option<String>,
    code_challenge: String,
    login_hint: Option<String>,
    prompt: Option<String>,
}

impl AuthorizeRequest {
    /// Checks in the identity platform's order: tenant, client, redirect URI (HTML errors, no redirect),
    /// then response type and PKCE (errors redirected to the app).
    fn validate(
        app: &Shared,
        tenant: &str,
        params: &HashMap<String, String>,
    ) -> Result<Self, Response> {
        let param = |name: &str| params.get(name).cloned().filter(|v| !v.is_empty());
        if !is_known_tenant(app, tenant) {
            return Err(html_error(90002, &format!("Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.")));
        }
        let client_id = param("client_id").unwrap_or_default();
        if client_id != app.store().scenario().client_id {
            return Err(html_error(700016, &format!("Application with identifier '{client_id}' was not found in the directory '{tenant}'.")));
        }
        let redirect_uri = param("redirect_uri").unwrap_or_default();
        if !app.is_registered_redirect(&redirect_uri) {
            return Err(html_error(50011, &format!("The redirect URI '{redirect_uri}' specified in the request does not match the redirect URIs configured for the application '{client_id}'.")));
        }
        let request = AuthorizeRequest {
            client_id,
            redirect_uri,
            use_fragment: param("response_mode").as_deref() == Some("fragment"),
            consented: param("scope")
                .unwrap_or_default()
                .split_whitespace()
                .map(normalize_scope)
                .collect(),
            state: param("state"),
            nonce: param("nonce"),
            code_challenge: param("code_challenge").unwrap_or_default(),
            login_hint: param("login_hint"),
            prompt: param("prompt"),
        };
        if param("response_type").as_deref() != Some("code") {
            return Err(request.error_redirect(
                "unsupported_response_type",
                700054,
                "The response_type must be 'code'.",
            ));
        }
        let is_s256 = param("code_challenge_method").as_deref() == Some("S256");
        if request.code_challenge.is_empty() || !is_s256 {
            return Err(request.error_redirect("invalid_request", 9002325, "Proof Key for Code Exchange is required for cross-origin authorization code redemption."));
        }
        Ok(request)
    }

    /// `redirect_uri` with the given parameters in the query (or fragment) and `state` echoed.
    fn redirect_with<'a>(&'a self, mut pairs: Vec<(&'a str, &'a str)>) -> String {
        if let Some(state) = &self.state {
            pairs.push(("state", state));
        }
        if self.use_fragment {
            let query = with_query("", &pairs);
            format!("{}#{}", self.redirect_uri, &query[1..])
        } else {
            with_query(&self.redirect_uri, &pairs)
        }
    }

    fn error_redirect(&self, error: &str, aadsts: u32, description: &str) -> Response {
        let description = format!("AADSTS{aadsts}: {description}");
        redirect(&self.redirect_with(vec![("error", error), ("error_description", &description)]))
    }
}

fn is_known_tenant(app: &Shared, tenant: &str) -> bool {
    let store = app.store();
    let known = &store.scenario().tenant;
    [
        "organizations",
        "common",
        known.id.as_str(),
        known.domain.as_str(),
    ]
    .iter()
    .any(|name| name.eq_ignore_ascii_case(tenant))
}

/// Bare scopes (`User.Read`) are Graph scopes; OIDC scopes stay as they are.
fn normalize_scope(scope: &str) -> String {
    if OIDC_SCOPES.contains(&scope.to_ascii_lowercase().as_str()) {
        scope.to_ascii_lowercase()
    } else if scope.contains("://") {
        scope.to_string()
    } else {
        format!("{}{scope}", Resource::Graph.scope_prefix())
    }
}

enum UserChoice {
    /// Single sign-on with the browser's sign-in session.
    SignIn(User),
    /// The sign-in page, limited to the hinted user when `login_hint` names one.
    ShowPicker(Option<User>),
    /// `prompt=none` that cannot complete without the user (AADSTS50058 with this description).
    LoginRequired(&'static str),
}

/// As the identity platform: a sign-in session for the user `login_hint` names (or any session without
/// a hint) signs in silently; otherwise the sign-in page, limited to the hinted user. `prompt=none`
/// never shows a page: it fails with `login_required` instead. `prompt=login` and
/// `prompt=select_account` always show the page (the latter with every account).
fn choose_user(app: &Shared, request: &AuthorizeRequest, headers: &HeaderMap) -> UserChoice {
    let store = app.store();
    let hinted = request
        .login_hint
        .as_deref()
        .and_then(|hint| store.scenario().user_by_id_or_upn(hint))
        .filter(|user| !user.is_service_principal())
        .cloned();
    let session_user = cookie_value(headers, LOGIN_SESSION_COOKIE)
        .and_then(|value| {
            app.identity
                .lock()
                .expect("identity lock")
                .session_user(&value)
        })
        .and_then(|id| store.scenario().user(&id).cloned());
    let hint_fits = |user: &User| {
        request.login_hint.is_none() || hinted.as_ref().is_some_and(|h| h.id == user.id)
    };
    match (request.prompt.as_deref().unwrap_or_default(), session_user) {
        ("select_account", _) => UserChoice::ShowPicker(None),
        ("login", _) => UserChoice::ShowPicker(hinted),
        ("none", None) => UserChoice::LoginRequired(
            "A silent sign-in request was sent but no user is signed in.",
        ),
        ("none", Some(user)) if !hint_fits(&user) => UserChoice::LoginRequired(
            "A silent sign-in request was sent but none of the currently signed in user(s) match the requested login hint.",
        ),
        (_, Some(user)) if hint_fits(&user) => UserChoice::SignIn(user),
        _ => UserChoice::ShowPicker(hinted),
    }
}

async fn authorize(
    State(app): State<App>,
    Path(tenant): Path<String>,
    uri: Uri,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let request = match AuthorizeRequest::validate(&app, &tenant, &params) {
        Ok(request) => request,
        Err(response) => return response,
    };
    match choose_user(&app, &request, &headers) {
        UserChoice::SignIn(user) => sign_in(&app, &request, &user),
        UserChoice::ShowPicker(hinted) => sign_in_page(&app, &uri, hinted.as_ref()),
        UserChoice::LoginRequired(description) => {
            request.error_redirect("login_required", 50058, description)
        }
    }
}

/// The sign-in page's form posts back here with `user=<oid>`.
async fn authorize_chosen_user(
    State(app): State<App>,
    Path(tenant): Path<String>,
    uri: Uri,
    Query(params): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let request = match AuthorizeRequest::validate(&app, &tenant, &params) {
        Ok(request) => request,
        Err(response) => return response,
    };
    let chosen = form_urlencoded::parse(&body)
        .find(|(key, _)| key == "user")
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default();
    let user = app.store().scenario().user(&chosen).cloned();
    match user.filter(|u| !u.is_service_principal()) {
        Some(user) => sign_in(&app, &request, &user),
        None => sign_in_page(&app, &uri, None),
    }
}

/// Issue the code, set the session cookies and redirect back to the app; unless the request asks for a
/// permission the tenant has not consented, which the user cannot consent to (admin-only).
fn sign_in(app: &Shared, request: &AuthorizeRequest, user: &User) -> Response {
    if let Some(scope) = crate::consent::first_withheld(app, &user.id, &request.consented) {
        if request.prompt.as_deref() == Some("none") {
            let (error, aadsts, description) = crate::consent::silent_refusal(&request.client_id);
            return request.error_redirect(error, aadsts, &description);
        }
        let (aadsts, message) = crate::consent::need_admin_approval(&scope);
        return html_error(aadsts, &message);
    }
    let now = app.clock.now();
    let code = random_token();
    let grant = Grant {
        user_id: user.id.clone(),
        client_id: request.client_id.clone(),
        consented: request.consented.clone(),
        nonce: request.nonce.clone(),
        signed_in: now,
    };
    let mut identity = app.identity.lock().expect("identity lock");
    identity.codes.insert(
        code.clone(),
        AuthCode {
            grant,
            redirect_uri: request.redirect_uri.clone(),
            code_challenge: request.code_challenge.clone(),
            issued: now,
            used: false,
        },
    );
    let session = identity.new_session(&user.id);
    drop(identity);
    let mut response = redirect(&request.redirect_with(vec![("code", &code)]));
    for (name, path) in session_cookies() {
        let cookie = format!("{name}={session}; Path={path}; HttpOnly; SameSite=Lax");
        append_set_cookie(&mut response, &cookie);
    }
    response
}

fn session_cookies() -> [(&'static str, &'static str); 3] {
    [
        (PAM_SESSION_COOKIE, "/pam"),
        (PORTAL_SESSION_COOKIE, "/portal"),
        (LOGIN_SESSION_COOKIE, "/login"),
    ]
}

fn append_set_cookie(response: &mut Response, cookie: &str) {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

fn redirect(location: &str) -> Response {
    let mut response = StatusCode::FOUND.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// The account picker: one form button per user of the tenant (only the hinted one, with a link to
/// every account, when `login_hint` names a user), all text escaped.
fn sign_in_page(app: &Shared, uri: &Uri, hinted: Option<&User>) -> Response {
    let store = app.store();
    let scenario = store.scenario();
    let action = escape_html(&uri.to_string());
    let buttons: String = scenario
        .users
        .iter()
        .filter(|user| !user.is_service_principal())
        .filter(|user| hinted.is_none_or(|hint| hint.id == user.id))
        .map(|user| {
            format!(
                "<form method=\"post\" action=\"{action}\"><input type=\"hidden\" name=\"user\" value=\"{id}\">\
                 <button type=\"submit\" data-upn=\"{upn}\"><strong>{name}</strong><br><span>{upn}</span></button></form>\n",
                id = escape_html(&user.id),
                upn = escape_html(&user.user_principal_name),
                name = escape_html(&user.display_name),
            )
        })
        .collect();
    let other_accounts = match hinted {
        Some(_) => format!(
            "<p><a id=\"other-account\" href=\"{}\">Use another account</a></p>",
            escape_html(&every_account_url(uri))
        ),
        None => String::new(),
    };
    let tenant = escape_html(&scenario.tenant.display_name);
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign in to {tenant}</title>\
         <style>body{{font-family:sans-serif;max-width:28rem;margin:3rem auto}}button{{width:100%;text-align:left;padding:.6rem;margin:.25rem 0}}</style>\
         </head><body><h1>Pick an account</h1><p>Tenant emulator: {tenant}</p>\n{buttons}{other_accounts}</body></html>"
    ))
    .into_response()
}

/// The same authorize request without `login_hint` and with `prompt=select_account`.
fn every_account_url(uri: &Uri) -> String {
    let pairs: Vec<(String, String)> =
        form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
            .into_owned()
            .filter(|(key, _)| key != "login_hint" && key != "prompt")
            .collect();
    let mut pairs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    pairs.push(("prompt", "select_account"));
    with_query(uri.path(), &pairs)
}

fn html_error(aadsts: u32, message: &str) -> Response {
    let text = escape_html(&format!("AADSTS{aadsts}: {message}"));
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign in error</title></head>\
         <body><h1>Sorry, but we're having trouble signing you in.</h1><p id=\"error\">{text}</p></body></html>"
    );
    (StatusCode::BAD_REQUEST, Html(page)).into_response()
}

// ---------------------------------------------------------------------------------------------------
// token

fn oauth_error(error: &str, aadsts: u32, description: &str) -> Response {
    identity_error(StatusCode::BAD_REQUEST, error, aadsts, description)
}

async fn token(State(app): State<App>, Path(tenant): Path<String>, body: Bytes) -> Response {
    let form: HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    if !is_known_tenant(&app, &tenant) {
        return oauth_error(
            "invalid_request",
            90002,
            &format!("Tenant '{tenant}' not found."),
        );
    }
    if form.contains_key("client_secret") || form.contains_key("client_assertion") {
        return oauth_error("invalid_client", 700025, "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.");
    }
    if field("client_id") != app.store().scenario().client_id {
        return oauth_error(
            "unauthorized_client",
            700016,
            &format!(
                "Application with identifier '{}' was not found in the directory.",
                field("client_id")
            ),
        );
    }
    let grant = match field("grant_type") {
        "authorization_code" => redeem_code(&app, &form),
        "refresh_token" => redeem_refresh_token(&app, &form),
        other => Err(oauth_error(
            "unsupported_grant_type",
            70003,
            &format!("The app requested an unsupported grant type '{other}'."),
        )),
    };
    match grant.and_then(|grant| issue_tokens(&app, &grant, field("scope"))) {
        Ok(body) => crate::http_util::json_response(StatusCode::OK, body),
        Err(response) => response,
    }
}

fn redeem_code(app: &Shared, form: &HashMap<String, String>) -> Result<Grant, Response> {
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    let now = app.clock.now();
    let mut identity = app.identity.lock().expect("identity lock");
    let code = identity.codes.get_mut(field("code")).ok_or_else(|| {
        oauth_error(
            "invalid_grant",
            70000,
            "The provided value for the 'code' parameter is not valid.",
        )
    })?;
    if code.used {
        return Err(oauth_error("invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token."));
    }
    code.used = true;
    if now - code.issued > Duration::minutes(CODE_LIFETIME_MINUTES) {
        return Err(oauth_error("invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource."));
    }
    if field("redirect_uri") != code.redirect_uri {
        return Err(oauth_error(
            "invalid_grant",
            70000,
            "The redirect_uri does not match the one used in the authorization request.",
        ));
    }
    if pkce_challenge(field("code_verifier")) != code.code_challenge {
        return Err(oauth_error("invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request."));
    }
    Ok(code.grant.clone())
}

/// `BASE64URL(SHA256(verifier))`, the S256 method.
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn redeem_refresh_token(app: &Shared, form: &HashMap<String, String>) -> Result<Grant, Response> {
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    let identity = app.identity.lock().expect("identity lock");
    let grant = identity
        .refresh_tokens
        .get(field("refresh_token"))
        .filter(|grant| grant.client_id == field("client_id"))
        .ok_or_else(|| {
            oauth_error(
                "invalid_grant",
                9002313,
                "Invalid request. Request is malformed or invalid.",
            )
        })?;
    if app.clock.now() >= grant.refresh_expires() {
        return Err(spa_refresh_token_expired(grant.signed_in));
    }
    Ok(grant.clone())
}

/// AADSTS700084, as the identity platform sends it (with `suberror: "bad_token"`).
fn spa_refresh_token_expired(signed_in: DateTime<Utc>) -> Response {
    let ticks = signed_in.timestamp_subsec_nanos() / 100;
    let issued = format!("{}.{ticks:07}+00:00", signed_in.format("%Y-%m-%dT%H:%M:%S"));
    let description = format!("The refresh token was issued to a single page app (SPA), and therefore has a fixed, limited lifetime of 1.00:00:00, which can't be extended. It is now expired and a new sign in request must be sent by the SPA to the sign in page. The token was issued on {issued}.");
    let mut body = identity_error_body("invalid_grant", 700084, &description);
    body["suberror"] = json!("bad_token");
    crate::http_util::json_response(StatusCode::BAD_REQUEST, body)
}

/// The token response for one resource, checked against what the sign-in consented.
fn issue_tokens(app: &Shared, grant: &Grant, scope_param: &str) -> Result<Value, Response> {
    let requested: Vec<String> = scope_param
        .split_whitespace()
        .map(normalize_scope)
        .collect();
    let (oidc, resource_scopes): (Vec<String>, Vec<String>) = requested
        .into_iter()
        .partition(|s| OIDC_SCOPES.contains(&s.as_str()));
    let resource = single_resource(&resource_scopes)?;
    if crate::consent::first_withheld(app, &grant.user_id, &resource_scopes).is_some() {
        return Err(crate::consent::token_refusal(&grant.client_id));
    }
    let admin_consented = crate::consent::admin_consented(app, &grant.user_id, resource);
    let scp = granted_scope_names(grant, resource, &resource_scopes, &admin_consented)?;
    let user = app
        .store()
        .scenario()
        .user(&grant.user_id)
        .cloned()
        .ok_or_else(|| {
            oauth_error(
                "invalid_grant",
                50034,
                "The user account does not exist in the directory.",
            )
        })?;
    let lifetime = app.settings.token_lifetime_secs;
    let mut granted_scopes = resource_scopes.clone();
    granted_scopes.extend(oidc);
    let mut body = json!({
        "token_type": "Bearer",
        "scope": granted_scopes.join(" "),
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": mint_access_token(app, &user, resource, &scp, lifetime),
    });
    if grant.consented.iter().any(|s| s == "openid") {
        body["id_token"] = json!(mint_id_token(app, &user, grant.nonce.as_deref(), lifetime));
    }
    if grant.consented.iter().any(|s| s == "offline_access") {
        let refresh_token = random_token();
        let mut identity = app.identity.lock().expect("identity lock");
        identity
            .refresh_tokens
            .insert(refresh_token.clone(), grant.clone());
        body["refresh_token"] = json!(refresh_token);
    }
    Ok(body)
}

/// All resource scopes must belong to one resource (AADSTS700022 otherwise); none means Graph.
fn single_resource(scopes: &[String]) -> Result<Resource, Response> {
    let mut resources = Vec::new();
    for scope in scopes {
        let resource = Resource::of_scope(scope).ok_or_else(|| {
            oauth_error(
                "invalid_resource",
                500011,
                &format!("The resource principal named {scope} was not found in the tenant."),
            )
        })?;
        if !resources.contains(&resource) {
            resources.push(resource);
        }
    }
    if resources.len() > 1 {
        return Err(oauth_error("invalid_scope", 700022, &format!("The provided value for the input parameter scope isn't valid because it contains more than one resource. Scope {} is not valid.", scopes.join(" "))));
    }
    Ok(resources.first().copied().unwrap_or(Resource::Graph))
}

/// The `scp` claim: requested scopes (or every consented one for `.default`), each consented at
/// authorize or by the tenant's admin (AADSTS65001 otherwise).
fn granted_scope_names(
    grant: &Grant,
    resource: Resource,
    requested: &[String],
    admin_consented: &[String],
) -> Result<String, Response> {
    let prefix = resource.scope_prefix();
    let name_of = |scope: &str| scope[prefix.len()..].to_string();
    let mut consented: Vec<String> = grant
        .consented
        .iter()
        .filter(|s| Resource::of_scope(s) == Some(resource))
        .filter(|s| !s.ends_with("/.default"))
        .map(|s| name_of(s))
        .collect();
    let asked_at_sign_in = !consented.is_empty()
        || grant
            .consented
            .iter()
            .any(|s| Resource::of_scope(s) == Some(resource));
    for name in admin_consented {
        if !consented.iter().any(|c| c.eq_ignore_ascii_case(name)) {
            consented.push(name.clone());
        }
    }
    let consent_missing = || crate::consent::token_refusal(&grant.client_id);
    let mut names = Vec::new();
    for scope in requested {
        let name = name_of(scope);
        if name == ".default" {
            if !asked_at_sign_in && admin_consented.is_empty() {
                return Err(consent_missing());
            }
            names.extend(consented.iter().cloned());
        } else if consented.iter().any(|c| c.eq_ignore_ascii_case(&name)) {
            names.push(name);
        } else {
            return Err(consent_missing());
        }
    }
    if requested.is_empty() {
        names = if consented.is_empty() {
            vec!["User.Read".into()]
        } else {
            consented
        };
    }
    names.dedup();
    Ok(names.join(" "))
}

// ---------------------------------------------------------------------------------------------------
// logout

async fn logout(
    State(app): State<App>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Some(session) = cookie_value(&headers, LOGIN_SESSION_COOKIE) {
        app.identity
            .lock()
            .expect("identity lock")
            .sessions
            .remove(&session);
    }
    let target = params
        .get("post_logout_redirect_uri")
        .filter(|uri| app.is_registered_redirect(uri));
    let mut response = match target {
        Some(uri) => redirect(uri),
        None => Html("<!doctype html><html lang=\"en\"><body><p>You signed out of your account.</p></body></html>").into_response(),
    };
    for (name, path) in session_cookies() {
        append_set_cookie(
            &mut response,
            &format!("{name}=; Path={path}; Max-Age=0; HttpOnly; SameSite=Lax"),
        );
    }
    response
}
