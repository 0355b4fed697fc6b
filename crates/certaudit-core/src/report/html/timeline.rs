//! The expiry timeline: the certificates in service over the next 365 days, one bar each,
//! coloured by the pack's expiry windows (each bar turns medium, high, critical as its end
//! comes nearer). Only the geometry is computed here; the template draws it as an inline SVG
//! (no script, no external asset), escaping every text.

use std::collections::HashSet;

use chrono::{DateTime, Datelike, Duration, Utc};
use serde::Serialize;

use super::super::model::{CertificateEntry, Report};
use crate::report::expiry::Expiry;
use crate::x509::subject_common_names;

/// Days the timeline spans from the evaluation instant.
pub const DAYS: i64 = 365;
/// Bars drawn at most; the others are counted.
pub const MAX_ROWS: usize = 60;

const WIDTH: f64 = 1100.0;
const PLOT_LEFT: f64 = 360.0;
const PLOT_RIGHT: f64 = 1090.0;
const TOP: f64 = 34.0;
const ROW: f64 = 22.0;

/// Everything the template needs to draw the timeline.
#[derive(Debug, Serialize)]
pub(super) struct Timeline {
    pub width: f64,
    pub height: f64,
    pub plot_left: f64,
    pub plot_right: f64,
    /// The top and bottom of the plot (tick lines run between them).
    pub top: f64,
    pub bottom: f64,
    pub ticks: Vec<Tick>,
    pub rows: Vec<Row>,
    /// Certificates drawn plus those left out.
    pub total: usize,
    pub omitted: usize,
    /// True when no certificate is in service and the timeline shows every end-entity one.
    pub fallback: bool,
    pub start: String,
    pub end: String,
}

/// A month boundary on the axis.
#[derive(Debug, Serialize)]
pub(super) struct Tick {
    pub x: f64,
    pub label: String,
}

/// One certificate.
#[derive(Debug, Serialize)]
pub(super) struct Row {
    /// The baseline of the row's text; the bar is drawn just above it.
    pub y: f64,
    pub bar_y: f64,
    pub label: String,
    /// Where it is in service, short ("ex01, ex02 +1"), written after the label.
    pub place: String,
    /// Its subject, expiry and every place it serves, for the tooltip.
    pub title: String,
    pub segments: Vec<Segment>,
    /// Where it ends (None past the timeline's end) and the date written beside.
    pub end_x: Option<f64>,
    pub note: String,
    pub note_x: f64,
    /// `start` or `end`: which side of `note_x` the note is written.
    pub note_anchor: &'static str,
    /// True when the note is written over the bar (in the bar's contrast colour).
    pub note_on_bar: bool,
    pub expired: bool,
}

/// A part of a bar inside one window (or in none: `ok`).
#[derive(Debug, Serialize)]
pub(super) struct Segment {
    pub x: f64,
    pub width: f64,
    pub class: &'static str,
}

fn x_of(day: f64) -> f64 {
    PLOT_LEFT + (day.clamp(0.0, DAYS as f64) / DAYS as f64) * (PLOT_RIGHT - PLOT_LEFT)
}

fn round(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// True when `cert` is in service: bound to a service on a server (or bound with unknown
/// services), or presented by an endpoint.
fn in_service(cert: &CertificateEntry, presented: &HashSet<&str>) -> bool {
    cert.bindings
        .iter()
        .any(|b| !b.services_known || !b.services.is_empty())
        || presented.contains(cert.sha256.as_str())
}

/// Where the certificate serves, for its tooltip: "EX01 (IIS, SMTP); https://mail:443" (the
/// first [`PLACES`], then how many more).
fn where_used(cert: &CertificateEntry, report: &Report) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut more = 0usize;
    let bound = cert
        .bindings
        .iter()
        .filter(|b| !b.services_known || !b.services.is_empty());
    let bindings = bound.map(|b| {
        if b.services_known {
            format!("{} ({})", b.server, b.services.join(", "))
        } else {
            format!("{} (services unknown)", b.server)
        }
    });
    for place in bindings.chain(report.presented_by(&cert.sha256).map(|e| e.target.clone())) {
        if parts.len() < PLACES {
            parts.push(place);
        } else {
            more += 1;
        }
    }
    if more > 0 {
        parts.push(format!("and {more} more"));
    }
    parts.join("; ")
}

/// Places named in a bar's tooltip.
const PLACES: usize = 10;

/// The servers it is bound on (short names) or else the endpoints' hosts: "ex01, ex02 +1".
fn place(cert: &CertificateEntry, report: &Report) -> String {
    let mut names: Vec<&str> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for b in cert
        .bindings
        .iter()
        .filter(|b| !b.services_known || !b.services.is_empty())
    {
        let short = b.server.split('.').next().unwrap_or(&b.server);
        if seen.insert(short.to_ascii_lowercase()) {
            names.push(short);
        }
    }
    if names.is_empty() {
        for e in report.presented_by(&cert.sha256) {
            if seen.insert(e.host.to_ascii_lowercase()) {
                names.push(&e.host);
            }
        }
    }
    match names.len() {
        0..=2 => names.join(", "),
        n => format!("{}, {} +{}", names[0], names[1], n - 2),
    }
}

fn truncated(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut t: String = text.chars().take(max - 1).collect();
    t.push('…');
    t
}

