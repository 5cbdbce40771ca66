//! The hostile data scenario (`scenarios/hostile.json`): script and markup, `javascript:`/`data:` URLs,
//! attribute and CSS breakers, bidi overrides, zero-width and homoglyph names, a 10 KB string, emoji, CSV
//! formulas, huge/negative/unreadable durations and out-of-range dates in every displayed field of every
//! source. The emulator serves them verbatim, never panics on them, and the normal requests still show.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{json, Value};
use std::path::Path;
use tenant_emulator::{EmulatorConfig, Scenario};

/// The payloads the scenario must carry (the 10 KB string is checked apart).
const PAYLOADS: &[&str] = &[
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "\" onmouseover=\"alert(1)",
    "'><script>alert(1)</script>",
    "</style><style>body{display:none}</style>",
    "expression(alert(1))",
    "\u{202e}gnp.exe",
    "Alex \u{202e}nimdA labolG",
    "Global\u{200b}Administrator",
    "Gl\u{43e}bal Administrator",
    "\u{1f525}\u{1f480}\u{1f451} Emoji Admin \u{1f3f3}\u{fe0f}\u{200d}\u{1f308}",
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2",
    "@SUM(1)",
    "=HYPERLINK(\"http://evil.example\",\"click\")",
    "\t=1+1",
    "line1\r\nline2,\"quoted\";semi",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "<a href=\"javascript:alert(1)\">click</a>",
    "{{constructor.constructor('alert(1)')()}}",
    "${alert(1)}",
    "NUL\u{0} bell\u{7} escape\u{1b}[31m red",
    "Megan\u{200d} Bowen",
    "\u{420}aypal Admins",
    "Domain\u{2060}Admins",
    "\u{2066}Isolated\u{2069} and \u{202d}forced LTR\u{202c}",
    "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
    "<style>@import 'http://evil.example/x.css';</style>",
    "%3Cscript%3Ealert(1)%3C/script%3E",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "Z\u{338}\u{322}\u{31b}a\u{335}l\u{334}g\u{338}o\u{336}",
    "P300000Y",
    "-PT1H",
    "P9999999999999999999D",
    "not a duration",
    "9223372036854775807",
    "-3600",
    "not seconds",
];
const TEN_KB: usize = 10 * 1024;

const SCRIPT: &str = "<script>alert(1)</script>";
const ZERO_WIDTH_ROLE: &str = "Global\u{200b}Administrator";
const CSS_BREAKER: &str = "</style><style>body{display:none}</style>";
const HOSTILE_PORTAL_ID: &str = "PR-\"><svg onload=alert(1)>";

fn hostile_path() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/hostile.json")
}

fn hostile() -> Scenario {
    Scenario::from_file(&hostile_path()).expect("hostile.json loads")
}

async fn start_hostile() -> Tenant {
    Tenant::start_with(EmulatorConfig {
        scenario: hostile(),
        ..demo_config()
    })
    .await
}

/// A payload of six characters or more anywhere in `text`, a shorter one (`-2`, `+1+1`) at its start.
fn is_hostile(text: &str) -> bool {
    text.len() >= TEN_KB
        || PAYLOADS.iter().any(|payload| {
            if payload.chars().count() < 6 {
                text.starts_with(payload)
            } else {
                text.contains(payload)
            }
        })
}

/// Every string in a JSON value.
fn strings(value: &Value) -> Vec<&str> {
    match value {
        Value::String(text) => vec![text.as_str()],
        Value::Array(items) => items.iter().flat_map(strings).collect(),
        Value::Object(fields) => fields.values().flat_map(strings).collect(),
        _ => vec![],
    }
}

