//! The one request model every source maps into: who asks for which role, where, for how long, why,
//! its status in the seed's words, and the approval stages with their decisions.

use super::RequestedDuration;
use chrono::{DateTime, Utc};
use std::borrow::Cow;
use std::fmt;

/// The five services PIM Approvals reads requests from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SourceKind {
    EntraRoles,
    Groups,
    AzureResources,
    MimPam,
    PortalApi,
}

impl SourceKind {
    pub const ALL: [SourceKind; 5] = [
        SourceKind::EntraRoles,
        SourceKind::Groups,
        SourceKind::AzureResources,
        SourceKind::MimPam,
        SourceKind::PortalApi,
    ];

    /// The name used in `config.json` (`sources`).
    pub fn config_key(self) -> &'static str {
        match self {
            SourceKind::EntraRoles => "entraRoles",
            SourceKind::Groups => "groups",
            SourceKind::AzureResources => "azureResources",
            SourceKind::MimPam => "mimPam",
            SourceKind::PortalApi => "portalApi",
        }
    }

    /// The path segment in `/requests/{source}/{id}`.
    pub fn slug(self) -> &'static str {
        match self {
            SourceKind::EntraRoles => "entra-roles",
            SourceKind::Groups => "groups",
            SourceKind::AzureResources => "azure-resources",
            SourceKind::MimPam => "mim-pam",
            SourceKind::PortalApi => "portal",
        }
    }

    /// What people call the source.
    pub fn label(self) -> &'static str {
        match self {
            SourceKind::EntraRoles => "Entra roles",
            SourceKind::Groups => "PIM for Groups",
            SourceKind::AzureResources => "Azure resources",
            SourceKind::MimPam => "MIM PAM",
            SourceKind::PortalApi => "Admin portal",
        }
    }

    pub fn from_config_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.config_key() == key)
    }

    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.slug() == slug)
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Identifies a request across sources: the deep-link `/requests/{source}/{id}`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RequestKey {
    pub source: SourceKind,
    pub id: String,
}

impl RequestKey {
    pub fn new(source: SourceKind, id: impl Into<String>) -> Self {
        Self {
            source,
            id: id.into(),
        }
    }

    /// The app-relative route of the request's detail page (the id is percent-encoded).
    pub fn route(&self) -> String {
        format!(
            "/requests/{}/{}",
            self.source.slug(),
            encode_path_segment(&self.id)
        )
    }
}

/// A GUID in its canonical form (`8-4-4-4-12` hex digits), such as a client id or a MIM PAM object id.
pub fn is_guid(text: &str) -> bool {
    let mut groups = text.split('-');
    let well_formed = [8, 4, 4, 4, 12].into_iter().all(|len| {
        groups
            .next()
            .is_some_and(|g| g.len() == len && g.bytes().all(|b| b.is_ascii_hexdigit()))
    });
    well_formed && groups.next().is_none()
}

/// Percent-encodes everything but unreserved characters, so an id can never change the route.
pub fn encode_path_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// How a value the service sent but this app does not know is shown: as unknown, with the service's
/// own word (its hidden characters removed: it is another party's text).
fn unknown_label(raw: &str) -> Cow<'static, str> {
    format!("Unknown ({})", super::text::without_hidden(raw)).into()
}

/// What the requester asked PIM to do. Only activations can be decided through the APIs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RequestAction {
    Activate,
    Extend,
    Renew,
    /// A value this app does not know, kept exactly as the service sent it.
    Unknown(String),
}

impl RequestAction {
    /// Graph and ARM disagree on case (`SelfActivate` vs `selfActivate`); compare case-insensitively.
    pub fn parse(raw: &str) -> Self {
        match raw.to_ascii_lowercase().as_str() {
            "selfactivate" | "activate" => RequestAction::Activate,
            "selfextend" | "extend" => RequestAction::Extend,
            "selfrenew" | "renew" => RequestAction::Renew,
            _ => RequestAction::Unknown(raw.to_string()),
        }
    }

    /// What people call it; a value this app does not know is shown as such, with the service's word.
    pub fn label(&self) -> Cow<'_, str> {
        match self {
            RequestAction::Activate => "Activation".into(),
            RequestAction::Extend => "Extension".into(),
            RequestAction::Renew => "Renewal".into(),
            RequestAction::Unknown(raw) => unknown_label(raw),
        }
    }

    /// Does this action need pointing out in a list (an extension, a renewal, or one not known)?
    pub fn is_unusual(&self) -> bool {
        !matches!(self, RequestAction::Activate)
    }

    pub fn is_extend_or_renew(&self) -> bool {
        matches!(self, RequestAction::Extend | RequestAction::Renew)
    }
}