/// The timeline of `report` at its evaluation instant.
pub(super) fn build(report: &Report, expiry: &Expiry<'_>) -> Timeline {
    let at = report.scan.evaluated_at;
    let presented: HashSet<&str> = report
        .endpoints
        .iter()
        .filter_map(|e| e.chain.first().map(String::as_str))
        .collect();
    let mut chosen: Vec<&CertificateEntry> = report
        .certificates
        .iter()
        .filter(|c| !c.is_ca && in_service(c, &presented))
        .collect();
    let fallback = chosen.is_empty();
    if fallback {
        chosen = report.certificates.iter().filter(|c| !c.is_ca).collect();
    }
    chosen.sort_by(|a, b| a.not_after.cmp(&b.not_after).then(a.subject.cmp(&b.subject)));
    let total = chosen.len();
    chosen.truncate(MAX_ROWS);
    let rows: Vec<Row> = chosen
        .iter()
        .enumerate()
        .map(|(i, cert)| row(cert, i, at, report, expiry))
        .collect();
    let bottom = TOP + ROW * rows.len() as f64 + 6.0;
    Timeline {
        width: WIDTH,
        height: bottom + 8.0,
        plot_left: PLOT_LEFT,
        plot_right: PLOT_RIGHT,
        top: TOP - 6.0,
        bottom,
        ticks: ticks(at),
        omitted: total - rows.len(),
        rows,
        total,
        fallback,
        start: at.format("%Y-%m-%d").to_string(),
        end: (at + Duration::days(DAYS)).format("%Y-%m-%d").to_string(),
    }
}

/// The first day of each month after `at`, within the timeline.
fn ticks(at: DateTime<Utc>) -> Vec<Tick> {
    let mut ticks = Vec::new();
    let (mut year, mut month) = (at.year(), at.month());
    loop {
        (year, month) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
        let Some(first) = chrono::NaiveDate::from_ymd_opt(year, month, 1) else {
            break;
        };
        let day = (first.and_hms_opt(0, 0, 0).map(|t| t.and_utc()).unwrap_or(at) - at).num_seconds() as f64 / 86_400.0;
        if day > DAYS as f64 {
            break;
        }
        let label = if month == 1 {
            first.format("%b %Y").to_string()
        } else {
            first.format("%b").to_string()
        };
        let x = round(x_of(day));
        // The evaluation date is written at the left edge: a month too close to it is unlabelled.
        let label = if x - PLOT_LEFT < 64.0 { String::new() } else { label };
        ticks.push(Tick { x, label });
    }
    ticks
}

fn row(cert: &CertificateEntry, index: usize, at: DateTime<Utc>, report: &Report, expiry: &Expiry<'_>) -> Row {
    let y = TOP + ROW * index as f64 + 15.0;
    let end = cert.days_left as f64;
    let start = ((cert.not_before - at).num_seconds() as f64 / 86_400.0).max(0.0);
    let used = where_used(cert, report);
    let title = format!(
        "{} — until {}{}",
        cert.subject,
        cert.not_after.format("%Y-%m-%d"),
        if used.is_empty() {
            String::new()
        } else {
            format!(" — {used}")
        }
    );
    // The common name of the subject, else the whole subject.
    let label = truncated(subject_common_names(&cert.subject).next().unwrap_or(&cert.subject), 34);
    let place = truncated(&place(cert, report), 54 - label.chars().count());
    if cert.days_left < 0 {
        return Row {
            y,
            bar_y: y - 13.0,
            label,
            place,
            title,
            segments: vec![Segment {
                x: PLOT_LEFT,
                width: 6.0,
                class: "expired",
            }],
            end_x: None,
            note: format!(
                "expired {} ago ({})",
                super::words::count(cert.days_left.unsigned_abs() as usize, "day", "days"),
                cert.not_after.format("%Y-%m-%d")
            ),
            note_x: PLOT_LEFT + 12.0,
            note_anchor: "start",
            note_on_bar: false,
            expired: true,
        };
    }
    // Boundaries where the bar enters each window, widest window first.
    let windows = expiry.windows_for(cert);
    let mut cuts: Vec<(f64, &'static str)> = vec![(start, "ok")];
    for w in windows.iter().rev() {
        cuts.push(((end - f64::from(w.days)).max(start), w.severity.as_str()));
    }
    let stop = end.min(DAYS as f64);
    let mut segments = Vec::new();
    for (i, (from, class)) in cuts.iter().enumerate() {
        let to = cuts.get(i + 1).map(|c| c.0).unwrap_or(end).min(stop);
        let from = from.min(stop);
        if to > from {
            let (x0, x1) = (x_of(from), x_of(to));
            segments.push(Segment {
                x: round(x0),
                width: round((x1 - x0).max(1.0)),
                class,
            });
        }
    }
    let date = cert.not_after.format("%Y-%m-%d").to_string();
    let (end_x, note, note_x, note_anchor, note_on_bar) = if end <= DAYS as f64 {
        let x = round(x_of(end));
        if x + 80.0 < PLOT_RIGHT {
            (Some(x), date, x + 6.0, "start", false)
        } else {
            (Some(x), date, x - 6.0, "end", true)
        }
    } else {
        (None, format!("until {date} →"), PLOT_RIGHT - 4.0, "end", true)
    };
    Row {
        y,
        bar_y: y - 13.0,
        label,
        place,
        title,
        segments,
        end_x,
        note,
        note_x,
        note_anchor,
        note_on_bar,
        expired: false,
    }
}
