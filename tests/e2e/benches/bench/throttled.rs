//! Figure group 5 (first load): the page on a throttled network (ChromeDriver's network conditions)
//! and a 4× slower CPU (DevTools `Emulation.setCPUThrottlingRate`), with an empty browser cache each
//! time: the sign-in button on slow 4G, and the queue with a session on fast 4G against services
//! answering after 100 ms.

use crate::probe;
use crate::report::{Budget, Figure};
use e2e::*;
use serde_json::json;
use std::time::Duration;

const RUNS: usize = 5;
const L_MS: u64 = 100;
const CPU_SLOWDOWN: u64 = 4;

/// Lighthouse's slow 4G: 1.44 Mb/s down, 675 kb/s up, 563 ms round trip.
const SLOW_4G: NetworkProfile = NetworkProfile {
    name: "slow 4G",
    rtt_ms: 563,
    down_bytes_per_sec: 1_440_000 / 8,
    up_bytes_per_sec: 675_000 / 8,
};

/// DevTools' fast 4G: 9 Mb/s down, 1.5 Mb/s up (both × 0.9), 165 ms round trip.
const FAST_4G: NetworkProfile = NetworkProfile {
    name: "fast 4G",
    rtt_ms: 165,
    down_bytes_per_sec: 9_000_000 * 9 / 80,
    up_bytes_per_sec: 1_500_000 * 9 / 80,
};

pub async fn run() -> Vec<Figure> {
    let world = World::start_with(Options {
        latency_ms: L_MS,
        ..Options::default()
    })
    .await;
    probe::install(&world).await;
    world.cdp("Network.enable", json!({})).await;
    world.emulate_network(SLOW_4G).await;
    let mut sign_in = Vec::new();
    let mut sign_in_path = String::new();
    for run in 0..RUNS {
        crate::progress(&format!("slow 4G sign-in {run}"));
        cold(&world).await;
        world.goto("/").await;
        let state = probe::wait_for_mark(&world, "signIn", Duration::from_secs(120)).await;
        let usable = state["at"]["signIn"].as_f64().expect("sign-in");
        sign_in.push(usable);
        let all = probe::resources(&world).await;
        sign_in_path = probe::describe_path(&probe::critical_path(&all, usable), None);
    }

    world.emulate_network(FAST_4G).await;
    world
        .cdp("Emulation.setCPUThrottlingRate", json!({ "rate": 1 }))
        .await;
    world.sign_in_as(ADELE).await;
    probe::wait_for_mark(&world, "queueComplete", Duration::from_secs(120)).await;
    let mut first_row = Vec::new();
    let mut complete = Vec::new();
    let mut queue_path = String::new();
    for run in 0..RUNS {
        crate::progress(&format!("fast 4G queue {run}"));
        cold(&world).await;
        let state = probe::load_queue(&world, "/", Duration::from_secs(120)).await;
        let done = state["at"]["queueComplete"].as_f64().expect("complete");
        first_row.push(state["at"]["firstRow"].as_f64().expect("first row"));
        complete.push(done);
        let all = probe::resources(&world).await;
        queue_path = probe::describe_path(&probe::critical_path(&all, done), None);
    }
    world.finish().await;

    const SECTION: &str = "5 · first load, throttled";
    vec![
        Figure::new(SECTION, "slow 4G, CPU 4×: sign-in button usable", "ms")
            .samples(sign_in)
            .budget(Budget::AtMost(2_500.0))
            .note(format!(
                "1.44 Mb/s down, 675 kb/s up, 563 ms round trip; empty cache; from navigation start to the \
                 first frame with `#sign-in` present and enabled. Critical path (last run): {sign_in_path}"
            )),
        Figure::new(SECTION, "fast 4G, CPU 4×, L = 100 ms: queue shown (first row)", "ms")
            .samples(first_row)
            .note(
                "9 Mb/s down, 1.5 Mb/s up (× 0.9), 165 ms round trip, services answering after 100 ms; a \
                 session in the tab, empty cache; from navigation start to the first frame with a queue row.",
            ),
        Figure::new(SECTION, "fast 4G, CPU 4×, L = 100 ms: full queue", "ms")
            .samples(complete)
            .note(format!("Critical path (last run): {queue_path}")),
    ]
}

/// An empty HTTP cache and the CPU slowed down again (both can reset with a new renderer).
async fn cold(world: &World) {
    world.cdp("Network.clearBrowserCache", json!({})).await;
    world
        .cdp(
            "Emulation.setCPUThrottlingRate",
            json!({ "rate": CPU_SLOWDOWN }),
        )
        .await;
}
