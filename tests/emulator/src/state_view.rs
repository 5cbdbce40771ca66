//! The store as `GET /_emulator/state` serves it: the emulator's clock and every request with its
//! state as of that clock and the ids each service derives from it. One set of types serves both ends:
//! the control serializes them, and the end-to-end tests deserialize the reply into them, so a test
//! reads `request.state == Status::Pending`, never a JSON string it could misspell.

use crate::clock::format_time;
use crate::scenario::{Action, Source};
use crate::store::{Outcome, Request, Status, Store};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize, Serializer};

/// The body of `GET /_emulator/state`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateView {
    /// The emulator clock's time.
    #[serde(serialize_with = "time")]
    pub now: DateTime<Utc>,
    /// Every request, in scenario order (generated ones last).
    pub requests: Vec<RequestView>,
}

/// One request of [`StateView`], as of the state's `now`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestView {
    pub id: String,
    pub source: Source,
    /// `Pending` past its 24 h window reads `Expired`.
    pub state: Status,
    pub action: Action,
    /// The requester's object id.
    pub principal: String,
    /// The approvers' object ids.
    pub approvers: Vec<String>,
    pub role: Option<String>,
    pub group: Option<String>,
    pub scope: String,
    #[serde(serialize_with = "time")]
    pub created: DateTime<Utc>,
    /// When the request expires if nobody decides (24 h after `created`).
    #[serde(serialize_with = "time")]
    pub expires: DateTime<Utc>,
    /// When it left `pending` (decision, cancel or expiry); `None` while pending.
    #[serde(serialize_with = "optional_time")]
    pub completed: Option<DateTime<Utc>>,
    /// The decision, once approved or denied.
    pub decision: Option<DecisionView>,
    pub ids: IdsView,
}

/// An approver's decision on a [`RequestView`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionView {
    /// The approver's object id.
    pub by: String,
    pub result: Outcome,
    #[serde(serialize_with = "time")]
    pub at: DateTime<Utc>,
    pub justification: String,
}

/// The ids each service derives from a request's id (stable across restarts): the Graph step (and
/// group stage, and ARM stage) id, ARM's approval id and stage name, MIM PAM's request and approval ids.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdsView {
    pub step_id: String,
    pub arm_approval_id: String,
    pub arm_stage_name: String,
    pub pam_request_id: String,
    pub pam_approval_object_id: String,
}

impl StateView {
    /// The first request that matches, or a panic naming `what` was looked for (for tests).
    pub fn first(&self, what: &str, matches: impl Fn(&RequestView) -> bool) -> &RequestView {
        self.requests
            .iter()
            .find(|r| matches(r))
            .unwrap_or_else(|| panic!("the tenant has {what}"))
    }

    /// The request with this id (for tests; ids are unique across sources in every scenario).
    pub fn request(&self, id: &str) -> &RequestView {
        self.first(&format!("request {id}"), |r| r.id == id)
    }
}

impl RequestView {
    /// Waiting for `user`'s decision: pending, `user` one of its approvers and not its requester.
    pub fn is_pending_for(&self, user: &str) -> bool {
        self.state == Status::Pending && self.principal != user && self.is_approver(user)
    }

    pub fn is_approver(&self, user: &str) -> bool {
        self.approvers.iter().any(|a| a == user)
    }

    /// Who decided the request (object id), once approved or denied.
    pub fn decider(&self) -> Option<&str> {
        self.decision.as_ref().map(|d| d.by.as_str())
    }

    /// `user`'s decision on this request, if they decided it.
    pub fn decision_by(&self, user: &str) -> Option<&DecisionView> {
        self.decision.as_ref().filter(|d| d.by == user)
    }

    /// Every id a service names this request by: its own and the derived ones.
    pub fn every_id(&self) -> [&str; 6] {
        let ids = &self.ids;
        [
            &self.id,
            &ids.step_id,
            &ids.arm_approval_id,
            &ids.arm_stage_name,
            &ids.pam_request_id,
            &ids.pam_approval_object_id,
        ]
        .map(String::as_str)
    }
}

