//! Exchange Management Shell command text for the renewal plans. Every value that comes from a
//! certificate or an export is quoted with [`quote`], so a hostile name cannot end the string.

/// A PowerShell single-quoted string. Control characters are dropped; single quotes, including
/// the typographic ones PowerShell also treats as quotes, are doubled.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        if c.is_control() {
            continue;
        }
        if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}') {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// `'a','b','c'` for a `MultiValuedProperty` parameter such as `-DomainName`.
pub fn quote_list(items: &[String]) -> String {
    if items.is_empty() {
        return "@()".into();
    }
    items.iter().map(|i| quote(i)).collect::<Vec<_>>().join(",")
}

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
    fn quotes_cannot_be_escaped() {
        assert_eq!(quote("mail.contoso.com"), "'mail.contoso.com'");
        assert_eq!(quote("a'b"), "'a''b'");
        assert_eq!(quote("a\u{2019}; rm"), "'a\u{2019}\u{2019}; rm'");
        assert_eq!(quote("x\n'; Remove-Item C:\\"), "'x''; Remove-Item C:\\'");
        assert_eq!(quote_list(&[]), "@()");
        assert_eq!(quote_list(&["a".into(), "b".into()]), "'a','b'");
    }

    #[test]
    fn file_stems_are_plain() {
        assert_eq!(file_stem("*.contoso.com"), "contoso.com");
        assert_eq!(file_stem("a/../b c"), "a_.._b_c");
        assert_eq!(file_stem(""), "certificate");
    }
}
