//! Hostile inputs, made on purpose: each once cost a scan minutes, gigabytes or the whole
//! run. Used by `tests/integration/hostile.rs` (at full size) and by `examples/hostile_corpus.rs`, which
//! writes the committed regression corpus under `fuzz/regressions/` (at a size fit to commit).
#![allow(dead_code)]

use super::exchange_writer::{b64, i32le, lps};

/// An MS-NRBF stream of `levels` classes, each with `fan` members that all refer to the
/// next level's one object, the last level's members all referring to one string of
/// `leaf_bytes` bytes: copied per reference, `fan^levels × leaf_bytes` bytes.
pub fn nrbf_amplification(levels: usize, fan: usize, leaf_bytes: usize) -> Vec<u8> {
    let mut b = vec![0];
    for v in [1i32, -1, 1, 0] {
        i32le(&mut b, v);
    }
    // Object ids: level k is object k+1; the string is object levels+1.
    for level in 0..levels {
        b.push(4); // SystemClassWithMembersAndTypes
        i32le(&mut b, level as i32 + 1);
        lps(&mut b, &format!("Level{level}"));
        i32le(&mut b, fan as i32);
        for m in 0..fan {
            lps(&mut b, &format!("m{m}"));
        }
        b.extend(std::iter::repeat_n(2u8, fan)); // Object members: values are records
        for _ in 0..fan {
            b.push(9); // MemberReference
            i32le(&mut b, level as i32 + 2);
        }
    }
    b.push(6); // BinaryObjectString
    i32le(&mut b, levels as i32 + 1);
    lps(&mut b, &"x".repeat(leaf_bytes));
    b.push(11);
    b
}

/// An `ExchangeCertificate` export whose SerializationData is `stream` (RawData: `der`).
pub fn export_with_serialization_data(der: &[u8], stream: &[u8]) -> String {
    format!(
        "<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">\r\n<Obj RefId=\"0\"><TN RefId=\"0\"><T>Deserialized.Microsoft.Exchange.Management.SystemConfigurationTasks.ExchangeCertificate</T></TN><Props><BA N=\"RawData\">{}</BA></Props><MS><S N=\"PSComputerName\">EX01</S><BA N=\"SerializationData\">{}</BA></MS></Obj>\r\n</Objs>",
        b64(der),
        b64(stream)
    )
}

