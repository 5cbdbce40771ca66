//! Runtime configuration from `config.json`, read when the app starts so one build serves any tenant.
//! Parsing is pure and names the exact field that is wrong, so the app can show a useful page instead
//! of a blank one.

use crate::domain::checks::{DurationPolicy, JustificationPolicy};
use crate::domain::risk::{RiskPolicy, RiskRule};
use crate::domain::{IsoDuration, SourceKind};
use serde_json::{Map, Value};
use std::fmt;

/// The file the app reads, relative to where it is served.
pub const CONFIG_FILE: &str = "config.json";

pub const DEFAULT_AUTHORITY: &str = "https://login.microsoftonline.com";
pub const DEFAULT_GRAPH: &str = "https://graph.microsoft.com";
pub const DEFAULT_ARM: &str = "https://management.azure.com";
pub const DEFAULT_AZURE_PORTAL: &str = "https://portal.azure.com";

/// How the portal API authenticates the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PortalAuth {
    /// A bearer token for this scope from the same Entra sign-in.
    Bearer { scope: String },
    /// The portal's own session cookie (`credentials: include`).
    Cookie,
}

/// Embedding in a host portal's iframe.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct EmbeddingConfig {
    /// Parent origins allowed to talk to the app. Empty = not embeddable (messages ignored).
    pub allowed_parent_origins: Vec<String>,
    /// The host supplies access tokens instead of the app's own sign-in.
    pub tokens_from_host: bool,
    /// How long to wait for the host to answer a token request.
    pub host_timeout_ms: u32,
    /// `light`/`dark` forced by the host, else follow `prefers-color-scheme`.
    pub theme: Option<String>,
    pub density: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AppConfig {
    pub tenant: String,
    pub client_id: String,
    pub authority: String,
    pub graph_base_url: String,
    pub arm_base_url: String,
    pub mim_pam_base_url: Option<String>,
    pub portal_api_base_url: Option<String>,
    pub portal_auth: PortalAuth,
    /// Sources that are on: listed in `sources` and, for MIM PAM and the portal, with a base URL.
    pub sources: Vec<SourceKind>,
    /// Absent = the app's own address (origin + base path).
    pub redirect_uri: Option<String>,
    pub azure_portal_url: String,
    pub risk: RiskPolicy,
    pub max_duration: DurationPolicy,
    pub approver_justification: JustificationPolicy,
    pub embedding: EmbeddingConfig,
    /// Longest one call to a service may take, in milliseconds (default 30 000).
    pub request_timeout_ms: u32,
}

impl AppConfig {
    pub fn authorize_endpoint(&self) -> String {
        format!("{}/{}/oauth2/v2.0/authorize", self.authority, self.tenant)
    }

    pub fn token_endpoint(&self) -> String {
        format!("{}/{}/oauth2/v2.0/token", self.authority, self.tenant)
    }

    pub fn logout_endpoint(&self) -> String {
        format!("{}/{}/oauth2/v2.0/logout", self.authority, self.tenant)
    }

    pub fn is_on(&self, source: SourceKind) -> bool {
        self.sources.contains(&source)
    }
}

/// What is wrong with the configuration, naming the field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// `None` when the file itself could not be read or parsed.
    pub field: Option<String>,
    pub problem: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{CONFIG_FILE}: \"{field}\" {}", self.problem),
            None => write!(f, "{CONFIG_FILE}: {}", self.problem),
        }
    }
}

fn error(field: &str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        field: Some(field.to_string()),
        problem: problem.into(),
    }
}

