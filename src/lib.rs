//! The front end of certaudit, beside the binary (`src/main.rs`): every scan option declared
//! once (`options`), the configuration file (`config`), settings resolved once into the
//! library's per-stage options (`settings`), exit codes (`outcome`), terminal text
//! (`terminal`, and `check`'s plugin status line) and the fuzzing entry points. Everything
//! else is in `certaudit-core`.

pub mod check;
pub mod config;
pub mod fuzzing;
pub mod options;
pub mod outcome;
pub mod settings;
pub mod terminal;
