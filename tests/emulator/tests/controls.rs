//! Test controls: faults (one test per kind), the request log, paging, `$batch`, CORS, reset,
//! `--generate` and serving the app with its generated config.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::time::{Duration, Instant};
use tenant_emulator::{EmulatorConfig, ServeApp, Source, StateView};

async fn add_fault(tenant: &Tenant, fault: Value) {
    let reply = tenant
        .send(Method::POST, "/_emulator/faults", None, Some(fault))
        .await;
    assert_eq!(reply.status, 200);
    assert!(reply.body["id"].is_string());
}

#[tokio::test]
async fn latency_fault_delays_matching_requests() {
    let (tenant, token) = Tenant::start_as(ADELE, "graph").await;
    add_fault(
        &tenant,
        json!({ "path": "/graph/v1.0/me", "kind": "latency", "ms": 300 }),
    )
    .await;
    let started = Instant::now();
    assert_eq!(tenant.get("/graph/v1.0/me", &token).await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    let started = Instant::now();
    tenant.get(G1_APPROVER, &token).await;
    assert!(
        started.elapsed() < Duration::from_millis(300),
        "other paths are not delayed"
    );
}

#[tokio::test]
async fn route_latency_replaces_the_fixed_latency_and_preflights_pay_it_too() {
    let tenant = Tenant::start_with(EmulatorConfig {
        latency_ms: 250,
        route_latency: vec![("/graph/v1.0/me".into(), 0)],
        ..demo_config()
    })
    .await;
    let token = tenant.token(ADELE, "graph").await;
    let started = Instant::now();
    assert_eq!(tenant.get("/graph/v1.0/me", &token).await.status, 200);
    assert!(
        started.elapsed() < Duration::from_millis(250),
        "its own route latency (0) replaces --latency-ms"
    );
    let started = Instant::now();
    tenant.get(G1_APPROVER, &token).await;
    assert!(started.elapsed() >= Duration::from_millis(250));
    let started = Instant::now();
    let preflight = client()
        .request(Method::OPTIONS, tenant.url(G1_APPROVER))
        .header("Origin", APP_ORIGIN)
        .header("Access-Control-Request-Method", "PATCH")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 204);
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "a preflight is one more round trip"
    );
}

#[tokio::test]
async fn throttle_fault_answers_429_with_retry_after_and_times_limits_it() {
    let (tenant, token) = Tenant::start_as(ADELE, "graph").await;
    add_fault(&tenant, json!({ "method": "GET", "path": "/graph/v1.0/roleManagement", "kind": "throttle", "retryAfter": 7, "times": 2 })).await;
    for _ in 0..2 {
        let throttled = tenant.get(G1_APPROVER, &token).await;
        assert_eq!(throttled.status, 429);
        assert_eq!(throttled.header("retry-after").as_deref(), Some("7"));
        assert_eq!(throttled.body["error"]["code"], "TooManyRequests");
        assert!(
            throttled.body["error"]["innerError"]["request-id"].is_string(),
            "Graph's error shape"
        );
    }
    assert_eq!(
        tenant.get(G1_APPROVER, &token).await.status,
        200,
        "times: 2 then the fault is gone"
    );
}

#[tokio::test]
async fn status_fault_uses_the_service_error_format() {
    let tenant = Tenant::start().await;
    let cases = [
        (
            "/arm/",
            format!("{ARM_REQUESTS}?{ARM_REQUEST_VERSION}"),
            503,
            "/error/code",
            "ServiceUnavailable",
        ),
        (
            "/pam/",
            format!("{PAM}/pamrequeststoapprove"),
            500,
            "/odata.error/message/value",
            "Injected fault.",
        ),
        (
            "/graph/",
            "/graph/v1.0/me".to_string(),
            502,
            "/error/code",
            "BadGateway",
        ),
        (
            "/portal/",
            format!("{PORTAL}/pending-approvals"),
            504,
            "/error/code",
            "GatewayTimeout",
        ),
    ];
    for (prefix, path, status, pointer, expected) in cases {
        add_fault(
            &tenant,
            json!({ "path": prefix, "kind": "status", "status": status, "times": 1 }),
        )
        .await;
        let failed = tenant.read_as(ADELE, &path).await;
        assert_eq!(failed.status, status, "{path}");
        assert_eq!(
            failed.body.pointer(pointer),
            Some(&json!(expected)),
            "{path}"
        );
    }
    let graph = tenant.token(ADELE, "graph").await;
    add_fault(
        &tenant,
        json!({ "path": "/graph/", "kind": "status", "times": 1 }),
    )
    .await;
    let failed = tenant.get("/graph/v1.0/me", &graph).await;
    assert_eq!(failed.status, 503, "503 unless the fault says otherwise");
    assert!(failed.body["error"]["innerError"]["request-id"].is_string());
}

