//! How dangerous a role is. The high-risk roles of the original brief plus Azure Owner and User Access
//! Administrator, matched on role template / definition ids first and on normalised names second (so
//! `Global\u{200B}Administrator` or ` global administrator ` is still Critical); `config.json` can
//! replace the list.

use super::text::same_role_name;
use super::RoleRef;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RiskLevel {
    Normal,
    High,
    Critical,
}

impl RiskLevel {
    pub fn label(self) -> &'static str {
        match self {
            RiskLevel::Critical => "Critical",
            RiskLevel::High => "High",
            RiskLevel::Normal => "Normal",
        }
    }

    pub fn css_class(self) -> &'static str {
        match self {
            RiskLevel::Critical => "critical",
            RiskLevel::High => "high",
            RiskLevel::Normal => "normal",
        }
    }

    pub fn is_elevated(self) -> bool {
        self != RiskLevel::Normal
    }

    /// The level named in `config.json` (`critical`, `high`, `normal`).
    pub fn from_config(name: &str) -> Option<Self> {
        [RiskLevel::Critical, RiskLevel::High, RiskLevel::Normal]
            .into_iter()
            .find(|level| level.css_class() == name)
    }
}

/// One rule of the risk list: a role id and/or name and its level.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RiskRule {
    pub id: Option<String>,
    pub name: Option<String>,
    pub level: RiskLevel,
    /// Why this role is risky, shown next to the warning.
    pub reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RiskPolicy {
    pub rules: Vec<RiskRule>,
}

fn rule(id: &str, name: &str, level: RiskLevel, reason: &str) -> RiskRule {
    RiskRule {
        id: Some(id.to_string()),
        name: Some(name.to_string()),
        level,
        reason: Some(reason.to_string()),
    }
}

impl Default for RiskPolicy {
    fn default() -> Self {
        use RiskLevel::*;
        RiskPolicy {
            rules: vec![
                rule(
                    "62e90394-69f5-4237-9190-012177145e10",
                    "Global Administrator",
                    Critical,
                    "Full control over all Microsoft 365 services.",
                ),
                rule(
                    "e8611ab8-c189-46e8-94e1-60213ab1f814",
                    "Privileged Role Administrator",
                    Critical,
                    "Can manage PIM itself and assign any role to anyone.",
                ),
                rule(
                    "29232cdf-9323-42fd-ade2-1d097af3e4de",
                    "Exchange Administrator",
                    High,
                    "Access to all mailboxes and email data: data exfiltration risk.",
                ),
                rule(
                    "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
                    "SharePoint Administrator",
                    High,
                    "Access to all SharePoint and OneDrive content: data exposure risk.",
                ),
                rule(
                    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
                    "Owner",
                    Critical,
                    "Full access to the Azure scope, including granting access to others.",
                ),
                rule(
                    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
                    "User Access Administrator",
                    Critical,
                    "Can grant anyone any Azure role on the scope.",
                ),
            ],
        }
    }
}

/// The GUID at the end of an ARM role definition path, or the id itself.
pub fn role_guid(id: &str) -> &str {
    id.rsplit('/').next().unwrap_or(id)
}

impl RiskPolicy {
    /// The matching rule: by id (template id or ARM definition GUID) first, then by normalised name
    /// (trimmed, case folded, hidden characters removed), as for MIM PAM, which gives no id.
    pub fn rule_for(&self, role: &RoleRef) -> Option<&RiskRule> {
        if let Some(id) = role.id.as_deref().map(role_guid) {
            if let Some(hit) = self.rules.iter().find(|r| {
                r.id.as_deref()
                    .is_some_and(|rid| rid.eq_ignore_ascii_case(id))
            }) {
                return Some(hit);
            }
        }
        self.rules.iter().find(|r| {
            r.name
                .as_deref()
                .is_some_and(|n| same_role_name(n, &role.name))
        })
    }

    pub fn level(&self, role: &RoleRef) -> RiskLevel {
        self.rule_for(role).map_or(RiskLevel::Normal, |r| r.level)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(id: Option<&str>, name: &str) -> RoleRef {
        RoleRef {
            id: id.map(str::to_string),
            name: name.to_string(),
        }
    }

    #[test]
    fn matches_on_template_id_even_when_renamed() {
        let policy = RiskPolicy::default();
        let renamed = role(
            Some("62e90394-69f5-4237-9190-012177145e10"),
            "Company Admin",
        );
        assert_eq!(policy.level(&renamed), RiskLevel::Critical);
    }

    #[test]
    fn matches_arm_definition_paths() {
        let policy = RiskPolicy::default();
        let owner = role(
            Some("/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635"),
            "Owner",
        );
        assert_eq!(policy.level(&owner), RiskLevel::Critical);
        let contributor = role(
            Some("/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c"),
            "Contributor",
        );
        assert_eq!(policy.level(&contributor), RiskLevel::Normal);
    }

    #[test]
    fn falls_back_to_names_without_ids() {
        let policy = RiskPolicy::default();
        assert_eq!(
            policy.level(&role(None, "exchange administrator")),
            RiskLevel::High
        );
        assert_eq!(
            policy.level(&role(None, "Helpdesk Administrator")),
            RiskLevel::Normal
        );
    }

    #[test]
    fn hidden_characters_spaces_and_case_do_not_dodge_the_flag() {
        let policy = RiskPolicy::default();
        for disguised in [
            "Global\u{200B}Administrator",
            "Global \u{200B}Administrator",
            " global administrator ",
            "GLOBAL  ADMINISTRATOR",
            "\u{202E}Global Administrator\u{202C}",
            "Global\u{00A0}Administrator",
            "\u{FEFF}Privileged Role Administrator",
            "Glоbal Administrator",
            "Ｏｗｎｅｒ",
        ] {
            assert_eq!(
                policy.level(&role(None, disguised)),
                RiskLevel::Critical,
                "{disguised:?}"
            );
        }
        assert_eq!(
            policy.level(&role(None, "Exchange\u{2060}Administrator")),
            RiskLevel::High
        );
        assert_eq!(
            policy.level(&role(None, "Global Reader")),
            RiskLevel::Normal
        );
    }

    #[test]
    fn levels_by_their_config_names() {
        assert_eq!(
            RiskLevel::from_config("critical"),
            Some(RiskLevel::Critical)
        );
        assert_eq!(RiskLevel::from_config("normal"), Some(RiskLevel::Normal));
        assert_eq!(RiskLevel::from_config("Critical"), None);
        assert_eq!(RiskLevel::from_config("severe"), None);
    }

    #[test]
    fn an_unlisted_id_with_a_risky_name_is_still_rated_by_name() {
        let policy = RiskPolicy::default();
        // No rule has this id, so the name decides: a look-alike custom role is treated as risky.
        let custom = role(
            Some("00000000-0000-0000-0000-000000000001"),
            "Global Administrator",
        );
        assert_eq!(policy.level(&custom), RiskLevel::Critical);
    }
}
