//! Contracts of the `$batch` writes a bulk decision sends: stage PATCHes in `/beta/$batch` for Entra
//! role steps and `/v1.0/$batch` for group stages, each item answered with its own status and each
//! one decision in the tenant; an item with a body but no `Content-Type` fails the batch with 400, as
//! Graph's does; Entra role approvals have no v1.0 surface, in a batch as outside one.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{json, Value};

const OTHER_ENTRA: &str = "e0000000-0000-4000-8000-000000000003";
const OTHER_GROUP: &str = "90000000-0000-4000-8000-000000000003";

/// A stage PATCH item of a `$batch`, with the `Content-Type` Graph needs.
fn decide_item(id: &str, url: String, result: &str) -> Value {
    json!({
        "id": id,
        "method": "PATCH",
        "url": url,
        "headers": { "Content-Type": "application/json" },
        "body": { "reviewResult": result, "justification": "Bulk: change window CHG-7001" },
    })
}

fn batch_writes(log: &Value) -> Vec<Value> {
    log.as_array()
        .unwrap()
        .iter()
        .filter(|e| e["batchItem"] == true && e["method"] == "PATCH")
        .cloned()
        .collect()
}

#[tokio::test]
async fn entra_role_steps_are_decided_in_a_beta_batch_each_with_its_own_answer() {
    let (tenant, token) = Tenant::start_as(ADELE, "graph").await;
    let step = |id: &'static str| {
        let tenant = &tenant;
        async move {
            let step = tenant.derived_ids(id).await.step_id;
            format!("/roleManagement/directory/roleAssignmentApprovals/{id}/steps/{step}")
        }
    };
    let batch = json!({ "requests": [
        decide_item("0", step(ENTRA_PENDING).await, "Approve"),
        decide_item("1", step(OTHER_ENTRA).await, "Deny"),
        decide_item("2", "/roleManagement/directory/roleAssignmentApprovals/00000000-0000-0000-0000-000000000000/steps/x".into(), "Approve"),
    ]});
    let reply = tenant
        .send(
            Method::POST,
            "/graph/beta/$batch",
            Some(&token),
            Some(batch),
        )
        .await;
    assert_eq!(
        reply.status, 200,
        "the outer call succeeds whatever the items do"
    );
    let responses = reply.body["responses"].as_array().unwrap();
    let status = |id: &str| responses.iter().find(|r| r["id"] == id).unwrap()["status"].clone();
    assert_eq!(status("0"), 204);
    assert_eq!(status("1"), 204);
    assert_eq!(status("2"), 404);
    assert_eq!(tenant.state_of(ENTRA_PENDING).await.state, Status::Approved);
    assert_eq!(tenant.state_of(OTHER_ENTRA).await.state, Status::Denied);
    let log = tenant
        .send(Method::GET, "/_emulator/log", None, None)
        .await
        .body;
    assert_eq!(
        batch_writes(&log).len(),
        3,
        "each item is logged as its own write"
    );

    // The same write again: the step is decided, so 409, and nothing changes.
    let again = json!({ "requests": [decide_item("0", step(ENTRA_PENDING).await, "Deny")] });
    let reply = tenant
        .send(
            Method::POST,
            "/graph/beta/$batch",
            Some(&token),
            Some(again),
        )
        .await;
    assert_eq!(reply.body["responses"][0]["status"], 409);
    assert_eq!(tenant.state_of(ENTRA_PENDING).await.state, Status::Approved);
}

#[tokio::test]
async fn group_stages_are_decided_in_a_v1_batch() {
    let (tenant, token) = Tenant::start_as(ADELE, "graph").await;
    let mut items = Vec::new();
    for (n, id) in [GROUP_PENDING, OTHER_GROUP].into_iter().enumerate() {
        let stage = tenant.derived_ids(id).await.step_id;
        items.push(decide_item(
            &n.to_string(),
            format!("/identityGovernance/privilegedAccess/group/assignmentApprovals/{id}/stages/{stage}"),
            "Approve",
        ));
    }
    let reply = tenant
        .send(
            Method::POST,
            "/graph/v1.0/$batch",
            Some(&token),
            Some(json!({ "requests": items })),
        )
        .await;
    assert_eq!(reply.status, 200);
    for response in reply.body["responses"].as_array().unwrap() {
        assert_eq!(response["status"], 204, "{response}");
    }
    assert_eq!(tenant.state_of(GROUP_PENDING).await.state, Status::Approved);
    assert_eq!(tenant.state_of(OTHER_GROUP).await.state, Status::Approved);
}

#[tokio::test]
async fn a_batched_write_without_content_type_fails_the_whole_batch() {
    let (tenant, token) = Tenant::start_as(ADELE, "graph").await;
    let step = tenant.derived_ids(ENTRA_PENDING).await.step_id;
    let mut item = decide_item(
        "7",
        format!("/roleManagement/directory/roleAssignmentApprovals/{ENTRA_PENDING}/steps/{step}"),
        "Approve",
    );
    item.as_object_mut().unwrap().remove("headers");
    let reply = tenant
        .send(
            Method::POST,
            "/graph/beta/$batch",
            Some(&token),
            Some(json!({ "requests": [item] })),
        )
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.body["error"]["message"],
        "Write request id : 7 does not contain Content-Type header or body."
    );
    assert_eq!(tenant.state_of(ENTRA_PENDING).await.state, Status::Pending);
}

#[tokio::test]
async fn entra_role_steps_have_no_v1_batch_surface() {
    let (tenant, token) = Tenant::start_as(ADELE, "graph").await;
    let step = tenant.derived_ids(ENTRA_PENDING).await.step_id;
    let batch = json!({ "requests": [decide_item(
        "0",
        format!("/roleManagement/directory/roleAssignmentApprovals/{ENTRA_PENDING}/steps/{step}"),
        "Approve",
    )]});
    let reply = tenant
        .send(
            Method::POST,
            "/graph/v1.0/$batch",
            Some(&token),
            Some(batch),
        )
        .await;
    assert_eq!(reply.status, 200);
    let status = reply.body["responses"][0]["status"].as_u64().unwrap();
    assert!(status >= 400, "v1.0 has no role approvals: {status}");
    assert_eq!(tenant.state_of(ENTRA_PENDING).await.state, Status::Pending);
}
