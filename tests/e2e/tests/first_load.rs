//! The first load (issue 12): a visitor without a session downloads only the small entry module before
//! the sign-in button is usable, the full app is prefetched while the button is on screen, and the deep
//! link → sign-in → same request path works through the split; after the sign-in redirect and with a
//! session the full app loads at once, without the entry. The strict CSP reports nothing on the way.

use e2e::*;
use serde_json::Value;

/// A module's JS and wasm (`entry` or `app`), as the build named them in `<meta name="pim-approvals:…">`.
async fn module_files(world: &World, module: &str) -> Vec<String> {
    let content = world
        .eval(&format!(
            "return document.querySelector(\"meta[name='pim-approvals:{module}']\").content;"
        ))
        .await;
    let content = content.as_str().expect("the build names the module");
    let files: Vec<String> = content.split(' ').map(str::to_string).collect();
    assert_eq!(files.len(), 2, "{module}: {files:?}");
    files
}

async fn app_files(world: &World) -> Vec<String> {
    module_files(world, "app").await
}

/// Every Content-Security-Policy violation Chromium logged to the console since the last look.
async fn csp_violations(world: &World) -> Vec<Value> {
    world
        .console()
        .await
        .into_iter()
        .filter(|e| {
            let message = e["message"].as_str().unwrap_or("");
            message.contains("Content Security Policy") || message.contains("Refused to")
        })
        .collect()
}

/// `[{name, initiatorType, startTime, responseEnd}]` of every resource the page fetched.
async fn resources(world: &World) -> Vec<Value> {
    let list = world
        .eval(
            "return performance.getEntriesByType('resource').map(e => ({name: e.name, \
             initiatorType: e.initiatorType, startTime: e.startTime, responseEnd: e.responseEnd}));",
        )
        .await;
    list.as_array().cloned().unwrap_or_default()
}

fn fetched<'a>(list: &'a [Value], file: &str) -> Vec<&'a Value> {
    list.iter()
        .filter(|e| e["name"].as_str().is_some_and(|n| n.ends_with(file)))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_visitor_without_a_session_loads_the_entry_and_prefetches_the_app() {
    let world = World::start().await;
    world.goto("/").await;
    world.wait_for("#sign-in").await;
    let app = app_files(&world).await;
    let entry = module_files(&world, "entry").await;
    // Before the prefetch: the entry, and nothing of the full app.
    let before = resources(&world).await;
    for file in &entry {
        assert_eq!(fetched(&before, file).len(), 1, "{file} once: {before:?}");
    }
    let app_wasm_early = fetched(&before, &app[1]);
    assert!(
        app_wasm_early.iter().all(|e| e["initiatorType"] == "link"),
        "the full app's wasm is at most prefetched before Sign in: {before:?}"
    );
    // The prefetch starts once the button is up; wait for both files to arrive.
    world
        .wait_for_script(
            &format!(
                "return performance.getEntriesByType('resource').filter(e => e.name.endsWith('{}') \
                 || e.name.endsWith('{}')).length;",
                app[0], app[1]
            ),
            |count| count.as_u64().unwrap_or(0) >= 2,
            "the full app is prefetched",
        )
        .await;
    let list = resources(&world).await;
    let entry_wasm_end = list
        .iter()
        .filter(|e| {
            let name = e["name"].as_str().unwrap_or_default();
            name.ends_with(".wasm") && !app.iter().any(|file| name.ends_with(file.as_str()))
        })
        .map(|e| e["responseEnd"].as_f64().unwrap_or(0.0))
        .fold(0.0, f64::max);
    assert!(
        entry_wasm_end > 0.0,
        "the entry's wasm was loaded: {list:?}"
    );
    for file in &app {
        let hits = fetched(&list, file);
        assert_eq!(hits.len(), 1, "{file} fetched once: {list:?}");
        assert_eq!(hits[0]["initiatorType"], "link", "{file} is a prefetch");
        assert!(
            hits[0]["startTime"].as_f64().unwrap_or(0.0) >= entry_wasm_end,
            "{file} was fetched only after the entry ran: {list:?}"
        );
    }
    assert_eq!(
        fetched(&list, "config.json").len(),
        1,
        "config.json once (preloaded and used): {list:?}"
    );
    assert_eq!(csp_violations(&world).await, Vec::<Value>::new());
    // The check sees a violation: an inline script the policy has no hash for is refused and logged.
    world
        .eval("const s = document.createElement('script'); s.textContent = 'window.__planted = 1;'; document.head.append(s); return true;")
        .await;
    let planted = wait_until("the planted inline script is reported", || async {
        let seen = csp_violations(&world).await;
        if seen.is_empty() {
            Err("no report yet".to_string())
        } else {
            Ok(seen)
        }
    })
    .await;
    assert!(!planted.is_empty());
    assert_eq!(
        world.eval("return window.__planted === undefined;").await,
        Value::Bool(true)
    );
    world.screenshot("first-load-sign-in-1280").await;
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deep_link_survives_the_sign_in_through_the_entry() {
    let world = World::start().await;
    world.goto("/").await;
    world.wait_for("#sign-in").await;
    let entry = module_files(&world, "entry").await;
    let app = app_files(&world).await;
    world.sign_in_through_deep_link(Source::EntraRoles).await;
    // The page after the sign-in redirect loaded the full app, not the entry.
    assert_signed_in_load(&world, &entry, &app).await;
    // With a session, a reload goes to the full app at once, again without the entry.
    world.browser.refresh().await.expect("reload");
    world.wait_for("[data-testid=request-detail]").await;
    assert!(!world.exists("[data-testid=sign-in-page]").await);
    assert_signed_in_load(&world, &entry, &app).await;
    assert_eq!(csp_violations(&world).await, Vec::<Value>::new());
    world.finish().await;
}

/// This document fetched the full app's module and wasm and none of the entry's files.
async fn assert_signed_in_load(world: &World, entry: &[String], app: &[String]) {
    let list = resources(world).await;
    for file in entry {
        assert!(
            fetched(&list, file).is_empty(),
            "{file} not fetched: {list:?}"
        );
    }
    for file in app {
        assert!(!fetched(&list, file).is_empty(), "{file} fetched: {list:?}");
    }
}

/// The entry's sign-in screen at 1280 and 360 px, light and dark (the system's colour scheme), in
/// tests/e2e/screenshots/ to be compared with the app's own sign-in page (`sign-in-*.png`).
#[tokio::test(flavor = "multi_thread")]
async fn the_entry_sign_in_screen_at_both_widths_and_schemes() {
    for width in [1280, 360] {
        let world = World::start_with(Options {
            width,
            height: 800,
            ..Options::default()
        })
        .await;
        for scheme in ["light", "dark"] {
            world.prefer_color_scheme(scheme).await;
            world.goto("/").await;
            world.wait_for("#sign-in").await;
            let dark = world
                .eval("return matchMedia('(prefers-color-scheme: dark)').matches;")
                .await;
            assert_eq!(dark, Value::Bool(scheme == "dark"), "{scheme}");
            world
                .full_screenshot(&format!("first-load-sign-in-{width}-{scheme}"), width)
                .await;
        }
        assert_eq!(csp_violations(&world).await, Vec::<Value>::new());
        world.finish().await;
    }
}