/// Parses and validates the text of `config.json`.
pub fn parse(text: &str) -> Result<AppConfig, ConfigError> {
    let value: Value = serde_json::from_str(text).map_err(|e| ConfigError {
        field: None,
        problem: format!("is not valid JSON ({e})."),
    })?;
    let root = value.as_object().ok_or(ConfigError {
        field: None,
        problem: "must be a JSON object.".into(),
    })?;
    let mim_pam_base_url = optional_url(root, "mimPamBaseUrl")?;
    let portal_api_base_url = optional_url(root, "portalApiBaseUrl")?;
    let sources = sources(
        root,
        mim_pam_base_url.is_some(),
        portal_api_base_url.is_some(),
    )?;
    Ok(AppConfig {
        tenant: tenant(root)?,
        client_id: client_id(root)?,
        authority: url_or(root, "authority", DEFAULT_AUTHORITY)?,
        graph_base_url: url_or(root, "graphBaseUrl", DEFAULT_GRAPH)?,
        arm_base_url: url_or(root, "armBaseUrl", DEFAULT_ARM)?,
        portal_auth: portal_auth(root)?,
        mim_pam_base_url,
        portal_api_base_url,
        sources,
        redirect_uri: optional_url(root, "redirectUri")?,
        azure_portal_url: url_or(root, "azurePortalUrl", DEFAULT_AZURE_PORTAL)?,
        risk: risk(root)?,
        max_duration: max_duration(root)?,
        approver_justification: justification(root)?,
        embedding: embedding(root)?,
        request_timeout_ms: 30_000,
    })
}

fn string_field<'a>(
    root: &'a Map<String, Value>,
    field: &str,
) -> Result<Option<&'a str>, ConfigError> {
    match root.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(error(field, "must be a string.")),
    }
}

fn tenant(root: &Map<String, Value>) -> Result<String, ConfigError> {
    let tenant = string_field(root, "tenant")?
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            error(
                "tenant",
                "is missing: set it to your tenant id or primary domain.",
            )
        })?;
    let valid = tenant
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.'));
    if !valid {
        return Err(error(
            "tenant",
            "must be a tenant id (GUID) or a domain name.",
        ));
    }
    Ok(tenant.to_string())
}

fn is_guid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.chars().all(|c| c.is_ascii_hexdigit()))
}

fn client_id(root: &Map<String, Value>) -> Result<String, ConfigError> {
    let id = string_field(root, "clientId")?.map(str::trim).unwrap_or("");
    if id.is_empty() {
        return Err(error(
            "clientId",
            "is missing: register PIM Approvals as a single-page application in Entra ID and put its Application (client) ID here.",
        ));
    }
    if !is_guid(id) {
        return Err(error(
            "clientId",
            "must be the application's GUID (Application (client) ID).",
        ));
    }
    Ok(id.to_string())
}

/// `https://` anywhere; `http://` only on loopback (the emulator, local development).
pub fn validate_url(text: &str) -> Result<String, String> {
    let trimmed = text.trim().trim_end_matches('/');
    let rest = if let Some(rest) = trimmed.strip_prefix("https://") {
        rest
    } else if let Some(rest) = trimmed.strip_prefix("http://") {
        let host = rest.split(['/', ':']).next().unwrap_or("");
        if !matches!(host, "127.0.0.1" | "localhost" | "[::1]") {
            return Err(
                "must use https:// (http:// is only allowed for 127.0.0.1 or localhost).".into(),
            );
        }
        rest
    } else {
        return Err("must be an absolute https:// URL.".into());
    };
    let host = rest.split(['/', ':', '?', '#']).next().unwrap_or("");
    if host.is_empty() || rest.contains(['?', '#', ' ', '"', '<', '>', '\\']) {
        return Err("is not a valid URL.".into());
    }
    Ok(trimmed.to_string())
}

fn url_or(root: &Map<String, Value>, field: &str, default: &str) -> Result<String, ConfigError> {
    match string_field(root, field)? {
        None => Ok(default.to_string()),
        Some(text) => validate_url(text).map_err(|p| error(field, p)),
    }
}

fn optional_url(root: &Map<String, Value>, field: &str) -> Result<Option<String>, ConfigError> {
    match string_field(root, field)?.filter(|t| !t.trim().is_empty()) {
        None => Ok(None),
        Some(text) => validate_url(text).map(Some).map_err(|p| error(field, p)),
    }
}

