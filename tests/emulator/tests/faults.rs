//! The faults that prove "decisions and sessions you can trust": writes that commit and then fail
//! (`afterCommit`, `conflictAfterCommit`, `stallAfterCommit`), a stall without commit, one malformed item
//! or unknown enum value among good ones, a 401 for a write, and `$batch` items failing on their own.
//! Each is checked on every service where it applies, against the store and the request log.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

async fn add_fault(tenant: &Tenant, fault: Value) {
    let reply = tenant
        .send(Method::POST, "/_emulator/faults", None, Some(fault))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
}

async fn log(tenant: &Tenant) -> Vec<Value> {
    let reply = tenant.send(Method::GET, "/_emulator/log", None, None).await;
    reply.body.as_array().unwrap().clone()
}

/// The log entries of writes (anything but GET) whose path starts with `prefix`.
async fn writes_to(tenant: &Tenant, prefix: &str) -> Vec<Value> {
    log(tenant)
        .await
        .into_iter()
        .filter(|e| e["method"] != "GET" && e["path"].as_str().unwrap().starts_with(prefix))
        .collect()
}

/// `fault` aimed at the next decision write through `via` (its method and path, `times: 1`).
fn write_fault(via: Via, mut fault: Value) -> Value {
    fault["method"] = json!(via.write_method());
    fault["path"] = json!(via.write_path());
    fault["times"] = json!(1);
    fault
}

/// A fresh demo tenant whose next decision write through `via` meets `fault`.
async fn tenant_with_write_fault(via: Via, fault: Value) -> Tenant {
    let tenant = Tenant::start().await;
    add_fault(&tenant, write_fault(via, fault)).await;
    tenant
}

#[tokio::test]
async fn after_commit_the_write_lands_and_the_client_gets_the_status_in_the_services_format() {
    for via in Via::ALL {
        let tenant =
            tenant_with_write_fault(via, json!({ "kind": "afterCommit", "status": 504 })).await;
        let reply = via.approve(&tenant).await;
        assert_eq!(reply.status, 504, "{via:?}: {}", reply.text);
        let expected = match via {
            Via::Pam => "Injected fault.",
            _ => "GatewayTimeout",
        };
        assert_eq!(via.error_of(&reply), expected, "{via:?}");
        if matches!(via, Via::Graph | Via::Groups) {
            assert!(reply.body["error"]["innerError"]["request-id"].is_string());
        }
        let state = tenant.state_of(via.pending()).await;
        assert_eq!(
            state.state,
            Status::Approved,
            "{via:?}: the write committed"
        );
        assert_eq!(state.decider(), Some(ADELE));
        let writes = writes_to(&tenant, &via.write_path()).await;
        assert_eq!(writes.len(), 1, "{via:?}");
        assert_eq!(writes[0]["status"], 504);
        assert_eq!(writes[0]["fault"]["kind"], "afterCommit");
        let handler = writes[0]["fault"]["handlerStatus"].as_u64().unwrap();
        assert!((200..300).contains(&handler), "{via:?}: {handler}");
    }
}

#[tokio::test]
async fn conflict_after_commit_answers_the_conflict_the_callers_own_decision_causes() {
    for via in Via::ALL {
        let tenant = tenant_with_write_fault(via, json!({ "kind": "conflictAfterCommit" })).await;
        let reply = via.approve(&tenant).await;
        let (status, error) = match via {
            Via::Graph | Via::Groups => (409, "Conflict"),
            Via::Arm => (409, "ApprovalStepAlreadyCompleted"),
            Via::Pam => (403, "Approval has already been completed."),
            Via::Portal => (409, "AlreadyDecided"),
        };
        assert_eq!(
            (reply.status, via.error_of(&reply).as_str()),
            (status, error),
            "{via:?}: {}",
            reply.text
        );
        match via {
            Via::Arm => assert!(reply.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("Adele Vance")),
            Via::Portal => assert_eq!(
                reply.body["error"]["request"]["decision"]["by"]["displayName"],
                "Adele Vance"
            ),
            _ => {}
        }
        let state = tenant.state_of(via.pending()).await;
        assert_eq!(
            (state.state, state.decider()),
            (Status::Approved, Some(ADELE)),
            "{via:?}: the caller's own decision is what the service holds"
        );
        let writes = writes_to(&tenant, &via.write_path()).await;
        assert_eq!(
            writes.len(),
            1,
            "{via:?}: the replay is not a second logged write"
        );
        assert_eq!(writes[0]["status"], status);
    }
}

