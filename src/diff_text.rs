//! `certaudit diff` as text for the terminal.

use certaudit_core::history::ScanRow;
use certaudit_core::report::changes::{CertRef, Changes, FindingChange};

/// `certaudit diff` as text: one line per change, each naming the certificate (subject and
/// thumbprint), endpoint or server it is about. Names are shown with control characters
/// escaped.
pub fn changes_text(c: &Changes, a: &ScanRow, b: &ScanRow) -> String {
    use certaudit::terminal::printable as p;
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "changes from scan #{} ({}) to scan #{} ({})",
        a.id, a.started_at, b.id, b.started_at
    );
    for w in &c.warnings {
        let _ = writeln!(out, "note: {}", p(w));
    }
    if c.is_empty() {
        out.push_str("no changes\n");
        return out;
    }
    let cert = |r: &CertRef| format!("{} {}", r.thumbprint, p(&r.subject));
    let finding = |f: &FindingChange| {
        let mut on: Vec<String> = Vec::new();
        if let (Some(t), Some(s)) = (&f.thumbprint, &f.subject) {
            on.push(format!("{t} {}", p(s)));
        }
        on.extend(f.endpoint.iter().map(|e| p(e)));
        on.extend(f.server.iter().map(|s| format!("on {}", p(s))));
        format!("{} {} ({}): {}", f.severity, f.rule, on.join(", "), p(&f.message))
    };
    for f in &c.new_findings {
        let _ = writeln!(out, "+ finding {}", finding(f));
    }
    for f in &c.resolved_findings {
        let _ = writeln!(out, "- finding {}", finding(f));
    }
    for r in &c.renewed_certificates {
        let _ = writeln!(
            out,
            "~ renewed {}: {} -> {} ({})",
            p(&r.old.subject),
            r.old.thumbprint,
            r.new.thumbprint,
            p(&r.note)
        );
    }
    let list = |v: &[CertRef]| {
        if v.is_empty() {
            "nothing".to_string()
        } else {
            v.iter().map(cert).collect::<Vec<_>>().join(", ")
        }
    };
    for m in &c.binding_moves {
        let _ = writeln!(
            out,
            "~ binding {} on {}: {} -> {}",
            p(&m.service),
            p(&m.server),
            list(&m.from),
            list(&m.to)
        );
    }
    for e in &c.endpoint_changes {
        let name = |c: &Option<CertRef>| c.as_ref().map(cert).unwrap_or_default();
        let _ = writeln!(out, "~ endpoint {}: {} -> {}", p(&e.target), name(&e.from), name(&e.to));
    }
    for c in &c.appeared_certificates {
        let _ = writeln!(out, "+ certificate {} (until {})", cert(c), c.not_after);
    }
    for c in &c.disappeared_certificates {
        let _ = writeln!(out, "- certificate {}", cert(c));
    }
    out
}