/// A request's status in the seed's words. `Unknown` keeps a value we do not know, exactly as it came.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RequestStatus {
    Pending,
    Approved,
    Denied,
    Expired,
    Canceled,
    /// A value this app does not know, kept exactly as the service sent it.
    Unknown(String),
}

impl RequestStatus {
    /// Maps every documented status value of Graph (`request.status`), ARM, MIM PAM and the portal.
    pub fn from_service(raw: &str) -> Self {
        match raw.to_ascii_lowercase().as_str() {
            "pendingapproval" | "pendingadmindecision" | "pending" | "pendingevaluation" => {
                RequestStatus::Pending
            }
            "granted"
            | "provisioned"
            | "pendingprovisioning"
            | "pendingschedulecreation"
            | "schedulecreated"
            | "adminapproved"
            | "accepted"
            | "pendingapprovalprovisioning"
            | "provisioningstarted"
            | "pendingexternalprovisioning"
            | "approved"
            | "active" => RequestStatus::Approved,
            "denied" | "admindenied" | "rejected" => RequestStatus::Denied,
            "timedout" | "expired" => RequestStatus::Expired,
            "canceled" | "cancelled" | "closed" | "revoked" => RequestStatus::Canceled,
            _ => RequestStatus::Unknown(raw.to_string()),
        }
    }

    /// What people call it; a value this app does not know is shown as such, with the service's word.
    pub fn label(&self) -> Cow<'_, str> {
        match self {
            RequestStatus::Pending => "Pending".into(),
            RequestStatus::Approved => "Approved".into(),
            RequestStatus::Denied => "Denied".into(),
            RequestStatus::Expired => "Expired".into(),
            RequestStatus::Canceled => "Canceled".into(),
            RequestStatus::Unknown(raw) => unknown_label(raw),
        }
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, RequestStatus::Unknown(_))
    }

    /// A CSS-friendly name; unknown values share one class.
    pub fn css_class(&self) -> &'static str {
        match self {
            RequestStatus::Pending => "pending",
            RequestStatus::Approved => "approved",
            RequestStatus::Denied => "denied",
            RequestStatus::Expired => "expired",
            RequestStatus::Canceled => "canceled",
            RequestStatus::Unknown(_) => "unknown",
        }
    }
}

/// A person (or service principal) as far as the service told us.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Person {
    pub id: Option<String>,
    pub display_name: Option<String>,
    pub upn: Option<String>,
}

impl Person {
    /// The best name to show: display name, else UPN, else the object id, else "Unknown". A display
    /// name of nothing but spaces and hidden characters counts as none.
    pub fn name(&self) -> &str {
        self.display_name
            .as_deref()
            .filter(|s| !super::text::is_blank(s))
            .or(self.upn.as_deref())
            .or(self.id.as_deref())
            .unwrap_or("Unknown")
    }

    pub fn is(&self, object_id: &str) -> bool {
        self.id
            .as_deref()
            .is_some_and(|id| id.eq_ignore_ascii_case(object_id))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ticket {
    pub number: String,
    pub system: Option<String>,
}

impl Ticket {
    /// Graph sends `{ "ticketNumber": null, "ticketSystem": null }` for "no ticket".
    pub fn from_parts(number: Option<String>, system: Option<String>) -> Option<Self> {
        let number = number.filter(|n| !n.trim().is_empty())?;
        Some(Ticket {
            number,
            system: system.filter(|s| !s.trim().is_empty()),
        })
    }
}

/// The role being requested: its stable id (role template id, ARM role definition GUID) and name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoleRef {
    pub id: Option<String>,
    pub name: String,
}

/// Where the role applies (`/` = directory-wide, or an ARM scope, or a group).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScopeRef {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Decision {
    Approve,
    Deny,
}

