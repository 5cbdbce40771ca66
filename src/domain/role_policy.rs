//! What PIM's own policy for a role says about activating it (reference §1–§3): the longest activation,
//! what the requester must supply (MFA, justification, ticket), whether approval is required and by
//! whom, and how a request's duration compares with the policy's maximum. Sources read the rules into
//! a [`RolePolicy`]; everything here is pure.

use super::{IsoDuration, RequestedDuration, SourceKind};

/// One configured approver: a user, or the members of a group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyApprover {
    pub id: String,
    /// `description` as PIM returns it (a display name; may be missing).
    pub name: Option<String>,
    pub is_group: bool,
}

impl PolicyApprover {
    /// The name to show: `description` (the approver entry's display name, reference §1 and §3),
    /// with " (group)" for a group; without one, the object id, labelled as such (never blank).
    pub fn label(&self) -> String {
        let kind = if self.is_group { "Group" } else { "User" };
        match self.name.as_deref().filter(|n| !super::text::is_blank(n)) {
            Some(name) if self.is_group => format!("{name} (group)"),
            Some(name) => name.to_string(),
            None if self.id.trim().is_empty() => format!("{kind} not named in the policy"),
            None => format!("{kind} with object id {} (no name in the policy)", self.id),
        }
    }
}

/// The activation rules of one role's PIM policy (`*_EndUser_Assignment` rules).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RolePolicy {
    /// `Expiration_EndUser_Assignment.maximumDuration`; `None` when absent or unreadable.
    pub max_duration: Option<IsoDuration>,
    pub requires_mfa: bool,
    pub requires_justification: bool,
    pub requires_ticket: bool,
    /// `Approval_EndUser_Assignment.setting.isApprovalRequired`; `None` when the rule is missing.
    pub approval_required: Option<bool>,
    /// Primary approvers of every stage, in order, without repeats.
    pub approvers: Vec<PolicyApprover>,
    /// False when only the policy could be read, not its rules (Graph's 500 on `$expand=rules`).
    pub rules_read: bool,
}

/// Whether the signed-in user is among a policy's approvers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApproverMembership {
    /// Listed by name.
    Listed,
    /// Not listed by name, but the policy names groups the user may be a member of.
    ThroughGroups,
    NotListed,
}

impl ApproverMembership {
    /// What it means for the signed-in approver, in words.
    pub fn sentence(&self) -> &'static str {
        match self {
            ApproverMembership::Listed => "You are listed as an approver.",
            ApproverMembership::ThroughGroups => {
                "You are not listed by name; you may be an approver through one of the groups."
            }
            ApproverMembership::NotListed => "You are not listed as an approver.",
        }
    }
}

impl RolePolicy {
    /// What activation requires beyond the request: "Multifactor authentication, a ticket number."
    pub fn requirements_sentence(&self) -> String {
        let required: Vec<&str> = [
            (self.requires_mfa, "multifactor authentication"),
            (self.requires_justification, "a justification"),
            (self.requires_ticket, "a ticket number"),
        ]
        .into_iter()
        .filter_map(|(on, what)| on.then_some(what))
        .collect();
        if required.is_empty() {
            "Nothing beyond the request itself.".to_string()
        } else {
            format!("{}.", capitalize(&required.join(", ")))
        }
    }

