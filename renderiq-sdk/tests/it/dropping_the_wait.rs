//! Dropping a `wait_for_render` future cancels the wait: no request is sent after the drop.

// A failed unwrap is how a test, bench or example reports; the workspace lints forbid it in
// the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::time::Duration;

use renderiq_sdk::WaitOptions;
use support::*;
use wiremock::MockServer;

#[tokio::test]
async fn dropping_the_wait_future_stops_the_polling() {
    let server = MockServer::start().await;
    let polls = PollRecorder::mount(&server, usize::MAX).await; // never finishes
    let (client, _) = signed_in_client(&server, "acc", 3600).await;
    let opts = WaitOptions::new()
        .long_poll(false)
        .poll_interval(Duration::from_millis(20))
        .max_poll_interval(Duration::from_millis(20));
    // Boxed so that `drop` below really drops the future (a stack-pinned one would live on).
    let mut wait = Box::pin(client.wait_for_render_with("r_1", opts));
    // Drive the wait until the server has seen it poll a few times.
    tokio::select! {
        r = &mut wait => panic!("the wait ended: {r:?}"),
        () = wait_until("three polls", || polls.count() >= 3) => {}
    }
    let at_drop = polls.count();
    drop(wait);

    // A wait still running would poll every 20 ms; give it far longer than that. At most one
    // request may have been on its way when the future was dropped.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = polls.count();
    assert!(
        after <= at_drop + 1,
        "{} polls after the wait future was dropped",
        after - at_drop
    );
}
