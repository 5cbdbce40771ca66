//! `make bench`: the built app (`PIM_DIST`) in headless Chromium against the in-process tenant
//! emulator (built with the bench profile, optimised), every figure the median of several runs with
//! min and max. Prints the table, writes it to `bench/RESULTS.md`, replaces the README's copy of the
//! last run, and exits non-zero naming every budget it missed.
//!
//! Groups: 1 the queue at 10,000 requests; 2 the queue load at L = 150 ms; 3 bulk approve of 100
//! Graph requests (Approve… → summary, Send → results); 4 one approve click; 5 the throttled
//! first load. `BENCH_ONLY=1,4` runs some groups and writes nothing; `BENCH_ARRANGE=<file>` adds the
//! native `arrange` benchmark's output (what `make bench` runs first).

mod latency;
mod probe;
mod report;
mod scale;
mod throttled;

/// A progress line on stderr, with the time since the bench started.
pub fn progress(what: &str) {
    use std::sync::OnceLock;
    static START: OnceLock<std::time::Instant> = OnceLock::new();
    let start = START.get_or_init(std::time::Instant::now);
    eprintln!("bench [{:6.1} s] {what}", start.elapsed().as_secs_f64());
}

use report::{Figure, Machine};
use std::process::ExitCode;

#[tokio::main(flavor = "multi_thread")]
async fn main() -> ExitCode {
    let only = std::env::var("BENCH_ONLY").ok();
    let wanted = |group: &str| {
        only.as_deref()
            .is_none_or(|list| list.split(',').any(|g| g.trim() == group))
    };
    let browser = browser_version();
    let mut figures: Vec<Figure> = Vec::new();
    if wanted("1") {
        progress("1 · 10,000 pending requests");
        figures.extend(scale::run().await);
    }
    if wanted("2") || wanted("3") || wanted("4") {
        progress("2–4 · services answering after 150 ms");
        figures.extend(latency::run().await);
    }
    if wanted("5") {
        progress("5 · throttled first load");
        figures.extend(throttled::run().await);
    }
    let machine = machine(browser);
    let table = report::table(&figures);
    let notes = report::notes(&figures);
    let arrange = std::env::var_os("BENCH_ARRANGE")
        .and_then(|path| std::fs::read_to_string(path).ok())
        .unwrap_or_default();
    println!("\n{}\n\n{table}\n{notes}", machine.describe());
    if !arrange.is_empty() {
        println!("{arrange}");
    }
    if only.is_none() {
        write_results(&machine, &table, &notes, &arrange);
    }
    let missed = report::missed(&figures);
    if missed.is_empty() {
        println!("bench: every budget met");
        ExitCode::SUCCESS
    } else {
        eprintln!("bench: {} budget(s) missed:", missed.len());
        for line in &missed {
            eprintln!("  - {line}");
        }
        ExitCode::FAILURE
    }
}

const METHOD: &str = "\
## How it measures

- **The app** is the release bundle (`trunk build --release`), served by the tenant emulator, which runs \
in the bench process built with Cargo's bench profile (optimised). A fresh emulator, ChromeDriver and \
headless Chromium (`--headless=new`, 1280×900) for each group of figures.
- **\"Painted\"** is observed from outside the app: a script installed through DevTools \
(`Page.addScriptToEvaluateOnNewDocument`) before the app runs keeps a MutationObserver on the document; \
after each DOM change it notes the moment after the next frame (`requestAnimationFrame`, then a zero \
timeout, the usual \"after paint\" point) and checks the figure's condition there (complete queue: a \
queue row and no source still loading; sign-in: `#sign-in` present and enabled; confirmed: the \
confirmation says Approved). No hooks in the app.
- **Service responses and chains of calls** come from Resource Timing (`responseEnd` of each fetch); a \
chain is built backwards from the last response before the mark, each step being the resource that \
ended last before this one started. CORS preflights do not show there; they come from the emulator's \
request log. `--latency-ms` delays preflights too (each is one more round trip).
- **Medians** are nearest-rank; min and max are over the runs of the row.

## What this set-up does not model

- **One origin for every service.** The emulator serves Graph, ARM, MIM PAM, the portal API and the \
sign-in endpoints on one `127.0.0.1` port, so Chromium's six HTTP/1.1 connections per host are shared \
by all of them; in production they are separate hosts. A load with more than six calls in flight \
queues some of them here (a step of about 3 L in a chain is usually that).
- **Uncompressed files.** The emulator serves the bundle as it is on disk (no brotli or gzip), so the \
throttled first load downloads the raw wasm; a production server sends it compressed (see the README's \
bundle size table for both sizes).
- **The machine is shared**: 2 cores with other builds running; frame timing especially is noisy. The \
scroll figure's note gives the same scroll on a blank page as the floor of this machine.
";

fn write_results(machine: &Machine, table: &str, notes: &str, arrange: &str) {
    let root = e2e::repository_root();
    let arrange_section = if arrange.is_empty() {
        String::new()
    } else {
        format!(
            "\n## Domain code, native: `cargo bench --bench arrange`\n\n```text\n{}\n```\n",
            arrange.trim_end()
        )
    };
    let results = format!(
        "# `make bench`: last run\n\n{}\n\n{table}\n{notes}{arrange_section}\n{METHOD}",
        machine.describe()
    );
    let dir = root.join("bench");
    std::fs::create_dir_all(&dir).expect("bench/ directory");
    std::fs::write(dir.join("RESULTS.md"), results).expect("bench/RESULTS.md");
    let readme = format!(
        "Last run of `make bench`: {} ([details, notes and method](bench/RESULTS.md)).\n\n{table}",
        machine.describe()
    );
    if let Err(e) = report::update_readme(&root.join("README.md"), &readme) {
        eprintln!("bench: README not updated: {e}");
    }
    eprintln!("bench: wrote bench/RESULTS.md and the README's bench section");
}

/// Chromium's version, from a browser started only to ask.
fn browser_version() -> String {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    std::process::Command::new(chromium)
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "Chromium (version unknown)".into())
}

fn machine(browser: String) -> Machine {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory_kb: f64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_default();
    Machine {
        date: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        cpu,
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        memory_gb: memory_kb / 1_048_576.0,
        browser,
    }
}
