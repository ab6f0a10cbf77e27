//! The named byte buffers that `attach` hands to a call beside its JSON.

use std::path::Path;

/// The bytes of the buffer `name` (README, *Buffers*).
///
/// ```
/// let raw = renderiq_conformance::buffers::named("raw_bgra_2x2_stride12_bottom_up", ".".as_ref()).unwrap();
/// assert_eq!(raw.len(), 20);
/// ```
///
/// # Errors
///
/// An unknown name, or a sample file that cannot be read.
pub fn named(name: &str, root: &Path) -> Result<Vec<u8>, String> {
    match name {
        "raw_bgra_2x2_stride12_bottom_up" => Ok(vec![
            0, 0, 255, 255, 0, 255, 0, 255, 9, 9, 9, 9, // row 0 and 4 bytes of padding
            255, 0, 0, 255, 255, 255, 255, 255, // row 1
        ]),
        "sample_png" => {
            let path = root.join("examples/assets/sample-viewport.png");
            std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
        }
        other => Err(format!(
            "unknown buffer {other:?} (see the README's Buffers)"
        )),
    }
}
