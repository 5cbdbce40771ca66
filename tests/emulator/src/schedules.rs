//! Active assignments and eligibilities ("schedule instances") of the tenant, derived from the store:
//! the scenario's declared `assignments` and `eligibilities` (times relative to load) plus every
//! approved request whose activation window covers now, so a decision made through any API shows up
//! as an active assignment. Also who holds which directory role, group access and Azure role at a
//! scope, which the read permissions are computed from.

use crate::clock::{add_clamped, parse_iso_duration};
use crate::ids::derived_guid;
use crate::scenario::Source;
use crate::scenario_context::InstanceSpec;
use crate::store::{Request, Status, Store};
use chrono::{DateTime, Duration, Utc};

/// Declared instances without `startMinutesAgo` started this long before load.
const DEFAULT_START_MINUTES_AGO: i64 = 365 * 24 * 60;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssignmentType {
    Assigned,
    Activated,
}

impl AssignmentType {
    pub fn as_str(self) -> &'static str {
        match self {
            AssignmentType::Assigned => "Assigned",
            AssignmentType::Activated => "Activated",
        }
    }
}

/// One active assignment or eligibility, whatever the source.
#[derive(Clone, Debug)]
pub struct Instance {
    pub source: Source,
    pub principal: String,
    /// Directory or Azure role id (None for groups).
    pub role: Option<String>,
    pub group: Option<String>,
    /// `member` / `owner` for groups.
    pub access_id: String,
    /// `/` or the Azure scope.
    pub scope: String,
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
    /// `None` for eligibilities.
    pub assignment_type: Option<AssignmentType>,
    /// Seed for the stable ids of this instance and its schedule.
    pub seed: String,
}

impl Instance {
    fn is_current_at(&self, now: DateTime<Utc>) -> bool {
        self.start <= now && self.end.is_none_or(|end| now < end)
    }

    /// The instance id (Graph `id`, ARM `name`).
    pub fn id(&self) -> String {
        derived_guid(&self.seed, "instance")
    }

    /// The schedule it belongs to (`roleAssignmentScheduleId`, `roleEligibilityScheduleId`, …).
    pub fn schedule_id(&self) -> String {
        derived_guid(&self.seed, "schedule")
    }
}

fn from_spec(store: &Store, spec: &InstanceSpec, kind: &str, index: usize) -> Instance {
    let context = store.context();
    let assignment_type = match spec.assignment_type.as_deref() {
        Some("Activated") => AssignmentType::Activated,
        _ => AssignmentType::Assigned,
    };
    let assignment_type = (kind == "assignment").then_some(assignment_type);
    let target = &spec.target;
    Instance {
        source: target.source,
        principal: spec.principal.clone(),
        role: target.role.clone(),
        group: target.group.clone(),
        access_id: target.access_id.clone().unwrap_or_else(|| "member".into()),
        scope: target.scope.clone().unwrap_or_else(|| "/".into()),
        start: context.minutes_ago(spec.start_minutes_ago.unwrap_or(DEFAULT_START_MINUTES_AGO)),
        end: spec
            .end_minutes_from_now
            .map(|m| context.minutes_from_load(m)),
        assignment_type,
        seed: format!("{kind}:{index}:{}", spec.principal),
    }
}

/// The activation an approved request granted: from its start for its requested duration.
fn from_approved_request(request: &Request, now: DateTime<Utc>) -> Option<Instance> {
    if request.status_at(now) != Status::Approved {
        return None;
    }
    let start = request.start?;
    let seconds = parse_iso_duration(&request.duration)?;
    Some(Instance {
        source: request.source,
        principal: request.principal.clone(),
        role: request.role.clone(),
        group: request.group.clone(),
        access_id: request.access_id.clone(),
        scope: request.scope.clone(),
        start,
        // Clamped: a hostile duration (`P300000Y`) must not take the emulator down.
        end: Some(add_clamped(
            start,
            Duration::try_seconds(seconds).unwrap_or(Duration::MAX),
        )),
        assignment_type: Some(AssignmentType::Activated),
        seed: format!("request:{}", request.id),
    })
}

const PIM_SOURCES: [Source; 3] = [Source::EntraRoles, Source::Groups, Source::AzureResources];

/// Active assignments at `now`: declared ones in their window and approved activations.
pub fn active_assignments(store: &Store, now: DateTime<Utc>) -> Vec<Instance> {
    let declared = store.scenario().context.assignments.iter().enumerate();
    let declared = declared.map(|(index, spec)| from_spec(store, spec, "assignment", index));
    let activated = PIM_SOURCES
        .into_iter()
        .flat_map(|source| store.requests(source))
        .filter_map(|request| from_approved_request(request, now));
    declared
        .chain(activated)
        .filter(|instance| instance.is_current_at(now))
        .collect()
}

/// Eligibilities at `now` (declared ones in their window).
pub fn eligibilities(store: &Store, now: DateTime<Utc>) -> Vec<Instance> {
    let declared = store.scenario().context.eligibilities.iter().enumerate();
    declared
        .map(|(index, spec)| from_spec(store, spec, "eligibility", index))
        .filter(|instance| instance.is_current_at(now))
        .collect()
}

/// The directory roles `user_id` holds actively at `now` (tenant-wide assignments).
pub fn directory_roles_of(store: &Store, user_id: &str, now: DateTime<Utc>) -> Vec<String> {
    active_assignments(store, now)
        .into_iter()
        .filter(|i| i.source == Source::EntraRoles && i.principal == user_id && i.scope == "/")
        .filter_map(|i| i.role)
        .collect()
}

/// Whether `user_id` is an owner or member of `group_id` (declared, or by an active assignment).
pub fn is_owner_or_member(
    store: &Store,
    group_id: &str,
    user_id: &str,
    now: DateTime<Utc>,
) -> bool {
    let declared = store.scenario().group(group_id).is_some_and(|group| {
        let membership = &group.membership;
        membership
            .owners
            .iter()
            .chain(&membership.members)
            .any(|id| id == user_id)
    });
    declared
        || active_assignments(store, now).iter().any(|i| {
            i.source == Source::Groups
                && i.principal == user_id
                && i.group.as_deref() == Some(group_id)
        })
}

/// Whether `user_id` holds any Azure role at `scope` or above it (any built-in role can read).
pub fn has_azure_role_at(store: &Store, user_id: &str, scope: &str, now: DateTime<Utc>) -> bool {
    active_assignments(store, now).iter().any(|i| {
        i.source == Source::AzureResources
            && i.principal == user_id
            && store.scenario().scope_is_within(scope, &i.scope)
    })
}
