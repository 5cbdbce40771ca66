//! A failed context read in words (reference §8): a 403 is "not visible" (the app's missing consent
//! told apart from the account's missing role by Graph's `UnknownError` JSON message), 5xx and 429 are
//! retryable failures; the last sign-in's refusals (licence, consent, role, the 10-a-minute limit).

use crate::domain::context_gap::{ContextGap, Panel};
use crate::sources::{ErrorKind, SourceError};
use serde_json::Value;

/// A failed read as a panel's gap: 403 is "not visible" (consent or role), the rest a failure.
pub(super) fn gap(panel: Panel, error: &SourceError) -> ContextGap {
    if error.status == Some(403) || error.kind == ErrorKind::Forbidden {
        return forbidden(panel, error);
    }
    let retryable = matches!(
        error.kind,
        ErrorKind::Throttled { .. }
            | ErrorKind::Unavailable
            | ErrorKind::Network
            | ErrorKind::TimedOut
            | ErrorKind::Unauthorized
            | ErrorKind::SignIn
            | ErrorKind::Malformed
    );
    ContextGap::Failed {
        message: error.to_string(),
        retryable,
    }
}

/// A 403: missing consent (Graph PIM's `UnknownError` whose `message` is JSON with
/// `errorCode: PermissionScopeNotGranted`; a 403 on a user read, which needs no role) or a missing role.
fn forbidden(panel: Panel, error: &SourceError) -> ContextGap {
    let code = error.code.as_deref().unwrap_or_default();
    if code.eq_ignore_ascii_case("UnknownError") {
        let inner: Value = error
            .detail
            .as_deref()
            .and_then(|d| serde_json::from_str(d).ok())
            .unwrap_or_default();
        return match inner["errorCode"].as_str() {
            Some(c) if c.eq_ignore_ascii_case("PermissionScopeNotGranted") => {
                ContextGap::NoConsent {
                    scopes: missing_scope(inner["message"].as_str().unwrap_or_default()),
                }
            }
            _ => ContextGap::NoAccess,
        };
    }
    if panel == Panel::Requester {
        return ContextGap::NoConsent {
            scopes: Some("User.Read.All".into()),
        };
    }
    ContextGap::NoAccess
}

/// The least scope Graph names in "Authorization failed due to missing permission scope A,B,….".
fn missing_scope(message: &str) -> Option<String> {
    let (_, list) = message.split_once("missing permission scope")?;
    list.split(',')
        .map(|s| s.trim().trim_end_matches('.').trim())
        .find(|s| !s.is_empty() && !s.contains(char::is_whitespace))
        .map(str::to_string)
}

/// Why the last sign-in could not be shown (reference §6 F3, §8).
pub(super) fn sign_in_refusal(error: &SourceError) -> String {
    let code = error.code.as_deref().unwrap_or_default();
    match (error.status, code) {
        (_, "Authentication_RequestFromNonPremiumTenantOrB2CTenant") => {
            "Sign-in activity requires an Entra ID P1 or P2 licence in this tenant.".into()
        }
        (_, "Authentication_MSGraphPermissionMissing") => {
            "Your organisation has not consented to AuditLog.Read.All for PIM Approvals; an administrator can grant it.".into()
        }
        (Some(403), _) => "Not visible to you: sign-in activity is only shown to Global Reader, Reports Reader, Security Reader, Security Operator or Security Administrator.".into(),
        (Some(429), _) => "Microsoft allows 10 sign-in activity reads a minute for this app: try again in a minute.".into(),
        _ => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::SourceKind;

    #[test]
    fn tells_missing_consent_from_a_missing_role() {
        let scope = r#"{"error":{"code":"UnknownError","message":"{\"errorCode\":\"PermissionScopeNotGranted\",\"message\":\"Authorization failed due to missing permission scope RoleManagementPolicy.Read.Directory,RoleManagement.Read.Directory.\",\"instanceAnnotations\":[]}"}}"#;
        let e = SourceError::from_response(SourceKind::EntraRoles, 403, scope, None);
        assert_eq!(
            gap(Panel::Policy, &e),
            ContextGap::NoConsent {
                scopes: Some("RoleManagementPolicy.Read.Directory".into())
            }
        );
        let role = r#"{"error":{"code":"UnknownError","message":"{\"errorCode\":\"UnauthorizedAccessException\",\"message\":\"Attempted to perform an unauthorized operation.\"}"}}"#;
        let e = SourceError::from_response(SourceKind::EntraRoles, 403, role, None);
        assert_eq!(gap(Panel::Record, &e), ContextGap::NoAccess);
        let arm = r#"{"error":{"code":"AuthorizationFailed","message":"The client 'x' does not have authorization"}}"#;
        let e = SourceError::from_response(SourceKind::AzureResources, 403, arm, None);
        assert_eq!(gap(Panel::Policy, &e), ContextGap::NoAccess);
        let users = r#"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation."}}"#;
        let e = SourceError::from_response(SourceKind::EntraRoles, 403, users, None);
        assert!(matches!(
            gap(Panel::Requester, &e),
            ContextGap::NoConsent { .. }
        ));
    }

    #[test]
    fn server_errors_and_throttling_are_retryable() {
        for status in [500, 503, 429] {
            let e = SourceError::from_response(SourceKind::Groups, status, "{}", None);
            assert!(matches!(
                gap(Panel::Policy, &e),
                ContextGap::Failed {
                    retryable: true,
                    ..
                }
            ));
        }
        let e = SourceError::from_response(SourceKind::Groups, 400, "{}", None);
        assert!(matches!(
            gap(Panel::Policy, &e),
            ContextGap::Failed {
                retryable: false,
                ..
            }
        ));
    }

    #[test]
    fn sign_in_refusals_say_why() {
        let licence = r#"{"error":{"code":"Authentication_RequestFromNonPremiumTenantOrB2CTenant","message":"x"}}"#;
        let e = SourceError::from_response(SourceKind::EntraRoles, 403, licence, None);
        assert!(sign_in_refusal(&e).contains("P1 or P2"));
        let role = r#"{"error":{"code":"Authorization_RequestDenied","message":"x"}}"#;
        let e = SourceError::from_response(SourceKind::EntraRoles, 403, role, None);
        assert!(sign_in_refusal(&e).contains("Reports Reader"));
    }
}
