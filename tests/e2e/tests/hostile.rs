//! The hostile data corpus (`tests/emulator/scenarios/hostile.json`: markup and script, `javascript:` and
//! `data:` URLs, attribute and CSS breakers, RTL overrides, zero-width characters, homoglyphs, 10 KB
//! strings, emoji, CSV formulas, control characters, huge, negative and unreadable durations, out-of-range
//! dates, in every displayed field of every source) through every view: the queue, the detail of each
//! request waiting for Adele, My Requests, Requests I Approved with its CSV, the overview tiles and the
//! events a host portal receives.
//!
//! In each view: nothing executes (`alert`/`confirm`/`prompt` are hooked before any page script, and a
//! MutationObserver installed at document start records every `script`/`iframe`/`object`/`embed`/`frame`/
//! `base` element, `on*` attribute and `javascript:`/`data:` URL added after the page loaded), the
//! console shows no panic, the app still answers (its announcer is there and navigation works), no bidi
//! control reaches the page's text, names with hidden characters are flagged, and the normal requests
//! still show. One emulator and one browser for the whole corpus.

use e2e::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// Installed in every document before its own scripts; what it sees goes to `window.__executed`.
const TRAPS: &str = r#"
(() => {
  const seen = [];
  Object.defineProperty(window, '__executed', { value: seen });
  for (const name of ['alert', 'confirm', 'prompt', 'print']) {
    window[name] = function () {
      seen.push(name + '(' + Array.from(arguments).join(',') + ')');
      return name === 'confirm' ? false : null;
    };
  }
  // The page's own markup (the module script that starts the app) is parsed before this arms.
  let armed = false;
  let observer;
  document.addEventListener('DOMContentLoaded', () => { observer.takeRecords(); armed = true; });
  const active = new Set(['SCRIPT', 'IFRAME', 'OBJECT', 'EMBED', 'FRAME', 'BASE']);
  const urlAttrs = ['href', 'src', 'action', 'formaction', 'xlink:href', 'data'];
  const check = (el, added) => {
    if (el.nodeType !== 1) return;
    if (added && active.has(el.tagName.toUpperCase())) seen.push('element ' + el.tagName);
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      if (name.startsWith('on')) seen.push('attribute ' + el.tagName + '.' + name);
      if (urlAttrs.includes(name)) {
        const value = attr.value.trim().toLowerCase();
        const csv = value.startsWith('data:text/csv');
        if (value.startsWith('javascript:') || value.startsWith('vbscript:') || (value.startsWith('data:') && !csv)) {
          seen.push('url ' + el.tagName + '.' + name + '=' + attr.value.slice(0, 40));
        }
      }
    }
  };
  observer = new MutationObserver((records) => {
    if (!armed) return;
    for (const record of records) {
      if (record.type === 'attributes') check(record.target, false);
      for (const node of record.addedNodes) {
        check(node, true);
        if (node.querySelectorAll) node.querySelectorAll('*').forEach((el) => check(el, true));
      }
    }
  });
  observer.observe(document, { subtree: true, childList: true, attributes: true });
})();
"#;

/// Bidi controls (embeddings, overrides, isolates): none may reach the page's text.
const BIDI_CONTROLS: &str = "[\\u202A-\\u202E\\u2066-\\u2069]";

const ALEX_ID: &str = "a0000000-0000-4000-8000-000000000004";
/// The requester whose display name carries a right-to-left override.
const RLO_USER: &str = "a1000000-0000-4000-8000-000000000002";

fn hostile_scenario() -> Value {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../emulator/scenarios/hostile.json"),
    )
    .expect("hostile scenario");
    serde_json::from_str(&text).expect("hostile scenario is JSON")
}

/// What every view must hold: nothing executed, no panic in the console, the app still answering, and
/// no bidi control in the text.
async fn assert_safe(world: &World, view: &str) {
    let executed = world.eval("return window.__executed || null;").await;
    assert_eq!(
        executed,
        json!([]),
        "{view}: nothing executes (traps: {executed})"
    );
    let panics: Vec<Value> = world
        .console()
        .await
        .into_iter()
        .filter(|e| {
            let message = e["message"].as_str().unwrap_or("");
            message.contains("panicked") || message.contains("unreachable")
        })
        .collect();
    assert!(panics.is_empty(), "{view}: the app panicked: {panics:#?}");
    assert!(
        world.exists("[data-testid=announcer]").await,
        "{view}: the app is still mounted"
    );
    // Where a bidi control is in the text: the innermost elements holding one, as HTML.
    let bidi = world
        .eval(&format!(
            "const re = /{BIDI_CONTROLS}/;
             return [...document.body.querySelectorAll('*')]
               .filter(e => re.test(e.innerText || '') && ![...e.children].some(c => re.test(c.innerText || '')))
               .map(e => e.outerHTML.slice(0, 300));"
        ))
        .await;
    assert_eq!(
        bidi,
        json!([]),
        "{view}: no bidi control reaches the page's text"
    );
}

