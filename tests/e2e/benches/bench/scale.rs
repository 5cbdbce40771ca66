//! Figure group 1: 10,000 pending requests (`--generate 10000`, no added latency). The queue after
//! the last service response, search keystrokes, a scripted scroll through the whole list, the memory
//! the page holds and the rows in the DOM.

use crate::probe::{self, Resource};
use crate::report::{percentile, Budget, Figure};
use e2e::*;
use serde_json::{json, Value};
use std::time::Duration;

const SECTION: &str = "1 · 10,000 pending";
const LOADS: usize = 3;
const SEARCH_SERIES: usize = 3;
const SCROLLS: usize = 3;
/// Pixels scrolled per animation frame: a fast fling (about 18,000 px/s at 60 Hz).
const SCROLL_STEP_PX: u32 = 300;
/// A frame "over 16 ms": an interval between two animation frames longer than one 60 Hz frame
/// (16.7 ms) plus timer jitter, i.e. at least one frame was missed.
const SLOW_FRAME_MS: f64 = 20.0;
/// A scroll stops at the end of the list or after this long (the figure is then over the frames seen).
const SCROLL_LIMIT_MS: u32 = 20_000;

/// What one page load of the 10,000 gave.
struct Load {
    after_last_response: f64,
    navigation_to_complete: f64,
    calls: usize,
    path: String,
}

pub async fn run() -> Vec<Figure> {
    // BENCH_GENERATE: fewer requests, to try the bench out quickly (the figures then mean little).
    let generate = std::env::var("BENCH_GENERATE")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let world = World::start_with(Options {
        generate,
        ..Options::default()
    })
    .await;
    probe::install(&world).await;
    crate::progress("signing in");
    world.sign_in_as(ADELE).await;
    let expected = expected_queue(&world, ADELE_ID).await.len();
    let mut loads = Vec::new();
    let mut heap = Vec::new();
    let mut wasm = Vec::new();
    let mut rows = Vec::new();
    for run in 0..LOADS {
        crate::progress(&format!("load {run}"));
        loads.push(load(&world, expected).await);
        let (js, linear) = memory(&world).await;
        heap.push(js + linear);
        wasm.push(linear);
        rows.push(rows_in_dom(&world).await);
    }
    crate::progress("search");
    let (medians, p95s, keystroke_rows) = search(&world).await;
    crate::progress("scroll");
    let (slow_shares, max_rows, frames, control) = scroll(&world).await;
    world.finish().await;

    let last = loads.last().expect("loads");
    vec![
        Figure::new(SECTION, "last service response → complete queue painted", "ms")
            .samples(loads.iter().map(|l| l.after_last_response).collect())
            .budget(Budget::AtMost(200.0))
            .note(format!(
                "{expected} requests (page size 100, so 20 pages per source read one after the other). From the \
                 `responseEnd` of the last fetch to the emulator that ended before the queue was complete \
                 (Resource Timing) to the first frame after which every source has answered and rows are shown \
                 (a MutationObserver installed before the app runs notes each DOM change and the moment after \
                 the next frame: `requestAnimationFrame` then a zero timeout). Navigation → complete queue: {} \
                 ms (median); {} fetches per load. Critical path of the last load: {}",
                crate::report::number(
                    percentile(&loads.iter().map(|l| l.navigation_to_complete).collect::<Vec<_>>(), 50.0)
                        .unwrap_or_default(),
                    ""
                ),
                last.calls,
                last.path
            )),
        Figure::new(SECTION, "search keystroke → list painted, median of 20", "ms")
            .samples(medians)
            .budget(Budget::AtMost(16.0))
            .note(format!(
                "Each keystroke sets the search box's value and fires `input` from a script (no WebDriver \
                 round trip inside the figure); measured from just before the event to the moment after the \
                 frame that shows the last DOM change it caused. 20 keystrokes typing \"rotate expiring\" and \
                 deleting back; rows shown after each: {keystroke_rows}. A keystroke that changes nothing in \
                 the DOM counts until the frame after it. One sample per series of 20."
            )),
        Figure::new(SECTION, "search keystroke → list painted, p95 of 20", "ms")
            .samples(p95s)
            .budget(Budget::AtMost(33.0)),
        Figure::new(SECTION, "scroll through the whole list: frames over 16 ms", "%")
            .samples(slow_shares)
            .budget(Budget::Below(5.0))
            .note(format!(
                "`window.scrollBy(0, {SCROLL_STEP_PX})` in every animation frame from the top to the end \
                 or for at most {} s ({frames}); a frame counts as over 16 ms when the interval between \
                 two `requestAnimationFrame` callbacks exceeds {SLOW_FRAME_MS} ms (a 60 Hz frame is 16.7 \
                 ms, so a literal 16 ms would count every frame). Most rows in the DOM at any point of the \
                 scroll: {max_rows}. Controls without the app: the same scroll on a blank page of the \
                 same height, {} of frames over 16 ms (the browser alone); on the rendered rows copied \
                 as static HTML with the app's stylesheet, in the page's flow and repeated to the same \
                 height (no JavaScript, every row in the DOM: what the list would cost without \
                 windowing), {}.",
                SCROLL_LIMIT_MS / 1000,
                crate::report::number(control.0, "%"),
                crate::report::number(control.1, "%")
            )),
        Figure::new(SECTION, "memory after load (JS heap + wasm memory)", "MB")
            .samples(heap)
            .budget(Budget::Below(60.0))
            .note(format!(
                "After a forced garbage collection (DevTools `HeapProfiler.collectGarbage`): the JS heap's \
                 used size (`Runtime.getHeapUsage`) plus the wasm module's linear memory, where the app keeps \
                 the queue (`memory.buffer.byteLength`; it only grows). The wasm memory alone: {} MB.",
                crate::report::number(percentile(&wasm, 50.0).unwrap_or_default(), "")
            )),
        Figure::new(SECTION, "rows in the DOM after load", "rows")
            .samples(rows)
            .budget(Budget::Below(200.0)),
    ]
}

