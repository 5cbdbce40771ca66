//! Contract tests: response shapes compared with the reference's documented examples, quirks included.

mod common;

use chrono::{DateTime, Duration};
use common::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn g1_matches_the_documented_example_including_quirks() {
    let (tenant, token) = Tenant::start_as(ADELE, "graph").await;
    let list = tenant
        .get(
            &format!("{G1_APPROVER}?$filter=status eq 'PendingApproval'&$top=1"),
            &token,
        )
        .await;
    assert_eq!(list.status, 200);
    assert!(list.body["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("$metadata#Collection(unifiedRoleAssignmentScheduleRequest)"));
    assert!(
        list.body["value"].as_array().unwrap().len() > 1,
        "$top is ignored"
    );
    let item = find(&list.body, ENTRA_PENDING).expect("Adele sees Alex's request");
    let documented = [
        "@odata.type",
        "id",
        "status",
        "createdDateTime",
        "completedDateTime",
        "approvalId",
        "customData",
        "action",
        "principalId",
        "roleDefinitionId",
        "directoryScopeId",
        "appScopeId",
        "isValidationOnly",
        "targetScheduleId",
        "justification",
        "createdBy",
        "scheduleInfo",
        "ticketInfo",
    ];
    assert_eq!(
        keys(item),
        sorted(&documented),
        "no $expand → no navigation properties"
    );
    assert_eq!(
        item["@odata.type"],
        "#microsoft.graph.unifiedRoleAssignmentScheduleRequest"
    );
    assert_eq!(item["status"], "PendingApproval");
    assert_eq!(item["action"], "SelfActivate");
    assert_eq!(item["approvalId"], item["id"]);
    assert_eq!(item["customData"], json!(null));
    assert_eq!(
        item["createdBy"],
        json!({ "application": null, "device": null, "user": { "displayName": null, "id": ALEX } })
    );
    assert_eq!(
        item["scheduleInfo"]["expiration"],
        json!({ "type": "AfterDuration", "endDateTime": null, "duration": "PT2H" })
    );
    assert_eq!(item["scheduleInfo"]["startDateTime"], json!(null));
    assert_eq!(
        item["ticketInfo"],
        json!({ "ticketNumber": "CHG-1042", "ticketSystem": "ServiceNow" })
    );
    let created = DateTime::parse_from_rfc3339(item["createdDateTime"].as_str().unwrap()).unwrap();
    let completed =
        DateTime::parse_from_rfc3339(item["completedDateTime"].as_str().unwrap()).unwrap();
    assert_eq!(
        created - completed,
        Duration::milliseconds(200),
        "completedDateTime set on a pending request"
    );
}

#[tokio::test]
async fn g1_expand_adds_principal_and_role_definition() {
    let (tenant, token) = Tenant::start_as(ADELE, "graph").await;
    let list = tenant
        .get(
            &format!("{G1_APPROVER}?$expand=principal,roleDefinition"),
            &token,
        )
        .await;
    let item = find(&list.body, ENTRA_PENDING).unwrap();
    assert_eq!(item["principal"]["@odata.type"], "#microsoft.graph.user");
    assert_eq!(item["principal"]["displayName"], "Alex Wilber");
    assert_eq!(
        item["principal"]["userPrincipalName"],
        "alexw@contoso.onmicrosoft.com"
    );
    assert_eq!(
        item["roleDefinition"]["displayName"],
        "Global Administrator"
    );
    assert_eq!(
        item["roleDefinition"]["templateId"],
        "62e90394-69f5-4237-9190-012177145e10"
    );
}

#[tokio::test]
async fn g3_g4_beta_approval_has_inline_steps_with_the_documented_shape() {
    let (tenant, token) = Tenant::start_as(ADELE, "graph").await;
    for suffix in ["", "?$expand=steps"] {
        let approval = tenant
            .get(&format!("{ROLE_APPROVALS}/{ENTRA_PENDING}{suffix}"), &token)
            .await;
        assert_eq!(approval.status, 200);
        assert_eq!(
            keys(&approval.body),
            sorted(&["@odata.context", "id", "steps@odata.context", "steps"])
        );
        let step = &approval.body["steps"][0];
        assert_eq!(
            keys(step),
            sorted(&[
                "id",
                "displayName",
                "reviewedDateTime",
                "reviewResult",
                "status",
                "assignedToMe",
                "justification",
                "reviewedBy"
            ])
        );
        assert_eq!(step["reviewResult"], "NotReviewed");
        assert_eq!(step["status"], "InProgress");
        assert_eq!(step["assignedToMe"], true);
        assert_eq!(step["justification"], "");
        assert_eq!(step["reviewedBy"], json!(null));
        assert_eq!(step["displayName"], "Security approvers");
    }
    let steps = tenant
        .get(&format!("{ROLE_APPROVALS}/{ENTRA_PENDING}/steps"), &token)
        .await;
    let step_id = steps.body["value"][0]["id"].as_str().unwrap().to_string();
    let one = tenant
        .get(
            &format!("{ROLE_APPROVALS}/{ENTRA_PENDING}/steps/{step_id}"),
            &token,
        )
        .await;
    assert_eq!(one.body["id"], step_id.as_str());
    let missing = tenant
        .get(
            &format!("{ROLE_APPROVALS}/00000000-0000-0000-0000-000000000000"),
            &token,
        )
        .await;
    assert_eq!(missing.status, 404);
    assert!(missing.body["error"]["innerError"]["request-id"].is_string());
}

#[tokio::test]
async fn g5_patch_returns_204_and_reads_back_approved_not_approve() {
    let (tenant, token) = Tenant::start_as(ADELE, "graph").await;
    let reply = tenant
        .graph_decide(&token, ENTRA_PENDING, "Approve", "ticket CHG-1042 verified")
        .await;
    assert_eq!(reply.status, 204);
    assert!(reply.text.is_empty());
    let approval = tenant
        .get(&format!("{ROLE_APPROVALS}/{ENTRA_PENDING}"), &token)
        .await;
    let step = &approval.body["steps"][0];
    assert_eq!(step["reviewResult"], "Approved");
    assert_eq!(step["status"], "Completed");
    assert_eq!(step["justification"], "ticket CHG-1042 verified");
    assert_eq!(
        step["reviewedBy"],
        json!({ "id": ADELE, "displayName": "Adele Vance", "userPrincipalName": "adelev@contoso.onmicrosoft.com" })
    );
    assert!(step["reviewedDateTime"].is_string());
}

#[tokio::test]
async fn g6_g7_g8_groups_use_v1_stages_and_g9_beta_steps() {
    let (tenant, token) = Tenant::start_as(ADELE, "graph").await;
    let list = tenant
        .get(
            &format!("{G6_APPROVER}?$filter=status eq 'PendingApproval'&$expand=group,principal"),
            &token,
        )
        .await;
    let item = find(&list.body, GROUP_PENDING).unwrap();
    assert_eq!(
        item["@odata.type"],
        "#microsoft.graph.privilegedAccessGroupAssignmentScheduleRequest"
    );
    assert_eq!(item["accessId"], "member");
    assert_eq!(item["action"], "SelfActivate");
    assert_eq!(item["scheduleInfo"]["expiration"]["type"], "AfterDuration");
    assert_eq!(item["group"]["displayName"], "PIM-SQL-Admins");
    assert_eq!(item["principal"]["displayName"], "Lynne Robbins");
    assert!(item["completedDateTime"].is_string());

    let approval = tenant
        .get(&format!("{GROUP_APPROVALS}/{GROUP_PENDING}"), &token)
        .await;
    assert!(approval.body.get("steps").is_none());
    let stage_id = approval.body["stages"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let beta = tenant
        .get(&format!("{GROUP_APPROVALS_BETA}/{GROUP_PENDING}"), &token)
        .await;
    assert_eq!(beta.body["steps"][0]["id"], stage_id.as_str());
    let v1_steps = tenant
        .get(
            &format!("{GROUP_APPROVALS}/{GROUP_PENDING}/steps/{stage_id}"),
            &token,
        )
        .await;
    assert_eq!(v1_steps.status, 400, "v1.0 has stages, not steps");

    let body = json!({ "reviewResult": "Deny", "justification": "Not during the freeze" });
    let path = format!("{GROUP_APPROVALS}/{GROUP_PENDING}/stages/{stage_id}");
    let decided = tenant
        .send(Method::PATCH, &path, Some(&token), Some(body))
        .await;
    assert_eq!(decided.status, 204);
    let stage = tenant.get(&path, &token).await;
    assert_eq!(stage.body["reviewResult"], "Denied");
}

#[tokio::test]
async fn a1_approvals_list_has_stages_with_full_path_ids_and_mismatched_names() {
    let (tenant, token) = Tenant::start_as(ADELE, "arm").await;
    let list = tenant
        .get(
            &format!("{ARM_APPROVALS}?{ARM_APPROVAL_VERSION}&$filter=asApprover()"),
            &token,
        )
        .await;
    assert_eq!(list.status, 200);
    let ids = tenant.derived_ids(AZURE_PENDING).await;
    let approval_id = ids.arm_approval_id.as_str();
    let approval = find(&list.body, approval_id).expect("approval listed");
    assert_eq!(
        keys(approval),
        sorted(&["id", "type", "name", "properties"])
    );
    assert_eq!(
        approval["id"],
        format!("/providers/Microsoft.Authorization/roleAssignmentApprovals/{approval_id}")
    );
    let stage = &approval["properties"]["stages"][0];
    assert_eq!(keys(stage), sorted(&["id", "type", "name", "properties"]));
    assert_eq!(
        stage["type"],
        "Microsoft.Authorization/roleAssignmentApprovals/stages"
    );
    let stage_id = stage["id"].as_str().unwrap();
    assert!(stage_id.starts_with(&format!(
        "/providers/Microsoft.Authorization/roleAssignmentApprovals/{approval_id}/stages/"
    )));
    assert_ne!(
        stage["name"].as_str().unwrap(),
        stage_id.rsplit('/').next().unwrap(),
        "documented quirk"
    );
    assert_eq!(
        keys(&stage["properties"]),
        sorted(&[
            "displayName",
            "assignedToMe",
            "status",
            "reviewedBy",
            "reviewedDateTime",
            "reviewResult",
            "justification"
        ])
    );
    assert_eq!(stage["properties"]["reviewResult"], "NotReviewed");
    assert_eq!(stage["properties"]["status"], "InProgress");
    assert_eq!(stage["properties"]["displayName"], "Production owners");
}

#[tokio::test]
async fn a3_a4_stage_get_and_patch_return_200_with_read_value_approve() {
    let (tenant, token) = Tenant::start_as(ADELE, "arm").await;
    let ids = tenant.derived_ids(AZURE_PENDING).await;
    let path = format!(
        "{ARM_APPROVALS}/{}/stages/{}?{ARM_APPROVAL_VERSION}",
        ids.arm_approval_id, ids.step_id
    );
    let stage = tenant.get(&path, &token).await;
    assert_eq!(stage.status, 200);
    assert_eq!(stage.body["properties"]["assignedToMe"], true);
    let decided = tenant
        .arm_decide(&token, AZURE_PENDING, "Approve", "I trust this person.")
        .await;
    assert_eq!(decided.status, 200);
    let properties = &decided.body["properties"];
    assert_eq!(properties["reviewResult"], "Approve");
    assert_eq!(properties["status"], "Completed");
    assert_eq!(properties["justification"], "I trust this person.");
    assert_eq!(
        properties["reviewedBy"],
        json!({ "principalId": ADELE, "principalType": "user", "principalName": "Adele Vance", "userPrincipalName": "adelev@contoso.onmicrosoft.com" })
    );
    let flat = json!({ "reviewResult": "Deny", "justification": "Use the dev subscription" });
    let other = tenant
        .derived_ids("a2000000-0000-4000-8000-000000000002")
        .await;
    let other_path = format!(
        "{ARM_APPROVALS}/{}/stages/{}?{ARM_APPROVAL_VERSION}",
        other.arm_approval_id, other.step_id
    );
    let put = tenant
        .send(Method::PUT, &other_path, Some(&token), Some(flat))
        .await;
    assert_eq!(put.status, 200, "flat body and PUT accepted");
    assert_eq!(put.body["properties"]["reviewResult"], "Deny");
}

#[tokio::test]
async fn a5_schedule_requests_have_expanded_properties_and_full_path_approval_id() {
    let (tenant, token) = Tenant::start_as(ADELE, "arm").await;
    let list = tenant
        .get(&format!("{ARM_REQUESTS}?{ARM_REQUEST_VERSION}&$filter=asApprover() and status eq 'PendingApproval'"), &token)
        .await;
    assert_eq!(list.status, 200);
    let statuses: Vec<&str> = list.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["properties"]["status"].as_str().unwrap())
        .collect();
    assert!(
        statuses.contains(&"Provisioned") && statuses.contains(&"Denied"),
        "status filter ignored (3P quirk): {statuses:?}"
    );
    let item = find(&list.body, AZURE_PENDING).unwrap();
    assert_eq!(
        item["type"],
        "Microsoft.Authorization/RoleAssignmentScheduleRequests"
    );
    let properties = &item["properties"];
    let approval_id = tenant.state_of(AZURE_PENDING).await.ids.arm_approval_id;
    assert_eq!(
        properties["approvalId"],
        format!("/providers/Microsoft.Authorization/roleAssignmentApprovals/{approval_id}")
    );
    assert_eq!(properties["requestType"], "SelfActivate");
    assert_eq!(properties["status"], "PendingApproval");
    assert_eq!(properties["principalType"], "User");
    assert_eq!(
        properties["scheduleInfo"]["expiration"]["type"],
        "AfterDuration"
    );
    let scope = properties["scope"].as_str().unwrap();
    assert!(scope.ends_with("/resourceGroups/rg-payroll-prod"));
    assert_eq!(
        properties["roleDefinitionId"],
        format!("{scope}/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c")
    );
    let expanded = &properties["expandedProperties"];
    assert_eq!(
        expanded["scope"],
        json!({ "id": scope, "displayName": "rg-payroll-prod", "type": "resourcegroup" })
    );
    assert_eq!(expanded["roleDefinition"]["displayName"], "Contributor");
    assert_eq!(expanded["principal"]["displayName"], "Alex Wilber");
    assert_eq!(
        expanded["principal"]["email"],
        "alexw@contoso.onmicrosoft.com"
    );

    let scoped = "/arm/subscriptions/8b7d6c5e-4f3a-4b2c-9d1e-0f9e8d7c6b5a/providers/Microsoft.Authorization/roleAssignmentScheduleRequests";
    let dev = tenant
        .get(
            &format!("{scoped}?{ARM_REQUEST_VERSION}&$filter=asApprover()"),
            &token,
        )
        .await;
    assert!(dev.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .all(|v| v["properties"]["scope"]
            .as_str()
            .unwrap()
            .starts_with("/subscriptions/8b7d6c5e")));
    let mg = "/arm/providers/Microsoft.Management/managementGroups/contoso-platform/providers/Microsoft.Authorization/roleAssignmentScheduleRequests";
    let below_mg = tenant
        .get(
            &format!("{mg}?{ARM_REQUEST_VERSION}&$filter=asApprover()"),
            &token,
        )
        .await;
    assert!(
        find(&below_mg.body, AZURE_PENDING).is_some(),
        "resource group is below the management group"
    );
}

#[tokio::test]
async fn arm_requires_a_supported_api_version() {
    let (tenant, token) = Tenant::start_as(ADELE, "arm").await;
    let missing = tenant
        .get(&format!("{ARM_APPROVALS}?$filter=asApprover()"), &token)
        .await;
    assert_eq!(
        (missing.status, missing.body["error"]["code"].as_str()),
        (400, Some("MissingApiVersionParameter"))
    );
    let wrong = tenant
        .get(&format!("{ARM_REQUESTS}?{ARM_APPROVAL_VERSION}"), &token)
        .await;
    assert_eq!(wrong.body["error"]["code"], "InvalidApiVersionParameter");
    assert!(wrong.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("The api-version '2021-01-01-preview' is invalid."));
    let preview = tenant
        .get(
            &format!("{ARM_REQUESTS}?api-version=2022-04-01-preview"),
            &token,
        )
        .await;
    assert_eq!(preview.status, 200);
}

#[tokio::test]
async fn m1_m2_mim_pam_uses_odata_v3_shapes() {
    let tenant = Tenant::start().await;
    let cookie = format!("pam_session={}", tenant.session(ADELE).await);
    let list = tenant
        .with_cookie(
            Method::GET,
            &format!("{PAM}/pamrequeststoapprove?v=1"),
            &cookie,
            None,
        )
        .await;
    assert_eq!(list.status, 200);
    assert!(list.body["odata.metadata"]
        .as_str()
        .unwrap()
        .ends_with("/pam/api/pamresources/%24metadata#pamrequeststoapprove"));
    assert!(list.body.get("@odata.context").is_none());
    let item = list.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["FIMRequestID"]["Value"] == PAM_PENDING)
        .unwrap();
    assert_eq!(
        keys(item),
        sorted(&[
            "RoleName",
            "Requestor",
            "Justification",
            "RequestedTTL",
            "RequestedTime",
            "CreationTime",
            "FIMRequestID",
            "RequestorID",
            "ApprovalObjectID"
        ])
    );
    assert_eq!(item["RequestedTTL"], "7200");
    assert_eq!(item["Requestor"], "CONTOSO\\alexw");
    assert_eq!(item["RoleName"], "PRIV Domain Admins");
    assert_eq!(item["RequestorID"], json!({ "Value": ALEX }));
    assert!(item["ApprovalObjectID"]["Value"].is_string());

    let filtered = tenant
        .with_cookie(
            Method::GET,
            &format!("{PAM}/pamrequeststoapprove?$filter=RoleName eq 'PRIV Server Operators'"),
            &cookie,
            None,
        )
        .await;
    assert!(filtered.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .all(|v| v["RoleName"] == "PRIV Server Operators"));

    let approved = tenant.pam_decide(ADELE, PAM_PENDING, "Approve").await;
    assert_eq!((approved.status, approved.text.as_str()), (200, ""));
    let session = tenant
        .with_cookie(Method::GET, &format!("{PAM}/sessioninfo"), &cookie, None)
        .await;
    assert_eq!(session.body["value"][0]["Username"], "CONTOSO\\adelev");
    let alex = format!("pam_session={}", tenant.session(ALEX).await);
    let own = tenant
        .with_cookie(Method::GET, &format!("{PAM}/pamrequests"), &alex, None)
        .await;
    let mine = own.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["RequestID"]["Value"] == PAM_PENDING)
        .unwrap();
    assert_eq!(mine["RequestStatus"], "Active");
    assert_eq!(mine["RequestedTTL"], "7200");
}

