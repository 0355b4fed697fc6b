//! `schema/report-v1.schema.json`, the documented contract of `report.json`: every report the
//! integration tests read is validated against it (see `common::certaudit`) by boon, a JSON
//! Schema validator that knows nothing of certaudit's types; here, the sample organisation's
//! reports (with history changes and waivers) are, and the schema is shown to reject reports
//! that break the contract.

use std::path::Path;
use std::sync::OnceLock;

use serde_json::{json, Value};

use crate::common::Scratch;

const SCHEMA_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/schema/report-v1.schema.json");

struct Compiled {
    schemas: boon::Schemas,
    index: boon::SchemaIndex,
}

fn compiled() -> &'static Compiled {
    static SCHEMA: OnceLock<Compiled> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let text = std::fs::read_to_string(SCHEMA_PATH).unwrap();
        let value: Value = serde_json::from_str(&text).unwrap();
        let id = value["$id"].as_str().unwrap().to_string();
        let mut schemas = boon::Schemas::new();
        let mut compiler = boon::Compiler::new();
        compiler.enable_format_assertions();
        compiler.add_resource(&id, value).unwrap();
        let index = compiler
            .compile(&id, &mut schemas)
            .unwrap_or_else(|e| panic!("schema: {e:#}"));
        Compiled { schemas, index }
    })
}

/// The schema's verdict on `report`: None when valid, else the validation errors.
pub fn violations(report: &Value) -> Option<String> {
    let c = compiled();
    c.schemas.validate(report, c.index).err().map(|e| format!("{e:#}"))
}

/// Panics unless `report` follows the schema.
pub fn assert_valid(report: &Value, what: &str) {
    if let Some(errors) = violations(report) {
        panic!("{what}: report.json does not follow schema/report-v1.schema.json:\n{errors}");
    }
}

fn sample_scan(out: &Path, extra: &[&str]) -> Value {
    crate::common::scan_sample(out, &[&["-f", "json"], extra].concat());
    serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap()
}

#[test]
fn the_sample_organisation_reports_follow_the_schema() {
    let s = Scratch::new();
    let history = s.side("history.sqlite", "");
    std::fs::remove_file(&history).unwrap();
    let waivers = s.side(
        "waivers.toml",
        "[[waiver]]\nrule = \"weak-signature\"\nthumbprint = \"5F10DEEA8A45374B9038FC1FE4930E80AB7685E0\"\n\
         reason = \"Legacy relay, replaced in Q3\"\nowner = \"mail-team@contoso.com\"\nexpires = \"2026-12-31\"\n\n\
         [[waiver]]\nrule = \"expired\"\nserver = \"nowhere\"\nreason = \"Matches nothing\"\nowner = \"x\"\nexpires = \"2026-12-31\"\n",
    );
    let h = history.to_str().unwrap();
    let first = sample_scan(&s.dir.path().join("one"), &["--history", h]);
    assert_valid(&first, "first scan");
    assert!(first["changes"].is_null(), "the first scan has nothing to compare with");
    let second = sample_scan(
        &s.dir.path().join("two"),
        &["--history", h, "--waivers", waivers.to_str().unwrap()],
    );
    assert_valid(&second, "second scan");
    assert!(
        second["changes"].is_object(),
        "the second scan is compared with the first"
    );
    let statuses: Vec<&str> = second["waivers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["applied", "unused"],
        "both kinds of waiver are in the validated report"
    );
}

#[test]
fn the_schema_rejects_reports_that_break_the_contract() {
    let s = Scratch::new();
    let report = sample_scan(&s.dir.path().join("out"), &["--no-history"]);
    assert!(violations(&report).is_none());
    let broken = |change: &dyn Fn(&mut Value)| {
        let mut r = report.clone();
        change(&mut r);
        violations(&r)
    };
    type Change<'a> = &'a dyn Fn(&mut Value);
    let cases: [(&str, Change); 8] = [
        ("no verdict", &|r| {
            r["summary"].as_object_mut().unwrap().remove("result");
        }),
        ("unknown verdict", &|r| r["summary"]["result"] = json!("ok")),
        ("unknown severity", &|r| r["findings"][0]["severity"] = json!("severe")),
        ("unknown rule", &|r| r["findings"][0]["rule"] = json!("expired-ish")),
        ("uppercase sha256", &|r| {
            let sha = r["certificates"][0]["sha256"].as_str().unwrap().to_uppercase();
            r["certificates"][0]["sha256"] = json!(sha);
        }),
        ("lowercase thumbprint", &|r| {
            let t = r["certificates"][0]["thumbprint"].as_str().unwrap().to_lowercase();
            r["certificates"][0]["thumbprint"] = json!(t);
        }),
        ("a time that is not RFC 3339 UTC", &|r| {
            r["scan"]["evaluated_at"] = json!("2026-06-01")
        }),
        ("an undocumented field", &|r| {
            r["certificates"][0]["colour"] = json!("green")
        }),
    ];
    for (what, change) in cases {
        assert!(broken(change).is_some(), "the schema accepts a report with {what}");
    }
}

#[test]
fn every_rule_of_the_registry_is_in_the_schema() {
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(SCHEMA_PATH).unwrap()).unwrap();
    let ids: Vec<&str> = schema["$defs"]["rule"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let mut registry: Vec<&str> = certaudit_core::rules::registry().iter().map(|r| r.meta().id).collect();
    let mut listed = ids.clone();
    registry.sort_unstable();
    listed.sort_unstable();
    assert_eq!(
        registry, listed,
        "schema/report-v1.schema.json's rule ids and the registry differ"
    );
}
