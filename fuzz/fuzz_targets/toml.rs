#![no_main]
//! Fuzz target `toml`: see `certaudit::fuzzing::toml`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| certaudit::fuzzing::toml(data));
