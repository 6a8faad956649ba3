//! The sans-IO SMTP submission core (RFC 5321, 6409, 3207, 4954, 3461, 2034):
//! command encoding, reply parsing and `EHLO` capability reading as pure
//! functions, plus the DATA transparency (dot-stuffing).

use std::fmt;

use crate::error::{Protocol, ProtocolError};

/// Longest reply line accepted.
pub const MAX_REPLY_LINE: usize = 4096;
/// Most lines in one reply.
pub const MAX_REPLY_LINES: usize = 256;

fn malformed(at: usize, reason: impl Into<String>) -> ProtocolError {
    ProtocolError::Malformed {
        protocol: Protocol::Smtp,
        at,
        reason: reason.into(),
    }
}

/// An SMTP reply (possibly multi-line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The three-digit code.
    pub code: u16,
    /// Enhanced status code (RFC 3463) of the first line, when present.
    pub enhanced: Option<String>,
    /// Text of each line (without code, separator and enhanced code).
    pub lines: Vec<String>,
}

impl Reply {
    /// 2xx.
    pub fn is_positive(&self) -> bool {
        (200..300).contains(&self.code)
    }

    /// 3xx.
    pub fn is_intermediate(&self) -> bool {
        (300..400).contains(&self.code)
    }

    /// 4xx.
    pub fn is_transient_negative(&self) -> bool {
        (400..500).contains(&self.code)
    }

    /// 5xx.
    pub fn is_permanent_negative(&self) -> bool {
        self.code >= 500
    }

    /// All lines joined with spaces.
    pub fn text(&self) -> String {
        self.lines.join(" ")
    }
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code)?;
        if let Some(e) = &self.enhanced {
            write!(f, " {e}")?;
        }
        write!(f, " {}", self.text())
    }
}

fn split_enhanced(text: &str, code: u16) -> (Option<String>, String) {
    let (first, rest) = text.split_once(' ').unwrap_or((text, ""));
    let parts: Vec<&str> = first.split('.').collect();
    let is_enh = parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()))
        && parts[0].parse::<u16>().ok() == Some(code / 100);
    if is_enh {
        (Some(first.to_owned()), rest.to_owned())
    } else {
        (None, text.to_owned())
    }
}

/// Parses one complete reply at the start of `buf`; `Ok(None)` when more
/// bytes are needed. Returns the reply and the bytes consumed.
pub fn parse_reply(buf: &[u8]) -> Result<Option<(Reply, usize)>, ProtocolError> {
    let mut pos = 0;
    let mut code: Option<u16> = None;
    let mut enhanced = None;
    let mut lines = Vec::new();
    loop {
        let Some(rel) = buf[pos..].windows(2).position(|w| w == b"\r\n") else {
            if buf.len() - pos > MAX_REPLY_LINE {
                return Err(ProtocolError::TooLarge {
                    protocol: Protocol::Smtp,
                    size: (buf.len() - pos) as u64,
                    limit: MAX_REPLY_LINE as u64,
                });
            }
            return Ok(None);
        };
        let line = &buf[pos..pos + rel];
        if line.len() > MAX_REPLY_LINE {
            return Err(ProtocolError::TooLarge {
                protocol: Protocol::Smtp,
                size: line.len() as u64,
                limit: MAX_REPLY_LINE as u64,
            });
        }
        if line.len() < 3 || !line[..3].iter().all(u8::is_ascii_digit) {
            return Err(malformed(
                pos,
                "reply line does not start with a 3-digit code",
            ));
        }
        let this: u16 =
            (line[0] - b'0') as u16 * 100 + (line[1] - b'0') as u16 * 10 + (line[2] - b'0') as u16;
        if !(200..600).contains(&this) {
            return Err(malformed(pos, format!("reply code {this} out of range")));
        }
        match code {
            None => code = Some(this),
            Some(c) if c != this => {
                return Err(malformed(
                    pos,
                    "reply code changes within a multi-line reply",
                ));
            }
            Some(_) => {}
        }
        let sep = line.get(3).copied();
        let text = match sep {
            None => String::new(),
            Some(b' ') | Some(b'-') => String::from_utf8_lossy(&line[4..]).into_owned(),
            Some(_) => return Err(malformed(pos + 3, "expected ' ' or '-' after the code")),
        };
        let (enh, text) = split_enhanced(&text, this);
        if lines.is_empty() {
            enhanced = enh;
        }
        lines.push(text);
        if lines.len() > MAX_REPLY_LINES {
            return Err(malformed(pos, "too many reply lines"));
        }
        pos += rel + 2;
        if sep != Some(b'-') {
            // `code` was set on the first line of this loop.
            let code = code.unwrap_or(this);
            return Ok(Some((
                Reply {
                    code,
                    enhanced,
                    lines,
                },
                pos,
            )));
        }
    }
}

