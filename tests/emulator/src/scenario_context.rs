//! Scenario additions for the decision context (issue 9): the requester's account facts (`users[]`
//! profile fields), group owners and members (`groups[]`), and at the top level the tenant licence,
//! role management policies, and declared active assignments and eligibilities. Every field is
//! optional, so scenario files written before these additions still load. Owns parsing and validation.

use crate::clock::parse_iso_duration;
use crate::scenario::{Scenario, Source};
use serde::{Deserialize, Serialize};

/// Who the person is, as Graph `/users/{id}` shows it (flattened into a scenario user).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserProfile {
    /// `false` for a disabled account; default `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_enabled: Option<bool>,
    /// `Member` (default) or `Guest`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_type: Option<String>,
    /// When the account was created, relative to load time; default about two years ago.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_minutes_ago: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub surname: Option<String>,
    /// Default: the UPN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office_location: Option<String>,
    /// The manager's user id (`/users/{id}/manager`); none → 404.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_in_activity: Option<SignInActivitySpec>,
    /// Delegated permissions not consented for this user (beside the tenant's `withheldScopes`):
    /// asking for one at sign-in or at the token endpoint fails (see README "Consent").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub withheld_scopes: Vec<String>,
}

/// `signInActivity` timestamps, relative to load time; absent ones are null.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignInActivitySpec {
    #[serde(default)]
    pub last_sign_in_minutes_ago: Option<i64>,
    #[serde(default)]
    pub last_non_interactive_sign_in_minutes_ago: Option<i64>,
    #[serde(default)]
    pub last_successful_sign_in_minutes_ago: Option<i64>,
}

/// Owners and members of a group (flattened into a scenario group). Active PIM for Groups
/// assignments add to them.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupMembership {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub owners: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<String>,
    /// Role-assignable groups are readable by fewer directory roles (PIM for Groups RBAC).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub is_assignable_to_role: bool,
}

/// Top-level scenario additions (flattened into the scenario).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScenarioContext {
    /// Entra ID P1/P2 licence (needed for `signInActivity`); default `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entra_id_premium: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<PolicySpec>,
    /// Active role / group assignments (besides approved requests still in their window).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assignments: Vec<InstanceSpec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub eligibilities: Vec<InstanceSpec>,
}

/// What a policy or an instance is about: a directory role (`role`), a group (`group` and
/// `accessId` `member`/`owner`) or an Azure role at one scope (`role` and `scope`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Target {
    pub source: Source,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub group: Option<String>,
    /// Default `member`.
    #[serde(default)]
    pub access_id: Option<String>,
    /// The Azure scope (`/` elsewhere).
    #[serde(default)]
    pub scope: Option<String>,
}

impl Target {
    /// Whether it names `role` (a role id, or `member`/`owner` for groups) at `scope` (`/`, the
    /// group id or the Azure scope) in `source`.
    pub fn is_for(&self, source: Source, scope: &str, role: &str) -> bool {
        let same =
            |a: &Option<String>, b: &str| a.as_deref().is_some_and(|a| a.eq_ignore_ascii_case(b));
        self.source == source
            && match source {
                Source::Groups => {
                    same(&self.group, scope)
                        && self.access_id.as_deref().unwrap_or("member") == role
                }
                Source::AzureResources => same(&self.role, role) && same(&self.scope, scope),
                _ => same(&self.role, role),
            }
    }
}

/// The activation settings of one role (Entra: role; groups: group + `member`/`owner`; Azure: role at
/// one exact scope). Roles without one get PIM's defaults.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicySpec {
    #[serde(flatten)]
    pub target: Target,
    /// ISO-8601, default `PT8H`.
    #[serde(default)]
    pub maximum_duration: Option<String>,
    #[serde(default)]
    pub is_expiration_required: Option<bool>,
    /// Subset of `MultiFactorAuthentication`, `Justification`, `Ticketing`.
    #[serde(default)]
    pub enabled_rules: Option<Vec<String>>,
    #[serde(default)]
    pub approval_required: Option<bool>,
    #[serde(default)]
    pub approvers: Vec<ApproverRef>,
    /// Conditional Access authentication context claim (`c1`); none = rule disabled.
    #[serde(default)]
    pub authentication_context: Option<String>,
    /// Extra recipients of the admin notification on activation.
    #[serde(default)]
    pub notification_recipients: Vec<String>,
    /// The reported Graph failure: reading this policy's rules (`$expand=policy($expand=rules)`)
    /// answers 500 "An error has occurred."; `$expand=policy` alone works.
    #[serde(default)]
    pub rules_unreadable: bool,
    #[serde(default)]
    pub last_modified_minutes_ago: Option<i64>,
    #[serde(default)]
    pub last_modified_by: Option<String>,
}

/// One approver: `{ "user": id }` or `{ "group": id }`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApproverRef {
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub group: Option<String>,
}

