//! The Approve requests queue: which requests belong in it, sorting by any column, text search over
//! every column, and the source / risk / "expires within" filters.

pub use super::sort::Sort;
use super::sort::SortColumn;
use super::{expiry, text, ApprovalRequest, RequestStatus, RiskLevel, RiskPolicy, SourceKind};
use chrono::{DateTime, Duration, Utc};
use std::cmp::Ordering;

/// Does `request` belong in the queue of approver `me` at `now`? Pending (and not yet past PIM's
/// 24-hour window) and not `me`'s own: approvers never approve their own requests. A request the
/// service lists as waiting for `me` with a status this app does not know stays in the queue, shown
/// as unknown (and not offered for a decision), rather than silently disappearing.
pub fn belongs_in_queue(request: &ApprovalRequest, me: &str, now: DateTime<Utc>) -> bool {
    let status = request.effective_status(now);
    (status == RequestStatus::Pending || status.is_unknown()) && !request.requested_by(me)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Column {
    Requester,
    Role,
    Scope,
    Duration,
    Justification,
    Ticket,
    Requested,
    Expires,
    Source,
    Risk,
}

impl Column {
    pub const ALL: [Column; 10] = [
        Column::Requester,
        Column::Role,
        Column::Scope,
        Column::Duration,
        Column::Justification,
        Column::Ticket,
        Column::Requested,
        Column::Expires,
        Column::Source,
        Column::Risk,
    ];
}

impl SortColumn for Column {
    fn label(self) -> &'static str {
        match self {
            Column::Requester => "Requestor",
            Column::Role => "Role",
            Column::Scope => "Scope",
            Column::Duration => "Duration",
            Column::Justification => "Justification",
            Column::Ticket => "Ticket",
            Column::Requested => "Requested",
            Column::Expires => "Expires",
            Column::Source => "Source",
            Column::Risk => "Risk",
        }
    }
}

impl Default for Sort<Column> {
    /// Soonest to expire first.
    fn default() -> Self {
        Sort {
            column: Column::Expires,
            ascending: true,
        }
    }
}

/// "Expires within" choices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ExpiresWithin {
    #[default]
    Any,
    Hours(i64),
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Filter {
    pub text: String,
    /// Empty = every source.
    pub sources: Vec<SourceKind>,
    /// Empty = every level.
    pub risks: Vec<RiskLevel>,
    pub expires_within: ExpiresWithin,
}

impl Filter {
    pub fn is_active(&self) -> bool {
        !self.text.trim().is_empty() || self.narrowing() > 0
    }

    /// How many of the source, risk and expiry filters narrow the list ("Filters (2 active)").
    pub fn narrowing(&self) -> usize {
        usize::from(!self.sources.is_empty())
            + usize::from(!self.risks.is_empty())
            + usize::from(self.expires_within != ExpiresWithin::Any)
    }

    /// Turns one source on or off.
    pub fn toggle_source(&mut self, kind: SourceKind) {
        toggle(&mut self.sources, kind);
    }

    /// Turns one risk level on or off.
    pub fn toggle_risk(&mut self, level: RiskLevel) {
        toggle(&mut self.risks, level);
    }
}

/// Adds `item` to `list`, or takes it out when it is there.
fn toggle<T: PartialEq>(list: &mut Vec<T>, item: T) {
    match list.iter().position(|x| *x == item) {
        Some(i) => {
            list.remove(i);
        }
        None => list.push(item),
    }
}

/// A request in the queue with what arranging it needs, worked out once when it arrives (not on every
/// keystroke): its risk, the search form of every column, and the lower-cased sort keys.
#[derive(Clone, Debug, PartialEq)]
pub struct QueueEntry {
    pub request: ApprovalRequest,
    pub risk: RiskLevel,
    haystack: String,
    requester: String,
    role: String,
    scope: String,
    justification: String,
    ticket: Option<String>,
}

impl QueueEntry {
    pub fn new(request: ApprovalRequest, risk: &RiskPolicy) -> Self {
        let level = risk.level(&request.role);
        let lower = |s: &str| text::search_form(s);
        QueueEntry {
            haystack: searchable_text(&request, level),
            requester: lower(request.requester.name()),
            role: lower(&request.role.name),
            scope: lower(&request.scope.name),
            justification: lower(request.justification.as_deref().unwrap_or("")),
            ticket: request.ticket.as_ref().map(|t| lower(&t.number)),
            risk: level,
            request,
        }
    }