fn sources(
    root: &Map<String, Value>,
    has_pam: bool,
    has_portal: bool,
) -> Result<Vec<SourceKind>, ConfigError> {
    let list = match root.get("sources") {
        None | Some(Value::Null) => {
            return Ok(vec![
                SourceKind::EntraRoles,
                SourceKind::Groups,
                SourceKind::AzureResources,
            ]
            .into_iter()
            .chain(has_pam.then_some(SourceKind::MimPam))
            .chain(has_portal.then_some(SourceKind::PortalApi))
            .collect())
        }
        Some(Value::Array(list)) => list,
        Some(_) => {
            return Err(error(
                "sources",
                "must be a list such as [\"entraRoles\", \"groups\"].",
            ))
        }
    };
    let mut out = Vec::new();
    for (index, item) in list.iter().enumerate() {
        let key = item.as_str().unwrap_or_default();
        let source = SourceKind::from_config_key(key).ok_or_else(|| {
            error(
                &format!("sources[{index}]"),
                format!(
                    "is not a known source: use entraRoles, groups, azureResources, mimPam or portalApi (got {item})."
                ),
            )
        })?;
        let has_url = match source {
            SourceKind::MimPam => has_pam,
            SourceKind::PortalApi => has_portal,
            _ => true,
        };
        if has_url && !out.contains(&source) {
            out.push(source);
        }
    }
    Ok(out)
}

fn portal_auth(root: &Map<String, Value>) -> Result<PortalAuth, ConfigError> {
    let Some(section) = root.get("portalApi").filter(|v| !v.is_null()) else {
        return Ok(PortalAuth::Cookie);
    };
    let section = section.as_object().ok_or_else(|| {
        error(
            "portalApi",
            "must be an object like {\"auth\": \"cookie\"}.",
        )
    })?;
    match string_field(section, "auth").map_err(|_| error("portalApi.auth", "must be a string."))? {
        None | Some("cookie") => Ok(PortalAuth::Cookie),
        Some("bearer") => {
            let scope = string_field(section, "scope")
                .ok()
                .flatten()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .ok_or_else(|| {
                    error(
                        "portalApi.scope",
                        "is required when portalApi.auth is \"bearer\".",
                    )
                })?;
            Ok(PortalAuth::Bearer {
                scope: scope.to_string(),
            })
        }
        Some(other) => Err(error(
            "portalApi.auth",
            format!("must be \"bearer\" or \"cookie\" (got \"{other}\")."),
        )),
    }
}

fn risk(root: &Map<String, Value>) -> Result<RiskPolicy, ConfigError> {
    match root.get("riskRoles") {
        None | Some(Value::Null) => Ok(RiskPolicy::default()),
        Some(value) => {
            let rules: Vec<RiskRule> = serde_json::from_value(value.clone()).map_err(|e| {
                error(
                    "riskRoles",
                    format!("must be a list of {{\"id\", \"name\", \"level\": \"critical\"|\"high\"}} ({e})."),
                )
            })?;
            if let Some(index) = rules
                .iter()
                .position(|r| r.id.is_none() && r.name.is_none())
            {
                return Err(error(
                    &format!("riskRoles[{index}]"),
                    "needs an \"id\" or a \"name\".",
                ));
            }
            Ok(RiskPolicy { rules })
        }
    }
}

fn max_duration(root: &Map<String, Value>) -> Result<DurationPolicy, ConfigError> {
    let mut policy = DurationPolicy::default();
    let Some(section) = root.get("maxDuration").filter(|v| !v.is_null()) else {
        return Ok(policy);
    };
    let section = section.as_object().ok_or_else(|| {
        error(
            "maxDuration",
            "must be an object like {\"critical\": \"PT2H\"}.",
        )
    })?;
    for (level, slot) in [
        ("critical", &mut policy.critical),
        ("high", &mut policy.high),
        ("normal", &mut policy.normal),
    ] {
        if let Some(text) = string_field(section, level)
            .map_err(|e| error(&format!("maxDuration.{level}"), e.problem))?
        {
            *slot = IsoDuration::parse(text).ok_or_else(|| {
                error(
                    &format!("maxDuration.{level}"),
                    "must be an ISO 8601 duration such as \"PT2H\".",
                )
            })?;
        }
    }
    Ok(policy)
}

