//! Benchmark: sorting, searching and filtering a large queue in the browser's main thread is pure
//! domain code (`domain::queue::arrange` over entries whose keys were made once, on arrival); this
//! measures it natively on 10,000 requests.
//!
//! Run: `cargo bench --bench arrange` (`make bench` runs it and puts its lines in `bench/RESULTS.md`).

use chrono::{Duration, TimeZone, Utc};
use pim_approvals::domain::queue::{arrange, Column, Filter, QueueEntry, Sort};
use pim_approvals::domain::*;
use std::time::Instant;

fn synthetic(n: usize) -> Vec<ApprovalRequest> {
    let now = Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap();
    let roles = [
        "Global Administrator",
        "Helpdesk Administrator",
        "Owner",
        "Reader",
        "Exchange Administrator",
    ];
    (0..n)
        .map(|i| ApprovalRequest {
            requester: Person {
                id: Some(format!("user-{}", i % 97)),
                display_name: Some(format!("Requester {}", i % 97)),
                upn: Some(format!("user{}@contoso.example", i % 97)),
            },
            role: RoleRef {
                id: None,
                name: roles[i % roles.len()].to_string(),
            },
            scope: ScopeRef {
                id: "/".into(),
                name: format!("Scope {}", i % 13),
            },
            duration: RequestedDuration::Known(IsoDuration::from_minutes(30 + (i % 8) as i64 * 30)),
            justification: Some(format!(
                "Change {i}: rotate credentials for service {}",
                i % 31
            )),
            ticket: (i % 3 != 0).then(|| Ticket {
                number: format!("CHG-{i}"),
                system: None,
            }),
            ..ApprovalRequest::new(
                RequestKey::new(SourceKind::ALL[i % 5], format!("req-{i}")),
                now - Duration::minutes((i % 1400) as i64),
                SourceRef::Portal,
            )
        })
        .collect()
}

fn time<F: FnMut() -> usize>(label: &str, runs: usize, mut f: F) {
    let mut samples = Vec::with_capacity(runs);
    let mut kept = 0;
    for _ in 0..runs {
        let start = Instant::now();
        kept = f();
        samples.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "  {label}: median {:.2} ms (min {:.2}, max {:.2}; {kept} rows, {runs} runs)",
        samples[runs / 2],
        samples[0],
        samples[runs - 1]
    );
}

fn main() {
    let risk = RiskPolicy::default();
    let now = Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap();
    let started = Instant::now();
    let entries: Vec<QueueEntry> = synthetic(10_000)
        .into_iter()
        .map(|r| QueueEntry::new(r, &risk))
        .collect();
    println!(
        "arrange: 10,000 pending requests (entries made once on arrival: {:.1} ms)",
        started.elapsed().as_secs_f64() * 1000.0
    );
    let all = || (0u32..).zip(entries.iter());
    time("default order (soonest to expire)", 50, || {
        arrange(all(), &Filter::default(), Sort::default(), now).len()
    });
    time("sort by requester", 50, || {
        let sort = Sort::default().toggled(Column::Requester);
        arrange(all(), &Filter::default(), sort, now).len()
    });
    time("search keystroke + sort by risk", 50, || {
        let filter = Filter {
            text: "credentials for service 7".into(),
            ..Filter::default()
        };
        arrange(all(), &filter, Sort::default().toggled(Column::Risk), now).len()
    });
}
