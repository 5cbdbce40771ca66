//! `--generate N`: synthetic pending requests for scale tests, spread over the five sources, with
//! seeded-random requesters, roles and times, all with Adele Vance (else the first person) as approver.

use crate::scenario::{Action, Scenario, ScenarioRequest, ScenarioState, Source, Ticket};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

/// Seed of the synthetic requests, so every run generates the same ones.
pub const GENERATE_SEED: u64 = 0x5EED_F00D;

const JUSTIFICATIONS: &[&str] = &[
    "Monthly patching window for the payroll servers",
    "Investigate sign-in failures reported by the service desk",
    "Rotate expiring certificates before the weekend freeze",
    "Apply the approved firewall change for the partner VPN",
    "Restore a deleted mailbox for the legal team",
    "Quarterly access review clean-up",
];
const DURATIONS: &[&str] = &["PT1H", "PT2H", "PT4H", "PT8H"];

/// Append `count` pending requests to the scenario.
pub fn add_synthetic_requests(scenario: &mut Scenario, count: usize) {
    let mut rng = StdRng::seed_from_u64(GENERATE_SEED);
    let people: Vec<String> = scenario
        .users
        .iter()
        .filter(|u| !u.is_service_principal())
        .map(|u| u.id.clone())
        .collect();
    let Some(approver) = scenario
        .users
        .iter()
        .find(|u| u.display_name == "Adele Vance")
        .map(|u| u.id.clone())
        .or_else(|| people.first().cloned())
    else {
        return;
    };
    let requesters: Vec<String> = people
        .iter()
        .filter(|id| **id != approver)
        .cloned()
        .collect();
    let sources: Vec<Source> = Source::ALL
        .into_iter()
        .filter(|source| has_catalog(scenario, *source))
        .collect();
    if requesters.is_empty() || sources.is_empty() {
        return;
    }
    for index in 0..count {
        let source = sources[index % sources.len()];
        let principal = requesters
            .choose(&mut rng)
            .expect("requesters not empty")
            .clone();
        let request = synthetic_request(scenario, &mut rng, index, source, principal, &approver);
        scenario.requests.push(request);
    }
}

fn has_catalog(scenario: &Scenario, source: Source) -> bool {
    match source {
        Source::EntraRoles | Source::PortalApi => !scenario.directory_roles.is_empty(),
        Source::Groups => !scenario.groups.is_empty(),
        Source::AzureResources => {
            !scenario.azure_roles.is_empty() && !scenario.azure_scopes.is_empty()
        }
        Source::MimPam => !scenario.pam_roles.is_empty(),
    }
}

fn random_guid(rng: &mut StdRng) -> String {
    uuid::Builder::from_random_bytes(rng.gen())
        .into_uuid()
        .to_string()
}

fn synthetic_request(
    scenario: &Scenario,
    rng: &mut StdRng,
    index: usize,
    source: Source,
    principal: String,
    approver: &str,
) -> ScenarioRequest {
    let pick = |rng: &mut StdRng, ids: Vec<&String>| ids.choose(rng).map(|id| id.to_string());
    let mut role = None;
    let mut group = None;
    let mut scope = None;
    match source {
        Source::EntraRoles | Source::PortalApi => {
            role = pick(
                rng,
                scenario.directory_roles.iter().map(|r| &r.id).collect(),
            )
        }
        Source::Groups => group = pick(rng, scenario.groups.iter().map(|g| &g.id).collect()),
        Source::AzureResources => {
            role = pick(rng, scenario.azure_roles.iter().map(|r| &r.id).collect());
            scope = pick(rng, scenario.azure_scopes.iter().map(|s| &s.id).collect());
        }
        Source::MimPam => role = pick(rng, scenario.pam_roles.iter().map(|r| &r.id).collect()),
    }
    let ticket_number = 5000 + index;
    let has_ticket = rng.gen_bool(0.7);
    let justification = JUSTIFICATIONS.choose(rng).expect("justifications");
    ScenarioRequest {
        id: match source {
            Source::PortalApi => format!("PR-{ticket_number}"),
            _ => random_guid(rng),
        },
        source,
        principal,
        approvers: vec![approver.to_string()],
        role,
        group,
        access_id: (source == Source::Groups)
            .then(|| if rng.gen_bool(0.8) { "member" } else { "owner" }.to_string()),
        scope,
        action: Action::SelfActivate,
        created_minutes_ago: rng.gen_range(1..1380),
        start_minutes_from_creation: None,
        duration: DURATIONS.choose(rng).expect("durations").to_string(),
        requested_ttl: None,
        justification: if has_ticket {
            format!("{justification} (CHG-{ticket_number})")
        } else {
            justification.to_string()
        },
        ticket: has_ticket.then(|| Ticket {
            number: format!("CHG-{ticket_number}"),
            system: "ServiceNow".into(),
        }),
        justification_required: true,
        stage_display_name: None,
        state: ScenarioState::Pending,
        decision: None,
    }
}
