//! History views: the request overview (Pending, Approved 7 days, Denied 7 days, Expired), the
//! "Requests I Approved" rows with their search and sort, and their date ranges.

use super::sort::{Sort, SortColumn};
use super::time::{days, earlier, later};
use super::{text, ApprovalRequest, Decision, RequestStatus};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use std::cmp::Ordering;

/// How far back the overview looks, as in the seed ("Approved (7 days)").
pub const OVERVIEW_WINDOW: Duration = Duration::days(7);

/// How far a service's clock may run ahead of the browser's and still count as "now".
pub const CLOCK_SKEW: Duration = Duration::minutes(5);

/// How long PIM keeps request history (audit retention).
pub const PIM_RETENTION_DAYS: i64 = 30;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Bucket {
    Pending,
    Approved,
    Denied,
    Expired,
}

impl Bucket {
    pub const ALL: [Bucket; 4] = [
        Bucket::Pending,
        Bucket::Approved,
        Bucket::Denied,
        Bucket::Expired,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Bucket::Pending => "Pending approval",
            Bucket::Approved => "Approved (7 days)",
            Bucket::Denied => "Denied (7 days)",
            Bucket::Expired => "Expired (7 days)",
        }
    }

    pub fn slug(self) -> &'static str {
        match self {
            Bucket::Pending => "pending",
            Bucket::Approved => "approved",
            Bucket::Denied => "denied",
            Bucket::Expired => "expired",
        }
    }
}

/// When a request left "pending": the review time, else the service's completion time, else (for
/// expiry) the end of the 24-hour window.
pub fn settled_at(request: &ApprovalRequest) -> Option<DateTime<Utc>> {
    match request.status {
        RequestStatus::Pending => None,
        RequestStatus::Expired => Some(request.expires_at()),
        _ => request
            .review
            .as_ref()
            .and_then(|r| r.at)
            .or(request.completed),
    }
}

/// Is the request counted in `bucket` at `now`?
pub fn in_bucket(request: &ApprovalRequest, bucket: Bucket, now: DateTime<Utc>) -> bool {
    let status = request.effective_status(now);
    let recent = || {
        let at = if status == RequestStatus::Expired {
            Some(request.expires_at())
        } else {
            settled_at(request)
        };
        // No upper bound: a decision stamped by a service clock running ahead of ours still counts.
        at.is_some_and(|at| at > earlier(now, OVERVIEW_WINDOW))
    };
    match bucket {
        Bucket::Pending => status == RequestStatus::Pending,
        Bucket::Approved => status == RequestStatus::Approved && recent(),
        Bucket::Denied => status == RequestStatus::Denied && recent(),
        Bucket::Expired => status == RequestStatus::Expired && recent(),
    }
}

/// Counts per bucket over every request the approver can see, without double counting a request
/// that appears in both the pending list and the history.
pub fn overview(requests: &[ApprovalRequest], now: DateTime<Utc>) -> [(Bucket, usize); 4] {
    let unique = unique_by_key(requests);
    Bucket::ALL.map(|bucket| {
        (
            bucket,
            unique.iter().filter(|r| in_bucket(r, bucket, now)).count(),
        )
    })
}

/// The overview of the queue page: Pending is the queue's own count (`pending`, kept by the queue as
/// requests arrive and leave, so the queue is neither copied nor scanned), the other buckets come from
/// the history.
pub fn overview_beside_queue(
    history: &[ApprovalRequest],
    pending: usize,
    now: DateTime<Utc>,
) -> [(Bucket, usize); 4] {
    overview(history, now).map(|(bucket, count)| match bucket {
        Bucket::Pending => (bucket, pending),
        _ => (bucket, count),
    })
}

/// Keeps the first copy of each request (callers put the freshest list first).
pub fn unique_by_key(requests: &[ApprovalRequest]) -> Vec<ApprovalRequest> {
    let mut seen = std::collections::HashSet::new();
    requests
        .iter()
        .filter(|r| seen.insert(r.key.clone()))
        .cloned()
        .collect()
}

