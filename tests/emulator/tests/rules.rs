//! One test per PIM rule, checked through every service that shows the request.

mod common;

use common::*;
use reqwest::Method;
use serde_json::json;
use tenant_emulator::{EmulatorConfig, Scenario};

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
    let graph_decision = tenant
        .graph_decide(&graph, ENTRA_PENDING, "Approve", "late")
        .await;
    assert_eq!(
        (
            graph_decision.status,
            graph_decision.body["error"]["code"].as_str()
        ),
        (400, Some("ApprovalStepExpired"))
    );

    let arm = tenant.token(ADELE, "arm").await;
    let arm_decision = tenant
        .arm_decide(&arm, AZURE_PENDING, "Approve", "late")
        .await;
    assert_eq!(
        (
            arm_decision.status,
            arm_decision.body["error"]["code"].as_str()
        ),
        (400, Some("ApprovalStepExpired"))
    );
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

    let pam = tenant.pam_decide(ADELE, PAM_PENDING, "Approve").await;
    assert_eq!(
        (
            pam.status,
            pam.body["odata.error"]["message"]["value"].as_str()
        ),
        (403, Some("Approval has expired."))
    );
    let portal = tenant
        .portal_decide(ADELE, PORTAL_PENDING, "approve", "late")
        .await;
    assert_eq!(
        (portal.status, portal.body["error"]["code"].as_str()),
        (409, Some("Expired"))
    );
    assert_eq!(tenant.state_of(ENTRA_PENDING).await["state"], "expired");
}

#[tokio::test]
async fn a_request_created_23_hours_ago_is_still_pending() {
    let tenant = Tenant::start().await;
    assert_eq!(
        tenant
            .state_of("e0000000-0000-4000-8000-000000000002")
            .await["state"],
        "pending"
    );
    tenant.advance_minutes(60).await;
    assert_eq!(
        tenant
            .state_of("e0000000-0000-4000-8000-000000000002")
            .await["state"],
        "expired"
    );
}

