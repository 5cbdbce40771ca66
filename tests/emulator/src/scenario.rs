//! The scenario file format (`--scenario FILE`): tenant, users, role catalogs and requests, with times
//! relative to load time. Owns parsing, validation and the catalog look-ups every service shares.

use crate::scenario_context::{GroupMembership, ScenarioContext, UserProfile};
use serde::{Deserialize, Serialize};

/// A whole tenant as described by a scenario file (see SPEC.md "Scenario file").
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Scenario {
    pub tenant: Tenant,
    pub client_id: String,
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    pub users: Vec<User>,
    #[serde(default)]
    pub directory_roles: Vec<NamedItem>,
    #[serde(default)]
    pub azure_roles: Vec<NamedItem>,
    #[serde(default)]
    pub azure_scopes: Vec<AzureScope>,
    #[serde(default)]
    pub groups: Vec<Group>,
    #[serde(default)]
    pub pam_roles: Vec<NamedItem>,
    #[serde(default)]
    pub requests: Vec<ScenarioRequest>,
    /// Policies, assignments, eligibilities and the licence (decision context, `scenario_context.rs`).
    #[serde(flatten)]
    pub context: ScenarioContext,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tenant {
    pub id: String,
    pub domain: String,
    pub display_name: String,
    /// Delegated permissions of the app's registration the tenant's admin consent does not include
    /// (bare names are Graph scopes): asking for one fails (see README "Consent").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub withheld_scopes: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum UserKind {
    #[default]
    User,
    ServicePrincipal,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    pub display_name: String,
    pub user_principal_name: String,
    #[serde(default)]
    pub sam_account_name: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: UserKind,
    /// Account facts for `/users/{id}` (decision context); boxed to keep `User` small.
    #[serde(flatten)]
    pub profile: Box<UserProfile>,
}

impl User {
    pub fn is_service_principal(&self) -> bool {
        self.kind == UserKind::ServicePrincipal
    }

    /// The on-premises account name MIM PAM shows (`samAccountName`, else the UPN's local part).
    pub fn account_name(&self) -> &str {
        self.sam_account_name.as_deref().unwrap_or_else(|| {
            self.user_principal_name
                .split('@')
                .next()
                .unwrap_or_default()
        })
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NamedItem {
    pub id: String,
    pub display_name: String,
}

/// An ARM scope. `parent` (an emulator extension) places a subscription under a management group so
/// that "at or below this scope" follows the hierarchy, not just the path prefix.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AzureScope {
    pub id: String,
    pub display_name: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub parent: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    pub id: String,
    pub display_name: String,
    #[serde(default)]
    pub mail: Option<String>,
    /// Owners and members (decision context).
    #[serde(flatten)]
    pub membership: GroupMembership,
}

/// The five request sources the app reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Source {
    EntraRoles,
    Groups,
    AzureResources,
    MimPam,
    PortalApi,
}

impl Source {
    pub const ALL: [Source; 5] = [
        Source::EntraRoles,
        Source::Groups,
        Source::AzureResources,
        Source::MimPam,
        Source::PortalApi,
    ];

    /// The scenario file's name of the source (camelCase, as serde writes it): `entraRoles`, ….
    pub fn as_str(self) -> &'static str {
        match self {
            Source::EntraRoles => "entraRoles",
            Source::Groups => "groups",
            Source::AzureResources => "azureResources",
            Source::MimPam => "mimPam",
            Source::PortalApi => "portalApi",
        }
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the requester asked for; only `SelfActivate` can be decided through the APIs.
/// The variant names are the APIs' own values.
#[allow(clippy::enum_variant_names)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    #[default]
    SelfActivate,
    SelfExtend,
    SelfRenew,
}

impl Action {
    /// PascalCase, as Graph's documented samples and ARM's `requestType` show it.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::SelfActivate => "SelfActivate",
            Action::SelfExtend => "SelfExtend",
            Action::SelfRenew => "SelfRenew",
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ticket {
    pub number: String,
    pub system: String,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ScenarioState {
    #[default]
    Pending,
    Approved,
    Denied,
    Canceled,
    Expired,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScenarioDecision {
    pub by: String,
    pub minutes_after_creation: i64,
    #[serde(default)]
    pub justification: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScenarioRequest {
    pub id: String,
    pub source: Source,
    pub principal: String,
    pub approvers: Vec<String>,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub access_id: Option<String>,
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub action: Action,
    pub created_minutes_ago: i64,
    #[serde(default)]
    pub start_minutes_from_creation: Option<i64>,
    #[serde(default = "default_duration")]
    pub duration: String,
    /// MIM PAM only: `RequestedTTL` served verbatim (default: `duration` in seconds).
    #[serde(default)]
    pub requested_ttl: Option<String>,
    #[serde(default)]
    pub justification: String,
    #[serde(default)]
    pub ticket: Option<Ticket>,
    #[serde(default = "default_true")]
    pub justification_required: bool,
    #[serde(default)]
    pub stage_display_name: Option<String>,
    #[serde(default)]
    pub state: ScenarioState,
    /// For approved/denied: who decided and when. For canceled: only `minutesAfterCreation` is used.
    #[serde(default)]
    pub decision: Option<ScenarioDecision>,
}

fn default_duration() -> String {
    "PT1H".to_string()
}

fn default_true() -> bool {
    true
}

impl Scenario {
    /// Parse and validate a scenario from JSON text.
    pub fn from_json(text: &str) -> Result<Scenario, String> {
        let scenario: Scenario =
            serde_json::from_str(text).map_err(|e| format!("invalid scenario JSON: {e}"))?;
        scenario.validate()?;
        Ok(scenario)
    }

    /// Read, parse and validate a scenario file.
    pub fn from_file(path: &std::path::Path) -> Result<Scenario, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Scenario::from_json(&text)
    }

    /// The demo tenant (`scenarios/demo.json`), built into the crate.
    pub fn demo() -> Scenario {
        Scenario::from_json(include_str!("../scenarios/demo.json")).expect("demo.json is valid")
    }

    /// Check that every id a request refers to exists.
    pub fn validate(&self) -> Result<(), String> {
        let mut seen = std::collections::HashSet::new();
        for request in &self.requests {
            if !seen.insert(request.id.as_str()) {
                return Err(format!("duplicate request id {}", request.id));
            }
            self.validate_request(request)
                .map_err(|e| format!("request {}: {e}", request.id))?;
        }
        self.context.validate(self)
    }

    fn validate_request(&self, request: &ScenarioRequest) -> Result<(), String> {
        let user_ids = std::iter::once(&request.principal)
            .chain(&request.approvers)
            .chain(request.decision.as_ref().map(|d| &d.by));
        for id in user_ids {
            self.user(id).ok_or(format!("unknown user {id}"))?;
        }
        match request.source {
            Source::Groups => {
                let group = request
                    .group
                    .as_deref()
                    .ok_or("groups request without group")?;
                self.group(group).ok_or(format!("unknown group {group}"))?;
            }
            Source::AzureResources => {
                let scope = request.scope.as_deref().unwrap_or("/");
                if scope != "/" && self.azure_scope(scope).is_none() {
                    return Err(format!("unknown Azure scope {scope}"));
                }
                self.require_role(request)?;
            }
            Source::EntraRoles | Source::MimPam => self.require_role(request)?,
            Source::PortalApi => {}
        }
        let decided = matches!(
            request.state,
            ScenarioState::Approved | ScenarioState::Denied
        );
        if decided && request.decision.is_none() {
            return Err("approved/denied request without decision".into());
        }
        Ok(())
    }

    fn require_role(&self, request: &ScenarioRequest) -> Result<(), String> {
        let role = request.role.as_deref().ok_or("request without role")?;
        self.role_name(request.source, role)
            .map(|_| ())
            .ok_or(format!("unknown role {role}"))
    }

    pub fn user(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    /// A user by object id or (case-insensitive) UPN.
    pub fn user_by_id_or_upn(&self, key: &str) -> Option<&User> {
        self.user(key).or_else(|| {
            self.users
                .iter()
                .find(|u| u.user_principal_name.eq_ignore_ascii_case(key))
        })
    }

    pub fn group(&self, id: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.id == id)
    }

    pub fn azure_scope(&self, id: &str) -> Option<&AzureScope> {
        self.azure_scopes
            .iter()
            .find(|s| s.id.eq_ignore_ascii_case(id))
    }

    /// The display name of a role in the catalog of `source` (the portal may use any catalog).
    pub fn role_name(&self, source: Source, id: &str) -> Option<&str> {
        let catalogs: &[&[NamedItem]] = match source {
            Source::EntraRoles => &[&self.directory_roles],
            Source::AzureResources => &[&self.azure_roles],
            Source::MimPam => &[&self.pam_roles],
            Source::Groups => &[],
            Source::PortalApi => &[&self.directory_roles, &self.azure_roles, &self.pam_roles],
        };
        catalogs
            .iter()
            .flat_map(|catalog| catalog.iter())
            .find(|role| role.id == id)
            .map(|role| role.display_name.as_str())
    }

    /// The NetBIOS-style domain MIM PAM prefixes account names with (`CONTOSO`).
    pub fn netbios_domain(&self) -> String {
        self.tenant
            .domain
            .split('.')
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase()
    }

    /// True when `scope` is `ancestor` or lies below it (path prefix or the `parent` chain).
    pub fn scope_is_within(&self, scope: &str, ancestor: &str) -> bool {
        let ancestor = ancestor.trim_end_matches('/');
        if ancestor.is_empty() {
            return true;
        }
        let mut current = Some(scope.to_string());
        let mut hops = 0;
        while let Some(candidate) = current {
            if is_path_within(&candidate, ancestor) {
                return true;
            }
            hops += 1;
            current = (hops < 16).then(|| self.parent_scope(&candidate)).flatten();
        }
        false
    }
}

impl Scenario {
    /// The scope directly above `scope`: its declared `parent`, else the subscription of a resource group.
    fn parent_scope(&self, scope: &str) -> Option<String> {
        if let Some(parent) = self.azure_scope(scope).and_then(|s| s.parent.clone()) {
            return Some(parent);
        }
        let lower = scope.to_ascii_lowercase();
        lower
            .find("/resourcegroups/")
            .map(|index| scope[..index].to_string())
    }
}

fn is_path_within(scope: &str, ancestor: &str) -> bool {
    let scope = scope.to_ascii_lowercase();
    let ancestor = ancestor.to_ascii_lowercase();
    scope == ancestor || scope.starts_with(&format!("{ancestor}/"))
}