/// A declared active assignment or eligibility.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InstanceSpec {
    pub principal: String,
    #[serde(flatten)]
    pub target: Target,
    /// Assignments only: `Assigned` (default, permanent or time-bound) or `Activated`.
    #[serde(default)]
    pub assignment_type: Option<String>,
    /// Default: one year before load time.
    #[serde(default)]
    pub start_minutes_ago: Option<i64>,
    /// None = no end date.
    #[serde(default)]
    pub end_minutes_from_now: Option<i64>,
}

const ENABLEMENT_RULES: [&str; 3] = ["MultiFactorAuthentication", "Justification", "Ticketing"];
const ACCESS_IDS: [&str; 2] = ["member", "owner"];

impl ScenarioContext {
    /// Check every id these additions refer to (called from [`Scenario::validate`]).
    pub fn validate(&self, scenario: &Scenario) -> Result<(), String> {
        for user in &scenario.users {
            validate_profile(scenario, &user.profile)
                .map_err(|e| format!("user {}: {e}", user.id))?;
        }
        for group in &scenario.groups {
            for id in group
                .membership
                .owners
                .iter()
                .chain(&group.membership.members)
            {
                require_user(scenario, id).map_err(|e| format!("group {}: {e}", group.id))?;
            }
        }
        for (index, policy) in self.policies.iter().enumerate() {
            validate_policy(scenario, policy).map_err(|e| format!("policies[{index}]: {e}"))?;
        }
        let instances = self.assignments.iter().map(|i| ("assignments", i));
        let instances = instances.chain(self.eligibilities.iter().map(|i| ("eligibilities", i)));
        for (index, (list, instance)) in instances.enumerate() {
            validate_instance(scenario, instance).map_err(|e| format!("{list} #{index}: {e}"))?;
        }
        Ok(())
    }
}

fn require_user(scenario: &Scenario, id: &str) -> Result<(), String> {
    scenario
        .user(id)
        .map(|_| ())
        .ok_or(format!("unknown user {id}"))
}

fn validate_profile(scenario: &Scenario, profile: &UserProfile) -> Result<(), String> {
    if let Some(kind) = &profile.user_type {
        if kind != "Member" && kind != "Guest" {
            return Err(format!("userType must be Member or Guest, not {kind}"));
        }
    }
    if let Some(manager) = &profile.manager {
        require_user(scenario, manager)?;
    }
    Ok(())
}

/// The catalog look-up shared by policies and instances: role, group + access id, or Azure scope.
fn validate_target(scenario: &Scenario, target: &Target) -> Result<(), String> {
    let Target {
        source,
        role,
        group,
        access_id,
        scope,
    } = target;
    let (source, role, group, scope) =
        (*source, role.as_deref(), group.as_deref(), scope.as_deref());
    match source {
        Source::EntraRoles | Source::AzureResources => {
            let role = role.ok_or("role is required")?;
            scenario
                .role_name(source, role)
                .ok_or(format!("unknown role {role}"))?;
        }
        Source::Groups => {
            let group = group.ok_or("group is required")?;
            scenario
                .group(group)
                .ok_or(format!("unknown group {group}"))?;
            let access = access_id.as_deref().unwrap_or("member");
            if !ACCESS_IDS.contains(&access) {
                return Err(format!("accessId must be member or owner, not {access}"));
            }
        }
        Source::MimPam | Source::PortalApi => {
            return Err("only entraRoles, groups and azureResources have PIM policies".into())
        }
    }
    if source == Source::AzureResources {
        let scope = scope.ok_or("scope is required")?;
        scenario
            .azure_scope(scope)
            .ok_or(format!("unknown Azure scope {scope}"))?;
    }
    Ok(())
}

fn validate_policy(scenario: &Scenario, policy: &PolicySpec) -> Result<(), String> {
    validate_target(scenario, &policy.target)?;
    if let Some(duration) = &policy.maximum_duration {
        parse_iso_duration(duration).ok_or(format!("invalid maximumDuration {duration}"))?;
    }
    for rule in policy.enabled_rules.iter().flatten() {
        if !ENABLEMENT_RULES.contains(&rule.as_str()) {
            return Err(format!("unknown enabled rule {rule}"));
        }
    }
    for approver in &policy.approvers {
        match (&approver.user, &approver.group) {
            (Some(user), None) => require_user(scenario, user)?,
            (None, Some(group)) => {
                scenario
                    .group(group)
                    .ok_or(format!("unknown group {group}"))?;
            }
            _ => return Err("an approver is either { user } or { group }".into()),
        }
    }
    if let Some(by) = &policy.last_modified_by {
        require_user(scenario, by)?;
    }
    Ok(())
}

fn validate_instance(scenario: &Scenario, instance: &InstanceSpec) -> Result<(), String> {
    require_user(scenario, &instance.principal)?;
    validate_target(scenario, &instance.target)?;
    match instance.assignment_type.as_deref() {
        None | Some("Assigned") | Some("Activated") => Ok(()),
        Some(other) => Err(format!(
            "assignmentType must be Assigned or Activated, not {other}"
        )),
    }
}
