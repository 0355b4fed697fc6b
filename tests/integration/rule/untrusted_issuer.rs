//! `untrusted-issuer`: where it fires, where it must not, and its finding as report.json shows it.

use super::*;

#[test]
fn untrusted_issuer() {
    let r = root("Root");
    let mut w = World::new();
    w.trust(&r);
    let self_signed = w.bound(Leaf::new("self.contoso.com").self_signed(), "EX01", IIS);
    let trusted = w.bound(mail(&r), "EX02", IIS);
    let stray = root("Stray Root");
    let smtp_only = w.bound(Leaf::new("relay.contoso.com").issued_by(&stray), "EX01", SMTP);
    let transport_default = w.bound(
        Leaf::new("EX01").names(&["ex01.contoso.com"]).self_signed(),
        "EX01",
        SMTP,
    );
    let e = w.judge();
    let h = hits_on(&e, "untrusted-issuer", self_signed);
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].severity, Severity::High, "clients of IIS validate the chain");
    assert_eq!(h[0].evidence["trust_status"], "self-signed");
    assert_eq!(
        hits_on(&e, "untrusted-issuer", smtp_only)[0].severity,
        Severity::Low,
        "opportunistic SMTP does not validate"
    );
    assert!(
        hits_on(&e, "untrusted-issuer", transport_default).is_empty(),
        "Exchange's own self-signed transport certificate is how SMTP between servers works"
    );
    assert!(hits_on(&e, "untrusted-issuer", trusted).is_empty());
    insta::assert_json_snapshot!(w.report_findings("untrusted-issuer"));
}
