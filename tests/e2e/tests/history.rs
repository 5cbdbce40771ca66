//! History: the request overview against the emulator's scenario, My Requests with every status and a
//! cancel, Requests I Approved after deciding in the same test (with a bounded number of calls and a
//! spreadsheet-safe CSV), the timeline, and old links that still make sense.

use chrono::Duration;
use e2e::*;
use serde_json::Value;

/// Overview counts the emulator's data implies for `user`. MIM PAM's API has no approver history,
/// so its decided and expired requests cannot be counted (the page says so).
fn expected_overview(state: &StateView, user: &str) -> [usize; 4] {
    let week_ago = state.now - Duration::days(7);
    let requests: Vec<&RequestView> = state
        .requests
        .iter()
        .filter(|r| r.principal != user && r.is_approver(user))
        .collect();
    let recent = |r: &RequestView, status: Status| {
        r.state == status
            && r.source != Source::MimPam
            && match status {
                Status::Expired => r.expires > week_ago,
                _ => r.decision.as_ref().is_some_and(|d| d.at > week_ago),
            }
    };
    let count = |status: Status| requests.iter().filter(|r| recent(r, status)).count();
    [
        requests.iter().filter(|r| r.is_pending_for(user)).count(),
        count(Status::Approved),
        count(Status::Denied),
        count(Status::Expired),
    ]
}

async fn shown_overview(world: &World) -> [usize; 4] {
    let mut counts = [0; 4];
    for (i, slug) in ["pending", "approved", "denied", "expired"]
        .iter()
        .enumerate()
    {
        let text = world
            .text_or_empty(&format!("[data-testid=tile-{slug}] .tile-count"))
            .await;
        counts[i] = text.trim().parse().unwrap_or(usize::MAX);
    }
    counts
}

