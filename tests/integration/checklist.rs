//! `certaudit checklist`: the renewal plans for the sample organisation (names to add and
//! drop, the commands per server, Edge, hybrid, Auth rollover, retiring a left-behind
//! certificate), `--before`, server host names, and hostile values in every output.

use crate::common;
use crate::support::exchange_writer;

use std::path::Path;
use std::process::Command;

use common::*;
use exchange_writer::*;
use serde_json::Value;

const REPO: &str = env!("CARGO_MANIFEST_DIR");

struct Checklist {
    code: i32,
    stderr: String,
    json: Value,
    md: String,
    html: String,
}

fn checklist(dir: &Path, args: &[&str]) -> Checklist {
    let output = Command::new(env!("CARGO_BIN_EXE_certaudit"))
        .current_dir(REPO)
        .arg("checklist")
        .args(args)
        .args(["--out", dir.to_str().unwrap()])
        .output()
        .unwrap();
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap_or_default();
    Checklist {
        code: output.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        json: serde_json::from_str(&read("checklist.json")).unwrap_or(Value::Null),
        md: read("checklist.md"),
        html: read("checklist.html"),
    }
}

fn plan<'a>(c: &'a Checklist, thumbprint_prefix: &str) -> &'a Value {
    c.json["plans"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["thumbprint"].as_str().unwrap().starts_with(thumbprint_prefix))
        .unwrap_or_else(|| panic!("no plan for {thumbprint_prefix}: {}", c.stderr))
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

fn names(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect()
}

/// Every command of a plan, one per line.
fn commands(plan: &Value) -> String {
    plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| strings(&s["commands"]))
        .collect::<Vec<_>>()
        .join("\n")
}