/// A date range for "Requests I Approved".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateRange {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl DateRange {
    /// The last `days` days up to now, plus [`CLOCK_SKEW`]: a decision just made is stamped by the
    /// service's clock, which may run ahead of the browser's (and the page's clock ticks once a second).
    pub fn last_days(count: i64, now: DateTime<Utc>) -> Self {
        DateRange {
            from: earlier(now, days(count)),
            to: later(now, CLOCK_SKEW),
        }
    }

    /// From the start of day `first` to the end of day `last` (UTC), as a custom range picks them.
    pub fn whole_days(first: NaiveDate, last: NaiveDate) -> Self {
        let end_of_day = NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN);
        DateRange {
            from: first.and_time(NaiveTime::MIN).and_utc(),
            to: last.and_time(end_of_day).and_utc(),
        }
    }

    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        at >= self.from && at <= self.to
    }

    /// A range reaching further back than the services keep history.
    pub fn exceeds_retention(&self, now: DateTime<Utc>) -> bool {
        self.from < earlier(now, days(PIM_RETENTION_DAYS))
    }
}

/// One row of "Requests I Approved".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MyDecision {
    pub request: ApprovalRequest,
    pub decision: Decision,
    pub at: Option<DateTime<Utc>>,
    pub justification: Option<String>,
}

impl MyDecision {
    /// What became of the request (a decision can be overtaken, e.g. by a cancel).
    pub fn outcome(&self) -> std::borrow::Cow<'_, str> {
        self.request.status.label()
    }
}

/// The requests whose deciding review was made by `me`, within `range`, newest first.
pub fn decisions_by(requests: &[ApprovalRequest], me: &str, range: &DateRange) -> Vec<MyDecision> {
    let mut rows: Vec<MyDecision> = unique_by_key(requests)
        .into_iter()
        .filter_map(|request| {
            let review = request.review.clone().filter(|r| r.by.is(me))?;
            let at = review.at.or(request.completed);
            if !at.is_some_and(|at| range.contains(at)) {
                return None;
            }
            Some(MyDecision {
                decision: review.decision,
                at,
                justification: review.justification,
                request,
            })
        })
        .collect();
    rows.sort_by(newest_first);
    rows
}

fn newest_first(a: &MyDecision, b: &MyDecision) -> Ordering {
    b.at.cmp(&a.at)
        .then_with(|| a.request.key.cmp(&b.request.key))
}

/// The sortable columns of "Requests I Approved".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DecisionColumn {
    Decided,
    Decision,
    Requester,
    Role,
    Source,
}

impl DecisionColumn {
    pub const ALL: [DecisionColumn; 5] = [
        DecisionColumn::Decided,
        DecisionColumn::Decision,
        DecisionColumn::Requester,
        DecisionColumn::Role,
        DecisionColumn::Source,
    ];
}

impl SortColumn for DecisionColumn {
    fn label(self) -> &'static str {
        match self {
            DecisionColumn::Decided => "Decided",
            DecisionColumn::Decision => "Decision",
            DecisionColumn::Requester => "Requestor",
            DecisionColumn::Role => "Role",
            DecisionColumn::Source => "Source",
        }
    }
}

impl Default for Sort<DecisionColumn> {
    /// Newest decision first.
    fn default() -> Self {
        Sort {
            column: DecisionColumn::Decided,
            ascending: false,
        }
    }
}

impl MyDecision {
    /// Does any shown field contain `needle` (already in its [`text::search_form`])?
    fn matches(&self, needle: &str) -> bool {
        let r = &self.request;
        text::searchable(&[
            r.requester.name(),
            r.requester.upn.as_deref().unwrap_or(""),
            &r.role.name,
            &r.scope.name,
            self.justification.as_deref().unwrap_or(""),
            self.decision.past_tense(),
            &self.outcome(),
            r.key.source.label(),
        ])
        .contains(needle)
    }
}

/// Ascending order of two rows by `column`: decision times as instants (undated first), names
/// ignoring case, sources by the name shown.
fn compare_decisions(a: &MyDecision, b: &MyDecision, column: DecisionColumn) -> Ordering {
    let lower = |s: &str| s.to_lowercase();
    match column {
        DecisionColumn::Decided => a.at.cmp(&b.at),
        DecisionColumn::Decision => a.decision.past_tense().cmp(b.decision.past_tense()),
        DecisionColumn::Requester => {
            lower(a.request.requester.name()).cmp(&lower(b.request.requester.name()))
        }
        DecisionColumn::Role => lower(&a.request.role.name).cmp(&lower(&b.request.role.name)),
        DecisionColumn::Source => a
            .request
            .key
            .source
            .label()
            .cmp(b.request.key.source.label()),
    }
}