impl Decision {
    /// The write value Graph, ARM and the portal accept.
    pub fn api_value(self) -> &'static str {
        match self {
            Decision::Approve => "Approve",
            Decision::Deny => "Deny",
        }
    }

    pub fn verb(self) -> &'static str {
        match self {
            Decision::Approve => "Approve",
            Decision::Deny => "Deny",
        }
    }

    pub fn past_tense(self) -> &'static str {
        match self {
            Decision::Approve => "Approved",
            Decision::Deny => "Denied",
        }
    }

    /// Read values differ per service: Graph `Approved`/`Denied`, ARM `Approve`/`Deny`.
    pub fn from_review_result(raw: &str) -> Option<Self> {
        match raw.to_ascii_lowercase().as_str() {
            "approve" | "approved" => Some(Decision::Approve),
            "deny" | "denied" | "reject" | "rejected" => Some(Decision::Deny),
            _ => None,
        }
    }
}

/// One approval stage (Graph "step"/"stage", ARM "stage") and what happened to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stage {
    pub id: String,
    pub name: Option<String>,
    pub status: StageStatus,
    pub assigned_to_me: bool,
    pub review: Option<Review>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StageStatus {
    InProgress,
    Completed,
    Expired,
    NotStarted,
    /// A value this app does not know, kept exactly as the service sent it.
    Unknown(String),
}

impl StageStatus {
    pub fn parse(raw: &str) -> Self {
        match raw.to_ascii_lowercase().as_str() {
            "inprogress" => StageStatus::InProgress,
            "completed" | "completing" => StageStatus::Completed,
            "expired" => StageStatus::Expired,
            "notstarted" | "initializing" => StageStatus::NotStarted,
            _ => StageStatus::Unknown(raw.to_string()),
        }
    }
}

/// A decision someone made on a stage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Review {
    pub decision: Decision,
    pub by: Person,
    pub at: Option<DateTime<Utc>>,
    pub justification: Option<String>,
}

impl Stage {
    /// PIM's "decide this one" step: assigned to me, in progress, not yet reviewed.
    pub fn is_mine_to_decide(&self) -> bool {
        self.assigned_to_me && self.status == StageStatus::InProgress && self.review.is_none()
    }
}

/// The approval object behind a request, as read when the detail page opens.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Approval {
    /// The id the decision is written to (Graph/ARM approval id, MIM approval object id, portal id).
    pub id: String,
    pub stages: Vec<Stage>,
}

impl Approval {
    /// The stage the signed-in approver can decide, if exactly one is open for them.
    pub fn decidable_stage(&self) -> Option<&Stage> {
        let mut open = self.stages.iter().filter(|s| s.is_mine_to_decide());
        let first = open.next()?;
        open.next().is_none().then_some(first)
    }

    /// The first completed review, which settled the request (first decision wins).
    pub fn settling_review(&self) -> Option<&Review> {
        self.stages.iter().find_map(|s| s.review.as_ref())
    }
}

/// A PIM request from any source, in one shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApprovalRequest {
    pub key: RequestKey,
    pub requester: Person,
    pub role: RoleRef,
    pub scope: ScopeRef,
    pub action: RequestAction,
    pub status: RequestStatus,
    pub created: DateTime<Utc>,
    /// When the activation starts: `None` = "when approved".
    pub start: Option<DateTime<Utc>>,
    pub duration: RequestedDuration,
    /// An explicit end (`AfterDateTime` expirations).
    pub end: Option<DateTime<Utc>>,
    pub justification: Option<String>,
    pub ticket: Option<Ticket>,
    /// When the service marked the request finished (ignored while pending: Graph sets it anyway).
    pub completed: Option<DateTime<Utc>>,
    /// The decision as far as the list call told us (portal API, approval reads merged in).
    pub review: Option<Review>,
    /// What the request's own service needs to read its approval, decide or cancel it.
    pub source_ref: SourceRef,
}

/// The service-specific handle of a request: what each service needs, beyond [`RequestKey::id`], to
/// read the approval, write the decision or cancel the request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceRef {
    /// Graph (Entra roles and groups): the approval id (`approvalId`, else the request id: Graph documents
    /// them as equal).
    Graph { approval_id: String },
    /// ARM: the approval GUID (the last segment of `approvalId`, which may come as a full path; `None` when
    /// the request has no approval, e.g. an admin assignment) and the scope the request lives at
    /// (`/subscriptions/…`), where its cancel action is.
    Arm {
        approval_id: Option<String>,
        scope: String,
    },
    /// MIM PAM: the approval object of a pending request (`ApprovalObjectID`); `None` for the caller's own
    /// requests, which carry none.
    MimPam { approval_object_id: Option<String> },
    /// The portal API: the request id is also the approval id.
    Portal,
}

