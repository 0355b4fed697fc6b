//! certaudit: a compliance scanner and audit reporter for the TLS certificates of Microsoft
//! Exchange organisations. See ARCHITECTURE.md for the pipeline.

pub mod check;
pub mod checklist;
pub mod config;
pub mod digest;
pub mod files;
pub mod fuzzing;
pub mod history;
pub mod inputs;
pub mod inventory;
pub mod names;
pub mod outcome;
pub mod powershell;
pub mod probe;
pub mod report;
pub mod rules;
pub mod scan;
pub mod settings;
pub mod terminal;
pub mod text_position;
pub mod time;
pub mod trust;
pub mod waivers;
pub mod x509;