async fn load(world: &World, expected: usize) -> Load {
    let state = probe::load_queue(world, "/", Duration::from_secs(180)).await;
    let complete = state["at"]["queueComplete"].as_f64().expect("complete");
    let count = probe::result_count(world).await;
    assert!(
        count.contains(&format!("{expected} waiting")),
        "the queue shows all {expected}: {count}"
    );
    let all = probe::resources(world).await;
    let calls = probe::service_calls(&all, world);
    let last_response = calls
        .iter()
        .map(|r| r.end)
        .filter(|end| *end <= complete)
        .fold(0.0, f64::max);
    let path = probe::describe_path(&summarise(&probe::critical_path(&all, complete)), None);
    Load {
        after_last_response: complete - last_response,
        navigation_to_complete: complete,
        calls: calls.len(),
        path,
    }
}

/// A chain of 20 pages of one source, shortened to its first and last steps.
fn summarise(chain: &[Resource]) -> Vec<Resource> {
    if chain.len() <= 8 {
        return chain.to_vec();
    }
    let mut short = chain[..4].to_vec();
    short.push(Resource {
        url: format!("… {} more …", chain.len() - 7),
        initiator: "elided".into(),
        start: chain[4].start,
        end: chain[chain.len() - 4].end,
    });
    short.extend_from_slice(&chain[chain.len() - 3..]);
    short
}

/// (JS heap used, wasm linear memory), in MB.
async fn memory(world: &World) -> (f64, f64) {
    world.cdp("HeapProfiler.enable", json!({})).await;
    world.cdp("HeapProfiler.collectGarbage", json!({})).await;
    let usage = world.cdp("Runtime.getHeapUsage", json!({})).await;
    let linear = world
        .eval(
            "const w = window.__bench.wasm; return w && w.memory ? w.memory.buffer.byteLength : 0;",
        )
        .await;
    let mb = |v: &Value| v.as_f64().unwrap_or_default() / 1_000_000.0;
    (mb(&usage["usedSize"]), mb(&linear))
}

