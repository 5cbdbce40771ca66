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