    /// Whether approval is required: "Yes", "No" or "Not stated".
    pub fn approval_label(&self) -> &'static str {
        match self.approval_required {
            Some(true) => "Yes",
            Some(false) => "No",
            None => "Not stated",
        }
    }

    pub fn membership(&self, me: &str) -> ApproverMembership {
        if self
            .approvers
            .iter()
            .any(|a| !a.is_group && a.id.eq_ignore_ascii_case(me))
        {
            ApproverMembership::Listed
        } else if self.approvers.iter().any(|a| a.is_group) {
            ApproverMembership::ThroughGroups
        } else {
            ApproverMembership::NotListed
        }
    }

    /// What an empty approver list means for this kind of role (reference §1–§3).
    pub fn default_approvers_note(&self, source: SourceKind) -> Option<&'static str> {
        if !self.approvers.is_empty() || self.approval_required != Some(true) {
            return None;
        }
        Some(match source {
            SourceKind::EntraRoles => {
                "No approvers are set, so PIM asks Privileged Role Administrators and Global Administrators."
            }
            _ => "No approvers are set, and PIM has no default approvers here: the policy looks misconfigured.",
        })
    }

    /// The requested duration against this policy's maximum, when both are known.
    pub fn compare(&self, requested: &RequestedDuration) -> Option<DurationComparison> {
        let max = self.max_duration?;
        let requested = requested.known()?;
        Some(DurationComparison { requested, max })
    }
}

/// A request's duration beside the policy's maximum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DurationComparison {
    pub requested: IsoDuration,
    pub max: IsoDuration,
}

impl DurationComparison {
    pub fn is_over(&self) -> bool {
        self.requested > self.max
    }

    /// "Requested 8 h; this role allows at most 8 h" or, over the maximum, "Requested 10 h; the policy
    /// allows 4 h: PIM may have been changed since".
    pub fn sentence(&self) -> String {
        if self.is_over() {
            format!(
                "Requested {}; the policy allows {}: PIM may have been changed since the request was made.",
                self.requested, self.max
            )
        } else {
            format!(
                "Requested {}; this role allows at most {}.",
                self.requested, self.max
            )
        }
    }
}

/// Which role policy a request is governed by: the session cache key (a policy applies per role *and*
/// per scope; Azure settings are not inherited).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PolicyKey {
    pub source: SourceKind,
    /// Entra role template id, group `member`/`owner`, or the ARM role definition GUID (lower case).
    pub role: String,
    /// `/`, the group id, or the ARM scope (lower case).
    pub scope: String,
}

impl PolicyKey {
    /// The key of `request`'s policy; `None` for services without policies or a request without a role.
    pub fn of(request: &super::ApprovalRequest) -> Option<Self> {
        let role = request.role.id.as_deref().filter(|r| !r.is_empty())?;
        let (role, scope) = match request.key.source {
            SourceKind::EntraRoles => (role.to_string(), request.scope.id.clone()),
            SourceKind::Groups => (group_access(&request.role.name), role.to_string()),
            SourceKind::AzureResources => (
                role.rsplit('/').next().unwrap_or(role).to_ascii_lowercase(),
                request.scope.id.to_ascii_lowercase(),
            ),
            SourceKind::MimPam | SourceKind::PortalApi => return None,
        };
        Some(PolicyKey {
            source: request.key.source,
            role,
            scope,
        })
    }
}

