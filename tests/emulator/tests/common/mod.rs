//! Shared helpers for the emulator's integration tests: start the demo tenant in-process on port 0,
//! mint tokens and sessions through the test controls, and send requests.
#![allow(dead_code)]

use reqwest::{Client, Method};
use serde_json::{json, Value};
/// The emulator's state as tests read it ([`Tenant::state`]).
#[allow(unused_imports)]
pub use tenant_emulator::Status;
use tenant_emulator::{
    Emulator, EmulatorConfig, EmulatorHandle, IdsView, RequestView, Scenario, StateView,
};

pub const ADELE: &str = "a0000000-0000-4000-8000-000000000001";
pub const MEGAN: &str = "a0000000-0000-4000-8000-000000000002";
pub const NESTOR: &str = "a0000000-0000-4000-8000-000000000003";
pub const ALEX: &str = "a0000000-0000-4000-8000-000000000004";
pub const DEPLOY: &str = "a0000000-0000-4000-8000-000000000007";
pub const TENANT: &str = "c0000000-0000-4000-8000-0000000000c0";
pub const CLIENT_ID: &str = "d0000000-0000-4000-8000-0000000000d0";
pub const APP_ORIGIN: &str = "http://127.0.0.1:8080";

/// Pending Entra role request of Alex (Adele and Nestor approve).
pub const ENTRA_PENDING: &str = "e0000000-0000-4000-8000-000000000001";
/// Megan's own pending Entra role request (Megan and Adele approve).
pub const ENTRA_MEGAN_OWN: &str = "e0000000-0000-4000-8000-000000000004";
/// SelfExtend Entra role request.
pub const ENTRA_EXTEND: &str = "e0000000-0000-4000-8000-000000000005";
/// Pending Entra request only Nestor approves.
pub const ENTRA_NOT_ADELES: &str = "e0000000-0000-4000-8000-000000000007";
pub const GROUP_PENDING: &str = "90000000-0000-4000-8000-000000000001";
pub const GROUP_RENEW: &str = "90000000-0000-4000-8000-000000000005";
pub const AZURE_PENDING: &str = "a2000000-0000-4000-8000-000000000001";
pub const AZURE_MEGAN_OWN: &str = "a2000000-0000-4000-8000-000000000004";
pub const PAM_PENDING: &str = "b0000000-0000-4000-8000-000000000001";
pub const PORTAL_PENDING: &str = "PR-1042";
pub const PORTAL_EXTEND: &str = "PR-1045";

pub const G1_APPROVER: &str = "/graph/v1.0/roleManagement/directory/roleAssignmentScheduleRequests/filterByCurrentUser(on='approver')";
pub const G2_PRINCIPAL: &str = "/graph/v1.0/roleManagement/directory/roleAssignmentScheduleRequests/filterByCurrentUser(on='principal')";
pub const G6_APPROVER: &str = "/graph/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests/filterByCurrentUser(on='approver')";
pub const ROLE_APPROVALS: &str = "/graph/beta/roleManagement/directory/roleAssignmentApprovals";
pub const GROUP_APPROVALS: &str =
    "/graph/v1.0/identityGovernance/privilegedAccess/group/assignmentApprovals";
pub const GROUP_APPROVALS_BETA: &str =
    "/graph/beta/identityGovernance/privilegedAccess/group/assignmentApprovals";
pub const ARM_APPROVALS: &str = "/arm/providers/Microsoft.Authorization/roleAssignmentApprovals";
pub const ARM_REQUESTS: &str =
    "/arm/providers/Microsoft.Authorization/roleAssignmentScheduleRequests";
pub const ARM_APPROVAL_VERSION: &str = "api-version=2021-01-01-preview";
pub const ARM_REQUEST_VERSION: &str = "api-version=2020-10-01";
pub const PAM: &str = "/pam/api/pamresources";
pub const PORTAL: &str = "/portal/api/security/pim";

/// A response: status, headers and the body as JSON (`Null` when empty or not JSON).
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    }
}

pub struct Tenant {
    pub base: String,
    pub http: Client,
    pub app_url: Option<String>,
    handle: Option<EmulatorHandle>,
}

impl Drop for Tenant {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            handle.shutdown();
        }
    }
}

pub fn demo_config() -> EmulatorConfig {
    let mut config = EmulatorConfig::new(Scenario::demo());
    config.test_controls = true;
    config.app_origins = vec![APP_ORIGIN.to_string()];
    config
}

pub fn client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

impl Tenant {
    pub async fn start() -> Tenant {
        Tenant::start_with(demo_config()).await
    }

    /// The demo tenant and a token of `user` for `resource` (`graph`, `arm`, `portal`).
    pub async fn start_as(user: &str, resource: &str) -> (Tenant, String) {
        let tenant = Tenant::start().await;
        let token = tenant.token(user, resource).await;
        (tenant, token)
    }

    pub async fn start_with(config: EmulatorConfig) -> Tenant {
        let handle = Emulator::start(config).await.expect("emulator starts");
        Tenant {
            base: handle.base_url.clone(),
            app_url: handle.app_url.clone(),
            http: client(),
            handle: Some(handle),
        }
    }

