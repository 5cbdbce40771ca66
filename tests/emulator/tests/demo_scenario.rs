//! The demo tenant (`scenarios/demo.json`) has what SPEC.md promises the app and the e2e tests.

mod common;

use common::*;
use std::collections::HashMap;
use tenant_emulator::{Action, RequestView, Scenario, Source};

#[tokio::test]
async fn demo_tenant_has_the_promised_content() {
    let scenario = Scenario::demo();
    assert_eq!(scenario.tenant.id, TENANT);
    assert_eq!(scenario.client_id, CLIENT_ID);
    assert_eq!(scenario.users.len(), 7);
    let tenant = Tenant::start().await;
    let state = tenant.state().await;
    let requests = &state.requests;
    let adele_pending: Vec<&RequestView> = requests
        .iter()
        .filter(|r| r.is_pending_for(ADELE))
        .collect();
    assert!(adele_pending.len() >= 25);
    let mut per_source: HashMap<Source, usize> = HashMap::new();
    for request in &adele_pending {
        *per_source.entry(request.source).or_default() += 1;
    }
    assert_eq!(per_source.len(), 5);
    assert!(
        per_source.values().all(|count| *count >= 4),
        "{per_source:?}"
    );
    let expiring_within_the_hour = scenario
        .requests
        .iter()
        .filter(|r| r.created_minutes_ago >= 23 * 60 && r.created_minutes_ago < 24 * 60)
        .count();
    assert!(expiring_within_the_hour >= 3);
    let pending_scenario = || {
        scenario.requests.iter().filter(|r| {
            r.created_minutes_ago < 24 * 60
                && r.decision.is_none()
                && r.approvers.iter().any(|a| a == ADELE)
        })
    };
    assert!(pending_scenario().filter(|r| r.ticket.is_none()).count() >= 3);
    assert!(
        adele_pending
            .iter()
            .filter(|r| r.action != Action::SelfActivate)
            .count()
            >= 2
    );
    assert!(
        adele_pending
            .iter()
            .filter(|r| r.principal == MEGAN)
            .count()
            >= 2
    );
    for history in [
        Status::Approved,
        Status::Denied,
        Status::Expired,
        Status::Canceled,
    ] {
        let count = requests.iter().filter(|r| r.state == history).count();
        assert!(count >= 3, "{history:?}: {count}");
    }
    let decided_by_adele = requests
        .iter()
        .filter(|r| r.decider() == Some(ADELE))
        .count();
    assert!(decided_by_adele >= 3);
    let justifications: String = scenario
        .requests
        .iter()
        .map(|r| r.justification.clone())
        .collect();
    for hostile in ["<b>", "&", "\"", "<img src=x onerror=alert(1)>"] {
        assert!(justifications.contains(hostile), "{hostile}");
    }
}
