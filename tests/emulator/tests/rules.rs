//! One test per PIM rule, checked through every service that shows the request.

mod common;

use common::*;
use reqwest::Method;
use serde_json::json;
use tenant_emulator::{EmulatorConfig, Scenario};

/// One decision and the answer the service must give.
struct Case {
    via: Via,
    user: &'static str,
    request: &'static str,
    verb: &'static str,
    justification: &'static str,
    status: u16,
    /// The error code (MIM PAM: the message), or "" for a success.
    error: &'static str,
}

impl Case {
    async fn check(&self, tenant: &Tenant) -> Reply {
        let reply = self
            .via
            .decide(
                tenant,
                self.user,
                self.request,
                self.verb,
                self.justification,
            )
            .await;
        assert_eq!(
            (reply.status, self.via.error_of(&reply).as_str()),
            (self.status, self.error),
            "{:?} {} by {}: {}",
            self.via,
            self.request,
            self.user,
            reply.text
        );
        reply
    }
}

/// `user` decides each route's request with `verb`; the answers are `(status, error)` per route.
fn cases(
    user: &'static str,
    rows: &[(
        Via,
        &'static str,
        &'static str,
        &'static str,
        u16,
        &'static str,
    )],
) -> Vec<Case> {
    rows.iter()
        .map(|&(via, request, verb, justification, status, error)| Case {
            via,
            user,
            request,
            verb,
            justification,
            status,
            error,
        })
        .collect()
}

#[tokio::test]
async fn requests_expire_24_hours_after_creation_by_the_emulator_clock() {
    let tenant = Tenant::start().await;
    tenant.advance_minutes(24 * 60 + 1).await;
    let graph = tenant.token(ADELE, "graph").await;
    let pending = tenant
        .get(
            &format!("{G1_APPROVER}?$filter=status eq 'PendingApproval'"),
            &graph,
        )
        .await;
    assert_eq!(
        pending.body["value"].as_array().unwrap().len(),
        0,
        "everything pending has expired"
    );
    let all = tenant.get(G1_APPROVER, &graph).await;
    assert_eq!(
        find(&all.body, ENTRA_PENDING).unwrap()["status"],
        "TimedOut"
    );
    let approval = tenant
        .get(&format!("{ROLE_APPROVALS}/{ENTRA_PENDING}"), &graph)
        .await;
    assert_eq!(approval.body["steps"][0]["status"], "Expired");
    let arm = tenant.token(ADELE, "arm").await;
    let requests = tenant
        .get(
            &format!("{ARM_REQUESTS}?{ARM_REQUEST_VERSION}&$filter=asApprover()"),
            &arm,
        )
        .await;
    assert_eq!(
        find(&requests.body, AZURE_PENDING).unwrap()["properties"]["status"],
        "TimedOut"
    );
    let late = cases(
        ADELE,
        &[
            (
                Via::Graph,
                ENTRA_PENDING,
                "Approve",
                "late",
                400,
                "ApprovalStepExpired",
            ),
            (
                Via::Arm,
                AZURE_PENDING,
                "Approve",
                "late",
                400,
                "ApprovalStepExpired",
            ),
            (
                Via::Pam,
                PAM_PENDING,
                "Approve",
                "",
                403,
                "Approval has expired.",
            ),
            (
                Via::Portal,
                PORTAL_PENDING,
                "approve",
                "late",
                409,
                "Expired",
            ),
        ],
    );
    for case in &late {
        case.check(&tenant).await;
    }
    assert_eq!(tenant.state_of(ENTRA_PENDING).await.state, Status::Expired);
}

#[tokio::test]
async fn a_request_created_23_hours_ago_is_still_pending() {
    let tenant = Tenant::start().await;
    assert_eq!(
        tenant
            .state_of("e0000000-0000-4000-8000-000000000002")
            .await
            .state,
        Status::Pending
    );
    tenant.advance_minutes(60).await;
    assert_eq!(
        tenant
            .state_of("e0000000-0000-4000-8000-000000000002")
            .await
            .state,
        Status::Expired
    );
}

