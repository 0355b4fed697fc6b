//! The Exchange Auth (OAuth) certificate: how it is recognised, and the remediations that
//! roll it over or clear it.

/// The subject CN Exchange gives its OAuth signing certificate.
pub const AUTH_CERTIFICATE_CN: &str = "Microsoft Exchange Server Auth Certificate";

/// Remediation for an Auth certificate that expires: the rollover procedure.
pub const AUTH_ROLLOVER: &str = "Roll the Auth certificate over before {not_after}: create a new one with `New-ExchangeCertificate -KeySize 2048 -PrivateKeyExportable $true -SubjectName 'cn=Microsoft Exchange Server Auth Certificate' -FriendlyName 'Microsoft Exchange Server Auth Certificate' -DomainName @()`, stage it with `Set-AuthConfig -NewCertificateThumbprint <new thumbprint> -NewCertificateEffectiveDate (Get-Date).AddHours(48)`, wait until it has replicated to every server, then `Set-AuthConfig -PublishCertificate` and `Set-AuthConfig -ClearPreviousCertificate`, and restart MSExchangeServiceHost and the OWA/ECP app pools; if hybrid is configured, re-run the Hybrid Configuration Wizard. (MonitorExchangeAuthCertificate.ps1 from CSS-Exchange automates this.)";

/// Remediation for an expired previous Auth certificate: clear it.
pub const AUTH_CLEAR_PREVIOUS: &str = "The expired certificate {thumbprint} is Get-AuthConfig's previous Auth certificate: clear it with `Set-AuthConfig -ClearPreviousCertificate`, then remove it with `Remove-ExchangeCertificate -Server {server} -Thumbprint {thumbprint}`.";
