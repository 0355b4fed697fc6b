use super::*;

#[test]
fn escapes_are_decoded() {
    assert_eq!(unescape_clixml("a_x000D__x000A_b"), "a\r\nb");
    assert_eq!(unescape_clixml("_x005F_x"), "_x");
    assert_eq!(unescape_clixml("_xD83D__xDE00_"), "😀");
    assert_eq!(unescape_clixml("no_escape_here"), "no_escape_here");
    assert_eq!(unescape_clixml("é_x0041_"), "éA");
}

const DOC: &str = r#"<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">
<Obj RefId="0"><TN RefId="0"><T>Deserialized.Contoso.Thing</T><T>System.Object</T></TN><ToString>thing_x000D__x000A_one</ToString>
<Props><S N="Name">one</S><I32 N="Count">3</I32><B N="On">true</B><BA N="Data">AQID</BA><Nil N="Empty" />
<Obj N="Inner" RefId="1"><TN RefId="1"><T>Contoso.Inner</T></TN><ToString>inner text</ToString></Obj></Props>
<MS><S N="PSComputerName">EX01.contoso.com</S><SS N="Secret">01000000d08c9ddf</SS></MS></Obj>
<Obj RefId="2"><TNRef RefId="0" /><Props><S N="Name">two</S><Ref N="Inner" RefId="1" /></Props></Obj>
</Objs>"#;

#[test]
fn objects_properties_and_type_references() {
    let objs = parse(DOC).unwrap();
    assert_eq!(objs.len(), 2);
    let PsValue::Obj(first) = &objs[0] else { panic!() };
    assert!(first.is("Thing") && first.is("Contoso.Thing") && !first.is("hing"));
    assert_eq!(first.to_string.as_deref(), Some("thing\r\none"));
    assert_eq!(first.get("Count"), Some(&PsValue::Int(3)));
    assert_eq!(first.get("Data"), Some(&PsValue::Bytes(vec![1, 2, 3])));
    assert_eq!(first.get("Empty"), Some(&PsValue::Null));
    assert_eq!(first.text("Inner").as_deref(), Some("inner text"));
    assert_eq!(first.text("PSComputerName").as_deref(), Some("EX01.contoso.com"));
    assert_eq!(
        first.get("Secret"),
        Some(&PsValue::Null),
        "SecureString is never decoded"
    );
    let PsValue::Obj(second) = &objs[1] else { panic!() };
    assert!(second.is("Contoso.Thing"));
    assert_eq!(second.text("Inner").as_deref(), Some("inner text"));
}

#[test]
fn utf16_with_and_without_bom() {
    let utf16: Vec<u8> = DOC.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    let mut with_bom = vec![0xff, 0xfe];
    with_bom.extend_from_slice(&utf16);
    assert_eq!(decode_text(&with_bom).unwrap(), DOC);
    assert_eq!(decode_text(&utf16).unwrap(), DOC);
    let mut utf8_bom = vec![0xef, 0xbb, 0xbf];
    utf8_bom.extend_from_slice(DOC.as_bytes());
    assert_eq!(decode_text(&utf8_bom).unwrap(), DOC);
    assert!(decode_text(&utf16[..utf16.len() - 1]).is_err());
}

#[test]
fn doctype_and_entities_are_refused() {
    let evil = r#"<?xml version="1.0"?><!DOCTYPE Objs [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><Objs><Obj RefId="0"><Props><S N="x">&b;</S></Props></Obj></Objs>"#;
    assert!(matches!(parse(evil), Err(ClixmlError::Doctype)));
    let undeclared = r#"<Objs><Obj RefId="0"><Props><S N="x">&b;</S></Props></Obj></Objs>"#;
    assert!(parse(undeclared).is_err());
}

#[test]
fn deep_nesting_and_garbage_are_errors() {
    let deep = format!(
        "<Objs>{}{}<Obj RefId=\"9\"><TN RefId=\"9\"><T>Next</T></TN></Obj></Objs>",
        "<Obj RefId=\"0\"><Props>".repeat(200),
        "</Props></Obj>".repeat(200)
    );
    // The too-deep object is unreadable; the next one is still read.
    let objs = parse(&deep).unwrap();
    assert!(matches!(&objs[0], PsValue::Unreadable(why) if why.contains("nested deeper")));
    assert!(matches!(&objs[1], PsValue::Obj(o) if o.is("Next")));
    let unclosed = format!("<Objs>{}", "<Obj RefId=\"0\"><Props>".repeat(200));
    assert!(matches!(parse(&unclosed), Err(ClixmlError::TooDeep)));
    assert!(parse("<Objs><Obj RefId=\"0\"><Props><S N=\"x\">unterminated").is_err());
    assert!(matches!(parse("<html></html>"), Err(ClixmlError::NotClixml(_))));
    assert!(looks_like_clixml(
        "\u{feff}<?xml version=\"1.0\"?>\r\n<Objs Version=\"1.1.0.1\">"
    ));
    assert!(!looks_like_clixml("<html>"));
}
