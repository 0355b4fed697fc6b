//! certaudit-core: the library behind the `certaudit` binary: inputs, inventory, trust,
//! probing, rules, the report model and its presenters, and the history. It has no command
//! line and no terminal: it never prints and never exits; progress reaches the front end
//! through [`probe::Hooks`]. See ARCHITECTURE.md for the pipeline.

pub mod checklist;
pub mod digest;
pub mod files;
pub mod history;
pub mod inputs;
pub mod inventory;
pub mod names;
pub mod powershell;
pub mod probe;
pub mod report;
pub mod revocation;
pub mod rules;
pub mod scan;
pub mod text_position;
pub mod time;
pub mod trust;
pub mod waivers;
pub mod x509;