/// `member` or `owner` from the role name the groups source gives ("Group owner", "Group member").
pub fn group_access(role_name: &str) -> String {
    let access = role_name.strip_prefix("Group ").unwrap_or(role_name);
    if access.eq_ignore_ascii_case("owner") {
        "owner".into()
    } else if access.eq_ignore_ascii_case("member") {
        "member".into()
    } else {
        access.to_string()
    }
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirements_and_approval_read_as_sentences() {
        let mut policy = RolePolicy::default();
        assert_eq!(
            policy.requirements_sentence(),
            "Nothing beyond the request itself."
        );
        assert_eq!(policy.approval_label(), "Not stated");
        policy.requires_mfa = true;
        policy.requires_ticket = true;
        policy.approval_required = Some(true);
        assert_eq!(
            policy.requirements_sentence(),
            "Multifactor authentication, a ticket number."
        );
        assert_eq!(policy.approval_label(), "Yes");
        assert_eq!(
            ApproverMembership::NotListed.sentence(),
            "You are not listed as an approver."
        );
    }
    use crate::domain::*;
    use chrono::Utc;

    fn approver(id: &str, is_group: bool) -> PolicyApprover {
        PolicyApprover {
            id: id.into(),
            name: None,
            is_group,
        }
    }

    #[test]
    fn an_approver_without_a_name_shows_its_id_labelled_as_such() {
        let named = PolicyApprover {
            name: Some("PIM Approvers".into()),
            ..approver("g1", true)
        };
        assert_eq!(named.label(), "PIM Approvers (group)");
        let person = PolicyApprover {
            name: Some("Adele Vance".into()),
            ..approver("u1", false)
        };
        assert_eq!(person.label(), "Adele Vance");
        assert_eq!(
            approver("2385b0f3", false).label(),
            "User with object id 2385b0f3 (no name in the policy)"
        );
        let blank = PolicyApprover {
            name: Some("  ".into()),
            ..approver("g2", true)
        };
        assert_eq!(
            blank.label(),
            "Group with object id g2 (no name in the policy)"
        );
        assert_eq!(approver("", false).label(), "User not named in the policy");
    }

    #[test]
    fn compares_the_requested_duration_with_the_maximum() {
        let policy = RolePolicy {
            max_duration: Some(IsoDuration::from_hours(8)),
            ..RolePolicy::default()
        };
        let at_max = policy
            .compare(&RequestedDuration::Known(IsoDuration::from_hours(8)))
            .unwrap();
        assert!(!at_max.is_over());
        assert_eq!(
            at_max.sentence(),
            "Requested 8 h; this role allows at most 8 h."
        );
        let policy = RolePolicy {
            max_duration: Some(IsoDuration::from_hours(4)),
            ..policy
        };
        let over = policy
            .compare(&RequestedDuration::Known(IsoDuration::from_hours(10)))
            .unwrap();
        assert!(over.is_over());
        assert!(over
            .sentence()
            .starts_with("Requested 10 h; the policy allows 4 h: PIM may have been changed since"));
        assert_eq!(policy.compare(&RequestedDuration::NotSpecified), None);
        assert_eq!(
            RolePolicy::default().compare(&RequestedDuration::Known(IsoDuration::from_hours(1))),
            None
        );
    }

    #[test]
    fn tells_whether_the_signed_in_user_is_an_approver() {
        let mut policy = RolePolicy {
            approvers: vec![approver("ABC", false), approver("g1", true)],
            approval_required: Some(true),
            ..RolePolicy::default()
        };
        assert_eq!(policy.membership("abc"), ApproverMembership::Listed);
        assert_eq!(policy.membership("x"), ApproverMembership::ThroughGroups);
        policy.approvers.truncate(0);
        assert_eq!(policy.membership("x"), ApproverMembership::NotListed);
        assert!(policy
            .default_approvers_note(SourceKind::EntraRoles)
            .unwrap()
            .contains("Privileged Role Administrators"));
        assert!(policy
            .default_approvers_note(SourceKind::Groups)
            .unwrap()
            .contains("misconfigured"));
    }

    #[test]
    fn policy_keys_per_source() {
        let mut request = ApprovalRequest::sample("r", Utc::now());
        request.key.source = SourceKind::AzureResources;
        request.role.id =
            Some("/subscriptions/S/providers/Microsoft.Authorization/roleDefinitions/ABC".into());
        request.scope.id = "/subscriptions/S/resourceGroups/RG".into();
        let key = PolicyKey::of(&request).unwrap();
        assert_eq!(key.role, "abc");
        assert_eq!(key.scope, "/subscriptions/s/resourcegroups/rg");
        request.key.source = SourceKind::Groups;
        request.role = RoleRef {
            id: Some("g-1".into()),
            name: "Group owner".into(),
        };
        let key = PolicyKey::of(&request).unwrap();
        assert_eq!((key.role.as_str(), key.scope.as_str()), ("owner", "g-1"));
        request.key.source = SourceKind::MimPam;
        assert_eq!(PolicyKey::of(&request), None);
    }
}
