//! The decision context beside the decision (issue 9): for Entra roles, PIM for Groups and Azure
//! resources the detail shows the role's PIM policy, the requester's record and who the requester is,
//! read from the demo tenant; each panel fails on its own and says why; the decision never waits for
//! them. Screenshots of the panels are written to tests/e2e/screenshots/ (context-*) to be looked at.

use e2e::*;
use serde_json::{json, Value};

const ENTRA_GA_ALEX: &str = "e0000000-0000-4000-8000-000000000001";
const ENTRA_EXCHANGE_MEGAN: &str = "e0000000-0000-4000-8000-000000000004";
const ENTRA_SHAREPOINT_OVER: &str = "e0000000-0000-4000-8000-000000000006";
const ENTRA_ONLY_NESTOR: &str = "e0000000-0000-4000-8000-000000000007";
const GROUP_EXCHANGE_OVER: &str = "90000000-0000-4000-8000-000000000002";
const GROUP_EXCHANGE_LYNNE: &str = "90000000-0000-4000-8000-000000000005";
const AZURE_NETWORK_DIEGO: &str = "a2000000-0000-4000-8000-000000000002";
const AZURE_MG_OVER: &str = "a2000000-0000-4000-8000-000000000005";
const MIM: &str = "b0000000-0000-4000-8000-000000000001";

fn detail(source: &str, id: &str) -> String {
    format!("/requests/{source}/{id}")
}

/// Waits until `panel` has finished reading (ready or a gap) and returns its text.
async fn panel(world: &World, panel: &str) -> String {
    let css = format!("[data-testid=context-{panel}]");
    world
        .wait_for_script(
            &format!(
                "const p = document.querySelector('{css}'); return p ? p.dataset.state : null;"
            ),
            |state| matches!(state.as_str(), Some("ready" | "gap")),
            &format!("{panel} finished reading"),
        )
        .await;
    world.text_or_empty(&css).await
}

async fn open(world: &World, route: &str) {
    world.goto(route).await;
    world.wait_for("[data-testid=request-detail]").await;
}

/// Opens `route` and checks each panel's text.
async fn expect_panels(
    world: &World,
    route: &str,
    policy: &[&str],
    record: &[&str],
    requester: &[&str],
) {
    open(world, route).await;
    for (name, needles) in [
        ("policy", policy),
        ("record", record),
        ("requester", requester),
    ] {
        let text = panel(world, name).await;
        contains_all(&text, needles, &format!("{route} {name}"));
    }
}

/// Approves the open request with `justification` and waits for the service's confirmation.
async fn approve_here(world: &World, justification: &str) {
    world
        .type_into("#approver-justification", justification)
        .await;
    world.click("[data-testid=approve]").await;
    world
        .wait_for_text("[data-testid=confirmation]", "Approved")
        .await;
}

fn contains_all(text: &str, needles: &[&str], what: &str) {
    for needle in needles {
        assert!(text.contains(needle), "{what} lacks {needle:?}:\n{text}");
    }
}

async fn state_of(world: &World, panel: &str) -> Value {
    world
        .eval(&format!(
            "const p = document.querySelector('[data-testid=context-{panel}]'); return p ? p.dataset.state : null;"
        ))
        .await
}

