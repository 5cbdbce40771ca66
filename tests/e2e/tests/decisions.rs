//! The decision pipeline across views: a decision in flight is global (leaving the page and coming
//! back never re-enables the buttons, the queue row says "Sending…"), and the approver's typed
//! justification is a draft that survives reloads and navigation and is deleted once confirmed.

use e2e::*;
use serde_json::json;

const DRAFT: &str = "Checked the change ticket with the requester";

#[tokio::test(flavor = "multi_thread")]
async fn navigating_during_a_slow_write_sends_once_and_confirms() {
    let world = World::start().await;
    let request = open_with_draft(&world, Source::EntraRoles, DRAFT).await;
    // The write takes 6 s to answer.
    world
        .fault(json!({ "method": "PATCH", "path": "/graph/", "kind": "latency", "ms": 6000 }))
        .await;
    world.clear_log().await;
    world.click("[data-testid=approve]").await;
    world
        .wait_for_text("[data-testid=decision-progress]", "Sending")
        .await;

    // Back to the queue: the row says the decision is on its way.
    world.click(".back a").await;
    let row = reveal_in_queue(&world, &request.id).await;
    world
        .wait_for(&format!("{row} [data-testid=row-sending]"))
        .await;
    world.screenshot("queue-row-sending").await;

    // Open it again: still sending, and no button to press a second time.
    world.click(&format!("{row} a.row-link")).await;
    world.wait_for("[data-testid=decision-panel]").await;
    let enabled = world
        .eval("return [...document.querySelectorAll('[data-testid=approve],[data-testid=deny]')].some(b => !b.disabled);")
        .await;
    assert_eq!(
        enabled,
        json!(false),
        "no button while the write is in flight"
    );
    world
        .wait_for_text("[data-testid=decision-progress]", "Sending")
        .await;

    world
        .wait_for_text(
            "[data-testid=confirmation]",
            "The service confirmed your decision",
        )
        .await;
    let writes = world.log().await.into_iter().filter(is_write).count();
    assert_eq!(writes, 1, "one write, whatever the navigation");
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_draft_survives_reload_and_navigation_and_goes_when_confirmed() {
    let world = World::start().await;
    let request = open_with_draft(&world, Source::Groups, DRAFT).await;

    let value = "return document.querySelector('#approver-justification').value;";
    world.browser.refresh().await.expect("reload");
    world.wait_for("#approver-justification").await;
    assert_eq!(
        world.eval(value).await,
        json!(DRAFT),
        "kept through a reload"
    );

    world.click(".back a").await;
    wait_until_loaded(&world).await;
    world.goto(&route(&request)).await;
    world.wait_for("#approver-justification").await;
    assert_eq!(
        world.eval(value).await,
        json!(DRAFT),
        "kept through navigation"
    );

    world.click("[data-testid=approve]").await;
    world
        .wait_for_text("[data-testid=confirmation]", "Approved")
        .await;
    let drafts = world
        .eval("return Object.keys(sessionStorage).filter(k => k.startsWith('pim-approvals.draft:')).length;")
        .await;
    assert_eq!(
        drafts,
        json!(0),
        "the confirmed decision's draft is deleted"
    );
    world.finish().await;
}
