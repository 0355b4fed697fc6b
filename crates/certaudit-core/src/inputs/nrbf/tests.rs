use super::*;

fn lps(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut n = s.len();
    loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(b);
            break;
        }
        out.push(b | 0x80);
    }
    out.extend_from_slice(s.as_bytes());
    out
}

/// Header, library 2, class Demo { Name: string, Count: Int32, Data: byte[] (ref 3) }, end.
fn sample() -> Vec<u8> {
    let mut b = vec![0];
    for v in [1i32, -1, 1, 0] {
        b.extend_from_slice(&v.to_le_bytes());
    }
    b.push(12);
    b.extend_from_slice(&2i32.to_le_bytes());
    b.extend(lps("Lib"));
    b.push(5);
    b.extend_from_slice(&1i32.to_le_bytes());
    b.extend(lps("Demo"));
    b.extend_from_slice(&3i32.to_le_bytes());
    for m in ["Name", "Count", "Data"] {
        b.extend(lps(m));
    }
    b.extend_from_slice(&[1, 0, 7, 8, 2]); // String, Primitive Int32, PrimitiveArray Byte
    b.extend_from_slice(&2i32.to_le_bytes());
    b.push(6);
    b.extend_from_slice(&2i32.to_le_bytes());
    b.extend(lps("hello"));
    b.extend_from_slice(&42i32.to_le_bytes());
    b.push(9);
    b.extend_from_slice(&3i32.to_le_bytes());
    b.push(15);
    b.extend_from_slice(&3i32.to_le_bytes());
    b.extend_from_slice(&3i32.to_le_bytes());
    b.push(2);
    b.extend_from_slice(&[0xde, 0xad, 0xbf]);
    b.push(11);
    b
}

fn signed(stream: &[u8], declared: u32, signature: usize) -> Vec<u8> {
    let mut b = SIGNED_MAGIC.to_vec();
    b.extend_from_slice(&declared.to_le_bytes());
    b.extend_from_slice(stream);
    b.extend(std::iter::repeat_n(0xa5, signature));
    b
}

#[test]
fn signed_payloads_are_unwrapped_and_their_length_checked() {
    let stream = sample();
    let n = stream.len() as u32;
    let (v, envelope) = parse_serialization_data(&signed(&stream, n, 32)).unwrap();
    assert_eq!(envelope, Envelope::Signed { signature_bytes: 32 });
    assert_eq!(v, parse(&stream).unwrap());
    assert_eq!(parse_serialization_data(&stream).unwrap().1, Envelope::Bare);
    assert_eq!(
        parse_serialization_data(&signed(&stream, n + 33, 32)),
        Err(NrbfError::SignedLengthBeyondBlob {
            declared: u64::from(n + 33),
            available: stream.len() + 32
        })
    );
    assert_eq!(
        parse_serialization_data(&signed(&stream, u32::MAX, 0)).unwrap_err(),
        NrbfError::SignedLengthBeyondBlob {
            declared: u64::from(u32::MAX),
            available: stream.len()
        }
    );
    assert_eq!(
        parse_serialization_data(b"#sig#\x01\x00"),
        Err(NrbfError::SignedHeaderTruncated(7))
    );
    // A declared length shorter than the stream cuts it: the reader then reports where.
    assert!(matches!(
        parse_serialization_data(&signed(&stream, n - 10, 32)),
        Err(NrbfError::Truncated(_))
    ));
}

#[test]
fn reads_members_strings_and_forward_references() {
    let v = parse(&sample()).unwrap();
    let o = v.as_object().unwrap();
    assert_eq!(&*o.class, "Demo");
    assert_eq!(o.get("Name").and_then(Value::as_str), Some("hello"));
    assert_eq!(o.get("Count").and_then(Value::as_int), Some(42));
    assert_eq!(o.get("Data"), Some(&Value::Bytes(vec![0xde, 0xad, 0xbf].into())));
}

#[test]
fn every_truncation_is_an_error_not_a_panic() {
    let full = sample();
    for len in 0..full.len() - 1 {
        assert!(parse(&full[..len]).is_err(), "prefix of {len} bytes parsed");
    }
}

