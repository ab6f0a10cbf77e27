//! Generates `include/renderiq.h` with cbindgen.
//!
//! The header is always written to `$OUT_DIR/renderiq.h`; `tests/header.rs` compares that file
//! with the checked-in `include/renderiq.h` and fails when they differ. Outside CI (no `CI`
//! variable) the checked-in header is also refreshed here, but only when its content changed,
//! so its modification time (and every C/C++ build depending on it) is left alone otherwise.
//! In CI it is never written, so a header that was not regenerated and committed fails the test.

use std::path::PathBuf;

fn main() {
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo"));
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-env-changed=CI");

    let config =
        cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("cbindgen.toml is valid");
    let bindings = match cbindgen::Builder::new()
        .with_crate(&dir)
        .with_config(config)
        .generate()
    {
        Ok(b) => b,
        Err(e) => {
            // A syntax error in the crate is reported by rustc more clearly.
            println!("cargo:warning=cbindgen could not generate renderiq.h: {e}");
            return;
        }
    };
    let generated = out.join("renderiq.h");
    bindings.write_to_file(&generated);

    let fresh = std::fs::read(&generated).expect("just written");
    let checked_in = dir.join("include").join("renderiq.h");
    if std::fs::read(&checked_in).ok().as_deref() == Some(&fresh[..]) {
        return;
    }
    if std::env::var_os("CI").is_some() {
        println!(
            "cargo:warning=include/renderiq.h is stale: rebuild outside CI (`cargo build -p renderiq-ffi`) and commit it"
        );
    } else {
        std::fs::write(&checked_in, &fresh).expect("include/renderiq.h is writable");
    }
}
