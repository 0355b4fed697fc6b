//! Writes the fuzzing seed corpus, `fuzz/corpus/<target>/` (not committed), from the
//! project's own fixtures: the certificate stores of `tests/fixtures/` and the sample
//! organisation, its Exchange exports (and the `SerializationData` blobs inside them, bare
//! and signed), the rule packs and audit file, a waiver file and a JSON export; plus the real
//! exports of `../shared/exchange-samples/` where that folder exists.
//!
//! ```sh
//! cargo run --example fuzz_seeds
//! ```

#![allow(clippy::print_stdout, clippy::print_stderr)] // says what it wrote

use std::path::{Path, PathBuf};

use base64::Engine;
use certaudit_core::inputs::clixml::{self, PsValue};

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name().into_iter().flatten() {
        if entry.file_type().is_file() {
            out.push(entry.into_path());
        }
    }
    out
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus = repo.join("fuzz/corpus");
    let mut count = 0usize;
    let mut put = |target: &str, name: &str, bytes: &[u8]| -> std::io::Result<()> {
        let dir = corpus.join(target);
        std::fs::create_dir_all(&dir)?;
        count += 1;
        std::fs::write(dir.join(name), bytes)
    };
    let shared = repo.join("../shared/exchange-samples");
    let mut stores = files_under(&repo.join("tests/fixtures"));
    stores.extend(files_under(&repo.join("samples/contoso/store")));
    for path in &stores {
        let name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
        put("decode", &name, &std::fs::read(path)?)?;
    }
    let mut exports = files_under(&repo.join("samples/contoso/exports"));
    if shared.is_dir() {
        exports.extend(
            files_under(&shared)
                .into_iter()
                .filter(|p| p.extension().is_some_and(|e| e == "xml")),
        );
    }
    for (i, path) in exports.iter().enumerate() {
        let bytes = std::fs::read(path)?;
        let name = format!("{i:03}-{}", path.file_name().unwrap_or_default().to_string_lossy());
        put("clixml", &name, &bytes)?;
        put("decode", &name, &bytes)?;
        // The SerializationData blobs inside, for the MS-NRBF reader on its own.
        let Ok(text) = clixml::decode_text(&bytes) else {
            continue;
        };
        let Ok(values) = clixml::parse(&text) else { continue };
        for (j, v) in values.iter().enumerate() {
            if let PsValue::Obj(o) = v {
                if let Some(PsValue::Bytes(blob)) = o.get("SerializationData") {
                    put("nrbf", &format!("{name}-{j:03}"), blob)?;
                }
            }
        }
    }
    // A JSON export, from the sample's current certificate.
    let pem = std::fs::read_to_string(repo.join("tests/fixtures/rsa2048.pem"))?;
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let json = format!(
        "[{{\"RawData\":\"{b64}\",\"PSComputerName\":\"EX01\",\"Services\":\"IIS, SMTP\",\"Status\":1,\"IsSelfSigned\":false,\"RootCAType\":{{\"value\":2}},\"Identity\":\"EX01\\\\ABCD\"}}]"
    );
    put("exchange_json", "array.json", json.as_bytes())?;
    let bytes = base64::engine::general_purpose::STANDARD.decode(&b64)?;
    put(
        "exchange_json",
        "byte-array.json",
        format!("{{\"RawData\":{bytes:?},\"Services\":27}}").as_bytes(),
    )?;
    for path in files_under(&repo.join("rules"))
        .into_iter()
        .chain([repo.join("samples/contoso/audit.toml")])
    {
        let name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
        put("toml", &name, &std::fs::read(path)?)?;
    }
    put(
        "toml",
        "waivers.toml",
        b"[[waiver]]\nrule = \"weak-key\"\nthumbprint = \"0123456789ABCDEF0123456789ABCDEF01234567\"\nserver = \"EX01\"\nreason = \"replaced in Q1\"\nowner = \"pki@contoso.com\"\nexpires = \"2027-01-01\"\n",
    )?;
    println!("{count} seed files written to {}", corpus.display());
    Ok(())
}
