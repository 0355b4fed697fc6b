//! Writes Exchange exports the way `Export-Clixml` does, for tests and for the sample
//! organisation's generator: CliXML documents, and the MS-NRBF `SerializationData` of
//! `ExchangeCertificate` objects with the record layout real exports use (a class with
//! members and types, enum objects with `value__`, a byte array referenced by `CertData`),
//! bare or signed the way servers patched since November 2023 write it (`#sig#`, a 32-bit
//! little-endian length, the stream, a 32-byte signature); IIS web bindings, the transport
//! service, connectors with their TLS settings, servers with their versions.
#![allow(dead_code)]

use base64::Engine;

/// One `Get-ExchangeCertificate` object.
pub struct ExportCert<'a> {
    pub der: &'a [u8],
    pub server: &'a str,
    /// None writes no SerializationData (as exports with serialized-data signing broken do).
    pub services: Option<u32>,
    pub status: i32,
    pub self_signed: bool,
    pub root_ca_type: i32,
    /// Write the SerializationData signed (`#sig#` envelope), as current builds do.
    pub signed: bool,
}

impl<'a> ExportCert<'a> {
    /// A valid, CA-issued (ThirdParty) certificate bound to `services` on `server`.
    pub fn bound(der: &'a [u8], server: &'a str, services: u32) -> Self {
        Self {
            der,
            server,
            services: Some(services),
            status: 1,
            self_signed: false,
            root_ca_type: 1,
            signed: false,
        }
    }

    /// The same object, its SerializationData signed.
    pub fn signed(mut self) -> Self {
        self.signed = true;
        self
    }
}

/// Wraps an MS-NRBF stream the way Exchange signs serialization payloads: `#sig#`, the
/// stream's length (u32, little-endian), the stream, then a 32-byte signature (here a SHA-256
/// of the stream: certaudit never reads it).
pub fn signed_payload(stream: &[u8]) -> Vec<u8> {
    let mut out = b"#sig#".to_vec();
    out.extend_from_slice(&(stream.len() as u32).to_le_bytes());
    out.extend_from_slice(stream);
    out.extend_from_slice(ring::digest::digest(&ring::digest::SHA256, stream).as_ref());
    out
}

/// Standard base64, as `Export-Clixml` writes byte arrays.
pub fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// An MS-NRBF LengthPrefixedString (7-bit encoded length, then UTF-8).
pub fn lps(out: &mut Vec<u8>, s: &str) {
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
}

/// A little-endian Int32.
pub fn i32le(out: &mut Vec<u8>, v: i32) {
    out.extend_from_slice(&v.to_le_bytes());
}

const NS: &str = "Microsoft.Exchange.Management.SystemConfigurationTasks";

/// The SerializationData blob of an ExchangeCertificate.
pub fn serialization_data(c: &ExportCert<'_>, thumbprint: &str) -> Vec<u8> {
    let mut b = vec![0];
    for v in [1, -1, 1, 0] {
        i32le(&mut b, v);
    }
    b.push(12);
    i32le(&mut b, 2);
    lps(
        &mut b,
        "Microsoft.Exchange.Management, Version=15.0.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35",
    );
    b.push(5);
    i32le(&mut b, 1);
    lps(&mut b, &format!("{NS}.ExchangeCertificate"));
    let members = [
        "CertData",
        "SelfSigned",
        "Status",
        "RootCAType",
        "Services",
        "IISServices",
        "PrivateKeyExportable",
        "Identity",
    ];
    i32le(&mut b, members.len() as i32);
    for m in members {
        lps(&mut b, m);
    }
    b.extend_from_slice(&[7, 0, 4, 4, 4, 3, 0, 1]);
    b.push(2); // CertData: primitive array of Byte
    b.push(1); // SelfSigned: Boolean
    for e in ["CertificateStatus", "CertificateAuthorityType", "AllowedServices"] {
        lps(&mut b, &format!("{NS}.{e}"));
        i32le(&mut b, 2);
    }
    lps(
        &mut b,
        "System.Collections.Generic.List`1[[Microsoft.Exchange.Management.SystemConfigurationTasks.IisService]]",
    );
    b.push(1); // PrivateKeyExportable: Boolean
    i32le(&mut b, 2); // library
                      // Values.
    b.push(9);
    i32le(&mut b, 3); // CertData → object 3
    b.push(u8::from(c.self_signed));
    for (id, e, v) in [
        (-4, "CertificateStatus", c.status),
        (-5, "CertificateAuthorityType", c.root_ca_type),
        (-6, "AllowedServices", c.services.unwrap_or(0) as i32),
    ] {
        b.push(5);
        i32le(&mut b, id);
        lps(&mut b, &format!("{NS}.{e}"));
        i32le(&mut b, 1);
        lps(&mut b, "value__");
        b.push(0);
        b.push(8);
        i32le(&mut b, 2);
        i32le(&mut b, v);
    }
    b.push(10); // IISServices: null
    b.push(0); // PrivateKeyExportable
    b.push(6);
    i32le(&mut b, 7);
    lps(
        &mut b,
        &format!(
            "{}\\{thumbprint}",
            c.server.split('.').next().unwrap_or(c.server).to_uppercase()
        ),
    );
    b.push(15);
    i32le(&mut b, 3);
    i32le(&mut b, c.der.len() as i32);
    b.push(2);
    b.extend_from_slice(c.der);
    b.push(11);
    b
}

