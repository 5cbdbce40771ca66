//! Triage at speed: keyboard triage end to end, and the live refresh picking up a new request and one
//! decided by another approver.

use e2e::*;
use serde_json::{json, Value};

/// Presses `key` on the page (the queue listens on the document).
async fn focused_row_index(world: &World) -> Value {
    world
        .eval("const row = document.activeElement && document.activeElement.closest('[data-testid=queue-row]'); return row ? row.getAttribute('aria-rowindex') : null;")
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_queue_is_triaged_from_the_keyboard() {
    let world = World::at_adeles_queue().await;

    press(&world, "j").await;
    world.wait_for("[data-testid=queue-row].active").await;
    assert_eq!(
        focused_row_index(&world).await,
        json!("2"),
        "j: the first request"
    );
    press(&world, "j").await;
    press(&world, "j").await;
    press(&world, "k").await;
    assert_eq!(
        focused_row_index(&world).await,
        json!("3"),
        "j j k: the second"
    );

    press(&world, "?").await;
    world
        .wait_for_text("[data-testid=shortcuts]", "next request")
        .await;
    world.screenshot("queue-shortcuts").await;
    world.assert_accessible("shortcuts overlay").await;
    press(&world, "?").await;

    press(&world, "/").await;
    let focused = world.eval("return document.activeElement.id;").await;
    assert_eq!(focused, json!("queue-search"));
    // Typing in the search box is typing, not shortcuts.
    world.type_into("#queue-search", "j").await;
    assert_eq!(focused_row_index(&world).await, json!(null));
    world
        .eval("const s = document.querySelector('#queue-search'); s.value = ''; s.dispatchEvent(new Event('input', { bubbles: true })); s.blur(); return true;")
        .await;

    // `a` opens the decision with the justification box focused; nothing is sent.
    world.clear_log().await;
    // To a request whose service takes a justification (MIM PAM's takes none).
    let active_source =
        "return document.querySelector('[data-testid=queue-row].active').dataset.source;";
    press(&world, "j").await;
    while world.eval(active_source).await == json!("mim-pam") {
        press(&world, "j").await;
    }
    let id = world
        .eval("return document.querySelector('[data-testid=queue-row].active').dataset.id;")
        .await;
    press(&world, "a").await;
    let detail = world.wait_for("[data-testid=request-detail]").await;
    assert_eq!(
        detail.attr("data-id").await.unwrap(),
        id.as_str().map(str::to_string)
    );
    world.wait_for("[data-testid=approve].intended").await;
    world
        .wait_for_count(
            "#approver-justification:focus",
            |n| n == 1,
            "the justification box has focus",
        )
        .await;
    assert_eq!(world.log().await.into_iter().filter(is_write).count(), 0);
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn live_refresh_shows_a_new_request_and_drops_one_decided_elsewhere() {
    let mut overlay = serde_json::Map::new();
    overlay.insert("queueRefreshSeconds".into(), json!(15));
    let world = World::start_with(Options {
        app_config_overlay: overlay,
        ..Options::default()
    })
    .await;
    world.sign_in_as(ADELE).await;
    wait_until_loaded(&world).await;
    let before = shown_queue(&world).await;

    // Nestor approves one of Adele's requests; a new request arrives.
    let decided = shared_request(&world, Source::EntraRoles).await;
    let token = world.token_for(NESTOR_ID, "graph").await;
    let mut scenario = demo_scenario();
    let mut fresh = scenario.requests[0].clone();
    fresh.id = "e0000000-0000-4000-8000-0000000000f1".into();
    fresh.created_minutes_ago = 1;
    scenario.requests.push(fresh);
    // The same tenant plus one new request; then Nestor approves one of Adele's.
    load_scenario(&world, &scenario).await;
    approve_entra_step_as(&world, &token, &decided).await;

    // Within one refresh interval (15 s) and without a reload: the new one is marked, the decided one gone.
    let note = world
        .wait_for_text_within(
            "[data-testid=left-the-queue]",
            "1 request was decided by another approver or withdrawn",
            std::time::Duration::from_secs(40),
        )
        .await;
    assert!(!note.is_empty());
    let after = shown_queue(&world).await;
    assert!(!after.contains(&("entra-roles".into(), decided.id.clone())));
    assert!(after.contains(&(
        "entra-roles".into(),
        "e0000000-0000-4000-8000-0000000000f1".into()
    )));
    assert_eq!(after.len(), before.len());
    reveal_in_queue(&world, "e0000000-0000-4000-8000-0000000000f1").await;
    world
        .wait_for("[data-testid=queue-row][data-id='e0000000-0000-4000-8000-0000000000f1'] [data-testid=row-new]")
        .await;
    let title = world.eval("return document.title;").await;
    assert_eq!(
        title,
        json!(format!(
            "({}) Approve requests · PIM Approvals",
            after.len()
        ))
    );
    world.screenshot("queue-live-refresh").await;
    world.finish().await;
}