fn titles(plan: &Value) -> Vec<String> {
    plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["title"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_sample_organisation_gets_the_expected_plans() {
    let tmp = tempfile::tempdir().unwrap();
    let c = checklist(tmp.path(), &SAMPLE);
    // EX03's export gives no services: the scan behind the checklist is incomplete, which the
    // checklist says (exit 3) while still writing every plan.
    assert_eq!(c.code, 3, "{}", c.stderr);
    assert!(
        c.stderr.contains("the scan behind this checklist is incomplete"),
        "{}",
        c.stderr
    );
    assert_eq!(c.json["schema"], "certaudit.checklist/v1");
    assert_eq!(c.json["before"], "2026-07-31T00:00:00Z", "default: 60 days after --at");

    // The IIS certificate with an internal name: drop it, add autodiscover, new subject.
    let internal = plan(&c, "2EF61639");
    assert_eq!(internal["kind"], "renew");
    let n = &internal["names"];
    assert_eq!(names(&n["drop"]), ["mail.contoso.local"]);
    assert_eq!(names(&n["add"]), ["autodiscover.contoso.com"]);
    assert_eq!(strings(&n["result"]), ["mail.contoso.com", "autodiscover.contoso.com"]);
    assert_eq!(n["san_count"], 2);
    assert_eq!(n["subject"], "CN=mail.contoso.com, O=Contoso");
    let cmds = commands(internal);
    assert!(cmds.contains("New-ExchangeCertificate -Server 'ex02.contoso.com' -GenerateRequest -RequestFile '\\\\ex02.contoso.com\\C$\\CertRequests\\mail.contoso.com.req' -SubjectName 'CN=mail.contoso.com, O=Contoso' -DomainName 'mail.contoso.com','autodiscover.contoso.com' -KeySize 2048"), "{cmds}");
    assert!(cmds
        .contains("Enable-ExchangeCertificate -Server 'ex02.contoso.com' -Thumbprint <NEW-THUMBPRINT> -Services IIS"));
    assert!(cmds.contains("iisreset /noforce"));
    assert!(cmds.contains(
        "Remove-ExchangeCertificate -Server 'ex02.contoso.com' -Thumbprint '2EF61639C421E030A869D44DF412D0A2203203E5'"
    ));
    assert!(
        titles(internal)
            .iter()
            .any(|t| t == "Re-run the Hybrid Configuration Wizard"),
        "hybrid comes from the CloudServicesMailEnabled send connector"
    );
    assert_eq!(internal["request"]["max_lifetime_days"], 200, "issued on 2026-06-01");
    let last = internal["steps"].as_array().unwrap().last().unwrap();
    assert!(last["title"].as_str().unwrap().starts_with("Verify"));
    assert!(commands(internal).contains("certaudit scan samples/contoso/store samples/contoso/exports"));
    assert!(
        !commands(internal).contains("--out"),
        "the verification writes a new report folder"
    );

    // The expiring IIS certificate without the namespace: keep its name, add both.
    let legacy = plan(&c, "7CD55B70");
    assert_eq!(
        names(&legacy["names"]["add"]),
        ["mail.contoso.com", "autodiscover.contoso.com"]
    );
    assert_eq!(strings(&legacy["names"]["keep"]), ["legacy.contoso.com"]);

    // The SMTP certificate on the Edge server (and EX03, services unknown).
    let smtp = plan(&c, "38F3F38A");
    let cmds = commands(smtp);
    assert!(cmds.contains("New-EdgeSubscription -FileName"), "{cmds}");
    assert!(cmds.contains("Start-EdgeSynchronization"));
    assert!(
        cmds.contains("Enable-ExchangeCertificate -Thumbprint <NEW-THUMBPRINT> -Services SMTP"),
        "no -Server on the Edge: {cmds}"
    );
    assert!(cmds.contains("Import-ExchangeCertificate -Server 'ex03.contoso.com'"));
    assert!(cmds.contains("Get-ExchangeCertificate -Server 'ex03.contoso.com' -Thumbprint '38F3F38A4980F892449EA0A7711B08815C3EFA70' | Format-List Services"), "unknown services are looked up, not guessed");

    // The Auth certificate: a rollover, not a CA request. The sample's Get-AuthConfig already
    // stages the next certificate (98A1E1F0…, effective 2026-05-01): copy it to EX03, which
    // lacks it, and publish it; no new certificate is made.
    let auth = plan(&c, "0BE2D980");
    assert_eq!(auth["kind"], "auth-rollover");
    assert!(auth["names"].is_null() && auth["request"].is_null());
    let cmds = commands(auth);
    for expected in [
        "Export-ExchangeCertificate -Server 'ex01.contoso.com' -Thumbprint '98A1E1F0DA439356D9F02EBB0604FAEA67F40123'",
        "Import-ExchangeCertificate -Server 'ex03.contoso.com'",
        "Set-AuthConfig -PublishCertificate",
        "Set-AuthConfig -ClearPreviousCertificate",
        "Restart-Service MSExchangeServiceHost",
    ] {
        assert!(cmds.contains(expected), "{expected} missing from {cmds}");
    }
    assert!(!cmds.contains("-GenerateRequest") && !cmds.contains("New-ExchangeCertificate"));
    assert!(
        !cmds.contains("Import-ExchangeCertificate -Server 'ex02.contoso.com'"),
        "EX02 holds it"
    );
    // The staged certificate is never proposed for removal.
    let staged = c.json["not_planned"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["thumbprint"].as_str().unwrap().starts_with("98A1E1F0"))
        .unwrap();
    assert!(staged["reason"]
        .as_str()
        .unwrap()
        .contains("staged next Auth certificate: keep it"));
    assert!(!c
        .md
        .contains("Remove-ExchangeCertificate -Server 'ex01.contoso.com' -Thumbprint '98A1E1F0"));

    // Last year's certificate still on SMTP: the renewal happened, so retire it.
    let old = plan(&c, "897B0FBB");
    assert_eq!(old["kind"], "retire");
    assert_eq!(old["successor"], "38DBBC208E1B951D2265928DFBB116B06DBEE80C");
    assert!(!commands(old).contains("New-ExchangeCertificate"));
    assert!(commands(old).contains("Remove-ExchangeCertificate -Server 'ex01.contoso.com' -Thumbprint '897B0FBB"));

    // The wildcard on POP/IMAP: name the FQDN.
    let wildcard = plan(&c, "0057C889");
    let cmds = commands(wildcard);
    assert!(
        cmds.contains("Set-ImapSettings -Server 'ex02.contoso.com' -X509CertificateName 'mail.contoso.com'"),
        "{cmds}"
    );
    assert!(cmds.contains("Set-PopSettings -Server 'ex02.contoso.com' -X509CertificateName 'mail.contoso.com'"));

    // The setup self-signed certificate keeps its internal names.
    let setup = plan(&c, "FFA98358");
    assert_eq!(setup["kind"], "renew-self-signed");
    assert!(setup["names"]["drop"].as_array().unwrap().is_empty());

    // The clean current certificate has no plan; the partner certificate bound to nothing is
    // listed as not planned.
    let plans = c.json["plans"].as_array().unwrap();
    assert!(!plans
        .iter()
        .any(|p| p["thumbprint"].as_str().unwrap().starts_with("38DBBC20")));
    assert!(c.json["not_planned"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["thumbprint"].as_str().unwrap().starts_with("A0714868")));
    // Ordered by expiry.
    let dates: Vec<&str> = plans.iter().map(|p| p["not_after"].as_str().unwrap()).collect();
    assert!(dates.windows(2).all(|w| w[0] <= w[1]), "{dates:?}");

    // The three files and their manifest; Markdown and HTML carry the same plans.
    let sums = std::fs::read_to_string(tmp.path().join("SHA256SUMS")).unwrap();
    for f in ["checklist.html", "checklist.md", "checklist.json"] {
        assert!(sums.contains(&format!("  {f}\n")), "{sums}");
    }
    assert_eq!(
        c.md.matches("\n## ").count(),
        plans.len() + 1,
        "one heading per plan, plus Not planned"
    );
    assert!(c.md.contains("- Drop: mail.contoso.local"));
    assert!(c.md.contains("- [ ] Create the certificate request"));
    assert!(c.html.contains("Set-AuthConfig -PublishCertificate"));
    assert!(c.html.contains("autodiscover.contoso.com"));
}

#[test]
fn before_decides_which_expiring_certificates_are_planned() {
    let tmp = tempfile::tempdir().unwrap();
    // The current mail certificate (until 2027-01-15, no finding) is planned only when it
    // expires before --before; then its connectors must follow it.
    let c = checklist(
        &tmp.path().join("a"),
        &[&SAMPLE[..], &["--before", "2027-02-01"]].concat(),
    );
    assert_eq!(c.code, 3, "{}", c.stderr);
    assert_eq!(c.json["before"], "2027-02-01T00:00:00Z");
    let mail = plan(&c, "38DBBC20");
    assert_eq!(mail["kind"], "renew");
    let cmds = commands(mail);
    assert!(cmds.contains("-Services IIS,SMTP"), "{cmds}");
    assert!(cmds.contains("Set-ReceiveConnector 'EX01\\Inbound from Office 365' -TlsCertificateName \"<I>$($cert.Issuer)<S>$($cert.Subject)\""), "{cmds}");
    assert!(cmds.contains("Set-SendConnector 'Outbound to Office 365'"), "{cmds}");
    assert!(
        !cmds.contains("Default Frontend"),
        "a connector without TlsCertificateName is left alone"
    );

    let c = checklist(&tmp.path().join("b"), &SAMPLE);
    assert!(!c.json["plans"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["thumbprint"].as_str().unwrap().starts_with("38DBBC20")));
}

#[test]
fn server_host_names_leave_client_certificates_and_lifetimes_follow_the_schedule() {
    let s = Scratch::new();
    let ca = root("Contoso Root");
    let iis = der(&Leaf::new("mail.contoso.com")
        .names(&["mail.contoso.com", "ex01.contoso.com", "ex01"])
        .valid(date(2026, 1, 1), date(2027, 5, 1))
        .issued_by(&ca));
    s.put(
        "EX01/certs.xml",
        exchange_certificates(&[ExportCert::bound(&iis, "ex01.contoso.com", 8)]),
    );
    s.put(
        "org/servers.xml",
        exchange_servers(&[("EX01", "ex01.contoso.com", false)]),
    );
    let anchor = s.side("anchor.pem", ca.pem());
    let out = s.out();
    let output = Command::new(env!("CARGO_BIN_EXE_certaudit"))
        .args([
            "checklist",
            s.store().to_str().unwrap(),
            "--trust-anchors",
            anchor.to_str().unwrap(),
        ])
        .args([
            "-n",
            "mail.contoso.com",
            "--at",
            "2027-04-01",
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: Value = serde_json::from_slice(&std::fs::read(out.join("checklist.json")).unwrap()).unwrap();
    let plan = &json["plans"][0];
    let drop = names(&plan["names"]["drop"]);
    assert_eq!(drop, ["ex01.contoso.com", "ex01"], "{plan}");
    assert!(plan["names"]["drop"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("server host name"));
    assert_eq!(strings(&plan["names"]["result"]), ["mail.contoso.com"]);
    assert_eq!(plan["request"]["max_lifetime_days"], 100, "issued after 2027-03-15");
    assert!(
        plan["steps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["title"] != "Re-run the Hybrid Configuration Wizard"),
        "no hybrid in these inputs"
    );
}

/// Tags the HTML presenters write; anything else came from the data.
const OUR_TAGS: &[&str] = &[
    "html", "head", "meta", "title", "style", "body", "main", "header", "h1", "h2", "h3", "h4", "h5", "section", "p",
    "span", "div", "table", "thead", "tbody", "tr", "th", "td", "code", "b", "ul", "li", "ol", "dl", "dt", "dd", "a",
    "colgroup", "col", "br", "label", "input", "pre", "nav", "details", "summary", "svg", "g", "rect", "line", "text",
    "tspan",
];

/// Asserts that every tag in `html` is one the template writes and no attribute is an event
/// handler: hostile values were escaped wherever they appear.
fn assert_markup_is_ours(html: &str, what: &str) {
    let body = html.split("</style>").last().unwrap();
    for tag in body.split('<').skip(1) {
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if tag.starts_with('!') {
            continue;
        }
        assert!(
            OUR_TAGS.contains(&name.as_str()),
            "{what}: foreign tag <{}",
            &tag[..tag.len().min(60)]
        );
        let head = tag.split('>').next().unwrap().to_ascii_lowercase();
        assert!(!head.contains(" on"), "{what}: event handler in <{head}>");
    }
}

#[test]
fn hostile_values_are_escaped_in_every_report_and_checklist() {
    let s = Scratch::new();
    let ca = root("<b>Evil CA</b>");
    let xss = "<script>alert(1)</script>";
    let leaf = der(&Leaf::new("mail.contoso.com")
        .cn(xss)
        .names(&["mail.contoso.com", "<img src=x onerror=alert(2)>"])
        .valid(date(2026, 1, 1), date(2026, 6, 20))
        .issued_by(&ca));
    s.put(
        "<svg onload=alert(3)>/certs.xml",
        exchange_certificates(&[ExportCert::bound(&leaf, "<svg onload=alert(4)>", 8 | 16 | 1)]),
    );
    s.put(
        "org/connectors.xml",
        clixml(&[connector(
            false,
            "<iframe src=javascript:alert(5)>",
            &["<svg onload=alert(4)>"],
            Some("<I>CN=<b>Evil CA</b><S>CN=<script>alert(1)</script>"),
        )]),
    );
    s.put(
        "org/imap.xml",
        clixml(&[protocol_settings(
            true,
            "<svg onload=alert(4)>",
            Some("<marquee>imap</marquee>"),
        )]),
    );
    let anchor = s.side("anchor.pem", ca.pem());
    let out = s.out();
    let common = [
        s.store().to_str().unwrap().to_string(),
        "--trust-anchors".into(),
        anchor.to_str().unwrap().into(),
        "-d".into(),
        "<u>evil</u>.com".into(),
        "--at".into(),
        AT.into(),
        "--out".into(),
        out.to_str().unwrap().into(),
    ];
    let run = |cmd: &str| {
        let o = Command::new(env!("CARGO_BIN_EXE_certaudit"))
            .arg(cmd)
            .args(&common)
            .output()
            .unwrap();
        assert!(
            o.status.code().is_some_and(|c| c <= 1),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    run("scan");
    run("checklist");
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    let list = std::fs::read_to_string(out.join("checklist.html")).unwrap();
    let md = std::fs::read_to_string(out.join("checklist.md")).unwrap();
    // The hostile values did reach the outputs (escaped), so the check below means something.
    for (html, what) in [(&report, "report.html"), (&list, "checklist.html")] {
        assert!(
            html.contains("&lt;script") && html.contains("alert(1)"),
            "{what} lacks the escaped subject"
        );
        assert!(
            html.contains("&lt;svg onload=alert(4)&gt;"),
            "{what} lacks the escaped server"
        );
        assert_markup_is_ours(html, what);
    }
    assert!(
        report.contains("&lt;iframe src=javascript:alert(5)&gt;"),
        "connector name"
    );
    assert!(report.contains("&lt;b&gt;Evil CA&lt;&#x2F;b&gt;"), "issuer");
    // The timeline writes the subject and the server as SVG text, escaped the same way.
    let svg = report
        .split("<svg class=\"timeline\"")
        .nth(1)
        .and_then(|rest| rest.split("</svg>").next())
        .expect("a timeline");
    assert!(svg.contains("&lt;script") && svg.contains("alert(1)"), "{svg}");
    assert!(svg.contains("&lt;svg onload=alert(4)&gt;"), "{svg}");
    // Markdown: no raw tag from the data outside the command fences.
    let prose: String = md.split("```").step_by(2).collect();
    for raw in ["<script", "<img", "<svg", "<iframe", "<b>", "<u>", "<marquee"] {
        assert!(!prose.contains(raw), "checklist.md carries raw {raw}");
    }
    assert!(md.contains("&lt;svg onload=alert(4)&gt;"));
    // In PowerShell the values stay inside single quotes.
    assert!(md.contains("-Server '<svg onload=alert(4)>'"), "{md}");
}

/// Without a staged next certificate, the Auth plan creates one and stages it.
#[test]
fn an_auth_rollover_without_a_staged_certificate_creates_one() {
    let s = Scratch::new();
    let auth = der(&Leaf::new("x")
        .cn("Microsoft Exchange Server Auth Certificate")
        .names(&[])
        .valid(date(2021, 7, 1), date(2026, 6, 20))
        .self_signed());
    let mut export = ExportCert::bound(&auth, "ex01.contoso.com", 16);
    export.self_signed = true;
    s.put("EX01/Get-ExchangeCertificate.xml", exchange_certificates(&[export]));
    s.put(
        "organization/Get-AuthConfig.xml",
        auth_config(&thumbprint(&auth), None, None),
    );
    let out = s.dir.path().join("checklist");
    let c = checklist(&out, &[s.store().to_str().unwrap(), "--at", "2026-06-01"]);
    assert_eq!(c.code, 0, "{}", c.stderr);
    let cmds = commands(plan(&c, &thumbprint(&auth)[..8]));
    for expected in [
        "-SubjectName 'cn=Microsoft Exchange Server Auth Certificate'",
        "Set-AuthConfig -NewCertificateThumbprint <NEW-THUMBPRINT>",
        "Set-AuthConfig -PublishCertificate",
    ] {
        assert!(cmds.contains(expected), "{expected} missing from {cmds}");
    }
}
