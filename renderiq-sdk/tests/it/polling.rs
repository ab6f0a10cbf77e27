//! The wait's fall-back from long-poll to polling with back-off, against a server that does not
//! hold `?wait=` requests.

// A failed unwrap is how a test, bench or example reports; the workspace lints forbid it in
// the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::time::Duration;

use renderiq_sdk::{RenderStatus, WaitOptions};
use support::*;
use wiremock::MockServer;

#[tokio::test]
async fn a_server_that_answers_long_polls_at_once_is_polled_with_backoff() {
    let server = MockServer::start().await;
    // Answers every request at once, `?wait=` or not, with the same state: a server (or a proxy
    // in front of it) that does not long-poll.
    let polls = PollRecorder::mount(&server, 7).await;
    let (client, _) = signed_in_client(&server, "acc", 3600).await;
    let opts = WaitOptions::new()
        .long_poll_wait(Duration::from_secs(20))
        .poll_interval(Duration::from_millis(60))
        .max_poll_interval(Duration::from_millis(150));
    // 60, 90, 135, then the 150 ms cap.
    let schedule: Vec<_> = (0..6).map(|n| opts.poll_delay(n)).collect();
    assert_eq!(
        schedule[3..],
        [Duration::from_millis(150); 3],
        "reaches the cap"
    );
    let done = client.wait_for_render_with("r_1", opts).await.unwrap();
    assert_eq!(done.status, RenderStatus::Completed);

    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 8, "seven busy answers, then the completed one");
    assert_eq!(reqs[0].url.query(), None, "the first read is a plain one");
    assert!(
        reqs[1..]
            .iter()
            .all(|r| r.url.query() == Some("wait=20&until=change")),
        "the later reads ask the server to hold them"
    );
    // The first read's answer is new, so the first long-poll follows at once. Every long-poll
    // after that was answered at once with nothing new: the client must back off instead of
    // asking again in a tight loop. Lower bounds only.
    let gaps = polls.gaps();
    for (n, (gap, due)) in gaps[1..].iter().zip(&schedule).enumerate() {
        assert!(
            gap >= due,
            "long-poll {} came {gap:?} after an unheld answer, before its back-off of {due:?}; \
             gaps {gaps:?}",
            n + 2
        );
    }
}