#[test]
fn every_displayed_field_of_every_source_carries_hostile_values_beside_normal_requests() {
    let text = std::fs::read_to_string(hostile_path()).unwrap();
    let file: Value = serde_json::from_str(&text).unwrap();
    let all = strings(&file);
    for payload in PAYLOADS {
        assert!(
            all.iter().any(|s| s.contains(payload)),
            "{payload:?} is in the scenario"
        );
    }
    assert!(all.iter().any(|s| s.len() >= TEN_KB), "a 10 KB string");

    let field = |list: &str, key: &str| -> Vec<String> {
        file[list]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|item| strings(&item[key]).into_iter().map(str::to_string))
            .collect()
    };
    let requests = file["requests"].as_array().unwrap();
    let of_requests = |path: &[&str]| -> Vec<String> {
        requests
            .iter()
            .filter_map(|r| path.iter().try_fold(r, |v, key| v.get(*key)))
            .flat_map(|v| strings(v).into_iter().map(str::to_string))
            .collect()
    };
    let categories = [
        ("user display names", field("users", "displayName")),
        ("user principal names", field("users", "userPrincipalName")),
        ("account names", field("users", "samAccountName")),
        ("directory roles", field("directoryRoles", "displayName")),
        ("Azure roles", field("azureRoles", "displayName")),
        ("scope names", field("azureScopes", "displayName")),
        ("group names", field("groups", "displayName")),
        ("MIM PAM roles", field("pamRoles", "displayName")),
        ("justifications", of_requests(&["justification"])),
        ("ticket numbers", of_requests(&["ticket", "number"])),
        ("ticket systems", of_requests(&["ticket", "system"])),
        ("durations", of_requests(&["duration"])),
        ("MIM PAM TTLs", of_requests(&["requestedTtl"])),
        ("stage names", of_requests(&["stageDisplayName"])),
        (
            "decision justifications",
            of_requests(&["decision", "justification"]),
        ),
    ];
    for (name, values) in categories {
        let hostile = values.iter().filter(|v| is_hostile(v)).count();
        assert!(hostile >= 1, "{name}: {values:?}");
    }

    let adele = json!(ADELE);
    for source in [
        "entraRoles",
        "groups",
        "azureResources",
        "mimPam",
        "portalApi",
    ] {
        let of_source: Vec<&Value> = requests.iter().filter(|r| r["source"] == source).collect();
        let pending_for_adele = |r: &&&Value| {
            r.get("state").is_none_or(|s| s == "pending")
                && r["approvers"].as_array().unwrap().contains(&adele)
                && r["principal"] != adele
        };
        let hostile_pending = of_source
            .iter()
            .filter(pending_for_adele)
            .filter(|r| is_hostile(r["justification"].as_str().unwrap()))
            .count();
        let normal_pending = of_source
            .iter()
            .filter(pending_for_adele)
            .filter(|r| !is_hostile(r["justification"].as_str().unwrap()))
            .count();
        let decided = of_source
            .iter()
            .filter(|r| r["decision"].is_object() && r["principal"] != adele)
            .count();
        let own = of_source.iter().filter(|r| r["principal"] == adele).count();
        assert!(
            hostile_pending >= 3 && normal_pending >= 1 && decided >= 1 && own >= 1,
            "{source}: {hostile_pending} hostile pending, {normal_pending} normal, {decided} decided, {own} own"
        );
    }
}

/// The item of a list whose `id` (or `name`) is `id`.
fn item<'a>(list: &'a Reply, id: &str) -> &'a Value {
    find(&list.body, id).unwrap_or_else(|| panic!("{id} listed: {}", list.text))
}

