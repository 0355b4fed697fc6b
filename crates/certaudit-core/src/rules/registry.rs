//! The registry: every rule this build knows, in report order. The only list of rules.

use super::*;

/// Every rule this build knows, with default parameters, in report order.
pub fn registry() -> Vec<Box<dyn Rule>> {
    vec![
        Box::new(expired::Expired),
        Box::new(expiring_soon::ExpiringSoon::default()),
        Box::new(not_yet_valid::NotYetValid),
        Box::new(untrusted_issuer::UntrustedIssuer::default()),
        Box::new(issuer_not_approved::IssuerNotApproved::default()),
        Box::new(internal_name_in_san::InternalNameInSan),
        Box::new(san_count_over_limit::SanCountOverLimit::default()),
        Box::new(weak_key::WeakKey::default()),
        Box::new(weak_signature::WeakSignature),
        Box::new(missing_autodiscover_san::MissingAutodiscoverSan),
        Box::new(missing_mail_san::MissingMailSan),
        Box::new(wildcard_on_pop_imap::WildcardOnPopImap),
        Box::new(stale_smtp_binding::StaleSmtpBinding),
        Box::new(multiple_iis_certificates::MultipleIisCertificates),
        Box::new(status_not_valid::StatusNotValid),
        Box::new(connector_certificate_missing::ConnectorCertificateMissing),
        Box::new(iis_binding_invalid::IisBindingInvalid::default()),
        Box::new(internal_transport_certificate_invalid::InternalTransportCertificateInvalid::default()),
        Box::new(auth_certificate_missing_on_server::AuthCertificateMissingOnServer),
        Box::new(auth_certificate_not_published::AuthCertificateNotPublished),
        Box::new(smtp_certificate_selection::SmtpCertificateSelection::default()),
        Box::new(hostname_mismatch::HostnameMismatch::default()),
        Box::new(incomplete_chain::IncompleteChain),
        Box::new(chain_out_of_order::ChainOutOfOrder),
        Box::new(chain_extra_certificates::ChainExtraCertificates),
        Box::new(chain_includes_root::ChainIncludesRoot),
        Box::new(inconsistent_certificate_across_addresses::InconsistentCertificateAcrossAddresses),
        Box::new(sni_dependent_certificate::SniDependentCertificate),
        Box::new(served_certificate_not_bound::ServedCertificateNotBound),
        Box::new(probe_failed::ProbeFailed::default()),
        Box::new(starttls_not_offered::StarttlsNotOffered),
        Box::new(legacy_protocol_enabled::LegacyProtocolEnabled::default()),
        Box::new(weak_cipher_negotiated::WeakCipherNegotiated),
        Box::new(certificate_revoked::CertificateRevoked),
        Box::new(ocsp_staple_invalid::OcspStapleInvalid),
        Box::new(must_staple_without_staple::MustStapleWithoutStaple),
        Box::new(autodiscover_unreachable::AutodiscoverUnreachable),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_unique_kebab_case_and_documented() {
        let rules = registry();
        let mut ids: Vec<&str> = rules.iter().map(|r| r.meta().id).collect();
        for r in &rules {
            let m = r.meta();
            assert!(m.id.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{}", m.id);
            assert!(!m.title.is_empty() && !m.rationale.is_empty());
            assert!(!m.references.is_empty(), "{} has no references", m.id);
            assert!(
                m.remediation.contains("Exchange") || m.remediation.contains("-ExchangeCertificate"),
                "{} remediation names no Exchange cmdlet",
                m.id
            );
        }
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), rules.len());
    }

    #[test]
    fn no_remediation_tells_an_edge_server_to_use_iis() {
        // What an Edge Transport server does not have: IIS, client access, virtual directories.
        const NOT_ON_EDGE: [&str; 5] = [
            "iisreset",
            "VirtualDirectory",
            "-Services IIS",
            "Set-ClientAccessService",
            "IIS,",
        ];
        for rule in registry() {
            let m = rule.meta();
            if NOT_ON_EDGE.iter().any(|w| m.remediation.contains(w)) {
                let edge = m
                    .edge_remediation
                    .unwrap_or_else(|| panic!("{} speaks of IIS but has no Edge remediation", m.id));
                for w in NOT_ON_EDGE {
                    assert!(!edge.contains(w), "{}: Edge remediation mentions {w}", m.id);
                }
            }
        }
    }
}