/// The rows whose fields contain `search` (case and hidden characters ignored), in `sort`'s order;
/// ties newest first, then by request.
pub fn search_and_sort(
    rows: Vec<MyDecision>,
    search: &str,
    sort: Sort<DecisionColumn>,
) -> Vec<MyDecision> {
    let needle = text::search_form(search.trim());
    let mut rows: Vec<MyDecision> = rows
        .into_iter()
        .filter(|row| needle.is_empty() || row.matches(&needle))
        .collect();
    rows.sort_by(|a, b| {
        sort.apply(compare_decisions(a, b, sort.column))
            .then_with(|| newest_first(a, b))
    });
    rows
}

#[cfg(test)]
mod decision_table_tests {
    use super::*;
    use crate::domain::*;
    use chrono::TimeZone;

    fn decided(id: &str, who: &str, role: &str, decision: Decision, at: Option<i64>) -> MyDecision {
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap();
        MyDecision {
            request: ApprovalRequest {
                requester: Person {
                    display_name: Some(who.into()),
                    upn: Some(format!("{}@contoso.example", who.to_lowercase())),
                    ..Person::default()
                },
                role: RoleRef {
                    id: None,
                    name: role.into(),
                },
                status: RequestStatus::Approved,
                ..ApprovalRequest::sample(id, now)
            },
            decision,
            at: at.map(|minutes| now + Duration::minutes(minutes)),
            justification: Some(format!("checked {id} on the bridge")),
        }
    }

    fn rows() -> Vec<MyDecision> {
        vec![
            decided("a", "alex", "Owner", Decision::Approve, Some(5)),
            decided("b", "Megan", "Reader", Decision::Deny, Some(-600)),
            decided("c", "Diego", "owner", Decision::Approve, None),
            decided(
                "d",
                "Zoë",
                "Global\u{200B}Administrator",
                Decision::Approve,
                Some(-1),
            ),
        ]
    }

    fn ids(rows: &[MyDecision]) -> Vec<String> {
        rows.iter().map(|r| r.request.key.id.clone()).collect()
    }

    fn sorted(column: DecisionColumn, ascending: bool) -> Vec<String> {
        ids(&search_and_sort(rows(), "", Sort { column, ascending }))
    }

    fn found(search: &str) -> Vec<String> {
        ids(&search_and_sort(rows(), search, Sort::default()))
    }

    #[test]
    fn default_order_is_newest_decision_first() {
        assert_eq!(found(""), ["a", "d", "b", "c"], "undated last");
    }

    #[test]
    fn sorts_every_column_both_ways() {
        use DecisionColumn::*;
        assert_eq!(sorted(Decided, true), ["c", "b", "d", "a"]);
        assert_eq!(sorted(Decision, true), ["a", "d", "c", "b"]);
        assert_eq!(
            sorted(Decision, false),
            ["b", "a", "d", "c"],
            "ties newest first"
        );
        assert_eq!(
            sorted(Requester, true),
            ["a", "c", "b", "d"],
            "case ignored"
        );
        assert_eq!(sorted(Requester, false), ["d", "b", "c", "a"]);
        assert_eq!(sorted(Role, true), ["d", "a", "c", "b"]);
        assert_eq!(sorted(Source, true), ["a", "d", "b", "c"]);
    }

    #[test]
    fn decision_times_compare_as_instants_not_text() {
        // As text, 20:00+14:00 sorts after 07:00Z; as instants it is an hour earlier.
        let early = "2026-11-22T20:00:00+14:00";
        let late = "2026-11-22T07:00:00Z";
        assert!(early > late);
        let mut rows = rows();
        rows[0].at = crate::domain::time::parse_instant(early);
        rows[1].at = crate::domain::time::parse_instant(late);
        let newest = search_and_sort(rows, "", Sort::default());
        assert_eq!(ids(&newest)[..2], ["d", "b"]);
    }

    #[test]
    fn searches_every_shown_field() {
        assert_eq!(found("  "), ["a", "d", "b", "c"]);
        assert_eq!(found("MEGAN"), ["b"]);
        assert_eq!(found("diego@contoso"), ["c"], "the UPN");
        assert_eq!(found("denied"), ["b"], "the decision");
        assert_eq!(found("checked d on the bridge"), ["d"], "the justification");
        assert_eq!(
            found("globaladministrator"),
            ["d"],
            "hidden characters ignored"
        );
        assert_eq!(found("entra roles").len(), 4, "the source");
        assert_eq!(found("approved").len(), 4, "decision or outcome");
        assert!(found("nothing like this").is_empty());
    }