#[tokio::test]
async fn first_decision_wins_on_every_service() {
    let tenant = Tenant::start().await;
    let first = cases(
        NESTOR,
        &[
            (Via::Graph, ENTRA_PENDING, "Approve", "CHG-1042 ok", 204, ""),
            (Via::Arm, AZURE_PENDING, "Deny", "not now", 200, ""),
            (Via::Pam, PAM_PENDING, "Reject", "", 200, ""),
            (Via::Portal, PORTAL_PENDING, "approve", "ok", 200, ""),
        ],
    );
    let late = cases(
        ADELE,
        &[
            (Via::Graph, ENTRA_PENDING, "Deny", "no", 409, "Conflict"),
            (
                Via::Arm,
                AZURE_PENDING,
                "Approve",
                "ok",
                409,
                "ApprovalStepAlreadyCompleted",
            ),
            (
                Via::Pam,
                PAM_PENDING,
                "Approve",
                "",
                403,
                "Approval has already been completed.",
            ),
            (
                Via::Portal,
                PORTAL_PENDING,
                "deny",
                "no",
                409,
                "AlreadyDecided",
            ),
        ],
    );
    let mut late_replies = Vec::new();
    for (first, late) in first.iter().zip(&late) {
        first.check(&tenant).await;
        late_replies.push(late.check(&tenant).await);
    }
    let message = |index: usize| {
        late_replies[index].body["error"]["message"]
            .as_str()
            .unwrap()
    };
    assert_eq!(
        message(0),
        "The request has already been approved by another approver in the same approval stage."
    );
    assert!(message(1).contains("Nestor Wilke"));
    assert!(message(3).starts_with("Approved by Nestor Wilke at "));
    assert_eq!(
        late_replies[3].body["error"]["request"]["decision"]["by"]["id"],
        NESTOR
    );
}

#[tokio::test]
async fn nobody_approves_their_own_request() {
    let (tenant, megan) = Tenant::start_as(MEGAN, "graph").await;
    let list = tenant.get(G1_APPROVER, &megan).await;
    assert!(
        find(&list.body, ENTRA_MEGAN_OWN).is_some(),
        "approver view includes own requests where listed"
    );
    let approval = tenant
        .get(&format!("{ROLE_APPROVALS}/{ENTRA_MEGAN_OWN}"), &megan)
        .await;
    assert_eq!(approval.body["steps"][0]["assignedToMe"], false);
    let adele = tenant.token(ADELE, "graph").await;
    let for_adele = tenant
        .get(&format!("{ROLE_APPROVALS}/{ENTRA_MEGAN_OWN}"), &adele)
        .await;
    assert_eq!(for_adele.body["steps"][0]["assignedToMe"], true);
    let megan_own = cases(
        MEGAN,
        &[
            (
                Via::Graph,
                ENTRA_MEGAN_OWN,
                "Approve",
                "it's me",
                403,
                "Forbidden",
            ),
            (
                Via::Arm,
                AZURE_MEGAN_OWN,
                "Approve",
                "it's me",
                403,
                "AuthorizationFailed",
            ),
        ],
    );
    let alex_own = cases(
        ALEX,
        &[
            (
                Via::Pam,
                PAM_PENDING,
                "Approve",
                "",
                403,
                "Requestor cannot approve own request.",
            ),
            (
                Via::Portal,
                PORTAL_PENDING,
                "approve",
                "mine",
                403,
                "SelfApprovalNotAllowed",
            ),
        ],
    );
    let mut replies = Vec::new();
    for case in megan_own.iter().chain(&alex_own) {
        replies.push(case.check(&tenant).await);
    }
    assert_eq!(
        replies[0].body["error"],
        json!({ "code": "Forbidden", "message": "Approvers cannot approve their own requests.", "innerError": replies[0].body["error"]["innerError"] })
    );
    assert_eq!(
        tenant.state_of(ENTRA_MEGAN_OWN).await.state,
        Status::Pending
    );
}

