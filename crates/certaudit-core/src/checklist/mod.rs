//! `certaudit checklist`: a renewal plan for every certificate in service that expires before a
//! date or has findings. [`build`] computes the plans from a finished [`Report`]; [`markdown`]
//! and [`html`] only format them, and the JSON is the plain serialisation of [`Checklist`].

mod auth_steps;
mod context;
pub mod html;
pub mod markdown;
mod names;
mod plan;
pub mod powershell;
mod selection;
mod steps;
mod successor;
mod tls_steps;

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::report::{create_folder, write_file, write_manifest, Presenter, RenderError, ReportError};

pub use plan::build;
pub use tls_steps::TLS_CONFIGURATION_RULES;

/// Schema id of `checklist.json`.
pub const SCHEMA: &str = "certaudit.checklist/v1";

/// The pre-renewal checklist: one plan per certificate that needs action.
#[derive(Debug, Clone, Serialize)]
pub struct Checklist {
    pub schema: String,
    pub tool: String,
    /// The evaluation instant of the scan the plans rest on.
    #[serde(with = "crate::time::serde_rfc3339")]
    pub evaluated_at: DateTime<Utc>,
    /// Certificates expiring before this instant are planned.
    #[serde(with = "crate::time::serde_rfc3339")]
    pub before: DateTime<Utc>,
    /// The scan's command line with `scan` in place of `checklist` (the final verification).
    pub verify_command: String,
    pub organisation: OrganisationFacts,
    pub plans: Vec<Plan>,
    /// Certificates with findings or near expiry that are in no service: no renewal plan.
    pub not_planned: Vec<NotPlanned>,
    /// Servers whose TLS configuration needs work (legacy versions, weak suites, the chain
    /// they send): fixed on the server, not by a new certificate.
    pub tls: Vec<TlsPlan>,
}

/// A server's TLS configuration to change, for the endpoints on one host.
#[derive(Debug, Clone, Serialize)]
pub struct TlsPlan {
    /// The host as probed (a name or an address).
    pub host: String,
    pub endpoints: Vec<String>,
    /// The findings behind the plan, one sentence each.
    pub reasons: Vec<String>,
    pub steps: Vec<Step>,
}

/// The organisation facts the plans rely on.
#[derive(Debug, Clone, Serialize)]
pub struct OrganisationFacts {
    pub domains: Vec<String>,
    pub namespaces: Vec<String>,
    pub edge_servers: Vec<String>,
    /// Signs of a hybrid deployment (empty: not detected in the inputs).
    pub hybrid: Vec<String>,
}

/// What kind of work a plan is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PlanKind {
    /// Request a new certificate from a CA and replace this one.
    Renew,
    /// Renew a self-signed certificate in place (`Get-ExchangeCertificate | New-ExchangeCertificate`).
    RenewSelfSigned,
    /// Roll the OAuth (Auth) certificate over with `Set-AuthConfig`.
    AuthRollover,
    /// A newer certificate already does this one's job: move what is left and remove it.
    Retire,
}

/// The renewal plan of one certificate.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub kind: PlanKind,
    pub thumbprint: String,
    pub sha256: String,
    pub subject: String,
    pub issuer: String,
    #[serde(with = "crate::time::serde_rfc3339")]
    pub not_after: DateTime<Utc>,
    pub days_left: i64,
    /// Why the certificate is in the checklist: expiry and findings, one sentence each.
    pub reasons: Vec<String>,
    /// Where it is in service today.
    pub servers: Vec<ServerUse>,
    /// Endpoints that present it.
    pub endpoints: Vec<String>,
    /// For `retire`: the certificate that already took over.
    pub successor: Option<String>,
    /// Names of the new certificate (absent for `retire`).
    pub names: Option<NamePlan>,
    /// Key and lifetime to request (absent for `retire`).
    pub request: Option<RequestPlan>,
    /// Ordered steps with their commands.
    pub steps: Vec<Step>,
}

/// A server where the certificate is in service.
#[derive(Debug, Clone, Serialize)]
pub struct ServerUse {
    pub server: String,
    /// Exchange services it holds there (empty when unknown).
    pub services: Vec<String>,
    /// False when the export had no SerializationData (services unknown).
    pub services_known: bool,
    /// An Edge Transport server.
    pub edge: bool,
    /// Known only from a probed endpoint, not from an export.
    pub from_endpoint: bool,
}

