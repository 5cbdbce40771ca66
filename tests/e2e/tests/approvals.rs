//! The approvers' core against the emulator, for every source: the queue shows exactly the pending
//! requests waiting for the approver; approve and deny send the right body to the right URL, once;
//! own, extend/renew and expired requests cannot be decided; a conflict, a failing source, paging,
//! double clicks and failures that must not lose the typed justification.

use e2e::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// The URL the decision must go to, and the body it must carry.
fn expected_write(
    request: &RequestView,
    decision: &str,
    justification: &str,
) -> (String, String, Option<Value>) {
    let (id, ids) = (&request.id, &request.ids);
    let step = &ids.step_id;
    let graph_body = json!({ "reviewResult": decision, "justification": justification });
    match request.source {
        Source::EntraRoles => (
            "PATCH".into(),
            format!("/graph/beta/roleManagement/directory/roleAssignmentApprovals/{id}/steps/{step}"),
            Some(graph_body),
        ),
        Source::Groups => (
            "PATCH".into(),
            format!("/graph/v1.0/identityGovernance/privilegedAccess/group/assignmentApprovals/{id}/stages/{step}"),
            Some(graph_body),
        ),
        Source::AzureResources => (
            "PATCH".into(),
            format!(
                "/arm/providers/Microsoft.Authorization/roleAssignmentApprovals/{}/stages/{step}",
                ids.arm_approval_id
            ),
            Some(json!({ "properties": graph_body })),
        ),
        Source::MimPam => (
            "POST".into(),
            format!(
                "/pam/api/pamresources/pamrequeststoapprove(guid'{}')/{}",
                ids.pam_approval_object_id,
                if decision == "Approve" { "Approve" } else { "Reject" }
            ),
            None,
        ),
        Source::PortalApi => (
            "POST".into(),
            format!("/portal/api/security/pim/approvals/{id}/{}", decision.to_lowercase()),
            Some(json!({ "justification": justification })),
        ),
    }
}

async fn assert_one_write(
    world: &World,
    request: &RequestView,
    decision: &str,
    justification: &str,
) {
    let (method, path, body) = expected_write(request, decision, justification);
    let log = world.log().await;
    let writes: Vec<&Value> = log.iter().filter(|e| is_write(e)).collect();
    assert_eq!(writes.len(), 1, "exactly one write, got {writes:#?}");
    let write = writes[0];
    assert_eq!(write["method"], method.as_str());
    assert_eq!(write["path"], path.as_str());
    match body {
        Some(expected) => {
            let sent: Value =
                serde_json::from_str(write["body"].as_str().unwrap()).expect("a JSON body");
            assert_eq!(sent, expected);
        }
        None => assert_eq!(
            write["body"].as_str().unwrap_or(""),
            "",
            "MIM PAM takes no body"
        ),
    }
    // The token sent to each service was for that service only.
    for entry in log.iter().filter(|e| e["method"] != "OPTIONS") {
        let auth = entry["headers"]["authorization"].as_str().unwrap_or("");
        let path = entry["path"].as_str().unwrap_or("");
        if path.starts_with("/graph") {
            assert!(auth.contains("graph.microsoft.com"), "{path}: {auth}");
        } else if path.starts_with("/arm") {
            assert!(auth.contains("management.azure.com"), "{path}: {auth}");
        } else if path.starts_with("/pam") {
            assert!(auth.is_empty(), "MIM PAM must get no bearer token: {auth}");
        }
    }
}