/// Waits until the overview tiles show `wanted`.
async fn wait_for_overview(world: &World, wanted: [usize; 4]) {
    wait_until("the overview counts", || async move {
        let shown = shown_overview(world).await;
        if shown == wanted {
            Ok(())
        } else {
            Err(format!("{shown:?} != {wanted:?}"))
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn overview_counts_match_the_scenario_and_open_their_requests() {
    let world = World::at_adeles_queue().await;
    let expected = expected_overview(&world.state().await, ADELE_ID);
    assert!(
        expected.iter().all(|n| *n > 0),
        "the demo has requests in every bucket: {expected:?}"
    );
    wait_for_overview(&world, expected).await;
    world.click("[data-testid=tile-denied]").await;
    world.wait_for("[data-testid=bucket-list]").await;
    let statuses = world
        .eval("return [...document.querySelectorAll('[data-testid=history-row]')].map(r => r.dataset.status);")
        .await;
    let statuses: Vec<&str> = statuses
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(statuses.len(), expected[2]);
    assert!(statuses.iter().all(|s| *s == "Denied"), "{statuses:?}");
    world.full_screenshot("overview-denied", 1280).await;

    // Deciding moves a request from Pending to Approved in the counts.
    let request = pick(&world, Source::PortalApi, 0).await;
    decide(&world, &request, "Approve", "Verified against CHG-2001").await;
    world.click("a[href='/']").await;
    let after = [expected[0] - 1, expected[1] + 1, expected[2], expected[3]];
    wait_for_overview(&world, after).await;
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn my_requests_show_every_status_and_cancel_after_confirmation() {
    let world = World::start().await;
    let alex = "a0000000-0000-4000-8000-000000000004";
    world.sign_in_as("Alex Wilber").await;
    world.goto("/my-requests").await;
    world.wait_for("[data-testid=history-row]").await;
    let state = world.state().await;
    let own: Vec<&RequestView> = state
        .requests
        .iter()
        .filter(|r| r.principal == alex)
        .collect();
    let shown = world
        .eval("return [...document.querySelectorAll('[data-testid=history-row]')].map(r => [r.dataset.source, r.dataset.id, r.dataset.status]);")
        .await;
    let shown = shown.as_array().unwrap();
    assert_eq!(
        shown.len(),
        own.len(),
        "every one of Alex's requests, from every source"
    );
    let statuses: std::collections::BTreeSet<&str> =
        shown.iter().map(|r| r[2].as_str().unwrap()).collect();
    for status in ["Pending", "Approved", "Denied", "Expired", "Canceled"] {
        assert!(statuses.contains(status), "{status} is shown: {statuses:?}");
    }
    world.full_screenshot("my-requests", 1280).await;

    let pending = own
        .iter()
        .find(|r| r.state == Status::Pending && r.source == Source::EntraRoles)
        .expect("Alex has a pending Entra role request");
    let id = &pending.id;
    let row = format!("[data-testid=history-row][data-id='{id}']");
    world.clear_log().await;
    world.click(&format!("{row} [data-testid=cancel]")).await;
    world
        .wait_for_text(
            "[data-testid=confirm-dialog]",
            "Cancel your pending request",
        )
        .await;
    world.screenshot("my-requests-cancel-dialog").await;
    // Escape closes without canceling and focus returns to the Cancel button.
    world
        .browser
        .active_element()
        .await
        .unwrap()
        .send_keys("\u{e00c}")
        .await
        .unwrap();
    world
        .wait_for_count("dialog[open]", |n| n == 0, "dialog closed")
        .await;
    let focused = world
        .eval("return document.activeElement.dataset.testid || '';")
        .await;
    assert_eq!(focused, "cancel");
    assert!(calls(&world.log().await, "POST", "/cancel").is_empty());

    world.click(&format!("{row} [data-testid=cancel]")).await;
    world.click("[data-testid=confirm]").await;
    world
        .wait_for_text(&format!("{row} [data-testid=status]"), "Canceled")
        .await;
    let log = world.log().await;
    let cancels = calls(&log, "POST", "/cancel");
    assert_eq!(cancels.len(), 1);
    assert_eq!(
        cancels[0]["path"],
        format!("/graph/v1.0/roleManagement/directory/roleAssignmentScheduleRequests/{id}/cancel")
            .as_str()
    );
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn requests_i_approved_lists_todays_decisions_with_bounded_calls_and_a_safe_csv() {
    let world = World::start().await;
    world.sign_in_as(ADELE).await;
    let roles = pick(&world, Source::EntraRoles, 0).await;
    decide(
        &world,
        &roles,
        "Approve",
        "=1+1 ticket verified on the bridge",
    )
    .await;
    let azure = pick(&world, Source::AzureResources, 0).await;
    decide(
        &world,
        &azure,
        "Deny",
        "Scope is wider than the change needs",
    )
    .await;

    world.clear_log().await;
    world.click("a[href='/approved-by-me']").await;
    let row = format!("[data-testid=decision-row][data-id='{}']", roles.id);
    let text = world.wait_for_text(&row, "Approved").await;
    assert!(
        text.contains("=1+1 ticket verified on the bridge"),
        "{text}"
    );
    let text = world
        .wait_for_text(
            &format!("[data-testid=decision-row][data-id='{}']", azure.id),
            "Denied",
        )
        .await;
    assert!(
        text.contains("Scope is wider than the change needs"),
        "{text}"
    );

    // Every decision Adele made in the last 7 days, from every source with history.
    let state = world.state().await;
    let expected = decided_this_week(&state, ADELE_ID).count();
    world
        .wait_for_count(
            "[data-testid=decision-row]",
            |n| n == expected,
            "all of Adele's decisions",
        )
        .await;
    world.full_screenshot("approved-by-me", 1280).await;

    // Bounded: list pages and $batch calls, never one call per request.
    let log = world.log().await;
    let reads: Vec<&Value> = log
        .iter()
        .filter(|e| e["method"] != "OPTIONS" && e["batchItem"] != true)
        .filter(|e| !e["path"].as_str().unwrap().contains("/oauth2/"))
        .collect();
    // Graph roles and groups: one list + one $batch each; ARM: two lists; portal: one list.
    assert!(
        reads.len() <= 7,
        "history took {} calls: {reads:#?}",
        reads.len()
    );
    let per_request = reads.iter().filter(|e| {
        let p = e["path"].as_str().unwrap();
        p.contains("roleAssignmentApprovals/") || p.contains("assignmentApprovals/")
    });
    assert_eq!(
        per_request.count(),
        0,
        "approvals are read through $batch or lists"
    );
    assert!(
        !calls(&log, "POST", "/$batch").is_empty(),
        "Graph approvals come through $batch"
    );

    // CSV: RFC 4180 and the formula-looking justification neutralised.
    let csv = world
        .eval(
            "const href = document.querySelector('[data-testid=csv-link]').href;
             return decodeURIComponent(href.slice(href.indexOf(',') + 1));",
        )
        .await;
    let csv = csv.as_str().unwrap();
    assert!(csv.starts_with("Decided at (UTC),Decision,Requestor,Requestor UPN,Role,Scope,Duration,My justification,Outcome,Source,Request id\r\n"));
    assert!(
        csv.contains(",'=1+1 ticket verified on the bridge,"),
        "{csv}"
    );
    assert!(
        !csv.contains(",=1+1"),
        "a formula cell must never start with ="
    );
    assert_eq!(csv.matches("\r\n").count(), expected + 1);

    // Search narrows the rows.
    world.type_into("input[type=search]", "bridge").await;
    world
        .wait_for_count("[data-testid=decision-row]", |n| n == 1, "search narrows")
        .await;
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn old_links_show_the_outcome_and_the_timeline() {
    let world = World::start().await;
    world.sign_in_as(ADELE).await;
    let state = world.state().await;
    let find = |source: Source, status: Status| {
        state.first(&format!("a {status:?} {source} request"), |r| {
            r.source == source
                && r.state == status
                && r.principal != ADELE_ID
                && r.is_approver(ADELE_ID)
        })
    };

    let approved = find(Source::EntraRoles, Status::Approved);
    world.goto(&route(approved)).await;
    let outcome = world
        .wait_for_text("[data-testid=outcome]", "Approved by")
        .await;
    let justification = &approved.decision.as_ref().unwrap().justification;
    assert!(outcome.contains(justification), "{outcome}");
    let timeline = world
        .wait_for_text("[data-testid=timeline]", "Submitted by")
        .await;
    assert!(timeline.contains("Approved by"), "{timeline}");
    assert!(timeline.contains("Outcome: approved"), "{timeline}");
    assert!(!world.exists("[data-testid=decision-panel]").await);
    world.full_screenshot("detail-approved", 1280).await;

    let denied = find(Source::AzureResources, Status::Denied);
    world.goto(&route(denied)).await;
    world
        .wait_for_text("[data-testid=outcome]", "Denied by")
        .await;

    let expired = find(Source::Groups, Status::Expired);
    world.goto(&route(expired)).await;
    world
        .wait_for_text("[data-testid=outcome]", "Expired at")
        .await;
    world
        .wait_for_text("[data-testid=timeline]", "Outcome: expired")
        .await;

    let canceled = find(Source::PortalApi, Status::Canceled);
    world.goto(&route(canceled)).await;
    world
        .wait_for_text("[data-testid=outcome]", "Canceled by the requester")
        .await;

    world
        .goto("/requests/entra-roles/00000000-dead-beef-0000-000000000000")
        .await;
    world
        .wait_for_text("[data-testid=request-missing]", "has no request with id")
        .await;
    world.goto("/requests/sharepoint/123").await;
    world
        .wait_for_text("[data-testid=request-missing]", "is not a source")
        .await;
    world.goto("/no/such/page").await;
    world.wait_for("[data-testid=not-found]").await;
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deep_link_survives_sign_in() {
    let world = World::start().await;
    let request = world.sign_in_through_deep_link(Source::Groups).await;
    let url = world.browser.current_url().await.unwrap();
    assert!(url.path().ends_with(&route(&request)), "{url}");
    assert!(url.query().is_none(), "no code or state left in {url}");
    let stored = world
        .eval("return Object.keys(localStorage).length + ':' + JSON.stringify(Object.keys(sessionStorage));")
        .await;
    assert!(
        stored.as_str().unwrap().starts_with("0:"),
        "nothing in localStorage: {stored}"
    );
    world.finish().await;
}
