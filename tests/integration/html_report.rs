//! The HTML report as an auditor reads it, on the sample organisation: the title, the table of
//! contents, the verdict in words, the expiry timeline, days left and matrix cells coloured by
//! the pack, evidence without repeats, remediation commands to copy, and the inventory CSV.

use std::path::Path;

use crate::common::Scratch;

/// Scans the sample into `out` (every format) with `extra` arguments; returns report.html.
fn sample_html(out: &Path, extra: &[&str]) -> String {
    crate::common::scan_sample(out, &[&["--no-history"], extra].concat());
    std::fs::read_to_string(out.join("report.html")).unwrap()
}

/// The values of `attr="…"` in `html`.
fn attributes<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
    let marker = format!("{attr}=\"");
    html.split(&marker)
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect()
}

/// The timeline row whose tooltip starts with `subject`: its segments' classes and its note.
fn timeline_row(html: &str, subject: &str) -> (Vec<String>, String) {
    let row = html
        .split("<g class=\"row\">")
        .skip(1)
        .find(|r| r.starts_with(&format!("<title>{subject} ")))
        .unwrap_or_else(|| panic!("no timeline row for {subject}"));
    let row = row.split("</g>").next().unwrap();
    let classes = attributes(row, "class")
        .into_iter()
        .filter_map(|c| c.strip_prefix("seg "))
        .map(str::to_string)
        .collect();
    let note = row
        .split("<text class=\"note")
        .nth(1)
        .and_then(|t| t.split('>').nth(1))
        .and_then(|t| t.split('<').next())
        .unwrap_or_default()
        .to_string();
    (classes, note)
}

/// The `<td class="days …">` class of the first table row that mentions `thumbprint`.
fn days_class_of(html: &str, thumbprint: &str) -> String {
    let row = html
        .split("<tr>")
        .find(|r| r.contains(thumbprint) && r.contains("class=\"days "))
        .unwrap_or_else(|| panic!("no row for {thumbprint}"));
    let class = row.split("class=\"days ").nth(1).unwrap();
    class.split(['"', ' ']).next().unwrap().to_string()
}

const AUTH_39_DAYS: &str = "0BE2D980EE40A32AB411B2F1654A1809FDDEB21E";
const ARCHIVE_45_DAYS: &str = "5A3A80B56E5F640D85B45F5CA900B32C37350DF7";
const LEGACY_20_DAYS: &str = "7CD55B7041F3A2FECA5DA9F521D9CA90FFEE11CB";

#[test]
fn the_sample_report_reads_in_five_minutes() {
    let s = Scratch::new();
    let out = s.out();
    let html = sample_html(&out, &[]);

    // Titled after the organisation's accepted domains.
    assert!(
        html.contains("<h1>Certificate audit — contoso.com</h1>"),
        "named after the accepted domains, the routing domain left out"
    );

    // Every in-page link of the table of contents lands on an element of the page.
    let ids = attributes(&html, "id");
    let links: Vec<&str> = attributes(&html, "href")
        .into_iter()
        .filter_map(|h| h.strip_prefix('#'))
        .collect();
    assert!(links.len() >= 15, "a table of contents: {links:?}");
    for link in &links {
        assert!(ids.contains(link), "#{link} points nowhere");
    }
    for section in [
        "summary",
        "timeline",
        "findings",
        "findings-critical",
        "servers",
        "inventory",
        "metadata",
    ] {
        assert!(links.contains(&section), "no link to #{section}");
    }

    // The verdict in words, without command-line terms.
    assert!(
        html.contains("Fail: 6 critical and 15 high findings remain unresolved."),
        "verdict headline"
    );
    assert!(html.contains("The audit fails on any high or critical finding that is not waived"));
    assert!(!html.contains("Against <code>--fail-on"), "no jargon in the summary");

    // Days left coloured by the pack's windows: the Auth certificate, 39 days from expiry with
    // a HIGH finding, is no longer green; 45 days is inside the 60-day medium window.
    assert_eq!(days_class_of(&html, AUTH_39_DAYS), "high");
    assert_eq!(days_class_of(&html, ARCHIVE_45_DAYS), "medium");
    assert_eq!(days_class_of(&html, LEGACY_20_DAYS), "high");

    // The timeline draws the certificates in service, each bar entering the pack's windows.
    let (classes, note) = timeline_row(&html, "CN=legacy.contoso.com, O=Contoso");
    assert_eq!(
        classes,
        ["high", "critical"],
        "20 days left: the 30-day and then the 7-day window"
    );
    assert_eq!(note, "2026-06-21");
    let (classes, note) = timeline_row(&html, "CN=EX01");
    assert_eq!(classes, ["ok"], "ends after the timeline");
    assert_eq!(note, "until 2029-01-01 →");
    let (classes, note) = timeline_row(&html, "CN=mail.contoso.com, O=Contoso, C=US — until 2026-03-01");
    assert_eq!(classes, ["expired"]);
    assert!(note.starts_with("expired 92 days ago"), "{note}");
    assert!(
        !html.contains("<title>CN=archive.contoso.com"),
        "a certificate in no service is not on the timeline"
    );

    // The server matrix: the expired certificate still bound to SMTP on EX01 is a critical cell.
    let ex01 = html
        .split("id=\"server-2\"")
        .nth(1)
        .unwrap()
        .split("</table>")
        .next()
        .unwrap();
    let expired_row = ex01
        .split("<tr>")
        .find(|r| r.contains("897B0FBBEC4ACD2FA19C54C9B417A8760F60247F"))
        .unwrap();
    assert!(
        expired_row.contains("class=\"svc cell critical\" title=\"SMTP: expired (critical)"),
        "{expired_row}"
    );

    // Findings: the expiry is written once per finding, evidence in words, commands to copy.
    let findings: Vec<&str> = html.split("<div class=\"finding ").skip(1).collect();
    assert_eq!(findings.len(), 34);
    for f in &findings {
        assert!(f.matches("<dt>Not after</dt>").count() <= 1, "expiry repeated: {f}");
        assert!(
            !f.contains("<dt>days left</dt>") && !f.contains("<dt>not after</dt>"),
            "raw keys: {f}"
        );
    }
    assert!(html.contains("<dt>Key size</dt><dd>224 bits</dd>"));
    assert!(html.contains("<pre><code>Get-ExchangeCertificate -Thumbprint 897B0FBBEC4ACD2FA19C54C9B417A8760F60247F | New-ExchangeCertificate -GenerateRequest\nEnable-ExchangeCertificate"));

    // Thumbprints never wrap; the 60-name certificate's names are folded.
    assert!(html.contains("<span class=\"mono thumb muted\">F94A311AC4F46610BB4B525E60F417D90C81A596</span>"));
    assert!(html.contains("<b>60 names</b></summary>"));
}