async fn rows_in_dom(world: &World) -> f64 {
    world
        .eval("return document.querySelectorAll('[data-testid=queue-row]').length;")
        .await
        .as_f64()
        .unwrap_or_default()
}

/// Per series of 20 keystrokes: (median, p95) in ms; and the rows shown after each keystroke of the last.
async fn search(world: &World) -> (Vec<f64>, Vec<f64>, String) {
    let mut medians = Vec::new();
    let mut p95s = Vec::new();
    let mut shown = String::new();
    for _ in 0..SEARCH_SERIES {
        clear_queue_search(world).await;
        probe::network_idle(world, Duration::from_millis(500)).await;
        let result = world
            .browser
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
                const b = window.__bench;
                const input = document.querySelector('#queue-search');
                const typed = 'rotate expiring';
                const values = [];
                for (let i = 1; i <= typed.length; i++) values.push(typed.slice(0, i));
                for (let i = typed.length - 1; values.length < 20; i--) values.push(typed.slice(0, i));
                const frame = () => new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
                const sleep = ms => new Promise(r => setTimeout(r, ms));
                (async () => {
                  const out = [];
                  for (const value of values) {
                    await sleep(60); await frame();
                    const t0 = performance.now();
                    input.value = value;
                    input.dispatchEvent(new Event('input', { bubbles: true }));
                    await frame();
                    const firstFrame = performance.now();
                    const deadline = t0 + 3000;
                    while (performance.now() < deadline) {
                      if (performance.now() - Math.max(b.lastMutation, t0) > 150
                          && b.lastPaint >= b.lastMutation) break;
                      await frame();
                    }
                    const changed = b.lastMutation > t0;
                    const ms = changed ? b.lastPaint - t0 : firstFrame - t0;
                    const count = document.querySelector('[data-testid=result-count]');
                    out.push({ ms, changed, shown: count ? count.textContent : '' });
                  }
                  done(out);
                })();"#,
                vec![],
            )
            .await
            .expect("keystrokes run");
        let samples: Vec<f64> = result
            .as_array()
            .expect("a list")
            .iter()
            .map(|k| k["ms"].as_f64().expect("a time per keystroke"))
            .collect();
        shown = result
            .as_array()
            .expect("a list")
            .iter()
            .map(|k| {
                k["shown"]
                    .as_str()
                    .unwrap_or_default()
                    .split_whitespace()
                    .find(|word| word.parse::<u64>().is_ok())
                    .unwrap_or("?")
                    .to_string()
            })
            .collect::<Vec<_>>()
            .join(", ");
        medians.push(percentile(&samples, 50.0).expect("samples"));
        p95s.push(percentile(&samples, 95.0).expect("samples"));
    }
    clear_queue_search(world).await;
    (medians, p95s, shown)
}

/// Per scroll: the share of frames over 16 ms (%); the most rows seen in the DOM; frames of the last;
/// the shares of the two pages without the app ([`control_scroll`]).
async fn scroll(world: &World) -> (Vec<f64>, f64, String, (f64, f64)) {
    let mut shares = Vec::new();
    let mut max_rows: f64 = 0.0;
    let mut frames = 0;
    let mut height = 0.0;
    let mut reached = 0.0;
    for _ in 0..SCROLLS {
        probe::network_idle(world, Duration::from_millis(500)).await;
        let result = scroll_once(world).await;
        shares.push(slow_share(&result));
        max_rows = max_rows.max(result["maxRows"].as_f64().unwrap_or_default());
        frames = result["deltas"].as_array().map_or(0, Vec::len);
        height = result["height"].as_f64().unwrap_or_default();
        reached = result["reached"].as_f64().unwrap_or_default();
    }
    let control = control_scroll(world, height).await;
    let progress = format!(
        "{frames} frames in the last run, which reached {} of {} px",
        crate::report::number(reached, ""),
        crate::report::number(height, "")
    );
    (shares, max_rows, progress, control)
}