#[tokio::test]
async fn drop_fault_closes_the_connection_without_a_response() {
    let (tenant, token) = Tenant::start_as(ADELE, "graph").await;
    add_fault(
        &tenant,
        json!({ "path": "/graph/v1.0/me", "kind": "drop", "times": 1 }),
    )
    .await;
    let result = tenant
        .http
        .get(tenant.url("/graph/v1.0/me"))
        .bearer_auth(&token)
        .send()
        .await;
    assert!(result.is_err(), "no response at all");
    assert_eq!(tenant.get("/graph/v1.0/me", &token).await.status, 200);
    let log = tenant
        .send(Method::GET, "/_emulator/log", None, None)
        .await
        .body;
    let dropped = log
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"] == "/graph/v1.0/me")
        .unwrap();
    assert_eq!(dropped["status"], Value::Null);
}

#[tokio::test]
async fn malformed_fault_sends_200_with_broken_json() {
    let (tenant, token) = Tenant::start_as(ADELE, "portal").await;
    add_fault(&tenant, json!({ "path": "/portal/", "kind": "malformed" })).await;
    let reply = tenant
        .get(&format!("{PORTAL}/pending-approvals"), &token)
        .await;
    assert_eq!(reply.status, 200);
    assert!(reply
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    assert!(serde_json::from_str::<Value>(&reply.text).is_err());
    assert_eq!(
        tenant
            .send(Method::DELETE, "/_emulator/faults", None, None)
            .await
            .status,
        204
    );
    assert!(tenant
        .get(&format!("{PORTAL}/pending-approvals"), &token)
        .await
        .body
        .is_object());
}

#[tokio::test]
async fn request_log_records_method_path_body_and_redacts_authorization() {
    let (tenant, token) = Tenant::start_as(ADELE, "graph").await;
    tenant
        .graph_decide(&token, ENTRA_PENDING, "Approve", "ticket CHG-1042 verified")
        .await;
    let log = tenant.send(Method::GET, "/_emulator/log", None, None).await;
    assert!(!log.text.contains(&token), "the raw token never appears");
    let entries = log.body.as_array().unwrap();
    assert!(entries
        .iter()
        .all(|e| !e["path"].as_str().unwrap().starts_with("/_emulator")));
    let patch = entries.iter().find(|e| e["method"] == "PATCH").unwrap();
    assert!(patch["path"]
        .as_str()
        .unwrap()
        .starts_with(&format!("{ROLE_APPROVALS}/{ENTRA_PENDING}/steps/")));
    assert_eq!(patch["status"], 204);
    assert_eq!(
        patch["headers"]["authorization"],
        "Bearer <aud=https://graph.microsoft.com>"
    );
    let body: Value = serde_json::from_str(patch["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["justification"], "ticket CHG-1042 verified");
    assert!(patch["seq"].is_u64() && patch["at"].is_string());
    tenant
        .get(
            &format!("{G1_APPROVER}?$filter=status eq 'PendingApproval'"),
            &token,
        )
        .await;
    let log = tenant
        .send(Method::GET, "/_emulator/log", None, None)
        .await
        .body;
    let get = log.as_array().unwrap().last().unwrap();
    assert_eq!(get["query"], "$filter=status%20eq%20%27PendingApproval%27");
    assert_eq!(
        tenant
            .send(Method::DELETE, "/_emulator/log", None, None)
            .await
            .status,
        204
    );
    assert_eq!(
        tenant
            .send(Method::GET, "/_emulator/log", None, None)
            .await
            .body,
        json!([])
    );
}

/// Follow `nextLink`/`@odata.nextLink` and collect every id.
async fn collect_all(
    tenant: &Tenant,
    first: &str,
    token: &str,
    link_key: &str,
    id_key: &str,
) -> (usize, Vec<String>) {
    let mut url = tenant.url(first);
    let (mut pages, mut ids) = (0, Vec::new());
    loop {
        let page = into_reply(
            tenant
                .http
                .get(&url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(page.status, 200, "{}", page.text);
        pages += 1;
        let items = page.body["value"].as_array().unwrap();
        assert!(items.len() <= 3);
        ids.extend(
            items
                .iter()
                .map(|i| i[id_key].as_str().unwrap().to_string()),
        );
        match page.body[link_key].as_str() {
            Some(next) => {
                assert!(next.starts_with(&tenant.base), "absolute next link");
                url = next.to_string();
            }
            None => return (pages, ids),
        }
    }
}

#[tokio::test]
async fn lists_page_with_absolute_next_links_at_small_page_sizes() {
    let mut config = demo_config();
    config.page_size = 3;
    let tenant = Tenant::start_with(config).await;
    let graph = tenant.token(ADELE, "graph").await;
    let (pages, ids) = collect_all(
        &tenant,
        &format!("{G1_APPROVER}?$filter=status eq 'PendingApproval'"),
        &graph,
        "@odata.nextLink",
        "id",
    )
    .await;
    assert_eq!(ids.len(), 6);
    assert_eq!(pages, 2);
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        ids.len(),
        "no duplicates across pages"
    );
    let arm = tenant.token(ADELE, "arm").await;
    let (_, arm_ids) = collect_all(
        &tenant,
        &format!("{ARM_REQUESTS}?{ARM_REQUEST_VERSION}&$filter=asApprover()"),
        &arm,
        "nextLink",
        "name",
    )
    .await;
    let adele_approves_in_azure = tenant_emulator::Scenario::demo()
        .requests
        .iter()
        .filter(|r| r.source == tenant_emulator::Source::AzureResources)
        .filter(|r| r.approvers.iter().any(|a| a == ADELE))
        .count();
    assert_eq!(
        arm_ids.len(),
        adele_approves_in_azure,
        "pending and history"
    );
    assert!(adele_approves_in_azure > 10, "more than one page of 5");
    let portal = tenant.token(ADELE, "portal").await;
    let (pages, portal_ids) = collect_all(
        &tenant,
        &format!("{PORTAL}/pending-approvals"),
        &portal,
        "nextLink",
        "id",
    )
    .await;
    assert_eq!((pages, portal_ids.len()), (2, 5));
}

fn batch_of(count: usize) -> Value {
    let requests: Vec<Value> = (0..count)
        .map(|i| json!({ "id": i.to_string(), "method": "GET", "url": "/me" }))
        .collect();
    json!({ "requests": requests })
}

#[tokio::test]
async fn batch_limits_to_20_unique_requests() {
    let (tenant, token) = Tenant::start_as(ADELE, "graph").await;
    assert_eq!(
        tenant
            .send(
                Method::POST,
                "/graph/v1.0/$batch",
                Some(&token),
                Some(batch_of(20))
            )
            .await
            .status,
        200
    );
    let too_many = tenant
        .send(
            Method::POST,
            "/graph/v1.0/$batch",
            Some(&token),
            Some(batch_of(21)),
        )
        .await;
    assert_eq!(too_many.status, 400);
    assert_eq!(too_many.body["error"]["code"], "BadRequest");
    assert_eq!(
        too_many.body["error"]["message"],
        "Number of requests in a batch exceeded the limit of 20."
    );
    let duplicate = json!({ "requests": [{ "id": "1", "method": "GET", "url": "/me" }, { "id": "1", "method": "GET", "url": "/me" }] });
    assert_eq!(
        tenant
            .send(
                Method::POST,
                "/graph/v1.0/$batch",
                Some(&token),
                Some(duplicate)
            )
            .await
            .status,
        400
    );
    assert_eq!(
        tenant
            .send(Method::POST, "/graph/v1.0/$batch", None, Some(batch_of(1)))
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn batch_items_have_their_own_statuses_and_faults() {
    let (tenant, token) = Tenant::start_as(ADELE, "graph").await;
    let step = tenant.state_of(ENTRA_PENDING).await.ids.step_id;
    let other = "e0000000-0000-4000-8000-000000000003";
    let other_step = tenant.state_of(other).await.ids.step_id;
    add_fault(
        &tenant,
        json!({ "path": format!("{ROLE_APPROVALS}/{other}"), "kind": "throttle", "retryAfter": 3 }),
    )
    .await;
    let batch = json!({ "requests": [
        { "id": "approve", "method": "PATCH", "url": format!("/roleManagement/directory/roleAssignmentApprovals/{ENTRA_PENDING}/steps/{step}"),
          "headers": { "Content-Type": "application/json" }, "body": { "reviewResult": "Approve", "justification": "batch approved" } },
        { "id": "read", "method": "GET", "url": format!("/roleManagement/directory/roleAssignmentApprovals/{ENTRA_PENDING}"), "dependsOn": ["approve"] },
        { "id": "missing", "method": "GET", "url": "/roleManagement/directory/roleAssignmentApprovals/00000000-0000-0000-0000-000000000000" },
        { "id": "own", "method": "PATCH", "url": format!("/roleManagement/directory/roleAssignmentApprovals/{ENTRA_NOT_ADELES}/steps/x"),
          "headers": { "Content-Type": "application/json" }, "body": { "reviewResult": "Approve", "justification": "x" } },
        { "id": "throttled", "method": "PATCH", "url": format!("/roleManagement/directory/roleAssignmentApprovals/{other}/steps/{other_step}"),
          "headers": { "content-type": "application/json" }, "body": { "reviewResult": "Deny", "justification": "no" } },
        { "id": "after-throttle", "method": "GET", "url": "/me", "dependsOn": ["throttled"] }
    ]});
    let reply = tenant
        .send(
            Method::POST,
            "/graph/beta/$batch",
            Some(&token),
            Some(batch),
        )
        .await;
    assert_eq!(reply.status, 200);
    let responses = reply.body["responses"].as_array().unwrap();
    let by_id = |id: &str| responses.iter().find(|r| r["id"] == id).unwrap().clone();
    assert_eq!(by_id("approve")["status"], 204);
    assert!(by_id("approve").get("body").is_none(), "204 has no body");
    assert_eq!(by_id("read")["status"], 200);
    assert_eq!(
        by_id("read")["body"]["steps"][0]["reviewResult"],
        "Approved"
    );
    assert_eq!(by_id("missing")["status"], 404);
    assert_eq!(by_id("own")["status"], 404, "wrong step id");
    let throttled = by_id("throttled");
    assert_eq!(throttled["status"], 429);
    assert_eq!(throttled["headers"]["Retry-After"], "3");
    assert_eq!(by_id("after-throttle")["status"], 424);
    assert_eq!(tenant.state_of(other).await.state, Status::Pending);
    let log = tenant
        .send(Method::GET, "/_emulator/log", None, None)
        .await
        .body;
    assert!(log
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["batchItem"] == true && e["method"] == "PATCH"));
}

#[tokio::test]
async fn cors_allows_exactly_the_app_origins() {
    let tenant = Tenant::start().await;
    let cookie = format!("pam_session={}", tenant.session(ADELE).await);
    let allowed = client()
        .get(tenant.url(&format!("{PAM}/pamrequeststoapprove")))
        .header("Origin", APP_ORIGIN)
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(allowed.headers()["access-control-allow-origin"], APP_ORIGIN);
    assert_eq!(
        allowed.headers()["access-control-allow-credentials"],
        "true"
    );
    let preflight = client()
        .request(Method::OPTIONS, tenant.url(G1_APPROVER))
        .header("Origin", APP_ORIGIN)
        .header("Access-Control-Request-Method", "PATCH")
        .header(
            "Access-Control-Request-Headers",
            "authorization,content-type",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 204);
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        APP_ORIGIN
    );
    assert!(preflight.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .contains("PATCH"));
    assert_eq!(
        preflight.headers()["access-control-allow-headers"],
        "authorization,content-type"
    );
    let token_endpoint = client()
        .post(tenant.url(&format!("/login/{TENANT}/oauth2/v2.0/token")))
        .header("Origin", APP_ORIGIN)
        .send()
        .await
        .unwrap();
    assert_eq!(
        token_endpoint.headers()["access-control-allow-origin"],
        APP_ORIGIN
    );
    let other = client()
        .get(tenant.url(&format!("{PAM}/pamrequeststoapprove")))
        .header("Origin", "https://evil.example")
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
    assert!(other
        .headers()
        .get("access-control-allow-credentials")
        .is_none());
}

#[tokio::test]
async fn reset_restores_the_scenario_and_controls_need_the_flag() {
    let (tenant, token) = Tenant::start_as(ADELE, "graph").await;
    tenant
        .graph_decide(&token, ENTRA_PENDING, "Deny", "no")
        .await;
    add_fault(&tenant, json!({ "path": "/graph/", "kind": "status" })).await;
    tenant.advance_minutes(100).await;
    assert_eq!(
        tenant
            .send(Method::POST, "/_emulator/reset", None, None)
            .await
            .status,
        204
    );
    assert_eq!(tenant.state_of(ENTRA_PENDING).await.state, Status::Pending);
    assert_eq!(
        tenant
            .send(Method::GET, "/_emulator/log", None, None)
            .await
            .body,
        json!([])
    );
    assert_eq!(
        tenant.get("/graph/v1.0/me", &token).await.status,
        200,
        "faults cleared"
    );

    let without = Tenant::start_with(EmulatorConfig {
        test_controls: false,
        ..demo_config()
    })
    .await;
    assert_eq!(
        without
            .send(Method::POST, "/_emulator/reset", None, None)
            .await
            .status,
        404
    );
    assert_eq!(
        without
            .send(Method::GET, "/_emulator/state", None, None)
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn generate_adds_seeded_pending_requests_for_adele() {
    let config = EmulatorConfig {
        generate: 50,
        ..demo_config()
    };
    let first = Tenant::start_with(config.clone()).await;
    let second = Tenant::start_with(config).await;
    let (a, b) = (first.state().await, second.state().await);
    let ids = |s: &StateView| s.requests.iter().map(|r| r.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&a), ids(&b), "deterministic");
    let demo_count = tenant_emulator::Scenario::demo().requests.len();
    let generated = &a.requests[demo_count..];
    assert_eq!(generated.len(), 50);
    assert!(generated
        .iter()
        .all(|r| r.state == Status::Pending && r.is_approver(ADELE)));
    let sources: HashSet<Source> = generated.iter().map(|r| r.source).collect();
    assert_eq!(sources.len(), 5);
}

#[tokio::test]
async fn serves_the_app_under_its_base_with_a_generated_config() {
    let dir = std::env::temp_dir().join(format!("emulator-app-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("index.html"),
        "<!doctype html><title>PIM Approvals</title>",
    )
    .unwrap();
    std::fs::write(dir.join("app.js"), "console.log('app')").unwrap();
    let mut config = demo_config();
    config.serve_app = Some(ServeApp {
        dir: dir.clone(),
        port: 0,
        base: "/admin/pim".into(),
    });
    let tenant = Tenant::start_with(config).await;
    let app = tenant.state_app_url().await;
    assert!(app.ends_with("/admin/pim/"));
    let get =
        |path: String| async move { into_reply(client().get(path).send().await.unwrap()).await };
    let config = get(format!("{app}config.json")).await;
    assert_eq!(
        config.body["graphBaseUrl"],
        format!("{}/graph", tenant.base)
    );
    assert_eq!(config.body["authority"], format!("{}/login", tenant.base));
    assert_eq!(config.body["clientId"], CLIENT_ID);
    assert_eq!(config.body["sources"].as_array().unwrap().len(), 5);
    assert!(
        get(format!("{app}approvals/history"))
            .await
            .text
            .contains("PIM Approvals"),
        "SPA fallback"
    );
    assert_eq!(get(format!("{app}app.js")).await.text, "console.log('app')");
    assert_eq!(get(format!("{app}missing.js")).await.status, 404);
    let overlay = tenant
        .send(
            Method::POST,
            "/_emulator/app-config",
            None,
            Some(json!({ "sources": ["entraRoles"] })),
        )
        .await;
    assert_eq!(overlay.status, 200);
    assert_eq!(
        get(format!("{app}config.json")).await.body["sources"],
        json!(["entraRoles"])
    );
    let app_origin = app.trim_end_matches("/admin/pim/").to_string();
    let cors = client()
        .get(tenant.url("/graph/v1.0/me"))
        .header("Origin", &app_origin)
        .send()
        .await
        .unwrap();
    assert_eq!(
        cors.headers()["access-control-allow-origin"],
        app_origin.as_str(),
        "the app's origin is allowed"
    );
    std::fs::remove_dir_all(dir).ok();
}
