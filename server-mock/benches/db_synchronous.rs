//! What `PRAGMA synchronous = FULL` costs a credit charge: N ledger writes (a grant: balance
//! update and ledger entry in one `BEGIN IMMEDIATE` transaction, the shape of a render's
//! charge) on a database opened with `FULL` and with `NORMAL`, interleaved rounds, best round
//! reported.
//!
//! ```text
//! cargo bench -p renderiq-server --bench db_synchronous
//! RENDERIQ_BENCH_DIR=/path/on/the/real/disk RENDERIQ_BENCH_N=500 cargo bench -p renderiq-server --bench db_synchronous
//! ```
//!
//! Run it on the disk the server's data dir lives on: on a tmpfs a sync costs nothing.

// A failed unwrap is how a bench reports; the workspace lints forbid it in the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use renderiq_server::store::{Durability, Store};

fn main() {
    let n: u32 = std::env::var("RENDERIQ_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let parent = std::env::var_os("RENDERIQ_BENCH_DIR").map(std::path::PathBuf::from);
    let dir = match &parent {
        Some(p) => tempfile::tempdir_in(p).unwrap(),
        None => tempfile::tempdir().unwrap(),
    };
    println!("{n} credit charges per round in {}", dir.path().display());
    let mut best = [
        (Durability::Full, Duration::MAX),
        (Durability::Normal, Duration::MAX),
    ];
    for round in 0..3 {
        for (durability, best) in &mut best {
            let path = dir.path().join(format!("{durability:?}-{round}.db"));
            let db = Store::open_with(&path, *durability).unwrap();
            let email = "bench@example.com";
            renderiq_server::create_user(&db, email, "pw", None, 1).unwrap();
            let start = Instant::now();
            for _ in 0..n {
                renderiq_server::grant_credits(&db, email, 1).unwrap();
            }
            *best = (*best).min(start.elapsed());
        }
    }
    for (durability, elapsed) in best {
        println!(
            "synchronous={durability:?}: {:>8.1} ms for {n}, {:>7.3} ms per charge, {:>7.0} charges/s",
            elapsed.as_secs_f64() * 1e3,
            elapsed.as_secs_f64() * 1e3 / f64::from(n),
            f64::from(n) / elapsed.as_secs_f64()
        );
    }
}