#[tokio::test]
async fn every_graph_and_arm_source_shows_policy_record_and_requester() {
    let world = World::at_adeles_queue().await;

    // Entra roles: Alex asks for Global Administrator for 2 h; the policy allows 2 h.
    expect_panels(
        &world,
        &detail("entra-roles", ENTRA_GA_ALEX),
        &[
            "Requested 2 h; this role allows at most 2 h.",
            "Multifactor authentication, a justification, a ticket number.",
            "Nestor Wilke",
            "PIM Approvers (group)",
            "you may be an approver through one of the groups",
        ],
        &[
            "approved 2",
            "denied 1",
            "expired 1",
            "canceled 1",
            "Eligible until",
            "by Adele Vance",
        ],
        &["Alex Wilber", "Nestor Wilke", "Member", "Enabled"],
    )
    .await;
    assert!(
        !world.exists("[data-testid=requester-flags]").await,
        "Alex is not flagged"
    );
    world.full_screenshot("context-entra-1280", 1280).await;
    world.assert_accessible("context panels, Entra, 1280").await;

    // PIM for Groups: Lynne, a guest, holds an active membership of PIM-Exchange-Operators.
    expect_panels(
        &world,
        &detail("groups", GROUP_EXCHANGE_LYNNE),
        &[
            "Requested 8 h; the policy allows 1 h",
            "Multifactor authentication, a justification.",
            "PIM Approvers (group)",
            "Nestor Wilke",
        ],
        &["Active until"],
        &["Guest account", "Lynne Robbins", "Guest"],
    )
    .await;

    // Azure resources: Diego (disabled) holds Owner on rg-network-hub; the request is at the maximum.
    expect_panels(
        &world,
        &detail("azure-resources", AZURE_NETWORK_DIEGO),
        &[
            "Requested 1 h; this role allows at most 1 h.",
            "Multifactor authentication, a justification, a ticket number.",
            "Adele Vance",
            "You are listed as an approver.",
        ],
        &["Active until"],
        &["The account is disabled", "Disabled"],
    )
    .await;
    world.full_screenshot("context-azure-1280", 1280).await;

    // A 3-day-old account (Megan), on the role whose rules Graph cannot return.
    open(&world, &detail("entra-roles", ENTRA_EXCHANGE_MEGAN)).await;
    let requester = panel(&world, "requester").await;
    contains_all(&requester, &["Account created 3 days ago."], "Megan");
    let policy = panel(&world, "policy").await;
    contains_all(&policy, &["unreadable", "Try again"], "rules trap");
    let log = world.log().await;
    assert!(
        calls(
            &log,
            "GET",
            "/graph/v1.0/policies/roleManagementPolicyAssignments"
        )
        .iter()
        .any(|e| !e["query"].as_str().unwrap_or("").contains("rules")),
        "after the 500 the policy was read again without $expand=rules"
    );

    // MIM PAM has no such API: the panels say so rather than disappearing.
    open(&world, &detail("mim-pam", MIM)).await;
    for name in ["policy", "record", "requester"] {
        let text = panel(&world, name).await;
        assert!(
            text.contains("MIM PAM has no API for this"),
            "{name}: {text}"
        );
    }
    world.finish().await;
}

#[tokio::test]
async fn over_the_policy_maximum_is_marked_in_the_list_and_warned_on_the_detail() {
    let world = World::at_adeles_queue().await;
    for (source, id, warned) in [
        (
            "entra-roles",
            ENTRA_SHAREPOINT_OVER,
            "Requested 10 h; the policy allows 4 h",
        ),
        (
            "groups",
            GROUP_EXCHANGE_OVER,
            "Requested 2 h; the policy allows 1 h",
        ),
        (
            "azure-resources",
            AZURE_MG_OVER,
            "Requested 2 h; the policy allows 1 h",
        ),
    ] {
        let row = reveal_in_queue(&world, id).await;
        assert!(
            !world
                .exists(&format!("{row} [data-testid=over-policy]"))
                .await,
            "{id}: no mark before its policy was read"
        );
        // In-app navigation, so the session's cache survives.
        world.click(&format!("{row} a.row-link")).await;
        world.wait_for("[data-testid=request-detail]").await;
        let policy = panel(&world, "policy").await;
        contains_all(
            &policy,
            &[warned, "PIM may have been changed since"],
            source,
        );
        world
            .wait_for_text(
                "[data-testid=warnings]",
                "PIM's policy for this role allows",
            )
            .await;
        let over = world
            .eval("return document.querySelector('[data-testid=policy-duration]').dataset.over;")
            .await;
        assert_eq!(over, json!("true"));
        world.click(".back a").await;
        wait_until_loaded(&world).await;
        let row = reveal_in_queue(&world, id).await;
        world
            .wait_for_text(&format!("{row} [data-testid=over-policy]"), "over PIM's")
            .await;
    }
    // At the maximum: no mark.
    let row = reveal_in_queue(&world, ENTRA_GA_ALEX).await;
    world.click(&format!("{row} a.row-link")).await;
    panel(&world, "policy").await;
    world.click(".back a").await;
    wait_until_loaded(&world).await;
    let row = reveal_in_queue(&world, ENTRA_GA_ALEX).await;
    assert!(
        !world
            .exists(&format!("{row} [data-testid=over-policy]"))
            .await
    );
    world.finish().await;
}

