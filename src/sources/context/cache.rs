//! The session's cache of decision context (this tab only, never stored): policies per role and scope,
//! accounts per requester. A policy is looked up by role and scope every time it is needed and never
//! by `policyId` (group policy ids change when PIM onboards a group).

use crate::domain::requester_facts::RequesterFacts;
use crate::domain::role_policy::{PolicyKey, RolePolicy};
use std::cell::RefCell;
use std::collections::HashMap;

thread_local! {
    static POLICIES: RefCell<HashMap<PolicyKey, RolePolicy>> = RefCell::new(HashMap::new());
    static REQUESTERS: RefCell<HashMap<String, RequesterFacts>> = RefCell::new(HashMap::new());
}

/// The policy read earlier this session for `key`, if any.
pub fn cached_policy(key: &PolicyKey) -> Option<RolePolicy> {
    POLICIES.with(|p| p.borrow().get(key).cloned())
}

/// The account read earlier this session for the requester `id`, if any.
pub fn cached_requester(id: &str) -> Option<RequesterFacts> {
    REQUESTERS.with(|r| r.borrow().get(&id.to_ascii_lowercase()).cloned())
}

pub(super) fn keep_policy(key: PolicyKey, policy: &RolePolicy) {
    POLICIES.with(|p| p.borrow_mut().insert(key, policy.clone()));
}

pub(super) fn keep_requester(id: &str, facts: &RequesterFacts) {
    REQUESTERS.with(|r| {
        r.borrow_mut()
            .insert(id.to_ascii_lowercase(), facts.clone())
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{IsoDuration, SourceKind};

    #[test]
    fn keeps_policies_per_role_and_scope() {
        let key = |scope: &str| PolicyKey {
            source: SourceKind::AzureResources,
            role: "r".into(),
            scope: scope.into(),
        };
        let policy = RolePolicy {
            max_duration: Some(IsoDuration::from_hours(1)),
            ..RolePolicy::default()
        };
        keep_policy(key("/subscriptions/s"), &policy);
        assert_eq!(cached_policy(&key("/subscriptions/s")), Some(policy));
        assert_eq!(
            cached_policy(&key("/subscriptions/s/resourcegroups/rg")),
            None
        );
        keep_requester("ABC", &RequesterFacts::default());
        assert!(cached_requester("abc").is_some());
    }
}
