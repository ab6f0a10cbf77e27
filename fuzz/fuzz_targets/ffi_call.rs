//! The C ABI's call arguments: the JSON text of `renderiq_call` / `renderiq_image_prepare` and
//! the bytes passed beside it, parsed as the library does (`Call::from_json`, `Call::attach`,
//! the field checks), and `renderiq_image_prepare` itself, which needs no network.
//!
//! Input: the call JSON, a NUL byte, then the attached bytes. Checks, besides "never panics"
//! (a panic inside the library would also abort here, through libFuzzer's panic hook): a refused
//! call is `InvalidInput`; an accepted call survives a JSON round trip unchanged; the C function
//! answers `RENDERIQ_OK` with a buffer or an error object, never `RENDERIQ_ERROR_PANIC`; and
//! once its outputs are freed the library holds no more objects than before.
#![no_main]

use std::ffi::{c_char, CString};
use std::ptr;

use libfuzzer_sys::fuzz_target;
use renderiq::{
    renderiq_bytes_free, renderiq_error_code, renderiq_error_free, renderiq_image_prepare,
    renderiq_live_object_count, renderiq_string_free, RenderiqError, RENDERIQ_ERROR_PANIC,
    RENDERIQ_OK,
};
use renderiq_sdk::call::{Call, ImageSource};
use renderiq_sdk::ErrorKind;

fuzz_target!(|input: &[u8]| {
    let (json, data) = match input.iter().position(|b| *b == 0) {
        Some(i) => (&input[..i], &input[i + 1..]),
        None => (input, &[][..]),
    };

    let mut reads_a_file = false;
    if let Ok(text) = std::str::from_utf8(json) {
        match Call::from_json(text) {
            Ok(call) => {
                let again = serde_json::to_string(&call).expect("a call serialises");
                assert_eq!(Call::from_json(&again).expect("a call reads back"), call);
                let mut call = call;
                if !data.is_empty() {
                    if let Err(e) = call.attach(data.to_vec()) {
                        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
                    }
                }
                match call {
                    Call::CreateRender(request) | Call::Render(request) => {
                        if let Err(e) = request.into_parts() {
                            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
                        }
                    }
                    Call::PrepareImage { image, .. } => {
                        // Never let the fuzzer read files (/dev/zero, a fifo).
                        reads_a_file = matches!(image, ImageSource::File { .. });
                    }
                    _ => {}
                }
            }
            Err(e) => assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}"),
        }
    }
    if reads_a_file {
        return;
    }

    // The C function, as a C host calls it.
    let Ok(json) = CString::new(json) else {
        return;
    };
    let before = renderiq_live_object_count();
    let mut out_data: *mut u8 = ptr::null_mut();
    let mut out_len = 0usize;
    let mut out_info: *mut c_char = ptr::null_mut();
    let mut out_error: *mut RenderiqError = ptr::null_mut();
    let (data_ptr, len) = if data.is_empty() {
        (ptr::null(), 0)
    } else {
        (data.as_ptr(), data.len())
    };
    // SAFETY: every pointer is valid for the call; the outputs are freed below.
    let rc = unsafe {
        renderiq_image_prepare(
            json.as_ptr(),
            data_ptr,
            len,
            &mut out_data,
            &mut out_len,
            &mut out_info,
            &mut out_error,
        )
    };
    assert_ne!(rc, RENDERIQ_ERROR_PANIC, "the library panicked");
    if rc == RENDERIQ_OK {
        assert!(!out_data.is_null() && !out_info.is_null() && out_error.is_null());
        assert_eq!(renderiq_bytes_free(out_data, out_len), RENDERIQ_OK);
        assert_eq!(renderiq_string_free(out_info), RENDERIQ_OK);
    } else {
        assert!(out_data.is_null() && out_info.is_null() && !out_error.is_null());
        assert_eq!(renderiq_error_code(out_error), rc);
        assert_eq!(renderiq_error_free(out_error), RENDERIQ_OK);
    }
    assert_eq!(renderiq_live_object_count(), before, "objects leaked");
});