    /// Does this entry pass every filter at `now`? `needle` is the search text in its search form.
    fn matches(&self, filter: &Filter, needle: &str, now: DateTime<Utc>) -> bool {
        let request = &self.request;
        if !filter.sources.is_empty() && !filter.sources.contains(&request.key.source) {
            return false;
        }
        if !filter.risks.is_empty() && !filter.risks.contains(&self.risk) {
            return false;
        }
        if let ExpiresWithin::Hours(hours) = filter.expires_within {
            let within = Duration::try_hours(hours).unwrap_or(Duration::MAX);
            if expiry::time_left(request.created, now) > within {
                return false;
            }
        }
        needle.is_empty() || self.haystack.contains(needle)
    }
}

/// Every column's text in its search form (lower case, hidden characters removed).
fn searchable_text(request: &ApprovalRequest, level: RiskLevel) -> String {
    let ticket = request
        .ticket
        .as_ref()
        .map(|t| format!("{} {}", t.number, t.system.as_deref().unwrap_or("")))
        .unwrap_or_default();
    let duration = request
        .duration
        .known()
        .map(|d| d.to_string())
        .unwrap_or_default();
    text::searchable(&[
        request.requester.name(),
        request.requester.upn.as_deref().unwrap_or(""),
        &request.role.name,
        &request.scope.name,
        &request.scope.id,
        &duration,
        request.justification.as_deref().unwrap_or(""),
        &ticket,
        request.key.source.label(),
        level.label(),
        &request.key.id,
    ])
}

/// The ascending comparison of one column, on the precomputed keys.
fn compare(a: &QueueEntry, b: &QueueEntry, column: Column) -> Ordering {
    let (x, y) = (&a.request, &b.request);
    match column {
        Column::Requester => a.requester.cmp(&b.requester),
        Column::Role => a.role.cmp(&b.role),
        Column::Scope => a.scope.cmp(&b.scope),
        Column::Duration => x.duration.known().cmp(&y.duration.known()),
        Column::Justification => a.justification.cmp(&b.justification),
        Column::Ticket => a.ticket.cmp(&b.ticket),
        Column::Requested | Column::Expires => x.created.cmp(&y.created),
        Column::Source => x.key.source.cmp(&y.key.source),
        // Ascending risk = most severe first, which is what people mean by "sort by risk".
        Column::Risk => b.risk.cmp(&a.risk),
    }
}

/// The queue's order: the sorted column, then soonest to expire, then id, so it is stable.
pub fn order(a: &QueueEntry, b: &QueueEntry, sort: Sort<Column>) -> Ordering {
    sort.apply(compare(a, b, sort.column))
        .then_with(|| a.request.created.cmp(&b.request.created))
        .then_with(|| a.request.key.cmp(&b.request.key))
}

/// Filters and sorts `entries` (each with its position in the caller's store) and returns the
/// positions in order. Cost: one `contains` per entry on precomputed text, one sort on precomputed keys.
pub fn arrange<'a>(
    entries: impl IntoIterator<Item = (u32, &'a QueueEntry)>,
    filter: &Filter,
    sort: Sort<Column>,
    now: DateTime<Utc>,
) -> Vec<u32> {
    let needle = text::search_form(filter.text.trim());
    let mut rows: Vec<(u32, &QueueEntry)> = entries
        .into_iter()
        .filter(|(_, entry)| entry.matches(filter, &needle, now))
        .collect();
    rows.sort_by(|(_, a), (_, b)| order(a, b, sort));
    rows.into_iter().map(|(position, _)| position).collect()
}