#[test]
fn the_title_can_be_given_and_is_escaped() {
    let s = Scratch::new();
    let html = sample_html(&s.out(), &["--title", "Contoso <Q3> audit"]);
    assert!(html.contains("<h1>Contoso &lt;Q3&gt; audit</h1>"));
    assert!(html.contains("<title>Contoso &lt;Q3&gt; audit — 2026-06-01</title>"));
}

#[test]
fn colours_follow_the_pack_in_force() {
    let s = Scratch::new();
    let pack = s.side(
        "pack.toml",
        "id = \"strict\"\n[rules.expiring-soon]\nwindows = [{ days = 100, severity = \"high\" }]\nauth_windows = [{ days = 30, severity = \"low\" }]\n",
    );
    let html = sample_html(&s.out(), &["--pack", pack.to_str().unwrap()]);
    assert_eq!(
        days_class_of(&html, ARCHIVE_45_DAYS),
        "high",
        "inside the pack's 100-day window"
    );
    assert_eq!(
        days_class_of(&html, AUTH_39_DAYS),
        "ok",
        "outside the Auth certificate's 30-day window"
    );
    assert!(
        html.contains("under 100 days: high"),
        "the legend names the pack's window"
    );

    let off = s.side("off.toml", "id = \"quiet\"\n[rules.expiring-soon]\nenabled = false\n");
    let html = sample_html(&s.dir.path().join("off"), &["--pack", off.to_str().unwrap()]);
    assert_eq!(
        days_class_of(&html, LEGACY_20_DAYS),
        "ok",
        "no window: only expiry is coloured"
    );
    assert!(html.contains("the pack sets no expiry window"));
}

#[test]
fn the_certificate_inventory_csv_lists_every_certificate_safely() {
    let s = Scratch::new();
    let out = s.out();
    sample_html(&out, &[]);
    let text = std::fs::read_to_string(out.join("certificates.csv")).unwrap();
    assert!(text.starts_with('\u{feff}'), "a byte-order mark for Excel");
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        certaudit_core::report::csv::CERTIFICATE_COLUMNS
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let report = crate::common::read_report(&out.join("report.json"), "sample");
    assert_eq!(rows.len(), report.certificates.len());
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let auth = rows.iter().find(|r| &r[col("thumbprint")] == AUTH_39_DAYS).unwrap();
    assert_eq!(&auth[col("expiry")], "high");
    assert_eq!(&auth[col("days_left")], "39");
    assert!(
        auth[col("bindings")].contains("ex01.contoso.com (SMTP)"),
        "{:?}",
        &auth[col("bindings")]
    );
    let expired = rows.iter().find(|r| &r[col("days_left")] == "-92").unwrap();
    assert_eq!(&expired[col("expiry")], "expired");
    assert_eq!(&expired[col("worst_severity")], "critical");
    for r in &rows {
        for cell in r.iter() {
            assert!(
                !(cell.starts_with(['=', '+', '@']) || cell.starts_with('-') && cell.parse::<i64>().is_err()),
                "a cell a spreadsheet would run: {cell}"
            );
        }
    }
}