/// One scripted scroll from the top to the end of the page: the intervals between animation frames,
/// the most rows seen in the DOM.
async fn scroll_once(world: &World) -> Value {
    world
            .browser
            .execute_async(
                &format!(
                    r#"const done = arguments[arguments.length - 1];
                    const frame = () => new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
                    (async () => {{
                      window.scrollTo(0, 0);
                      await frame(); await new Promise(r => setTimeout(r, 300));
                      const deltas = []; let last = null; let n = 0; let maxRows = 0;
                      await new Promise(resolve => {{
                        let first = null;
                        const step = ts => {{
                          if (first === null) first = ts;
                          if (last !== null) deltas.push(ts - last);
                          last = ts;
                          if (n++ % 10 === 0) maxRows = Math.max(maxRows,
                              document.querySelectorAll('[data-testid=queue-row]').length);
                          const before = window.scrollY;
                          window.scrollBy(0, {SCROLL_STEP_PX});
                          const atEnd = window.scrollY === before && n > 2;
                          if (atEnd || ts - first > {SCROLL_LIMIT_MS}) resolve(); else requestAnimationFrame(step);
                        }};
                        requestAnimationFrame(step);
                      }});
                      const last_row = [...document.querySelectorAll('[data-testid=queue-row]')].pop();
                      const reached = window.scrollY + window.innerHeight;
                      window.scrollTo(0, 0);
                      done({{ deltas, maxRows, reached, height: document.documentElement.scrollHeight, lastIndex: last_row ? last_row.getAttribute('aria-rowindex') : null }});
                    }})();"#
                ),
                vec![],
            )
            .await
            .expect("the page scrolls")
}

/// The same scroll on two pages without the app: a blank page of the same height (the browser alone),
/// and the queue's own rows as static HTML repeated to the same height with the app's stylesheets,
/// in the page's flow rather than each at its own offset (what the list would cost without
/// windowing: every row in the DOM, no JavaScript at all).
async fn control_scroll(world: &World, height: f64) -> (f64, f64) {
    let rows = world
        .eval(
            "const table = document.querySelector('table.queue');
             const css = [...document.styleSheets].flatMap(s => [...s.cssRules].map(r => r.cssText)).join('\\n');
             const rows = [...table.querySelectorAll('tr.queue-row')].map(r => r.outerHTML).join('');
             return { css, head: table.querySelector('thead').outerHTML, rows,
                      count: table.querySelectorAll('tr.queue-row').length };",
        )
        .await;
    world.browser.goto("about:blank").await.expect("blank page");
    world
        .eval(&format!(
            "document.body.innerHTML = '<div style=\"height:{height}px\"></div>'; return true;"
        ))
        .await;
    let blank = slow_share(&scroll_once(world).await);
    world
        .browser
        .execute(
            "const [page, height] = arguments;
             const style = document.createElement('style');
             style.textContent = page.css + ' table.queue tbody { height: auto !important; }'
               + ' table.queue tr.queue-row { position: relative !important; }';
             document.head.replaceChildren(style);
             const repeats = Math.max(1, Math.ceil(height / 82 / Math.max(1, page.count)));
             document.body.innerHTML = '<main><div class=\"table-wrap\"><table class=\"queue\">' + page.head
               + '<tbody>' + page.rows.replace(/ style=\"[^\"]*\"/g, '').repeat(repeats) + '</tbody></table></div></main>';
             return true;",
            vec![rows, json!(height)],
        )
        .await
        .expect("static rows");
    let static_rows = slow_share(&scroll_once(world).await);
    (blank, static_rows)
}

fn slow_share(result: &Value) -> f64 {
    let deltas: Vec<f64> = result["deltas"]
        .as_array()
        .expect("deltas")
        .iter()
        .filter_map(Value::as_f64)
        .collect();
    let slow = deltas.iter().filter(|d| **d > SLOW_FRAME_MS).count();
    100.0 * slow as f64 / deltas.len().max(1) as f64
}
