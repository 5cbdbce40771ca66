//! Embedding: a host portal on another origin frames the app, supplies its tokens over postMessage and
//! receives the pending count, route and height; a page on an origin that is not allowed is ignored.

use e2e::*;
use fantoccini::Locator;
use serde_json::{json, Value};

fn embedding_overlay(allowed_origin: &str) -> serde_json::Map<String, Value> {
    let overlay = json!({ "embedding": {
        "allowedParentOrigins": [allowed_origin], "tokensFromHost": true, "hostTimeoutMs": 2000 } });
    overlay.as_object().unwrap().clone()
}

async fn tokens(world: &World, user: &str, resources: &[&str]) -> Value {
    let expires_on = (chrono::Utc::now() + chrono::Duration::hours(1)).timestamp();
    let mut table = serde_json::Map::new();
    for resource in resources {
        let token = world.token_for(user, resource).await;
        table.insert(
            resource.to_string(),
            json!({ "accessToken": token, "expiresOn": expires_on }),
        );
    }
    Value::Object(table)
}

/// The messages the host page received, waited for until `check` holds.
async fn host_received(world: &World, check: impl Fn(&[Value]) -> bool, what: &str) -> Vec<Value> {
    let list = world
        .wait_for_script(
            "return window.received || [];",
            |received| check(received.as_array().map(Vec::as_slice).unwrap_or_default()),
            what,
        )
        .await;
    list.as_array().cloned().unwrap_or_default()
}