/// The traps see what they must: a handler attribute, a script element and an `alert` planted on the
/// page are all recorded, and the console is read (then forgotten, so the views are judged alone).
async fn assert_traps_work(world: &World) {
    world
        .eval(
            "const probe = document.createElement('div');
             probe.id = 'trap-probe';
             probe.innerHTML = '<img src=\"data:,\" onerror=\"1\">';
             probe.appendChild(document.createElement('script'));
             document.body.appendChild(probe);
             alert('probe');
             console.error('trap probe: the console is read');
             return true;",
        )
        .await;
    let seen = world
        .wait_for_script(
            "return window.__executed.slice();",
            |seen| seen.as_array().is_some_and(|s| s.len() >= 3),
            "the traps record the probe",
        )
        .await;
    let seen = seen.to_string();
    for needle in ["attribute IMG.onerror", "element SCRIPT", "alert(probe)"] {
        assert!(seen.contains(needle), "the traps see {needle}: {seen}");
    }
    let console = serde_json::to_string(&world.console().await).unwrap_or_default();
    assert!(
        console.contains("trap probe"),
        "the console is read: {console}"
    );
    world
        .eval("document.getElementById('trap-probe').remove(); window.__executed.splice(0); return true;")
        .await;
}

/// Every element of `css` that shows a person's text holds it in a `<bdi>`.
async fn assert_isolated(world: &World, css: &str, view: &str) {
    let missing = world
        .eval(&format!(
            "return [...document.querySelectorAll('{css}')].filter(e => !e.querySelector('bdi')).length;"
        ))
        .await;
    assert_eq!(missing, json!(0), "{view}: {css} is bidi-isolated");
}

/// The pending requests of the normal (non-hostile) requester, one per source.
fn normal_requests(state: &StateView) -> Vec<String> {
    state
        .requests
        .iter()
        .filter(|r| r.principal == ALEX_ID && r.is_pending_for(ADELE_ID))
        .map(|r| r.id.clone())
        .collect()
}