impl ApprovalRequest {
    /// A pending activation made at `created`, with nothing else known yet: sources fill in the rest.
    pub fn new(key: RequestKey, created: DateTime<Utc>, source_ref: SourceRef) -> Self {
        ApprovalRequest {
            key,
            requester: Person::default(),
            role: RoleRef::default(),
            scope: ScopeRef::default(),
            action: RequestAction::Activate,
            status: RequestStatus::Pending,
            created,
            start: None,
            duration: RequestedDuration::NotSpecified,
            end: None,
            justification: None,
            ticket: None,
            completed: None,
            review: None,
            source_ref,
        }
    }

    pub fn is_pending(&self) -> bool {
        self.status == RequestStatus::Pending
    }

    pub fn requested_by(&self, object_id: &str) -> bool {
        self.requester.is(object_id)
    }

    /// The status to show at `now`: a pending request past PIM's 24-hour window is expired even
    /// before the service says so.
    pub fn effective_status(&self, now: DateTime<Utc>) -> RequestStatus {
        if self.is_pending() && super::expiry::is_expired(self.created, now) {
            RequestStatus::Expired
        } else {
            self.status.clone()
        }
    }

    pub fn expires_at(&self) -> DateTime<Utc> {
        super::expiry::expires_at(self.created)
    }

    /// When the granted access starts: the requested start, else the approval time.
    pub fn activated_at(&self) -> Option<DateTime<Utc>> {
        if self.status != RequestStatus::Approved {
            return None;
        }
        self.start
            .or(self.review.as_ref().and_then(|r| r.at))
            .or(self.completed)
    }

    /// When the granted access ends (or ended): the explicit end, else start + a readable duration
    /// (`None` when that is past the end of representable time).
    pub fn access_ends_at(&self) -> Option<DateTime<Utc>> {
        let start = self.activated_at()?;
        self.end.or_else(|| {
            let duration = self.duration.known()?.to_chrono()?;
            start.checked_add_signed(duration)
        })
    }
}

impl ApprovalRequest {
    /// A pending Entra role activation made at `created`, for tests and benchmarks to change what
    /// they are about.
    pub fn sample(id: &str, created: DateTime<Utc>) -> Self {
        let source_ref = SourceRef::Graph {
            approval_id: id.to_string(),
        };
        ApprovalRequest::new(
            RequestKey::new(SourceKind::EntraRoles, id),
            created,
            source_ref,
        )
    }
}