#[tokio::test]
async fn callers_who_are_not_approvers_are_refused() {
    let (tenant, adele) = Tenant::start_as(ADELE, "graph").await;
    assert!(find(
        &tenant.get(G1_APPROVER, &adele).await.body,
        ENTRA_NOT_ADELES
    )
    .is_none());
    let not_approvers = [
        cases(
            ADELE,
            &[(
                Via::Graph,
                ENTRA_NOT_ADELES,
                "Approve",
                "ok",
                403,
                "Forbidden",
            )],
        ),
        cases(
            "diegos@contoso.onmicrosoft.com",
            &[(
                Via::Portal,
                PORTAL_PENDING,
                "approve",
                "ok",
                403,
                "NotAnApprover",
            )],
        ),
    ];
    for case in not_approvers.iter().flatten() {
        case.check(&tenant).await;
    }
}

#[tokio::test]
async fn service_principals_cannot_approve_even_when_listed() {
    let mut scenario = Scenario::demo();
    for request in &mut scenario.requests {
        request.approvers.push(DEPLOY.to_string());
    }
    let tenant = Tenant::start_with(EmulatorConfig {
        scenario,
        ..demo_config()
    })
    .await;
    let app = tenant.token(DEPLOY, "graph").await;
    let claims = app.split('.').nth(1).unwrap();
    use base64::Engine;
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(claims)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["idtyp"], "app");
    let approval = tenant
        .get(&format!("{ROLE_APPROVALS}/{ENTRA_PENDING}"), &app)
        .await;
    assert_eq!(approval.body["steps"][0]["assignedToMe"], false);
    let refused = cases(
        DEPLOY,
        &[
            (
                Via::Graph,
                ENTRA_PENDING,
                "Approve",
                "automated",
                403,
                "Forbidden",
            ),
            (
                Via::Arm,
                AZURE_PENDING,
                "Approve",
                "automated",
                403,
                "AuthorizationFailed",
            ),
            (
                Via::Portal,
                PORTAL_PENDING,
                "approve",
                "automated",
                403,
                "NotAnApprover",
            ),
        ],
    );
    for case in &refused {
        case.check(&tenant).await;
    }
    assert_eq!(tenant.state_of(ENTRA_PENDING).await.state, Status::Pending);
}

#[tokio::test]
async fn extend_and_renew_requests_cannot_be_decided_through_the_apis() {
    let mut scenario = Scenario::demo();
    let azure = scenario
        .requests
        .iter_mut()
        .find(|r| r.id == AZURE_PENDING)
        .unwrap();
    azure.action = serde_json::from_value(json!("SelfRenew")).unwrap();
    let tenant = Tenant::start_with(EmulatorConfig {
        scenario,
        ..demo_config()
    })
    .await;
    let refused = cases(
        ADELE,
        &[
            (Via::Graph, ENTRA_EXTEND, "Approve", "ok", 400, "BadRequest"),
            (Via::Groups, GROUP_RENEW, "Approve", "ok", 400, "BadRequest"),
            (
                Via::Arm,
                AZURE_PENDING,
                "Approve",
                "ok",
                400,
                "ApprovalNotSupportedForRequestType",
            ),
            (
                Via::Portal,
                PORTAL_EXTEND,
                "approve",
                "ok",
                400,
                "NotDecidable",
            ),
        ],
    );
    let mut replies = Vec::new();
    for case in &refused {
        replies.push(case.check(&tenant).await);
    }
    assert_eq!(
        replies[0].body["error"]["message"],
        "Approval for extend and renew requests is not supported through the API."
    );
    let graph = tenant.token(ADELE, "graph").await;
    let list = tenant.get(G1_APPROVER, &graph).await;
    assert_eq!(
        find(&list.body, ENTRA_EXTEND).unwrap()["action"],
        "SelfExtend"
    );
}

