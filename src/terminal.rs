//! Text that reaches a terminal: names from certificates, exports and servers may hold
//! control characters (an ESC starts a terminal escape sequence), so they are shown escaped.

/// `text` with every control character (C0, DEL, C1) but tab shown as `\u{…}`.
pub fn printable(text: &str) -> String {
    if !text.chars().any(is_unsafe) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

fn is_unsafe(c: char) -> bool {
    c.is_control() && c != '\t'
}

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(printable("CN=\u{1b}[31mred"), "CN=\\u{1b}[31mred");
        assert_eq!(printable("a\nb\u{7f}\u{9b}"), "a\\u{a}b\\u{7f}\\u{9b}");
        assert_eq!(printable("plain é\tx"), "plain é\tx");
    }
}