    #[test]
    fn custom_ranges_cover_whole_days() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        let range = DateRange::whole_days(day(20), day(22));
        assert!(range.contains(Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap()));
        assert!(range.contains(Utc.with_ymd_and_hms(2026, 11, 22, 23, 59, 59).unwrap()));
        assert!(!range.contains(Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap()));
        let hostile = DateRange::last_days(i64::MAX, DateTime::<Utc>::MAX_UTC);
        assert_eq!(hostile.from, DateTime::<Utc>::MIN_UTC);
        assert_eq!(hostile.to, DateTime::<Utc>::MAX_UTC);
    }
}

/// The CSV export of "Requests I Approved": header and one row per decision (times in UTC, ISO 8601).
pub const CSV_HEADER: [&str; 11] = [
    "Decided at (UTC)",
    "Decision",
    "Requestor",
    "Requestor UPN",
    "Role",
    "Scope",
    "Duration",
    "My justification",
    "Outcome",
    "Source",
    "Request id",
];

pub fn csv_rows(rows: &[MyDecision]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|row| {
            let r = &row.request;
            vec![
                row.at
                    .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                    .unwrap_or_default(),
                row.decision.past_tense().to_string(),
                r.requester.name().to_string(),
                r.requester.upn.clone().unwrap_or_default(),
                r.role.name.clone(),
                r.scope.name.clone(),
                r.duration.to_string(),
                row.justification.clone().unwrap_or_default(),
                row.outcome().to_string(),
                r.key.source.label().to_string(),
                r.key.id.clone(),
            ]
        })
        .collect()
}

pub fn csv_export(rows: &[MyDecision]) -> String {
    super::csv::document(&CSV_HEADER, &csv_rows(rows))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap()
    }

    fn req(
        id: &str,
        status: RequestStatus,
        created_hours_ago: i64,
        review: Option<(Decision, &str, i64)>,
    ) -> ApprovalRequest {
        let created = now() - Duration::hours(created_hours_ago);
        ApprovalRequest {
            status,
            duration: RequestedDuration::Known(IsoDuration::from_hours(2)),
            review: review.map(|(decision, by, after_hours)| Review {
                decision,
                by: Person {
                    id: Some(by.into()),
                    ..Person::default()
                },
                at: Some(created + Duration::hours(after_hours)),
                justification: Some("ok".into()),
            }),
            ..ApprovalRequest::sample(id, created)
        }
    }

    #[test]
    fn overview_counts_each_bucket_once() {
        let requests = vec![
            req("p1", RequestStatus::Pending, 1, None),
            req("p1", RequestStatus::Pending, 1, None),
            req("stale", RequestStatus::Pending, 30, None),
            req(
                "a1",
                RequestStatus::Approved,
                48,
                Some((Decision::Approve, "me", 1)),
            ),
            req(
                "a-old",
                RequestStatus::Approved,
                24 * 9,
                Some((Decision::Approve, "me", 1)),
            ),
            req(
                "d1",
                RequestStatus::Denied,
                5,
                Some((Decision::Deny, "other", 1)),
            ),
            req("e1", RequestStatus::Expired, 72, None),
        ];
        let counts = overview(&requests, now());
        assert_eq!(
            counts,
            [
                (Bucket::Pending, 1),
                (Bucket::Approved, 1),
                (Bucket::Denied, 1),
                (Bucket::Expired, 2)
            ]
        );
    }

    #[test]
    fn beside_the_queue_pending_is_the_queue_count() {
        let history = vec![
            req("p1", RequestStatus::Pending, 1, None),
            req(
                "d1",
                RequestStatus::Denied,
                5,
                Some((Decision::Deny, "other", 1)),
            ),
        ];
        let counts = overview_beside_queue(&history, 27, now());
        assert_eq!(counts[0], (Bucket::Pending, 27));
        assert_eq!(counts[2], (Bucket::Denied, 1));
    }

    #[test]
    fn my_decisions_only_and_in_range() {
        let requests = vec![
            req(
                "a1",
                RequestStatus::Approved,
                48,
                Some((Decision::Approve, "me", 1)),
            ),
            req(
                "d1",
                RequestStatus::Denied,
                5,
                Some((Decision::Deny, "other", 1)),
            ),
            req(
                "old",
                RequestStatus::Approved,
                24 * 40,
                Some((Decision::Approve, "me", 1)),
            ),
            req(
                "d2",
                RequestStatus::Denied,
                3,
                Some((Decision::Deny, "ME", 1)),
            ),
        ];
        let rows = decisions_by(&requests, "me", &DateRange::last_days(7, now()));
        let just_now = req(
            "now",
            RequestStatus::Approved,
            0,
            Some((Decision::Approve, "me", 0)),
        );
        let ahead = ApprovalRequest {
            review: just_now.review.clone().map(|r| Review {
                at: Some(now() + Duration::seconds(30)),
                ..r
            }),
            ..just_now
        };
        assert_eq!(
            decisions_by(
                std::slice::from_ref(&ahead),
                "me",
                &DateRange::last_days(7, now())
            )
            .len(),
            1,
            "a service clock 30 s ahead still counts"
        );
        assert!(in_bucket(&ahead, Bucket::Approved, now()));
        let ids: Vec<_> = rows.iter().map(|r| r.request.key.id.as_str()).collect();
        assert_eq!(ids, ["d2", "a1"]);
        assert_eq!(rows[0].decision, Decision::Deny);
        assert!(DateRange::last_days(31, now()).exceeds_retention(now()));
        let csv = csv_export(&rows);
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert!(lines[0].starts_with("Decided at (UTC),Decision,Requestor"));
        assert!(lines[1].contains(",Denied,"), "{}", lines[1]);
        assert_eq!(lines.len(), 4, "header, two rows, trailing empty");
        assert!(!DateRange::last_days(30, now()).exceeds_retention(now()));
    }
}