#[tokio::test]
async fn stall_holds_the_request_then_drops_it_without_committing() {
    let tenant = Tenant::start().await;
    add_fault(
        &tenant,
        json!({ "method": "PATCH", "path": ROLE_APPROVALS, "kind": "stall", "ms": 400, "times": 1 }),
    )
    .await;
    let impatient = Via::Graph
        .write(&tenant, ADELE, ENTRA_PENDING, "Approve", "verified")
        .await
        .timeout(Duration::from_millis(150))
        .send()
        .await;
    assert!(
        impatient.unwrap_err().is_timeout(),
        "the client gives up first"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(tenant.state_of(ENTRA_PENDING).await.state, Status::Pending);

    add_fault(
        &tenant,
        json!({ "path": "/graph/v1.0/me", "kind": "stall", "ms": 300, "times": 1 }),
    )
    .await;
    let token = tenant.token(ADELE, "graph").await;
    let started = Instant::now();
    let patient = tenant
        .http
        .get(tenant.url("/graph/v1.0/me"))
        .bearer_auth(&token)
        .send()
        .await;
    assert!(patient.is_err(), "dropped without an answer");
    assert!(started.elapsed() >= Duration::from_millis(300));
    let entry = log(&tenant)
        .await
        .into_iter()
        .find(|e| e["path"] == "/graph/v1.0/me")
        .unwrap();
    assert_eq!(entry["status"], Value::Null);
    assert_eq!(entry["fault"]["kind"], "stall");
    assert!(
        entry["fault"].get("handlerStatus").is_none(),
        "no handler ran"
    );
}

#[tokio::test]
async fn stall_after_commit_lands_the_write_whose_answer_never_comes() {
    for via in Via::ALL {
        let tenant =
            tenant_with_write_fault(via, json!({ "kind": "stallAfterCommit", "ms": 100 })).await;
        let (id, verb) = (via.pending(), via.approve_verb());
        let write = via.write(&tenant, ADELE, id, verb, "verified").await;
        let result = write.send().await;
        assert!(result.is_err(), "{via:?}: no answer");
        assert_eq!(tenant.state_of(id).await.state, Status::Approved, "{via:?}");
        let writes = writes_to(&tenant, &via.write_path()).await;
        assert_eq!(writes.len(), 1);
        assert_eq!(writes[0]["status"], Value::Null, "{via:?}: never answered");
        assert_eq!(writes[0]["fault"]["kind"], "stallAfterCommit");
        assert!(writes[0]["fault"]["handlerStatus"].as_u64().unwrap() < 300);
    }
}

/// Where a list fault lands on each service by default: (fault path, read path, changed field).
fn default_targets(kind: &str) -> Vec<(String, String, &'static str)> {
    let arm_requests = format!("{ARM_REQUESTS}?{ARM_REQUEST_VERSION}&$filter=asApprover()");
    let arm_approvals = format!("{ARM_APPROVALS}?{ARM_APPROVAL_VERSION}&$filter=asApprover()");
    let pending_graph = format!("{G1_APPROVER}?$filter=status eq 'PendingApproval'");
    let approval = format!("{ROLE_APPROVALS}/{ENTRA_PENDING}");
    match kind {
        "malformedItem" => vec![
            (G1_APPROVER.into(), pending_graph, "value[1].scheduleInfo"),
            (
                ARM_REQUESTS.into(),
                arm_requests,
                "value[1].properties.scheduleInfo",
            ),
            (
                ARM_APPROVALS.into(),
                arm_approvals,
                "value[1].properties.stages",
            ),
            (
                format!("{PAM}/pamrequeststoapprove"),
                format!("{PAM}/pamrequeststoapprove"),
                "value[1].ApprovalObjectID",
            ),
            (
                format!("{PORTAL}/pending-approvals"),
                format!("{PORTAL}/pending-approvals"),
                "value[1].requestor",
            ),
            (approval.clone(), approval, "steps[0].assignedToMe"),
        ],
        _ => vec![
            (G1_APPROVER.into(), pending_graph, "value[1].status"),
            (
                ARM_REQUESTS.into(),
                arm_requests,
                "value[1].properties.status",
            ),
            (
                ARM_APPROVALS.into(),
                arm_approvals,
                "value[1].properties.stages[0].properties.status",
            ),
            (
                format!("{PORTAL}/pending-approvals"),
                format!("{PORTAL}/pending-approvals"),
                "value[1].status",
            ),
            (approval.clone(), approval, "steps[0].status"),
        ],
    }
}

/// `value[1].properties.stages[0].x` → the JSON value at that path.
fn at<'a>(body: &'a Value, path: &str) -> &'a Value {
    path.split('.')
        .flat_map(|part| part.split('['))
        .map(|key| key.trim_end_matches(']'))
        .fold(body, |value, key| match key.parse::<usize>() {
            Ok(index) => &value[index],
            Err(_) => &value[key],
        })
}

