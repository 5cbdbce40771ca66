//! The identity platform v2.0 protocol, as pure functions: the authorize URL, the token request
//! forms (one resource per request), scopes per resource, and reading token responses.

use super::Resource;
use crate::config::{AppConfig, PortalAuth};
use crate::domain::encode_path_segment as encode;
use serde::Deserialize;

pub const OIDC_SCOPES: &str = "openid profile offline_access";
const GRAPH_PREFIX: &str = "https://graph.microsoft.com/";
/// The Graph scopes of the sign-in: what listing and deciding requests needs, nothing more. The
/// decision context's permissions are asked for separately ([`Resource::GraphContext`]), so a tenant
/// that has not consented to them can still sign in (README, "App registration").
pub const GRAPH_SCOPES: [&str; 3] = [
    "https://graph.microsoft.com/User.Read",
    "https://graph.microsoft.com/RoleAssignmentSchedule.ReadWrite.Directory",
    "https://graph.microsoft.com/PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup",
];
pub const ARM_SCOPE: &str = "https://management.azure.com/user_impersonation";

/// The scopes of one resource (a token request may only name one resource).
pub fn resource_scopes(resource: &Resource) -> Vec<String> {
    match resource {
        Resource::Graph => GRAPH_SCOPES.iter().map(|s| s.to_string()).collect(),
        // The approval flow's scopes too: one context read may combine both (requests and
        // eligibilities in one `$batch`), and they are consented already.
        Resource::GraphContext(extra) => GRAPH_SCOPES
            .iter()
            .map(|s| s.to_string())
            .chain(extra.iter().map(|name| format!("{GRAPH_PREFIX}{name}")))
            .collect(),
        Resource::Arm => vec![ARM_SCOPE.to_string()],
        Resource::Portal { scope } => vec![scope.clone()],
    }
}

/// Every resource the configuration needs a token for.
pub fn resources(config: &AppConfig) -> Vec<Resource> {
    use crate::domain::SourceKind::*;
    let mut out = vec![Resource::Graph];
    if config.is_on(AzureResources) {
        out.push(Resource::Arm);
    }
    if let (true, PortalAuth::Bearer { scope }) = (config.is_on(PortalApi), &config.portal_auth) {
        out.push(Resource::Portal {
            scope: scope.clone(),
        });
    }
    out
}

/// Everything the interactive sign-in asks consent for (several resources are fine at /authorize); the
/// optional decision-context permissions are not among them.
pub fn consent_scopes(config: &AppConfig) -> String {
    let mut scopes = vec![OIDC_SCOPES.to_string()];
    for resource in resources(config) {
        scopes.extend(resource_scopes(&resource));
    }
    scopes.join(" ")
}

pub struct AuthorizeParams<'a> {
    pub redirect_uri: &'a str,
    pub state: &'a str,
    pub nonce: &'a str,
    pub code_challenge: &'a str,
    pub login_hint: Option<&'a str>,
    /// `none` for a silent sign-in.
    pub prompt: Option<&'a str>,
}

pub fn authorize_url(config: &AppConfig, params: &AuthorizeParams) -> String {
    let mut url = format!(
        "{}?client_id={}&response_type=code&redirect_uri={}&response_mode=query&scope={}&state={}&nonce={}&code_challenge={}&code_challenge_method=S256",
        config.authorize_endpoint(),
        encode(&config.client_id),
        encode(params.redirect_uri),
        encode(&consent_scopes(config)),
        encode(params.state),
        encode(params.nonce),
        encode(params.code_challenge),
    );
    if let Some(hint) = params.login_hint.filter(|h| !h.is_empty()) {
        url.push_str(&format!("&login_hint={}", encode(hint)));
    }
    if let Some(prompt) = params.prompt {
        url.push_str(&format!("&prompt={}", encode(prompt)));
    }
    url
}

/// The redirect errors of a silent sign-in (`prompt=none`) that only the user can resolve.
pub fn needs_user(error: &str) -> bool {
    matches!(
        error,
        "login_required"
            | "interaction_required"
            | "consent_required"
            | "account_selection_required"
    )
}

fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", k, encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn scope_for(resource: &Resource) -> String {
    format!("{} {}", OIDC_SCOPES, resource_scopes(resource).join(" "))
}

