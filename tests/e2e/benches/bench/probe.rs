//! What the bench observes in the page, without hooks in the app: a script DevTools runs before the
//! app's own (a MutationObserver that notes, for every change of the DOM, the first moment after the
//! frame that shows it: `requestAnimationFrame` then a zero timeout), the browser's Resource Timing,
//! and the critical path read from it.

use e2e::*;
use serde_json::Value;
use std::time::Duration;

/// Installed in every document before the app runs. `__bench.at[name]` is the first "after paint"
/// moment (ms since navigation start) at which a check held: `firstRow`, `queueComplete` (rows and no
/// source still loading), `signIn` (the sign-in button present and enabled), or one added later
/// through `__bench.when[name] = () => bool`. `__bench.lastMutation`/`lastPaint`: the latest DOM change
/// and the latest after-paint moment. `__bench.clickAt`: the last click's event time; `clickSeenAt`: when
/// the page's first listener saw it.
pub const PROBE: &str = r#"
(() => {
  if (window.__bench) return;
  const b = window.__bench = { at: {}, when: {}, lastMutation: 0, lastPaint: 0, paints: 0 };
  try { performance.setResourceTimingBufferSize(10000); } catch (e) {}
  addEventListener('TrunkApplicationStarted', e => { b.wasm = e.detail && e.detail.wasm; });
  addEventListener('click', e => { b.clickAt = e.timeStamp; b.clickSeenAt = performance.now(); }, true);
  const checks = {
    firstRow: () => !!document.querySelector('[data-testid=queue-row]'),
    queueComplete: () => !!document.querySelector('[data-testid=queue-row]')
      && !document.querySelector('.source-loading'),
    signIn: () => { const s = document.querySelector('#sign-in'); return !!s && !s.disabled; },
  };
  const run = (table, t) => {
    for (const [name, check] of Object.entries(table)) {
      if (name in b.at) continue;
      try { if (check()) b.at[name] = t; } catch (e) {}
    }
  };
  let pending = false;
  let frameAt = 0;
  const afterPaint = () => {
    pending = false;
    const t = performance.now();
    // A change made after this frame started shows in the next one: look again then.
    if (b.lastMutation > frameAt) schedule();
    b.lastPaint = t;
    b.paints += 1;
    run(checks, t);
    run(b.when, t);
  };
  const schedule = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { frameAt = performance.now(); setTimeout(afterPaint, 0); });
  };
  new MutationObserver(records => { b.mutations = (b.mutations || 0) + records.length; b.lastMutation = performance.now(); schedule(); })
    .observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
})();
"#;

/// Installs the probe and lets scripts run for up to five minutes (a scroll through 10,000 rows).
pub async fn install(world: &World) {
    world.before_every_page(PROBE).await;
    world
        .browser
        .update_timeouts(fantoccini::wd::TimeoutConfiguration::new(
            Some(Duration::from_secs(300)),
            Some(Duration::from_secs(300)),
            None,
        ))
        .await
        .expect("timeouts");
}

/// One Resource Timing entry (times in ms since navigation start).
#[derive(Clone, Debug)]
pub struct Resource {
    pub url: String,
    pub initiator: String,
    pub start: f64,
    pub end: f64,
}

impl Resource {
    /// A short name: the path without the query, its middle elided when long.
    pub fn label(&self) -> String {
        let without_origin = self
            .url
            .splitn(4, '/')
            .nth(3)
            .map(|p| format!("/{p}"))
            .unwrap_or_else(|| self.url.clone());
        let path = without_origin
            .split('?')
            .next()
            .unwrap_or_default()
            .to_string();
        let path = if self.initiator == "navigation" {
            format!("document {path}")
        } else {
            path
        };
        if path.chars().count() <= 72 {
            return path;
        }
        let head: String = path.chars().take(34).collect();
        let tail: String = path
            .chars()
            .rev()
            .take(34)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("{head}…{tail}")
    }
}