/// What an `EHLO` reply says about the server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EhloInfo {
    /// The server's name (first line).
    pub domain: String,
    /// `STARTTLS` offered.
    pub starttls: bool,
    /// SASL mechanisms offered (`AUTH ...`), upper case.
    pub auth: Vec<String>,
    /// `SIZE n` (0 = no fixed limit).
    pub size: Option<u64>,
    /// `8BITMIME`.
    pub eight_bit_mime: bool,
    /// `SMTPUTF8`.
    pub smtputf8: bool,
    /// `DSN` (RFC 3461).
    pub dsn: bool,
    /// `PIPELINING`.
    pub pipelining: bool,
    /// `ENHANCEDSTATUSCODES`.
    pub enhanced_status_codes: bool,
    /// Every extension line, as given.
    pub extensions: Vec<String>,
}

impl EhloInfo {
    /// Reads a positive `EHLO` reply.
    pub fn from_reply(reply: &Reply) -> Self {
        let mut info = EhloInfo {
            domain: reply
                .lines
                .first()
                .and_then(|l| l.split_whitespace().next())
                .unwrap_or("")
                .to_owned(),
            ..Default::default()
        };
        for line in reply.lines.iter().skip(1) {
            info.extensions.push(line.clone());
            let mut words = line.split_whitespace();
            let kw = words.next().unwrap_or("").to_ascii_uppercase();
            match kw.as_str() {
                "STARTTLS" => info.starttls = true,
                "AUTH" => info.auth.extend(words.map(|w| w.to_ascii_uppercase())),
                "SIZE" => info.size = Some(words.next().and_then(|n| n.parse().ok()).unwrap_or(0)),
                "8BITMIME" => info.eight_bit_mime = true,
                "SMTPUTF8" => info.smtputf8 = true,
                "DSN" => info.dsn = true,
                "PIPELINING" => info.pipelining = true,
                "ENHANCEDSTATUSCODES" => info.enhanced_status_codes = true,
                _ => {}
            }
        }
        info
    }

    /// Whether a SASL mechanism is offered.
    pub fn offers_auth(&self, mechanism: &str) -> bool {
        self.auth.iter().any(|m| m.eq_ignore_ascii_case(mechanism))
    }
}

/// DSN `NOTIFY` conditions (RFC 3461).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct DsnNotify {
    /// Notify on successful delivery.
    pub success: bool,
    /// Notify on failure.
    pub failure: bool,
    /// Notify on delay.
    pub delay: bool,
}

impl DsnNotify {
    fn param(&self) -> String {
        let mut v = Vec::new();
        if self.success {
            v.push("SUCCESS");
        }
        if self.failure {
            v.push("FAILURE");
        }
        if self.delay {
            v.push("DELAY");
        }
        if v.is_empty() {
            "NEVER".to_owned()
        } else {
            v.join(",")
        }
    }
}

/// An SMTP command.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Command {
    /// `EHLO domain`.
    Ehlo(String),
    /// `STARTTLS`.
    StartTls,
    /// `AUTH mechanism [initial-response]` (base64).
    Auth {
        /// Mechanism.
        mechanism: String,
        /// Base64 initial response (`=` when empty).
        initial_response: Option<String>,
    },
    /// A base64 line answering a 334 challenge.
    AuthResponse(String),
    /// `MAIL FROM:<address>` with optional parameters.
    MailFrom {
        /// Reverse path (empty for a null sender).
        address: String,
        /// `SIZE=`.
        size: Option<u64>,
        /// `BODY=8BITMIME`.
        eight_bit: bool,
        /// `SMTPUTF8`.
        smtputf8: bool,
        /// DSN `RET=HDRS` and `ENVID=`.
        dsn_envid: Option<String>,
    },
    /// `RCPT TO:<address>` with optional DSN `NOTIFY`.
    RcptTo {
        /// Forward path.
        address: String,
        /// DSN conditions.
        notify: Option<DsnNotify>,
    },
    /// `DATA`.
    Data,
    /// `RSET`.
    Rset,
    /// `NOOP`.
    Noop,
    /// `QUIT`.
    Quit,
}

fn check_line(s: &str, what: &'static str) -> Result<(), ProtocolError> {
    if s.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
        return Err(ProtocolError::Unencodable {
            protocol: Protocol::Smtp,
            what,
            reason: "CR, LF and NUL are not allowed",
        });
    }
    Ok(())
}

/// xtext encoding (RFC 3461 §4).
fn xtext(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if (b'!'..=b'~').contains(&b) && b != b'+' && b != b'=' {
            out.push(b as char);
        } else {
            out.push_str(&format!("+{b:02X}"));
        }
    }
    out
}