/// Whether `request` belongs in the history of the approver `me` for `range`: it left "pending", it is
/// not `me`'s own request, and it was made no earlier than one approval window before the range starts
/// (a decision can only happen within [`APPROVAL_WINDOW`](super::expiry::APPROVAL_WINDOW) of creation)
/// and no later than the range ends.
pub fn in_approver_history(request: &ApprovalRequest, me: &str, range: &DateRange) -> bool {
    let window_closes = request
        .created
        .checked_add_signed(super::expiry::APPROVAL_WINDOW)
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    !request.is_pending()
        && !request.requested_by(me)
        && window_closes >= range.from
        && request.created <= range.to
}

#[cfg(test)]
mod approver_history_tests {
    use super::*;
    use crate::domain::Person;
    use chrono::TimeZone;

    fn range() -> DateRange {
        DateRange {
            from: Utc.with_ymd_and_hms(2026, 11, 15, 12, 0, 0).unwrap(),
            to: Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap(),
        }
    }

    fn settled(created: DateTime<Utc>) -> ApprovalRequest {
        ApprovalRequest {
            status: RequestStatus::Approved,
            requester: Person {
                id: Some("requester".into()),
                ..Person::default()
            },
            ..ApprovalRequest::sample("r", created)
        }
    }

    #[test]
    fn a_request_made_up_to_one_window_before_the_range_may_hold_a_decision_in_it() {
        let from = range().from;
        assert!(in_approver_history(
            &settled(from - Duration::hours(24)),
            "me",
            &range()
        ));
        assert!(!in_approver_history(
            &settled(from - Duration::hours(24) - Duration::seconds(1)),
            "me",
            &range()
        ));
        assert!(in_approver_history(&settled(range().to), "me", &range()));
        assert!(!in_approver_history(
            &settled(range().to + Duration::seconds(1)),
            "me",
            &range()
        ));
    }

    #[test]
    fn pending_and_own_requests_are_not_history() {
        let inside = range().from + Duration::days(1);
        let pending = ApprovalRequest {
            status: RequestStatus::Pending,
            ..settled(inside)
        };
        assert!(!in_approver_history(&pending, "me", &range()));
        assert!(!in_approver_history(
            &settled(inside),
            "REQUESTER",
            &range()
        ));
        assert!(in_approver_history(&settled(inside), "me", &range()));
    }

    #[test]
    fn the_last_representable_time_does_not_overflow() {
        let far = settled(DateTime::<Utc>::MAX_UTC);
        assert!(!in_approver_history(&far, "me", &range()));
    }
}
