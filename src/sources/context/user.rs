//! Reading the requester's account (reference §6): `/users/{id}?$select=…` (F1), `/users/{id}/manager`
//! (F2, a user or an organizational contact; 404 = none recorded) and, only on request,
//! `$select=signInActivity` (F3).

use crate::domain::requester_facts::{Manager, RequesterFacts, SignInActivity};
use crate::sources::wire::{text, time};
use serde_json::Value;

/// F1's `$select`: never `signInActivity` (it fails the whole read without a premium licence).
pub(crate) const USER_SELECT: &str = "id,displayName,userPrincipalName,mail,accountEnabled,createdDateTime,jobTitle,department,userType,companyName";
/// F2's `$select`.
pub(crate) const MANAGER_SELECT: &str = "id,displayName,jobTitle,mail,userPrincipalName";

pub(crate) fn read_user(body: &Value, manager: Manager) -> RequesterFacts {
    let field = |name: &str| text(body[name].as_str());
    RequesterFacts {
        id: field("id").unwrap_or_default(),
        display_name: field("displayName"),
        upn: field("userPrincipalName"),
        mail: field("mail"),
        account_enabled: body["accountEnabled"].as_bool(),
        user_type: field("userType"),
        created: time(body["createdDateTime"].as_str()),
        job_title: field("jobTitle"),
        department: field("department"),
        company: field("companyName"),
        manager,
    }
}

pub(crate) fn read_manager(body: &Value) -> Manager {
    let field = |name: &str| text(body[name].as_str());
    match field("displayName")
        .or_else(|| field("userPrincipalName"))
        .or_else(|| field("id"))
    {
        Some(name) => Manager::Known {
            name,
            upn: field("userPrincipalName").or_else(|| field("mail")),
            job_title: field("jobTitle"),
        },
        None => Manager::NoneRecorded,
    }
}

pub(crate) fn read_sign_in(body: &Value) -> SignInActivity {
    let activity = &body["signInActivity"];
    let at = |name: &str| time(activity[name].as_str());
    SignInActivity {
        last_interactive: at("lastSignInDateTime"),
        last_non_interactive: at("lastNonInteractiveSignInDateTime"),
        last_successful: at("lastSuccessfulSignInDateTime"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::wire::fixture;
    use serde_json::json;

    #[test]
    fn reads_the_documented_user_and_manager() {
        let manager = read_manager(&fixture("context_manager.json"));
        assert_eq!(
            manager,
            Manager::Known {
                name: "Sara Davis".into(),
                upn: Some("SaraD@contoso.onmicrosoft.com".into()),
                job_title: Some("Finance VP".into()),
            }
        );
        let user = read_user(&fixture("context_user.json"), manager);
        assert_eq!(user.display_name.as_deref(), Some("Adele Vance"));
        assert_eq!(user.upn.as_deref(), Some("AdeleV@contoso.com"));
        assert_eq!(user.job_title.as_deref(), Some("Retail Manager"));
        // The documented default read carries no accountEnabled/userType: unknown, not "disabled".
        assert_eq!(user.account_enabled, None);
        assert!(!user.is_guest());
    }

    #[test]
    fn reads_sign_in_activity() {
        let body = json!({ "signInActivity": { "lastSignInDateTime": "2026-11-20T08:00:00Z", "lastSuccessfulSignInDateTime": null } });
        let activity = read_sign_in(&body);
        assert!(activity.last_interactive.is_some());
        assert_eq!(activity.last_successful, None);
    }
}
