//! The checked-in `include/renderiq.h` must be exactly what cbindgen generates from the source
//! (`build.rs` writes it to `OUT_DIR` only; `scripts/regenerate.sh` copies it into place).

#[test]
fn checked_in_header_matches_a_fresh_generation() {
    let fresh_path = concat!(env!("OUT_DIR"), "/renderiq.h");
    let fresh = std::fs::read_to_string(fresh_path).expect("build.rs generated the header");
    let checked_in_path = concat!(env!("CARGO_MANIFEST_DIR"), "/include/renderiq.h");
    let checked_in = std::fs::read_to_string(checked_in_path).unwrap_or_default();
    if fresh != checked_in {
        let line = fresh
            .lines()
            .zip(checked_in.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || fresh.lines().count().min(checked_in.lines().count()) + 1,
                |i| i + 1,
            );
        panic!(
            "bindings/ffi/include/renderiq.h is stale (first difference at line {line}): \
             run `scripts/regenerate.sh` and commit the regenerated header"
        );
    }
}

#[test]
fn cmake_package_version_matches_the_crate() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/cmake/renderiq-config-version.cmake"
    ))
    .expect("the CMake version file exists");
    let want = format!("set(PACKAGE_VERSION \"{}\")", env!("CARGO_PKG_VERSION"));
    assert!(
        text.contains(&want),
        "cmake/renderiq-config-version.cmake must contain {want}"
    );
}
