//! Sessions that end gracefully: after Microsoft's 24 hours the refresh token is refused (AADSTS700084)
//! and the app shows one banner instead of an error per source; "Sign in again" comes back to the same
//! request with the typed justification; an access token that expired while a page was open is renewed
//! once on the write that met the 401.

use e2e::*;
use serde_json::json;

const DRAFT: &str = "Verified with the requester on the bridge call";

#[tokio::test(flavor = "multi_thread")]
async fn after_24_hours_one_banner_and_sign_in_again_returns_with_the_draft() {
    let world = World::start().await;
    let request = open_with_draft(&world, Source::EntraRoles, DRAFT).await;

    // A day and an hour later (the requests made again relative to that time), the page is reloaded.
    world
        .control(
            "POST",
            "/_emulator/clock/advance",
            json!({ "minutes": 25 * 60 }),
        )
        .await;
    // The demo tenant again, its times relative to the emulator's (advanced) clock.
    load_scenario(&world, &demo_scenario()).await;
    world.clear_log().await;
    world.browser.refresh().await.expect("reload");

    let banner = world
        .wait_for_text("[data-testid=session-expired]", "Your sign-in has expired")
        .await;
    assert!(banner.contains("24 hours"), "{banner}");
    assert!(
        !world.exists("[data-testid=source-error]").await,
        "one banner, not an error per source"
    );
    let stored = world
        .eval("return JSON.parse(sessionStorage.getItem('pim-approvals.session')).refresh_token;")
        .await;
    assert_eq!(stored, json!(null), "the refused refresh token is cleared");
    // Graph, ARM and the portal API each asked once, in parallel, before the first refusal arrived.
    let refreshes = calls(&world.log().await, "POST", "/oauth2/v2.0/token").len();
    assert!(
        (1..=3).contains(&refreshes),
        "at most one refresh per resource: {refreshes}"
    );
    // Once refused, the dead token is never sent again: another page reads nothing new.
    world.click("a[href$='/my-requests']").await;
    world.wait_for("[data-testid=session-expired]").await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let after = calls(&world.log().await, "POST", "/oauth2/v2.0/token").len();
    assert_eq!(after, refreshes, "no refresh after the refusal");
    world.goto(&route(&request)).await;
    world.screenshot("session-expired").await;
    world.assert_accessible("session expired banner").await;

    // Sign in again: silently (the Microsoft session still exists), back on the same request.
    world.click("[data-testid=sign-in-again]").await;
    let detail = world.wait_for("[data-testid=request-detail]").await;
    assert_eq!(
        detail.attr("data-id").await.unwrap().as_deref(),
        Some(request.id.as_str())
    );
    world.wait_for("#approver-justification").await;
    let kept = world
        .eval("return document.querySelector('#approver-justification').value;")
        .await;
    assert_eq!(kept, json!(DRAFT), "the draft survives signing in again");
    assert!(!world.exists("[data-testid=session-expired]").await);
    let url = world.browser.current_url().await.expect("url");
    assert!(
        url.query().is_none(),
        "code and state leave the address bar: {url}"
    );
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_that_expired_while_the_page_was_open_is_renewed_once_on_the_write() {
    let world = World::start().await;
    let request = open_with_draft(&world, Source::Groups, DRAFT).await;
    world
        .control("POST", "/_emulator/clock/advance", json!({ "minutes": 70 }))
        .await;
    world.clear_log().await;

    world.click("[data-testid=approve]").await;
    world
        .wait_for_text(
            "[data-testid=confirmation]",
            "The service confirmed your decision",
        )
        .await;
    let log = world.log().await;
    let refreshes = calls(&log, "POST", "/oauth2/v2.0/token").len();
    assert_eq!(refreshes, 1, "one token refresh");
    // A Graph decision travels in `$batch`: the call refused with 401 (its PATCH never ran), then its
    // one resend with the new token, which carries the one PATCH the service records (a later `$batch`
    // is the page reading the decided approval).
    let sends = calls(&log, "POST", "/$batch");
    assert!(
        sends.len() >= 2,
        "the rejected write and its one resend: {sends:#?}"
    );
    let refused = sends.iter().filter(|e| e["status"] == 401).count();
    assert_eq!(refused, 1, "refused once: {sends:#?}");
    assert_eq!(sends[0]["status"], 401);
    assert_eq!(sends[1]["status"], 200);
    assert_ne!(
        sends[0]["tokenFingerprint"], sends[1]["tokenFingerprint"],
        "the resend carries the new token"
    );
    let writes: Vec<_> = log.iter().filter(|e| is_write(e)).collect();
    assert_eq!(writes.len(), 1, "one PATCH, in the resend: {writes:#?}");
    assert_eq!(writes[0]["status"], 204);
    let state = world.state().await;
    assert_eq!(state.request(&request.id).state, Status::Approved);
    world.finish().await;
}