impl Command {
    /// A short name for errors (never carries secrets).
    pub fn name(&self) -> String {
        match self {
            Self::Ehlo(_) => "EHLO".into(),
            Self::StartTls => "STARTTLS".into(),
            Self::Auth { mechanism, .. } => format!("AUTH {mechanism}"),
            Self::AuthResponse(_) => "AUTH (response)".into(),
            Self::MailFrom { .. } => "MAIL FROM".into(),
            Self::RcptTo { address, .. } => format!("RCPT TO <{address}>"),
            Self::Data => "DATA".into(),
            Self::Rset => "RSET".into(),
            Self::Noop => "NOOP".into(),
            Self::Quit => "QUIT".into(),
        }
    }

    /// The CRLF-terminated command line.
    pub fn encode(&self) -> Result<Vec<u8>, ProtocolError> {
        let line = match self {
            Self::Ehlo(d) => {
                check_line(d, "EHLO name")?;
                format!("EHLO {d}")
            }
            Self::StartTls => "STARTTLS".into(),
            Self::Auth {
                mechanism,
                initial_response,
            } => match initial_response {
                Some(ir) => format!("AUTH {mechanism} {ir}"),
                None => format!("AUTH {mechanism}"),
            },
            Self::AuthResponse(r) => {
                check_line(r, "SASL response")?;
                r.clone()
            }
            Self::MailFrom {
                address,
                size,
                eight_bit,
                smtputf8,
                dsn_envid,
            } => {
                check_line(address, "address")?;
                let mut l = format!("MAIL FROM:<{address}>");
                if let Some(s) = size {
                    l.push_str(&format!(" SIZE={s}"));
                }
                if *eight_bit {
                    l.push_str(" BODY=8BITMIME");
                }
                if *smtputf8 {
                    l.push_str(" SMTPUTF8");
                }
                if let Some(envid) = dsn_envid {
                    l.push_str(&format!(" RET=HDRS ENVID={}", xtext(envid)));
                }
                l
            }
            Self::RcptTo { address, notify } => {
                check_line(address, "address")?;
                let mut l = format!("RCPT TO:<{address}>");
                if let Some(n) = notify {
                    l.push_str(&format!(
                        " NOTIFY={} ORCPT=rfc822;{}",
                        n.param(),
                        xtext(address)
                    ));
                }
                l
            }
            Self::Data => "DATA".into(),
            Self::Rset => "RSET".into(),
            Self::Noop => "NOOP".into(),
            Self::Quit => "QUIT".into(),
        };
        let mut out = line.into_bytes();
        out.extend_from_slice(b"\r\n");
        Ok(out)
    }
}

/// The DATA payload: line endings normalised to CRLF, lines starting with `.`
/// doubled (RFC 5321 §4.5.2), terminated by `CRLF . CRLF`.
pub fn dot_stuff(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + message.len() / 50 + 5);
    let mut at_line_start = true;
    let mut prev = 0u8;
    for &b in message {
        if b == b'\n' && prev != b'\r' {
            out.push(b'\r');
        }
        if at_line_start && b == b'.' {
            out.push(b'.');
        }
        if b == b'\r' && prev == b'\r' {
            // A bare CR followed by another CR: close the first one.
            out.push(b'\n');
        }
        out.push(b);
        at_line_start = b == b'\n';
        prev = b;
    }
    if prev == b'\r' {
        out.push(b'\n');
    } else if !out.is_empty() && prev != b'\n' {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
    out
}

