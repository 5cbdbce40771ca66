//! The identity platform flow: authorize with PKCE, the sign-in page, code redemption rules, one
//! resource per token, SPA refresh tokens with a fixed 24 h lifetime, and each service's 401.

mod common;

use common::*;
use reqwest::Method;
use serde_json::Value;
use std::collections::HashMap;
use tenant_emulator::pkce_challenge;

const REDIRECT: &str = "http://127.0.0.1:8080/";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-emulator-test";
const GRAPH_SCOPE: &str = "https://graph.microsoft.com/RoleAssignmentSchedule.ReadWrite.Directory";
const ARM_SCOPE: &str = "https://management.azure.com/user_impersonation";

fn authorize_path(extra: &[(&str, &str)]) -> String {
    let challenge = pkce_challenge(VERIFIER);
    let scope = format!("openid profile offline_access {GRAPH_SCOPE} {ARM_SCOPE}");
    let mut pairs = vec![
        ("client_id", CLIENT_ID),
        ("response_type", "code"),
        ("redirect_uri", REDIRECT),
        ("response_mode", "query"),
        ("scope", scope.as_str()),
        ("state", "state-123"),
        ("nonce", "nonce-456"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    for (key, value) in extra {
        pairs.retain(|(k, _)| k != key);
        if !value.is_empty() {
            pairs.push((key, value));
        }
    }
    let query = serde_urlencoded_pairs(&pairs);
    format!("/login/{TENANT}/oauth2/v2.0/authorize?{query}")
}

fn serde_urlencoded_pairs(pairs: &[(&str, &str)]) -> String {
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    for (key, value) in pairs {
        serializer.append_pair(key, value);
    }
    serializer.finish()
}

fn query_of(location: &str) -> HashMap<String, String> {
    let query = location.split_once('?').map_or("", |(_, q)| q);
    form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

/// Sign in as Adele on the sign-in page (its form posts `user=<oid>`) and return the code.
async fn sign_in(tenant: &Tenant) -> String {
    let location = choose_account(tenant, &authorize_path(&[]), ADELE).await;
    query_of(&location)["code"].clone()
}

/// Post the sign-in page's form for `user`; returns the redirect back to the app.
async fn choose_account(tenant: &Tenant, authorize: &str, user: &str) -> String {
    let reply = tenant
        .http
        .post(tenant.url(authorize))
        .form(&[("user", user)])
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 302);
    reply.headers()["location"].to_str().unwrap().to_string()
}

async fn token_request(tenant: &Tenant, fields: &[(&str, &str)]) -> Reply {
    let body = serde_urlencoded_pairs(fields);
    let response = tenant
        .http
        .post(tenant.url(&format!("/login/{TENANT}/oauth2/v2.0/token")))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Origin", APP_ORIGIN)
        .body(body)
        .send()
        .await
        .unwrap();
    into_reply(response).await
}

async fn redeem(tenant: &Tenant, code: &str, scope: &str) -> Reply {
    token_request(
        tenant,
        &[
            ("client_id", CLIENT_ID),
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
            ("scope", scope),
        ],
    )
    .await
}

/// Sign in as Adele and redeem the code for a Graph token, an id token and a refresh token.
async fn graph_tokens(tenant: &Tenant) -> Reply {
    let code = sign_in(tenant).await;
    let scope = format!("openid offline_access {GRAPH_SCOPE}");
    let tokens = redeem(tenant, &code, &scope).await;
    assert_eq!(tokens.status, 200, "{}", tokens.text);
    tokens
}

async fn refresh(tenant: &Tenant, refresh_token: &str, scope: &str) -> Reply {
    token_request(
        tenant,
        &[
            ("client_id", CLIENT_ID),
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("scope", scope),
        ],
    )
    .await
}

fn claims(jwt: &str) -> Value {
    use base64::Engine;
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

fn assert_aad_error(reply: &Reply, error: &str, code: u64) {
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert_eq!(reply.body["error"], error, "{}", reply.text);
    assert_eq!(reply.body["error_codes"][0], code);
    assert!(reply.body["error_description"]
        .as_str()
        .unwrap()
        .starts_with(&format!("AADSTS{code}: ")));
    for field in ["timestamp", "trace_id", "correlation_id"] {
        assert!(reply.body[field].is_string());
    }
}

#[tokio::test]
async fn sign_in_page_lists_escaped_users_and_the_form_post_completes_the_pkce_flow() {
    let tenant = Tenant::start().await;
    let page = tenant
        .send(Method::GET, &authorize_path(&[]), None, None)
        .await;
    assert_eq!(page.status, 200);
    assert!(
        page.text.contains("Adele Vance") && page.text.contains("adelev@contoso.onmicrosoft.com")
    );
    assert!(
        !page.text.contains("Deploy Pipeline"),
        "service principals cannot sign in"
    );
    assert!(page.text.contains("&amp;"), "the form action is escaped");

    let form = tenant
        .http
        .post(tenant.url(&authorize_path(&[])))
        .form(&[("user", ADELE)])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 302);
    let cookies: Vec<String> = form
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    assert!(cookies.iter().any(|c| c.starts_with("pam_session=")
        && c.contains("Path=/pam")
        && c.contains("HttpOnly")
        && c.contains("SameSite=Lax")));
    assert!(cookies
        .iter()
        .any(|c| c.starts_with("portal_session=") && c.contains("Path=/portal")));
    let location = form.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with(REDIRECT));
    let params = query_of(&location);
    assert_eq!(params["state"], "state-123");

    let tokens = redeem(
        &tenant,
        &params["code"],
        &format!("openid profile offline_access {GRAPH_SCOPE}"),
    )
    .await;
    assert_eq!(tokens.status, 200, "{}", tokens.text);
    assert_eq!(tokens.body["token_type"], "Bearer");
    assert_eq!(tokens.body["expires_in"], 3599);
    assert!(tokens.body["refresh_token"].is_string());
    let access = claims(tokens.body["access_token"].as_str().unwrap());
    assert_eq!(
        (
            access["aud"].as_str(),
            access["oid"].as_str(),
            access["tid"].as_str()
        ),
        (
            Some("https://graph.microsoft.com"),
            Some(ADELE),
            Some(TENANT)
        )
    );
    assert_eq!(access["scp"], "RoleAssignmentSchedule.ReadWrite.Directory");
    assert_eq!(
        access["preferred_username"],
        "adelev@contoso.onmicrosoft.com"
    );
    let id = claims(tokens.body["id_token"].as_str().unwrap());
    assert_eq!(
        (id["aud"].as_str(), id["nonce"].as_str()),
        (Some(CLIENT_ID), Some("nonce-456"))
    );
    let me = tenant
        .get(
            "/graph/v1.0/me",
            tokens.body["access_token"].as_str().unwrap(),
        )
        .await;
    assert_eq!(me.body["displayName"], "Adele Vance");

    let session = tenant
        .http
        .get(tenant.url(&format!("{PAM}/sessioninfo")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        session.status(),
        200,
        "the pam_session cookie from sign-in is sent to /pam"
    );
    let portal = tenant
        .http
        .get(tenant.url(&format!("{PORTAL}/pending-approvals")))
        .send()
        .await
        .unwrap();
    assert_eq!(portal.status(), 200, "the portal_session cookie works too");
}

/// Form or query fields to change: `(name, value)`, an empty value removes the field.
type Fields<'a> = &'a [(&'a str, &'a str)];

/// The code redemption form with some fields changed (an empty value removes the field).
async fn redeem_with(tenant: &Tenant, code: &str, changes: &[(&str, &str)]) -> Reply {
    let mut fields = vec![
        ("client_id", CLIENT_ID),
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT),
        ("code_verifier", VERIFIER),
        ("scope", GRAPH_SCOPE),
    ];
    for (key, value) in changes {
        fields.retain(|(k, _)| k != key);
        if !value.is_empty() {
            fields.push((key, value));
        }
    }
    token_request(tenant, &fields).await
}

#[tokio::test]
async fn authorization_codes_are_single_use_and_pkce_is_verified() {
    let tenant = Tenant::start().await;
    let code = sign_in(&tenant).await;
    assert_eq!(redeem(&tenant, &code, GRAPH_SCOPE).await.status, 200);
    assert_aad_error(
        &redeem(&tenant, &code, GRAPH_SCOPE).await,
        "invalid_grant",
        54005,
    );

    let refused: [(Fields, &str, u64); 4] = [
        (
            &[("code_verifier", "not-the-verifier")],
            "invalid_grant",
            501481,
        ),
        (
            &[("redirect_uri", "http://127.0.0.1:8080/other")],
            "invalid_grant",
            70000,
        ),
        (
            &[("client_secret", "s3cr3t"), ("scope", "")],
            "invalid_client",
            700025,
        ),
        (&[("code", "never-issued")], "invalid_grant", 70000),
    ];
    for (changes, error, aadsts) in refused {
        let code = sign_in(&tenant).await;
        assert_aad_error(&redeem_with(&tenant, &code, changes).await, error, aadsts);
    }

    let code = sign_in(&tenant).await;
    tenant.advance_minutes(11).await;
    assert_aad_error(
        &redeem(&tenant, &code, GRAPH_SCOPE).await,
        "invalid_grant",
        70008,
    );
}

#[tokio::test]
async fn authorize_validates_tenant_client_redirect_uri_and_pkce() {
    let tenant = Tenant::start().await;
    let error_pages = [
        (
            authorize_path(&[]).replace(TENANT, "fabrikam.onmicrosoft.com"),
            90002,
        ),
        (
            authorize_path(&[("client_id", "00000000-0000-0000-0000-000000000000")]),
            700016,
        ),
        (
            authorize_path(&[("redirect_uri", "https://evil.example/")]),
            50011,
        ),
        // An origin prefix is not a registered URI.
        (
            authorize_path(&[("redirect_uri", "http://127.0.0.1:80800/")]),
            50011,
        ),
    ];
    for (path, aadsts) in error_pages {
        let page = tenant.send(Method::GET, &path, None, None).await;
        assert_eq!(page.status, 400, "{path}");
        assert!(page.text.contains(&format!("AADSTS{aadsts}")), "{path}");
        assert!(
            page.header("location").is_none(),
            "never redirected: {path}"
        );
    }

    let redirected_errors: [(Fields, &str, u32); 3] = [
        (&[("code_challenge", "")], "invalid_request", 9002325),
        (
            &[("code_challenge_method", "plain")],
            "invalid_request",
            9002325,
        ),
        (
            &[("response_type", "token")],
            "unsupported_response_type",
            700054,
        ),
    ];
    for (changes, error, aadsts) in redirected_errors {
        let params = redirect_params(&authorize(&tenant, changes).await);
        assert_eq!(params["error"], error);
        assert!(params["error_description"].contains(&format!("AADSTS{aadsts}")));
        assert_eq!(params["state"], "state-123");
    }

    let silent = authorize(&tenant, &[("prompt", "none")]).await;
    assert_eq!(
        redirect_params(&silent)["error"],
        "login_required",
        "no session yet"
    );
    let under_origin = choose_account(
        &tenant,
        &authorize_path(&[("redirect_uri", "http://127.0.0.1:8080/admin/pim/")]),
        ADELE,
    )
    .await;
    assert!(
        under_origin.starts_with("http://127.0.0.1:8080/admin/pim/?code="),
        "URIs under an allowed app origin count as registered"
    );
    let silent = authorize(&tenant, &[("prompt", "none")]).await;
    assert!(
        redirect_params(&silent).contains_key("code"),
        "the sign-in session allows prompt=none"
    );
}

#[tokio::test]
async fn one_token_covers_one_consented_resource() {
    let tenant = Tenant::start().await;
    let code = sign_in(&tenant).await;
    let both = redeem(&tenant, &code, &format!("openid {GRAPH_SCOPE} {ARM_SCOPE}")).await;
    assert_aad_error(&both, "invalid_scope", 700022);

    let tokens = graph_tokens(&tenant).await;
    let refresh_token = tokens.body["refresh_token"].as_str().unwrap().to_string();
    // One sign-in consented Graph and ARM: the refresh token mints either, never the portal.
    let arm_and_offline = format!("{ARM_SCOPE} offline_access");
    let minted = [
        (
            arm_and_offline.as_str(),
            "aud",
            "https://management.azure.com",
        ),
        (
            "https://management.azure.com/.default",
            "scp",
            "user_impersonation",
        ),
        (
            GRAPH_SCOPE,
            "scp",
            "RoleAssignmentSchedule.ReadWrite.Directory",
        ),
    ];
    for (scope, claim, expected) in minted {
        let reply = refresh(&tenant, &refresh_token, scope).await;
        assert_eq!(reply.status, 200, "{scope}: {}", reply.text);
        let access = claims(reply.body["access_token"].as_str().unwrap());
        assert_eq!(access[claim], expected, "{scope}");
    }
    let refused = [
        (
            "api://contoso-admin-portal/Pim.ReadWrite",
            "invalid_grant",
            65001,
        ),
        (
            "https://vault.azure.net/user_impersonation",
            "invalid_resource",
            500011,
        ),
        (
            &format!("{GRAPH_SCOPE} {ARM_SCOPE}")[..],
            "invalid_scope",
            700022,
        ),
    ];
    for (scope, error, aadsts) in refused {
        assert_aad_error(
            &refresh(&tenant, &refresh_token, scope).await,
            error,
            aadsts,
        );
    }
}

#[tokio::test]
async fn spa_refresh_tokens_expire_24_hours_after_the_original_sign_in() {
    let tenant = Tenant::start().await;
    let first = graph_tokens(&tenant).await;
    tenant.advance_minutes(23 * 60).await;
    let second = refresh(
        &tenant,
        first.body["refresh_token"].as_str().unwrap(),
        GRAPH_SCOPE,
    )
    .await;
    assert_eq!(second.status, 200);
    let newer = second.body["refresh_token"].as_str().unwrap().to_string();
    tenant.advance_minutes(61).await;
    assert_aad_error(
        &refresh(&tenant, &newer, GRAPH_SCOPE).await,
        "invalid_grant",
        700084,
    );
}

#[tokio::test]
async fn each_service_answers_401_in_its_own_format() {
    let (tenant, arm_token) = Tenant::start_as(ADELE, "arm").await;
    let graph = tenant.get("/graph/v1.0/me", &arm_token).await;
    assert_eq!(graph.status, 401);
    assert_eq!(graph.body["error"]["code"], "InvalidAuthenticationToken");
    for field in ["date", "request-id", "client-request-id"] {
        assert!(graph.body["error"]["innerError"][field].is_string());
    }
    let missing = tenant.send(Method::GET, "/graph/v1.0/me", None, None).await;
    assert_eq!(missing.status, 401);

    let graph_token = tenant.token(ADELE, "graph").await;
    let arm = tenant
        .get(
            &format!("{ARM_APPROVALS}?{ARM_APPROVAL_VERSION}"),
            &graph_token,
        )
        .await;
    assert_eq!(
        (arm.status, arm.body["error"]["code"].as_str()),
        (401, Some("InvalidAuthenticationToken"))
    );
    assert!(arm.body["error"].get("innerError").is_none());
    tenant.advance_minutes(61).await;
    let expired = tenant
        .get(
            &format!("{ARM_APPROVALS}?{ARM_APPROVAL_VERSION}"),
            &arm_token,
        )
        .await;
    assert_eq!(
        (expired.status, expired.body["error"]["code"].as_str()),
        (401, Some("ExpiredAuthenticationToken"))
    );

    let fresh_graph = tenant.token(ADELE, "graph").await;
    let portal = tenant
        .get(&format!("{PORTAL}/pending-approvals"), &fresh_graph)
        .await;
    assert_eq!(
        (portal.status, portal.body["error"]["code"].as_str()),
        (401, Some("Unauthorized"))
    );
    let tampered = format!("{}x", tenant.token(ADELE, "portal").await);
    assert_eq!(
        tenant
            .get(&format!("{PORTAL}/pending-approvals"), &tampered)
            .await
            .status,
        401
    );

    let pam = tenant
        .with_cookie(
            Method::GET,
            &format!("{PAM}/pamrequeststoapprove"),
            "pam_session=unknown",
            None,
        )
        .await;
    assert_eq!(pam.status, 401);
    assert_eq!(
        pam.body["odata.error"]["message"]["value"],
        "Authorization has been denied for this request."
    );
    assert_eq!(pam.body["odata.error"]["code"], "");
}

#[tokio::test]
async fn logout_clears_the_sessions_and_returns_to_the_app() {
    let tenant = Tenant::start().await;
    sign_in(&tenant).await;
    assert_eq!(
        tenant
            .http
            .get(tenant.url(&format!("{PAM}/sessioninfo")))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let logout = tenant
        .send(
            Method::GET,
            &format!("/login/{TENANT}/oauth2/v2.0/logout?post_logout_redirect_uri={REDIRECT}"),
            None,
            None,
        )
        .await;
    assert_eq!(logout.status, 302);
    assert_eq!(logout.header("location").unwrap(), REDIRECT);
    assert_eq!(
        tenant
            .http
            .get(tenant.url(&format!("{PAM}/sessioninfo")))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let elsewhere = tenant
        .send(
            Method::GET,
            &format!(
                "/login/{TENANT}/oauth2/v2.0/logout?post_logout_redirect_uri=https://evil.example/"
            ),
            None,
            None,
        )
        .await;
    assert_eq!(elsewhere.status, 200, "no redirect to an unknown origin");
}

const ADELE_UPN: &str = "adelev@contoso.onmicrosoft.com";
const MEGAN_UPN: &str = "meganb@contoso.onmicrosoft.com";

async fn authorize(tenant: &Tenant, extra: &[(&str, &str)]) -> Reply {
    tenant
        .send(Method::GET, &authorize_path(extra), None, None)
        .await
}

/// The query of the redirect back to the app.
fn redirect_params(reply: &Reply) -> HashMap<String, String> {
    assert_eq!(reply.status, 302, "{}", reply.text);
    query_of(&reply.header("location").unwrap())
}

#[tokio::test]
async fn login_hint_limits_the_sign_in_page_and_a_session_signs_in_silently() {
    let tenant = Tenant::start().await;
    let hinted = authorize(&tenant, &[("login_hint", ADELE_UPN)]).await;
    assert_eq!(hinted.status, 200, "no session yet: the page, not a code");
    assert!(hinted.text.contains(ADELE_UPN) && !hinted.text.contains(MEGAN_UPN));
    let other = hinted
        .text
        .split("id=\"other-account\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a link to every account")
        .replace("&amp;", "&");
    assert!(other.contains("prompt=select_account") && !other.contains("login_hint"));
    let every = tenant.send(Method::GET, &other, None, None).await;
    assert!(every.text.contains(ADELE_UPN) && every.text.contains(MEGAN_UPN));

    let location = choose_account(
        &tenant,
        &authorize_path(&[("login_hint", ADELE_UPN)]),
        ADELE,
    )
    .await;
    assert!(query_of(&location).contains_key("code"));
    let silent = authorize(&tenant, &[("login_hint", ADELE_UPN)]).await;
    assert!(
        redirect_params(&silent).contains_key("code"),
        "the session signs Adele in"
    );
    assert!(redirect_params(&authorize(&tenant, &[]).await).contains_key("code"));
    let megan = authorize(&tenant, &[("login_hint", MEGAN_UPN)]).await;
    assert_eq!(megan.status, 200, "another user's hint needs the page");
    assert!(megan.text.contains(MEGAN_UPN) && !megan.text.contains(ADELE_UPN));
    let forced = authorize(&tenant, &[("prompt", "login"), ("login_hint", ADELE_UPN)]).await;
    assert_eq!(forced.status, 200, "prompt=login always shows the page");
}

#[tokio::test]
async fn prompt_none_answers_with_a_code_or_login_required_and_the_state() {
    let tenant = Tenant::start().await;
    let without = redirect_params(
        &authorize(&tenant, &[("prompt", "none"), ("login_hint", ADELE_UPN)]).await,
    );
    assert_eq!(without["error"], "login_required");
    assert!(without["error_description"].starts_with("AADSTS50058: "));
    assert_eq!(without["state"], "state-123");
    assert!(!without.contains_key("code"));

    sign_in(&tenant).await;
    let with = redirect_params(
        &authorize(&tenant, &[("prompt", "none"), ("login_hint", ADELE_UPN)]).await,
    );
    assert!(with.contains_key("code") && !with.contains_key("error"));
    assert_eq!(with["state"], "state-123");
    let mismatch = redirect_params(
        &authorize(&tenant, &[("prompt", "none"), ("login_hint", MEGAN_UPN)]).await,
    );
    assert_eq!(mismatch["error"], "login_required");
    assert!(mismatch["error_description"].contains("match the requested login hint"));

    let fragment = authorize(
        &tenant,
        &[
            ("prompt", "none"),
            ("response_mode", "fragment"),
            ("login_hint", MEGAN_UPN),
        ],
    )
    .await;
    let location = fragment.header("location").unwrap();
    assert!(location.starts_with(&format!("{REDIRECT}#error=login_required")));

    tenant
        .send(
            Method::GET,
            &format!("/login/{TENANT}/oauth2/v2.0/logout"),
            None,
            None,
        )
        .await;
    let signed_out = redirect_params(&authorize(&tenant, &[("prompt", "none")]).await);
    assert_eq!(
        signed_out["error"], "login_required",
        "logout ends the session"
    );
}

#[tokio::test]
async fn an_expired_spa_refresh_token_gets_aadsts700084_and_prompt_none_starts_a_new_day() {
    let tenant = Tenant::start().await;
    let now = tenant
        .send(Method::GET, "/_emulator/state", None, None)
        .await
        .body["now"]
        .as_str()
        .unwrap()
        .to_string();
    let signed_in_at = chrono::DateTime::parse_from_rfc3339(&now).unwrap();
    let tokens = graph_tokens(&tenant).await;
    let refresh_token = tokens.body["refresh_token"].as_str().unwrap().to_string();
    tenant.advance_minutes(25 * 60).await;

    let refused = refresh(&tenant, &refresh_token, GRAPH_SCOPE).await;
    assert_aad_error(&refused, "invalid_grant", 700084);
    let description = refused.body["error_description"].as_str().unwrap();
    assert!(description.starts_with(
        "AADSTS700084: The refresh token was issued to a single page app (SPA), and therefore has a fixed, \
         limited lifetime of 1.00:00:00, which can't be extended. It is now expired and a new sign in request \
         must be sent by the SPA to the sign in page. The token was issued on "
    ), "{description}");
    let issued = description
        .split("The token was issued on ")
        .nth(1)
        .and_then(|rest| rest.split(".\r\n").next())
        .unwrap();
    let issued = chrono::DateTime::parse_from_rfc3339(issued).unwrap();
    assert!(
        (issued - signed_in_at).num_seconds().abs() < 5,
        "the original sign-in time, with 7 fractional digits"
    );
    assert!(description.contains("\r\nTrace ID: ") && description.contains("\r\nCorrelation ID: "));
    assert_eq!(refused.body["error_codes"], serde_json::json!([700084]));
    assert_eq!(refused.body["suberror"], "bad_token");
    assert_eq!(
        refused.body["error_uri"],
        "https://login.microsoftonline.com/error?code=700084"
    );

    let again = redirect_params(
        &authorize(&tenant, &[("prompt", "none"), ("login_hint", ADELE_UPN)]).await,
    );
    let fresh = redeem(
        &tenant,
        &again["code"],
        &format!("openid offline_access {GRAPH_SCOPE}"),
    )
    .await;
    assert_eq!(
        fresh.status, 200,
        "the Microsoft session outlives the SPA's refresh token"
    );
    let renewed = refresh(
        &tenant,
        fresh.body["refresh_token"].as_str().unwrap(),
        ARM_SCOPE,
    )
    .await;
    assert_eq!(renewed.status, 200, "a new 24 hours from the new sign-in");
}

#[tokio::test]
async fn an_access_token_expires_after_its_lifetime_and_the_refresh_token_replaces_it() {
    let tenant = Tenant::start().await;
    let tokens = graph_tokens(&tenant).await;
    let access = tokens.body["access_token"].as_str().unwrap().to_string();
    let refresh_token = tokens.body["refresh_token"].as_str().unwrap().to_string();
    assert_eq!(tenant.get("/graph/v1.0/me", &access).await.status, 200);
    tenant.advance_minutes(70).await;

    let expired = tenant.get("/graph/v1.0/me", &access).await;
    assert_eq!(
        (expired.status, expired.body["error"]["code"].as_str()),
        (401, Some("InvalidAuthenticationToken"))
    );
    let renewed = refresh(&tenant, &refresh_token, GRAPH_SCOPE).await;
    assert_eq!(renewed.status, 200, "{}", renewed.text);
    let new_access = renewed.body["access_token"].as_str().unwrap();
    assert_ne!(new_access, access);
    assert_eq!(tenant.get("/graph/v1.0/me", new_access).await.status, 200);
    let arm = refresh(&tenant, &refresh_token, ARM_SCOPE).await;
    let arm_token = arm.body["access_token"].as_str().unwrap();
    let approvals = tenant
        .get(
            &format!("{ARM_APPROVALS}?{ARM_APPROVAL_VERSION}"),
            arm_token,
        )
        .await;
    assert_eq!(approvals.status, 200, "each resource refreshes on its own");
}