    /// The served app's URL (only with `serve_app`).
    pub async fn state_app_url(&self) -> String {
        self.app_url.clone().expect("serving the app")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn token(&self, user: &str, resource: &str) -> String {
        let reply = self
            .send(
                Method::POST,
                "/_emulator/token",
                None,
                Some(json!({ "user": user, "resource": resource })),
            )
            .await;
        reply.body["access_token"].as_str().unwrap().to_string()
    }

    pub async fn session(&self, user: &str) -> String {
        let reply = self
            .send(
                Method::POST,
                "/_emulator/session",
                None,
                Some(json!({ "user": user })),
            )
            .await;
        reply.body["value"].as_str().unwrap().to_string()
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut request = self.http.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        into_reply(request.send().await.expect("request sent")).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.send(Method::GET, path, Some(token), None).await
    }

    /// A GET as `user` with the credential the service takes (MIM PAM: the session cookie; Graph, ARM
    /// and the portal: a bearer token for their audience).
    pub async fn read_as(&self, user: &str, path: &str) -> Reply {
        if path.starts_with("/pam") {
            let cookie = format!("pam_session={}", self.session(user).await);
            return self.with_cookie(Method::GET, path, &cookie, None).await;
        }
        let resource = match path.split('/').nth(1) {
            Some("arm") => "arm",
            Some("portal") => "portal",
            _ => "graph",
        };
        self.get(path, &self.token(user, resource).await).await
    }

    /// A request with a session cookie (MIM PAM, portal).
    pub async fn with_cookie(
        &self,
        method: Method,
        path: &str,
        cookie: &str,
        body: Option<Value>,
    ) -> Reply {
        let mut request = client()
            .request(method, self.url(path))
            .header("Cookie", cookie);
        if let Some(body) = body {
            request = request.json(&body);
        }
        into_reply(request.send().await.expect("request sent")).await
    }

    /// The store as `GET /_emulator/state` serves it, read through the emulator's own types.
    pub async fn state(&self) -> StateView {
        let reply = self.send(Method::GET, "/_emulator/state", None, None).await;
        serde_json::from_value(reply.body).expect("the emulator's state")
    }

    /// One request of [`Tenant::state`].
    pub async fn state_of(&self, id: &str) -> RequestView {
        self.state().await.request(id).clone()
    }

    pub async fn advance_minutes(&self, minutes: i64) {
        let reply = self
            .send(
                Method::POST,
                "/_emulator/clock/advance",
                None,
                Some(json!({ "minutes": minutes })),
            )
            .await;
        assert_eq!(reply.status, 200);
    }

    /// The ids the services derive from request `id` (step, ARM approval, MIM PAM approval, …).
    pub async fn derived_ids(&self, id: &str) -> IdsView {
        self.state_of(id).await.ids
    }

    /// G5: the Graph beta step of an Entra role request.
    pub async fn graph_step_path(&self, id: &str) -> String {
        let step = self.derived_ids(id).await.step_id;
        format!("{ROLE_APPROVALS}/{id}/steps/{step}")
    }

    /// A4: the ARM stage of an Azure request.
    pub async fn arm_stage_path(&self, id: &str) -> String {
        let approval = self.derived_ids(id).await.arm_approval_id;
        let stage = self.derived_ids(id).await.step_id;
        format!("{ARM_APPROVALS}/{approval}/stages/{stage}?{ARM_APPROVAL_VERSION}")
    }

    /// M2: `Approve` or `Reject` of a MIM PAM request.
    pub async fn pam_decision_path(&self, id: &str, verb: &str) -> String {
        let approval = self.derived_ids(id).await.pam_approval_object_id;
        format!("{PAM}/pamrequeststoapprove(guid'{approval}')/{verb}")
    }

    /// Decide an Entra role request through Graph beta (G3 for the step id, then G5).
    pub async fn graph_decide(
        &self,
        token: &str,
        id: &str,
        result: &str,
        justification: &str,
    ) -> Reply {
        let path = self.graph_step_path(id).await;
        let body = json!({ "reviewResult": result, "justification": justification });
        self.send(Method::PATCH, &path, Some(token), Some(body))
            .await
    }

    /// Decide an Azure request through ARM A4 (wrapped body).
    pub async fn arm_decide(
        &self,
        token: &str,
        id: &str,
        result: &str,
        justification: &str,
    ) -> Reply {
        let path = self.arm_stage_path(id).await;
        let body =
            json!({ "properties": { "reviewResult": result, "justification": justification } });
        self.send(Method::PATCH, &path, Some(token), Some(body))
            .await
    }

    /// Approve or reject a MIM PAM request (M2) as `user`.
    pub async fn pam_decide(&self, user: &str, id: &str, verb: &str) -> Reply {
        let cookie = format!("pam_session={}", self.session(user).await);
        let path = self.pam_decision_path(id, verb).await;
        self.with_cookie(Method::POST, &path, &cookie, None).await
    }

    /// Approve or deny a portal request as `user` (bearer token for the portal audience).
    pub async fn portal_decide(
        &self,
        user: &str,
        id: &str,
        verb: &str,
        justification: &str,
    ) -> Reply {
        let token = self.token(user, "portal").await;
        let path = format!("{PORTAL}/approvals/{id}/{verb}");
        self.send(
            Method::POST,
            &path,
            Some(&token),
            Some(json!({ "justification": justification })),
        )
        .await
    }
}

pub async fn into_reply(response: reqwest::Response) -> Reply {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        text,
        body,
    }
}

