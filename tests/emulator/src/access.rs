//! Who may read the decision context (reference `pim-policy-and-context-apis.md` §0 and §8): the
//! delegated scopes each read accepts (from the token's `scp`), the directory roles, group ownership
//! or membership and Azure roles it also needs, and the refusals in each service's own form:
//! Graph PIM's `UnknownError` with a JSON string in `message` (`PermissionScopeNotGranted` for a
//! missing scope, `UnauthorizedAccessException` for a missing role), Graph directory's
//! `Authorization_RequestDenied`, and ARM's `AuthorizationFailed`.

use crate::app::Shared;
use crate::errors::{graph_error, simple_error};
use crate::schedules::{directory_roles_of, has_azure_role_at, is_owner_or_member};
use crate::store::{Caller, Store};
use crate::tokens::bearer_token;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde_json::json;

pub const GLOBAL_ADMINISTRATOR: &str = "62e90394-69f5-4237-9190-012177145e10";
pub const GLOBAL_READER: &str = "f2ef992c-3afb-46b9-b7cf-a126ee74c451";
pub const SECURITY_READER: &str = "5d6b6bb7-de71-4623-b4af-96380a352509";
pub const SECURITY_OPERATOR: &str = "5f2222b1-57c3-48ba-8ad5-d4759f1fde6f";
pub const SECURITY_ADMINISTRATOR: &str = "194ae4cb-b126-40b2-bd5b-6091b380977d";
pub const PRIVILEGED_ROLE_ADMINISTRATOR: &str = "e8611ab8-c189-46e8-94e1-60213ab1f814";
pub const REPORTS_READER: &str = "4a5d8f65-41da-4de4-8968-e035b65339cf";
pub const DIRECTORY_WRITERS: &str = "9360feb5-f418-4baa-8175-e2a00bac4301";
pub const GROUPS_ADMINISTRATOR: &str = "fdd7a751-b60b-444a-984c-02652fe8fa1c";
pub const IDENTITY_GOVERNANCE_ADMINISTRATOR: &str = "45d8d3c5-c802-45c6-b32a-1d70b5e1e86e";
pub const USER_ADMINISTRATOR: &str = "fe930be7-5e62-47db-91af-98c3a49a38b1";

/// Entra role settings and Entra PIM schedules (A, D1–D3) [S2]. Global Administrator is added: it
/// holds every directory permission.
pub const ENTRA_PIM_READERS: &[&str] = &[
    GLOBAL_READER,
    SECURITY_OPERATOR,
    SECURITY_READER,
    SECURITY_ADMINISTRATOR,
    PRIVILEGED_ROLE_ADMINISTRATOR,
    GLOBAL_ADMINISTRATOR,
];

/// PIM for Groups reads of a role-assignable group, besides its owners and members (D4–D6) [S11].
pub const ROLE_ASSIGNABLE_GROUP_READERS: &[&str] = &[
    GLOBAL_READER,
    PRIVILEGED_ROLE_ADMINISTRATOR,
    GLOBAL_ADMINISTRATOR,
];

/// PIM for Groups reads of any other group, besides its owners and members (D4–D6) [S11].
pub const GROUP_READERS: &[&str] = &[
    GLOBAL_READER,
    DIRECTORY_WRITERS,
    GROUPS_ADMINISTRATOR,
    IDENTITY_GOVERNANCE_ADMINISTRATOR,
    USER_ADMINISTRATOR,
    GLOBAL_ADMINISTRATOR,
];

/// `signInActivity` (F3) [S33, U].
pub const SIGN_IN_ACTIVITY_READERS: &[&str] = &[
    GLOBAL_READER,
    REPORTS_READER,
    SECURITY_ADMINISTRATOR,
    SECURITY_OPERATOR,
    SECURITY_READER,
    GLOBAL_ADMINISTRATOR,
];

/// Delegated scopes each read accepts, least privileged first (the first one is named in errors).
pub mod scopes {
    pub const ENTRA_POLICY: &[&str] = &[
        "RoleManagementPolicy.Read.Directory",
        "RoleManagement.Read.Directory",
        "RoleManagement.Read.All",
        "RoleManagementPolicy.ReadWrite.Directory",
        "RoleManagement.ReadWrite.Directory",
    ];
    pub const GROUP_POLICY: &[&str] = &[
        "RoleManagementPolicy.Read.AzureADGroup",
        "RoleManagementPolicy.ReadWrite.AzureADGroup",
    ];
    pub const ENTRA_ASSIGNMENTS: &[&str] = &[
        "RoleAssignmentSchedule.Read.Directory",
        "RoleAssignmentSchedule.ReadWrite.Directory",
        "RoleManagement.Read.Directory",
        "RoleManagement.Read.All",
        "RoleManagement.ReadWrite.Directory",
    ];
    pub const ENTRA_ELIGIBILITIES: &[&str] = &[
        "RoleEligibilitySchedule.Read.Directory",
        "RoleEligibilitySchedule.ReadWrite.Directory",
        "RoleManagement.Read.Directory",
        "RoleManagement.Read.All",
        "RoleManagement.ReadWrite.Directory",
    ];
    pub const GROUP_ASSIGNMENTS: &[&str] = &[
        "PrivilegedAssignmentSchedule.Read.AzureADGroup",
        "PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup",
        "PrivilegedAccess.Read.AzureADGroup",
        "PrivilegedAccess.ReadWrite.AzureADGroup",
    ];
    pub const GROUP_ELIGIBILITIES: &[&str] = &[
        "PrivilegedEligibilitySchedule.Read.AzureADGroup",
        "PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup",
        "PrivilegedAccess.Read.AzureADGroup",
        "PrivilegedAccess.ReadWrite.AzureADGroup",
    ];
    /// Every property of another user (`User.ReadBasic.All` gives only the basic ones).
    pub const USERS: &[&str] = &[
        "User.Read.All",
        "User.ReadWrite.All",
        "Directory.Read.All",
        "Directory.ReadWrite.All",
    ];
    pub const USERS_BASIC: &[&str] = &["User.ReadBasic.All"];
    pub const AUDIT_LOG: &[&str] = &["AuditLog.Read.All"];
}