/// Redeems the code for a Graph token (plus refresh and ID tokens).
pub fn code_redemption_form(
    config: &AppConfig,
    code: &str,
    redirect_uri: &str,
    verifier: &str,
) -> String {
    form(&[
        ("client_id", &config.client_id),
        ("grant_type", "authorization_code"),
        ("scope", &scope_for(&Resource::Graph)),
        ("code", code),
        ("redirect_uri", redirect_uri),
        ("code_verifier", verifier),
    ])
}

/// A token for one resource from the refresh token.
pub fn refresh_form(config: &AppConfig, refresh_token: &str, resource: &Resource) -> String {
    form(&[
        ("client_id", &config.client_id),
        ("grant_type", "refresh_token"),
        ("scope", &scope_for(resource)),
        ("refresh_token", refresh_token),
    ])
}

pub fn logout_url(config: &AppConfig, post_logout_redirect_uri: &str) -> String {
    format!(
        "{}?post_logout_redirect_uri={}",
        config.logout_endpoint(),
        encode(post_logout_redirect_uri)
    )
}

#[derive(Clone, Debug, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    #[serde(default)]
    pub expires_in: u64,
    #[serde(default)]
    pub refresh_token: Option<String>,
    #[serde(default)]
    pub id_token: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct TokenError {
    pub error: String,
    #[serde(default)]
    pub error_description: Option<String>,
    /// `consent_required` with AADSTS65001 (MSAL reads it from here).
    #[serde(default)]
    pub suberror: Option<String>,
}

impl TokenError {
    /// The tenant has not consented to a scope asked for (AADSTS65001; AADSTS90094 "admin approval").
    pub fn is_consent_missing(&self) -> bool {
        let description = self.error_description.as_deref().unwrap_or("");
        self.error == "consent_required"
            || self.suberror.as_deref() == Some("consent_required")
            || ["AADSTS65001", "AADSTS90094"]
                .iter()
                .any(|code| description.contains(code))
    }

    /// Errors that only an interactive sign-in can fix.
    pub fn needs_interactive(&self) -> bool {
        let description = self.error_description.as_deref().unwrap_or("");
        self.error == "interaction_required"
            || self.error == "login_required"
            || [
                "AADSTS700084",
                "AADSTS70008",
                "AADSTS50173",
                "AADSTS65001",
                "AADSTS700082",
            ]
            .iter()
            .any(|code| description.contains(code))
            || self.error == "invalid_grant"
    }

    /// The AADSTS code and the first sentence, without trace ids.
    pub fn summary(&self) -> String {
        let description = self.error_description.as_deref().unwrap_or(&self.error);
        description
            .lines()
            .next()
            .unwrap_or(description)
            .to_string()
    }
}

/// The query of the redirect back from /authorize.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RedirectParams {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

impl RedirectParams {
    pub fn parse(search: &str) -> Self {
        let mut out = RedirectParams::default();
        for pair in search.trim_start_matches('?').split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = decode(value);
            match key {
                "code" => out.code = Some(value),
                "state" => out.state = Some(value),
                "error" => out.error = Some(value),
                "error_description" => out.error_description = Some(value),
                _ => {}
            }
        }
        out
    }

    pub fn is_sign_in_response(&self) -> bool {
        self.state.is_some() && (self.code.is_some() || self.error.is_some())
    }
}