/// Names to request.
#[derive(Debug, Clone, Serialize)]
pub struct NamePlan {
    /// The subject to request.
    pub subject: String,
    pub keep: Vec<String>,
    pub add: Vec<NameChange>,
    pub drop: Vec<NameChange>,
    /// keep + add, in request order.
    pub result: Vec<String>,
    pub san_count: usize,
    /// Notes about the names (over 50 SANs, internal namespaces that cannot be added, …).
    pub notes: Vec<String>,
}

/// A name to add or drop, and why.
#[derive(Debug, Clone, Serialize)]
pub struct NameChange {
    pub name: String,
    pub reason: String,
}

/// Key and lifetime of the new certificate.
#[derive(Debug, Clone, Serialize)]
pub struct RequestPlan {
    /// The current key, e.g. `RSA 2048` or `EC 256 (P-256)`.
    pub current_key: String,
    pub algorithm: String,
    pub key_size: u32,
    pub key_note: Option<String>,
    /// The planned issue date (the evaluation instant's date).
    pub issue_date: String,
    /// The longest validity to expect at the issue date, in days.
    pub max_lifetime_days: Option<u32>,
    pub lifetime_note: String,
}

/// One step of a plan: what to do, where, and the commands.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub title: String,
    /// Where to run the commands (a server, or `any Exchange server`).
    pub on: Option<String>,
    pub commands: Vec<String>,
    pub note: Option<String>,
}

/// A certificate left out of the plans, and why.
#[derive(Debug, Clone, Serialize)]
pub struct NotPlanned {
    pub thumbprint: String,
    pub subject: String,
    #[serde(with = "crate::time::serde_rfc3339")]
    pub not_after: DateTime<Utc>,
    pub reason: String,
}

/// The longest lifetime of a publicly trusted TLS certificate issued on `date` (CA/Browser Forum
/// Baseline Requirements, ballot SC-081): 398 days, 200 from 2026-03-15, 100 from 2027-03-15,
/// 47 from 2029-03-15.
pub fn cab_max_lifetime_days(date: NaiveDate) -> u32 {
    let from = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN);
    if date >= from(2029, 3, 15) {
        47
    } else if date >= from(2027, 3, 15) {
        100
    } else if date >= from(2026, 3, 15) {
        200
    } else {
        398
    }
}

/// The formats of `checklist`, each a presenter of the checklist: all are written.
pub static FORMATS: &[&dyn Presenter<Checklist>] = &[&html::HtmlFormat, &markdown::MarkdownFormat, &JsonFormat];

/// `checklist.json`: the plans for machines.
pub struct JsonFormat;

impl Presenter<Checklist> for JsonFormat {
    fn name(&self) -> &'static str {
        "json"
    }
    fn help(&self) -> &'static str {
        "The plans for machines (`checklist.json`)"
    }
    fn files(&self) -> &'static [&'static str] {
        &["checklist.json"]
    }
    fn render(&self, _file: &str, checklist: &Checklist, out: &mut dyn std::io::Write) -> Result<(), RenderError> {
        serde_json::to_writer_pretty(&mut *out, checklist).map_err(|e| RenderError::Render(e.to_string()))?;
        Ok(out.write_all(b"\n")?)
    }
}

/// Writes every format of [`FORMATS`] and their `SHA256SUMS` into `out`.
pub fn write_all(checklist: &Checklist, out: &Path) -> Result<Vec<PathBuf>, ReportError> {
    create_folder(out)?;
    let mut written = Vec::new();
    for format in FORMATS {
        for file in format.files() {
            written.push(write_file(out, file, |w, io_error| {
                format.render(file, checklist, w).map_err(|e| match e {
                    RenderError::Io(e) => io_error(e),
                    RenderError::Render(message) => ReportError::Render {
                        format: format.name(),
                        message,
                    },
                })
            })?);
        }
    }
    let manifest = write_manifest(out, &written)?;
    let mut paths: Vec<PathBuf> = written.into_iter().map(|w| w.path).collect();
    paths.push(manifest);
    Ok(paths)
}

/// The default of `--before`: 60 days after the evaluation instant.
pub fn default_before(at: DateTime<Utc>) -> DateTime<Utc> {
    at + chrono::Duration::days(60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cab_schedule_steps_down_on_the_ballot_dates() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(cab_max_lifetime_days(d(2026, 3, 14)), 398);
        assert_eq!(cab_max_lifetime_days(d(2026, 3, 15)), 200);
        assert_eq!(cab_max_lifetime_days(d(2027, 3, 14)), 200);
        assert_eq!(cab_max_lifetime_days(d(2027, 3, 15)), 100);
        assert_eq!(cab_max_lifetime_days(d(2029, 3, 14)), 100);
        assert_eq!(cab_max_lifetime_days(d(2029, 3, 15)), 47);
    }
}