#[tokio::test]
async fn malformed_item_and_unknown_enum_change_one_item_and_leave_the_others() {
    for (kind, broken) in [
        ("malformedItem", None),
        ("unknownEnum", Some("FutureStatusValue")),
    ] {
        for (fault_path, read_path, target) in default_targets(kind) {
            let tenant = Tenant::start().await;
            let before = tenant.read_as(ADELE, &read_path).await.body;
            add_fault(
                &tenant,
                json!({ "method": "GET", "path": fault_path, "kind": kind, "item": 1, "times": 1 }),
            )
            .await;
            let after = tenant.read_as(ADELE, &read_path).await;
            assert_eq!(after.status, 200, "{kind} {read_path}");
            let value = at(&after.body, target);
            match broken {
                Some(text) => assert_eq!(value, text, "{kind} {target}"),
                None => assert!(
                    value == &json!(42) || value == &json!("not a number"),
                    "{target}: {value}"
                ),
            }
            let list = if target.starts_with("value") {
                "value"
            } else {
                "steps"
            };
            let (old_items, new_items) = (&before[list], &after.body[list]);
            assert_eq!(
                old_items.as_array().unwrap().len(),
                new_items.as_array().unwrap().len()
            );
            for index in 0..new_items.as_array().unwrap().len() {
                if !target.starts_with(&format!("{list}[{index}]")) {
                    assert_eq!(
                        old_items[index], new_items[index],
                        "{target}: the other items are intact"
                    );
                }
            }
            let entry = log(&tenant).await.pop().unwrap();
            assert_eq!(entry["fault"]["kind"], kind);
            assert_eq!(entry["fault"]["target"], target);
            assert_eq!(entry["fault"]["handlerStatus"], 200);
            let again = tenant.read_as(ADELE, &read_path).await.body;
            assert_eq!(again[list], before[list], "times: 1");
        }
    }
}

#[tokio::test]
async fn item_faults_take_a_named_field_and_value_and_reach_mim_pam_own_requests() {
    let (tenant, token) = Tenant::start_as(ADELE, "graph").await;
    add_fault(
        &tenant,
        json!({ "path": G1_APPROVER, "kind": "malformedItem", "item": 2,
        "field": "createdDateTime", "value": "not a date", "times": 1 }),
    )
    .await;
    let listed = tenant.get(G1_APPROVER, &token).await;
    assert_eq!(listed.body["value"][2]["createdDateTime"], "not a date");
    assert_ne!(listed.body["value"][1]["createdDateTime"], "not a date");
    add_fault(
        &tenant,
        json!({ "path": G1_APPROVER, "kind": "unknownEnum", "field": "action", "times": 1 }),
    )
    .await;
    let listed = tenant.get(G1_APPROVER, &token).await;
    assert_eq!(listed.body["value"][0]["action"], "FutureStatusValue");
    add_fault(
        &tenant,
        json!({ "path": format!("{PORTAL}/my-requests"), "kind": "unknownEnum",
        "field": "requestType", "value": "elevate", "times": 1 }),
    )
    .await;
    let mine = tenant.read_as(ALEX, &format!("{PORTAL}/my-requests")).await;
    assert_eq!(mine.body["value"][0]["requestType"], "elevate");

    add_fault(
        &tenant,
        json!({ "path": format!("{PAM}/pamrequests"), "kind": "unknownEnum", "times": 1 }),
    )
    .await;
    let own = tenant.read_as(ALEX, &format!("{PAM}/pamrequests")).await;
    assert_eq!(own.body["value"][0]["RequestStatus"], "FutureStatusValue");
    add_fault(
        &tenant,
        json!({ "path": format!("{PAM}/pamrequeststoapprove"), "kind": "unknownEnum", "times": 1 }),
    )
    .await;
    let to_approve = tenant
        .read_as(ADELE, &format!("{PAM}/pamrequeststoapprove"))
        .await;
    assert_eq!(to_approve.status, 200);
    let entry = log(&tenant).await.pop().unwrap();
    assert_eq!(
        entry["fault"]["target"],
        Value::Null,
        "M1 has no enum: nothing changed"
    );

    let unknown_field = tenant
        .send(
            Method::POST,
            "/_emulator/faults",
            None,
            Some(json!({ "path": "/graph/", "kind": "status", "retry_after": 3 })),
        )
        .await;
    assert_eq!(
        unknown_field.status, 400,
        "a misspelt field is refused, not ignored"
    );
}

