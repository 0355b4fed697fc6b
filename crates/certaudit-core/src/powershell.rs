//! PowerShell text for the commands certaudit proposes (remediations, renewal plans). Every
//! value that comes from a certificate or an export goes through here before it reaches a
//! command, so a hostile name can neither end a string nor start a command of its own.

/// A PowerShell single-quoted string. Control characters are dropped; single quotes, including
/// the typographic ones PowerShell also treats as quotes, are doubled.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    push_quoted_inner(text, &mut out);
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

/// The inside of a single-quoted string: what [`quote`] writes between the quotes.
pub fn push_quoted_inner(text: &str, out: &mut String) {
    for c in text.chars() {
        if c.is_control() {
            continue;
        }
        if is_single_quote(c) {
            out.push(c);
        }
        out.push(c);
    }
}

/// A value for a bare argument (`-Server EX01`, `-DomainName a.com,b.com`): kept as it is when
/// PowerShell reads it as plain text (letters, digits and `. - _ * : \ / =`, lists joined by
/// `,`), otherwise each comma-separated item single-quoted, so it stays one argument.
pub fn bare_argument(value: &str) -> String {
    let plain = |item: &str| {
        !item.is_empty()
            && item
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '*' | ':' | '\\' | '/' | '='))
            && !item.starts_with('-')
    };
    if value.split(',').all(plain) {
        return value.to_string();
    }
    value.split(',').map(quote).collect::<Vec<_>>().join(",")
}

/// Whether PowerShell reads `c` as a single quote (it accepts the typographic ones too).
pub fn is_single_quote(c: char) -> bool {
    matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}')
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
    fn bare_arguments_stay_one_argument() {
        assert_eq!(bare_argument("EX01"), "EX01");
        assert_eq!(bare_argument("IIS,SMTP"), "IIS,SMTP");
        assert_eq!(
            bare_argument("mail.contoso.com,*.contoso.com"),
            "mail.contoso.com,*.contoso.com"
        );
        assert_eq!(
            bare_argument("EX01\\Client Frontend EX01"),
            "'EX01\\Client Frontend EX01'"
        );
        assert_eq!(bare_argument("a.com;Remove-Item C:\\"), "'a.com;Remove-Item C:\\'");
        assert_eq!(bare_argument("a.com,$(calc)"), "'a.com','$(calc)'");
        assert_eq!(bare_argument("-Confirm:$false"), "'-Confirm:$false'");
        assert_eq!(bare_argument(""), "''");
    }
}
