//! Runtime configuration from `config.json`, read when the app starts so one build serves any tenant.
//!
//! Reading has two steps. Serde reads the text into [`ConfigFile`], whose structs deny unknown fields,
//! so a typo (`"embeding"`) or a wrong type (`"hostTimeoutMs": "5000"`) is an error naming the field's
//! path (`embedding.embeding`). Then one [`ConfigFile::validate`] pass checks the values (URLs, origins,
//! the portal API's scope, ranges) and builds the [`AppConfig`]. Every problem is a [`ConfigError`]
//! naming the field, so the app can show a useful page instead of a blank one.

use crate::domain::policy::{DurationPolicy, JustificationPolicy};
use crate::domain::risk::{RiskLevel, RiskPolicy, RiskRule};
use crate::domain::{is_guid, IsoDuration, SourceKind};
use serde::Deserialize;
use std::fmt;

/// The file the app reads, relative to where it is served.
pub const CONFIG_FILE: &str = "config.json";

const DEFAULT_AUTHORITY: &str = "https://login.microsoftonline.com";
const DEFAULT_GRAPH: &str = "https://graph.microsoft.com";
const DEFAULT_ARM: &str = "https://management.azure.com";
const DEFAULT_AZURE_PORTAL: &str = "https://portal.azure.com";

/// A setting in milliseconds: its default and the range it must be in.
struct Milliseconds {
    default: u32,
    min: u32,
    max: u32,
}

impl Milliseconds {
    fn problem(&self) -> String {
        format!(
            "must be a whole number of milliseconds from {} to {}.",
            self.min, self.max
        )
    }
}

/// `embedding.hostTimeoutMs`: how long to wait for the host portal's answer.
const HOST_TIMEOUT: Milliseconds = Milliseconds {
    default: 5_000,
    min: 500,
    max: 60_000,
};

/// `requestTimeoutMs`: how long one call to a service may take.
const REQUEST_TIMEOUT: Milliseconds = Milliseconds {
    default: 30_000,
    min: 1_000,
    max: 120_000,
};

/// How the portal API authenticates the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PortalAuth {
    /// A bearer token for this scope from the same Entra sign-in.
    Bearer { scope: String },
    /// The portal's own session cookie (`credentials: include`).
    Cookie,
}

/// The colour scheme a host portal asks for (`data-theme` on `<html>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    Light,
    Dark,
    /// Follow the browser's `prefers-color-scheme`.
    Auto,
}

impl Theme {
    pub const ALL: [Theme; 3] = [Theme::Light, Theme::Dark, Theme::Auto];

    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
            Theme::Auto => "auto",
        }
    }

    /// The theme named `text` (`light`, `dark`, `auto`), as config and host messages write it.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == text)
    }
}

/// How tightly the app is laid out (`data-density` on `<html>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Density {
    Comfortable,
    Compact,
}

impl Density {
    pub const ALL: [Density; 2] = [Density::Comfortable, Density::Compact];

    pub fn as_str(self) -> &'static str {
        match self {
            Density::Comfortable => "comfortable",
            Density::Compact => "compact",
        }
    }

    /// The density named `text` (`comfortable`, `compact`), as config and host messages write it.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == text)
    }
}

/// Embedding in a host portal's iframe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmbeddingConfig {
    /// Parent origins allowed to talk to the app, normalised as browsers write them
    /// (`https://admin.contoso.com`). Empty = not embeddable (messages ignored).
    pub allowed_parent_origins: Vec<String>,
    /// The host supplies access tokens instead of the app's own sign-in.
    pub tokens_from_host: bool,
    /// How long to wait for the host to answer a token request.
    pub host_timeout_ms: u32,
    /// Forced by the host's config, else follow `prefers-color-scheme`.
    pub theme: Option<Theme>,
    pub density: Option<Density>,
}

impl Default for EmbeddingConfig {
    fn default() -> Self {
        EmbeddingConfig {
            allowed_parent_origins: Vec::new(),
            tokens_from_host: false,
            host_timeout_ms: HOST_TIMEOUT.default,
            theme: None,
            density: None,
        }
    }
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
    /// How long one call to a service may take before it counts as failed (`requestTimeoutMs`).
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

impl std::error::Error for ConfigError {}

fn error(field: &str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        field: Some(field.to_string()),
        problem: problem.into(),
    }
}

/// Parses and validates the text of `config.json`.
pub fn parse(text: &str) -> Result<AppConfig, ConfigError> {
    read(text)?.validate()
}

// --- step 1: the file's shape, read by serde ---