#[tokio::test]
async fn portal_request_objects_follow_portal_api_md() {
    let (tenant, token) = Tenant::start_as(ADELE, "portal").await;
    let list = tenant
        .get(&format!("{PORTAL}/pending-approvals"), &token)
        .await;
    assert_eq!(list.status, 200);
    let item = find(&list.body, PORTAL_PENDING).unwrap();
    assert_eq!(
        keys(item),
        sorted(&[
            "id",
            "status",
            "requestType",
            "requestor",
            "role",
            "scope",
            "duration",
            "startDateTime",
            "justification",
            "ticket",
            "requestedDateTime",
            "expiresDateTime",
            "decision"
        ])
    );
    assert_eq!(item["status"], "Pending");
    assert_eq!(item["requestType"], "activate");
    assert_eq!(
        item["scope"],
        json!({ "id": "/", "displayName": "Directory" })
    );
    assert_eq!(
        item["ticket"],
        json!({ "number": "CHG-1042", "system": "ServiceNow" })
    );
    let requested =
        DateTime::parse_from_rfc3339(item["requestedDateTime"].as_str().unwrap()).unwrap();
    let expires = DateTime::parse_from_rfc3339(item["expiresDateTime"].as_str().unwrap()).unwrap();
    assert_eq!(expires - requested, Duration::hours(24));

    let approved = tenant
        .portal_decide(ADELE, PORTAL_PENDING, "approve", "CHG-1042 verified")
        .await;
    assert_eq!(approved.status, 200);
    assert_eq!(approved.body["status"], "Approved");
    assert_eq!(approved.body["decision"]["result"], "Approved");
    assert_eq!(
        approved.body["decision"]["by"]["displayName"],
        "Adele Vance"
    );
    let history = tenant
        .get(&format!("{PORTAL}/requests/history"), &token)
        .await;
    assert!(find(&history.body, PORTAL_PENDING).is_some());
    assert!(
        find(&history.body, "PR-1031").is_some(),
        "older decisions are in the default 30-day window"
    );
    let alex = tenant.token(ALEX, "portal").await;
    let mine = tenant.get(&format!("{PORTAL}/my-requests"), &alex).await;
    assert_eq!(
        find(&mine.body, PORTAL_PENDING).unwrap()["status"],
        "Approved"
    );
}
