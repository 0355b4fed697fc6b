#![no_main]
//! Fuzz target `exchange_json`: see `certaudit::fuzzing::exchange_json`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| certaudit::fuzzing::exchange_json(data));