#[test]
fn every_single_byte_corruption_is_handled() {
    let full = sample();
    for i in 0..full.len() {
        for x in [0x00u8, 0x01, 0x7f, 0x80, 0xff] {
            let mut b = full.clone();
            b[i] = x;
            let _ = parse(&b); // must return, not panic or hang
        }
    }
}

#[test]
fn lengths_past_the_end_and_unknown_records_are_rejected() {
    let mut b = sample();
    let at = b.len() - 5; // the byte array's length field area
    b[at - 4..at].copy_from_slice(&i32::MAX.to_le_bytes());
    assert!(parse(&b).is_err());
    let mut b = sample();
    let end = b.len() - 1;
    b[end] = 99;
    assert!(matches!(
        parse(&b),
        Err(NrbfError::UnknownRecord { record: 99, .. }) | Err(NrbfError::Truncated(_))
    ));
}

#[test]
fn deeply_nested_inline_objects_are_refused() {
    // class Box { Inner: object } nested 10,000 times inline.
    let mut b = vec![0];
    for v in [1i32, -1, 1, 0] {
        b.extend_from_slice(&v.to_le_bytes());
    }
    b.push(4);
    b.extend_from_slice(&1i32.to_le_bytes());
    b.extend(lps("Box"));
    b.extend_from_slice(&1i32.to_le_bytes());
    b.extend(lps("Inner"));
    b.push(2);
    for i in 2..10_000i32 {
        b.push(1);
        b.extend_from_slice(&i.to_le_bytes());
        b.extend_from_slice(&1i32.to_le_bytes());
    }
    b.push(10);
    b.push(11);
    assert_eq!(parse(&b), Err(NrbfError::TooDeep));
}

/// class Many { m0 … m9999: object } whose members all refer to one 1 MiB byte array:
/// copied per reference this is 10 GiB; shared, it is 1 MiB.
#[test]
fn references_share_the_value_they_point_at() {
    let mut b = vec![0];
    for v in [1i32, -1, 1, 0] {
        b.extend_from_slice(&v.to_le_bytes());
    }
    let members = 10_000;
    b.push(4);
    b.extend_from_slice(&1i32.to_le_bytes());
    b.extend(lps("Many"));
    b.extend_from_slice(&(members as i32).to_le_bytes());
    for i in 0..members {
        b.extend(lps(&format!("m{i}")));
    }
    b.extend(std::iter::repeat_n(2u8, members)); // every member: object
    for _ in 0..members {
        b.push(9);
        b.extend_from_slice(&2i32.to_le_bytes());
    }
    b.push(15);
    b.extend_from_slice(&2i32.to_le_bytes());
    b.extend_from_slice(&(1i32 << 20).to_le_bytes());
    b.push(2);
    b.extend(std::iter::repeat_n(0x41, 1 << 20));
    b.push(11);
    let v = parse(&b).unwrap();
    let o = v.as_object().unwrap();
    assert_eq!(o.members.len(), members);
    let Some(Value::Bytes(first)) = o.get("m0") else {
        panic!()
    };
    let Some(Value::Bytes(last)) = o.get("m9999") else {
        panic!()
    };
    assert_eq!(first.len(), 1 << 20);
    assert!(Rc::ptr_eq(first, last), "one shared array, not a copy per reference");
}

#[test]
fn reference_cycles_stop_at_the_depth_limit() {
    // class Node { Next: object } whose Next refers to itself.
    let mut b = vec![0];
    for v in [1i32, -1, 1, 0] {
        b.extend_from_slice(&v.to_le_bytes());
    }
    b.push(4);
    b.extend_from_slice(&1i32.to_le_bytes());
    b.extend(lps("Node"));
    b.extend_from_slice(&1i32.to_le_bytes());
    b.extend(lps("Next"));
    b.push(2);
    b.push(9);
    b.extend_from_slice(&1i32.to_le_bytes());
    b.push(11);
    assert_eq!(parse(&b), Err(NrbfError::TooDeep));
}