#[tokio::test]
async fn first_decision_wins_on_every_service() {
    let tenant = Tenant::start().await;
    let (nestor, adele) = (
        tenant.token(NESTOR, "graph").await,
        tenant.token(ADELE, "graph").await,
    );
    assert_eq!(
        tenant
            .graph_decide(&nestor, ENTRA_PENDING, "Approve", "CHG-1042 ok")
            .await
            .status,
        204
    );
    let late = tenant
        .graph_decide(&adele, ENTRA_PENDING, "Deny", "no")
        .await;
    assert_eq!(late.status, 409);
    assert_eq!(late.body["error"]["code"], "Conflict");
    assert_eq!(
        late.body["error"]["message"],
        "The request has already been approved by another approver in the same approval stage."
    );

    let (nestor, adele) = (
        tenant.token(NESTOR, "arm").await,
        tenant.token(ADELE, "arm").await,
    );
    assert_eq!(
        tenant
            .arm_decide(&nestor, AZURE_PENDING, "Deny", "not now")
            .await
            .status,
        200
    );
    let late = tenant
        .arm_decide(&adele, AZURE_PENDING, "Approve", "ok")
        .await;
    assert_eq!(
        (late.status, late.body["error"]["code"].as_str()),
        (409, Some("ApprovalStepAlreadyCompleted"))
    );
    assert!(late.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("Nestor Wilke"));

    assert_eq!(
        tenant
            .pam_decide(NESTOR, PAM_PENDING, "Reject")
            .await
            .status,
        200
    );
    let late = tenant.pam_decide(ADELE, PAM_PENDING, "Approve").await;
    assert_eq!(late.status, 403);
    assert_eq!(
        late.body["odata.error"]["message"]["value"],
        "Approval has already been completed."
    );

    assert_eq!(
        tenant
            .portal_decide(NESTOR, PORTAL_PENDING, "approve", "ok")
            .await
            .status,
        200
    );
    let late = tenant
        .portal_decide(ADELE, PORTAL_PENDING, "deny", "no")
        .await;
    assert_eq!(
        (late.status, late.body["error"]["code"].as_str()),
        (409, Some("AlreadyDecided"))
    );
    assert!(late.body["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("Approved by Nestor Wilke at "));
    assert_eq!(
        late.body["error"]["request"]["decision"]["by"]["id"],
        NESTOR
    );
}

#[tokio::test]
async fn nobody_approves_their_own_request() {
    let tenant = Tenant::start().await;
    let megan = tenant.token(MEGAN, "graph").await;
    let list = tenant.get(G1_APPROVER, &megan).await;
    assert!(
        find(&list.body, ENTRA_MEGAN_OWN).is_some(),
        "approver view includes own requests where listed"
    );
    let approval = tenant
        .get(&format!("{ROLE_APPROVALS}/{ENTRA_MEGAN_OWN}"), &megan)
        .await;
    assert_eq!(approval.body["steps"][0]["assignedToMe"], false);
    let own = tenant
        .graph_decide(&megan, ENTRA_MEGAN_OWN, "Approve", "it's me")
        .await;
    assert_eq!(own.status, 403);
    assert_eq!(
        own.body["error"],
        json!({ "code": "Forbidden", "message": "Approvers cannot approve their own requests.", "innerError": own.body["error"]["innerError"] })
    );
    let adele = tenant.token(ADELE, "graph").await;
    let for_adele = tenant
        .get(&format!("{ROLE_APPROVALS}/{ENTRA_MEGAN_OWN}"), &adele)
        .await;
    assert_eq!(for_adele.body["steps"][0]["assignedToMe"], true);

    let arm = tenant.token(MEGAN, "arm").await;
    let own = tenant
        .arm_decide(&arm, AZURE_MEGAN_OWN, "Approve", "it's me")
        .await;
    assert_eq!(
        (own.status, own.body["error"]["code"].as_str()),
        (403, Some("AuthorizationFailed"))
    );
    let pam = tenant.pam_decide(ALEX, PAM_PENDING, "Approve").await;
    assert_eq!(
        pam.body["odata.error"]["message"]["value"],
        "Requestor cannot approve own request."
    );
    let portal = tenant
        .portal_decide(ALEX, PORTAL_PENDING, "approve", "mine")
        .await;
    assert_eq!(
        (portal.status, portal.body["error"]["code"].as_str()),
        (403, Some("SelfApprovalNotAllowed"))
    );
    assert_eq!(tenant.state_of(ENTRA_MEGAN_OWN).await["state"], "pending");
}

#[tokio::test]
async fn callers_who_are_not_approvers_are_refused() {
    let tenant = Tenant::start().await;
    let adele = tenant.token(ADELE, "graph").await;
    assert!(find(
        &tenant.get(G1_APPROVER, &adele).await.body,
        ENTRA_NOT_ADELES
    )
    .is_none());
    let refused = tenant
        .graph_decide(&adele, ENTRA_NOT_ADELES, "Approve", "ok")
        .await;
    assert_eq!(refused.status, 403);
    let portal = tenant
        .portal_decide(
            "diegos@contoso.onmicrosoft.com",
            PORTAL_PENDING,
            "approve",
            "ok",
        )
        .await;
    assert_eq!(portal.body["error"]["code"], "NotAnApprover");
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
    assert_eq!(
        tenant
            .graph_decide(&app, ENTRA_PENDING, "Approve", "automated")
            .await
            .status,
        403
    );
    let arm = tenant.token(DEPLOY, "arm").await;
    let refused = tenant
        .arm_decide(&arm, AZURE_PENDING, "Approve", "automated")
        .await;
    assert_eq!(
        (refused.status, refused.body["error"]["code"].as_str()),
        (403, Some("AuthorizationFailed"))
    );
    assert_eq!(
        tenant
            .portal_decide(DEPLOY, PORTAL_PENDING, "approve", "automated")
            .await
            .status,
        403
    );
    assert_eq!(tenant.state_of(ENTRA_PENDING).await["state"], "pending");
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
    let graph = tenant.token(ADELE, "graph").await;
    let refused = tenant
        .graph_decide(&graph, ENTRA_EXTEND, "Approve", "ok")
        .await;
    assert_eq!(refused.status, 400);
    assert_eq!(
        refused.body["error"]["message"],
        "Approval for extend and renew requests is not supported through the API."
    );
    let list = tenant.get(G1_APPROVER, &graph).await;
    assert_eq!(
        find(&list.body, ENTRA_EXTEND).unwrap()["action"],
        "SelfExtend"
    );

    let stage = tenant.state_of(GROUP_RENEW).await["ids"]["stepId"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("{GROUP_APPROVALS}/{GROUP_RENEW}/stages/{stage}");
    let group = tenant
        .send(
            Method::PATCH,
            &path,
            Some(&graph),
            Some(json!({ "reviewResult": "Approve", "justification": "ok" })),
        )
        .await;
    assert_eq!(group.status, 400);

    let arm = tenant.token(ADELE, "arm").await;
    let refused = tenant
        .arm_decide(&arm, AZURE_PENDING, "Approve", "ok")
        .await;
    assert_eq!(
        (refused.status, refused.body["error"]["code"].as_str()),
        (400, Some("ApprovalNotSupportedForRequestType"))
    );
    let portal = tenant
        .portal_decide(ADELE, PORTAL_EXTEND, "approve", "ok")
        .await;
    assert_eq!(
        (portal.status, portal.body["error"]["code"].as_str()),
        (400, Some("NotDecidable"))
    );
}

#[tokio::test]
async fn an_empty_justification_or_wrong_review_result_is_refused() {
    let tenant = Tenant::start().await;
    let graph = tenant.token(ADELE, "graph").await;
    let blank = tenant
        .graph_decide(&graph, ENTRA_PENDING, "Approve", "   ")
        .await;
    assert_eq!(
        (blank.status, blank.body["error"]["code"].as_str()),
        (400, Some("JustificationRequired"))
    );
    let lower_case = tenant
        .graph_decide(&graph, ENTRA_PENDING, "approve", "ok")
        .await;
    assert_eq!(
        (lower_case.status, lower_case.body["error"]["code"].as_str()),
        (400, Some("BadRequest"))
    );
    let read_value = tenant
        .graph_decide(&graph, ENTRA_PENDING, "Approved", "ok")
        .await;
    assert_eq!(read_value.status, 400);
    let arm = tenant.token(ADELE, "arm").await;
    let blank = tenant.arm_decide(&arm, AZURE_PENDING, "Deny", "").await;
    assert_eq!(
        (blank.status, blank.body["error"]["code"].as_str()),
        (400, Some("JustificationRequired"))
    );
    let portal = tenant
        .portal_decide(ADELE, PORTAL_PENDING, "deny", " ")
        .await;
    assert_eq!(
        (portal.status, portal.body["error"]["code"].as_str()),
        (400, Some("JustificationRequired"))
    );
    assert_eq!(tenant.state_of(ENTRA_PENDING).await["state"], "pending");
    assert_eq!(tenant.state_of(AZURE_PENDING).await["state"], "pending");
}

#[tokio::test]
async fn a_decision_shows_in_every_view_of_the_request() {
    let tenant = Tenant::start().await;
    let adele = tenant.token(ADELE, "graph").await;
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
    let approval_id = tenant.state_of(AZURE_PENDING).await["ids"]["armApprovalId"]
        .as_str()
        .unwrap()
        .to_string();
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
        (state["state"].as_str(), state["decision"]["by"].as_str()),
        (Some("approved"), Some(ADELE))
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
    assert_eq!(tenant.state_of(AZURE_PENDING).await["state"], "canceled");

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
