//! Who the requester is, from their directory account (reference §6): name, UPN, enabled, member or
//! guest, created, job, department, manager; and the flags an approver must not miss (a guest, a
//! disabled account, an account created in the last 7 days).

use chrono::{DateTime, Duration, Utc};

/// An account younger than this is flagged.
pub const NEW_ACCOUNT_DAYS: i64 = 7;

/// The requester's account as Graph `/users/{id}?$select=…` returns it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequesterFacts {
    pub id: String,
    pub display_name: Option<String>,
    pub upn: Option<String>,
    pub mail: Option<String>,
    pub account_enabled: Option<bool>,
    /// `Member` or `Guest` as sent.
    pub user_type: Option<String>,
    pub created: Option<DateTime<Utc>>,
    pub job_title: Option<String>,
    pub department: Option<String>,
    pub company: Option<String>,
    pub manager: Manager,
}

/// The requester's manager (`/users/{id}/manager`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Manager {
    Known {
        name: String,
        upn: Option<String>,
        job_title: Option<String>,
    },
    /// 404: none recorded.
    #[default]
    NoneRecorded,
    /// The manager read failed for another reason (said in words).
    Unreadable(String),
}

/// Something about the account an approver should see at once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserFlag {
    Guest,
    Disabled,
    NewAccount { days: i64 },
}

impl UserFlag {
    pub fn message(&self) -> String {
        match self {
            UserFlag::Guest => {
                "Guest account: this person is from outside the organisation.".into()
            }
            UserFlag::Disabled => {
                "The account is disabled: it cannot sign in to use the role.".into()
            }
            UserFlag::NewAccount { days } => match days {
                0 => "Account created today.".into(),
                1 => "Account created 1 day ago.".into(),
                days => format!("Account created {days} days ago."),
            },
        }
    }
}

impl RequesterFacts {
    pub fn is_guest(&self) -> bool {
        self.user_type
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("guest"))
    }

    /// The flags that apply at `now`.
    pub fn flags(&self, now: DateTime<Utc>) -> Vec<UserFlag> {
        let mut out = Vec::new();
        if self.is_guest() {
            out.push(UserFlag::Guest);
        }
        if self.account_enabled == Some(false) {
            out.push(UserFlag::Disabled);
        }
        if let Some(created) = self.created {
            let age = now - created;
            if age < Duration::days(NEW_ACCOUNT_DAYS) {
                out.push(UserFlag::NewAccount {
                    days: age.num_days().max(0),
                });
            }
        }
        out
    }
}

/// The requester's last sign-ins (`signInActivity`), read only on request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SignInActivity {
    pub last_interactive: Option<DateTime<Utc>>,
    pub last_non_interactive: Option<DateTime<Utc>>,
    pub last_successful: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn flags_guests_disabled_and_new_accounts() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
        let member = RequesterFacts {
            user_type: Some("Member".into()),
            account_enabled: Some(true),
            created: Some(now - Duration::days(400)),
            ..RequesterFacts::default()
        };
        assert!(member.flags(now).is_empty());
        let guest = RequesterFacts {
            user_type: Some("Guest".into()),
            account_enabled: Some(false),
            created: Some(now - Duration::days(3)),
            ..member.clone()
        };
        assert_eq!(
            guest.flags(now),
            [
                UserFlag::Guest,
                UserFlag::Disabled,
                UserFlag::NewAccount { days: 3 }
            ]
        );
        assert_eq!(
            UserFlag::NewAccount { days: 3 }.message(),
            "Account created 3 days ago."
        );
        let unknown = RequesterFacts::default();
        assert!(
            unknown.flags(now).is_empty(),
            "nothing known, nothing flagged"
        );
    }
}
