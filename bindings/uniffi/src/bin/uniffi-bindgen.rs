//! uniffi's bindings generator, built from the same uniffi version as the library so that the
//! generated Kotlin and Swift match its scaffolding (issue 13).

fn main() {
    uniffi::uniffi_bindgen_main()
}
