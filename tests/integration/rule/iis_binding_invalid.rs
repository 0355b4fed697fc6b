//! `iis-binding-invalid`: where it fires, where it must not, and its finding as report.json shows it.

use super::*;

#[test]
fn iis_binding_invalid() {
    let r = root("Root");
    let mut w = World::new();
    w.trust(&r);
    let good = w.bound(mail(&r), "EX01", IIS);
    let thumbprint = w.thumbprint(good);
    let binding = |hash: &str, port: u16, site: &str| WebBinding {
        server: Some("EX01".into()),
        server_origin: None,
        site: site.into(),
        protocol: "https".into(),
        binding_information: format!("*:{port}:"),
        address: "*".into(),
        port,
        host_header: None,
        certificate_hash: Some(hash.into()),
        certificate_store: Some("MY".into()),
        source: "test".into(),
    };
    w.inventory
        .organisation
        .web_bindings
        .push(binding(&thumbprint, 443, WebBinding::FRONT_END_SITE));
    w.inventory
        .organisation
        .web_bindings
        .push(binding(&"AB".repeat(20), 444, WebBinding::BACK_END_SITE));
    let e = w.judge();
    let h = hits(&e, "iis-binding-invalid");
    assert_eq!(h.len(), 1, "the front end binding names the IIS certificate");
    assert_eq!(h[0].evidence["site"], WebBinding::BACK_END_SITE);
    assert_eq!(h[0].severity, Severity::Critical);
    insta::assert_json_snapshot!(w.report_findings("iis-binding-invalid"));
}
