//! Routes of the decision-context reads (issue 9), hooked into the Graph and ARM entry points after
//! the bearer token is checked: Graph policies, Entra and PIM for Groups schedule lists, users and
//! managers; ARM policies, schedule request lists by principal and schedule instances. Each route
//! returns `None` for paths that are not its own, so the existing routes keep answering them.

use crate::access::Access;
use crate::app::Shared;
use crate::http_util::ApiRequest;
use crate::store::Caller;
use crate::{history, policies, users};
use axum::response::Response;
use chrono::{DateTime, Utc};

/// One context read: the emulator, the caller with its token scopes, the request.
pub struct Call<'a> {
    pub app: &'a Shared,
    pub access: Access<'a>,
    pub request: &'a ApiRequest,
    /// `v1.0` or `beta` for Graph; unused for ARM.
    pub graph_version: &'static str,
}

impl Call<'_> {
    pub fn now(&self) -> DateTime<Utc> {
        self.app.clock.now()
    }

    /// `{base}/graph/{version}/$metadata#{fragment}`.
    pub fn metadata_url(&self, fragment: &str) -> String {
        format!(
            "{}/graph/{}/$metadata#{fragment}",
            self.app.settings.base_url, self.graph_version
        )
    }
}

const ROLES: [&str; 2] = ["roleManagement", "directory"];
const GROUPS: [&str; 3] = ["identityGovernance", "privilegedAccess", "group"];

/// Graph paths after the version segment.
pub fn graph(
    app: &Shared,
    caller: &Caller,
    request: &ApiRequest,
    graph_version: &'static str,
) -> Option<Response> {
    if request.method.as_str() != "GET" {
        return None;
    }
    let call = Call {
        app,
        access: Access::new(app, caller, &request.headers),
        request,
        graph_version,
    };
    let segments = request.segments();
    let response = match &segments[1..] {
        ["policies", "roleManagementPolicyAssignments"] => policies::graph_list_assignments(&call),
        [a, b, list] if [*a, *b] == ROLES => history::graph_entra_list(&call, list)?,
        [a, b, c, list] if [*a, *b, *c] == GROUPS => history::graph_group_list(&call, list)?,
        ["users", id] => users::get_user(&call, id),
        ["users", id, "manager"] => users::get_manager(&call, id),
        _ => return None,
    };
    Some(response)
}

/// The collection after `{scope}/providers/Microsoft.Authorization/`, and the scope (`/` at the root).
fn arm_collection<'a>(segments: &[&'a str]) -> Option<(String, &'a str)> {
    let at = segments.windows(2).position(|pair| {
        pair[0].eq_ignore_ascii_case("providers")
            && pair[1].eq_ignore_ascii_case("Microsoft.Authorization")
    })?;
    match &segments[at + 2..] {
        [collection] => Some((format!("/{}", segments[..at].join("/")), collection)),
        _ => None,
    }
}

/// ARM paths after `/arm`.
pub fn arm(app: &Shared, caller: &Caller, request: &ApiRequest) -> Option<Response> {
    if request.method.as_str() != "GET" {
        return None;
    }
    let segments = request.segments();
    let (scope, collection) = arm_collection(&segments)?;
    let call = Call {
        app,
        access: Access::new(app, caller, &request.headers),
        request,
        graph_version: "",
    };
    if collection.eq_ignore_ascii_case("roleManagementPolicyAssignments") {
        return Some(policies::arm_list_assignments(&call, &scope));
    }
    history::arm_route(&call, &scope, collection)
}