/// The sorted keys of a JSON object.
pub fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value
        .as_object()
        .expect("an object")
        .keys()
        .cloned()
        .collect();
    keys.sort();
    keys
}

pub fn sorted(names: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    names.sort();
    names
}

pub fn find<'a>(list: &'a Value, id: &str) -> Option<&'a Value> {
    list["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["id"] == id || item["name"] == id)
}

/// The routes an approver decides through: Entra roles (Graph beta steps), groups (Graph v1.0 stages),
/// Azure (ARM stages), MIM PAM and the portal API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    Graph,
    Groups,
    Arm,
    Pam,
    Portal,
}

impl Via {
    pub const ALL: [Via; 5] = [Via::Graph, Via::Groups, Via::Arm, Via::Pam, Via::Portal];

    /// A pending demo request of this route that Adele and Nestor approve.
    pub fn pending(self) -> &'static str {
        match self {
            Via::Graph => ENTRA_PENDING,
            Via::Groups => GROUP_PENDING,
            Via::Arm => AZURE_PENDING,
            Via::Pam => PAM_PENDING,
            Via::Portal => PORTAL_PENDING,
        }
    }

    /// The path prefix of its decision writes.
    pub fn write_path(self) -> String {
        match self {
            Via::Graph => format!("{ROLE_APPROVALS}/"),
            Via::Groups => format!("{GROUP_APPROVALS}/"),
            Via::Arm => format!("{ARM_APPROVALS}/"),
            Via::Pam => format!("{PAM}/pamrequeststoapprove("),
            Via::Portal => format!("{PORTAL}/approvals/"),
        }
    }

    /// The method of its decision writes.
    pub fn write_method(self) -> &'static str {
        match self {
            Via::Graph | Via::Groups | Via::Arm => "PATCH",
            Via::Pam | Via::Portal => "POST",
        }
    }

    /// The decision write of `user` (oid or UPN) on `id`, ready to send; `verb` as the service spells it
    /// (`Approve`/`Deny`, MIM PAM `Approve`/`Reject`, portal `approve`/`deny`).
    pub async fn write(
        self,
        tenant: &Tenant,
        user: &str,
        id: &str,
        verb: &str,
        justification: &str,
    ) -> reqwest::RequestBuilder {
        let review = json!({ "reviewResult": verb, "justification": justification });
        match self {
            Via::Graph => tenant
                .http
                .patch(tenant.url(&tenant.graph_step_path(id).await))
                .bearer_auth(tenant.token(user, "graph").await)
                .json(&review),
            Via::Groups => {
                let stage = tenant.derived_ids(id).await.step_id;
                tenant
                    .http
                    .patch(tenant.url(&format!("{GROUP_APPROVALS}/{id}/stages/{stage}")))
                    .bearer_auth(tenant.token(user, "graph").await)
                    .json(&review)
            }
            Via::Arm => tenant
                .http
                .patch(tenant.url(&tenant.arm_stage_path(id).await))
                .bearer_auth(tenant.token(user, "arm").await)
                .json(&json!({ "properties": review })),
            Via::Pam => client()
                .post(tenant.url(&tenant.pam_decision_path(id, verb).await))
                .header(
                    "Cookie",
                    format!("pam_session={}", tenant.session(user).await),
                ),
            Via::Portal => tenant
                .http
                .post(tenant.url(&format!("{PORTAL}/approvals/{id}/{verb}")))
                .bearer_auth(tenant.token(user, "portal").await)
                .json(&json!({ "justification": justification })),
        }
    }

    /// Send [`Via::write`] and read the answer.
    pub async fn decide(
        self,
        tenant: &Tenant,
        user: &str,
        id: &str,
        verb: &str,
        justification: &str,
    ) -> Reply {
        let write = self.write(tenant, user, id, verb, justification).await;
        into_reply(write.send().await.expect("request sent")).await
    }

    /// The decision verb for approving on this route.
    pub fn approve_verb(self) -> &'static str {
        if self == Via::Portal {
            "approve"
        } else {
            "Approve"
        }
    }

    /// Adele approves the route's pending request.
    pub async fn approve(self, tenant: &Tenant) -> Reply {
        let (id, verb) = (self.pending(), self.approve_verb());
        self.decide(tenant, ADELE, id, verb, "verified").await
    }

    /// The error code of a reply (MIM PAM's OData errors have none: their message).
    pub fn error_of(self, reply: &Reply) -> String {
        let text = match self {
            Via::Pam => &reply.body["odata.error"]["message"]["value"],
            _ => &reply.body["error"]["code"],
        };
        text.as_str().unwrap_or_default().to_string()
    }
}