fn last_of<'a>(received: &'a [Value], kind: &str) -> Option<&'a Value> {
    received.iter().rev().find(|m| m["type"] == kind)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_host_portal_supplies_tokens_and_receives_events() {
    let host = PageServer::start().await;
    let world = World::start_with(Options {
        app_config_overlay: embedding_overlay(&host.origin),
        ..Options::default()
    })
    .await;
    let table = tokens(&world, ADELE_ID, &["graph", "arm", "portal"]).await;
    // MIM PAM authenticates with the browser's Windows session, not a token: give the browser one.
    world.browser.goto(&host.url()).await.unwrap();
    world.add_windows_session(ADELE_ID).await;
    host.set_html(host_page(&world.app_url, &table));
    world.browser.refresh().await.unwrap();

    // The badge: the pending count, once every source has answered.
    let expected = expected_queue(&world, ADELE_ID).await.len();
    let received = host_received(
        &world,
        |r| last_of(r, "pim-approvals:pending-count").is_some_and(|m| m["count"] == expected),
        "pending count",
    )
    .await;
    assert!(received.iter().any(|m| m["type"] == "pim-approvals:ready"));
    let requests: Vec<&Value> = received
        .iter()
        .filter(|m| m["type"] == "pim-approvals:token-request")
        .collect();
    // One request per resource: the sources starting together share it.
    for resource in ["graph", "arm", "portal"] {
        assert_eq!(
            requests
                .iter()
                .filter(|m| m["resource"] == resource)
                .count(),
            1,
            "{resource}"
        );
    }
    assert_eq!(world.text_or_empty("#badge").await, expected.to_string());
    // The host sized its frame to the last reported content height (read together: more may come).
    world
        .wait_for_script(
            "const h = window.received.filter(m => m.type === 'pim-approvals:height').pop();
             return [h ? String(h.height) : '', document.getElementById('pim').height];",
            |pair| {
                let reported: u64 = pair[0].as_str().unwrap_or("").parse().unwrap_or(0);
                reported > 300 && pair[0] == pair[1]
            },
            "the frame height follows the content",
        )
        .await;
    world.screenshot("embedded-host").await;

    // Inside the frame: the account came from Graph /me with the host's token; no sign-in page.
    let frame = world.browser.find(Locator::Css("#pim")).await.unwrap();
    frame.enter_frame().await.unwrap();
    world
        .wait_for_text("[data-testid=account-name]", ADELE)
        .await;
    assert!(
        !world.exists("#sign-out").await,
        "the host owns sign-in and sign-out"
    );
    world.click("[data-testid=queue-row] a.row-link").await;
    world.wait_for("[data-testid=request-detail]").await;
    world.browser.enter_parent_frame().await.unwrap();
    let received = host_received(
        &world,
        |r| {
            last_of(r, "pim-approvals:route")
                .is_some_and(|m| m["path"].as_str().unwrap().starts_with("/requests/"))
        },
        "route change",
    )
    .await;
    let route = last_of(&received, "pim-approvals:route").unwrap()["path"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(world.text_or_empty("#route").await, route);

    // The host drives the route too.
    world
        .eval("window.pimNavigate('/my-requests'); return true;")
        .await;
    host_received(
        &world,
        |r| last_of(r, "pim-approvals:route").is_some_and(|m| m["path"] == "/my-requests"),
        "navigate from host",
    )
    .await;

    // Each service got its own token: the Graph token never went to ARM and vice versa.
    for entry in world
        .log()
        .await
        .iter()
        .filter(|e| e["method"] != "OPTIONS")
    {
        let path = entry["path"].as_str().unwrap_or("");
        let auth = entry["headers"]["authorization"].as_str().unwrap_or("");
        if path.starts_with("/graph") {
            assert!(auth.contains("graph.microsoft.com"), "{path}: {auth}");
        }
        if path.starts_with("/arm") {
            assert!(auth.contains("management.azure.com"), "{path}: {auth}");
        }
        assert!(
            !path.contains("/oauth2/"),
            "no sign-in traffic when the host supplies tokens: {path}"
        );
    }
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn messages_from_an_origin_that_is_not_allowed_are_ignored() {
    let host = PageServer::start().await;
    let hostile = PageServer::start().await;
    let world = World::start_with(Options {
        app_config_overlay: embedding_overlay(&host.origin),
        ..Options::default()
    })
    .await;
    // The host hands out no Graph token; a hostile frame on another origin offers one instead.
    let table = tokens(&world, ADELE_ID, &["arm"]).await;
    let silent_host = host_page(&world.app_url, &table).replace(
        "return TOKENS[request.resource];",
        "return TOKENS[request.resource] || new Promise(() => {});",
    );
    host.set_html(silent_host);
    let stolen = world.token_for(ADELE_ID, "graph").await;
    hostile.set_html(format!(
        r#"<!doctype html><html lang="en"><title>hostile</title><script>
        window.got = [];
        window.addEventListener('message', e => window.got.push(e.data));
        setInterval(() => {{
          for (let id = 1; id < 5; id++) parent.frames[0].postMessage({{ type: 'pim-approvals:token',
            requestId: 't' + id, accessToken: '{stolen}', expiresOn: 4102444800 }}, '*');
          parent.frames[0].postMessage({{ type: 'pim-approvals:navigate', path: '/approved-by-me' }}, '*');
        }}, 50);
        </script></html>"#
    ));
    world.browser.goto(&host.url()).await.unwrap();
    world
        .eval(&format!(
            "const f = document.createElement('iframe'); f.id = 'hostile'; f.src = '{}'; document.body.appendChild(f); return true;",
            hostile.url()
        ))
        .await;
    let frame = world.browser.find(Locator::Css("#pim")).await.unwrap();
    frame.enter_frame().await.unwrap();
    let failed = world
        .wait_for_text(
            "[data-testid=host-failed]",
            "did not answer the token request for graph",
        )
        .await;
    assert!(failed.contains("allowedParentOrigins"), "{failed}");
    world.browser.enter_parent_frame().await.unwrap();
    world.screenshot("embedded-hostile").await;
    // Nothing reached Graph with the offered token, and the hostile frame heard nothing from the app.
    assert!(world
        .log()
        .await
        .iter()
        .all(|e| !e["path"].as_str().unwrap_or("").starts_with("/graph")));
    let hostile_frame = world.browser.find(Locator::Css("#hostile")).await.unwrap();
    hostile_frame.enter_frame().await.unwrap();
    let heard = world.eval("return window.got.length;").await;
    assert_eq!(heard, 0);
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_app_works_under_a_sub_path_with_deep_links() {
    let world = World::start_with(Options {
        app_base: "/admin/pim/".into(),
        dist: Some(subpath_dist_dir()),
        ..Options::default()
    })
    .await;
    let request = world
        .sign_in_through_deep_link(Source::AzureResources)
        .await;
    let url = world.browser.current_url().await.unwrap();
    assert_eq!(url.path(), format!("/admin/pim{}", route(&request)));
    world.click("a[href='/admin/pim/my-requests']").await;
    world.wait_for_text("h1", "My Requests").await;
    assert_eq!(
        world.browser.current_url().await.unwrap().path(),
        "/admin/pim/my-requests"
    );
    world.finish().await;
}
