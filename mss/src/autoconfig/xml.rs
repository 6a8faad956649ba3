//! Thunderbird-style AutoConfig documents (`config-v1.1.xml`), the format the
//! historic MSSanté DST (TM3.3C) refers to: `incomingServer type="imap"` and
//! `outgoingServer type="smtp"` with host, port, socket type and
//! authentication. Read with quick-xml, which never resolves entities.

use quick_xml::Reader;
use quick_xml::events::Event;

use crate::address::MailAddress;
use crate::config::{Security, ServerEndpoint};
use crate::error::AutoconfigError;

/// One server of the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlServer {
    /// `imap`, `pop3`, `smtp`.
    pub kind: String,
    /// Host (placeholders substituted).
    pub hostname: String,
    /// Port.
    pub port: u16,
    /// `SSL`, `STARTTLS`, `plain`.
    pub socket_type: String,
    /// `authentication` values (`OAuth2`, `TLS-client-cert`…).
    pub authentication: Vec<String>,
}

impl XmlServer {
    /// The endpoint; `None` for plain-text servers.
    pub fn endpoint(&self) -> Option<ServerEndpoint> {
        let security = match self.socket_type.to_ascii_uppercase().as_str() {
            "SSL" | "TLS" => Security::ImplicitTls,
            "STARTTLS" => Security::StartTls,
            _ => return None,
        };
        Some(ServerEndpoint::new(
            self.hostname.clone(),
            self.port,
            security,
        ))
    }
}

fn substitute(s: &str, address: &MailAddress) -> String {
    s.replace("%EMAILADDRESS%", address.as_str())
        .replace("%EMAILLOCALPART%", address.local_part())
        .replace("%EMAILDOMAIN%", address.domain())
}

/// Parses a document; `source` names it in errors.
pub fn parse_autoconfig(
    xml: &[u8],
    address: &MailAddress,
    source: &str,
) -> Result<Vec<XmlServer>, AutoconfigError> {
    let err = |reason: String| AutoconfigError::Xml {
        source_url: source.to_owned(),
        reason,
    };
    let mut reader = Reader::from_reader(xml);
    reader.config_mut().trim_text(true);
    let mut buf = Vec::new();
    let mut path: Vec<String> = Vec::new();
    let mut servers = Vec::new();
    let mut current: Option<XmlServer> = None;
    let mut saw_root = false;
    loop {
        let ev = reader
            .read_event_into(&mut buf)
            .map_err(|e| err(e.to_string()))?;
        match ev {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if path.is_empty() {
                    if name != "clientConfig" {
                        return Err(err(format!("root element is {name}, not clientConfig")));
                    }
                    saw_root = true;
                }
                if name == "incomingServer" || name == "outgoingServer" {
                    let mut kind = String::new();
                    for a in e.attributes().flatten() {
                        if a.key.local_name().as_ref() == b"type" {
                            kind = String::from_utf8_lossy(&a.value).to_ascii_lowercase();
                        }
                    }
                    current = Some(XmlServer {
                        kind,
                        hostname: String::new(),
                        port: 0,
                        socket_type: String::new(),
                        authentication: Vec::new(),
                    });
                }
                path.push(name);
                if path.len() > 16 {
                    return Err(err("document nested too deeply".into()));
                }
            }
            Event::End(_) => {
                if let Some(name) = path.pop() {
                    if (name == "incomingServer" || name == "outgoingServer") && current.is_some() {
                        if let Some(s) = current.take() {
                            servers.push(s);
                        }
                    }
                }
            }
            Event::Text(t) => {
                let text = t.decode().map_err(|e| err(e.to_string()))?.into_owned();
                let text = quick_xml::escape::unescape(&text)
                    .map(|c| c.into_owned())
                    .unwrap_or(text);
                if let (Some(s), Some(field)) = (current.as_mut(), path.last()) {
                    match field.as_str() {
                        "hostname" => s.hostname = substitute(text.trim(), address),
                        "port" => {
                            s.port = text
                                .trim()
                                .parse()
                                .map_err(|_| err(format!("bad port {text:?}")))?
                        }
                        "socketType" => s.socket_type = text.trim().to_owned(),
                        "authentication" => s.authentication.push(text.trim().to_owned()),
                        _ => {}
                    }
                }
            }
            Event::DocType(_) => return Err(err("DOCTYPE declarations are refused".into())),
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !saw_root {
        return Err(err("empty document".into()));
    }
    for s in &servers {
        if s.hostname.is_empty() || s.port == 0 {
            return Err(err(format!("{} server without hostname or port", s.kind)));
        }
    }
    Ok(servers)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="medecin.mssante.fr">
    <domain>medecin.mssante.fr</domain>
    <incomingServer type="imap">
      <hostname>imap.%EMAILDOMAIN%</hostname>
      <port>993</port>
      <socketType>SSL</socketType>
      <username>%EMAILADDRESS%</username>
      <authentication>OAuth2</authentication>
      <authentication>TLS-client-cert</authentication>
    </incomingServer>
    <incomingServer type="pop3">
      <hostname>pop.example.fr</hostname><port>110</port><socketType>plain</socketType>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.medecin.mssante.fr</hostname>
      <port>587</port>
      <socketType>STARTTLS</socketType>
      <authentication>OAuth2</authentication>
    </outgoingServer>
  </emailProvider>
</clientConfig>"#;

    #[test]
    fn reads_servers() {
        let a: MailAddress = "dr@medecin.mssante.fr".parse().unwrap();
        let s = parse_autoconfig(DOC.as_bytes(), &a, "test").unwrap();
        assert_eq!(s.len(), 3);
        assert_eq!(s[0].hostname, "imap.medecin.mssante.fr");
        assert_eq!(s[0].endpoint().unwrap().security, Security::ImplicitTls);
        assert_eq!(s[0].authentication, vec!["OAuth2", "TLS-client-cert"]);
        assert!(s[1].endpoint().is_none(), "plain text refused");
        assert_eq!(
            s[2].endpoint().unwrap(),
            ServerEndpoint::new("smtp.medecin.mssante.fr", 587, Security::StartTls)
        );
    }

    #[test]
    fn bad_documents() {
        let a: MailAddress = "dr@x.fr".parse().unwrap();
        for bad in [
            "",
            "<html/>",
            "<clientConfig><emailProvider><incomingServer type=\"imap\"><port>x</port></incomingServer></emailProvider></clientConfig>",
            "<clientConfig><emailProvider><incomingServer type=\"imap\"><hostname>h</hostname></incomingServer></emailProvider></clientConfig>",
            "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><clientConfig>&e;</clientConfig>",
            "<clientConfig><unclosed></clientConfig>",
        ] {
            assert!(parse_autoconfig(bad.as_bytes(), &a, "t").is_err(), "{bad}");
        }
    }
}