#[tokio::test]
async fn a_plain_approver_sees_why_each_panel_is_not_visible_and_still_decides() {
    let world = World::start().await;
    world.sign_in_as(NESTOR).await;
    wait_until_loaded(&world).await;
    for (source, id, reason) in [
        ("groups", GROUP_EXCHANGE_LYNNE, "owners and members"),
        (
            "azure-resources",
            AZURE_NETWORK_DIEGO,
            "Reader on rg-network-hub",
        ),
        (
            "entra-roles",
            ENTRA_ONLY_NESTOR,
            "Global Reader, Security Reader",
        ),
    ] {
        open(&world, &detail(source, id)).await;
        for name in ["policy", "record"] {
            let text = panel(&world, name).await;
            contains_all(
                &text,
                &["Not visible to you.", reason],
                &format!("{source} {name}"),
            );
            assert!(
                !text.contains("lacks consent"),
                "a missing role, not consent: {text}"
            );
        }
        // Users are readable by members: the account shows; the last sign-in needs a reports role.
        let requester = panel(&world, "requester").await;
        assert!(requester.contains("Show last sign-in"), "{requester}");
    }
    world.click("[data-testid=last-sign-in] button").await;
    world
        .wait_for_text("[data-testid=last-sign-in-gap]", "Not visible to you")
        .await;
    world
        .full_screenshot("context-not-visible-1280", 1280)
        .await;
    world.assert_accessible("context panels, not visible").await;

    // The decision still works.
    approve_here(&world, "Checked with the requester by phone").await;
    world.finish().await;
}

#[tokio::test]
async fn missing_consent_is_told_apart_from_a_missing_role() {
    let world = World::start().await;
    world
        .control(
            "POST",
            "/_emulator/consent",
            json!({ "user": ADELE_ID, "withheldScopes": ["RoleManagementPolicy.Read.Directory", "User.Read.All"] }),
        )
        .await;
    world.sign_in_as(ADELE).await;
    wait_until_loaded(&world).await;
    open(&world, &detail("entra-roles", ENTRA_GA_ALEX)).await;
    let policy = panel(&world, "policy").await;
    contains_all(
        &policy,
        &[
            "Not visible.",
            "Your organisation has not consented to RoleManagementPolicy.Read.Directory for PIM Approvals; an administrator can grant it.",
        ],
        "policy without consent",
    );
    assert!(
        !policy.contains("Not visible to you"),
        "consent is not the approver's: {policy}"
    );
    let requester = panel(&world, "requester").await;
    contains_all(
        &requester,
        &["has not consented to User.Read.All"],
        "requester without consent",
    );
    // The record's permission was consented: it shows.
    contains_all(&panel(&world, "record").await, &["approved 2"], "record");
    world.wait_for("[data-testid=decision-panel]").await;
    world.finish().await;
}

/// The context permissions the app asks for silently (README, "App registration").
use tenant_emulator::CONTEXT_PERMISSIONS as CONTEXT_SCOPES;

/// Token requests (code or refresh grant) whose form names `scope`.
fn token_requests_for<'a>(log: &'a [Value], scope: &str) -> Vec<&'a Value> {
    calls(log, "POST", "/oauth2/v2.0/token")
        .into_iter()
        .filter(|e| e["body"].as_str().unwrap_or("").contains(scope))
        .collect()
}

/// Each of the three panels on its own, to look at closely: `{prefix}-{panel}.png`.
async fn screenshot_panels(world: &World, prefix: &str) {
    for p in ["policy", "record", "requester"] {
        let png = world
            .wait_for(&format!("[data-testid=context-{p}]"))
            .await
            .screenshot()
            .await
            .expect("panel screenshot");
        let file = format!("{prefix}-{p}.png");
        std::fs::write(screenshot_dir().join(file), png).expect("write");
    }
}

/// Opens request `id` from the queue, inside the app (no page load: the app's memory is kept).
async fn open_in_app(world: &World, id: &str) {
    world.click("nav[aria-label=Main] a[href='/']").await;
    let row = reveal_in_queue(world, id).await;
    world.click(&format!("{row} a.row-link")).await;
    world.wait_for("[data-testid=request-detail]").await;
}

/// Graph `$batch` calls that read decision context (policies, users); the queue's own batches
/// (approval stages for the overview) are not context.
fn context_batches(log: &[Value]) -> Vec<&Value> {
    calls(log, "POST", "/graph/v1.0/$batch")
        .into_iter()
        .filter(|e| {
            let body = e["body"].to_string();
            body.contains("roleManagementPolicyAssignments") || body.contains("/users/")
        })
        .collect()
}