#[tokio::test]
async fn graph_serves_the_hostile_values_verbatim() {
    let tenant = start_hostile().await;
    let token = tenant.token(ADELE, "graph").await;
    let listed = tenant
        .get(
            &format!("{G1_APPROVER}?$expand=principal,roleDefinition"),
            &token,
        )
        .await;
    assert_eq!(listed.status, 200);
    let first = item(&listed, "e1000000-0000-4000-8000-000000000001");
    assert_eq!(first["principal"]["displayName"], SCRIPT);
    assert_eq!(first["roleDefinition"]["displayName"], ZERO_WIDTH_ROLE);
    assert_eq!(first["justification"], SCRIPT);
    assert_eq!(first["ticketInfo"]["ticketNumber"], "=cmd|' /C calc'!A0");
    assert_eq!(first["scheduleInfo"]["expiration"]["duration"], "P300000Y");
    let out_of_range = item(&listed, "e1000000-0000-4000-8000-000000000002");
    assert!(out_of_range["scheduleInfo"]["startDateTime"]
        .as_str()
        .unwrap()
        .starts_with("+262"));
    assert_eq!(
        out_of_range["scheduleInfo"]["expiration"]["duration"],
        "-PT1H"
    );
    let long = item(&listed, "e1000000-0000-4000-8000-000000000003");
    assert_eq!(long["justification"].as_str().unwrap().len(), TEN_KB);
    let control = item(&listed, "e1000000-0000-4000-8000-000000000006");
    assert!(control["justification"].as_str().unwrap().contains('\u{0}'));
    let normal = item(&listed, "e1000000-0000-4000-8000-000000000005");
    assert_eq!(
        normal["roleDefinition"]["displayName"],
        "Global Administrator"
    );
    let ancient = item(&listed, "e1000000-0000-4000-8000-000000000105");
    assert!(ancient["createdDateTime"]
        .as_str()
        .unwrap()
        .starts_with('-'));

    let approval = tenant
        .get(
            &format!("{ROLE_APPROVALS}/e1000000-0000-4000-8000-000000000101"),
            &token,
        )
        .await;
    let step = &approval.body["steps"][0];
    assert_eq!(step["reviewedBy"]["displayName"], CSS_BREAKER);
    assert_eq!(step["justification"], "'><script>alert(1)</script>");
    let far = tenant
        .get(
            &format!("{ROLE_APPROVALS}/e1000000-0000-4000-8000-000000000104"),
            &token,
        )
        .await;
    assert_eq!(
        far.body["steps"][0]["reviewedBy"]["displayName"],
        "Megan\u{200d} Bowen"
    );
    assert!(far.body["steps"][0]["reviewedDateTime"]
        .as_str()
        .unwrap()
        .starts_with('+'));

    let groups = tenant
        .get(&format!("{G6_APPROVER}?$expand=group,principal"), &token)
        .await;
    let group = item(&groups, "91000000-0000-4000-8000-000000000001");
    assert_eq!(
        group["group"]["displayName"],
        "<img src=x onerror=alert(1)>"
    );
    assert_eq!(
        group["principal"]["displayName"],
        "<img src=x onerror=alert(1)>"
    );
    assert_eq!(
        group["group"]["mail"],
        "\"><script>alert(1)</script>@contoso.onmicrosoft.com"
    );
    let mine = tenant.get(G2_PRINCIPAL, &token).await;
    let own = item(&mine, "e1000000-0000-4000-8000-000000000201");
    assert_eq!(own["ticketInfo"]["ticketNumber"], "\t=1+1");
    let me = tenant
        .get(
            "/graph/v1.0/users/a1000000-0000-4000-8000-000000000002",
            &token,
        )
        .await;
    assert_eq!(me.body["displayName"], "Alex \u{202e}nimdA labolG");
}

#[tokio::test]
async fn arm_serves_the_hostile_values_verbatim() {
    let tenant = start_hostile().await;
    let token = tenant.token(ADELE, "arm").await;
    let listed = tenant
        .get(
            &format!("{ARM_REQUESTS}?{ARM_REQUEST_VERSION}&$filter=asApprover()"),
            &token,
        )
        .await;
    assert_eq!(listed.status, 200);
    let first = &item(&listed, "a3000000-0000-4000-8000-000000000001")["properties"];
    let expanded = &first["expandedProperties"];
    assert_eq!(expanded["principal"]["displayName"], SCRIPT);
    assert_eq!(
        expanded["roleDefinition"]["displayName"],
        "javascript:alert(1)"
    );
    assert_eq!(expanded["scope"]["displayName"], CSS_BREAKER);
    assert_eq!(first["scheduleInfo"]["expiration"]["duration"], "P300000Y");
    assert_eq!(
        first["ticketInfo"]["ticketSystem"],
        "data:text/html,<script>alert(1)</script>"
    );
    let bidi = &item(&listed, "a3000000-0000-4000-8000-000000000002")["properties"];
    assert_eq!(
        bidi["expandedProperties"]["scope"]["displayName"],
        "\u{202e}gnp.exe"
    );
    assert_eq!(bidi["justification"], "line1\r\nline2,\"quoted\";semi");
    item(&listed, "a3000000-0000-4000-8000-000000000004");

    let approvals = tenant
        .get(
            &format!("{ARM_APPROVALS}?{ARM_APPROVAL_VERSION}&$filter=asApprover()"),
            &token,
        )
        .await;
    let denied = tenant
        .derived_ids("a3000000-0000-4000-8000-000000000101")
        .await;
    let approval_id = denied.arm_approval_id.as_str();
    let stage = &item(&approvals, approval_id)["properties"]["stages"][0]["properties"];
    assert_eq!(stage["reviewedBy"]["principalName"], CSS_BREAKER);
    assert_eq!(stage["justification"], "expression(alert(1))");
}

