//! `certificate-revoked`: where it fires, where it must not, and its finding as report.json
//! shows it. (The staples themselves are verified against `openssl ocsp` in `ocsp_staples.rs`.)

use certaudit_core::inventory::{StapleCheck, StapleStatus};

use super::*;

/// A verified staple of `status` (the revocation stage's result, as the rule reads it).
pub(super) fn staple(status: StapleStatus, detail: &str) -> StapleCheck {
    let revoked = status == StapleStatus::Revoked;
    let at: DateTime<Utc> = AT.parse().unwrap();
    StapleCheck {
        status,
        detail: detail.into(),
        sha256: "ab".repeat(32),
        responder: Some("the issuer CN=Root".into()),
        produced_at: Some(at),
        this_update: Some(at),
        next_update: Some(at + chrono::Duration::days(7)),
        revoked_at: revoked.then(|| "2026-05-20T00:00:00Z".parse().unwrap()),
        revocation_reason: revoked.then(|| "keyCompromise".into()),
    }
}

#[test]
fn certificate_revoked() {
    let r = root("Root");
    let mut w = World::new();
    w.trust(&r);
    let leaf = der(&mail(&r));
    for url in [
        "https://mail.contoso.com:443",
        "https://owa.contoso.com:443",
        "https://old.contoso.com:443",
    ] {
        w.endpoint(url, Protocol::Https, vec![leaf.clone()], None);
    }
    w.inventory.endpoints[0].staple_check = Some(staple(StapleStatus::Revoked, "revoked"));
    w.inventory.endpoints[1].staple_check = Some(staple(StapleStatus::Good, "good"));
    // An invalid staple proves nothing, not even a revocation.
    w.inventory.endpoints[2].staple_check = Some(staple(StapleStatus::Invalid, "badly signed"));
    let e = w.judge();
    assert_eq!(endpoints_of(&e, "certificate-revoked"), [0]);
    let f = &hits(&e, "certificate-revoked")[0];
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(f.evidence["reason"], "keyCompromise");
    assert_eq!(f.evidence["revoked_at"], "2026-05-20T00:00:00Z");
    insta::assert_json_snapshot!(w.report_findings("certificate-revoked"));
}