#[tokio::test]
async fn a_tenant_without_context_consent_signs_in_and_decides_and_each_panel_says_so() {
    for (width, theme) in [
        (1280, "light"),
        (1280, "dark"),
        (360, "light"),
        (360, "dark"),
    ] {
        let mut overlay = serde_json::Map::new();
        overlay.insert("embedding".into(), json!({ "theme": theme }));
        let world = World::start_with(Options {
            width,
            height: 800,
            app_config_overlay: overlay,
            ..Options::default()
        })
        .await;
        // The tenant's admin consented to the approval flow only.
        world
            .control(
                "POST",
                "/_emulator/consent",
                json!({ "withheldScopes": CONTEXT_SCOPES }),
            )
            .await;
        // The sign-in asks for none of them (the emulator would stop it on "Need admin approval").
        world.sign_in_as(ADELE).await;
        wait_until_loaded(&world).await;
        let log = world.log().await;
        let authorize = calls(&log, "GET", "/oauth2/v2.0/authorize");
        assert!(!authorize.is_empty(), "signed in through /authorize");
        for entry in &authorize {
            let query = entry["query"].as_str().unwrap_or("");
            for scope in CONTEXT_SCOPES {
                assert!(!query.contains(scope), "{scope} asked at sign-in: {query}");
            }
        }

        let shots = width == 1280 && theme == "light";
        for (source, id, name, policy, record) in [
            (
                "entra-roles",
                ENTRA_GA_ALEX,
                "entra",
                Some("RoleManagementPolicy.Read.Directory"),
                Some("RoleEligibilitySchedule.Read.Directory"),
            ),
            (
                "groups",
                GROUP_EXCHANGE_LYNNE,
                "groups",
                Some("RoleManagementPolicy.Read.AzureADGroup"),
                Some("PrivilegedEligibilitySchedule.Read.AzureADGroup"),
            ),
            ("azure-resources", AZURE_MG_OVER, "azure", None, None),
        ] {
            if name != "entra" && !shots {
                continue;
            }
            open(&world, &detail(source, id)).await;
            for (panel_name, permission) in [
                ("policy", policy),
                ("record", record),
                ("requester", Some("User.Read.All")),
            ] {
                let text = panel(&world, panel_name).await;
                match permission {
                    Some(permission) => contains_all(
                        &text,
                        &[
                            "Not visible.",
                            &format!("Your organisation has not consented to {permission} for PIM Approvals; an administrator can grant it."),
                        ],
                        &format!("{name} {panel_name}"),
                    ),
                    // Azure's policy and record come from ARM: no Graph consent needed.
                    None => assert!(!text.contains("consented"), "{name} {panel_name}: {text}"),
                }
                assert!(
                    world
                        .eval(&format!("return document.querySelectorAll('[data-testid=context-{panel_name}] [data-testid=context-retry]').length;"))
                        .await
                        == json!(0),
                    "no retry offered for a missing consent ({name} {panel_name})"
                );
            }
            world
                .assert_accessible(&format!("context without consent {name} {width} {theme}"))
                .await;
            if name == "entra" {
                world
                    .full_screenshot(&format!("context-no-consent-{width}-{theme}"), width)
                    .await;
                screenshot_panels(&world, &format!("context-no-consent-{width}-{theme}")).await;
            }
        }
        if !shots {
            world.finish().await;
            continue;
        }
        // Each refused permission is asked for once while the app runs, however often a detail
        // opens: the second detail is opened in the app, from the queue, and asks nothing (a page
        // load starts afresh and may ask again, so a consent granted meanwhile is picked up).
        let log = world.log().await;
        for scope in ["RoleManagementPolicy.Read.Directory", "User.Read.All"] {
            let asked = token_requests_for(&log, scope);
            assert!(!asked.is_empty(), "{scope} asked for");
            assert!(
                asked.iter().all(|a| a["status"] == 400),
                "{scope} refused by the tenant"
            );
        }
        assert!(
            context_batches(&log).is_empty(),
            "no Graph context read without consent"
        );
        // This page load last opened an Azure request: its Entra policy permission is asked once
        // more on the next Entra request, then never again while the app runs.
        open_in_app(&world, ENTRA_SHAREPOINT_OVER).await;
        contains_all(
            &panel(&world, "policy").await,
            &["has not consented to RoleManagementPolicy.Read.Directory"],
            "an Entra detail opened in the app",
        );
        world.clear_log().await;
        open_in_app(&world, ENTRA_GA_ALEX).await;
        contains_all(
            &panel(&world, "policy").await,
            &["has not consented to RoleManagementPolicy.Read.Directory"],
            "the next Entra detail opened in the app",
        );
        panel(&world, "requester").await;
        let log = world.log().await;
        for scope in ["RoleManagementPolicy.Read.Directory", "User.Read.All"] {
            let asked = token_requests_for(&log, scope);
            assert!(asked.is_empty(), "{scope} asked again: {asked:?}");
        }
        assert!(
            context_batches(&log).is_empty(),
            "no Graph context read without consent"
        );
        // Without the account read there is no last sign-in to offer either.
        assert!(
            !world.exists("[data-testid=last-sign-in]").await,
            "no last-sign-in button on an account that cannot be read"
        );
        // The decision works, and the sign-in did not end.
        approve_here(&world, "Checked with the requester by phone").await;
        let ended = world
            .eval("return document.querySelectorAll('[data-testid=session-expired]').length;")
            .await;
        assert_eq!(
            ended,
            json!(0),
            "a refused context token does not end the sign-in"
        );
        world.finish().await;
    }
}

