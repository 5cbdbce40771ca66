//! The decision-context reads (issue 9) against `shared/reference/pim-policy-and-context-apis.md`:
//! each response has the shape of the reference's example payload (names, nesting, JSON types) and
//! its enum spellings; the permission matrix of §8 (Adele reads everything, Nestor is refused,
//! missing consent and missing role answer differently); the `$expand=rules` failure; the
//! `signInActivity` gates and throttle; `$batch` items with their own status; decisions showing up
//! in the record; and the demo tenant's context content.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{json, Value};
use tenant_emulator::{EmulatorConfig, Scenario};

const LYNNE: &str = "a0000000-0000-4000-8000-000000000006";
const DIEGO: &str = "a0000000-0000-4000-8000-000000000005";
const GLOBAL_ADMIN: &str = "62e90394-69f5-4237-9190-012177145e10";
const EXCHANGE_ADMIN: &str = "29232cdf-9323-42fd-ade2-1d097af3e4de";
const HELPDESK_ADMIN: &str = "729827e3-9c14-49f7-bb1b-9608f156bbb8";
const SQL_ADMINS: &str = "60000000-0000-4000-8000-000000000001";
const EXCHANGE_OPERATORS: &str = "60000000-0000-4000-8000-000000000002";
const APPROVER_GROUP: &str = "60000000-0000-4000-8000-000000000004";
const CONTRIBUTOR: &str = "b24988ac-6180-42a0-ab88-20f7382dd24c";
const OWNER: &str = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
const PROD: &str = "/subscriptions/3f2c8a9e-6b1d-4e57-9c0a-1d2e3f4a5b6c";
const PAYROLL: &str =
    "/subscriptions/3f2c8a9e-6b1d-4e57-9c0a-1d2e3f4a5b6c/resourceGroups/rg-payroll-prod";
const HUB: &str =
    "/subscriptions/3f2c8a9e-6b1d-4e57-9c0a-1d2e3f4a5b6c/resourceGroups/rg-network-hub";
const AUTHZ: &str = "/providers/Microsoft.Authorization";

/// The scopes the app asks for, all of them.
const ALL_GRAPH_SCOPES: &str = "User.Read RoleAssignmentSchedule.ReadWrite.Directory PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup RoleManagementPolicy.Read.Directory RoleManagementPolicy.Read.AzureADGroup RoleEligibilitySchedule.Read.Directory PrivilegedEligibilitySchedule.Read.AzureADGroup User.Read.All AuditLog.Read.All";

// Reference example payloads (§1, §2, §3, §4, §5, §6), verbatim where the reference is.
const EXAMPLE_A: &str = r##"{
  "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#policies/roleManagementPolicyAssignments(policy(rules()))",
  "value": [{
    "id": "DirectoryRole_cab01047-8ad9-4792-8e42-569340767f1b_70c808b5-0d35-4863-a0ba-07888e99d448_62e90394-69f5-4237-9190-012177145e10",
    "policyId": "DirectoryRole_cab01047-8ad9-4792-8e42-569340767f1b_70c808b5-0d35-4863-a0ba-07888e99d448",
    "scopeId": "/", "scopeType": "DirectoryRole",
    "roleDefinitionId": "62e90394-69f5-4237-9190-012177145e10",
    "policy": {
      "id": "DirectoryRole_cab01047-8ad9-4792-8e42-569340767f1b_70c808b5-0d35-4863-a0ba-07888e99d448",
      "lastModifiedDateTime": null,
      "rules": [
        { "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule",
          "id": "Expiration_EndUser_Assignment", "isExpirationRequired": true, "maximumDuration": "PT8H",
          "target": { "caller": "EndUser", "operations": ["all"], "level": "Assignment",
                      "inheritableSettings": [], "enforcedSettings": [] } },
        { "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyEnablementRule",
          "id": "Enablement_EndUser_Assignment", "enabledRules": ["MultiFactorAuthentication", "Justification"] },
        { "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyApprovalRule",
          "id": "Approval_EndUser_Assignment",
          "setting": { "isApprovalRequired": false, "isApprovalRequiredForExtension": false,
            "isRequestorJustificationRequired": true, "approvalMode": "SingleStage",
            "approvalStages": [{ "approvalStageTimeOutInDays": 1, "isApproverJustificationRequired": true,
              "escalationTimeInMinutes": 0, "isEscalationEnabled": false,
              "primaryApprovers": [], "escalationApprovers": [] }] } },
        { "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyAuthenticationContextRule",
          "id": "AuthenticationContext_EndUser_Assignment", "isEnabled": false, "claimValue": null }
      ]
    }
  }]
}"##;

const EXAMPLE_B_HEAD: &str = r##"{ "value": [{ "id": "Group_7e526275-97a8-4dc6-932a-4db521cccf96_c2e2ba31-f113-406b-9e86-4ae08781ce2e_owner",
  "policyId": "Group_7e526275-97a8-4dc6-932a-4db521cccf96_c2e2ba31-f113-406b-9e86-4ae08781ce2e",
  "scopeId": "7e526275-97a8-4dc6-932a-4db521cccf96", "scopeType": "Group", "roleDefinitionId": "owner",
  "policy": { "scopeType": "Group" } }] }"##;

const EXAMPLE_C: &str = r##"{ "value": [{
  "properties": {
    "scope": "/subscriptions/129ff972-28f8-46b8-a726-e497be039368",
    "roleDefinitionId": "/subscriptions/129ff972-28f8-46b8-a726-e497be039368/providers/Microsoft.Authorization/roleDefinitions/a1705bd2-3a8f-45a5-8683-466fcfd5cc24",
    "policyId": "/subscriptions/129ff972-28f8-46b8-a726-e497be039368/providers/Microsoft.Authorization/roleManagementPolicies/b959d571-f0b5-4042-88a7-01be6cb22db9",
    "effectiveRules": [
      { "setting": { "isApprovalRequired": true, "isApprovalRequiredForExtension": false,
          "isRequestorJustificationRequired": true, "approvalMode": "SingleStage",
          "approvalStages": [{ "approvalStageTimeOutInDays": 1, "isApproverJustificationRequired": true,
            "escalationTimeInMinutes": 0,
            "primaryApprovers": [
              { "id": "2385b0f3-5fa9-43cf-8ca4-b01dc97298cd", "description": "amansw_new_group", "isBackup": false, "userType": "Group" },
              { "id": "2f4913c9-d15b-406a-9946-1d66a28f2690", "description": "amansw_group", "isBackup": false, "userType": "Group" } ],
            "isEscalationEnabled": false, "escalationApprovers": null }] },
        "id": "Approval_EndUser_Assignment", "ruleType": "RoleManagementPolicyApprovalRule",
        "target": { "caller": "EndUser", "operations": ["All"], "level": "Assignment" } },
      { "isEnabled": false, "claimValue": "", "id": "AuthenticationContext_EndUser_Assignment",
        "ruleType": "RoleManagementPolicyAuthenticationContextRule" },
      { "enabledRules": ["MultiFactorAuthentication", "Justification", "Ticketing"],
        "id": "Enablement_EndUser_Assignment", "ruleType": "RoleManagementPolicyEnablementRule" },
      { "isExpirationRequired": true, "maximumDuration": "PT7H",
        "id": "Expiration_EndUser_Assignment", "ruleType": "RoleManagementPolicyExpirationRule" } ],
    "policyAssignmentProperties": {
      "scope": { "id": "/subscriptions/129ff972-28f8-46b8-a726-e497be039368", "displayName": "Pay-As-You-Go", "type": "subscription" } } },
  "name": "b959d571-f0b5-4042-88a7-01be6cb22db9_a1705bd2-3a8f-45a5-8683-466fcfd5cc24",
  "type": "Microsoft.Authorization/RoleManagementPolicyAssignment" }] }"##;

const EXAMPLE_D1: &str = r##"{ "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#roleManagement/directory/roleAssignmentScheduleRequests",
  "value": [{ "id": "95c690fb-3eb3-4942-a03f-4524aed6f31e", "status": "Provisioned",
    "createdDateTime": "2022-04-11T11:50:05.95Z", "completedDateTime": "2022-04-11T11:50:06Z",
    "approvalId": null, "action": "adminAssign",
    "principalId": "071cc716-8147-4397-a5ba-b2105951cc0b",
    "roleDefinitionId": "fdd7a751-b60b-444a-984c-02652fe8fa1c", "directoryScopeId": "/",
    "justification": "Assign Groups Admin to IT Helpdesk group",
    "scheduleInfo": { "startDateTime": "2022-04-11T11:50:05.9999343Z",
      "expiration": { "type": "noExpiration", "endDateTime": null, "duration": null } }}] }"##;

