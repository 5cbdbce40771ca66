//! The shell: sign-in with PKCE through the emulator, the header, navigation and the not-found page.

use e2e::*;

#[tokio::test(flavor = "multi_thread")]
async fn signs_in_and_shows_the_account_and_queue() {
    let world = World::start().await;
    world.sign_in_as(ADELE).await;
    world
        .wait_for_text(
            "[data-testid=account-username]",
            "adelev@contoso.onmicrosoft.com",
        )
        .await;
    world
        .wait_for_count("[data-testid=queue-row]", |n| n > 0, "rows appear")
        .await;
    // The code is removed from the address bar after redemption.
    let url = world.browser.current_url().await.unwrap();
    assert!(!url.as_str().contains("code="), "{url}");
    world.full_screenshot("queue-1280", 1280).await;
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn one_sign_in_then_one_token_per_resource_renewed_silently() {
    // Tokens that live just past the renewal margin: every use renews them through the refresh token.
    let world = World::start_with(Options {
        token_lifetime_secs: 305,
        ..Options::default()
    })
    .await;
    world.sign_in_as(ADELE).await;
    world
        .wait_for_count(".source-loading", |n| n == 0, "loaded")
        .await;
    world.click("a[href='/my-requests']").await;
    world.wait_for_text("h1", "My Requests").await;
    let log = world.log().await;
    let token_calls: Vec<&serde_json::Value> = calls(&log, "POST", "/oauth2/v2.0/token");
    let bodies: Vec<String> = token_calls
        .iter()
        .map(|e| e["body"].as_str().unwrap().to_string())
        .collect();
    assert!(
        bodies[0].contains("grant_type=authorization_code"),
        "{}",
        bodies[0]
    );
    assert!(bodies[0].contains("code_verifier="), "PKCE verifier sent");
    for body in &bodies {
        let graph = body.contains("graph.microsoft.com");
        let arm = body.contains("management.azure.com");
        let portal = body.contains("contoso-admin-portal");
        assert_eq!(
            graph as u8 + arm as u8 + portal as u8,
            1,
            "one resource per token request: {body}"
        );
    }
    assert!(
        bodies[1..]
            .iter()
            .all(|b| b.contains("grant_type=refresh_token")),
        "silent renewal only"
    );
    assert!(
        bodies.iter().any(|b| b.contains("management.azure.com")),
        "an ARM token was acquired"
    );
    assert_eq!(
        calls(&log, "GET", "/oauth2/v2.0/authorize").len(),
        1,
        "one interactive sign-in"
    );
    // Tokens never land in localStorage or the address bar.
    let local = world.eval("return localStorage.length;").await;
    assert_eq!(local, 0);
    let url = world.browser.current_url().await.unwrap();
    assert!(!url.as_str().contains("token"), "{url}");
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_out_forgets_the_session() {
    let world = World::start().await;
    world.sign_in_as(ADELE).await;
    world.click("#sign-out").await;
    world.wait_for("#sign-in").await;
    let stored = world
        .eval("return sessionStorage.length + localStorage.length;")
        .await;
    assert_eq!(stored, 0);
    world.finish().await;
}