async fn approve_and_deny(source: Source) {
    let world = World::at_adeles_queue().await;
    assert_eq!(
        shown_queue(&world).await,
        expected_queue(&world, ADELE_ID).await
    );

    let first = pick(&world, source, 0).await;
    decide(
        &world,
        &first,
        "Approve",
        "Ticket verified with the change board",
    )
    .await;
    assert_one_write(
        &world,
        &first,
        "Approve",
        "Ticket verified with the change board",
    )
    .await;

    let second = pick(&world, source, 0).await;
    assert_ne!(first.id, second.id);
    decide(&world, &second, "Deny", "Duration too long for this task").await;
    assert_one_write(&world, &second, "Deny", "Duration too long for this task").await;

    let state = world.state().await;
    assert_eq!(state.request(&first.id).state, Status::Approved);
    assert_eq!(state.request(&second.id).state, Status::Denied);

    // Both left the queue without a reload.
    world.click("a[href='/']").await;
    wait_until_loaded(&world).await;
    let shown = shown_queue(&world).await;
    let slug = slug(source).to_string();
    assert!(!shown.contains(&(slug.clone(), first.id.clone())));
    assert!(!shown.contains(&(slug, second.id.clone())));
    assert_eq!(shown, expected_queue(&world, ADELE_ID).await);
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn entra_roles_approve_and_deny() {
    approve_and_deny(Source::EntraRoles).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn groups_approve_and_deny() {
    approve_and_deny(Source::Groups).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn azure_resources_approve_and_deny() {
    approve_and_deny(Source::AzureResources).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mim_pam_approve_and_deny() {
    approve_and_deny(Source::MimPam).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn portal_api_approve_and_deny() {
    approve_and_deny(Source::PortalApi).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn own_extend_and_expired_requests_cannot_be_decided() {
    let world = World::start().await;
    world.sign_in_as(MEGAN).await;
    world
        .wait_for_count(".source-loading", |n| n == 0, "all sources loaded")
        .await;
    let state = world.state().await;
    // Megan's own pending requests are not in her queue, and their page says why there are no buttons.
    let own = state.first("a pending request of Megan's", |r| {
        r.principal == MEGAN_ID && r.state == Status::Pending && r.source != Source::MimPam
    });
    assert!(!shown_queue(&world)
        .await
        .contains(&(slug(own.source).into(), own.id.clone())));
    assert_eq!(
        shown_queue(&world).await,
        expected_queue(&world, MEGAN_ID).await
    );
    world.goto(&route(own)).await;
    let blocked = world
        .wait_for_text("[data-testid=decision-blocked]", "your own request")
        .await;
    assert!(
        blocked.contains("another approver must decide"),
        "{blocked}"
    );
    assert!(!world.exists("[data-testid=approve]").await);
    world.finish().await;

    let world = World::start().await;
    world.sign_in_as(ADELE).await;
    let extend = state.first("an extend or renew request", |r| {
        r.is_pending_for(ADELE_ID)
            && matches!(r.action, Action::SelfExtend | Action::SelfRenew)
            && r.source != Source::PortalApi
    });
    world.goto(&route(extend)).await;
    world
        .wait_for_text(
            "[data-testid=decision-blocked]",
            "cannot be decided through Microsoft's APIs",
        )
        .await;
    let link = world.wait_for("[data-testid=decision-blocked] a").await;
    assert!(link
        .attr("href")
        .await
        .unwrap()
        .unwrap()
        .starts_with("https://portal.azure.com/"));
    assert!(!world.exists("[data-testid=approve]").await);

    let expired = state.first("an expired request", |r| r.state == Status::Expired);
    world.goto(&route(expired)).await;
    world
        .wait_for_text("[data-testid=outcome]", "Expired")
        .await;
    assert!(!world.exists("[data-testid=decision-panel]").await);
    world.screenshot("detail-expired").await;
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_that_expires_while_open_is_refused_by_the_service() {
    let world = World::start_with(Options {
        token_lifetime_secs: 4 * 3600,
        ..Options::default()
    })
    .await;
    world.sign_in_as(ADELE).await;
    let state = world.state().await;
    let soonest = state
        .requests
        .iter()
        .filter(|r| {
            r.source == Source::EntraRoles
                && r.is_pending_for(ADELE_ID)
                && r.action == Action::SelfActivate
        })
        .min_by_key(|r| r.created)
        .unwrap();
    world.goto(&route(soonest)).await;
    world
        .type_into("#approver-justification", "Checked with the requester")
        .await;
    // The emulator's clock moves past the request's 24 hours while the page is open.
    world
        .control("POST", "/_emulator/clock/advance", json!({ "minutes": 61 }))
        .await;
    world.click("[data-testid=approve]").await;
    world.wait_for_text("[data-testid=notice]", "expired").await;
    assert!(!world.exists("[data-testid=confirmation]").await);
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn someone_else_deciding_first_is_shown_with_who_and_when() {
    let world = World::start().await;
    world.sign_in_as(ADELE).await;
    let request = shared_request(&world, Source::EntraRoles).await;
    world.goto(&route(&request)).await;
    world
        .type_into("#approver-justification", "Looks fine to me today")
        .await;

    // Nestor approves through Graph while Adele's page is open.
    let token = world.token_for(NESTOR_ID, "graph").await;
    approve_entra_step_as(&world, &token, &request).await;

    world.clear_log().await;
    world.click("[data-testid=approve]").await;
    world
        .wait_for_text(
            "[data-testid=notice]",
            "someone else decided this request first",
        )
        .await;
    let outcome = world
        .wait_for_text("[data-testid=outcome]", "Nestor Wilke")
        .await;
    assert!(outcome.starts_with("Approved by Nestor Wilke"), "{outcome}");
    assert!(outcome.contains(OTHER_APPROVER_JUSTIFICATION), "{outcome}");
    assert!(!world.exists("[data-testid=confirmation]").await);
    let writes = world.log().await.into_iter().filter(is_write).count();
    assert_eq!(writes, 1, "Adele's decision was sent once and refused");
    world.screenshot("detail-conflict").await;
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn one_failing_source_does_not_hide_the_others() {
    let world = World::start().await;
    world
        .fault(json!({ "path": "/arm/", "kind": "status", "status": 503 }))
        .await;
    world.sign_in_as(ADELE).await;
    let error = world
        .wait_for_text(
            "[data-testid=source-error][data-source=azure-resources]",
            "Azure resources",
        )
        .await;
    assert!(error.contains("HTTP 503"), "{error}");
    world
        .wait_for_count(".source-loading", |n| n == 0, "others loaded")
        .await;
    let expected: BTreeSet<_> = expected_queue(&world, ADELE_ID)
        .await
        .into_iter()
        .filter(|(s, _)| s != "azure-resources")
        .collect();
    assert_eq!(shown_queue(&world).await, expected);
    world.screenshot("queue-source-error").await;

    world
        .control("DELETE", "/_emulator/faults", Value::Null)
        .await;
    world.click("[data-testid=source-error] button").await;
    world
        .wait_for_count("[data-testid=source-error]", |n| n == 0, "error cleared")
        .await;
    world
        .wait_for("[data-testid=queue-row][data-source=azure-resources]")
        .await;
    assert_eq!(
        shown_queue(&world).await,
        expected_queue(&world, ADELE_ID).await
    );
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn follows_every_page() {
    let world = World::start_with(Options {
        page_size: 2,
        ..Options::default()
    })
    .await;
    world.sign_in_as(ADELE).await;
    wait_until_loaded(&world).await;
    assert_eq!(
        shown_queue(&world).await,
        expected_queue(&world, ADELE_ID).await
    );
    let log = world.log().await;
    let graph_pages = calls(
        &log,
        "GET",
        "roleAssignmentScheduleRequests/filterByCurrentUser",
    )
    .len();
    let arm_pages = calls(
        &log,
        "GET",
        "/arm/providers/Microsoft.Authorization/roleAssignmentScheduleRequests",
    )
    .len();
    let portal_pages = calls(&log, "GET", "/portal/api/security/pim/pending-approvals").len();
    assert!(graph_pages >= 3, "Graph pages followed: {graph_pages}");
    assert!(arm_pages >= 3, "ARM pages followed: {arm_pages}");
    assert!(portal_pages >= 3, "portal pages followed: {portal_pages}");
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_double_click_sends_one_decision() {
    let world = World::start().await;
    world.sign_in_as(ADELE).await;
    let request = pick(&world, Source::PortalApi, 0).await;
    world.goto(&route(&request)).await;
    world
        .type_into("#approver-justification", "Approved per CAB minutes")
        .await;
    world
        .fault(
            json!({ "path": "/portal/api/security/pim/approvals/", "kind": "latency", "ms": 800 }),
        )
        .await;
    world.clear_log().await;
    world
        .eval("const b = document.querySelector('[data-testid=approve]'); b.click(); b.click(); b.click(); return true;")
        .await;
    world
        .wait_for_text("[data-testid=confirmation]", "Approved")
        .await;
    let writes = world.log().await.into_iter().filter(is_write).count();
    assert_eq!(writes, 1);
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn failures_keep_the_justification_and_never_show_success() {
    let world = World::start().await;
    world.sign_in_as(ADELE).await;
    let request = pick(&world, Source::AzureResources, 0).await;
    world.goto(&route(&request)).await;
    // Too short: refused in the page, nothing sent.
    world.type_into("#approver-justification", "ok").await;
    world.clear_log().await;
    world.click("[data-testid=approve]").await;
    world
        .wait_for_text("#justification-error", "at least 10")
        .await;
    assert_eq!(world.log().await.into_iter().filter(is_write).count(), 0);

    // A server error: named source, what to do, the text stays.
    world
        .type_into(
            "#approver-justification",
            " - confirmed with the on-call lead",
        )
        .await;
    let typed = "ok - confirmed with the on-call lead";
    world.fault(json!({ "method": "PATCH", "path": "/arm/", "kind": "status", "status": 500, "times": 1 })).await;
    world.click("[data-testid=approve]").await;
    let error = world
        .wait_for_text(
            "[data-testid=decision-panel] [data-testid=source-error]",
            "Azure resources",
        )
        .await;
    assert!(error.contains("Try again"), "{error}");
    let kept = world
        .eval("return document.querySelector('#approver-justification').value;")
        .await;
    assert_eq!(kept, typed);
    assert!(!world.exists("[data-testid=confirmation]").await);
    world.screenshot("detail-error").await;

    // A dropped connection (every attempt: Chromium itself resends once on a dropped keep-alive
    // connection): the page reads the approval back instead of claiming success.
    world
        .fault(json!({ "method": "PATCH", "path": "/arm/", "kind": "drop" }))
        .await;
    world.click("[data-testid=approve]").await;
    world
        .wait_for_text(
            "[data-testid=decision-panel] [data-testid=source-error]",
            "could not be reached",
        )
        .await;
    assert!(!world.exists("[data-testid=confirmation]").await);
    let kept = world
        .eval("return document.querySelector('#approver-justification').value;")
        .await;
    assert_eq!(kept, typed);

    // The retry goes through once the service is healthy.
    world
        .control("DELETE", "/_emulator/faults", Value::Null)
        .await;
    world.click("[data-testid=approve]").await;
    world
        .wait_for_text("[data-testid=confirmation]", "Approved")
        .await;
    let state = world.state().await;
    let decided = state.request(&request.id);
    assert_eq!(decided.state, Status::Approved);
    assert_eq!(decided.decision.as_ref().unwrap().justification, typed);
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn throttled_reads_are_retried_and_broken_answers_are_named() {
    let world = World::start().await;
    // Graph throttles the first roles list once: the app waits Retry-After and reads again.
    world
        .fault(json!({ "method": "GET", "path": "/graph/v1.0/roleManagement/", "kind": "throttle", "retryAfter": 1, "times": 1 }))
        .await;
    // The portal answers with cut-off JSON every time: its own error, the rest still shows.
    world
        .fault(json!({ "method": "GET", "path": "/portal/api/security/pim/pending-approvals", "kind": "malformed" }))
        .await;
    world.sign_in_as(ADELE).await;
    let error = world
        .wait_for_text(
            "[data-testid=source-error][data-source=portal]",
            "could not be read",
        )
        .await;
    assert!(error.contains("Admin portal"), "{error}");
    world
        .wait_for_count(".source-loading", |n| n == 0, "loaded")
        .await;
    let expected: BTreeSet<_> = expected_queue(&world, ADELE_ID)
        .await
        .into_iter()
        .filter(|(s, _)| s != "portal")
        .collect();
    assert_eq!(shown_queue(&world).await, expected);
    let log = world.log().await;
    let roles = calls(
        &log,
        "GET",
        "roleAssignmentScheduleRequests/filterByCurrentUser(on='approver')",
    );
    let statuses: Vec<u64> = roles
        .iter()
        .map(|e| e["status"].as_u64().unwrap())
        .collect();
    assert_eq!(
        &statuses[..2],
        &[429, 200],
        "retried after the 429: {statuses:?}"
    );
    world.finish().await;
}
