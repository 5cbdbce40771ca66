//! The Approve requests queue: which requests belong in it, sorting by any column, text search over
//! every column, and the source / risk / "expires within" filters.

pub use super::sort::Sort;
use super::sort::SortColumn;
use super::{expiry, text, ApprovalRequest, RequestStatus, RiskLevel, RiskPolicy, SourceKind};
use chrono::{DateTime, Duration, Utc};
use std::cmp::Ordering;

/// Does `request` belong in the queue of approver `me` at `now`? Pending (and not yet past PIM's
/// 24-hour window) and not `me`'s own: approvers never approve their own requests.
pub fn belongs_in_queue(request: &ApprovalRequest, me: &str, now: DateTime<Utc>) -> bool {
    request.effective_status(now) == RequestStatus::Pending && !request.requested_by(me)
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
        !self.text.trim().is_empty()
            || !self.sources.is_empty()
            || !self.risks.is_empty()
            || self.expires_within != ExpiresWithin::Any
    }

    /// Does `row` pass every filter at `now`? `needle` is the search text in its search form.
    fn matches(&self, row: &Row, needle: &str, now: DateTime<Utc>) -> bool {
        let (request, level) = (row.request, row.risk);
        if !self.sources.is_empty() && !self.sources.contains(&request.key.source) {
            return false;
        }
        if !self.risks.is_empty() && !self.risks.contains(&level) {
            return false;
        }
        if let ExpiresWithin::Hours(hours) = self.expires_within {
            let within = Duration::try_hours(hours).unwrap_or(Duration::MAX);
            if expiry::time_left(request.created, now) > within {
                return false;
            }
        }
        needle.is_empty() || searchable_text(request, level).contains(needle)
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

/// A row being arranged, with its risk level worked out once rather than in every comparison (and
/// only when something reads it).
struct Row<'a> {
    request: &'a ApprovalRequest,
    risk: RiskLevel,
}

fn compare(x: &Row, y: &Row, column: Column) -> Ordering {
    let (a, b) = (x.request, y.request);
    let text = |s: &str| s.to_lowercase();
    match column {
        Column::Requester => text(a.requester.name()).cmp(&text(b.requester.name())),
        Column::Role => text(&a.role.name).cmp(&text(&b.role.name)),
        Column::Scope => text(&a.scope.name).cmp(&text(&b.scope.name)),
        Column::Duration => a.duration.known().cmp(&b.duration.known()),
        Column::Justification => text(a.justification.as_deref().unwrap_or(""))
            .cmp(&text(b.justification.as_deref().unwrap_or(""))),
        Column::Ticket => a
            .ticket
            .as_ref()
            .map(|t| t.number.to_lowercase())
            .cmp(&b.ticket.as_ref().map(|t| t.number.to_lowercase())),
        Column::Requested | Column::Expires => a.created.cmp(&b.created),
        Column::Source => a.key.source.cmp(&b.key.source),
        // Ascending risk = most severe first, which is what people mean by "sort by risk".
        Column::Risk => y.risk.cmp(&x.risk),
    }
}

/// Filters and sorts; ties fall back to soonest-to-expire, then id, so the order is stable.
pub fn arrange(
    requests: &[ApprovalRequest],
    filter: &Filter,
    sort: Sort<Column>,
    risk: &RiskPolicy,
    now: DateTime<Utc>,
) -> Vec<ApprovalRequest> {
    let needle = text::search_form(filter.text.trim());
    // Risk is worked out only when the risk filter, the search or the sort reads it.
    let needs_risk = !filter.risks.is_empty() || !needle.is_empty() || sort.column == Column::Risk;
    let mut rows: Vec<Row> = requests
        .iter()
        .map(|request| Row {
            request,
            risk: if needs_risk {
                risk.level(&request.role)
            } else {
                RiskLevel::Normal
            },
        })
        .filter(|row| filter.matches(row, &needle, now))
        .collect();
    rows.sort_by(|x, y| {
        let (a, b) = (x.request, y.request);
        sort.apply(compare(x, y, sort.column))
            .then_with(|| a.created.cmp(&b.created))
            .then_with(|| a.key.cmp(&b.key))
    });
    rows.into_iter().map(|row| row.request.clone()).collect()
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
        let rows = arrange(
            &sample(),
            &Filter::default(),
            Sort::default(),
            &RiskPolicy::default(),
            now(),
        );
        assert_eq!(ids(&rows), ["b", "c", "a"]);
    }

    #[test]
    fn sorts_by_requester_both_ways() {
        let sort = Sort::default().toggled(Column::Requester);
        let rows = arrange(
            &sample(),
            &Filter::default(),
            sort,
            &RiskPolicy::default(),
            now(),
        );
        assert_eq!(ids(&rows), ["a", "b", "c"]);
        let rows = arrange(
            &sample(),
            &Filter::default(),
            sort.toggled(Column::Requester),
            &RiskPolicy::default(),
            now(),
        );
        assert_eq!(ids(&rows), ["c", "b", "a"]);
    }

    #[test]
    fn risk_sort_puts_critical_first() {
        let sort = Sort::default().toggled(Column::Risk);
        let rows = arrange(
            &sample(),
            &Filter::default(),
            sort,
            &RiskPolicy::default(),
            now(),
        );
        assert_eq!(ids(&rows)[2], "a");
    }

    #[test]
    fn searches_every_column_case_insensitively() {
        let filter = Filter {
            text: "GLOBAL".into(),
            ..Filter::default()
        };
        let rows = arrange(
            &sample(),
            &filter,
            Sort::default(),
            &RiskPolicy::default(),
            now(),
        );
        assert_eq!(ids(&rows), ["c"]);
        let filter = Filter {
            text: "azure".into(),
            ..Filter::default()
        };
        assert_eq!(
            ids(&arrange(
                &sample(),
                &filter,
                Sort::default(),
                &RiskPolicy::default(),
                now()
            )),
            ["b"]
        );
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
}
