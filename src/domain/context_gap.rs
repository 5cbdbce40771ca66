//! Why a decision-context panel shows no data, in words (reference §8): the service has no such API,
//! the app lacks consent, the approver lacks a role PIM requires (and which), or the read failed and
//! may be retried. Never "none" for something that could not be seen.

use super::SourceKind;

/// The three decision-context panels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Panel {
    Policy,
    Record,
    Requester,
}

impl Panel {
    pub fn title(self) -> &'static str {
        match self {
            Panel::Policy => "PIM policy for this role",
            Panel::Record => "Requester's record for this role",
            Panel::Requester => "Who the requester is",
        }
    }

    /// The status shown while the panel is being read.
    pub fn reading(self) -> &'static str {
        match self {
            Panel::Policy => "Reading PIM's policy for this role…",
            Panel::Record => "Reading the requester's PIM record…",
            Panel::Requester => "Reading the requester's account…",
        }
    }

    pub fn slug(self) -> &'static str {
        match self {
            Panel::Policy => "policy",
            Panel::Record => "record",
            Panel::Requester => "requester",
        }
    }
}

/// Why a panel has no data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContextGap {
    /// The service offers no such API (MIM PAM, the portal API).
    NoApi,
    /// 403 because the app was not granted a delegated permission (admin consent).
    NoConsent { scopes: Option<String> },
    /// 403 because the signed-in account lacks a role the service requires.
    NoAccess,
    /// The tenant lacks a licence the read needs (sign-in activity: Entra ID P1/P2).
    NoLicence,
    /// Nothing to read (e.g. the request names no requester).
    Missing(String),
    /// The read failed; `retryable` for 5xx, 429, timeouts and dropped connections.
    Failed { message: String, retryable: bool },
}

impl ContextGap {
    pub fn is_not_visible(&self) -> bool {
        matches!(
            self,
            ContextGap::NoConsent { .. } | ContextGap::NoAccess | ContextGap::NoLicence
        )
    }

    /// The sentence a panel shows, for `panel` of a request from `source` at `scope_name`.
    pub fn explain(&self, panel: Panel, source: SourceKind, scope_name: &str) -> String {
        match self {
            ContextGap::NoApi => format!(
                "{} has no API for this: only the request itself is known.",
                source.label()
            ),
            ContextGap::NoConsent { scopes } => format!(
                "Your organisation has not consented to {} for PIM Approvals; an administrator can grant it.",
                scopes
                    .clone()
                    .unwrap_or_else(|| permissions(panel, source).join(" and "))
            ),
            ContextGap::NoAccess => who_may_read(panel, source, scope_name),
            ContextGap::NoLicence => {
                "Sign-in activity requires an Entra ID P1 or P2 licence in this tenant.".into()
            }
            ContextGap::Missing(what) => what.clone(),
            ContextGap::Failed { message, .. } => message.clone(),
        }
    }
}

/// The optional Graph permissions (reference §0, least privilege) a panel needs beyond what the
/// sign-in asks for; none where the panel reads ARM only (an Azure role's policy and record).
pub fn permissions(panel: Panel, source: SourceKind) -> &'static [&'static str] {
    match (panel, source) {
        (Panel::Requester, _) => &["User.Read.All"],
        (_, SourceKind::AzureResources) => &[],
        (Panel::Policy, SourceKind::Groups) => &["RoleManagementPolicy.Read.AzureADGroup"],
        (Panel::Policy, _) => &["RoleManagementPolicy.Read.Directory"],
        // Requests and active assignments are read with the sign-in's scopes; eligibility is not.
        (Panel::Record, SourceKind::Groups) => &["PrivilegedEligibilitySchedule.Read.AzureADGroup"],
        (Panel::Record, _) => &["RoleEligibilitySchedule.Read.Directory"],
    }
}

/// What the last sign-in (on click) needs beyond the sign-in's scopes (reference §6 F3).
pub const SIGN_IN_ACTIVITY_PERMISSIONS: &[&str] = &["User.Read.All", "AuditLog.Read.All"];

const ENTRA_READERS: &str =
    "Global Reader, Security Reader, Security Operator, Security Administrator or Privileged Role Administrator";

/// Which roles PIM requires for a panel's read (reference §8).
fn who_may_read(panel: Panel, source: SourceKind, scope_name: &str) -> String {
    let what = match panel {
        Panel::Policy => "role settings",
        Panel::Record => "other people's requests and assignments",
        Panel::Requester => "this account",
    };
    match (panel, source) {
        (Panel::Requester, _) => {
            "Your account may not read other users' accounts in this directory.".into()
        }
        (_, SourceKind::EntraRoles) => format!("PIM only shows {what} to {ENTRA_READERS}."),
        (_, SourceKind::Groups) => format!(
            "PIM only shows {what} for a group to its owners and members, or to Global Reader, Privileged Role Administrator and the group administrator roles."
        ),
        // The scope's name is another person's text inside our sentence: hidden characters out.
        (_, SourceKind::AzureResources) => format!(
            "Azure only shows {what} to someone with a role such as Reader on {}.",
            super::text::without_hidden(scope_name)
        ),
        _ => format!("{} does not show {what}.", source.label()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explains_each_gap() {
        let entra =
            ContextGap::NoAccess.explain(Panel::Policy, SourceKind::EntraRoles, "Directory");
        assert!(entra.contains("Global Reader, Security Reader"), "{entra}");
        let azure = ContextGap::NoAccess.explain(
            Panel::Record,
            SourceKind::AzureResources,
            "rg1 (resource group)",
        );
        assert!(azure.contains("Reader on rg1 (resource group)"), "{azure}");
        let groups = ContextGap::NoAccess.explain(Panel::Policy, SourceKind::Groups, "x");
        assert!(groups.contains("owners and members"));
        let consent =
            ContextGap::NoConsent { scopes: None }.explain(Panel::Policy, SourceKind::Groups, "x");
        assert_eq!(consent, "Your organisation has not consented to RoleManagementPolicy.Read.AzureADGroup for PIM Approvals; an administrator can grant it.");
        let record = ContextGap::NoConsent { scopes: None }.explain(
            Panel::Record,
            SourceKind::EntraRoles,
            "/",
        );
        assert!(
            record.contains("RoleEligibilitySchedule.Read.Directory"),
            "{record}"
        );
        assert!(permissions(Panel::Policy, SourceKind::AzureResources).is_empty());
        assert_eq!(
            permissions(Panel::Requester, SourceKind::AzureResources),
            ["User.Read.All"]
        );
        assert!(ContextGap::NoApi
            .explain(Panel::Policy, SourceKind::MimPam, "x")
            .starts_with("MIM PAM has no API"));
        assert!(ContextGap::NoConsent { scopes: None }.is_not_visible());
        assert!(!ContextGap::NoApi.is_not_visible());
    }
}
