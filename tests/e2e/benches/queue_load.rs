//! Benchmark: how long the built app takes to show the complete queue when every service answers
//! slowly. The emulator adds a fixed delay to every response and holds 500 extra pending requests;
//! the browser's Resource Timing says when the last service response of the page load ended.
//! Because the five sources are read in parallel, the result should stay near the longest single
//! chain of calls, far below the sum of all calls.
//!
//! Run: `cargo bench -p e2e --bench queue_load` (needs dist/ and chromedriver, like the e2e tests).

use e2e::*;
use std::time::Duration;

const LATENCY_MS: u64 = 150;
const RUNS: usize = 7;

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.partial_cmp(b).unwrap());
    values[values.len() / 2]
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let world = World::start_with(Options {
        latency_ms: LATENCY_MS,
        generate: 500,
        ..Options::default()
    })
    .await;
    world.sign_in_as(ADELE).await;
    wait_until_loaded(&world).await;
    let mut complete_ms = Vec::new();
    let mut calls = Vec::new();
    let mut rows = 0;
    for _ in 0..RUNS {
        world.browser.refresh().await.unwrap();
        wait_until_loaded(&world).await;
        world
            .wait_for_count("[data-testid^=tile-] .tile-count", |n| n == 4, "overview")
            .await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let timing = world
            .eval(&format!(
                "const api = performance.getEntriesByType('resource')
                    .filter(e => e.name.startsWith('{}') && e.initiatorType === 'fetch');
                 return {{ end: Math.max(...api.map(e => e.responseEnd)), calls: api.length,
                          rows: document.querySelectorAll('[data-testid=queue-row]').length }};",
                world.emulator.base_url
            ))
            .await;
        complete_ms.push(timing["end"].as_f64().unwrap());
        calls.push(timing["calls"].as_u64().unwrap() as f64);
        rows = timing["rows"].as_u64().unwrap();
    }
    let log = world.log().await;
    let preflights = log.iter().filter(|e| e["method"] == "OPTIONS").count();
    let complete = median(complete_ms.clone());
    let call_count = median(calls);
    println!("queue_load: {rows} pending requests from 5 sources, {LATENCY_MS} ms per response");
    println!(
        "  all service responses of a page load ended after {complete:.0} ms (median of {RUNS} loads; min {:.0}, max {:.0})",
        complete_ms.iter().cloned().fold(f64::INFINITY, f64::min),
        complete_ms.iter().cloned().fold(0.0, f64::max)
    );
    println!(
        "  {call_count:.0} fetches per load (queue, overview history, tokens; CORS preflights are extra: {preflights} over the whole run)"
    );
    println!(
        "  one after the other they would take at least {:.0} ms",
        call_count * LATENCY_MS as f64
    );
    world.finish().await;
}