/// A CliXML document whose first object names `names` type names, and `refs` more objects
/// that all name them again with `<TNRef>`: copied per reference, `refs × names` strings.
pub fn clixml_type_name_references(names: usize, refs: usize) -> String {
    let mut out =
        String::from("<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">\r\n");
    out.push_str("<Obj RefId=\"0\"><TN RefId=\"0\">");
    for i in 0..names {
        out.push_str(&format!(
            "<T>Deserialized.Contoso.Type.Name.Number{i:06}.WithSomeLength</T>"
        ));
    }
    out.push_str("</TN></Obj>\r\n");
    for i in 0..refs {
        out.push_str(&format!("<Obj RefId=\"{}\"><TNRef RefId=\"0\" /></Obj>\r\n", i + 1));
    }
    out.push_str("</Objs>");
    out
}

/// One `ExchangeCertificate` object, then `refs` top-level `<Ref RefId="0"/>` to it.
pub fn clixml_reference_flood(der: &[u8], refs: usize) -> String {
    let mut out =
        String::from("<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">\r\n");
    out.push_str(&format!(
        "<Obj RefId=\"0\"><TN RefId=\"0\"><T>Deserialized.Microsoft.Exchange.Management.SystemConfigurationTasks.ExchangeCertificate</T></TN><Props><BA N=\"RawData\">{}</BA></Props><MS><S N=\"PSComputerName\">EX01</S></MS></Obj>\r\n",
        b64(der)
    ));
    for _ in 0..refs {
        out.push_str("<Ref RefId=\"0\" />\r\n");
    }
    out.push_str("</Objs>");
    out
}

/// `ConvertTo-Json` of one certificate bound on `servers` servers.
pub fn json_one_certificate_on_many_servers(der: &[u8], servers: usize) -> String {
    let raw = b64(der);
    let mut out = String::from("[");
    for s in 0..servers {
        if s > 0 {
            out.push(',');
        }
        out.push_str(&format!(
            "{{\"RawData\":\"{raw}\",\"PSComputerName\":\"EX{s:06}\",\"Services\":\"SMTP\",\"Status\":1}}"
        ));
    }
    out.push(']');
    out
}

/// `n` waivers, one per line-separated table.
pub fn waivers(n: usize) -> String {
    let mut out = String::new();
    for i in 0..n {
        out.push_str(&format!(
            "[[waiver]]\nrule = \"expiring-soon\"\nthumbprint = \"{:040X}\"\nreason = \"accepted {i}\"\nowner = \"pki@contoso.com\"\nexpires = \"2027-01-01\"\n\n",
            i
        ));
    }
    out
}

/// `n` malformed PEM certificate blocks.
pub fn pem_bad_blocks(n: usize) -> String {
    "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n".repeat(n)
}

// ---------------------------------------------------------------- DER for PKCS#12

fn der_len(n: usize) -> Vec<u8> {
    if n < 0x80 {
        vec![n as u8]
    } else {
        let bytes: Vec<u8> = n.to_be_bytes().iter().copied().skip_while(|b| *b == 0).collect();
        let mut out = vec![0x80 | bytes.len() as u8];
        out.extend(bytes);
        out
    }
}

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    out.extend(der_len(content.len()));
    out.extend_from_slice(content);
    out
}

fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

fn int(v: u64) -> Vec<u8> {
    let mut bytes: Vec<u8> = v.to_be_bytes().iter().copied().skip_while(|b| *b == 0).collect();
    if bytes.is_empty() || bytes[0] & 0x80 != 0 {
        bytes.insert(0, 0);
    }
    tlv(0x02, &bytes)
}

fn oid(dotted: &str) -> Vec<u8> {
    let arcs: Vec<u64> = dotted.split('.').map(|a| a.parse().unwrap()).collect();
    let mut body = vec![(arcs[0] * 40 + arcs[1]) as u8];
    for &arc in &arcs[2..] {
        let mut stack = vec![(arc & 0x7f) as u8];
        let mut a = arc >> 7;
        while a > 0 {
            stack.push(0x80 | (a & 0x7f) as u8);
            a >>= 7;
        }
        stack.reverse();
        body.extend(stack);
    }
    tlv(0x06, &body)
}

fn octets(data: &[u8]) -> Vec<u8> {
    tlv(0x04, data)
}

fn explicit0(inner: &[u8]) -> Vec<u8> {
    tlv(0xa0, inner)
}

/// PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC.
fn pbes2_pbkdf2(iterations: u64) -> Vec<u8> {
    seq(&[
        oid("1.2.840.113549.1.5.13"),
        seq(&[
            seq(&[
                oid("1.2.840.113549.1.5.12"),
                seq(&[
                    octets(&[7; 8]),
                    int(iterations),
                    seq(&[oid("1.2.840.113549.2.9"), vec![0x05, 0x00]]),
                ]),
            ]),
            seq(&[oid("2.16.840.1.101.3.4.1.42"), octets(&[9; 16])]),
        ]),
    ])
}

/// PBES2 with scrypt and AES-256-CBC.
fn pbes2_scrypt(n: u64, r: u64, p: u64) -> Vec<u8> {
    seq(&[
        oid("1.2.840.113549.1.5.13"),
        seq(&[
            seq(&[
                oid("1.3.6.1.4.1.11591.4.11"),
                seq(&[octets(&[7; 8]), int(n), int(r), int(p)]),
            ]),
            seq(&[oid("2.16.840.1.101.3.4.1.42"), octets(&[9; 16])]),
        ]),
    ])
}

/// An encrypted safe (`EncryptedData`) with this algorithm and 32 bytes of ciphertext.
fn encrypted_safe(algorithm: &[u8], ciphertext: &[u8]) -> Vec<u8> {
    seq(&[
        oid("1.2.840.113549.1.7.6"),
        explicit0(&seq(&[
            int(0),
            seq(&[oid("1.2.840.113549.1.7.1"), algorithm.to_vec(), tlv(0x80, ciphertext)]),
        ])),
    ])
}

fn pfx(safes: &[Vec<u8>]) -> Vec<u8> {
    let auth_safe = seq(safes);
    seq(&[
        int(3),
        seq(&[oid("1.2.840.113549.1.7.1"), explicit0(&octets(&auth_safe))]),
    ])
}

/// A MAC-less PFX whose one encrypted safe uses scrypt with N, r, p.
pub fn pfx_scrypt(n: u64, r: u64, p: u64) -> Vec<u8> {
    pfx(&[encrypted_safe(&pbes2_scrypt(n, r, p), &[0x5a; 32])])
}

/// A MAC-less PFX of `safes` encrypted safes, each with PBKDF2-SHA256 at `iterations`, each
/// an empty SafeContents really encrypted (AES-256-CBC) under the empty password: a reader
/// that does not count the work derives a key for every safe, and every derivation succeeds.
/// (Generating it derives one key: fast in a release build, a few seconds in a debug one.)
pub fn pfx_many_safes(safes: usize, iterations: u64) -> Vec<u8> {
    let params = pkcs5::pbes2::Parameters::generate_pbkdf2_sha256_aes256cbc(
        u32::try_from(iterations).expect("iterations fit in 32 bits"),
        &[7; 8],
        [9; 16],
    )
    .expect("valid PBKDF2 parameters");
    let mut buffer = [0u8; 16];
    buffer[..2].copy_from_slice(&[0x30, 0x00]); // an empty SafeContents
    let ciphertext = params
        .encrypt_in_place(b"", &mut buffer, 2)
        .expect("AES-256-CBC encryption")
        .to_vec();
    let safe = encrypted_safe(&pbes2_pbkdf2(iterations), &ciphertext);
    pfx(&vec![safe; safes])
}

/// A MAC-less PFX of one encrypted safe (not decryptable) whose PBKDF2 asks for `iterations`.
pub fn pfx_one_safe(iterations: u64) -> Vec<u8> {
    pfx(&[encrypted_safe(&pbes2_pbkdf2(iterations), &[0x5a; 32])])
}
