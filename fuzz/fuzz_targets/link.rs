//! A URL fragment, as the page opens it: `codec::decode` (→ validate) → the run → conservation.
//! The body is `spillway::fuzz_check`, shared with the native replay (tests/fuzz_regressions.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(broken) = spillway::fuzz_check::check_link(data) {
        panic!("{broken}");
    }
});