#[tokio::test]
async fn one_failing_panel_leaves_the_others_and_the_decision_alone() {
    let world = World::at_adeles_queue().await;

    // The context is slow: the decision is usable before any of it arrives.
    world
        .fault(json!({ "path": "/graph/v1.0/$batch", "kind": "latency", "ms": 4000 }))
        .await;
    open(&world, &detail("entra-roles", ENTRA_GA_ALEX)).await;
    world.wait_for("[data-testid=decision-panel]").await;
    world
        .type_into("#approver-justification", "Context is still loading")
        .await;
    let approve_enabled = world
        .eval("return !document.querySelector('[data-testid=approve]').disabled;")
        .await;
    assert_eq!(approve_enabled, json!(true));
    assert_eq!(state_of(&world, "policy").await, json!("loading"));
    assert_eq!(state_of(&world, "requester").await, json!("loading"));
    panel(&world, "policy").await;
    world
        .control("DELETE", "/_emulator/faults", Value::Null)
        .await;

    // Policies answer 500: that panel offers a retry; the others and the decision are untouched.
    world
        .fault(json!({ "path": "/graph/v1.0/policies/", "kind": "status", "status": 500 }))
        .await;
    open(&world, &detail("entra-roles", ENTRA_SHAREPOINT_OVER)).await;
    let policy = panel(&world, "policy").await;
    contains_all(&policy, &["HTTP 500", "Try again"], "failed policy");
    panel(&world, "record").await;
    assert_eq!(state_of(&world, "record").await, json!("ready"));
    assert_eq!(state_of(&world, "requester").await, json!("ready"));
    // Without the policy, the warning says it used the configured limit.
    world
        .wait_for_text("[data-testid=warnings]", "this app's settings allow")
        .await;
    world
        .control("DELETE", "/_emulator/faults", Value::Null)
        .await;
    world.clear_log().await;
    world
        .click("[data-testid=context-policy] [data-testid=context-retry]")
        .await;
    let policy = panel(&world, "policy").await;
    contains_all(
        &policy,
        &["Requested 10 h; the policy allows 4 h"],
        "policy after retry",
    );
    let log = world.log().await;
    assert!(
        calls(&log, "GET", "/graph/v1.0/users/").is_empty()
            && calls(&log, "GET", "/roleAssignmentScheduleRequests").is_empty(),
        "the retry read the policy only"
    );
    approve_here(&world, "Approved after checking the change").await;
    world.finish().await;
}

#[tokio::test]
async fn the_panels_pass_axe_and_are_screenshotted_at_360_and_in_dark() {
    for (width, theme) in [(360, "light"), (360, "dark"), (1280, "dark")] {
        let mut overlay = serde_json::Map::new();
        overlay.insert("embedding".into(), json!({ "theme": theme }));
        let world = World::start_with(Options {
            width,
            height: 800,
            app_config_overlay: overlay,
            ..Options::default()
        })
        .await;
        world.sign_in_as(ADELE).await;
        wait_until_loaded(&world).await;
        for (source, id, name) in [
            ("entra-roles", ENTRA_GA_ALEX, "entra"),
            ("groups", GROUP_EXCHANGE_LYNNE, "groups"),
            ("azure-resources", AZURE_MG_OVER, "azure"),
        ] {
            open(&world, &detail(source, id)).await;
            for p in ["policy", "record", "requester"] {
                panel(&world, p).await;
            }
            world
                .assert_accessible(&format!("context {name} {width} {theme}"))
                .await;
            world
                .full_screenshot(&format!("context-{name}-{width}-{theme}"), width)
                .await;
            // Each panel on its own too, to look at closely.
            screenshot_panels(&world, &format!("context-{name}-{width}-{theme}")).await;
        }
        world.finish().await;
    }
}
