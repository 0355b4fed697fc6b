//! Exchange Management Shell command text for the renewal plans. Every value that comes from a
//! certificate or an export is quoted with [`quote`] (from `crate::powershell`), so a hostile
//! name cannot end the string.

pub use crate::powershell::{quote, quote_list};

/// `-Server 'EX01' ` for cmdlets run from any Exchange server, or nothing on an Edge server
/// (the Edge is outside the organisation: its shell only manages itself).
pub fn server_param(server: &str, edge: bool) -> String {
    if edge {
        String::new()
    } else {
        format!("-Server {} ", quote(server))
    }
}

/// The placeholder for the thumbprint of the certificate that does not exist yet.
pub const NEW_THUMBPRINT: &str = "<NEW-THUMBPRINT>";

/// A file name made from a certificate name: letters, digits, dots and dashes only.
pub fn file_stem(name: &str) -> String {
    let stem: String = name
        .trim_start_matches("*.")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(60)
        .collect();
    if stem.is_empty() {
        "certificate".into()
    } else {
        stem
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_stems_are_plain() {
        assert_eq!(file_stem("*.contoso.com"), "contoso.com");
        assert_eq!(file_stem("a/../b c"), "a_.._b_c");
        assert_eq!(file_stem(""), "certificate");
    }
}
