//! Entry points for the fuzz targets (`fuzz/fuzz_targets/`) and the regression corpus
//! (`fuzz/regressions/`, run by `cargo test`): each takes arbitrary bytes and must return —
//! never panic, never run away in time or memory — whatever they hold.

use std::path::Path;

use certaudit_core::inputs::{self, exchange::ExportFile, Password, ReadOptions};

/// The targets, by the name of their folder in `fuzz/fuzz_targets/` and `fuzz/regressions/`.
pub const TARGETS: [&str; 5] = ["nrbf", "clixml", "exchange_json", "decode", "toml"];

/// Runs `data` through the target named `target`; false for an unknown target.
pub fn run(target: &str, data: &[u8]) -> bool {
    match target {
        "nrbf" => nrbf(data),
        "clixml" => clixml(data),
        "exchange_json" => exchange_json(data),
        "decode" => decode(data),
        "toml" => toml(data),
        _ => return false,
    }
    true
}

/// A `SerializationData` blob, signed or bare.
pub fn nrbf(data: &[u8]) {
    let _ = inputs::nrbf::parse_serialization_data(data);
}

const FILE: ExportFile<'static> = ExportFile {
    path: "fuzz/EX01/Get-Fuzz.xml",
    folder_server: Some("EX01"),
};

/// A CliXML document, read as an Exchange export (text decoding included).
pub fn clixml(data: &[u8]) {
    if let Ok(text) = inputs::clixml::decode_text(data) {
        let _ = inputs::exchange::read_clixml(&text, FILE);
    }
}

/// A `ConvertTo-Json` export.
pub fn exchange_json(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = inputs::exchange_json::read_json(text, FILE);
    }
}

/// Any input file: the format sniffing and PEM / DER / PKCS#7 / PKCS#12 / export decoding.
pub fn decode(data: &[u8]) {
    let options = ReadOptions {
        pfx_password: Some(Password::new("fuzz".into(), "fuzzing".into())),
    };
    let _ = inputs::decode(data, &options, FILE);
}

/// A rule pack, a waiver file and a configuration file, from the same text.
pub fn toml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = certaudit_core::rules::load_pack("fuzz.toml", text);
    let _ = certaudit_core::waivers::parse("fuzz.toml", text);
    let _ = crate::config::parse(Path::new("fuzz/audit.toml"), text);
}