impl Store {
    /// The whole store as of `now`, for `GET /_emulator/state`.
    pub fn state_view(&self, now: DateTime<Utc>) -> StateView {
        StateView {
            now,
            requests: self
                .all_requests()
                .iter()
                .map(|r| RequestView::of(r, now))
                .collect(),
        }
    }
}

impl RequestView {
    fn of(request: &Request, now: DateTime<Utc>) -> RequestView {
        RequestView {
            id: request.id.clone(),
            source: request.source,
            state: request.status_at(now),
            action: request.action,
            principal: request.principal.clone(),
            approvers: request.approvers.clone(),
            role: request.role.clone(),
            group: request.group.clone(),
            scope: request.scope.clone(),
            created: request.created,
            expires: request.expires_at(),
            completed: request.completed_at(now),
            decision: request.decision.as_ref().map(|d| DecisionView {
                by: d.by.clone(),
                result: d.outcome,
                at: d.at,
                justification: d.justification.clone(),
            }),
            ids: IdsView {
                step_id: request.step_id(),
                arm_approval_id: request.arm_approval_id(),
                arm_stage_name: request.arm_stage_name(),
                pam_request_id: request.pam_request_id(),
                pam_approval_object_id: request.pam_approval_id(),
            },
        }
    }
}

/// Times as every other emulator response writes them (`2021-07-15T19:57:17.760Z`).
fn time<S: Serializer>(time: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format_time(*time))
}

fn optional_time<S: Serializer>(
    time: &Option<DateTime<Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match time {
        Some(time) => serializer.serialize_str(&format_time(*time)),
        None => serializer.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;
    use serde_json::json;

    /// What a test reads back is what the control served: the JSON round trip loses nothing.
    #[test]
    fn the_served_state_reads_back_as_the_same_view() {
        let now = Utc::now();
        let store = Store::from_scenario(Scenario::demo(), now);
        let view = store.state_view(now);
        let served = serde_json::to_string(&view).unwrap();
        let back: StateView = serde_json::from_str(&served).unwrap();
        assert_eq!(back.requests.len(), view.requests.len());
        // Times are served to the millisecond, like every other emulator response.
        let to_millis = |t: DateTime<Utc>| t.timestamp_millis();
        assert_eq!(to_millis(back.now), to_millis(view.now));
        for (back, view) in back.requests.iter().zip(&view.requests) {
            assert_eq!(
                (&back.id, back.state, &back.ids),
                (&view.id, view.state, &view.ids)
            );
            assert_eq!(back.completed.map(to_millis), view.completed.map(to_millis));
        }
    }

    /// Tests edit a scenario as the emulator's types and post it serialized: nothing may be lost on the
    /// way (the same requests result).
    #[test]
    fn a_scenario_serialized_and_loaded_again_holds_the_same_requests() {
        let now = Utc::now();
        let demo = Scenario::demo();
        let again = Scenario::from_json(&serde_json::to_string(&demo).unwrap()).unwrap();
        let view = |scenario: Scenario| Store::from_scenario(scenario, now).state_view(now);
        assert_eq!(view(again), view(demo));
    }

    #[test]
    fn enums_are_served_as_the_documented_strings() {
        let now = Utc::now();
        let store = Store::from_scenario(Scenario::demo(), now);
        let served = serde_json::to_value(store.state_view(now)).unwrap();
        let decided = served["requests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["state"] == "approved")
            .expect("the demo tenant has an approved request");
        assert_eq!(decided["decision"]["result"], json!("approved"));
        assert!(decided["source"].is_string() && decided["action"].is_string());
        assert!(decided["ids"]["stepId"].is_string());
        assert!(served["now"].as_str().unwrap().ends_with('Z'));
    }
}