/// RFC 4180 cells of a CSV document.
fn csv_cells(csv: &str) -> Vec<String> {
    let (mut cells, mut cell, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = csv.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            ('"', _) => quoted = !quoted,
            (',' | '\n', false) => cells.push(std::mem::take(&mut cell)),
            ('\r', false) => {}
            (c, _) => cell.push(c),
        }
    }
    cells.push(cell);
    cells
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_data_stays_data_in_every_view() {
    let world = World::start().await;
    world
        .control("POST", "/_emulator/scenario", hostile_scenario())
        .await;
    world.before_every_page(TRAPS).await;
    world.sign_in_as(ADELE).await;
    world.add_windows_session(ADELE_ID).await;
    let state = world.state().await;

    // The queue: every request waiting for Adele, hostile or not.
    world.goto("/").await;
    wait_until_loaded(&world).await;
    let expected = expected_queue(&world, ADELE_ID).await;
    let w = &world;
    let wanted = &expected;
    wait_until("the whole hostile queue", || async move {
        let shown = shown_queue(w).await;
        if shown == *wanted {
            Ok(())
        } else {
            Err(format!("{} of {} rows", shown.len(), wanted.len()))
        }
    })
    .await;
    let shown_ids: BTreeSet<String> = expected.iter().map(|(_, id)| id.clone()).collect();
    for id in normal_requests(&state) {
        assert!(
            shown_ids.contains(&id),
            "the normal request {id} still shows"
        );
    }
    assert_eq!(
        normal_requests(&state).len(),
        5,
        "one normal request per source"
    );
    assert!(
        !world.exists("[data-testid=source-error]").await,
        "no source fails on hostile data"
    );
    let rlo = state.first("a request by the RLO user", |r| {
        r.principal == RLO_USER && r.is_pending_for(ADELE_ID)
    });
    let row = reveal_in_queue(&world, &rlo.id).await;
    world
        .wait_for(&format!("{row} [data-testid=hidden-characters]"))
        .await;
    clear_queue_search(&world).await;
    assert_safe(&world, "queue").await;
    assert_traps_work(&world).await;
    world.full_screenshot("hostile-queue", 1280).await;

    // The detail of every request waiting for Adele.
    let pending = state.requests.iter().filter(|r| r.is_pending_for(ADELE_ID));
    for request in pending {
        let view = format!("detail of {}", request.id);
        world.goto(&route(request)).await;
        let detail = world.wait_for("[data-testid=request-detail]").await;
        assert_eq!(
            detail.attr("data-id").await.unwrap().as_deref(),
            Some(request.id.as_str()),
            "{view}"
        );
        world
            .wait_for("[data-testid=decision-panel], [data-testid=decision-blocked]")
            .await;
        assert_isolated(&world, "[data-testid=requester-justification]", &view).await;
        if request.principal == RLO_USER {
            world.wait_for("[data-testid=hidden-characters]").await;
        }
        assert_safe(&world, &view).await;
    }
    world.goto(&route(rlo)).await;
    world.wait_for("[data-testid=hidden-characters]").await;
    world.full_screenshot("hostile-detail", 1280).await;

    // My Requests: every one of Adele's own requests.
    world.click("a[href='/my-requests']").await;
    let own = state
        .requests
        .iter()
        .filter(|r| r.principal == ADELE_ID)
        .count();
    world
        .wait_for_count(
            "[data-testid=history-row]",
            |n| n == own,
            "all of Adele's requests",
        )
        .await;
    assert_safe(&world, "my requests").await;

    // Requests I Approved, and its CSV.
    world.click("a[href='/approved-by-me']").await;
    world
        .wait_for_count("[data-testid=decision-row]", |n| n > 0, "Adele's decisions")
        .await;
    assert!(!world.exists("[data-testid=source-error]").await);
    assert_safe(&world, "requests I approved").await;
    world.full_screenshot("hostile-approved-by-me", 1280).await;
    let csv = world
        .eval(
            "const href = document.querySelector('[data-testid=csv-link]').href;
             return decodeURIComponent(href.slice(href.indexOf(',') + 1));",
        )
        .await;
    let csv = csv.as_str().expect("a CSV");
    let cells = csv_cells(csv);
    let formulas: Vec<&String> = cells
        .iter()
        .filter(|c| c.starts_with(['=', '+', '-', '@', '\t', '\r']))
        .collect();
    assert!(
        formulas.is_empty(),
        "formula cells are neutralised: {formulas:?}"
    );
    assert!(
        cells.iter().any(|c| c.starts_with("'=")),
        "the hostile formulas are there, neutralised"
    );

    // The overview tiles, each opened (a huge duration once panicked the Approved tile).
    world.click("a[href='/']").await;
    wait_until_loaded(&world).await;
    for tile in ["approved", "denied", "expired", "pending"] {
        world.click(&format!("[data-testid=tile-{tile}]")).await;
        let shown = if tile == "pending" {
            "[data-testid=queue-row]"
        } else {
            "[data-testid=bucket-list]"
        };
        world.wait_for(shown).await;
        assert_safe(&world, &format!("overview tile {tile}")).await;
    }

    // A host portal embedding the app: its events carry no hostile text and nothing runs in it.
    let host = PageServer::start().await;
    world
        .control(
            "POST",
            "/_emulator/app-config",
            json!({ "embedding": { "allowedParentOrigins": [host.origin], "tokensFromHost": true, "hostTimeoutMs": 2000 } }),
        )
        .await;
    let expires_on = (chrono::Utc::now() + chrono::Duration::hours(1)).timestamp();
    let mut table = serde_json::Map::new();
    for resource in ["graph", "arm", "portal"] {
        let token = world.token_for(ADELE_ID, resource).await;
        table.insert(
            resource.into(),
            json!({ "accessToken": token, "expiresOn": expires_on }),
        );
    }
    host.set_html(host_page(&world.app_url, &Value::Object(table)));
    world.browser.goto(&host.url()).await.expect("host page");
    let count = expected.len();
    let received = world
        .wait_for_script(
            "return window.received || [];",
            |r| {
                r.as_array().is_some_and(|list| {
                    list.iter()
                        .any(|m| m["type"] == "pim-approvals:pending-count" && m["count"] == count)
                })
            },
            "the host hears the whole pending count",
        )
        .await;
    let text = received.to_string();
    for needle in ["<script", "onerror", "javascript:", "\u{202e}", "=cmd"] {
        assert!(
            !text.contains(needle),
            "host events carry no {needle:?}: {text}"
        );
    }
    for message in received.as_array().unwrap() {
        let kind = message["type"].as_str().unwrap_or("");
        assert!(kind.starts_with("pim-approvals:"), "{message}");
    }
    let executed = world.eval("return window.__executed || null;").await;
    assert_eq!(executed, json!([]), "nothing runs in the host page");
    let frame = world
        .browser
        .find(fantoccini::Locator::Css("#pim"))
        .await
        .expect("the app's frame");
    frame.enter_frame().await.expect("into the frame");
    world.wait_for("[data-testid=queue-row]").await;
    assert_safe(&world, "the embedded app").await;
    world.finish().await;
}