#[cfg(test)]
impl Approval {
    /// An approval `a` with one stage `s` in `status`, for tests of what a read-back or a pre-flight
    /// makes of it.
    pub fn one_stage(status: StageStatus, assigned_to_me: bool, review: Option<Review>) -> Self {
        Approval {
            id: "a".into(),
            stages: vec![Stage {
                id: "s".into(),
                name: None,
                status,
                assigned_to_me,
                review,
            }],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_every_documented_status() {
        use RequestStatus::*;
        for (service, status) in [
            ("PendingApproval", Pending),
            ("Provisioned", Approved),
            ("Granted", Approved),
            ("Active", Approved),
            ("Denied", Denied),
            ("AdminDenied", Denied),
            ("Rejected", Denied),
            ("TimedOut", Expired),
            ("Canceled", Canceled),
            ("Closed", Canceled),
        ] {
            assert_eq!(RequestStatus::from_service(service), status, "{service}");
        }
    }

    #[test]
    fn keeps_unknown_statuses_as_they_came() {
        let status = RequestStatus::from_service("FailedAsResourceIsLocked");
        assert_eq!(
            status,
            RequestStatus::Unknown("FailedAsResourceIsLocked".into())
        );
        assert_eq!(status.label(), "Unknown (FailedAsResourceIsLocked)");
        assert_eq!(status.css_class(), "unknown");
        let hidden = RequestStatus::from_service("Pend\u{202e}ing");
        assert_eq!(hidden.label(), "Unknown (Pending)", "another party's text");
        assert_eq!(
            RequestAction::parse("SelfEscalate").label(),
            "Unknown (SelfEscalate)"
        );
    }

    #[test]
    fn action_comparison_ignores_case() {
        assert_eq!(
            RequestAction::parse("SelfActivate"),
            RequestAction::Activate
        );
        assert_eq!(
            RequestAction::parse("selfActivate"),
            RequestAction::Activate
        );
        assert!(RequestAction::parse("SelfExtend").is_extend_or_renew());
        assert!(RequestAction::parse("selfRenew").is_extend_or_renew());
        assert_eq!(
            RequestAction::parse("adminAssign"),
            RequestAction::Unknown("adminAssign".into())
        );
    }

    #[test]
    fn review_results_of_both_read_shapes() {
        for (result, decision) in [
            ("Approved", Some(Decision::Approve)),
            ("Approve", Some(Decision::Approve)),
            ("Denied", Some(Decision::Deny)),
            ("NotReviewed", None),
        ] {
            assert_eq!(Decision::from_review_result(result), decision, "{result}");
        }
    }

    #[test]
    fn routes_encode_ids() {
        let key = RequestKey::new(SourceKind::PortalApi, "PR/1?x=<y>");
        assert_eq!(key.route(), "/requests/portal/PR%2F1%3Fx%3D%3Cy%3E");
    }

    #[test]
    fn decidable_stage_requires_exactly_one_open_stage_for_me() {
        let open = Stage {
            id: "s1".into(),
            name: None,
            status: StageStatus::InProgress,
            assigned_to_me: true,
            review: None,
        };
        let mut approval = Approval {
            id: "a".into(),
            stages: vec![open.clone()],
        };
        assert_eq!(
            approval.decidable_stage().map(|s| s.id.as_str()),
            Some("s1")
        );
        approval.stages.push(Stage {
            id: "s2".into(),
            ..open.clone()
        });
        assert!(approval.decidable_stage().is_none());
        approval.stages = vec![Stage {
            assigned_to_me: false,
            ..open
        }];
        assert!(approval.decidable_stage().is_none());
    }

    #[test]
    fn guids_are_canonical_only() {
        assert!(is_guid("d0000000-0000-4000-8000-0000000000d0"));
        assert!(is_guid("62E90394-69F5-4237-9190-012177145E10"));
        for bad in [
            "",
            "nope",
            "d0000000-0000-4000-8000-0000000000d",
            "d0000000-0000-4000-8000-0000000000d00",
            "d0000000000040008000-0000000000d0-----",
            "d0000000-0000-4000-8000-0000000000d0-",
            "{d0000000-0000-4000-8000-0000000000d0}",
            "g0000000-0000-4000-8000-0000000000d0",
            "d0000000-0000-4000-8000-00000000\u{200B}d0",
            "'),x('-0000-4000-8000-0000000000d0",
        ] {
            assert!(!is_guid(bad), "{bad:?}");
        }
    }

    #[test]
    fn access_end_is_checked_arithmetic() {
        let approved = |duration: RequestedDuration, start: DateTime<Utc>| ApprovalRequest {
            status: RequestStatus::Approved,
            start: Some(start),
            duration,
            ..ApprovalRequest::sample("r", start)
        };
        let start = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 22, 12, 0, 0).unwrap();
        let eight_hours = RequestedDuration::from_iso(Some("PT8H"));
        assert_eq!(
            approved(eight_hours.clone(), start).access_ends_at(),
            Some(start + chrono::Duration::hours(8))
        );
        let hostile = RequestedDuration::from_iso(Some("P300000Y"));
        assert_eq!(approved(hostile, start).access_ends_at(), None);
        let ttl = RequestedDuration::from_ttl_seconds(Some("9223372036854775807"));
        assert_eq!(approved(ttl, start).access_ends_at(), None);
        let at_the_end = approved(eight_hours, DateTime::<Utc>::MAX_UTC);
        assert_eq!(at_the_end.access_ends_at(), None);
        assert_eq!(at_the_end.expires_at(), DateTime::<Utc>::MAX_UTC);
    }

    #[test]
    fn person_name_falls_back() {
        let p = Person {
            id: Some("oid".into()),
            display_name: None,
            upn: Some("a@b".into()),
        };
        assert_eq!(p.name(), "a@b");
        assert!(p.is("OID"));
        assert_eq!(Person::default().name(), "Unknown");
        let invisible = Person {
            display_name: Some(" \u{200B}\u{202E} ".into()),
            ..p
        };
        assert_eq!(invisible.name(), "a@b");
    }
}
