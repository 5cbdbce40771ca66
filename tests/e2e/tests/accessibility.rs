//! WCAG 2.1 AA with axe-core on every page and state, keyboard use, and the layout at 360 and 1280 px
//! (screenshots written to tests/e2e/screenshots/ to be looked at).

use e2e::*;
use serde_json::json;

async fn check(world: &World, state: &str, width: u32) {
    world.assert_accessible(state).await;
    world
        .full_screenshot(&format!("{state}-{width}"), width)
        .await;
}

async fn every_page(width: u32, height: u32, theme: Option<&str>) {
    let mut overlay = serde_json::Map::new();
    if let Some(theme) = theme {
        overlay.insert("embedding".into(), json!({ "theme": theme }));
    }
    let world = World::start_with(Options {
        width,
        height,
        app_config_overlay: overlay,
        ..Options::default()
    })
    .await;
    let suffix = theme.map(|t| format!("-{t}")).unwrap_or_default();
    let name = |state: &str| format!("{state}{suffix}");

    world.goto("/").await;
    world.wait_for("#sign-in").await;
    check(&world, &name("sign-in"), width).await;

    world.sign_in_as(ADELE).await;
    wait_until_loaded(&world).await;
    world
        .wait_for_count("[data-testid^=tile-] .tile-count", |n| n == 4, "overview")
        .await;
    check(&world, &name("queue"), width).await;

    world
        .type_into("input[type=search]", "no request matches this")
        .await;
    world.wait_for("[data-testid=empty-filtered]").await;
    check(&world, &name("queue-filtered-empty"), width).await;

    world.click("[data-testid=tile-approved]").await;
    world.wait_for("[data-testid=bucket-list]").await;
    check(&world, &name("overview-approved"), width).await;

    let state = world.state().await;
    let pending = pick(&world, Source::EntraRoles, 0).await;
    world.goto(&route(&pending)).await;
    world.wait_for("[data-testid=decision-panel]").await;
    check(&world, &name("detail-pending"), width).await;
    world.click("[data-testid=approve]").await;
    world
        .wait_for_text("#justification-error", "Write a justification")
        .await;
    check(&world, &name("detail-invalid"), width).await;

    let extend = state.first("an extension waiting for Adele", |r| {
        r.is_pending_for(ADELE_ID) && r.action == Action::SelfExtend
    });
    world.goto(&route(extend)).await;
    world.wait_for("[data-testid=decision-blocked]").await;
    check(&world, &name("detail-blocked"), width).await;

    let approved = state.first("an approved group request", |r| {
        r.state == Status::Approved && r.source == Source::Groups
    });
    world.goto(&route(approved)).await;
    world.wait_for("[data-testid=outcome]").await;
    check(&world, &name("detail-approved"), width).await;

    world.goto("/my-requests").await;
    world.wait_for_text("h1", "My Requests").await;
    world
        .wait_for_count("[role=status]", |n| n <= 1, "loaded")
        .await;
    check(&world, &name("my-requests"), width).await;

    world.goto("/approved-by-me").await;
    world.wait_for("[data-testid=decision-row]").await;
    check(&world, &name("approved-by-me"), width).await;

    world.goto("/requests/portal/PR-0000").await;
    world.wait_for("[data-testid=request-missing]").await;
    check(&world, &name("request-missing"), width).await;

    world.goto("/nothing-here").await;
    world.wait_for("[data-testid=not-found]").await;
    check(&world, &name("not-found"), width).await;
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_page_is_accessible_at_1280() {
    every_page(1280, 900, None).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_page_is_accessible_at_360() {
    every_page(360, 740, None).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_page_is_accessible_in_the_dark_theme() {
    every_page(1280, 900, Some("dark")).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn error_states_and_dialogs_are_accessible() {
    let world = World::start().await;
    world
        .fault(json!({ "path": "/arm/", "kind": "status", "status": 503 }))
        .await;
    world.sign_in_as("Alex Wilber").await;
    world.wait_for("[data-testid=source-error]").await;
    world
        .wait_for_count(".source-loading", |n| n == 0, "loaded")
        .await;
    check(&world, "queue-source-error", 1280).await;

    world.goto("/my-requests").await;
    world.click("[data-testid=cancel]").await;
    world.wait_for("dialog[open]").await;
    check(&world, "cancel-dialog", 1280).await;
    world.finish().await;

    let broken = json!({ "clientId": "not-a-guid" });
    let world = World::start_with(Options {
        app_config_overlay: broken.as_object().unwrap().clone(),
        ..Options::default()
    })
    .await;
    world.goto("/").await;
    let text = world
        .wait_for_text("[data-testid=config-error]", "clientId")
        .await;
    assert!(text.contains("config.json"), "{text}");
    check(&world, "config-error", 1280).await;
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_queue_and_a_decision_work_from_the_keyboard() {
    let world = World::at_adeles_queue().await;
    // The skip link is the first stop and moves focus to the main content.
    world
        .eval("document.activeElement.blur(); return true;")
        .await;
    let body = world.wait_for("body").await;
    body.send_keys("\u{e004}").await.unwrap(); // Tab
    let first = world.eval("return document.activeElement.className;").await;
    assert_eq!(first, "skip-link");
    // Focus is visible: the focused element gets an outline.
    let outline = world
        .eval("return getComputedStyle(document.activeElement).outlineStyle;")
        .await;
    assert_ne!(outline, "none");

    // Tab to the first row's link and open it with Enter.
    let link = world.wait_for("[data-testid=queue-row] a.row-link").await;
    let id = world
        .eval("return document.querySelector('[data-testid=queue-row]').dataset.id;")
        .await;
    world
        .eval("document.querySelector('[data-testid=queue-row] a.row-link').focus(); return true;")
        .await;
    link.send_keys("\u{e007}").await.unwrap(); // Enter
    let detail = world.wait_for("[data-testid=request-detail]").await;
    assert_eq!(
        detail.attr("data-id").await.unwrap().as_deref(),
        id.as_str()
    );

    // Type a justification and approve with the keyboard; the decision is announced.
    let textarea = world.wait_for("#approver-justification").await;
    textarea
        .send_keys("Checked the change record, CHG-3001")
        .await
        .unwrap();
    textarea.send_keys("\u{e004}").await.unwrap(); // Tab to Approve
    let focused = world
        .eval("return document.activeElement.dataset.testid;")
        .await;
    assert_eq!(focused, "approve");
    let label = world
        .eval("return document.activeElement.getAttribute('aria-label');")
        .await;
    assert!(label.as_str().unwrap().starts_with("Approve "), "{label}");
    world
        .browser
        .active_element()
        .await
        .unwrap()
        .send_keys("\u{e00d}")
        .await
        .unwrap(); // Space
    world
        .wait_for_text("[data-testid=confirmation]", "Approved")
        .await;
    world
        .wait_for_text("[data-testid=announcer]", "Approved")
        .await;
    world.finish().await;
}

/// The checker itself: a planted violation must be reported, or the checks above prove nothing.
#[tokio::test(flavor = "multi_thread")]
async fn axe_reports_a_planted_violation() {
    let world = World::start().await;
    world.goto("/").await;
    world.wait_for("#sign-in").await;
    assert!(world.accessibility_violations().await.is_empty());
    world
        .eval("const b = document.createElement('button'); document.body.appendChild(b); return true;")
        .await;
    let violations = world.accessibility_violations().await;
    assert!(
        violations.iter().any(|v| v["id"] == "button-name"),
        "{violations:#?}"
    );
    world.finish().await;
}
