//! certaudit's integration tests: one test binary, one module per area. They run the real
//! `certaudit` binary (`common::certaudit`) or the library in process (`rule/`, one file per rule),
//! on certificates made at test time (rcgen), committed fixtures (`tests/fixtures/`), exports
//! written by `support::exchange_writer`, and servers on 127.0.0.1 (`support::servers`).
#![allow(clippy::print_stdout, clippy::print_stderr)] // tests say on stderr what they skip

mod common;
mod support;

mod architecture;
mod bindings;
mod checklist;
mod cli;
mod dovecot_servers;
mod evidence;
mod exchange_samples;
mod exchange_wiring;
mod hostile;
mod html_report;
mod inputs;
mod large_reports;
mod legacy_mail;
mod local_servers;
mod nginx_servers;
mod ocsp_staples;
mod openssl_servers;
mod postfix_servers;
mod probe;
mod rescans;
mod rule;
mod rules;
mod scheduled;
mod schema;
mod served_vs_bound;
mod snapshots;
mod verdicts;