const EXAMPLE_D2: &str = r##"{ "value": [{ "id": "lAPpYvVpN0KRkAEhdxReEAWz5Gtet_xOv8wxvTtTpfg-1",
  "principalId": "6be4b305-b75e-4efc-bfcc-31bd3b53a5f8", "roleDefinitionId": "62e90394-69f5-4237-9190-012177145e10",
  "directoryScopeId": "/", "startDateTime": null, "endDateTime": null,
  "assignmentType": "Assigned", "memberType": "Direct",
  "roleAssignmentScheduleId": "lAPpYvVpN0KRkAEhdxReEAWz5Gtet_xOv8wxvTtTpfg-1" }] }"##;

const EXAMPLE_D4: &str = r##"{ "value": [{ "id": "6aacaee8-4089-4048-9510-3119367fc943", "status": "Provisioned",
  "createdDateTime": "2023-02-07T07:05:53.7895614Z", "approvalId": "6aacaee8-4089-4048-9510-3119367fc943",
  "action": "adminAssign", "justification": "Retrieve requests",
  "scheduleInfo": { "startDateTime": "2023-02-07T06:57:55.6183972Z",
    "expiration": { "type": "afterDateTime", "endDateTime": "2023-02-07T19:56:00Z", "duration": null } },
  "principalId": "3cce9d87-3986-4f19-8335-7ed075408ca2", "accessId": "member",
  "groupId": "2b5ed229-4072-478d-9504-a047ebd4b07d" }] }"##;

const EXAMPLE_D6: &str = r##"{ "value": [{ "id": "2b5ed229-4072-478d-9504-a047ebd4b07d_member_326a4063-93c5-4998-9537-969b8cd50297",
  "startDateTime": "2023-08-18T00:33:48.8Z", "endDateTime": null, "accessId": "member",
  "principalId": "3cce9d87-3986-4f19-8335-7ed075408ca2", "groupId": "2b5ed229-4072-478d-9504-a047ebd4b07d",
  "memberType": "Direct" }] }"##;

const EXAMPLE_E1: &str = r##"{ "value": [{ "properties": {
    "scope": "/subscriptions/dfa2a084-766f-4003-8ae1-c4aeb893a99f",
    "roleDefinitionId": "/subscriptions/dfa2a084-766f-4003-8ae1-c4aeb893a99f/providers/Microsoft.Authorization/roleDefinitions/c8d4ff99-41c3-41a8-9f60-21dfdad59608",
    "principalId": "a3bb8764-cb92-4276-9d2a-ca1e895e55ea", "principalType": "User",
    "requestType": "SelfActivate", "status": "Provisioned", "approvalId": null,
    "scheduleInfo": { "startDateTime": "2020-09-09T21:35:27.91Z",
      "expiration": { "type": "AfterDuration", "endDateTime": null, "duration": "PT8H" } },
    "justification": null, "requestorId": "a3bb8764-cb92-4276-9d2a-ca1e895e55ea",
    "createdOn": "2020-09-09T21:35:27.91Z",
    "expandedProperties": { "roleDefinition": { "displayName": "Contributor", "type": "BuiltInRole" },
      "principal": { "id": "a3bb8764-cb92-4276-9d2a-ca1e895e55ea", "displayName": "User Account", "email": "user@my-tenant.com", "type": "User" } } },
  "name": "fea7a502-9a96-4806-a26f-eee560e52045",
  "type": "Microsoft.Authorization/RoleAssignmentScheduleRequests" }] }"##;

const EXAMPLE_F1: &str = r##"{ "displayName": "Adele Vance", "givenName": "Adele", "jobTitle": "Retail Manager",
  "mail": "AdeleV@contoso.com", "surname": "Vance",
  "userPrincipalName": "AdeleV@contoso.com", "id": "87d349ed-44d7-43e1-9a83-5f2406dee5bd" }"##;

const EXAMPLE_F2: &str = r##"{ "id": "7d54cb02-aaa3-4016-9f9c-a4b49422dd9b", "displayName": "Sara Davis", "jobTitle": "Finance VP",
  "mail": "SaraD@contoso.onmicrosoft.com", "userPrincipalName": "SaraD@contoso.onmicrosoft.com" }"##;

fn example(text: &str) -> Value {
    serde_json::from_str(text).expect("reference example is JSON")
}

/// Every name of `expected` is in `actual` with the same JSON type (a null in the example matches
/// anything; an example value may be null where the emulator has one). Arrays of objects with an
/// `id` are matched by `id`, others on their first element.
fn assert_shape(expected: &Value, actual: &Value, path: &str) {
    match (expected, actual) {
        (Value::Null, _) | (_, Value::Null) => {}
        (Value::Object(want), Value::Object(have)) => {
            for (key, value) in want {
                let Some(found) = have.get(key) else {
                    panic!("{path}.{key} is missing in {actual:#}");
                };
                assert_shape(value, found, &format!("{path}.{key}"));
            }
        }
        (Value::Array(want), Value::Array(have)) => {
            for (index, item) in want.iter().enumerate() {
                let matching = match item.get("id").and_then(Value::as_str) {
                    Some(id)
                        if item.get("ruleType").is_some() || item.get("@odata.type").is_some() =>
                    {
                        have.iter().find(|h| h["id"] == id)
                    }
                    _ => have.first(),
                };
                let Some(matching) = matching else {
                    panic!("{path}[{index}] has no counterpart in {actual:#}");
                };
                assert_shape(item, matching, &format!("{path}[{index}]"));
            }
        }
        (want, have) => assert_eq!(
            std::mem::discriminant(want),
            std::mem::discriminant(have),
            "{path}: {want} vs {have}"
        ),
    }
}

fn rule<'a>(rules: &'a Value, id: &str) -> &'a Value {
    rules
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no rule {id}"))
}

/// The `errorCode` inside Graph PIM's `UnknownError` message.
fn pim_error_code(reply: &Reply) -> String {
    assert_eq!(
        reply.body["error"]["code"], "UnknownError",
        "{}",
        reply.text
    );
    let inner: Value = serde_json::from_str(reply.body["error"]["message"].as_str().unwrap())
        .expect("the message is JSON");
    assert!(inner["message"].is_string() && inner["instanceAnnotations"].is_array());
    inner["errorCode"].as_str().unwrap().to_string()
}

async fn token_with(tenant: &Tenant, user: &str, resource: &str, scopes: &str) -> String {
    let body = json!({ "user": user, "resource": resource, "scopes": scopes });
    let reply = tenant
        .send(Method::POST, "/_emulator/token", None, Some(body))
        .await;
    reply.body["access_token"].as_str().unwrap().to_string()
}

fn entra_policy_path(role: &str, expand: &str) -> String {
    format!("/graph/v1.0/policies/roleManagementPolicyAssignments?$filter=scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq '{role}'&$expand={expand}")
}

fn group_policy_path(group: &str, access: &str) -> String {
    format!("/graph/v1.0/policies/roleManagementPolicyAssignments?$filter=scopeId eq '{group}' and scopeType eq 'Group' and roleDefinitionId eq '{access}'&$expand=policy($expand=rules)")
}

fn arm_policy_path(scope: &str, role: &str) -> String {
    format!("/arm{scope}{AUTHZ}/roleManagementPolicyAssignments?{ARM_REQUEST_VERSION}&$filter=roleDefinitionId eq '{scope}{AUTHZ}/roleDefinitions/{role}'")
}

fn graph_list(list: &str, filter: &str) -> String {
    format!("/graph/v1.0/{list}?$filter={filter}")
}

fn arm_list(scope: &str, list: &str, filter: &str) -> String {
    format!("/arm{scope}{AUTHZ}/{list}?{ARM_REQUEST_VERSION}&$filter={filter}")
}

/// GET, expect 200, the `value` list.
async fn read(tenant: &Tenant, path: &str, token: &str) -> Vec<Value> {
    values(&tenant.get(path, token).await)
}