#[tokio::test]
async fn unauthorized_answers_each_services_401_once_and_the_log_tells_the_tokens_apart() {
    let tenant = Tenant::start().await;
    for via in Via::ALL {
        add_fault(&tenant, write_fault(via, json!({ "kind": "unauthorized" }))).await;
        let refused = via.approve(&tenant).await;
        let expected = match via {
            Via::Graph | Via::Groups => "InvalidAuthenticationToken",
            Via::Arm => "ExpiredAuthenticationToken",
            Via::Pam => "Authorization has been denied for this request.",
            Via::Portal => "Unauthorized",
        };
        assert_eq!(
            (refused.status, via.error_of(&refused).as_str()),
            (401, expected),
            "{via:?}"
        );
        assert_eq!(
            tenant.state_of(via.pending()).await.state,
            Status::Pending,
            "{via:?}: not processed"
        );
        let resent = via.approve(&tenant).await;
        assert!(
            resent.status < 300,
            "{via:?}: the resend succeeds: {}",
            resent.text
        );
        let writes = writes_to(&tenant, &via.write_path()).await;
        let statuses: Vec<&Value> = writes.iter().map(|w| &w["status"]).collect();
        assert_eq!(statuses, [&json!(401), &json!(resent.status)], "{via:?}");
        if via != Via::Pam {
            let fingerprints: Vec<&str> = writes
                .iter()
                .map(|w| w["tokenFingerprint"].as_str().expect("a bearer token"))
                .collect();
            assert_ne!(
                fingerprints[0], fingerprints[1],
                "{via:?}: a new token the second time"
            );
        } else {
            assert!(
                writes.iter().all(|w| w["tokenFingerprint"].is_null()),
                "cookies only"
            );
        }
    }
    add_fault(
        &tenant,
        json!({ "path": ARM_REQUESTS, "kind": "unauthorized", "code": "InvalidAuthenticationToken", "times": 1 }),
    )
    .await;
    let arm = tenant.token(ADELE, "arm").await;
    let invalid = tenant
        .get(&format!("{ARM_REQUESTS}?{ARM_REQUEST_VERSION}"), &arm)
        .await;
    assert_eq!(invalid.body["error"]["code"], "InvalidAuthenticationToken");
}

#[tokio::test]
async fn status_faults_carry_each_services_code_for_the_status_or_the_given_one() {
    let (tenant, graph) = Tenant::start_as(ADELE, "graph").await;
    let arm = tenant.token(ADELE, "arm").await;
    let arm_path = format!("{ARM_REQUESTS}?{ARM_REQUEST_VERSION}");
    for (status, graph_code, arm_code) in [
        (403, "Forbidden", "AuthorizationFailed"),
        (404, "ResourceNotFound", "ResourceNotFound"),
        (409, "Conflict", "Conflict"),
        (502, "BadGateway", "BadGateway"),
    ] {
        add_fault(
            &tenant,
            json!({ "path": "/graph/v1.0/me", "kind": "status", "status": status, "times": 1 }),
        )
        .await;
        add_fault(
            &tenant,
            json!({ "path": ARM_REQUESTS, "kind": "status", "status": status, "times": 1 }),
        )
        .await;
        let reply = tenant.get("/graph/v1.0/me", &graph).await;
        assert_eq!(
            (reply.status, reply.body["error"]["code"].as_str()),
            (status, Some(graph_code))
        );
        let reply = tenant.get(&arm_path, &arm).await;
        assert_eq!(
            (reply.status, reply.body["error"]["code"].as_str()),
            (status, Some(arm_code))
        );
    }
    add_fault(&tenant, json!({ "path": "/graph/v1.0/me", "kind": "status", "status": 503,
        "code": "serviceNotAvailable", "message": "Service unavailable, retry later.", "retryAfter": 4, "times": 1 }))
    .await;
    let reply = tenant.get("/graph/v1.0/me", &graph).await;
    assert_eq!(reply.body["error"]["code"], "serviceNotAvailable");
    assert_eq!(
        reply.body["error"]["message"],
        "Service unavailable, retry later."
    );
    assert_eq!(reply.header("retry-after").as_deref(), Some("4"));
}

