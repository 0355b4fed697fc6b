#![no_main]
//! Fuzz target `decode`: see `certaudit::fuzzing::decode`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| certaudit::fuzzing::decode(data));