fn justification(root: &Map<String, Value>) -> Result<JustificationPolicy, ConfigError> {
    let Some(value) = root.get("approverJustification").filter(|v| !v.is_null()) else {
        return Ok(JustificationPolicy::default());
    };
    let defaults = JustificationPolicy::default();
    let section = value.as_object().ok_or_else(|| {
        error(
            "approverJustification",
            "must be an object like {\"minLength\": 10, \"maxLength\": 500}.",
        )
    })?;
    let number = |key: &str, default: usize| -> Result<usize, ConfigError> {
        match section.get(key) {
            None => Ok(default),
            Some(v) => v.as_u64().map(|n| n as usize).ok_or_else(|| {
                error(
                    &format!("approverJustification.{key}"),
                    "must be a whole number.",
                )
            }),
        }
    };
    let policy = JustificationPolicy {
        min_length: number("minLength", defaults.min_length)?.max(1),
        max_length: number("maxLength", defaults.max_length)?,
    };
    if policy.max_length < policy.min_length {
        return Err(error(
            "approverJustification.maxLength",
            "must not be smaller than minLength.",
        ));
    }
    Ok(policy)
}

/// Origins are compared exactly, so they must be exactly `scheme://host[:port]`.
fn origin(text: &str) -> Option<String> {
    let url = validate_url(text).ok()?;
    let after_scheme = url.split("://").nth(1)?;
    (!after_scheme.contains('/')).then_some(url)
}