#[tokio::test]
async fn an_empty_justification_or_wrong_review_result_is_refused() {
    let tenant = Tenant::start().await;
    let refused = cases(
        ADELE,
        &[
            (
                Via::Graph,
                ENTRA_PENDING,
                "Approve",
                "   ",
                400,
                "JustificationRequired",
            ),
            (
                Via::Graph,
                ENTRA_PENDING,
                "approve",
                "ok",
                400,
                "BadRequest",
            ),
            (
                Via::Graph,
                ENTRA_PENDING,
                "Approved",
                "ok",
                400,
                "BadRequest",
            ),
            (
                Via::Arm,
                AZURE_PENDING,
                "Deny",
                "",
                400,
                "JustificationRequired",
            ),
            (
                Via::Arm,
                AZURE_PENDING,
                "deny",
                "ok",
                400,
                "InvalidRequestContent",
            ),
            (
                Via::Portal,
                PORTAL_PENDING,
                "deny",
                " ",
                400,
                "JustificationRequired",
            ),
        ],
    );
    for case in &refused {
        case.check(&tenant).await;
    }
    assert_eq!(tenant.state_of(ENTRA_PENDING).await.state, Status::Pending);
    assert_eq!(tenant.state_of(AZURE_PENDING).await.state, Status::Pending);
}

#[tokio::test]
async fn a_decision_shows_in_every_view_of_the_request() {
    let (tenant, adele) = Tenant::start_as(ADELE, "graph").await;
    assert_eq!(
        tenant
            .graph_decide(&adele, ENTRA_PENDING, "Approve", "ticket CHG-1042 verified")
            .await
            .status,
        204
    );
    let approver_view = tenant.get(G1_APPROVER, &adele).await;
    let item = find(&approver_view.body, ENTRA_PENDING).unwrap();
    assert_eq!(item["status"], "Provisioned");
    assert!(
        item["scheduleInfo"]["startDateTime"].is_string(),
        "start becomes the decision time"
    );
    let alex = tenant.token(ALEX, "graph").await;
    let principal_view = tenant.get(G2_PRINCIPAL, &alex).await;
    assert_eq!(
        find(&principal_view.body, ENTRA_PENDING).unwrap()["status"],
        "Provisioned"
    );
    let steps = tenant
        .get(&format!("{ROLE_APPROVALS}/{ENTRA_PENDING}/steps"), &alex)
        .await;
    assert_eq!(steps.body["value"][0]["reviewResult"], "Approved");
    let batch = json!({ "requests": [{ "id": "1", "method": "GET", "url": format!("/roleManagement/directory/roleAssignmentApprovals/{ENTRA_PENDING}") }] });
    let batched = tenant
        .send(
            Method::POST,
            "/graph/beta/$batch",
            Some(&adele),
            Some(batch),
        )
        .await;
    assert_eq!(
        batched.body["responses"][0]["body"]["steps"][0]["reviewResult"],
        "Approved"
    );

    let arm = tenant.token(ADELE, "arm").await;
    assert_eq!(
        tenant
            .arm_decide(&arm, AZURE_PENDING, "Deny", "Use the dev subscription")
            .await
            .status,
        200
    );
    let a5 = tenant
        .get(
            &format!("{ARM_REQUESTS}?{ARM_REQUEST_VERSION}&$filter=asApprover()"),
            &arm,
        )
        .await;
    assert_eq!(
        find(&a5.body, AZURE_PENDING).unwrap()["properties"]["status"],
        "Denied"
    );
    let approval_id = tenant.state_of(AZURE_PENDING).await.ids.arm_approval_id;
    let a2 = tenant
        .get(
            &format!("{ARM_APPROVALS}/{approval_id}?{ARM_APPROVAL_VERSION}"),
            &arm,
        )
        .await;
    assert_eq!(
        a2.body["properties"]["stages"][0]["properties"]["reviewResult"],
        "Deny"
    );

    assert_eq!(
        tenant.pam_decide(ADELE, PAM_PENDING, "Reject").await.status,
        200
    );
    let alex_pam = format!("pam_session={}", tenant.session(ALEX).await);
    let own = tenant
        .with_cookie(Method::GET, &format!("{PAM}/pamrequests"), &alex_pam, None)
        .await;
    let mine = own.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["RequestID"]["Value"] == PAM_PENDING)
        .unwrap();
    assert_eq!(mine["RequestStatus"], "Rejected");
    let adele_pam = format!("pam_session={}", tenant.session(ADELE).await);
    let queue = tenant
        .with_cookie(
            Method::GET,
            &format!("{PAM}/pamrequeststoapprove"),
            &adele_pam,
            None,
        )
        .await;
    assert!(queue.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .all(|v| v["FIMRequestID"]["Value"] != PAM_PENDING));

    let state = tenant.state_of(ENTRA_PENDING).await;
    assert_eq!(
        (state.state, state.decider()),
        (Status::Approved, Some(ADELE))
    );
}

