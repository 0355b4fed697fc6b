//! The front end of certaudit, beside the binary (`src/main.rs`): every scan option declared
//! once (`options`), the configuration file (`config`), settings resolved once into the library's options (`settings`), exit codes
//! (`outcome`) and the fuzzing entry points. Everything else is in `certaudit-core`.

pub mod config;
pub mod fuzzing;
pub mod options;
pub mod outcome;
pub mod settings;