/// Merges the arranged positions of a newly arrived page into those already arranged, both in `sort`
/// order: what was there is neither filtered nor sorted again, so a page costs its own sort plus one
/// linear merge.
pub fn merge_arranged<'a>(
    arranged: &[u32],
    page: &[u32],
    entry: impl Fn(u32) -> &'a QueueEntry,
    sort: Sort<Column>,
) -> Vec<u32> {
    let mut merged = Vec::with_capacity(arranged.len() + page.len());
    let (mut i, mut j) = (0, 0);
    while i < arranged.len() && j < page.len() {
        if order(entry(page[j]), entry(arranged[i]), sort) == Ordering::Less {
            merged.push(page[j]);
            j += 1;
        } else {
            merged.push(arranged[i]);
            i += 1;
        }
    }
    merged.extend_from_slice(&arranged[i..]);
    merged.extend_from_slice(&page[j..]);
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::*;
    use chrono::TimeZone;

    /// Arranges plain requests (entries made on the spot), for tests that are about the order.
    fn arrange(
        requests: &[ApprovalRequest],
        filter: &Filter,
        sort: Sort<Column>,
        risk: &RiskPolicy,
        now: DateTime<Utc>,
    ) -> Vec<ApprovalRequest> {
        let entries: Vec<QueueEntry> = requests
            .iter()
            .map(|r| QueueEntry::new(r.clone(), risk))
            .collect();
        let positions = (0u32..).zip(entries.iter());
        super::arrange(positions, filter, sort, now)
            .into_iter()
            .map(|i| entries[i as usize].request.clone())
            .collect()
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap()
    }

    fn req(
        id: &str,
        source: SourceKind,
        who: &str,
        role: &str,
        minutes_ago: i64,
    ) -> ApprovalRequest {
        ApprovalRequest {
            key: RequestKey::new(source, id),
            requester: Person {
                id: None,
                display_name: Some(who.into()),
                upn: None,
            },
            role: RoleRef {
                id: None,
                name: role.into(),
            },
            scope: ScopeRef {
                id: "/".into(),
                name: "Directory".into(),
            },
            duration: RequestedDuration::Known(IsoDuration::from_hours(1)),
            justification: Some(format!("work for {who}")),
            ..ApprovalRequest::sample(id, now() - Duration::minutes(minutes_ago))
        }
    }

    fn sample() -> Vec<ApprovalRequest> {
        vec![
            req(
                "a",
                SourceKind::EntraRoles,
                "Alex",
                "Helpdesk Administrator",
                60,
            ),
            req("b", SourceKind::AzureResources, "Diego", "Owner", 1400),
            req(
                "c",
                SourceKind::Groups,
                "Lynne",
                "Global Administrator",
                600,
            ),
        ]
    }

    /// The sample's ids in the order `filter` and `sort` arrange them (default risk policy).
    fn sample_order(filter: &Filter, sort: Sort<Column>) -> Vec<String> {
        let rows = arrange(&sample(), filter, sort, &RiskPolicy::default(), now());
        rows.into_iter().map(|r| r.key.id).collect()
    }

    fn ids(rows: &[ApprovalRequest]) -> Vec<&str> {
        rows.iter().map(|r| r.key.id.as_str()).collect()
    }

    #[test]
    fn the_queue_holds_pending_requests_of_others_only() {
        let me = "adele";
        let mine = ApprovalRequest {
            requester: Person {
                id: Some("ADELE".into()),
                ..Person::default()
            },
            ..req("mine", SourceKind::EntraRoles, "Adele", "Owner", 10)
        };
        let decided = ApprovalRequest {
            status: RequestStatus::Approved,
            ..req("decided", SourceKind::Groups, "Alex", "Owner", 10)
        };
        let stale = req("stale", SourceKind::Groups, "Alex", "Owner", 24 * 60);
        let waiting = req("waiting", SourceKind::Groups, "Alex", "Owner", 23 * 60);
        assert!(!belongs_in_queue(&mine, me, now()), "own request");
        assert!(!belongs_in_queue(&decided, me, now()), "no longer pending");
        assert!(
            !belongs_in_queue(&stale, me, now()),
            "past the 24-hour window"
        );
        assert!(belongs_in_queue(&waiting, me, now()));
        let unknown = ApprovalRequest {
            status: RequestStatus::Unknown("PendingReapproval".into()),
            ..req("unknown", SourceKind::EntraRoles, "Alex", "Owner", 10)
        };
        assert!(
            belongs_in_queue(&unknown, me, now()),
            "listed as waiting with a status not known: shown, as unknown"
        );
    }

    #[test]
    fn hostile_values_sort_and_filter_without_panicking() {
        let mut rows = sample();
        rows[0].duration = RequestedDuration::from_iso(Some("P300000Y"));
        rows[1].duration = RequestedDuration::NotSpecified;
        rows[2].created = DateTime::<Utc>::MAX_UTC;
        rows[0].role.name = "Global\u{200B}Administrator".into();
        let risk = RiskPolicy::default();
        let by_duration = Sort::default().toggled(Column::Duration);
        assert_eq!(
            ids(&arrange(
                &rows,
                &Filter::default(),
                by_duration,
                &risk,
                now()
            )),
            ["b", "a", "c"],
            "not specified and unreadable durations sort before known ones"
        );
        let soon = Filter {
            expires_within: ExpiresWithin::Hours(i64::MAX),
            ..Filter::default()
        };
        assert_eq!(
            arrange(&rows, &soon, Sort::default(), &risk, now()).len(),
            3
        );
        let critical = Filter {
            risks: vec![RiskLevel::Critical],
            ..Filter::default()
        };
        assert_eq!(
            ids(&arrange(&rows, &critical, Sort::default(), &risk, now())),
            ["b", "a", "c"],
            "Owner, Global\u{200B}Administrator and Global Administrator"
        );
        let search = Filter {
            text: "globaladmin".into(),
            ..Filter::default()
        };
        assert_eq!(
            ids(&arrange(&rows, &search, Sort::default(), &risk, now())),
            ["a"],
            "hidden characters do not hide a request from search"
        );
    }

    #[test]
    fn default_order_is_soonest_to_expire() {
        assert_eq!(
            sample_order(&Filter::default(), Sort::default()),
            ["b", "c", "a"]
        );
    }

    #[test]
    fn sorts_by_requester_both_ways() {
        let sort = Sort::default().toggled(Column::Requester);
        assert_eq!(sample_order(&Filter::default(), sort), ["a", "b", "c"]);
        assert_eq!(
            sample_order(&Filter::default(), sort.toggled(Column::Requester)),
            ["c", "b", "a"]
        );
    }

    #[test]
    fn risk_sort_puts_critical_first() {
        let sort = Sort::default().toggled(Column::Risk);
        assert_eq!(sample_order(&Filter::default(), sort)[2], "a");
    }

    #[test]
    fn searches_every_column_case_insensitively() {
        let filter = Filter {
            text: "GLOBAL".into(),
            ..Filter::default()
        };
        assert_eq!(sample_order(&filter, Sort::default()), ["c"]);
        let filter = Filter {
            text: "azure".into(),
            ..Filter::default()
        };
        assert_eq!(sample_order(&filter, Sort::default()), ["b"]);
    }

    #[test]
    fn filters_by_source_risk_and_expiry() {
        let risk = RiskPolicy::default();
        let by_source = Filter {
            sources: vec![SourceKind::Groups],
            ..Filter::default()
        };
        assert_eq!(
            ids(&arrange(
                &sample(),
                &by_source,
                Sort::default(),
                &risk,
                now()
            )),
            ["c"]
        );
        let by_risk = Filter {
            risks: vec![RiskLevel::Normal],
            ..Filter::default()
        };
        assert_eq!(
            ids(&arrange(&sample(), &by_risk, Sort::default(), &risk, now())),
            ["a"]
        );
        let soon = Filter {
            expires_within: ExpiresWithin::Hours(1),
            ..Filter::default()
        };
        assert_eq!(
            ids(&arrange(&sample(), &soon, Sort::default(), &risk, now())),
            ["b"]
        );
    }

    #[test]
    fn pages_merged_as_they_arrive_give_the_same_order_as_arranging_everything() {
        let risk = RiskPolicy::default();
        let requests: Vec<ApprovalRequest> = (0..40)
            .map(|i| {
                req(
                    &format!("r{i:02}"),
                    SourceKind::ALL[i % 5],
                    ["Alex", "Diego", "Lynne", "Megan"][i % 4],
                    ["Owner", "Global Administrator", "Reader"][i % 3],
                    ((i * 37) % 1400) as i64,
                )
            })
            .collect();
        let entries: Vec<QueueEntry> = requests
            .iter()
            .map(|r| QueueEntry::new(r.clone(), &risk))
            .collect();
        for sort in [
            Sort::default(),
            Sort::default().toggled(Column::Requester),
            Sort::default().toggled(Column::Risk).toggled(Column::Risk),
        ] {
            let filter = Filter {
                text: "a".into(),
                ..Filter::default()
            };
            let all = super::arrange((0u32..).zip(entries.iter()), &filter, sort, now());
            let mut merged = Vec::new();
            for page in (0u32..40).collect::<Vec<_>>().chunks(7) {
                let page_order = super::arrange(
                    page.iter().map(|&i| (i, &entries[i as usize])),
                    &filter,
                    sort,
                    now(),
                );
                merged = merge_arranged(&merged, &page_order, |i| &entries[i as usize], sort);
            }
            assert_eq!(merged, all, "{sort:?}");
        }
    }
}