#[tokio::test]
async fn requesters_cancel_their_own_pending_requests_only() {
    let tenant = Tenant::start().await;
    let (alex, adele) = (
        tenant.token(ALEX, "graph").await,
        tenant.token(ADELE, "graph").await,
    );
    let cancel = format!("/graph/v1.0/roleManagement/directory/roleAssignmentScheduleRequests/{ENTRA_PENDING}/cancel");
    let not_mine = tenant.send(Method::POST, &cancel, Some(&adele), None).await;
    assert_eq!(
        (not_mine.status, not_mine.body["error"]["code"].as_str()),
        (400, Some("RequestCannotBeCancelled"))
    );
    assert_eq!(
        tenant
            .send(Method::POST, &cancel, Some(&alex), None)
            .await
            .status,
        204
    );
    let again = tenant.send(Method::POST, &cancel, Some(&alex), None).await;
    assert_eq!(
        (again.status, again.body["error"]["code"].as_str()),
        (400, Some("RequestCannotBeCancelled"))
    );
    assert_eq!(
        find(&tenant.get(G2_PRINCIPAL, &alex).await.body, ENTRA_PENDING).unwrap()["status"],
        "Canceled"
    );
    assert_eq!(
        tenant
            .graph_decide(&adele, ENTRA_PENDING, "Approve", "ok")
            .await
            .status,
        409
    );

    let lynne = tenant
        .token("lynner@contoso.onmicrosoft.com", "graph")
        .await;
    let group_cancel = format!("/graph/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests/{GROUP_PENDING}/cancel");
    assert_eq!(
        tenant
            .send(Method::POST, &group_cancel, Some(&lynne), None)
            .await
            .status,
        204
    );

    let arm = tenant.token(ALEX, "arm").await;
    let scope =
        "/subscriptions/3f2c8a9e-6b1d-4e57-9c0a-1d2e3f4a5b6c/resourceGroups/rg-payroll-prod";
    let path = format!("/arm{scope}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/{AZURE_PENDING}/cancel?{ARM_REQUEST_VERSION}");
    assert_eq!(
        tenant
            .send(Method::POST, &path, Some(&arm), None)
            .await
            .status,
        200
    );
    assert_eq!(tenant.state_of(AZURE_PENDING).await.state, Status::Canceled);

    let alex_pam = format!("pam_session={}", tenant.session(ALEX).await);
    let close = format!("{PAM}/pamrequests(guid'{PAM_PENDING}')/Close");
    assert_eq!(
        tenant
            .with_cookie(Method::POST, &close, &alex_pam, None)
            .await
            .status,
        200
    );
    let own = tenant
        .with_cookie(Method::GET, &format!("{PAM}/pamrequests"), &alex_pam, None)
        .await;
    let mine = own.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["RequestID"]["Value"] == PAM_PENDING)
        .unwrap();
    assert_eq!(mine["RequestStatus"], "Closed");
}