/// Escapes text for XML content and CliXML (`_x000D_` style for control characters).
pub fn xml_text(s: &str) -> String {
    let mut out = String::new();
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if (c as u32) < 0x20 => out.push_str(&format!("_x{:04X}_", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// A property value in a CliXML object.
pub enum P {
    S(String),
    I32(i32),
    B(bool),
    BA(Vec<u8>),
    Uri(String),
    /// A `<DT>` date.
    Dt(String),
    Nil,
    /// A nested object: type names, ToString, props.
    Obj(Vec<String>, String, Vec<(String, P)>),
    /// A list of strings.
    List(Vec<String>),
}

fn prop(out: &mut String, name: &str, value: &P, refid: &mut usize) {
    let n = xml_text(name);
    match value {
        P::S(s) => out.push_str(&format!("<S N=\"{n}\">{}</S>", xml_text(s))),
        P::I32(i) => out.push_str(&format!("<I32 N=\"{n}\">{i}</I32>")),
        P::B(v) => out.push_str(&format!("<B N=\"{n}\">{v}</B>")),
        P::BA(bytes) => out.push_str(&format!("<BA N=\"{n}\">{}</BA>", b64(bytes))),
        P::Uri(u) => out.push_str(&format!("<URI N=\"{n}\">{}</URI>", xml_text(u))),
        P::Dt(d) => out.push_str(&format!("<DT N=\"{n}\">{}</DT>", xml_text(d))),
        P::Nil => out.push_str(&format!("<Nil N=\"{n}\" />")),
        P::List(items) => {
            *refid += 1;
            out.push_str(&format!("<Obj N=\"{n}\" RefId=\"{refid}\"><TN RefId=\"{refid}\"><T>System.Collections.ArrayList</T><T>System.Object</T></TN><LST>"));
            for i in items {
                out.push_str(&format!("<S>{}</S>", xml_text(i)));
            }
            out.push_str("</LST></Obj>");
        }
        P::Obj(types, to_string, props) => {
            *refid += 1;
            let id = *refid;
            out.push_str(&format!("<Obj N=\"{n}\" RefId=\"{id}\"><TN RefId=\"{id}\">"));
            for t in types {
                out.push_str(&format!("<T>{}</T>", xml_text(t)));
            }
            out.push_str(&format!("</TN><ToString>{}</ToString><Props>", xml_text(to_string)));
            for (pn, pv) in props {
                prop(out, pn, pv, refid);
            }
            out.push_str("</Props></Obj>");
        }
    }
}

/// One top-level object: type names, adapted properties and extended members (`MS`).
pub struct Obj {
    pub types: Vec<String>,
    pub props: Vec<(String, P)>,
    pub ms: Vec<(String, P)>,
}

/// A whole CliXML document (CRLF line ends, as PowerShell writes them).
pub fn clixml(objects: &[Obj]) -> String {
    let mut out =
        String::from("<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">\r\n");
    let mut refid = 0usize;
    for o in objects {
        let id = refid;
        out.push_str(&format!("  <Obj RefId=\"{id}\">\r\n    <TN RefId=\"{id}\">"));
        for t in &o.types {
            out.push_str(&format!("<T>{}</T>", xml_text(t)));
        }
        out.push_str("</TN>\r\n    <Props>");
        for (n, v) in &o.props {
            prop(&mut out, n, v, &mut refid);
        }
        out.push_str("</Props>\r\n    <MS>");
        for (n, v) in &o.ms {
            prop(&mut out, n, v, &mut refid);
        }
        out.push_str("</MS>\r\n  </Obj>\r\n");
        refid += 1;
    }
    out.push_str("</Objs>");
    out
}

/// UTF-16LE with a byte-order mark, as Windows PowerShell 5.1 writes Export-Clixml files.
pub fn utf16le_bom(text: &str) -> Vec<u8> {
    let mut out = vec![0xff, 0xfe];
    out.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
    out
}

/// SHA-1 thumbprint, uppercase.
pub fn thumbprint(der: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, der)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

/// `Get-ExchangeCertificate | Export-Clixml` for certificates of one or more servers.
pub fn exchange_certificates(certs: &[ExportCert<'_>]) -> String {
    let objects: Vec<Obj> = certs
        .iter()
        .map(|c| {
            let mut ms = vec![("PSComputerName".to_string(), P::S(c.server.to_string()))];
            if c.services.is_some() {
                let stream = serialization_data(c, &thumbprint(c.der));
                ms.push((
                    "SerializationData".into(),
                    P::BA(if c.signed { signed_payload(&stream) } else { stream }),
                ));
            }
            Obj {
                types: vec![
                    format!("Deserialized.{NS}.ExchangeCertificate"),
                    "Deserialized.System.Security.Cryptography.X509Certificates.X509Certificate2".into(),
                    "Deserialized.System.Object".into(),
                ],
                props: vec![("RawData".into(), P::BA(c.der.to_vec()))],
                ms,
            }
        })
        .collect();
    clixml(&objects)
}

/// `Get-AuthConfig | Export-Clixml`.
pub fn auth_config(current: &str, next: Option<&str>, previous: Option<&str>) -> String {
    auth_config_staged(current, next.map(|n| (n, "")), previous)
}

/// `Get-AuthConfig | Export-Clixml` with a staged next certificate and its
/// `NextCertificateEffectiveDate` (a CliXML date such as `2026-05-01T00:00:00+00:00`; "" for none).
pub fn auth_config_staged(current: &str, next: Option<(&str, &str)>, previous: Option<&str>) -> String {
    let t = |v: Option<&str>| P::S(v.unwrap_or("").to_string());
    let effective = match next {
        Some((_, date)) if !date.is_empty() => P::Dt(date.to_string()),
        _ => P::Nil,
    };
    clixml(&[Obj {
        types: vec!["Deserialized.Microsoft.Exchange.Data.Directory.SystemConfiguration.AuthConfig".into()],
        props: vec![
            ("CurrentCertificateThumbprint".into(), P::S(current.into())),
            ("NextCertificateThumbprint".into(), t(next.map(|(n, _)| n))),
            ("NextCertificateEffectiveDate".into(), effective),
            ("PreviousCertificateThumbprint".into(), t(previous)),
            ("Name".into(), P::S("Auth Configuration".into())),
        ],
        ms: vec![],
    }])
}

/// `Get-AcceptedDomain | Export-Clixml`.
pub fn accepted_domains(domains: &[(&str, &str)]) -> String {
    accepted_domains_with_default(domains, None)
}

/// [`accepted_domains`], with `Default` true on `default` (and false on the others).
pub fn accepted_domains_with_default(domains: &[(&str, &str)], default: Option<&str>) -> String {
    let objects: Vec<Obj> = domains
        .iter()
        .map(|(d, kind)| Obj {
            types: vec!["Deserialized.Microsoft.Exchange.Data.Directory.SystemConfiguration.AcceptedDomain".into()],
            props: vec![
                (
                    "DomainName".into(),
                    P::Obj(
                        vec!["Deserialized.Microsoft.Exchange.Data.SmtpDomainWithSubdomains".into()],
                        d.to_string(),
                        vec![("Domain".into(), P::S(d.to_string()))],
                    ),
                ),
                (
                    "DomainType".into(),
                    P::Obj(
                        vec![
                            "Deserialized.Microsoft.Exchange.Data.Directory.SystemConfiguration.AcceptedDomainType"
                                .into(),
                        ],
                        kind.to_string(),
                        vec![],
                    ),
                ),
                ("Name".into(), P::S(d.to_string())),
                ("Default".into(), P::B(default == Some(*d))),
            ],
            ms: vec![],
        })
        .collect();
    clixml(&objects)
}

/// `Get-OwaVirtualDirectory | Export-Clixml`: (server, internal URL, external URL).
pub fn owa_virtual_directories(dirs: &[(&str, Option<&str>, Option<&str>)]) -> String {
    let url = |u: &Option<&str>| u.map(|u| P::Uri(u.to_string())).unwrap_or(P::Nil);
    let objects: Vec<Obj> = dirs
        .iter()
        .map(|(server, internal, external)| Obj {
            types: vec![
                "Deserialized.Microsoft.Exchange.Data.Directory.SystemConfiguration.ADOwaVirtualDirectory".into(),
            ],
            props: vec![
                ("Server".into(), P::S(server.to_string())),
                ("InternalUrl".into(), url(internal)),
                ("ExternalUrl".into(), url(external)),
                ("Name".into(), P::S("owa (Default Web Site)".into())),
            ],
            ms: vec![],
        })
        .collect();
    clixml(&objects)
}

/// A receive connector (`server`) or a send connector (`servers`) with its TlsCertificateName.
pub fn connector(send: bool, name: &str, servers: &[&str], tls_certificate_name: Option<&str>) -> Obj {
    let tls = match tls_certificate_name {
        Some(t) => P::Obj(
            vec!["Deserialized.Microsoft.Exchange.Data.SmtpX509Identifier".into()],
            t.to_string(),
            vec![],
        ),
        None => P::Nil,
    };
    let (ty, server_prop) = if send {
        (
            "SmtpSendConnectorConfig",
            (
                "SourceTransportServers".to_string(),
                P::List(servers.iter().map(|s| s.to_string()).collect()),
            ),
        )
    } else {
        (
            "ReceiveConnector",
            (
                "Server".to_string(),
                P::S(servers.first().copied().unwrap_or_default().to_string()),
            ),
        )
    };
    Obj {
        types: vec![format!(
            "Deserialized.Microsoft.Exchange.Data.Directory.SystemConfiguration.{ty}"
        )],
        props: vec![
            ("Name".into(), P::S(name.into())),
            server_prop,
            ("TlsCertificateName".into(), tls),
        ],
        ms: vec![],
    }
}

/// `Get-ImapSettings` or `Get-PopSettings` for one server.
pub fn protocol_settings(imap: bool, server: &str, certificate_name: Option<&str>) -> Obj {
    let ty = if imap {
        "Imap4AdConfiguration"
    } else {
        "Pop3AdConfiguration"
    };
    Obj {
        types: vec![format!(
            "Deserialized.Microsoft.Exchange.Data.Directory.SystemConfiguration.{ty}"
        )],
        props: vec![
            ("Server".into(), P::S(server.into())),
            (
                "X509CertificateName".into(),
                certificate_name.map(|c| P::S(c.into())).unwrap_or(P::Nil),
            ),
        ],
        ms: vec![],
    }
}

/// `Get-ExchangeServer | Export-Clixml`: (name, FQDN, Edge Transport server).
pub fn exchange_servers(servers: &[(&str, &str, bool)]) -> String {
    let with_versions: Vec<(&str, &str, bool, &str)> = servers
        .iter()
        .map(|(n, f, e)| (*n, *f, *e, "Version 15.2 (Build 1544.4)"))
        .collect();
    exchange_servers_with_versions(&with_versions)
}

/// `Get-ExchangeServer | Export-Clixml`: (name, FQDN, Edge, AdminDisplayVersion).
pub fn exchange_servers_with_versions(servers: &[(&str, &str, bool, &str)]) -> String {
    let objects: Vec<Obj> = servers
        .iter()
        .map(|(name, fqdn, edge, version)| Obj {
            types: vec!["Deserialized.Microsoft.Exchange.Data.Directory.Management.ExchangeServer".into()],
            props: vec![
                ("Name".into(), P::S(name.to_string())),
                ("Fqdn".into(), P::S(fqdn.to_string())),
                ("IsEdgeServer".into(), P::B(*edge)),
                ("IsHubTransportServer".into(), P::B(!edge)),
                ("IsClientAccessServer".into(), P::B(!edge)),
                (
                    "ServerRole".into(),
                    P::S(if *edge { "Edge" } else { "Mailbox, ClientAccess" }.into()),
                ),
                (
                    "AdminDisplayVersion".into(),
                    P::Obj(
                        vec!["Deserialized.Microsoft.Exchange.Data.ServerVersion".into()],
                        version.to_string(),
                        vec![],
                    ),
                ),
            ],
            ms: vec![],
        })
        .collect();
    clixml(&objects)
}

/// One IIS binding as `Get-WebBinding` exports it.
pub struct WebBindingSpec<'a> {
    pub site: &'a str,
    pub site_id: u32,
    pub protocol: &'a str,
    pub binding_information: &'a str,
    /// Thumbprint for https bindings ("" for none).
    pub certificate_hash: &'a str,
    /// `PSComputerName`, when the cmdlet ran remotely (Invoke-Command).
    pub computer: Option<&'a str>,
}

/// `Get-WebBinding | Export-Clixml`: the IIS type names, the attributes in `<MS>` with the
/// lowercase names IIS uses, and `ItemXPath` naming the site.
pub fn web_bindings(bindings: &[WebBindingSpec<'_>]) -> String {
    let objects: Vec<Obj> = bindings
        .iter()
        .map(|b| {
            let mut ms = vec![
                ("protocol".to_string(), P::S(b.protocol.into())),
                ("bindingInformation".to_string(), P::S(b.binding_information.into())),
                ("sslFlags".to_string(), P::I32(0)),
                ("isDsMapperEnabled".to_string(), P::B(false)),
                ("certificateHash".to_string(), P::S(b.certificate_hash.into())),
                (
                    "certificateStoreName".to_string(),
                    P::S(if b.certificate_hash.is_empty() { "" } else { "My" }.into()),
                ),
                (
                    "ItemXPath".to_string(),
                    P::S(format!(
                        "/system.applicationHost/sites/site[@name='{}' and @id='{}']",
                        b.site, b.site_id
                    )),
                ),
            ];
            if let Some(c) = b.computer {
                ms.push(("PSComputerName".into(), P::S(c.into())));
            }
            Obj {
                types: vec![
                    "Microsoft.IIs.PowerShell.Framework.ConfigurationElement#bindings#binding".into(),
                    "Microsoft.IIs.PowerShell.Framework.ConfigurationElement".into(),
                    "System.Object".into(),
                ],
                props: vec![("ElementTagName".into(), P::S("binding".into()))],
                ms,
            }
        })
        .collect();
    clixml(&objects)
}

/// The two https bindings of a server: Default Web Site on 443, Exchange Back End on 444.
pub fn exchange_sites<'a>(front_end: &'a str, back_end: &'a str) -> Vec<WebBindingSpec<'a>> {
    vec![
        WebBindingSpec {
            site: "Default Web Site",
            site_id: 1,
            protocol: "http",
            binding_information: "*:80:",
            certificate_hash: "",
            computer: None,
        },
        WebBindingSpec {
            site: "Default Web Site",
            site_id: 1,
            protocol: "https",
            binding_information: ":443:",
            certificate_hash: front_end,
            computer: None,
        },
        WebBindingSpec {
            site: "Default Web Site",
            site_id: 1,
            protocol: "https",
            binding_information: "127.0.0.1:443:",
            certificate_hash: front_end,
            computer: None,
        },
        WebBindingSpec {
            site: "Exchange Back End",
            site_id: 2,
            protocol: "https",
            binding_information: "*:444:",
            certificate_hash: back_end,
            computer: None,
        },
    ]
}

/// `Get-TransportService | Export-Clixml` for one server.
pub fn transport_service(server: &str, internal_certificate: &str) -> String {
    clixml(&[Obj {
        types: vec![
            "Deserialized.Microsoft.Exchange.Data.Directory.SystemConfiguration.TransportServerPresentationObject"
                .into(),
            "Deserialized.Microsoft.Exchange.Data.Directory.SystemConfiguration.TransportServer".into(),
        ],
        props: vec![
            ("Name".into(), P::S(server.into())),
            (
                "InternalTransportCertificateThumbprint".into(),
                P::S(internal_certificate.into()),
            ),
        ],
        ms: vec![],
    }])
}

/// A receive connector as `Get-ReceiveConnector` exports it, with what decides its
/// STARTTLS certificate.
pub struct ReceiveSpec<'a> {
    pub server: &'a str,
    pub name: &'a str,
    pub fqdn: &'a str,
    pub bindings: &'a [&'a str],
    /// `AnonymousUsers, ExchangeServers` …
    pub permission_groups: &'a str,
    /// `Tls, Integrated, BasicAuth` …
    pub auth_mechanism: &'a str,
    /// `FrontendTransport` or `HubTransport`.
    pub role: &'a str,
    pub tls_certificate_name: Option<&'a str>,
}

impl<'a> ReceiveSpec<'a> {
    /// Exchange's `Default Frontend <server>` connector: port 25, anonymous, front end.
    pub fn default_frontend(server: &'a str, fqdn: &'a str) -> Self {
        Self {
            server,
            name: "Default Frontend",
            fqdn,
            bindings: &["0.0.0.0:25", "[::]:25"],
            permission_groups: "AnonymousUsers, ExchangeServers, ExchangeLegacyServers",
            auth_mechanism: "Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer",
            role: "FrontendTransport",
            tls_certificate_name: None,
        }
    }

    /// Exchange's `Client Frontend <server>` connector: port 587, users, front end.
    pub fn client_frontend(server: &'a str, fqdn: &'a str) -> Self {
        Self {
            server,
            name: "Client Frontend",
            fqdn,
            bindings: &["0.0.0.0:587", "[::]:587"],
            permission_groups: "ExchangeUsers",
            auth_mechanism: "Tls, Integrated, BasicAuth, BasicAuthRequireTLS",
            role: "FrontendTransport",
            tls_certificate_name: None,
        }
    }
}

fn flags_enum(ty: &str, text: &str) -> P {
    P::Obj(vec![format!("Deserialized.{ty}")], text.to_string(), vec![])
}

/// `Get-ReceiveConnector | Export-Clixml` objects.
pub fn receive_connector(c: &ReceiveSpec<'_>) -> Obj {
    let name = format!("{} {}", c.name, c.server);
    let tls = match c.tls_certificate_name {
        Some(t) => P::Obj(
            vec!["Deserialized.Microsoft.Exchange.Data.SmtpX509Identifier".into()],
            t.to_string(),
            vec![],
        ),
        None => P::Nil,
    };
    Obj {
        types: vec!["Deserialized.Microsoft.Exchange.Data.Directory.SystemConfiguration.ReceiveConnector".into()],
        props: vec![
            (
                "AuthMechanism".into(),
                flags_enum(
                    "Microsoft.Exchange.Data.Directory.SystemConfiguration.AuthMechanisms",
                    c.auth_mechanism,
                ),
            ),
            (
                "Bindings".into(),
                P::List(c.bindings.iter().map(|b| b.to_string()).collect()),
            ),
            ("Fqdn".into(), flags_enum("Microsoft.Exchange.Data.Fqdn", c.fqdn)),
            ("TlsCertificateName".into(), tls),
            ("Enabled".into(), P::B(true)),
            (
                "PermissionGroups".into(),
                flags_enum("Microsoft.Exchange.Data.PermissionGroups", c.permission_groups),
            ),
            ("RequireTLS".into(), P::B(false)),
            (
                "Server".into(),
                flags_enum("Microsoft.Exchange.Data.Directory.ADObjectId", c.server),
            ),
            (
                "TransportRole".into(),
                flags_enum(
                    "Microsoft.Exchange.Data.Directory.SystemConfiguration.ServerRole",
                    c.role,
                ),
            ),
            ("Name".into(), P::S(name.clone())),
            (
                "Identity".into(),
                flags_enum(
                    "Microsoft.Exchange.Data.Directory.ADObjectId",
                    &format!("{}\\{name}", c.server),
                ),
            ),
        ],
        ms: vec![("PSComputerName".into(), P::S(c.server.to_ascii_lowercase()))],
    }
}

/// Bare certificates from a server's store (`Get-ChildItem Cert:\LocalMachine\My |
/// Export-Clixml`): X509Certificate2 objects with RawData, `PSComputerName` when remote.
pub fn store_certificates(certs: &[&[u8]], computer: Option<&str>) -> String {
    let objects: Vec<Obj> = certs
        .iter()
        .map(|der| Obj {
            types: vec![
                "Deserialized.System.Security.Cryptography.X509Certificates.X509Certificate2".into(),
                "Deserialized.System.Security.Cryptography.X509Certificates.X509Certificate".into(),
                "Deserialized.System.Object".into(),
            ],
            props: vec![
                ("RawData".into(), P::BA(der.to_vec())),
                ("Thumbprint".into(), P::S(thumbprint(der))),
            ],
            ms: computer
                .map(|c| vec![("PSComputerName".to_string(), P::S(c.into()))])
                .unwrap_or_default(),
        })
        .collect();
    clixml(&objects)
}
