//! The queue at 10,000 requests: only the rows in view are in the DOM, screen readers hear where they
//! are (`aria-rowcount`/`aria-rowindex`), scrolling to the end shows the last request, and search
//! narrows the whole list, not just the rendered rows.

use e2e::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn ten_thousand_requests_keep_a_few_hundred_rows_in_the_dom() {
    let world = World::start_with(Options {
        generate: 10_000,
        page_size: 500,
        ..Options::default()
    })
    .await;
    world.sign_in_as(ADELE).await;
    let expected = expected_queue(&world, ADELE_ID).await.len();
    assert!(expected > 10_000, "{expected}");
    world
        .wait_for_text("[data-testid=result-count]", &format!("{expected} waiting"))
        .await;
    world
        .wait_for_count(".source-loading", |n| n == 0, "all sources loaded")
        .await;

    let rows = world
        .eval("return document.querySelectorAll('[data-testid=queue-row]').length;")
        .await;
    let rows = rows.as_u64().unwrap();
    assert!((1..200).contains(&rows), "{rows} rows in the DOM");
    let rowcount = world
        .eval("return document.querySelector('[data-testid=queue-table]').getAttribute('aria-rowcount');")
        .await;
    assert_eq!(rowcount, json!((expected + 1).to_string()));
    world.screenshot("queue-10000").await;

    // To the end of the list: the last row is the last request, and the DOM is still small.
    let last_index = world
        .browser
        .execute_async(
            "const done = arguments[arguments.length - 1];
             window.scrollTo(0, document.documentElement.scrollHeight);
             requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(() => {
               const rows = [...document.querySelectorAll('[data-testid=queue-row]')];
               done([rows.length, rows[rows.length - 1].getAttribute('aria-rowindex')]);
             }, 100)));",
            vec![],
        )
        .await
        .expect("scrolled");
    assert!(last_index[0].as_u64().unwrap() < 200, "{last_index}");
    assert_eq!(
        last_index[1],
        json!((expected + 1).to_string()),
        "the last request is shown"
    );

    // Search runs over all 10,000, not only the rendered rows.
    world.eval("window.scrollTo(0, 0); return true;").await;
    world
        .type_into("#queue-search", "zzz-no-such-request")
        .await;
    world.wait_for("[data-testid=empty-filtered]").await;
    world.finish().await;
}
