#!/usr/bin/env python3
"""Establishes, independently of certaudit's Rust code, the facts the compatibility test
checks for every *GetExchangeCertificate*.xml in ../shared/exchange-samples: thumbprint
(SHA-1 of RawData), server (PSComputerName), and from SerializationData the Services,
Status, SelfSigned and RootCAType values, read by a targeted decoder of the root
ExchangeCertificate record (not a general MS-NRBF parser). Prints one line per object:

    file thumbprint server services status self_signed root_ca_type     (or "unknown" x4)
"""
import base64, glob, hashlib, re, struct, sys

def lps(b, i):
    n = shift = 0
    while True:
        c = b[i]; i += 1; n |= (c & 0x7f) << shift; shift += 7
        if c < 0x80:
            break
    return b[i:i + n].decode(), i + n

def decode(blob):
    b = base64.b64decode(blob); i = 17            # after the 17-byte stream header
    assert b[i] == 12; i += 5; _, i = lps(b, i)   # BinaryLibrary
    assert b[i] == 5; i += 5                      # ClassWithMembersAndTypes, object id
    _, i = lps(b, i); n = struct.unpack_from('<i', b, i)[0]; i += 4
    names = []
    for _ in range(n):
        s, i = lps(b, i); names.append(s)
    types = list(b[i:i + n]); i += n
    for t in types:                               # additional type info
        if t in (0, 7): i += 1
        elif t == 3: _, i = lps(b, i)
        elif t == 4: _, i = lps(b, i); i += 4
    i += 4                                        # library id
    vals = {}
    for name in names:
        if name == 'CertData': assert b[i] == 9; i += 5; continue
        if name == 'SelfSigned': vals[name] = b[i]; i += 1; continue
        if name in ('Status', 'RootCAType', 'Services'):
            if b[i] == 5:                         # first enum of its type: full class record
                i += 5; _, i = lps(b, i); i += 4; _, i = lps(b, i); i += 2 + 4
            elif b[i] == 1:                       # ClassWithId
                i += 9
            else:
                raise ValueError('record %d' % b[i])
            vals[name] = struct.unpack_from('<i', b, i)[0]; i += 4
            continue
        break
    return vals

folder = sys.argv[1] if len(sys.argv) > 1 else '../shared/exchange-samples'
for f in sorted(glob.glob(folder + '/*GetExchangeCertificate*.xml')):
    text = open(f, encoding='utf-8-sig').read()
    for obj in re.findall(r'<Obj RefId="\d+">.*?</Obj>\s*(?=<Obj RefId|</Objs>)', text, re.S):
        raw = re.search(r'<BA N="RawData">([^<]*)</BA>', obj)
        if not raw:
            continue
        thumb = hashlib.sha1(base64.b64decode(raw.group(1))).hexdigest().upper()
        server = re.search(r'<S N="PSComputerName">([^<]*)</S>', obj).group(1)
        sd = re.search(r'<BA N="SerializationData">([^<]*)</BA>', obj)
        if sd:
            v = decode(sd.group(1))
            print(f.split('/')[-1], thumb, server, v['Services'], v['Status'], v['SelfSigned'], v['RootCAType'])
        else:
            print(f.split('/')[-1], thumb, server, 'unknown', 'unknown', 'unknown', 'unknown')
