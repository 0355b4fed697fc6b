//! Where Exchange has a certificate installed: `Get-ExchangeCertificate`'s view per server.

/// `Get-ExchangeCertificate` service flags (IMAP 1, POP 2, UM 4, IIS 8, SMTP 16,
/// Federation 32, UMCallRouter 64).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Services(pub u32);

impl Services {
    pub const IMAP: u32 = 1;
    pub const POP: u32 = 2;
    pub const UM: u32 = 4;
    pub const IIS: u32 = 8;
    pub const SMTP: u32 = 16;
    pub const FEDERATION: u32 = 32;
    pub const UM_CALL_ROUTER: u32 = 64;
    const NAMES: [(u32, &'static str); 7] = [
        (Self::IMAP, "IMAP"),
        (Self::POP, "POP"),
        (Self::UM, "UM"),
        (Self::IIS, "IIS"),
        (Self::SMTP, "SMTP"),
        (Self::FEDERATION, "Federation"),
        (Self::UM_CALL_ROUTER, "UMCallRouter"),
    ];

    /// True when any of `flags` is set.
    pub fn any(self, flags: u32) -> bool {
        self.0 & flags != 0
    }

    /// Service names as Exchange writes them, in flag order.
    pub fn names(self) -> Vec<&'static str> {
        Self::NAMES
            .iter()
            .filter(|(f, _)| self.0 & f != 0)
            .map(|(_, n)| *n)
            .collect()
    }

    /// Parses the text form (`"IMAP, POP, IIS, SMTP"`, `"None"`) or a number.
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim();
        if let Ok(n) = t.parse::<u32>() {
            return Some(Self(n));
        }
        let mut flags = 0;
        for part in t.split([',', ' ']).filter(|p| !p.is_empty()) {
            if part.eq_ignore_ascii_case("none") {
                continue;
            }
            flags |= Self::NAMES.iter().find(|(_, n)| n.eq_ignore_ascii_case(part))?.0;
        }
        Some(Self(flags))
    }
}

/// Exchange's `CertificateStatus` names, by value.
pub const CERTIFICATE_STATUS: [&str; 8] = [
    "Unknown",
    "Valid",
    "Revoked",
    "DateInvalid",
    "Untrusted",
    "Invalid",
    "RevocationCheckFailure",
    "PendingRequest",
];

/// Exchange's `CertificateAuthorityType` names, by value.
pub const ROOT_CA_TYPE: [&str; 6] = ["None", "ThirdParty", "Enterprise", "Registry", "GroupPolicy", "Unknown"];

/// A certificate as one Exchange server reports it (`Get-ExchangeCertificate`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Binding {
    pub server: String,
    /// None when the export does not say (e.g. taken without SerializationData): unknown, never guessed.
    pub services: Option<Services>,
    /// Exchange status (`Valid`, `PendingRequest` …), when known.
    pub status: Option<String>,
    pub self_signed: Option<bool>,
    pub root_ca_type: Option<String>,
    /// The export (path) this binding was read from.
    pub source: String,
}

/// Service names of a binding (empty when unknown).
pub fn service_names(binding: &Binding) -> Vec<String> {
    binding
        .services
        .map(|s| s.names().iter().map(|n| n.to_string()).collect())
        .unwrap_or_default()
}