fn embedding(root: &Map<String, Value>) -> Result<EmbeddingConfig, ConfigError> {
    let Some(value) = root.get("embedding").filter(|v| !v.is_null()) else {
        return Ok(EmbeddingConfig {
            host_timeout_ms: 5000,
            ..EmbeddingConfig::default()
        });
    };
    let section = value
        .as_object()
        .ok_or_else(|| error("embedding", "must be an object."))?;
    let mut origins = Vec::new();
    if let Some(list) = section.get("allowedParentOrigins") {
        let list = list.as_array().ok_or_else(|| {
            error(
                "embedding.allowedParentOrigins",
                "must be a list of origins.",
            )
        })?;
        for (index, item) in list.iter().enumerate() {
            let parsed = item.as_str().and_then(origin).ok_or_else(|| {
                error(
                    &format!("embedding.allowedParentOrigins[{index}]"),
                    "must be an origin like \"https://admin.contoso.com\" (scheme, host and port only).",
                )
            })?;
            origins.push(parsed);
        }
    }
    let tokens_from_host = match section.get("tokensFromHost") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(error("embedding.tokensFromHost", "must be true or false.")),
    };
    if tokens_from_host && origins.is_empty() {
        return Err(error(
            "embedding.allowedParentOrigins",
            "must name the host portal's origin when tokensFromHost is true.",
        ));
    }
    let choice = |key: &str, allowed: &[&str]| -> Result<Option<String>, ConfigError> {
        match string_field(section, key)
            .map_err(|e| error(&format!("embedding.{key}"), e.problem))?
        {
            None => Ok(None),
            Some(v) if allowed.contains(&v) => Ok(Some(v.to_string())),
            Some(_) => Err(error(
                &format!("embedding.{key}"),
                format!("must be one of {}.", allowed.join(", ")),
            )),
        }
    };
    Ok(EmbeddingConfig {
        allowed_parent_origins: origins,
        tokens_from_host,
        host_timeout_ms: section
            .get("hostTimeoutMs")
            .and_then(Value::as_u64)
            .map_or(5000, |n| n.clamp(500, 60_000) as u32),
        theme: choice("theme", &["light", "dark"])?,
        density: choice("density", &["comfortable", "compact"])?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"{ "tenant": "contoso.onmicrosoft.com", "clientId": "d0000000-0000-4000-8000-0000000000d0" }"#;

    #[test]
    fn defaults_point_at_microsoft() {
        let config = parse(MINIMAL).unwrap();
        assert_eq!(
            config.authorize_endpoint(),
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize"
        );
        assert_eq!(config.graph_base_url, "https://graph.microsoft.com");
        assert_eq!(config.arm_base_url, "https://management.azure.com");
        assert_eq!(
            config.sources,
            [
                SourceKind::EntraRoles,
                SourceKind::Groups,
                SourceKind::AzureResources
            ]
        );
        assert_eq!(config.portal_auth, PortalAuth::Cookie);
    }

    #[test]
    fn the_committed_config_is_valid_or_names_the_client_id() {
        let committed = include_str!("../public/config.json");
        match parse(committed) {
            Ok(config) => assert_eq!(config.authority, DEFAULT_AUTHORITY),
            Err(e) => assert_eq!(e.field.as_deref(), Some("clientId")),
        }
    }

    #[test]
    fn names_the_bad_field() {
        let cases = [
            (
                r#"{"clientId": "d0000000-0000-4000-8000-0000000000d0"}"#,
                "tenant",
            ),
            (r#"{"tenant": "t", "clientId": "nope"}"#, "clientId"),
            (
                r#"{"tenant": "t", "clientId": "d0000000-0000-4000-8000-0000000000d0", "graphBaseUrl": "http://evil.example"}"#,
                "graphBaseUrl",
            ),
            (
                r#"{"tenant": "t", "clientId": "d0000000-0000-4000-8000-0000000000d0", "sources": ["entraRoles", "sharepoint"]}"#,
                "sources[1]",
            ),
            (
                r#"{"tenant": "t", "clientId": "d0000000-0000-4000-8000-0000000000d0", "portalApi": {"auth": "bearer"}}"#,
                "portalApi.scope",
            ),
            (
                r#"{"tenant": "t", "clientId": "d0000000-0000-4000-8000-0000000000d0", "maxDuration": {"high": "4 hours"}}"#,
                "maxDuration.high",
            ),
            (
                r#"{"tenant": "t", "clientId": "d0000000-0000-4000-8000-0000000000d0", "embedding": {"allowedParentOrigins": ["https://a.example/path"]}}"#,
                "embedding.allowedParentOrigins[0]",
            ),
        ];
        for (text, field) in cases {
            let err = parse(text).unwrap_err();
            assert_eq!(err.field.as_deref(), Some(field), "{text}");
            assert!(err.to_string().starts_with("config.json: \""), "{err}");
        }
    }

    #[test]
    fn invalid_json_is_reported_without_a_field() {
        let err = parse("{ tenant: ").unwrap_err();
        assert_eq!(err.field, None);
        assert!(err.to_string().contains("not valid JSON"));
    }

    #[test]
    fn optional_sources_need_their_url() {
        let text = r#"{"tenant": "t", "clientId": "d0000000-0000-4000-8000-0000000000d0",
            "sources": ["entraRoles", "mimPam", "portalApi"], "portalApiBaseUrl": "https://admin.contoso.com/pim"}"#;
        let config = parse(text).unwrap();
        assert_eq!(
            config.sources,
            [SourceKind::EntraRoles, SourceKind::PortalApi]
        );
        assert_eq!(
            config.portal_api_base_url.as_deref(),
            Some("https://admin.contoso.com/pim")
        );
    }

    #[test]
    fn loopback_http_is_allowed_for_the_emulator() {
        assert_eq!(
            validate_url("http://127.0.0.1:8400/graph/").unwrap(),
            "http://127.0.0.1:8400/graph"
        );
        assert!(validate_url("http://10.0.0.1/graph").is_err());
        assert!(validate_url("javascript:alert(1)").is_err());
    }
}
