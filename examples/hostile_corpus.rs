//! Writes the committed regression corpus of hostile inputs, `fuzz/regressions/<target>/`,
//! one folder per fuzz target (see `certaudit::fuzzing`). Each file is a smaller sibling of a
//! case in `tests/integration/hostile.rs`; `cargo test` runs every file through the library, and
//! `cargo fuzz run <target> fuzz/regressions/<target>` starts fuzzing from them.
//!
//! ```sh
//! cargo run --example hostile_corpus
//! cargo run --release --example hostile_corpus -- --full DIR   # the full-size cases of tests/integration/hostile.rs
//! ```
//!
//! With `--full DIR` it writes instead the full-size hostile inputs of `tests/integration/hostile.rs`
//! into `DIR` (about 200 MB), for the before/after figures in BENCHMARKS.md.

#![allow(clippy::print_stdout, clippy::print_stderr)] // says what it wrote

#[path = "../tests/integration/support/mod.rs"]
mod support;

use support::hostile;

use std::path::Path;

use rustls_pki_types::pem::PemObject;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let good = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rsa2048.pem"))?;
    let der = rustls_pki_types::CertificateDer::from_pem_slice(good.as_bytes())?.to_vec();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, dir] = args.as_slice() {
        if flag == "--full" {
            return write_full(Path::new(dir), &der);
        }
    }
    let amplified = hostile::nrbf_amplification(4, 40, 4096);
    let mut signed_too_long = b"#sig#".to_vec();
    signed_too_long.extend_from_slice(&u32::MAX.to_le_bytes());
    signed_too_long.extend_from_slice(&amplified);
    let files: Vec<(&str, &str, Vec<u8>)> = vec![
        ("nrbf", "amplification-4x40", amplified.clone()),
        ("nrbf", "signed-length-beyond-blob", signed_too_long),
        (
            "clixml",
            "type-name-references-300x3000",
            hostile::clixml_type_name_references(300, 3_000).into_bytes(),
        ),
        (
            "clixml",
            "reference-flood-5000",
            hostile::clixml_reference_flood(&der, 5_000).into_bytes(),
        ),
        (
            "clixml",
            "amplified-serialization-data",
            hostile::export_with_serialization_data(&der, &amplified).into_bytes(),
        ),
        (
            "exchange_json",
            "one-certificate-100-servers",
            hostile::json_one_certificate_on_many_servers(&der, 100).into_bytes(),
        ),
        ("decode", "scrypt-1gib.pfx", hostile::pfx_scrypt(1 << 20, 8, 1)),
        (
            "decode",
            "500-safes-1m-iterations.pfx",
            hostile::pfx_many_safes(500, 1_000_000),
        ),
        (
            "decode",
            "bad-blocks-2000.pem",
            hostile::pem_bad_blocks(2_000).into_bytes(),
        ),
        ("toml", "waivers-1000.toml", hostile::waivers(1_000).into_bytes()),
    ];
    for (target, name, bytes) in files {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join(name), bytes)?;
    }
    println!("regression corpus written to {}", root.display());
    Ok(())
}

/// The full-size cases of `tests/integration/hostile.rs`, one file each.
fn write_full(dir: &Path, der: &[u8]) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(dir)?;
    let amplified = hostile::nrbf_amplification(4, 40, 64 * 1024);
    let files: Vec<(&str, Vec<u8>)> = vec![
        (
            "nrbf-amplification.xml",
            hostile::export_with_serialization_data(der, &amplified).into_bytes(),
        ),
        (
            "clixml-type-names.xml",
            hostile::clixml_type_name_references(64, 200_000).into_bytes(),
        ),
        (
            "clixml-reference-flood.xml",
            hostile::clixml_reference_flood(der, 200_000).into_bytes(),
        ),
        (
            "json-100000-servers.json",
            hostile::json_one_certificate_on_many_servers(der, 100_000).into_bytes(),
        ),
        ("scrypt.pfx", hostile::pfx_scrypt(1 << 20, 8, 1)),
        ("safes.pfx", hostile::pfx_many_safes(500, 1_000_000)),
        ("bad-blocks.pem", hostile::pem_bad_blocks(1_000_000).into_bytes()),
        ("waivers.toml", hostile::waivers(20_000).into_bytes()),
    ];
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes)?;
    }
    println!("full-size hostile inputs written to {}", dir.display());
    Ok(())
}