#[tokio::test]
async fn mim_pam_serves_role_names_comments_and_ttls_verbatim() {
    let tenant = start_hostile().await;
    let cookie = format!("pam_session={}", tenant.session(ADELE).await);
    let to_approve = tenant
        .with_cookie(
            Method::GET,
            &format!("{PAM}/pamrequeststoapprove"),
            &cookie,
            None,
        )
        .await;
    assert_eq!(to_approve.status, 200);
    let items = to_approve.body["value"].as_array().unwrap();
    let by_justification = |text: &str| {
        items
            .iter()
            .find(|i| i["Justification"] == text)
            .unwrap_or_else(|| panic!("{text:?} listed"))
    };
    let max = by_justification("<script>alert('pam')</script>");
    assert_eq!(max["RoleName"], "PRIV Domain\u{200b}Admins");
    assert_eq!(max["RequestedTTL"], "9223372036854775807");
    assert_eq!(max["Requestor"], "CONTOSO\\<svg onload=alert(1)>");
    assert_eq!(
        by_justification("=cmd|' /C calc'!A0")["RequestedTTL"],
        "-3600"
    );
    let huge = by_justification("Alex \u{202e}nimdA labolG");
    assert_eq!(huge["RoleName"], "D\u{43e}main Admins");
    assert_eq!(
        huge["RequestedTTL"],
        (300_000_i64 * 365 * 86_400).to_string()
    );
    by_justification("Nightly backup check (CHG-2003)");

    let own = tenant
        .with_cookie(Method::GET, &format!("{PAM}/pamrequests"), &cookie, None)
        .await;
    let own = own.body["value"].as_array().unwrap();
    assert_eq!(own.len(), 2);
    for request in own {
        assert!(
            request["ExpirationTime"].is_null(),
            "no readable expiry for TTL {}",
            request["RequestedTTL"]
        );
    }
    assert!(own.iter().any(|r| r["RequestedTTL"] == "not seconds"));
}

#[tokio::test]
async fn the_portal_api_serves_the_hostile_values_verbatim() {
    let tenant = start_hostile().await;
    let token = tenant.token(ADELE, "portal").await;
    let pending = tenant
        .get(&format!("{PORTAL}/pending-approvals"), &token)
        .await;
    assert_eq!(pending.status, 200);
    let first = item(&pending, "PR-H001");
    assert_eq!(
        first["requestor"]["displayName"],
        "\" onmouseover=\"alert(1)"
    );
    assert_eq!(first["role"]["displayName"].as_str().unwrap().len(), TEN_KB);
    assert_eq!(first["scope"]["displayName"], CSS_BREAKER);
    assert_eq!(first["duration"], "P300000Y");
    assert_eq!(
        first["ticket"]["number"],
        "=HYPERLINK(\"http://evil.example\",\"click\")"
    );
    assert_eq!(
        item(&pending, HOSTILE_PORTAL_ID)["duration"],
        "P9999999999999999999D"
    );
    assert!(item(&pending, "PR-H004")["startDateTime"]
        .as_str()
        .unwrap()
        .starts_with('-'));
    item(&pending, "PR-N001");
    let history = tenant
        .get(&format!("{PORTAL}/requests/history"), &token)
        .await;
    let decided = item(&history, "PR-H101");
    assert_eq!(
        decided["decision"]["by"]["displayName"],
        "Megan\u{200d} Bowen"
    );
    assert_eq!(decided["decision"]["justification"], PAYLOADS[13]);
    assert_eq!(
        item(&history, "PR-H102")["decision"]["justification"],
        "\t=1+1"
    );
    let mine = tenant.get(&format!("{PORTAL}/my-requests"), &token).await;
    assert_eq!(
        item(&mine, "PR-H202")["decision"]["justification"],
        PAYLOADS[30]
    );

    let decided = tenant
        .portal_decide(ADELE, HOSTILE_PORTAL_ID, "approve", "\u{202e}ok")
        .await;
    assert_eq!(decided.status, 200, "{}", decided.text);
    assert_eq!(decided.body["id"], HOSTILE_PORTAL_ID);
}