/// Reverses [`dot_stuff`] on a received DATA payload (without the final
/// `.` line): removes the leading extra dot of each line.
pub fn dot_unstuff(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut at_line_start = true;
    let mut i = 0;
    while i < data.len() {
        let b = data[i];
        if at_line_start && b == b'.' {
            i += 1;
            at_line_start = false;
            continue;
        }
        out.push(b);
        at_line_start = b == b'\n';
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_of_replies() {
        let cases: Vec<(&str, u16, Option<&str>, Vec<&str>)> = vec![
            (
                "220 mail.test ESMTP Postfix\r\n",
                220,
                None,
                vec!["mail.test ESMTP Postfix"],
            ),
            ("250 2.1.0 Ok\r\n", 250, Some("2.1.0"), vec!["Ok"]),
            (
                "550 5.1.1 <x@y.fr>: Recipient address rejected\r\n",
                550,
                Some("5.1.1"),
                vec!["<x@y.fr>: Recipient address rejected"],
            ),
            ("334 \r\n", 334, None, vec![""]),
            ("334\r\n", 334, None, vec![""]),
            (
                "235 2.7.0 Authentication successful\r\n",
                235,
                Some("2.7.0"),
                vec!["Authentication successful"],
            ),
            (
                "421 4.4.2 Timeout exceeded\r\n",
                421,
                Some("4.4.2"),
                vec!["Timeout exceeded"],
            ),
            (
                "250-a\r\n250-b\r\n250 c\r\n",
                250,
                None,
                vec!["a", "b", "c"],
            ),
            // A 5.x.x code after a 2xx reply is not an enhanced code.
            ("250 5.1.1 odd\r\n", 250, None, vec!["5.1.1 odd"]),
        ];
        for (input, code, enh, lines) in cases {
            let (r, n) = parse_reply(input.as_bytes()).unwrap().unwrap();
            assert_eq!(n, input.len());
            assert_eq!(r.code, code, "{input:?}");
            assert_eq!(r.enhanced.as_deref(), enh, "{input:?}");
            assert_eq!(r.lines, lines, "{input:?}");
        }
    }

    #[test]
    fn partial_and_bad_replies() {
        assert_eq!(parse_reply(b"250-a\r\n250 b").unwrap(), None);
        assert_eq!(parse_reply(b"").unwrap(), None);
        for bad in [
            "25 x\r\n",
            "abc x\r\n",
            "250-a\r\n251 b\r\n",
            "250xabc\r\n",
            "999 x\r\n",
            "100 x\r\n",
        ] {
            assert!(parse_reply(bad.as_bytes()).is_err(), "{bad:?}");
        }
        let (r, n) = parse_reply(b"250 ok\r\n354 go\r\n").unwrap().unwrap();
        assert_eq!((r.code, n), (250, 8));
    }

    #[test]
    fn ehlo_capabilities() {
        let raw = "250-mail.test.mssante.local\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n250-AUTH PLAIN LOGIN xoauth2 OAUTHBEARER\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n250 SMTPUTF8\r\n";
        let (r, _) = parse_reply(raw.as_bytes()).unwrap().unwrap();
        let e = EhloInfo::from_reply(&r);
        assert_eq!(e.domain, "mail.test.mssante.local");
        assert!(
            e.starttls
                && e.pipelining
                && e.dsn
                && e.eight_bit_mime
                && e.smtputf8
                && e.enhanced_status_codes
        );
        assert_eq!(e.size, Some(10_240_000));
        assert!(
            e.offers_auth("XOAUTH2") && e.offers_auth("oauthbearer") && !e.offers_auth("EXTERNAL")
        );
    }

    #[test]
    fn commands_encode() {
        let enc = |c: Command| String::from_utf8(c.encode().unwrap()).unwrap();
        assert_eq!(
            enc(Command::Ehlo("[127.0.0.1]".into())),
            "EHLO [127.0.0.1]\r\n"
        );
        assert_eq!(
            enc(Command::MailFrom {
                address: "a@b.fr".into(),
                size: Some(42),
                eight_bit: true,
                smtputf8: false,
                dsn_envid: Some("<id+1@b.fr>".into())
            }),
            "MAIL FROM:<a@b.fr> SIZE=42 BODY=8BITMIME RET=HDRS ENVID=<id+2B1@b.fr>\r\n"
        );
        assert_eq!(
            enc(Command::RcptTo {
                address: "c@d.fr".into(),
                notify: Some(DsnNotify {
                    success: true,
                    failure: true,
                    delay: false
                })
            }),
            "RCPT TO:<c@d.fr> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;c@d.fr\r\n"
        );
        assert_eq!(
            enc(Command::Auth {
                mechanism: "EXTERNAL".into(),
                initial_response: Some("=".into())
            }),
            "AUTH EXTERNAL =\r\n"
        );
        assert!(
            Command::RcptTo {
                address: "a@b.fr>\r\nRCPT TO:<x@y.fr".into(),
                notify: None
            }
            .encode()
            .is_err()
        );
    }

    #[test]
    fn dot_stuffing() {
        assert_eq!(dot_stuff(b"a\r\n.b\r\n"), b"a\r\n..b\r\n.\r\n");
        assert_eq!(dot_stuff(b".\n.."), b"..\r\n...\r\n.\r\n");
        assert_eq!(dot_stuff(b""), b".\r\n");
        assert_eq!(dot_stuff(b"x"), b"x\r\n.\r\n");
        assert_eq!(dot_unstuff(b"a\r\n..b\r\n"), b"a\r\n.b\r\n");
    }

    proptest::proptest! {
        #[test]
        fn stuffing_round_trips(lines in proptest::collection::vec("[.a-z ]{0,6}", 0..8)) {
            let msg = lines.iter().map(|l| format!("{l}\r\n")).collect::<String>();
            let stuffed = dot_stuff(msg.as_bytes());
            // The terminator appears only at the end.
            let body = &stuffed[..stuffed.len() - 3];
            proptest::prop_assert!(!body.windows(5).any(|w| w == b"\r\n.\r\n"));
            proptest::prop_assert_eq!(dot_unstuff(body), msg.as_bytes());
        }

        #[test]
        fn reply_parser_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..100)) {
            let _ = parse_reply(&bytes);
        }
    }
}