/// The navigation and every resource of the current page.
pub async fn resources(world: &World) -> Vec<Resource> {
    let entries = world
        .eval(
            "return [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]
               .map(e => ({ url: e.name, initiator: e.initiatorType || 'navigation',
                            start: e.startTime, end: e.responseEnd }));",
        )
        .await;
    entries
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|e| Resource {
            url: e["url"].as_str().unwrap_or_default().to_string(),
            initiator: e["initiator"].as_str().unwrap_or_default().to_string(),
            start: e["start"].as_f64().unwrap_or_default(),
            end: e["end"].as_f64().unwrap_or_default(),
        })
        .collect()
}

/// The app's fetches to the emulator (Graph, ARM, MIM PAM, portal API, tokens).
pub fn service_calls<'a>(all: &'a [Resource], world: &World) -> Vec<&'a Resource> {
    all.iter()
        .filter(|r| r.url.starts_with(&world.emulator.base_url) && r.initiator == "fetch")
        .collect()
}

/// The longest chain of resources that ends at `done`: from the last one to end before `done`, each
/// step back the resource that ended last before this one started (it is what this one waited for).
/// Each step starts strictly earlier than the one after it, so the walk ends.
pub fn critical_path(all: &[Resource], done: f64) -> Vec<Resource> {
    const SLACK_MS: f64 = 3.0;
    let mut chain = Vec::new();
    let mut current = all
        .iter()
        .filter(|r| r.end <= done + SLACK_MS)
        .max_by(|a, b| a.end.total_cmp(&b.end));
    while let Some(step) = current {
        chain.push(step.clone());
        current = all
            .iter()
            .filter(|r| r.end <= step.start + SLACK_MS && r.end > 0.0 && r.start < step.start)
            .max_by(|a, b| a.end.total_cmp(&b.end));
    }
    chain.reverse();
    chain
}

/// `document / (0–12 ms) → … → /graph/… (812–965 ms, 1.0 L)`: each step with its span and, given a
/// latency, its length in L (a step of about 2 L paid for a CORS preflight as well).
pub fn describe_path(chain: &[Resource], latency_ms: Option<f64>) -> String {
    chain
        .iter()
        .map(|r| {
            let span = format!("{:.0}–{:.0} ms", r.start, r.end);
            match latency_ms {
                Some(l) if l > 0.0 => {
                    format!("`{}` ({span}, {:.1} L)", r.label(), (r.end - r.start) / l)
                }
                _ => format!("`{}` ({span})", r.label()),
            }
        })
        .collect::<Vec<_>>()
        .join(" → ")
}

/// Navigates to `route` and waits (up to `limit`) until the probe saw the complete queue; returns the
/// probe's `__bench` state.
pub async fn load_queue(world: &World, route: &str, limit: Duration) -> Value {
    world.goto(route).await;
    wait_for_mark(world, "queueComplete", limit).await
}

/// Waits until the probe noted `mark`, and returns `__bench` (`at`, `lastPaint`, …).
pub async fn wait_for_mark(world: &World, mark: &str, limit: Duration) -> Value {
    let script = format!(
        "const b = window.__bench;
         return b && ('{mark}' in b.at) ? {{ at: b.at, lastPaint: b.lastPaint, clickAt: b.clickAt ?? null }} : null;"
    );
    wait_until_within(&format!("the page reaching {mark}"), limit, || {
        let script = script.clone();
        async move {
            match world.eval(&script).await {
                Value::Null => Err("not yet".to_string()),
                value => Ok(value),
            }
        }
    })
    .await
}

/// The `[data-testid=result-count]` line ("10027 waiting for you").
pub async fn result_count(world: &World) -> String {
    world.text_or_empty("[data-testid=result-count]").await
}

/// Waits until no resource has ended for `quiet` (the page is idle on the network; a request still
/// in flight does not show in Resource Timing, so `quiet` should be several times the latency).
pub async fn network_idle(world: &World, quiet: Duration) {
    let script = format!(
        "const e = performance.getEntriesByType('resource');
         return performance.now() - Math.max(0, ...e.map(r => r.responseEnd)) > {};",
        quiet.as_millis()
    );
    wait_until_within("the network going quiet", Duration::from_secs(60), || {
        let script = script.clone();
        async move {
            match world.eval(&script).await {
                Value::Bool(true) => Ok(()),
                other => Err(format!("{other}")),
            }
        }
    })
    .await;
}