/// Every list of every service as `user`: nothing answers 5xx.
async fn read_everything_as(tenant: &Tenant, user: &str) {
    let graph = tenant.token(user, "graph").await;
    let arm = tenant.token(user, "arm").await;
    let portal = tenant.token(user, "portal").await;
    let cookie = format!("pam_session={}", tenant.session(user).await);
    let reads = [
        (
            format!("{G1_APPROVER}?$expand=principal,roleDefinition,directoryScope"),
            &graph,
        ),
        (
            format!("{G2_PRINCIPAL}?$expand=principal,roleDefinition"),
            &graph,
        ),
        (format!("{G6_APPROVER}?$expand=group,principal"), &graph),
        (
            format!("{ARM_REQUESTS}?{ARM_REQUEST_VERSION}&$filter=asApprover()"),
            &arm,
        ),
        (
            format!("{ARM_REQUESTS}?{ARM_REQUEST_VERSION}&$filter=asRequestor()"),
            &arm,
        ),
        (
            format!("{ARM_APPROVALS}?{ARM_APPROVAL_VERSION}&$filter=asApprover()"),
            &arm,
        ),
        (format!("{PORTAL}/pending-approvals"), &portal),
        (format!("{PORTAL}/requests/history"), &portal),
        (format!("{PORTAL}/my-requests"), &portal),
    ];
    for (path, token) in reads {
        let reply = tenant.get(&path, token).await;
        assert!(reply.status < 500, "{user} {path}: {}", reply.status);
    }
    for list in [
        "pamrequeststoapprove",
        "pamrequests",
        "sessioninfo",
        "pamroles",
    ] {
        let path = format!("{PAM}/{list}");
        let reply = tenant.with_cookie(Method::GET, &path, &cookie, None).await;
        assert!(reply.status < 500, "{user} {path}: {}", reply.status);
    }
}

#[tokio::test]
async fn nothing_panics_for_any_user_before_or_after_decisions_and_a_day_later() {
    let tenant = start_hostile().await;
    let users: Vec<String> = hostile().users.iter().map(|u| u.id.clone()).collect();
    for user in &users {
        read_everything_as(&tenant, user).await;
    }
    let graph = tenant.token(ADELE, "graph").await;
    let arm = tenant.token(ADELE, "arm").await;
    for n in 1..=7 {
        let id = format!("e1000000-0000-4000-8000-00000000000{n}");
        let reply = tenant.graph_decide(&graph, &id, "Approve", SCRIPT).await;
        assert_eq!(reply.status, 204, "{id}: {}", reply.text);
    }
    for n in 1..=5 {
        let id = format!("a3000000-0000-4000-8000-00000000000{n}");
        let reply = tenant.arm_decide(&arm, &id, "Deny", CSS_BREAKER).await;
        assert_eq!(reply.status, 200, "{id}: {}", reply.text);
    }
    for n in 1..=5 {
        let id = format!("b1000000-0000-4000-8000-00000000000{n}");
        assert_eq!(tenant.pam_decide(ADELE, &id, "Approve").await.status, 200);
    }
    let state = tenant
        .send(Method::GET, "/_emulator/state", None, None)
        .await;
    assert_eq!(state.status, 200);
    tenant.advance_minutes(25 * 60).await;
    for user in &users {
        read_everything_as(&tenant, user).await;
    }
}

#[tokio::test]
async fn the_scenario_control_loads_it_and_the_sign_in_page_escapes_every_name() {
    let tenant = Tenant::start().await;
    let text = std::fs::read_to_string(hostile_path()).unwrap();
    let body: Value = serde_json::from_str(&text).unwrap();
    let loaded = tenant
        .send(Method::POST, "/_emulator/scenario", None, Some(body))
        .await;
    assert_eq!(loaded.status, 204, "{}", loaded.text);
    let token = tenant.token(ADELE, "graph").await;
    let listed = tenant.get(G1_APPROVER, &token).await;
    assert_eq!(
        item(&listed, "e1000000-0000-4000-8000-000000000001")["justification"],
        SCRIPT
    );
    let page = tenant
        .send(
            Method::GET,
            &format!(
                "/login/{TENANT}/oauth2/v2.0/authorize?client_id={CLIENT_ID}&response_type=code\
                 &redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2F&scope=openid&code_challenge=x&code_challenge_method=S256"
            ),
            None,
            None,
        )
        .await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!page.text.contains(SCRIPT) && !page.text.contains("<img src=x"));
}
