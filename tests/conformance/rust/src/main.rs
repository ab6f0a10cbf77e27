//! `conformance [STEM…]`: runs every scenario (or the named ones), one line each, then
//! `N passed, N failed`; exits 1 when any failed, 2 when the setup is missing.

use std::process::ExitCode;

use renderiq_conformance::scenario;
use renderiq_conformance::setup::Setup;

fn main() -> ExitCode {
    let setup = match Setup::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("conformance: {e}");
            return ExitCode::from(2);
        }
    };
    let only: Vec<String> = std::env::args().skip(1).collect();
    let mut files: Vec<_> = match std::fs::read_dir(setup.scenarios_dir()) {
        Ok(dir) => dir
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect(),
        Err(e) => {
            eprintln!(
                "conformance: cannot list {}: {e}",
                setup.scenarios_dir().display()
            );
            return ExitCode::from(2);
        }
    };
    files.sort();
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("conformance: cannot start tokio: {e}");
            return ExitCode::from(2);
        }
    };
    let (mut passed, mut failed) = (0, 0);
    for path in files {
        let file = path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        let stem = file.trim_end_matches(".json");
        if !only.is_empty() && !only.iter().any(|o| o == stem || *o == file) {
            continue;
        }
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            scenario::run(&setup, &rt, &path)
        }))
        .unwrap_or_else(|_| Err("the runner panicked".to_owned()));
        match result {
            Ok(()) => {
                passed += 1;
                println!("ok   {file}");
            }
            Err(why) => {
                failed += 1;
                println!("FAIL {file}: {why}");
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