fn values(reply: &Reply) -> Vec<Value> {
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.body["value"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_entra_role_policy_has_the_reference_shape_and_the_scenario_rules() {
    let (tenant, adele) = Tenant::start_as(ADELE, "graph").await;
    let reply = tenant
        .get(
            &entra_policy_path(GLOBAL_ADMIN, "policy($expand=rules)"),
            &adele,
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_shape(&example(EXAMPLE_A), &reply.body, "A");
    assert!(reply.body["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("/$metadata#policies/roleManagementPolicyAssignments(policy(rules()))"));
    let item = &reply.body["value"][0];
    assert_eq!(reply.body["value"].as_array().unwrap().len(), 1);
    let policy_id = item["policyId"].as_str().unwrap();
    assert!(policy_id.starts_with(&format!("DirectoryRole_{TENANT}_")));
    assert_eq!(item["id"], format!("{policy_id}_{GLOBAL_ADMIN}"));
    assert_eq!(item["policy"]["id"], policy_id);
    let rules = &item["policy"]["rules"];
    let expiration = rule(rules, "Expiration_EndUser_Assignment");
    assert_eq!(
        expiration["@odata.type"],
        "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule"
    );
    assert_eq!(expiration["maximumDuration"], "PT2H");
    assert_eq!(expiration["target"]["caller"], "EndUser");
    assert_eq!(expiration["target"]["level"], "Assignment");
    assert_eq!(
        rule(rules, "Enablement_EndUser_Assignment")["enabledRules"],
        json!(["MultiFactorAuthentication", "Justification", "Ticketing"])
    );
    let approval = rule(rules, "Approval_EndUser_Assignment");
    assert_eq!(approval["setting"]["isApprovalRequired"], true);
    assert_eq!(approval["setting"]["approvalMode"], "SingleStage");
    let approvers = &approval["setting"]["approvalStages"][0]["primaryApprovers"];
    assert_eq!(
        approvers,
        &json!([
            { "@odata.type": "#microsoft.graph.singleUser", "userId": NESTOR, "description": "Nestor Wilke" },
            { "@odata.type": "#microsoft.graph.groupMembers", "groupId": APPROVER_GROUP, "description": "PIM Approvers" }
        ])
    );
    // Admin rules come first: position-based parsing would read the wrong expiration.
    assert_eq!(rules[0]["id"], "Expiration_Admin_Eligibility");
    assert_eq!(
        rule(rules, "Notification_Admin_EndUser_Assignment")["notificationRecipients"],
        json!(["secops@contoso.onmicrosoft.com"])
    );
    assert!(item["policy"]["lastModifiedDateTime"].is_string());

    // `Directory` is accepted too and changes the id prefix; `$expand=policy` leaves the rules out.
    let directory = tenant
        .get(
            &entra_policy_path(GLOBAL_ADMIN, "policy").replace("'DirectoryRole'", "'Directory'"),
            &adele,
        )
        .await;
    let item = &directory.body["value"][0];
    assert!(item["id"].as_str().unwrap().starts_with("Directory_"));
    assert!(item["policy"].is_object() && item["policy"].get("rules").is_none());
    // A role without a declared policy gets PIM's defaults.
    let default = tenant
        .get(
            &entra_policy_path(
                "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
                "policy($expand=rules)",
            ),
            &adele,
        )
        .await;
    let rules = &default.body["value"][0]["policy"]["rules"];
    assert_eq!(
        rule(rules, "Expiration_EndUser_Assignment")["maximumDuration"],
        "PT8H"
    );
    assert_eq!(
        rule(rules, "Approval_EndUser_Assignment")["setting"]["isApprovalRequired"],
        false
    );
}

#[tokio::test]
async fn a_without_scope_id_and_scope_type_is_missing_provider() {
    let (tenant, adele) = Tenant::start_as(ADELE, "graph").await;
    let reply = tenant
        .get(
            "/graph/v1.0/policies/roleManagementPolicyAssignments?$expand=policy($expand=rules)",
            &adele,
        )
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(pim_error_code(&reply), "MissingProvider");
}

#[tokio::test]
async fn a_reading_rules_of_a_broken_policy_fails_with_500_and_works_without_rules() {
    let (tenant, adele) = Tenant::start_as(ADELE, "graph").await;
    let with_rules = tenant
        .get(
            &entra_policy_path(EXCHANGE_ADMIN, "policy($expand=rules)"),
            &adele,
        )
        .await;
    assert_eq!(with_rules.status, 500);
    assert_eq!(with_rules.body["error"]["code"], "");
    assert_eq!(
        with_rules.body["error"]["message"],
        "An error has occurred."
    );
    let retried = tenant
        .get(&entra_policy_path(EXCHANGE_ADMIN, "policy"), &adele)
        .await;
    assert_eq!(retried.status, 200);
    let policy = &retried.body["value"][0]["policy"];
    assert!(policy["id"].is_string() && policy.get("rules").is_none());
    // Other roles' rules still read.
    let other = tenant
        .get(
            &entra_policy_path(GLOBAL_ADMIN, "policy($expand=rules)"),
            &adele,
        )
        .await;
    assert_eq!(other.status, 200);
}

#[tokio::test]
async fn b_group_policy_has_the_reference_shape() {
    let (tenant, adele) = Tenant::start_as(ADELE, "graph").await;
    let reply = tenant
        .get(&group_policy_path(SQL_ADMINS, "owner"), &adele)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_shape(&example(EXAMPLE_B_HEAD), &reply.body, "B");
    let item = &reply.body["value"][0];
    let policy_id = item["policyId"].as_str().unwrap();
    assert!(policy_id.starts_with(&format!("Group_{SQL_ADMINS}_")));
    assert_eq!(item["id"], format!("{policy_id}_owner"));
    assert_eq!(item["scopeId"], SQL_ADMINS);
    let rules = &item["policy"]["rules"];
    assert_shape(
        &example(EXAMPLE_A)["value"][0]["policy"]["rules"],
        rules,
        "B.rules",
    );
    assert_eq!(
        rule(rules, "Expiration_EndUser_Assignment")["maximumDuration"],
        "PT2H"
    );
    let member = tenant
        .get(&group_policy_path(EXCHANGE_OPERATORS, "member"), &adele)
        .await;
    let rules = &member.body["value"][0]["policy"]["rules"];
    assert_eq!(
        rule(rules, "Expiration_EndUser_Assignment")["maximumDuration"],
        "PT1H"
    );
}

#[tokio::test]
async fn c_azure_policy_has_the_reference_shape_at_its_exact_scope() {
    let (tenant, adele) = Tenant::start_as(ADELE, "arm").await;
    let reply = tenant
        .get(&arm_policy_path(PAYROLL, CONTRIBUTOR), &adele)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_shape(&example(EXAMPLE_C), &reply.body, "C");
    let item = &reply.body["value"][0];
    assert_eq!(reply.body["value"].as_array().unwrap().len(), 1);
    let properties = &item["properties"];
    assert_eq!(properties["scope"], PAYROLL);
    let policy_guid = properties["policyId"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap();
    assert_eq!(item["name"], format!("{policy_guid}_{CONTRIBUTOR}"));
    let rules = &properties["effectiveRules"];
    for r in rules.as_array().unwrap() {
        assert!(r.get("@odata.type").is_none());
        assert!(r["ruleType"]
            .as_str()
            .unwrap()
            .starts_with("RoleManagementPolicy"));
    }
    assert_eq!(
        rule(rules, "Expiration_EndUser_Assignment")["ruleType"],
        "RoleManagementPolicyExpirationRule"
    );
    assert_eq!(
        rule(rules, "Expiration_EndUser_Assignment")["maximumDuration"],
        "PT8H"
    );
    assert_eq!(
        rule(rules, "Enablement_EndUser_Assignment")["enabledRules"],
        json!(["Justification", "Ticketing"])
    );
    let approvers = &rule(rules, "Approval_EndUser_Assignment")["setting"]["approvalStages"][0]
        ["primaryApprovers"];
    assert_eq!(
        approvers[2],
        json!({ "id": APPROVER_GROUP, "description": "PIM Approvers", "isBackup": false, "userType": "Group" })
    );
    assert_eq!(approvers[0]["userType"], "User");
    // The subscription's own settings differ: nothing is inherited by the resource group.
    let subscription = tenant
        .get(&arm_policy_path(PROD, CONTRIBUTOR), &adele)
        .await;
    let rules = &subscription.body["value"][0]["properties"]["effectiveRules"];
    assert_eq!(
        rule(rules, "Expiration_EndUser_Assignment")["maximumDuration"],
        "PT2H"
    );
    // Unfiltered: one policy per Azure role at that scope.
    let all = tenant
        .get(
            &format!("/arm{PAYROLL}{AUTHZ}/roleManagementPolicyAssignments?{ARM_REQUEST_VERSION}"),
            &adele,
        )
        .await;
    assert_eq!(values(&all).len(), 4);
    let wrong_version = tenant
        .get(
            &format!("/arm{PAYROLL}{AUTHZ}/roleManagementPolicyAssignments?{ARM_APPROVAL_VERSION}"),
            &adele,
        )
        .await;
    assert_eq!(
        wrong_version.body["error"]["code"],
        "InvalidApiVersionParameter"
    );
}

#[tokio::test]
async fn d1_to_d3_give_the_requester_record_for_an_entra_role() {
    let (tenant, adele) = Tenant::start_as(ADELE, "graph").await;
    let requests = tenant
        .get(
            &graph_list(
                "roleManagement/directory/roleAssignmentScheduleRequests",
                &format!("principalId eq '{ALEX}' and roleDefinitionId eq '{GLOBAL_ADMIN}'"),
            ),
            &adele,
        )
        .await;
    assert!(requests.body["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("#roleManagement/directory/roleAssignmentScheduleRequests"));
    let items = values(&requests);
    assert_shape(&example(EXAMPLE_D1), &requests.body, "D1");
    let mut statuses: Vec<&str> = items
        .iter()
        .map(|i| i["status"].as_str().unwrap())
        .collect();
    statuses.sort();
    assert_eq!(
        statuses,
        [
            "Canceled",
            "Denied",
            "PendingApproval",
            "Provisioned",
            "Provisioned",
            "TimedOut"
        ]
    );
    assert!(items
        .iter()
        .all(|i| i["principalId"] == ALEX && i["roleDefinitionId"] == GLOBAL_ADMIN));

    let eligible = read(
        &tenant,
        &graph_list(
            "roleManagement/directory/roleEligibilityScheduleInstances",
            &format!("principalId eq '{ALEX}' and roleDefinitionId eq '{GLOBAL_ADMIN}'"),
        ),
        &adele,
    )
    .await;
    assert_eq!(eligible.len(), 1);
    assert!(eligible[0]["endDateTime"].is_string());
    assert_eq!(eligible[0]["memberType"], "Direct");
    assert!(eligible[0]["roleEligibilityScheduleId"].is_string());

    let active = tenant
        .get(
            &graph_list(
                "roleManagement/directory/roleAssignmentScheduleInstances",
                &format!("principalId eq '{ALEX}'"),
            ),
            &adele,
        )
        .await;
    assert_shape(&example(EXAMPLE_D2), &active.body, "D2");
    let active = values(&active);
    assert_eq!(active.len(), 1);
    assert_eq!(active[0]["roleDefinitionId"], HELPDESK_ADMIN);
    assert_eq!(active[0]["assignmentType"], "Activated");
    assert!(active[0]["endDateTime"].is_string());
    // Adele's own Global Reader assignment is permanent.
    let adele_roles = read(
        &tenant,
        &graph_list(
            "roleManagement/directory/roleAssignmentScheduleInstances",
            &format!("principalId eq '{ADELE}'"),
        ),
        &adele,
    )
    .await;
    assert_eq!(adele_roles[0]["assignmentType"], "Assigned");
    assert!(adele_roles[0]["endDateTime"].is_null());
}

#[tokio::test]
async fn d4_to_d6_give_the_requester_record_for_a_group() {
    let (tenant, adele) = Tenant::start_as(ADELE, "graph").await;
    let requests = tenant
        .get(
            &graph_list(
                "identityGovernance/privilegedAccess/group/assignmentScheduleRequests",
                &format!("groupId eq '{SQL_ADMINS}' and principalId eq '{LYNNE}'"),
            ),
            &adele,
        )
        .await;
    assert_shape(&example(EXAMPLE_D4), &requests.body, "D4");
    let items = values(&requests);
    let provisioned = items
        .iter()
        .filter(|i| i["status"] == "Provisioned")
        .count();
    assert_eq!(provisioned, 2);
    assert!(items.iter().all(|i| i["accessId"] == "member"));

    let eligible = tenant
        .get(
            &graph_list(
                "identityGovernance/privilegedAccess/group/eligibilityScheduleInstances",
                &format!("groupId eq '{SQL_ADMINS}'"),
            ),
            &adele,
        )
        .await;
    assert_shape(&example(EXAMPLE_D6), &eligible.body, "D6");
    let eligible = values(&eligible);
    let lynne = eligible.iter().find(|i| i["principalId"] == LYNNE).unwrap();
    assert!(lynne["id"]
        .as_str()
        .unwrap()
        .starts_with(&format!("{SQL_ADMINS}_member_")));
    assert!(lynne["endDateTime"].is_string());

    let active = read(
        &tenant,
        &graph_list(
            "identityGovernance/privilegedAccess/group/assignmentScheduleInstances",
            &format!("groupId eq '{EXCHANGE_OPERATORS}' and principalId eq '{LYNNE}'"),
        ),
        &adele,
    )
    .await;
    assert_eq!(active.len(), 1);
    assert_eq!(active[0]["assignmentType"], "Assigned");

    let unfiltered = tenant
        .get(
            "/graph/v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances",
            &adele,
        )
        .await;
    assert_eq!(unfiltered.status, 400);
}

#[tokio::test]
async fn e1_to_e3_give_the_requester_record_at_an_azure_scope() {
    let (tenant, adele) = Tenant::start_as(ADELE, "arm").await;
    let requests = tenant
        .get(
            &arm_list(
                PAYROLL,
                "roleAssignmentScheduleRequests",
                &format!("principalId eq '{ALEX}'"),
            ),
            &adele,
        )
        .await;
    assert_shape(&example(EXAMPLE_E1), &requests.body, "E1");
    let items = values(&requests);
    let names: Vec<&str> = items.iter().map(|i| i["name"].as_str().unwrap()).collect();
    for id in [
        AZURE_PENDING,
        "a2000000-0000-4000-8000-000000000103",
        "a2000000-0000-4000-8000-000000000202",
        // At the subscription above the resource group: "at, above or below the scope".
        "a2000000-0000-4000-8000-000000000102",
    ] {
        assert!(names.contains(&id), "{id} in {names:?}");
    }
    assert!(items.iter().all(|i| i["properties"]["principalId"] == ALEX));

    let active = read(
        &tenant,
        &arm_list(
            HUB,
            "roleAssignmentScheduleInstances",
            &format!("assignedTo('{DIEGO}')"),
        ),
        &adele,
    )
    .await;
    assert_eq!(active.len(), 1);
    let properties = &active[0]["properties"];
    assert_eq!(properties["assignmentType"], "Activated");
    assert!(properties["endDateTime"].is_string());
    assert_eq!(
        properties["expandedProperties"]["roleDefinition"]["displayName"],
        "Owner"
    );
    assert_eq!(
        active[0]["type"],
        "Microsoft.Authorization/roleAssignmentScheduleInstances"
    );

    let eligible = read(
        &tenant,
        &arm_list(
            PAYROLL,
            "roleEligibilityScheduleInstances",
            &format!("assignedTo('{ALEX}')"),
        ),
        &adele,
    )
    .await;
    let roles: Vec<&str> = eligible
        .iter()
        .map(|i| {
            i["properties"]["roleDefinitionId"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
        })
        .collect();
    assert!(
        roles.contains(&CONTRIBUTOR) && roles.contains(&OWNER),
        "{roles:?}"
    );
    let at_scope = read(
        &tenant,
        &arm_list(
            HUB,
            "roleEligibilityScheduleInstances",
            &format!("assignedTo('{ALEX}') and atScope()"),
        ),
        &adele,
    )
    .await;
    assert!(at_scope.iter().all(|i| i["properties"]["scope"]
        .as_str()
        .unwrap()
        .starts_with("/providers/Microsoft.Management")));
    assert_eq!(
        at_scope.len(),
        1,
        "only the management-group eligibility is above the hub"
    );
    for item in eligible {
        assert!(item["properties"]["roleEligibilityScheduleId"].is_string());
        assert!(item["properties"]["endDateTime"].is_string());
    }
}

#[tokio::test]
async fn a_decision_made_through_the_apis_shows_in_the_record() {
    let (tenant, graph) = Tenant::start_as(ADELE, "graph").await;
    let arm = tenant.token(ADELE, "arm").await;
    assert_eq!(
        tenant
            .graph_decide(&graph, ENTRA_PENDING, "Approve", "CHG-1042 verified")
            .await
            .status,
        204
    );
    let record = tenant
        .get(
            &graph_list(
                "roleManagement/directory/roleAssignmentScheduleRequests",
                &format!("principalId eq '{ALEX}' and status eq 'PendingApproval'"),
            ),
            &graph,
        )
        .await;
    assert!(values(&record).iter().all(|i| i["id"] != ENTRA_PENDING));
    let active = read(
        &tenant,
        &graph_list(
            "roleManagement/directory/roleAssignmentScheduleInstances",
            &format!("principalId eq '{ALEX}' and roleDefinitionId eq '{GLOBAL_ADMIN}'"),
        ),
        &graph,
    )
    .await;
    assert_eq!(active.len(), 1);
    assert_eq!(active[0]["assignmentType"], "Activated");

    assert_eq!(
        tenant
            .arm_decide(&arm, AZURE_PENDING, "Approve", "ok")
            .await
            .status,
        200
    );
    let instances = tenant
        .get(
            &arm_list(
                PAYROLL,
                "roleAssignmentScheduleInstances",
                &format!("assignedTo('{ALEX}')"),
            ),
            &arm,
        )
        .await;
    assert_eq!(values(&instances).len(), 1);
    // The activation ends after its requested duration.
    tenant.advance_minutes(2 * 60 + 1).await;
    let graph = tenant.token(ADELE, "graph").await;
    let arm = tenant.token(ADELE, "arm").await;
    let later = tenant
        .get(
            &arm_list(
                PAYROLL,
                "roleAssignmentScheduleInstances",
                &format!("assignedTo('{ALEX}')"),
            ),
            &arm,
        )
        .await;
    assert!(values(&later).is_empty());
    let later = tenant
        .get(
            &graph_list(
                "roleManagement/directory/roleAssignmentScheduleInstances",
                &format!("principalId eq '{ALEX}' and roleDefinitionId eq '{GLOBAL_ADMIN}'"),
            ),
            &graph,
        )
        .await;
    assert!(values(&later).is_empty());
}

#[tokio::test]
async fn f1_f2_user_facts_and_manager_have_the_reference_shape() {
    let (tenant, nestor) = Tenant::start_as(NESTOR, "graph").await;
    let default = tenant
        .get(&format!("/graph/v1.0/users/{ALEX}"), &nestor)
        .await;
    assert_eq!(default.status, 200, "{}", default.text);
    assert_shape(&example(EXAMPLE_F1), &default.body, "F1");
    let mut keys: Vec<&String> = default.body.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "@odata.context",
            "businessPhones",
            "displayName",
            "givenName",
            "id",
            "jobTitle",
            "mail",
            "mobilePhone",
            "officeLocation",
            "preferredLanguage",
            "surname",
            "userPrincipalName"
        ]
    );
    let select = "id,displayName,userPrincipalName,mail,accountEnabled,createdDateTime,jobTitle,department,userType,companyName,onPremisesSyncEnabled";
    let lynne = tenant
        .get(
            &format!("/graph/v1.0/users/{LYNNE}?$select={select}"),
            &nestor,
        )
        .await;
    assert_eq!(lynne.body["userType"], "Guest");
    assert_eq!(lynne.body["mail"], "lynne.robbins@fabrikam.com");
    assert_eq!(lynne.body["companyName"], "Fabrikam, Inc.");
    assert!(lynne.body.get("signInActivity").is_none());
    assert!(lynne.body["@odata.context"]
        .as_str()
        .unwrap()
        .contains(&format!("#users({select})/$entity")));
    let diego = tenant
        .get(
            &format!("/graph/v1.0/users/{DIEGO}?$select=accountEnabled,userType"),
            &nestor,
        )
        .await;
    assert_eq!(diego.body["accountEnabled"], false);
    assert_eq!(diego.body["userType"], "Member");
    let state = tenant
        .send(Method::GET, "/_emulator/state", None, None)
        .await
        .body;
    let now = chrono::DateTime::parse_from_rfc3339(state["now"].as_str().unwrap()).unwrap();
    let megan = tenant
        .get(
            &format!("/graph/v1.0/users/{MEGAN}?$select=createdDateTime"),
            &nestor,
        )
        .await;
    let created =
        chrono::DateTime::parse_from_rfc3339(megan.body["createdDateTime"].as_str().unwrap())
            .unwrap();
    assert_eq!((now - created).num_days(), 3);
    let unknown = tenant
        .get(
            &format!("/graph/v1.0/users/{ALEX}?$select=displayName,shoeSize"),
            &nestor,
        )
        .await;
    assert_eq!(unknown.status, 400);

    let manager = tenant
        .get(
            &format!("/graph/v1.0/users/{ALEX}/manager?$select=id,displayName,jobTitle,mail,userPrincipalName"),
            &nestor,
        )
        .await;
    assert_eq!(manager.status, 200, "{}", manager.text);
    assert_shape(&example(EXAMPLE_F2), &manager.body, "F2");
    assert_eq!(manager.body["id"], NESTOR);
    assert_eq!(manager.body["@odata.type"], "#microsoft.graph.user");
    let none = tenant
        .get(&format!("/graph/v1.0/users/{ADELE}/manager"), &nestor)
        .await;
    assert_eq!(none.status, 404);
    assert_eq!(none.body["error"]["code"], "Request_ResourceNotFound");
    let service_principal = tenant
        .get(&format!("/graph/v1.0/users/{DEPLOY}"), &nestor)
        .await;
    assert_eq!(service_principal.status, 404);
}

#[tokio::test]
async fn adele_reads_every_context_and_nestor_is_refused_as_the_reference_expects() {
    let tenant = Tenant::start().await;
    let graph_reads = [
        entra_policy_path(GLOBAL_ADMIN, "policy($expand=rules)"),
        group_policy_path(SQL_ADMINS, "member"),
        graph_list(
            "roleManagement/directory/roleAssignmentScheduleRequests",
            &format!("principalId eq '{ALEX}'"),
        ),
        graph_list(
            "roleManagement/directory/roleAssignmentScheduleInstances",
            &format!("principalId eq '{ALEX}'"),
        ),
        graph_list(
            "roleManagement/directory/roleEligibilityScheduleInstances",
            &format!("principalId eq '{ALEX}'"),
        ),
        graph_list(
            "identityGovernance/privilegedAccess/group/assignmentScheduleRequests",
            &format!("groupId eq '{SQL_ADMINS}'"),
        ),
        graph_list(
            "identityGovernance/privilegedAccess/group/assignmentScheduleInstances",
            &format!("groupId eq '{SQL_ADMINS}'"),
        ),
        graph_list(
            "identityGovernance/privilegedAccess/group/eligibilityScheduleInstances",
            &format!("groupId eq '{SQL_ADMINS}'"),
        ),
    ];
    let arm_reads = [
        arm_policy_path(PAYROLL, CONTRIBUTOR),
        arm_list(
            PAYROLL,
            "roleAssignmentScheduleRequests",
            &format!("principalId eq '{ALEX}'"),
        ),
        arm_list(
            PAYROLL,
            "roleAssignmentScheduleInstances",
            &format!("assignedTo('{ALEX}')"),
        ),
        arm_list(
            PAYROLL,
            "roleEligibilityScheduleInstances",
            &format!("assignedTo('{ALEX}')"),
        ),
    ];
    let adele_graph = tenant.token(ADELE, "graph").await;
    let adele_arm = tenant.token(ADELE, "arm").await;
    let nestor_graph = tenant.token(NESTOR, "graph").await;
    let nestor_arm = tenant.token(NESTOR, "arm").await;
    for path in &graph_reads {
        assert_eq!(
            tenant.get(path, &adele_graph).await.status,
            200,
            "Adele {path}"
        );
        let refused = tenant.get(path, &nestor_graph).await;
        assert_eq!(refused.status, 403, "Nestor {path}");
        assert_eq!(pim_error_code(&refused), "UnauthorizedAccessException");
    }
    for path in &arm_reads {
        assert_eq!(
            tenant.get(path, &adele_arm).await.status,
            200,
            "Adele {path}"
        );
        let refused = tenant.get(path, &nestor_arm).await;
        assert_eq!(refused.status, 403, "Nestor {path}");
        assert_eq!(refused.body["error"]["code"], "AuthorizationFailed");
        let message = refused.body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains(NESTOR) && message.contains(PAYROLL),
            "{message}"
        );
    }
    // Nestor still sees who the requester is, and can still read his own record.
    for path in [
        format!("/graph/v1.0/users/{ALEX}"),
        format!("/graph/v1.0/users/{ALEX}/manager"),
    ] {
        assert_eq!(tenant.get(&path, &nestor_graph).await.status, 200, "{path}");
    }
    let own = tenant
        .get(
            &arm_list(PAYROLL, "roleAssignmentScheduleInstances", "asTarget()"),
            &nestor_arm,
        )
        .await;
    assert_eq!(own.status, 200);
    // The approver views keep working for him.
    let queue = tenant
        .get(
            &format!("{ARM_REQUESTS}?{ARM_REQUEST_VERSION}&$filter=asApprover()"),
            &nestor_arm,
        )
        .await;
    assert_eq!(queue.status, 200);
    // Megan is a member of the approver group only: she reads that group's record, not another.
    let megan = tenant.token(MEGAN, "graph").await;
    let own_group = graph_list(
        "identityGovernance/privilegedAccess/group/assignmentScheduleRequests",
        &format!("groupId eq '{APPROVER_GROUP}'"),
    );
    assert_eq!(tenant.get(&own_group, &megan).await.status, 200);
    let other_group = tenant.get(&graph_reads[5], &megan).await;
    assert_eq!(other_group.status, 403);
}

#[tokio::test]
async fn a_missing_consent_reads_differently_from_a_missing_role() {
    let tenant = Tenant::start().await;
    // Adele has the roles but the token lacks the policy scope.
    let without_policy_scope = token_with(
        &tenant,
        ADELE,
        "graph",
        "User.Read RoleAssignmentSchedule.ReadWrite.Directory",
    )
    .await;
    let policy = tenant
        .get(
            &entra_policy_path(GLOBAL_ADMIN, "policy($expand=rules)"),
            &without_policy_scope,
        )
        .await;
    assert_eq!(policy.status, 403);
    assert_eq!(pim_error_code(&policy), "PermissionScopeNotGranted");
    let inner: Value =
        serde_json::from_str(policy.body["error"]["message"].as_str().unwrap()).unwrap();
    assert!(inner["message"].as_str().unwrap().starts_with(
        "Authorization failed due to missing permission scope RoleManagementPolicy.Read.Directory,"
    ));
    // The history scope the app already had still works.
    let history = tenant
        .get(
            &graph_list(
                "roleManagement/directory/roleAssignmentScheduleRequests",
                &format!("principalId eq '{ALEX}'"),
            ),
            &without_policy_scope,
        )
        .await;
    assert_eq!(history.status, 200);
    let eligibility = tenant
        .get(
            &graph_list(
                "roleManagement/directory/roleEligibilityScheduleInstances",
                &format!("principalId eq '{ALEX}'"),
            ),
            &without_policy_scope,
        )
        .await;
    assert_eq!(pim_error_code(&eligibility), "PermissionScopeNotGranted");
    // Without User.Read.All another user's profile is refused, one's own is not.
    let user = tenant
        .get(&format!("/graph/v1.0/users/{ALEX}"), &without_policy_scope)
        .await;
    assert_eq!(
        (user.status, user.body["error"]["code"].as_str()),
        (403, Some("Authorization_RequestDenied"))
    );
    let own = tenant
        .get(&format!("/graph/v1.0/users/{ADELE}"), &without_policy_scope)
        .await;
    assert_eq!(own.status, 200);
    // User.ReadBasic.All shows the basic properties only.
    let basic = token_with(&tenant, ADELE, "graph", "User.ReadBasic.All").await;
    let reply = tenant
        .get(
            &format!("/graph/v1.0/users/{LYNNE}?$select=displayName,userType,accountEnabled"),
            &basic,
        )
        .await;
    assert_eq!(reply.body["displayName"], "Lynne Robbins");
    assert!(reply.body.get("userType").is_none() && reply.body.get("accountEnabled").is_none());
    // Missing scope is reported before a missing role.
    let nestor = token_with(&tenant, NESTOR, "graph", "User.Read").await;
    let both = tenant
        .get(
            &entra_policy_path(GLOBAL_ADMIN, "policy($expand=rules)"),
            &nestor,
        )
        .await;
    assert_eq!(pim_error_code(&both), "PermissionScopeNotGranted");
}

/// The approval flow's Graph scopes: what the app asks for at sign-in.
const SIGN_IN_GRAPH_SCOPES: &str =
    "User.Read RoleAssignmentSchedule.ReadWrite.Directory PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup";
/// The context permissions the app asks for silently (README, "App registration").
use tenant_emulator::CONTEXT_PERMISSIONS as CONTEXT_SCOPES;
const VERIFIER: &str = "context-contract-verifier-0123456789-abcdefghijklmnop";

fn graph_scope_list(names: &str) -> String {
    let scopes: Vec<String> = names
        .split(' ')
        .map(|s| format!("https://graph.microsoft.com/{s}"))
        .collect();
    format!("openid profile offline_access {}", scopes.join(" "))
}

/// Nestor signs in on the sign-in page asking for `scope` (extra authorize parameters in `extra`);
/// the authorize endpoint's answer.
async fn nestor_authorizes(
    tenant: &Tenant,
    scope: &str,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let challenge = tenant_emulator::pkce_challenge(VERIFIER);
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("client_id", CLIENT_ID),
            ("response_type", "code"),
            ("redirect_uri", "http://127.0.0.1:8080/"),
            ("scope", scope),
            ("state", "s"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
            ("login_hint", "nestorw@contoso.onmicrosoft.com"),
        ])
        .extend_pairs(extra.iter().copied())
        .finish();
    // Nestor chooses his account on the sign-in page (the hint alone shows the page, as Entra does).
    tenant
        .http
        .post(tenant.url(&format!("/login/{TENANT}/oauth2/v2.0/authorize?{query}")))
        .form(&[("user", "a0000000-0000-4000-8000-000000000003")])
        .send()
        .await
        .unwrap()
}

async fn token_form(tenant: &Tenant, pairs: &[(&str, &str)]) -> Reply {
    let form = form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", CLIENT_ID)
        .extend_pairs(pairs.iter().copied())
        .finish();
    let response = tenant
        .http
        .post(tenant.url(&format!("/login/{TENANT}/oauth2/v2.0/token")))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    into_reply(response).await
}

/// Nestor's sign-in with the approval flow's scopes: its token response (with a refresh token).
async fn nestor_signs_in(tenant: &Tenant) -> Reply {
    let scope = graph_scope_list(SIGN_IN_GRAPH_SCOPES);
    let authorize = nestor_authorizes(tenant, &scope, &[]).await;
    assert_eq!(
        authorize.status(),
        302,
        "the sign-in needs no context consent"
    );
    let location = authorize.headers()["location"]
        .to_str()
        .unwrap()
        .to_string();
    let code = form_urlencoded::parse(location.split_once('?').unwrap().1.as_bytes())
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    token_form(
        tenant,
        &[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", "http://127.0.0.1:8080/"),
            ("code_verifier", VERIFIER),
            ("scope", scope.as_str()),
        ],
    )
    .await
}

async fn refresh_for(tenant: &Tenant, refresh_token: &str, names: &str) -> Reply {
    let scope = graph_scope_list(names);
    token_form(
        tenant,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("scope", scope.as_str()),
        ],
    )
    .await
}

#[tokio::test]
async fn context_scopes_are_had_later_from_the_refresh_token_where_the_tenant_consented() {
    let tenant = Tenant::start().await;
    let signed_in = nestor_signs_in(&tenant).await;
    assert_eq!(signed_in.status, 200, "{}", signed_in.text);
    let refresh_token = signed_in.body["refresh_token"].as_str().unwrap();
    // Never asked at sign-in, consented by the tenant's admin: minted silently.
    let all = format!("{SIGN_IN_GRAPH_SCOPES} RoleManagementPolicy.Read.Directory");
    let context = refresh_for(&tenant, refresh_token, &all).await;
    assert_eq!(context.status, 200, "{}", context.text);
    assert!(context.body["scope"]
        .as_str()
        .unwrap()
        .contains("https://graph.microsoft.com/RoleManagementPolicy.Read.Directory"));
    // A permission that is not the app's is still refused.
    let foreign = refresh_for(&tenant, refresh_token, "Mail.Read").await;
    assert_eq!(foreign.body["error_codes"][0], 65001);
}

#[tokio::test]
async fn a_tenant_without_context_consent_refuses_those_scopes_and_its_graph_refuses_the_reads() {
    let tenant = Tenant::start().await;
    let set = tenant
        .send(
            Method::POST,
            "/_emulator/consent",
            None,
            Some(json!({ "withheldScopes": CONTEXT_SCOPES })),
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.text);

    // Asking for them at sign-in stops on "Need admin approval" (an approver cannot consent).
    let asking_all = nestor_authorizes(&tenant, &graph_scope_list(ALL_GRAPH_SCOPES), &[]).await;
    assert_eq!(asking_all.status(), 400);
    let page = asking_all.text().await.unwrap();
    assert!(
        page.contains("AADSTS90094") && page.contains("Need admin approval"),
        "{page}"
    );
    // Silently: back to the app with consent_required.
    let silent = nestor_authorizes(
        &tenant,
        &graph_scope_list(ALL_GRAPH_SCOPES),
        &[("prompt", "none")],
    )
    .await;
    let location = silent.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.contains("error=consent_required") && location.contains("AADSTS65001"),
        "{location}"
    );

    // The approval flow's sign-in works.
    let signed_in = nestor_signs_in(&tenant).await;
    assert_eq!(signed_in.status, 200, "{}", signed_in.text);
    let refresh_token = signed_in.body["refresh_token"].as_str().unwrap();
    let graph_token = signed_in.body["access_token"].as_str().unwrap();

    // The token endpoint refuses a context scope as Entra does: 400 invalid_grant, AADSTS65001,
    // suberror consent_required; the sign-in's own scopes still come.
    for name in CONTEXT_SCOPES {
        let refused = refresh_for(
            &tenant,
            refresh_token,
            &format!("{SIGN_IN_GRAPH_SCOPES} {name}"),
        )
        .await;
        assert_eq!(refused.status, 400, "{name}");
        assert_eq!(refused.body["error"], "invalid_grant", "{name}");
        assert_eq!(refused.body["error_codes"], json!([65001]), "{name}");
        assert_eq!(refused.body["suberror"], "consent_required", "{name}");
        let description = refused.body["error_description"].as_str().unwrap();
        assert!(description.starts_with("AADSTS65001: The user or administrator has not consented to use the application with ID"), "{description}");
        for field in ["timestamp", "trace_id", "correlation_id"] {
            assert!(refused.body[field].is_string(), "{field}");
        }
    }
    let approval = refresh_for(&tenant, refresh_token, SIGN_IN_GRAPH_SCOPES).await;
    assert_eq!(approval.status, 200, "{}", approval.text);

    // Graph refuses the context reads to a token without those scopes, in Graph's shapes.
    let policy = tenant
        .get(
            &entra_policy_path(GLOBAL_ADMIN, "policy($expand=rules)"),
            graph_token,
        )
        .await;
    assert_eq!(policy.status, 403);
    assert_eq!(policy.body["error"]["code"], "UnknownError");
    assert_eq!(pim_error_code(&policy), "PermissionScopeNotGranted");
    let eligibility = tenant
        .get(
            &graph_list(
                "roleManagement/directory/roleEligibilityScheduleInstances",
                &format!("principalId eq '{ALEX}'"),
            ),
            graph_token,
        )
        .await;
    assert_eq!(pim_error_code(&eligibility), "PermissionScopeNotGranted");
    let user = tenant
        .get(&format!("/graph/v1.0/users/{ALEX}"), graph_token)
        .await;
    assert_eq!(
        (user.status, user.body["error"]["code"].as_str()),
        (403, Some("Authorization_RequestDenied"))
    );
    assert!(user.body["error"]["innerError"].is_object());

    // A reset restores the scenario's consent (every permission).
    tenant
        .send(Method::POST, "/_emulator/reset", None, None)
        .await;
    let signed_in = nestor_signs_in(&tenant).await;
    let refresh_token = signed_in.body["refresh_token"].as_str().unwrap();
    let context = refresh_for(&tenant, refresh_token, "User.Read.All").await;
    assert_eq!(context.status, 200, "{}", context.text);
}

#[tokio::test]
async fn the_scenario_can_withhold_consent_for_the_tenant() {
    let mut scenario = Scenario::demo();
    scenario.tenant.withheld_scopes = vec!["User.Read.All".into()];
    let tenant = Tenant::start_with(EmulatorConfig {
        scenario,
        ..demo_config()
    })
    .await;
    let signed_in = nestor_signs_in(&tenant).await;
    let refresh_token = signed_in.body["refresh_token"].as_str().unwrap();
    let refused = refresh_for(&tenant, refresh_token, "User.Read.All").await;
    assert_eq!(refused.body["suberror"], "consent_required");
    let other = refresh_for(
        &tenant,
        refresh_token,
        "RoleManagementPolicy.Read.Directory",
    )
    .await;
    assert_eq!(other.status, 200, "{}", other.text);
}

#[tokio::test]
async fn f3_sign_in_activity_is_gated_and_limited_to_ten_calls_a_minute() {
    let (tenant, adele) = Tenant::start_as(ADELE, "graph").await;
    let path = format!("/graph/v1.0/users/{ALEX}?$select=signInActivity");
    let first = tenant.get(&path, &adele).await;
    assert_eq!(first.status, 200, "{}", first.text);
    let activity = &first.body["signInActivity"];
    for field in [
        "lastSignInDateTime",
        "lastSignInRequestId",
        "lastNonInteractiveSignInDateTime",
        "lastSuccessfulSignInDateTime",
    ] {
        assert!(activity[field].is_string(), "{field}");
    }
    for _ in 1..10 {
        assert_eq!(tenant.get(&path, &adele).await.status, 200);
    }
    let throttled = tenant.get(&path, &adele).await;
    assert_eq!(throttled.status, 429);
    assert_eq!(throttled.body["error"]["code"], "TooManyRequests");
    let retry_after: i64 = throttled.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after));
    // The plain user read is not limited.
    assert_eq!(
        tenant
            .get(&format!("/graph/v1.0/users/{ALEX}"), &adele)
            .await
            .status,
        200
    );
    tenant.advance_minutes(1).await;
    let adele = tenant.token(ADELE, "graph").await;
    assert_eq!(tenant.get(&path, &adele).await.status, 200);

    let by_upn = tenant
        .get(
            "/graph/v1.0/users/alexw@contoso.onmicrosoft.com?$select=signInActivity",
            &adele,
        )
        .await;
    assert_eq!(by_upn.status, 400);
    let no_audit = token_with(&tenant, ADELE, "graph", "User.Read.All").await;
    let refused = tenant.get(&path, &no_audit).await;
    assert_eq!(
        (refused.status, refused.body["error"]["code"].as_str()),
        (403, Some("Authentication_MSGraphPermissionMissing"))
    );
    let nestor = tenant.token(NESTOR, "graph").await;
    let no_role = tenant.get(&path, &nestor).await;
    assert_eq!(
        (no_role.status, no_role.body["error"]["code"].as_str()),
        (403, Some("Authorization_RequestDenied"))
    );
}

#[tokio::test]
async fn f3_needs_a_premium_tenant() {
    let mut scenario: Value = serde_json::to_value(Scenario::demo()).unwrap();
    scenario["entraIdPremium"] = json!(false);
    let scenario = Scenario::from_json(&scenario.to_string()).unwrap();
    let mut config = EmulatorConfig::new(scenario);
    config.test_controls = true;
    let tenant = Tenant::start_with(config).await;
    let adele = tenant.token(ADELE, "graph").await;
    let reply = tenant
        .get(
            &format!("/graph/v1.0/users/{ALEX}?$select=displayName,signInActivity"),
            &adele,
        )
        .await;
    assert_eq!(
        (reply.status, reply.body["error"]["code"].as_str()),
        (
            403,
            Some("Authentication_RequestFromNonPremiumTenantOrB2CTenant")
        )
    );
}

#[tokio::test]
async fn batch_items_answer_each_with_their_own_status() {
    let (tenant, nestor) = Tenant::start_as(NESTOR, "graph").await;
    let policy = format!(
        "/policies/roleManagementPolicyAssignments?$filter=scopeId%20eq%20'/'%20and%20scopeType%20eq%20'DirectoryRole'%20and%20roleDefinitionId%20eq%20'{GLOBAL_ADMIN}'&$expand=policy($expand=rules)"
    );
    let body = json!({ "requests": [
        { "id": "policy", "method": "GET", "url": policy },
        { "id": "user", "method": "GET", "url": format!("/users/{ALEX}?$select=id,displayName,accountEnabled,userType,createdDateTime") },
        { "id": "manager", "method": "GET", "url": format!("/users/{ALEX}/manager") },
        { "id": "eligible", "method": "GET", "url": format!("/roleManagement/directory/roleEligibilityScheduleInstances?$filter=principalId%20eq%20'{ALEX}'") },
    ]});
    let reply = tenant
        .send(
            Method::POST,
            "/graph/v1.0/$batch",
            Some(&nestor),
            Some(body),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let status = |id: &str| {
        reply.body["responses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .map(|r| r["status"].as_u64().unwrap())
            .unwrap()
    };
    assert_eq!(
        [
            status("policy"),
            status("user"),
            status("manager"),
            status("eligible")
        ],
        [403, 200, 200, 403]
    );
    let adele = tenant.token(ADELE, "graph").await;
    let body = json!({ "requests": [{ "id": "policy", "method": "GET", "url": policy }] });
    let reply = tenant
        .send(Method::POST, "/graph/v1.0/$batch", Some(&adele), Some(body))
        .await;
    let item = &reply.body["responses"][0];
    assert_eq!(item["status"], 200);
    assert_eq!(item["body"]["value"][0]["roleDefinitionId"], GLOBAL_ADMIN);
}

#[tokio::test]
async fn scenarios_without_the_context_fields_still_load_and_bad_references_are_named() {
    let mut old: Value = serde_json::to_value(Scenario::demo()).unwrap();
    let top = old.as_object_mut().unwrap();
    for key in ["policies", "assignments", "eligibilities", "entraIdPremium"] {
        top.remove(key);
    }
    for user in old["users"].as_array_mut().unwrap() {
        let user = user.as_object_mut().unwrap();
        user.retain(|k, _| {
            [
                "id",
                "displayName",
                "userPrincipalName",
                "samAccountName",
                "type",
            ]
            .contains(&k.as_str())
        });
    }
    for group in old["groups"].as_array_mut().unwrap() {
        group
            .as_object_mut()
            .unwrap()
            .retain(|k, _| ["id", "displayName", "mail"].contains(&k.as_str()));
    }
    let scenario = Scenario::from_json(&old.to_string()).expect("an older scenario loads");
    let mut config = EmulatorConfig::new(scenario);
    config.test_controls = true;
    let tenant = Tenant::start_with(config).await;
    let adele = tenant.token(ADELE, "graph").await;
    // No roles declared: Adele is a plain approver there; user facts still read.
    let policy = tenant
        .get(&entra_policy_path(GLOBAL_ADMIN, "policy"), &adele)
        .await;
    assert_eq!(policy.status, 403);
    let user = tenant
        .get(
            &format!("/graph/v1.0/users/{ALEX}?$select=accountEnabled,userType"),
            &adele,
        )
        .await;
    assert_eq!(user.body["accountEnabled"], true);
    assert_eq!(user.body["userType"], "Member");

    let mut bad: Value = serde_json::to_value(Scenario::demo()).unwrap();
    bad["policies"][0]["role"] = json!("00000000-0000-0000-0000-000000000000");
    let error = Scenario::from_json(&bad.to_string()).unwrap_err();
    assert!(error.contains("policies[0]: unknown role"), "{error}");
    let mut bad: Value = serde_json::to_value(Scenario::demo()).unwrap();
    bad["users"][3]["manager"] = json!("nobody");
    let error = Scenario::from_json(&bad.to_string()).unwrap_err();
    assert!(error.contains("unknown user nobody"), "{error}");
}

/// Maximum activation of the policy a request falls under, read through the APIs as Adele.
async fn policy_maximum(tenant: &Tenant, request: &Value) -> String {
    let graph = tenant.token(ADELE, "graph").await;
    let arm = tenant.token(ADELE, "arm").await;
    let reply = match request["source"].as_str().unwrap() {
        "entraRoles" => {
            let path =
                entra_policy_path(request["role"].as_str().unwrap(), "policy($expand=rules)");
            tenant.get(&path, &graph).await
        }
        "groups" => {
            let access = request["accessId"].as_str().unwrap_or("member");
            let path = group_policy_path(request["group"].as_str().unwrap(), access);
            tenant.get(&path, &graph).await
        }
        _ => {
            let path = arm_policy_path(
                request["scope"].as_str().unwrap(),
                request["role"].as_str().unwrap(),
            );
            tenant.get(&path, &arm).await
        }
    };
    if reply.status == 500 {
        return "unreadable".into();
    }
    let item = &reply.body["value"][0];
    let rules = if item["policy"].is_object() {
        &item["policy"]["rules"]
    } else {
        &item["properties"]["effectiveRules"]
    };
    rule(rules, "Expiration_EndUser_Assignment")["maximumDuration"]
        .as_str()
        .unwrap()
        .to_string()
}

fn hours(duration: &str) -> u64 {
    duration
        .trim_start_matches("PT")
        .trim_end_matches('H')
        .parse()
        .unwrap()
}

#[tokio::test]
async fn demo_tenant_has_context_for_every_graph_and_arm_source() {
    let tenant = Tenant::start().await;
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/demo.json");
    let scenario: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    let pending: Vec<&Value> = scenario["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("state").is_none_or(|s| s == "pending"))
        .filter(|r| {
            ["entraRoles", "groups", "azureResources"].contains(&r["source"].as_str().unwrap())
        })
        .collect();
    let mut over_maximum = std::collections::HashSet::new();
    for request in &pending {
        let declared = scenario["policies"].as_array().unwrap().iter().any(|p| {
            p["source"] == request["source"]
                && (p["role"] == request["role"] || p["group"] == request["group"])
                && (p.get("scope").is_none() || p["scope"] == request["scope"])
                && p.get("accessId")
                    .is_none_or(|a| Some(a) == request.get("accessId"))
        });
        assert!(declared, "no policy for {}", request["id"]);
        let maximum = policy_maximum(&tenant, request).await;
        if maximum != "unreadable" && hours(request["duration"].as_str().unwrap()) > hours(&maximum)
        {
            over_maximum.insert(request["source"].as_str().unwrap().to_string());
        }
    }
    assert_eq!(over_maximum.len(), 3, "{over_maximum:?}");
    let e6 = pending
        .iter()
        .find(|r| r["id"] == "e0000000-0000-4000-8000-000000000006")
        .unwrap();
    assert_eq!(e6["duration"], "PT10H");

    let nestor = tenant.token(NESTOR, "graph").await;
    let facts = |id: &str| {
        format!("/graph/v1.0/users/{id}?$select=accountEnabled,userType,createdDateTime")
    };
    assert_eq!(
        tenant.get(&facts(LYNNE), &nestor).await.body["userType"],
        "Guest"
    );
    assert_eq!(
        tenant.get(&facts(DIEGO), &nestor).await.body["accountEnabled"],
        false
    );
    // Megan, created 3 days ago, has no earlier request: her first in 30 days.
    let adele = tenant.token(ADELE, "graph").await;
    let megan = tenant
        .get(
            &graph_list(
                "roleManagement/directory/roleAssignmentScheduleRequests",
                &format!("principalId eq '{MEGAN}'"),
            ),
            &adele,
        )
        .await;
    assert!(values(&megan)
        .iter()
        .all(|r| r["status"] == "PendingApproval"));
    // Every outcome appears in the last 30 days for Alex's Global Administrator requests (D1 test),
    // and a request 45 days old is there for the app to leave out.
    let diego = tenant
        .get(
            &graph_list(
                "roleManagement/directory/roleAssignmentScheduleRequests",
                &format!("principalId eq '{DIEGO}' and roleDefinitionId eq 'e8611ab8-c189-46e8-94e1-60213ab1f814'"),
            ),
            &adele,
        )
        .await;
    assert_eq!(values(&diego).len(), 2);
}
