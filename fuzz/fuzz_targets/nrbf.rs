#![no_main]
//! Fuzz target `nrbf`: see `certaudit::fuzzing::nrbf`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| certaudit::fuzzing::nrbf(data));
