//! The Approve requests queue: sorting by any column, text search over every column, and the
//! source / risk / "expires within" filters.

use super::{expiry, ApprovalRequest, RiskLevel, RiskPolicy, SourceKind};
use chrono::{DateTime, Duration, Utc};
use std::cmp::Ordering;

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

    pub fn label(self) -> &'static str {
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sort {
    pub column: Column,
    pub ascending: bool,
}

impl Default for Sort {
    /// Soonest to expire first.
    fn default() -> Self {
        Sort {
            column: Column::Expires,
            ascending: true,
        }
    }
}

impl Sort {
    /// Clicking a header: the same column flips direction, a new one starts ascending
    /// (for risk, ascending means most severe first).
    pub fn toggled(self, column: Column) -> Sort {
        Sort {
            column,
            ascending: self.column != column || !self.ascending,
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

    pub fn matches(
        &self,
        request: &ApprovalRequest,
        risk: &RiskPolicy,
        now: DateTime<Utc>,
    ) -> bool {
        if !self.sources.is_empty() && !self.sources.contains(&request.key.source) {
            return false;
        }
        if !self.risks.is_empty() && !self.risks.contains(&risk.level(&request.role)) {
            return false;
        }
        if let ExpiresWithin::Hours(hours) = self.expires_within {
            if expiry::time_left(request.created, now) > Duration::hours(hours) {
                return false;
            }
        }
        let needle = self.text.trim().to_lowercase();
        needle.is_empty() || searchable_text(request, risk).contains(&needle)
    }
}

/// Every column's text, lower-cased, for the search box.
fn searchable_text(request: &ApprovalRequest, risk: &RiskPolicy) -> String {
    let ticket = request
        .ticket
        .as_ref()
        .map(|t| format!("{} {}", t.number, t.system.as_deref().unwrap_or("")))
        .unwrap_or_default();
    [
        request.requester.name(),
        request.requester.upn.as_deref().unwrap_or(""),
        &request.role.name,
        &request.scope.name,
        &request.scope.id,
        &request.duration.map(|d| d.to_string()).unwrap_or_default(),
        request.justification.as_deref().unwrap_or(""),
        &ticket,
        request.key.source.label(),
        risk.level(&request.role).label(),
        &request.key.id,
    ]
    .join("\u{1f}")
    .to_lowercase()
}

fn compare(
    a: &ApprovalRequest,
    b: &ApprovalRequest,
    column: Column,
    risk: &RiskPolicy,
) -> Ordering {
    let text = |s: &str| s.to_lowercase();
    match column {
        Column::Requester => text(a.requester.name()).cmp(&text(b.requester.name())),
        Column::Role => text(&a.role.name).cmp(&text(&b.role.name)),
        Column::Scope => text(&a.scope.name).cmp(&text(&b.scope.name)),
        Column::Duration => a.duration.cmp(&b.duration),
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
        Column::Risk => risk.level(&b.role).cmp(&risk.level(&a.role)),
    }
}

/// Filters and sorts; ties fall back to soonest-to-expire, then id, so the order is stable.
pub fn arrange(
    requests: &[ApprovalRequest],
    filter: &Filter,
    sort: Sort,
    risk: &RiskPolicy,
    now: DateTime<Utc>,
) -> Vec<ApprovalRequest> {
    let mut rows: Vec<ApprovalRequest> = requests
        .iter()
        .filter(|r| filter.matches(r, risk, now))
        .cloned()
        .collect();
    rows.sort_by(|a, b| {
        let primary = compare(a, b, sort.column, risk);
        let primary = if sort.ascending {
            primary
        } else {
            primary.reverse()
        };
        primary
            .then_with(|| a.created.cmp(&b.created))
            .then_with(|| a.key.cmp(&b.key))
    });
    rows
}

/// Whether a request the service listed for the approver `me` belongs in their queue at `now`: still
/// pending (PIM's 24-hour window not over) and not their own request (PIM refuses those anyway).
pub fn belongs_in_queue(request: &ApprovalRequest, me: &str, now: DateTime<Utc>) -> bool {
    request.effective_status(now) == super::RequestStatus::Pending && !request.requested_by(me)
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
            duration: Some(IsoDuration::from_hours(1)),
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
