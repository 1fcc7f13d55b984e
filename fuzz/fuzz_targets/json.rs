//! A scenario file: `scenario::from_json` (serde → validate) → the run → conservation.
//! The body is `spillway::fuzz_check`, shared with the native replay (tests/fuzz_regressions.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(broken) = spillway::fuzz_check::check_json(data) {
        panic!("{broken}");
    }
});
