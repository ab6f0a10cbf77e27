//! Generates the C header with cbindgen into `$OUT_DIR/renderiq.h`, and nowhere else.
//!
//! A build never writes a tracked file: `tests/header.rs` compares the generated header with the
//! checked-in `include/renderiq.h` and fails when they differ, and `scripts/regenerate.sh`
//! copies it into place (`scripts/check-generated.sh` checks every generated file the same way).

use std::path::PathBuf;

fn main() {
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo"));
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");

    let config =
        cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("cbindgen.toml is valid");
    match cbindgen::Builder::new()
        .with_crate(&dir)
        .with_config(config)
        .generate()
    {
        Ok(bindings) => {
            bindings.write_to_file(out.join("renderiq.h"));
        }
        Err(e) => {
            // A syntax error in the crate is reported by rustc more clearly; the header test
            // then fails for want of a generated header.
            let _ = std::fs::remove_file(out.join("renderiq.h"));
            println!("cargo:warning=cbindgen could not generate renderiq.h: {e}");
        }
    }
}