#[tokio::test]
async fn batch_items_fail_on_their_own_with_their_own_status_and_retry_after() {
    let (tenant, token) = Tenant::start_as(ADELE, "graph").await;
    let pending = [
        ENTRA_PENDING,
        "e0000000-0000-4000-8000-000000000002",
        "e0000000-0000-4000-8000-000000000003",
        "e0000000-0000-4000-8000-000000000006",
    ];
    let faults = [
        json!({ "kind": "throttle", "retryAfter": 9 }),
        json!({ "kind": "status", "status": 503, "retryAfter": 2 }),
        json!({ "kind": "status", "status": 404 }),
    ];
    for (id, fault) in pending.iter().zip(&faults) {
        let mut fault = fault.clone();
        fault["path"] = json!(format!("{ROLE_APPROVALS}/{id}"));
        fault["times"] = json!(1);
        add_fault(&tenant, fault).await;
    }
    let step = tenant.state_of(pending[3]).await.ids.step_id;
    add_fault(
        &tenant,
        json!({ "method": "PATCH", "path": format!("{ROLE_APPROVALS}/{}/steps", pending[3]),
        "kind": "afterCommit", "status": 504, "times": 1 }),
    )
    .await;
    let mut requests: Vec<Value> = pending
        .iter()
        .map(|id| json!({ "id": id, "method": "GET", "url": format!("/roleManagement/directory/roleAssignmentApprovals/{id}") }))
        .collect();
    requests.push(json!({ "id": "write", "method": "PATCH",
        "url": format!("/roleManagement/directory/roleAssignmentApprovals/{}/steps/{step}", pending[3]),
        "headers": { "Content-Type": "application/json" },
        "body": { "reviewResult": "Approve", "justification": "batch" } }));
    let reply = tenant
        .send(
            Method::POST,
            "/graph/beta/$batch",
            Some(&token),
            Some(json!({ "requests": requests })),
        )
        .await;
    assert_eq!(reply.status, 200);
    let responses = reply.body["responses"].as_array().unwrap();
    let item = |id: &str| responses.iter().find(|r| r["id"] == id).unwrap().clone();
    let throttled = item(pending[0]);
    assert_eq!(
        (
            throttled["status"].as_u64(),
            throttled["headers"]["Retry-After"].as_str()
        ),
        (Some(429), Some("9"))
    );
    assert_eq!(throttled["body"]["error"]["code"], "TooManyRequests");
    let unavailable = item(pending[1]);
    assert_eq!(
        (
            unavailable["status"].as_u64(),
            unavailable["headers"]["Retry-After"].as_str()
        ),
        (Some(503), Some("2"))
    );
    let missing = item(pending[2]);
    assert_eq!(
        (
            missing["status"].as_u64(),
            missing["body"]["error"]["code"].as_str()
        ),
        (Some(404), Some("ResourceNotFound"))
    );
    assert!(missing["headers"].get("Retry-After").is_none());
    assert_eq!(item(pending[3])["status"], 200, "the others succeed");
    assert_eq!(item(pending[3])["body"]["id"], pending[3]);
    assert_eq!(item("write")["status"], 504);
    assert_eq!(
        tenant.state_of(pending[3]).await.state,
        Status::Approved,
        "the item's write committed"
    );

    let retried: Vec<Value> = pending[..3]
        .iter()
        .map(|id| json!({ "id": id, "method": "GET", "url": format!("/roleManagement/directory/roleAssignmentApprovals/{id}") }))
        .collect();
    let again = tenant
        .send(
            Method::POST,
            "/graph/beta/$batch",
            Some(&token),
            Some(json!({ "requests": retried })),
        )
        .await;
    assert!(
        again.body["responses"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == 200),
        "times: 1 each"
    );
    let faulted: Vec<Value> = log(&tenant)
        .await
        .into_iter()
        .filter(|e| e["batchItem"] == true && e.get("fault").is_some())
        .collect();
    assert_eq!(
        faulted.len(),
        4,
        "each item's fault is in its own log entry"
    );
}