/// The caller of a context read and what it is allowed to do.
pub struct Access<'a> {
    pub caller: &'a Caller,
    scopes: Vec<String>,
}

impl<'a> Access<'a> {
    /// The caller plus the `scp` of its (already validated) bearer token.
    pub fn new(app: &Shared, caller: &'a Caller, headers: &HeaderMap) -> Access<'a> {
        let scopes = bearer_token(headers)
            .and_then(|token| app.signer.verify(token))
            .and_then(|claims| claims["scp"].as_str().map(str::to_string))
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_string)
            .collect();
        Access { caller, scopes }
    }

    pub fn has_scope(&self, accepted: &[&str]) -> bool {
        self.scopes
            .iter()
            .any(|granted| accepted.iter().any(|a| a.eq_ignore_ascii_case(granted)))
    }

    pub fn has_directory_role(&self, store: &Store, roles: &[&str], now: DateTime<Utc>) -> bool {
        directory_roles_of(store, self.caller.id(), now)
            .iter()
            .any(|held| roles.contains(&held.as_str()))
    }

    /// Owners and members of the group, or the group-reading directory roles for its kind.
    pub fn can_read_group(&self, store: &Store, group_id: &str, now: DateTime<Utc>) -> bool {
        let role_assignable = store
            .scenario()
            .group(group_id)
            .is_some_and(|g| g.membership.is_assignable_to_role);
        let roles = if role_assignable {
            ROLE_ASSIGNABLE_GROUP_READERS
        } else {
            GROUP_READERS
        };
        is_owner_or_member(store, group_id, self.caller.id(), now)
            || self.has_directory_role(store, roles, now)
    }

    /// Any Azure role at or above the scope (Reader grants `*/read`).
    pub fn can_read_azure_scope(&self, store: &Store, scope: &str, now: DateTime<Utc>) -> bool {
        has_azure_role_at(store, self.caller.id(), scope, now)
    }
}

/// Graph PIM's error form: `UnknownError` whose `message` is itself JSON.
fn graph_pim_error(status: StatusCode, error_code: &str, message: &str) -> Response {
    let inner = json!({ "errorCode": error_code, "message": message, "instanceAnnotations": [] });
    graph_error(status, "UnknownError", &inner.to_string())
}

/// The token lacks every accepted scope: 403 `PermissionScopeNotGranted` naming them
/// (microsoftgraph/microsoft-graph-docs#22292).
pub fn graph_pim_missing_scope(accepted: &[&str]) -> Response {
    let message = format!(
        "Authorization failed due to missing permission scope {}.",
        accepted.join(",")
    );
    graph_pim_error(StatusCode::FORBIDDEN, "PermissionScopeNotGranted", &message)
}

/// The scope is there but the user lacks the role (message as a user reported it,
/// microsoft-graph-docs-contrib#9056; the `errorCode` is the emulator's choice).
pub fn graph_pim_missing_role() -> Response {
    graph_pim_error(
        StatusCode::FORBIDDEN,
        "UnauthorizedAccessException",
        "Attempted to perform an unauthorized operation.",
    )
}

/// Missing filter provider (`scopeId`/`scopeType`), as users report it (microsoft-graph-docs#15910).
pub fn graph_pim_missing_provider() -> Response {
    graph_pim_error(
        StatusCode::BAD_REQUEST,
        "MissingProvider",
        "The provider is missing.",
    )
}

/// Graph directory's refusal (users, manager, sign-in activity role).
pub fn graph_directory_denied() -> Response {
    graph_error(
        StatusCode::FORBIDDEN,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
    )
}

/// ARM's refusal for a caller without a role at the scope.
pub fn arm_authorization_failed(caller: &Caller, action: &str, scope: &str) -> Response {
    let message = format!(
        "The client '{}' with object id '{}' does not have authorization to perform action '{action}' over scope '{scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.",
        caller.user.user_principal_name,
        caller.id()
    );
    simple_error(StatusCode::FORBIDDEN, "AuthorizationFailed", &message)
}