/// `config.json` as written: every field optional (defaults come in [`ConfigFile::validate`]), no
/// field unknown.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ConfigFile {
    tenant: Option<String>,
    client_id: Option<String>,
    authority: Option<String>,
    graph_base_url: Option<String>,
    arm_base_url: Option<String>,
    mim_pam_base_url: Option<String>,
    portal_api_base_url: Option<String>,
    portal_api: Option<PortalApiSection>,
    sources: Option<Vec<String>>,
    redirect_uri: Option<String>,
    azure_portal_url: Option<String>,
    risk_roles: Option<Vec<RiskRoleEntry>>,
    max_duration: Option<MaxDurationSection>,
    approver_justification: Option<JustificationSection>,
    embedding: Option<EmbeddingSection>,
    request_timeout_ms: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PortalApiSection {
    auth: Option<String>,
    scope: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RiskRoleEntry {
    id: Option<String>,
    name: Option<String>,
    level: String,
    reason: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MaxDurationSection {
    critical: Option<String>,
    high: Option<String>,
    normal: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JustificationSection {
    min_length: Option<u32>,
    max_length: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct EmbeddingSection {
    allowed_parent_origins: Option<Vec<String>>,
    tokens_from_host: Option<bool>,
    host_timeout_ms: Option<u32>,
    theme: Option<String>,
    density: Option<String>,
}

fn read(text: &str) -> Result<ConfigFile, ConfigError> {
    // Serde would read a struct from a list too; the file must be one object.
    if !text.trim_start().starts_with('{') {
        serde_json::from_str::<serde::de::IgnoredAny>(text).map_err(not_json)?;
        return Err(ConfigError {
            field: None,
            problem: "must be a JSON object.".into(),
        });
    }
    let mut json = serde_json::Deserializer::from_str(text);
    let file: ConfigFile = serde_path_to_error::deserialize(&mut json).map_err(read_error)?;
    json.end().map_err(not_json)?;
    Ok(file)
}

fn not_json(e: serde_json::Error) -> ConfigError {
    ConfigError {
        field: None,
        problem: format!("is not valid JSON ({e})."),
    }
}

/// A serde error as a [`ConfigError`] naming the field's path (`embedding.hostTimeoutMs`,
/// `sources[1]`), with the field's own sentence for a wrong type.
fn read_error(e: serde_path_to_error::Error<serde_json::Error>) -> ConfigError {
    let path = e.path().to_string();
    let e = e.into_inner();
    if e.is_syntax() || e.is_eof() {
        return not_json(e);
    }
    let message = e.to_string();
    let message = message
        .rfind(" at line ")
        .map_or(message.as_str(), |end| &message[..end]);
    if path == "." {
        // Raised by the file as a whole, such as a field written twice.
        return ConfigError {
            field: None,
            problem: format!("is not a valid configuration ({message})."),
        };
    }
    let problem = if message.starts_with("unknown field") {
        "is an unknown field: check its spelling (the README lists every field).".to_string()
    } else {
        expected(&path).unwrap_or_else(|| format!("has the wrong type ({message})."))
    };
    error(&path, problem)
}

const RISK_ROLES_SHAPE: &str =
    "must be a list of {\"id\", \"name\", \"level\": \"critical\"|\"high\", \"reason\"}.";
const ISO_DURATION: &str = "must be an ISO 8601 duration such as \"PT2H\".";
const ORIGIN_SHAPE: &str = "must be an origin like \"https://admin.contoso.com\": scheme, host and an optional port, nothing else.";
const KNOWN_SOURCES: &str = "use entraRoles, groups, azureResources, mimPam or portalApi";

/// What the field at `path` must be, for a value of the wrong type.
fn expected(path: &str) -> Option<String> {
    let problem = match without_indices(path).as_str() {
        "tenant" | "clientId" | "authority" | "graphBaseUrl" | "armBaseUrl" | "mimPamBaseUrl"
        | "portalApiBaseUrl" | "redirectUri" | "azurePortalUrl" | "portalApi.auth"
        | "portalApi.scope" | "riskRoles[].id" | "riskRoles[].name" | "riskRoles[].reason"
        | "embedding.theme" | "embedding.density" => "must be a string.",
        "sources" => "must be a list such as [\"entraRoles\", \"groups\"].",
        "sources[]" => return Some(format!("is not a known source: {KNOWN_SOURCES}.")),
        "portalApi" => "must be an object like {\"auth\": \"cookie\"}.",
        "riskRoles" | "riskRoles[]" => RISK_ROLES_SHAPE,
        "riskRoles[].level" => "must be \"critical\", \"high\" or \"normal\".",
        "maxDuration" => "must be an object like {\"critical\": \"PT2H\"}.",
        "maxDuration.critical" | "maxDuration.high" | "maxDuration.normal" => ISO_DURATION,
        "approverJustification" => {
            "must be an object like {\"minLength\": 10, \"maxLength\": 500}."
        }
        "approverJustification.minLength" | "approverJustification.maxLength" => {
            "must be a whole number."
        }
        "embedding" => "must be an object.",
        "embedding.allowedParentOrigins" => "must be a list of origins.",
        "embedding.allowedParentOrigins[]" => ORIGIN_SHAPE,
        "embedding.tokensFromHost" => "must be true or false.",
        "embedding.hostTimeoutMs" => return Some(HOST_TIMEOUT.problem()),
        "requestTimeoutMs" => return Some(REQUEST_TIMEOUT.problem()),
        _ => return None,
    };
    Some(problem.to_string())
}

/// `riskRoles[3].level` → `riskRoles[].level`.
fn without_indices(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_index = false;
    for c in path.chars() {
        match c {
            '[' => {
                in_index = true;
                out.push_str("[]");
            }
            ']' => in_index = false,
            _ if in_index => {}
            _ => out.push(c),
        }
    }
    out
}

// --- step 2: the values, checked once ---

impl ConfigFile {
    fn validate(self) -> Result<AppConfig, ConfigError> {
        let mim_pam_base_url = optional_url("mimPamBaseUrl", self.mim_pam_base_url)?;
        let portal_api_base_url = optional_url("portalApiBaseUrl", self.portal_api_base_url)?;
        let sources = sources(
            self.sources,
            mim_pam_base_url.is_some(),
            portal_api_base_url.is_some(),
        )?;
        let tenant = tenant(self.tenant)?;
        let client_id = client_id(self.client_id)?;
        let authority = url_or("authority", self.authority, DEFAULT_AUTHORITY)?;
        let graph_base_url = url_or("graphBaseUrl", self.graph_base_url, DEFAULT_GRAPH)?;
        let arm_base_url = url_or("armBaseUrl", self.arm_base_url, DEFAULT_ARM)?;
        let portal_auth = portal_auth(self.portal_api, &[&graph_base_url, &arm_base_url])?;
        Ok(AppConfig {
            tenant,
            client_id,
            authority,
            graph_base_url,
            arm_base_url,
            portal_auth,
            mim_pam_base_url,
            portal_api_base_url,
            sources,
            redirect_uri: optional_url("redirectUri", self.redirect_uri)?,
            azure_portal_url: url_or(
                "azurePortalUrl",
                self.azure_portal_url,
                DEFAULT_AZURE_PORTAL,
            )?,
            risk: risk(self.risk_roles)?,
            max_duration: max_duration(self.max_duration)?,
            approver_justification: justification(self.approver_justification)?,
            embedding: embedding(self.embedding)?,
            request_timeout_ms: milliseconds(
                "requestTimeoutMs",
                self.request_timeout_ms,
                &REQUEST_TIMEOUT,
            )?,
        })
    }
}

fn tenant(value: Option<String>) -> Result<String, ConfigError> {
    let tenant = value
        .as_deref()
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

fn client_id(value: Option<String>) -> Result<String, ConfigError> {
    let id = value.as_deref().map(str::trim).unwrap_or("");
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

/// Hosts plain `http://` is allowed for (the emulator, local development).
fn is_loopback(host: &str) -> bool {
    matches!(host, "127.0.0.1" | "localhost" | "[::1]")
}

/// `https://` anywhere; `http://` only on loopback (the emulator, local development).
fn validate_url(text: &str) -> Result<String, String> {
    let trimmed = text.trim().trim_end_matches('/');
    let rest = if let Some(rest) = trimmed.strip_prefix("https://") {
        rest
    } else if let Some(rest) = trimmed.strip_prefix("http://") {
        let host = rest.split(['/', ':']).next().unwrap_or("");
        if !is_loopback(host) {
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

fn url_or(field: &str, value: Option<String>, default: &str) -> Result<String, ConfigError> {
    match value {
        None => Ok(default.to_string()),
        Some(text) => validate_url(&text).map_err(|p| error(field, p)),
    }
}

fn optional_url(field: &str, value: Option<String>) -> Result<Option<String>, ConfigError> {
    match value.filter(|t| !t.trim().is_empty()) {
        None => Ok(None),
        Some(text) => validate_url(&text).map(Some).map_err(|p| error(field, p)),
    }
}

fn sources(
    list: Option<Vec<String>>,
    has_pam: bool,
    has_portal: bool,
) -> Result<Vec<SourceKind>, ConfigError> {
    let Some(list) = list else {
        return Ok([
            SourceKind::EntraRoles,
            SourceKind::Groups,
            SourceKind::AzureResources,
        ]
        .into_iter()
        .chain(has_pam.then_some(SourceKind::MimPam))
        .chain(has_portal.then_some(SourceKind::PortalApi))
        .collect());
    };
    let mut out = Vec::new();
    for (index, key) in list.iter().enumerate() {
        let source = SourceKind::from_config_key(key).ok_or_else(|| {
            error(
                &format!("sources[{index}]"),
                format!("is not a known source: {KNOWN_SOURCES} (got \"{key}\")."),
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

fn portal_auth(
    section: Option<PortalApiSection>,
    other_apis: &[&str],
) -> Result<PortalAuth, ConfigError> {
    let Some(section) = section else {
        return Ok(PortalAuth::Cookie);
    };
    match section.auth.as_deref() {
        None | Some("cookie") => Ok(PortalAuth::Cookie),
        Some("bearer") => {
            let scope = section
                .scope
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .ok_or_else(|| {
                    error(
                        "portalApi.scope",
                        "is required when portalApi.auth is \"bearer\".",
                    )
                })?;
            let scope = portal_scope(scope, other_apis).map_err(|p| error("portalApi.scope", p))?;
            Ok(PortalAuth::Bearer { scope })
        }
        Some(other) => Err(error(
            "portalApi.auth",
            format!("must be \"bearer\" or \"cookie\" (got \"{other}\")."),
        )),
    }
}

/// Microsoft Graph (and the retired Azure AD Graph) and Azure Resource Manager in every cloud: the
/// portal API's scope must not name them, or the portal would receive a token for them.
const MICROSOFT_API_HOSTS: [&str; 11] = [
    "graph.microsoft.com",
    "graph.microsoft.us",
    "dod-graph.microsoft.us",
    "microsoftgraph.chinacloudapi.cn",
    "graph.windows.net",
    "management.azure.com",
    "management.core.windows.net",
    "management.usgovcloudapi.net",
    "management.core.usgovcloudapi.net",
    "management.chinacloudapi.cn",
    "management.core.chinacloudapi.cn",
];

/// The application ids of Microsoft Graph, Azure AD Graph and Azure Resource Manager.
const MICROSOFT_API_IDS: [&str; 3] = [
    "00000003-0000-0000-c000-000000000000",
    "00000002-0000-0000-c000-000000000000",
    "797f4846-ba00-4fd7-ba43-dac1f8f63013",
];

/// `portalApi.scope`: exactly one scope, `{resource}/{permission}`, whose resource (an `api://` or
/// `https://` application id URI, or an application id) is neither Graph nor ARM. A scope without a
/// resource is a Graph scope to Entra.
fn portal_scope(scope: &str, other_apis: &[&str]) -> Result<String, String> {
    const EXAMPLE: &str = "\"api://contoso-admin-portal/Pim.ReadWrite\"";
    if scope.contains(char::is_whitespace) {
        return Err(format!(
            "must be one scope of the portal API, such as {EXAMPLE}."
        ));
    }
    let (resource, _permission) = scope
        .rsplit_once('/')
        .filter(|(resource, permission)| !resource.is_empty() && !permission.is_empty())
        .ok_or_else(|| {
            format!("must name the portal API's resource, such as {EXAMPLE}: Entra reads a scope without one as a Microsoft Graph scope.")
        })?;
    let resource = resource.trim_end_matches('/').to_ascii_lowercase();
    let host = resource
        .strip_prefix("https://")
        .map(|rest| rest.split(['/', ':']).next().unwrap_or(""));
    let well_formed = resource.starts_with("api://") || host.is_some() || is_guid(&resource);
    if !well_formed {
        return Err(format!(
            "must be a scope of the portal API's application id URI (api://… or https://…) or application id, such as {EXAMPLE}."
        ));
    }
    let configured_hosts = other_apis.iter().filter_map(|url| {
        url.strip_prefix("https://")
            .map(|rest| rest.split(['/', ':']).next().unwrap_or(""))
    });
    let is_microsoft_api = MICROSOFT_API_IDS.contains(&resource.as_str())
        || host.is_some_and(|host| {
            MICROSOFT_API_HOSTS.contains(&host)
                || configured_hosts
                    .clone()
                    .any(|c| c.eq_ignore_ascii_case(host))
        });
    if is_microsoft_api {
        return Err(format!(
            "must be a scope of the portal API, not of Microsoft Graph or Azure Resource Manager (got \"{scope}\"): the portal must never receive a token for them."
        ));
    }
    Ok(scope.to_string())
}

fn risk(entries: Option<Vec<RiskRoleEntry>>) -> Result<RiskPolicy, ConfigError> {
    let Some(entries) = entries else {
        return Ok(RiskPolicy::default());
    };
    let mut rules = Vec::with_capacity(entries.len());
    for (index, entry) in entries.into_iter().enumerate() {
        if entry.id.is_none() && entry.name.is_none() {
            return Err(error(
                &format!("riskRoles[{index}]"),
                "needs an \"id\" or a \"name\".",
            ));
        }
        let level = RiskLevel::from_config(&entry.level).ok_or_else(|| {
            error(
                &format!("riskRoles[{index}].level"),
                format!(
                    "must be \"critical\", \"high\" or \"normal\" (got \"{}\").",
                    entry.level
                ),
            )
        })?;
        rules.push(RiskRule {
            id: entry.id,
            name: entry.name,
            level,
            reason: entry.reason,
        });
    }
    Ok(RiskPolicy { rules })
}

fn max_duration(section: Option<MaxDurationSection>) -> Result<DurationPolicy, ConfigError> {
    let mut policy = DurationPolicy::default();
    let Some(section) = section else {
        return Ok(policy);
    };
    for (level, value, slot) in [
        ("critical", section.critical, &mut policy.critical),
        ("high", section.high, &mut policy.high),
        ("normal", section.normal, &mut policy.normal),
    ] {
        if let Some(text) = value {
            *slot = IsoDuration::parse(&text)
                .ok_or_else(|| error(&format!("maxDuration.{level}"), ISO_DURATION))?;
        }
    }
    Ok(policy)
}

fn justification(
    section: Option<JustificationSection>,
) -> Result<JustificationPolicy, ConfigError> {
    let defaults = JustificationPolicy::default();
    let Some(section) = section else {
        return Ok(defaults);
    };
    let length = |value: Option<u32>, default: usize| value.map_or(default, |n| n as usize);
    let policy = JustificationPolicy {
        min_length: length(section.min_length, defaults.min_length).max(1),
        max_length: length(section.max_length, defaults.max_length),
    };
    if policy.max_length < policy.min_length {
        return Err(error(
            "approverJustification.maxLength",
            "must not be smaller than minLength.",
        ));
    }
    Ok(policy)
}

fn milliseconds(
    field: &str,
    value: Option<u32>,
    limits: &Milliseconds,
) -> Result<u32, ConfigError> {
    let value = value.unwrap_or(limits.default);
    if (limits.min..=limits.max).contains(&value) {
        Ok(value)
    } else {
        Err(error(field, limits.problem()))
    }
}

/// An origin exactly as a browser writes `event.origin`: lower-case `scheme://host`, plus `:port`
/// only when it is not the scheme's default. A path (other than a lone `/`), query, fragment, user
/// info, wildcard, whitespace or anything else is refused; `http://` only for loopback.
fn normalise_origin(text: &str) -> Result<String, &'static str> {
    let (scheme, rest) = text.split_once("://").ok_or(ORIGIN_SHAPE)?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => 443,
        "http" => 80,
        _ => return Err(ORIGIN_SHAPE),
    };
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    let (host, port) = split_port(authority).ok_or(ORIGIN_SHAPE)?;
    let host = host.to_ascii_lowercase();
    if !is_host(&host) {
        return Err(ORIGIN_SHAPE);
    }
    if scheme == "http" && !is_loopback(&host) {
        return Err("must use https:// (http:// is only allowed for 127.0.0.1 or localhost).");
    }
    let port = match port {
        None => None,
        Some(digits) => Some(port_number(digits).ok_or(ORIGIN_SHAPE)?),
    };
    Ok(match port.filter(|p| *p != default_port) {
        Some(port) => format!("{scheme}://{host}:{port}"),
        None => format!("{scheme}://{host}"),
    })
}

/// `host[:port]` or `[v6]:port` → host and port text.
fn split_port(authority: &str) -> Option<(&str, Option<&str>)> {
    if authority.starts_with('[') {
        let end = authority.find(']')?;
        let (host, rest) = authority.split_at(end + 1);
        return match rest {
            "" => Some((host, None)),
            _ => Some((host, Some(rest.strip_prefix(':')?))),
        };
    }
    match authority.split_once(':') {
        None => Some((authority, None)),
        Some((host, port)) => Some((host, Some(port))),
    }
}

/// A DNS name or IPv4 address (lower-case ASCII labels of letters, digits and inner hyphens), or a
/// bracketed IPv6 address.
fn is_host(host: &str) -> bool {
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return !inner.is_empty()
            && inner
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || matches!(b, b':' | b'.'));
    }
    let label_ok = |label: &str| {
        (1..=63).contains(&label.len())
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    host.len() <= 253 && host.split('.').all(label_ok)
}

fn port_number(digits: &str) -> Option<u16> {
    let valid = (1..=5).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
    valid
        .then(|| digits.parse::<u16>().ok())
        .flatten()
        .filter(|p| *p != 0)
}

fn embedding(section: Option<EmbeddingSection>) -> Result<EmbeddingConfig, ConfigError> {
    let Some(section) = section else {
        return Ok(EmbeddingConfig::default());
    };
    let origins = section
        .allowed_parent_origins
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(index, text)| {
            normalise_origin(text)
                .map_err(|p| error(&format!("embedding.allowedParentOrigins[{index}]"), p))
        })
        .collect::<Result<Vec<String>, ConfigError>>()?;
    let tokens_from_host = section.tokens_from_host.unwrap_or(false);
    if tokens_from_host && origins.is_empty() {
        return Err(error(
            "embedding.allowedParentOrigins",
            "must name the host portal's origin when tokensFromHost is true.",
        ));
    }
    let theme = choice(
        "embedding.theme",
        section.theme,
        Theme::parse,
        &Theme::ALL.map(Theme::as_str),
    )?;
    let density = choice(
        "embedding.density",
        section.density,
        Density::parse,
        &Density::ALL.map(Density::as_str),
    )?;
    Ok(EmbeddingConfig {
        allowed_parent_origins: origins,
        tokens_from_host,
        host_timeout_ms: milliseconds(
            "embedding.hostTimeoutMs",
            section.host_timeout_ms,
            &HOST_TIMEOUT,
        )?,
        theme,
        density,
    })
}

/// One of a fixed set of names (`theme`, `density`).
fn choice<T>(
    field: &str,
    value: Option<String>,
    parse: fn(&str) -> Option<T>,
    names: &[&str],
) -> Result<Option<T>, ConfigError> {
    value
        .map(|text| {
            parse(&text)
                .ok_or_else(|| error(field, format!("must be one of {}.", names.join(", "))))
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"{ "tenant": "contoso.onmicrosoft.com", "clientId": "d0000000-0000-4000-8000-0000000000d0" }"#;

    /// The minimal config plus `extra` (JSON object members without braces).
    fn with(extra: &str) -> Result<AppConfig, ConfigError> {
        parse(&format!(
            r#"{{ "tenant": "t", "clientId": "d0000000-0000-4000-8000-0000000000d0", {extra} }}"#
        ))
    }

    fn field_of(extra: &str) -> String {
        let err = with(extra).expect_err(extra);
        assert!(err.to_string().starts_with("config.json: \""), "{err}");
        err.field.expect("names a field")
    }

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
        assert_eq!(config.request_timeout_ms, 30_000);
        assert_eq!(config.embedding, EmbeddingConfig::default());
        assert_eq!(config.embedding.host_timeout_ms, 5_000);
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
            (r#"{"tenant": 5, "clientId": "nope"}"#, "tenant"),
        ];
        for (text, field) in cases {
            let err = parse(text).unwrap_err();
            assert_eq!(err.field.as_deref(), Some(field), "{text}");
        }
        for (extra, field) in [
            (r#""graphBaseUrl": "http://evil.example""#, "graphBaseUrl"),
            (r#""sources": ["entraRoles", "sharepoint"]"#, "sources[1]"),
            (r#""sources": ["entraRoles", 3]"#, "sources[1]"),
            (r#""sources": "entraRoles""#, "sources"),
            (r#""portalApi": {"auth": "bearer"}"#, "portalApi.scope"),
            (r#""portalApi": {"auth": "basic"}"#, "portalApi.auth"),
            (r#""portalApi": "cookie""#, "portalApi"),
            (r#""maxDuration": {"high": "4 hours"}"#, "maxDuration.high"),
            (r#""maxDuration": {"high": 4}"#, "maxDuration.high"),
            (
                r#""riskRoles": [{"name": "x", "level": "severe"}]"#,
                "riskRoles[0].level",
            ),
            (r#""riskRoles": [{"level": "high"}]"#, "riskRoles[0]"),
            (r#""riskRoles": [{"name": "x"}]"#, "riskRoles[0]"),
            (
                r#""approverJustification": {"minLength": -1}"#,
                "approverJustification.minLength",
            ),
            (
                r#""approverJustification": {"minLength": 20, "maxLength": 10}"#,
                "approverJustification.maxLength",
            ),
            (
                r#""embedding": {"allowedParentOrigins": ["https://a.example/path"]}"#,
                "embedding.allowedParentOrigins[0]",
            ),
            (
                r#""embedding": {"tokensFromHost": "yes"}"#,
                "embedding.tokensFromHost",
            ),
            (
                r#""embedding": {"tokensFromHost": true}"#,
                "embedding.allowedParentOrigins",
            ),
            (r#""embedding": {"theme": "purple"}"#, "embedding.theme"),
            (r#""embedding": {"density": "tiny"}"#, "embedding.density"),
            (r#""embedding": []"#, "embedding"),
        ] {
            assert_eq!(field_of(extra), field, "{extra}");
        }
    }

    #[test]
    fn today_s_messages_are_kept() {
        let problem = |extra: &str| with(extra).unwrap_err().problem;
        assert_eq!(
            problem(r#""sources": ["entraRoles", "sharepoint"]"#),
            "is not a known source: use entraRoles, groups, azureResources, mimPam or portalApi (got \"sharepoint\")."
        );
        assert_eq!(problem(r#""authority": 1"#), "must be a string.");
        assert_eq!(
            problem(r#""portalApi": {"auth": "bearer"}"#),
            "is required when portalApi.auth is \"bearer\"."
        );
        assert_eq!(
            problem(r#""embedding": {"tokensFromHost": 1}"#),
            "must be true or false."
        );
        assert_eq!(
            problem(r#""maxDuration": {"critical": "2h"}"#),
            "must be an ISO 8601 duration such as \"PT2H\"."
        );
        assert_eq!(
            problem(r#""embedding": {"theme": "purple"}"#),
            "must be one of light, dark, auto."
        );
    }

    #[test]
    fn unknown_fields_are_errors_naming_their_path() {
        for (extra, field) in [
            (r#""embeding": {}"#, "embeding"),
            (r#""embedding": {"embeding": true}"#, "embedding.embeding"),
            (
                r#""embedding": {"allowedParentOrigin": []}"#,
                "embedding.allowedParentOrigin",
            ),
            (
                r#""portalApi": {"auth": "cookie", "scopes": "x"}"#,
                "portalApi.scopes",
            ),
            (
                r#""riskRoles": [{"name": "x", "level": "high", "why": "y"}]"#,
                "riskRoles[0].why",
            ),
            (r#""maxDuration": {"medium": "PT1H"}"#, "maxDuration.medium"),
            (
                r#""approverJustification": {"min": 1}"#,
                "approverJustification.min",
            ),
            (r#""clientID": "x""#, "clientID"),
        ] {
            let err = with(extra).unwrap_err();
            assert_eq!(err.field.as_deref(), Some(field), "{extra}");
            assert!(err.problem.contains("unknown field"), "{}", err.problem);
        }
    }

    #[test]
    fn invalid_json_is_reported_without_a_field() {
        for text in [
            "{ tenant: ",
            "",
            "{} {}",
            "{\"tenant\": \"t\",}",
            "[1, 2]",
            "null",
            "\"x\"",
        ] {
            let err = parse(text).unwrap_err();
            assert_eq!(err.field, None, "{text:?}");
            assert!(
                err.problem.contains("not valid JSON") || err.problem == "must be a JSON object.",
                "{text:?}: {}",
                err.problem
            );
        }
        assert!(parse("{ tenant: ")
            .unwrap_err()
            .to_string()
            .contains("not valid JSON"));
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

    #[test]
    fn origins_are_normalised_as_browsers_write_them() {
        for (given, origin) in [
            ("https://admin.contoso.com", "https://admin.contoso.com"),
            ("https://Admin.Contoso.com", "https://admin.contoso.com"),
            ("HTTPS://ADMIN.CONTOSO.COM", "https://admin.contoso.com"),
            ("https://admin.contoso.com:443", "https://admin.contoso.com"),
            (
                "https://admin.contoso.com:0443",
                "https://admin.contoso.com",
            ),
            ("https://admin.contoso.com/", "https://admin.contoso.com"),
            (
                "https://admin.contoso.com:8443",
                "https://admin.contoso.com:8443",
            ),
            ("http://127.0.0.1:9000", "http://127.0.0.1:9000"),
            ("http://localhost:80", "http://localhost"),
            ("http://[::1]:8080", "http://[::1]:8080"),
        ] {
            assert_eq!(normalise_origin(given).as_deref(), Ok(origin), "{given}");
        }
        let config = with(
            r#""embedding": {"allowedParentOrigins": ["https://Admin.Contoso.com", "https://admin.contoso.com:443"], "tokensFromHost": true}"#,
        )
        .unwrap();
        assert_eq!(
            config.embedding.allowed_parent_origins,
            ["https://admin.contoso.com", "https://admin.contoso.com"]
        );
    }

    #[test]
    fn origins_with_anything_more_are_refused() {
        for bad in [
            "https://admin.contoso.com/pim",
            "https://admin.contoso.com//",
            "https://admin.contoso.com?x=1",
            "https://admin.contoso.com#top",
            "https://user@admin.contoso.com",
            "https://user:pw@admin.contoso.com",
            "https://*.contoso.com",
            "https://admin.contoso.com ",
            " https://admin.contoso.com",
            "https://admin.contoso.com.",
            "https://admin..contoso.com",
            "https://-admin.contoso.com",
            "https://admin.contoso.com:",
            "https://admin.contoso.com:65536",
            "https://admin.contoso.com:0",
            "https://admin.contoso.com:+443",
            "https://admin.contoso.com:443x",
            "https://admin.contoso.com:44:3",
            "https://bücher.example",
            "https://admin.contoso.com\\",
            "https://admin.contoso.com\u{200B}",
            "https://admin.contoso.com\t",
            "http://admin.contoso.com",
            "javascript://admin.contoso.com",
            "admin.contoso.com",
            "https://",
            "https://[]",
            "https://[::1",
            "*",
            "null",
            "",
        ] {
            assert!(normalise_origin(bad).is_err(), "{bad:?}");
            let extra = format!(
                r#""embedding": {{"allowedParentOrigins": ["https://ok.example", {}]}}"#,
                serde_json::to_string(bad).unwrap()
            );
            assert_eq!(
                field_of(&extra),
                "embedding.allowedParentOrigins[1]",
                "{bad:?}"
            );
        }
        assert!(normalise_origin("http://admin.contoso.com")
            .unwrap_err()
            .contains("https://"));
    }

    #[test]
    fn timeouts_must_be_numbers_in_range() {
        assert_eq!(
            field_of(r#""embedding": {"hostTimeoutMs": "5000"}"#),
            "embedding.hostTimeoutMs"
        );
        let err = with(r#""embedding": {"hostTimeoutMs": "5000"}"#).unwrap_err();
        assert_eq!(
            err.problem,
            "must be a whole number of milliseconds from 500 to 60000."
        );
        for bad in [
            "499",
            "60001",
            "-1",
            "1.5",
            "true",
            "null1",
            "1e3",
            "99999999999",
        ] {
            let extra = format!(r#""embedding": {{"hostTimeoutMs": {bad}}}"#);
            match with(&extra) {
                Err(e) => assert!(
                    e.field.as_deref() == Some("embedding.hostTimeoutMs") || e.field.is_none(),
                    "{bad}: {e}"
                ),
                Ok(_) => panic!("{bad} accepted"),
            }
        }
        let config =
            with(r#""embedding": {"hostTimeoutMs": 2000}, "requestTimeoutMs": 1000"#).unwrap();
        assert_eq!(config.embedding.host_timeout_ms, 2000);
        assert_eq!(config.request_timeout_ms, 1000);
        assert_eq!(
            with(r#""requestTimeoutMs": 120000"#)
                .unwrap()
                .request_timeout_ms,
            120_000
        );
        for bad in [
            "999",
            "120001",
            "0",
            "\"30000\"",
            "30000.5",
            "-30000",
            "[30000]",
        ] {
            assert_eq!(
                field_of(&format!(r#""requestTimeoutMs": {bad}"#)),
                "requestTimeoutMs",
                "{bad}"
            );
        }
        assert_eq!(
            with(r#""requestTimeoutMs": 999"#).unwrap_err().problem,
            "must be a whole number of milliseconds from 1000 to 120000."
        );
    }

    #[test]
    fn the_portal_scope_names_the_portal_api() {
        let scope_of = |scope: &str| {
            with(&format!(
                r#""portalApi": {{"auth": "bearer", "scope": {}}}"#,
                serde_json::to_string(scope).unwrap()
            ))
        };
        for good in [
            "api://contoso-admin-portal/Pim.ReadWrite",
            "https://admin.contoso.com/pim/.default",
            "d0000000-0000-4000-8000-0000000000d0/Pim.ReadWrite",
            " api://contoso-admin-portal/Pim.ReadWrite ",
        ] {
            assert_eq!(
                scope_of(good).unwrap().portal_auth,
                PortalAuth::Bearer {
                    scope: good.trim().to_string()
                },
                "{good}"
            );
        }
        for bad in [
            "https://graph.microsoft.com/.default",
            "https://GRAPH.microsoft.com/User.Read",
            "https://graph.microsoft.com//.default",
            "https://management.azure.com/user_impersonation",
            "https://management.core.windows.net//user_impersonation",
            "https://management.azure.com:443/.default",
            "00000003-0000-0000-c000-000000000000/User.Read",
            "797f4846-ba00-4fd7-ba43-dac1f8f63013/user_impersonation",
            "https://graph.microsoft.us/.default",
            "User.Read",
            "RoleAssignmentSchedule.ReadWrite.Directory",
            "api://contoso-admin-portal/",
            "/Pim.ReadWrite",
            "api://contoso-admin-portal/A api://contoso-admin-portal/B",
            "openid",
            "mailto:x/y",
        ] {
            let err = scope_of(bad).unwrap_err();
            assert_eq!(err.field.as_deref(), Some("portalApi.scope"), "{bad}");
        }
        let sovereign = with(
            r#""graphBaseUrl": "https://graph.contoso-cloud.example", "portalApi": {"auth": "bearer", "scope": "https://graph.contoso-cloud.example/.default"}"#,
        )
        .unwrap_err();
        assert_eq!(
            sovereign.field.as_deref(),
            Some("portalApi.scope"),
            "the configured Graph"
        );
        assert!(with(r#""portalApi": {"auth": "cookie", "scope": "User.Read"}"#).is_ok());
    }

    #[test]
    fn theme_and_density_are_enums() {
        let config = with(r#""embedding": {"theme": "dark", "density": "compact"}"#).unwrap();
        assert_eq!(config.embedding.theme, Some(Theme::Dark));
        assert_eq!(config.embedding.density, Some(Density::Compact));
        let auto = with(r#""embedding": {"theme": "auto"}"#).unwrap();
        assert_eq!(auto.embedding.theme, Some(Theme::Auto));
        assert_eq!(auto.embedding.density, None);
        for theme in Theme::ALL {
            assert_eq!(Theme::parse(theme.as_str()), Some(theme));
        }
        for density in Density::ALL {
            assert_eq!(Density::parse(density.as_str()), Some(density));
        }
        assert_eq!(Theme::parse("Dark"), None);
        assert_eq!(Density::parse(""), None);
    }

    #[test]
    fn risk_roles_replace_the_built_in_list() {
        let config = with(
            r#""riskRoles": [{"id": "62e90394-69f5-4237-9190-012177145e10", "level": "high", "reason": "ours"}, {"name": "Tier 0", "level": "critical"}]"#,
        )
        .unwrap();
        assert_eq!(config.risk.rules.len(), 2);
        assert_eq!(config.risk.rules[0].level, RiskLevel::High);
        assert_eq!(config.risk.rules[1].name.as_deref(), Some("Tier 0"));
        assert_eq!(
            with(r#""riskRoles": null"#).unwrap().risk,
            RiskPolicy::default()
        );
    }

    #[test]
    fn hostile_values_are_errors_not_panics() {
        let long = "x".repeat(100_000);
        for extra in [
            format!(r#""tenant2": "{long}""#),
            format!(r#""sources": ["{long}"]"#),
            r#""maxDuration": {"critical": "P300000Y"}"#.to_string(),
            r#""maxDuration": {"critical": "PT99999999999999999999H"}"#.to_string(),
            r#""approverJustification": {"maxLength": 99999999999}"#.to_string(),
            r#""embedding": {"allowedParentOrigins": "https://a.example"}"#.to_string(),
            r#""embedding": {"allowedParentOrigins": [null]}"#.to_string(),
            r#""redirectUri": "https://a.example/<script>""#.to_string(),
        ] {
            let _ = with(&extra);
        }
        assert!(
            with(r#""maxDuration": {"critical": "P300000Y"}"#).is_ok(),
            "a long limit is allowed"
        );
        let nested = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert_eq!(parse(&nested).unwrap_err().field, None);
    }

    #[test]
    fn a_field_written_twice_is_an_error() {
        let err = parse(
            r#"{"tenant": "a", "tenant": "b", "clientId": "d0000000-0000-4000-8000-0000000000d0"}"#,
        )
        .unwrap_err();
        assert_eq!(err.field, None);
        assert!(err.problem.contains("duplicate field"), "{}", err.problem);
    }

    #[test]
    fn paths_lose_their_indices_for_the_message_table() {
        assert_eq!(without_indices("riskRoles[12].level"), "riskRoles[].level");
        assert_eq!(without_indices("sources[0]"), "sources[]");
        assert_eq!(without_indices("tenant"), "tenant");
    }
}
