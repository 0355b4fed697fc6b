//! Days left as the pack judges them, for the presenters: a certificate is coloured by the narrowest of the pack's
//! expiry windows that holds it (the Exchange Auth certificate by its own windows), so that
//! the page's colours agree with the findings.

use serde::Serialize;

use super::model::AuthConfigEntry;
use super::model::{CertificateEntry, Report};
use crate::rules::{ExpiryWindows, Severity, AUTH_CERTIFICATE_CN};
use crate::x509::subject_common_names;

/// The pack's windows and which certificates are the Auth certificate.
pub struct Expiry<'a> {
    windows: &'a ExpiryWindows,
    auth_thumbprints: Vec<&'a str>,
}

/// One entry of the colour legend.
#[derive(Debug, Serialize)]
pub struct LegendItem {
    pub class: &'static str,
    pub label: String,
}

impl<'a> Expiry<'a> {
    pub fn new(report: &'a Report, windows: &'a ExpiryWindows) -> Self {
        let auth_thumbprints = report
            .organisation
            .auth_configs
            .iter()
            .flat_map(AuthConfigEntry::thumbprints)
            .collect();
        Self {
            windows,
            auth_thumbprints,
        }
    }

    /// True for the Exchange Auth certificate (named by Get-AuthConfig, or by its subject).
    pub fn is_auth(&self, cert: &CertificateEntry) -> bool {
        self.auth_thumbprints
            .iter()
            .any(|t| t.eq_ignore_ascii_case(&cert.thumbprint))
            || subject_common_names(&cert.subject).any(|cn| cn.eq_ignore_ascii_case(AUTH_CERTIFICATE_CN))
    }

    /// The windows that apply to `cert`, narrowest first.
    pub fn windows_for(&self, cert: &CertificateEntry) -> &'a [crate::rules::params::Window] {
        if self.is_auth(cert) {
            &self.windows.auth
        } else {
            &self.windows.general
        }
    }

    /// `expired`, the severity of the window the certificate is in, or `ok`.
    pub fn class(&self, cert: &CertificateEntry) -> &'static str {
        if cert.days_left < 0 {
            return "expired";
        }
        self.windows
            .severity(cert.days_left, self.is_auth(cert))
            .map(Severity::as_str)
            .unwrap_or("ok")
    }

    /// The legend: each general window (widest first), then expired.
    pub fn legend(&self) -> Vec<LegendItem> {
        let mut items = vec![LegendItem {
            class: "ok",
            label: match self.windows.general.last() {
                Some(w) => format!("{} days or more left", w.days),
                None => "not expired (the pack sets no expiry window)".to_string(),
            },
        }];
        for w in self.windows.general.iter().rev() {
            items.push(LegendItem {
                class: w.severity.as_str(),
                label: format!("under {} days: {}", w.days, w.severity.as_str()),
            });
        }
        items.push(LegendItem {
            class: "expired",
            label: "expired".to_string(),
        });
        items
    }

    /// The Auth certificate's windows in words ("14 days critical, 60 days high"), when they
    /// differ from the general ones.
    pub fn auth_note(&self) -> Option<String> {
        (self.windows.auth != self.windows.general && !self.windows.auth.is_empty()).then(|| {
            self.windows
                .auth
                .iter()
                .map(|w| format!("under {} days {}", w.days, w.severity.as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        })
    }
}
