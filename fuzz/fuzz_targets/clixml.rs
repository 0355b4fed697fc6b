#![no_main]
//! Fuzz target `clixml`: see `certaudit::fuzzing::clixml`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| certaudit::fuzzing::clixml(data));