/// Decodes `application/x-www-form-urlencoded` values (`+` is a space).
pub fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match hex_byte(bytes[i + 1], bytes[i + 2]) {
                Some(b) => {
                    out.push(b);
                    i += 2;
                }
                None => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_byte(high: u8, low: u8) -> Option<u8> {
    let digit = |c: u8| (c as char).to_digit(16);
    Some((digit(high)? * 16 + digit(low)?) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;

    fn config() -> AppConfig {
        config::parse(
            r#"{"tenant": "c0000000-0000-4000-8000-0000000000c0", "clientId": "d0000000-0000-4000-8000-0000000000d0",
                "authority": "http://127.0.0.1:8400/login", "portalApiBaseUrl": "http://127.0.0.1:8400/portal",
                "portalApi": {"auth": "bearer", "scope": "api://contoso-admin-portal/Pim.ReadWrite"},
                "sources": ["entraRoles", "azureResources", "portalApi"]}"#,
        )
        .unwrap()
    }

    /// The authorize request's parameters as the tests send them, with `login_hint` and `prompt`.
    fn params(
        login_hint: Option<&'static str>,
        prompt: Option<&'static str>,
    ) -> AuthorizeParams<'static> {
        AuthorizeParams {
            redirect_uri: "http://127.0.0.1:8080/",
            state: "s",
            nonce: "n",
            code_challenge: "c",
            login_hint,
            prompt,
        }
    }

    #[test]
    fn authorize_url_asks_consent_for_every_resource_with_pkce() {
        let url = authorize_url(
            &config(),
            &params(Some("adelev@contoso.onmicrosoft.com"), None),
        );
        assert!(url.starts_with("http://127.0.0.1:8400/login/c0000000-0000-4000-8000-0000000000c0/oauth2/v2.0/authorize?client_id=d0000000"));
        assert!(url.contains("&code_challenge=c&code_challenge_method=S256"));
        assert!(url.contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2F"));
        assert!(url.contains("management.azure.com%2Fuser_impersonation"));
        assert!(url.contains("api%3A%2F%2Fcontoso-admin-portal%2FPim.ReadWrite"));
        assert!(url.contains("&login_hint=adelev%40contoso.onmicrosoft.com"));
        assert!(!url.contains("prompt="));
    }

    #[test]
    fn silent_sign_in_asks_with_prompt_none() {
        let url = authorize_url(
            &config(),
            &params(Some("adelev@contoso.onmicrosoft.com"), Some("none")),
        );
        assert!(url.ends_with("&prompt=none"));
        assert!(needs_user("login_required"));
        assert!(needs_user("interaction_required"));
        assert!(!needs_user("access_denied"));
    }

    #[test]
    fn token_requests_name_one_resource() {
        let redeem = code_redemption_form(&config(), "code1", "http://127.0.0.1:8080/", "v");
        assert!(redeem.contains("grant_type=authorization_code"));
        assert!(redeem.contains("graph.microsoft.com"));
        assert!(!redeem.contains("management.azure.com"));
        let arm = refresh_form(&config(), "rt", &Resource::Arm);
        assert!(arm.contains("management.azure.com"));
        assert!(!arm.contains("graph.microsoft.com"));
    }

    #[test]
    fn parses_the_redirect() {
        let p = RedirectParams::parse("?code=abc%2Bd&state=xyz&session_state=1");
        assert_eq!(p.code.as_deref(), Some("abc+d"));
        assert!(p.is_sign_in_response());
        let e = RedirectParams::parse(
            "?error=access_denied&error_description=AADSTS65004%3A+User+declined&state=x",
        );
        assert_eq!(
            e.error_description.as_deref(),
            Some("AADSTS65004: User declined")
        );
        assert!(!RedirectParams::parse("?foo=bar").is_sign_in_response());
    }

    #[test]
    fn sign_in_asks_only_for_the_approval_flow_and_context_scopes_come_alone() {
        let url = authorize_url(&config(), &params(None, None));
        assert!(url.contains("RoleAssignmentSchedule.ReadWrite.Directory"));
        for optional in [
            "RoleManagementPolicy",
            "Eligibility",
            "User.Read.All",
            "AuditLog",
        ] {
            assert!(
                !url.contains(optional),
                "{optional} is not asked at sign-in"
            );
        }
        let context = Resource::GraphContext(&["RoleManagementPolicy.Read.Directory"]);
        let form = refresh_form(&config(), "rt", &context);
        assert!(form.contains("graph.microsoft.com%2FRoleManagementPolicy.Read.Directory"));
        assert!(form.contains("RoleAssignmentSchedule.ReadWrite.Directory"));
        assert!(context.is_optional() && !Resource::Graph.is_optional());
        assert_eq!(context.protocol_name(), "graph");
    }

    #[test]
    fn a_missing_consent_is_told_from_an_ended_sign_in() {
        let consent: TokenError = serde_json::from_str(
            r#"{"error":"invalid_grant","error_description":"AADSTS65001: The user or administrator has not consented to use the application with ID 'd0'. Send an interactive authorization request for this user and resource.","error_codes":[65001],"suberror":"consent_required"}"#,
        )
        .unwrap();
        assert!(consent.is_consent_missing());
        let ended = TokenError {
            error: "invalid_grant".into(),
            error_description: Some(
                "AADSTS700084: The refresh token was issued to a single page app".into(),
            ),
            suberror: Some("bad_token".into()),
        };
        assert!(!ended.is_consent_missing());
    }

    #[test]
    fn spa_refresh_expiry_needs_interactive_sign_in() {
        let e = TokenError {
            error: "invalid_grant".into(),
            error_description: Some(
                "AADSTS700084: The refresh token was issued to a single page app".into(),
            ),
            suberror: None,
        };
        assert!(e.needs_interactive());
        assert!(e.summary().starts_with("AADSTS700084"));
    }
}
