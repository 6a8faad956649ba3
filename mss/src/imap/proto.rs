//! The sans-IO IMAP core: command encoding and response parsing as pure
//! functions (RFC 3501 / RFC 9051 subset an MSSanté client needs).
//!
//! - [`frame_len`] finds where one complete response ends in a byte buffer,
//!   literals (`{n}\r\n` + n bytes) included, or says more bytes are needed;
//! - [`parse_response`] turns one complete frame into a [`Response`];
//! - [`Command::encode`] writes a tagged command.
//!
//! Nothing here reads a socket or a clock: the tokio shell in
//! [`crate::imap`] drives it, and the simulator reuses the same cursor to read
//! client commands.

use std::fmt;

use base64::Engine as _;

use crate::error::{Protocol, ProtocolError};

/// Longest line (between literals) accepted, in bytes.
pub const MAX_LINE: usize = 64 * 1024;
/// Default largest literal accepted (a whole message), in bytes.
pub const DEFAULT_MAX_LITERAL: u64 = 64 * 1024 * 1024;

fn malformed(at: usize, reason: impl Into<String>) -> ProtocolError {
    ProtocolError::Malformed {
        protocol: Protocol::Imap,
        at,
        reason: reason.into(),
    }
}

/// Returns `Some((size, non_synchronizing))` when the segment ends with a
/// literal announcement `{n}` or `{n+}`.
pub(crate) fn literal_suffix(seg: &[u8]) -> Option<(u64, bool)> {
    let inner = seg.strip_suffix(b"}")?;
    let open = inner.iter().rposition(|&b| b == b'{')?;
    let mut digits = &inner[open + 1..];
    let nonsync = digits.last() == Some(&b'+');
    if nonsync {
        digits = &digits[..digits.len() - 1];
    }
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits)
        .ok()?
        .parse()
        .ok()
        .map(|n| (n, nonsync))
}

fn find_crlf(buf: &[u8], from: usize) -> Option<usize> {
    buf.get(from..)?
        .windows(2)
        .position(|w| w == b"\r\n")
        .map(|p| p + from)
}

/// Length of the first complete response (or command) in `buf`, literals
/// included; `Ok(None)` when more bytes are needed.
pub fn frame_len(buf: &[u8], max_literal: u64) -> Result<Option<usize>, ProtocolError> {
    let mut pos = 0;
    loop {
        let Some(end) = find_crlf(buf, pos) else {
            if buf.len() - pos > MAX_LINE {
                return Err(ProtocolError::TooLarge {
                    protocol: Protocol::Imap,
                    size: (buf.len() - pos) as u64,
                    limit: MAX_LINE as u64,
                });
            }
            return Ok(None);
        };
        if end - pos > MAX_LINE {
            return Err(ProtocolError::TooLarge {
                protocol: Protocol::Imap,
                size: (end - pos) as u64,
                limit: MAX_LINE as u64,
            });
        }
        match literal_suffix(&buf[pos..end]) {
            Some((n, _)) => {
                if n > max_literal {
                    return Err(ProtocolError::TooLarge {
                        protocol: Protocol::Imap,
                        size: n,
                        limit: max_literal,
                    });
                }
                // n ≤ max_literal fits in usize on every supported target.
                let next = end + 2 + n as usize;
                if buf.len() < next {
                    return Ok(None);
                }
                pos = next;
            }
            None => return Ok(Some(end + 2)),
        }
    }
}

/// A byte cursor over one frame, shared by the response and command parsers.
#[derive(Debug)]
pub(crate) struct Cursor<'a> {
    b: &'a [u8],
    pub(crate) i: usize,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(b: &'a [u8]) -> Self {
        Self { b, i: 0 }
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    pub(crate) fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    pub(crate) fn expect(&mut self, c: u8) -> Result<(), ProtocolError> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(malformed(self.i, format!("expected {:?}", c as char)))
        }
    }

    pub(crate) fn sp(&mut self) -> Result<(), ProtocolError> {
        self.expect(b' ')
    }

    pub(crate) fn crlf(&mut self) -> Result<(), ProtocolError> {
        if self.b.get(self.i..self.i + 2) == Some(b"\r\n") {
            self.i += 2;
            Ok(())
        } else {
            Err(malformed(self.i, "expected end of line"))
        }
    }

    /// A run of characters up to a space, parenthesis, bracket or end of line.
    pub(crate) fn token(&mut self) -> Result<&'a str, ProtocolError> {
        let start = self.i;
        while let Some(c) = self.peek() {
            if c == b' '
                || c == b'('
                || c == b')'
                || c == b'['
                || c == b']'
                || c == b'\r'
                || c == b'\n'
                || c == b'"'
                || c == b'{'
            {
                break;
            }
            if c < 0x20 || c == 0x7f {
                return Err(malformed(self.i, "control character"));
            }
            self.i += 1;
        }
        if start == self.i {
            return Err(malformed(start, "expected an atom"));
        }
        std::str::from_utf8(&self.b[start..self.i])
            .map_err(|_| malformed(start, "atom is not UTF-8"))
    }

    pub(crate) fn number(&mut self) -> Result<u32, ProtocolError> {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        std::str::from_utf8(&self.b[start..self.i])
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| malformed(start, "expected a number"))
    }

    pub(crate) fn quoted(&mut self) -> Result<Vec<u8>, ProtocolError> {
        self.expect(b'"')?;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None | Some(b'\r') | Some(b'\n') => {
                    return Err(malformed(self.i, "unterminated quoted string"));
                }
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.i += 1;
                    match self.peek() {
                        Some(c @ (b'"' | b'\\')) => {
                            out.push(c);
                            self.i += 1;
                        }
                        _ => return Err(malformed(self.i, "bad escape in quoted string")),
                    }
                }
                Some(c) => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
    }

    pub(crate) fn literal(&mut self) -> Result<&'a [u8], ProtocolError> {
        let start = self.i;
        self.expect(b'{')?;
        let n = self.number()? as usize;
        self.eat(b'+');
        self.expect(b'}')?;
        self.crlf()?;
        let end = self.i.checked_add(n).filter(|&e| e <= self.b.len());
        let Some(end) = end else {
            return Err(malformed(start, "literal longer than the frame"));
        };
        let data = &self.b[self.i..end];
        self.i = end;
        Ok(data)
    }

    pub(crate) fn string(&mut self) -> Result<Vec<u8>, ProtocolError> {
        match self.peek() {
            Some(b'"') => self.quoted(),
            Some(b'{') => self.literal().map(<[u8]>::to_vec),
            _ => Err(malformed(self.i, "expected a string")),
        }
    }

    pub(crate) fn astring(&mut self) -> Result<Vec<u8>, ProtocolError> {
        match self.peek() {
            Some(b'"') | Some(b'{') => self.string(),
            _ => {
                // ASTRING-CHAR includes ']' (resp-specials).
                let start = self.i;
                while let Some(c) = self.peek() {
                    if c <= b' ' || c == b'(' || c == b')' || c == b'{' || c == b'"' || c == 0x7f {
                        break;
                    }
                    self.i += 1;
                }
                if start == self.i {
                    return Err(malformed(start, "expected an astring"));
                }
                Ok(self.b[start..self.i].to_vec())
            }
        }
    }

    pub(crate) fn nstring(&mut self) -> Result<Option<Vec<u8>>, ProtocolError> {
        if self.b[self.i..].len() >= 3 && self.b[self.i..self.i + 3].eq_ignore_ascii_case(b"NIL") {
            self.i += 3;
            return Ok(None);
        }
        self.string().map(Some)
    }

    /// A parenthesised list of flags / atoms.
    pub(crate) fn atom_list(&mut self) -> Result<Vec<String>, ProtocolError> {
        self.expect(b'(')?;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                Some(b')') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b' ') => self.i += 1,
                Some(_) => out.push(self.token()?.to_owned()),
                None => return Err(malformed(self.i, "unterminated list")),
            }
        }
    }

    /// Skips any value (atom, number, string, literal, NIL, nested list).
    pub(crate) fn skip_value(&mut self) -> Result<(), ProtocolError> {
        match self.peek() {
            Some(b'(') => {
                self.i += 1;
                loop {
                    match self.peek() {
                        Some(b')') => {
                            self.i += 1;
                            return Ok(());
                        }
                        Some(b' ') => self.i += 1,
                        Some(_) => self.skip_value()?,
                        None => return Err(malformed(self.i, "unterminated list")),
                    }
                }
            }
            Some(b'"') | Some(b'{') => self.string().map(drop),
            Some(_) => {
                self.token()?;
                if self.eat(b'[') {
                    self.section()?;
                }
                Ok(())
            }
            None => Err(malformed(self.i, "expected a value")),
        }
    }

    /// The inside of `[...]` (the `[` already eaten), nested parentheses allowed.
    pub(crate) fn section(&mut self) -> Result<&'a str, ProtocolError> {
        let start = self.i;
        let mut depth = 0u32;
        loop {
            match self.peek() {
                Some(b']') if depth == 0 => {
                    let s = std::str::from_utf8(&self.b[start..self.i])
                        .map_err(|_| malformed(start, "section is not UTF-8"))?;
                    self.i += 1;
                    return Ok(s);
                }
                Some(b'(') => depth += 1,
                Some(b')') => depth = depth.saturating_sub(1),
                Some(b'\r') | None => return Err(malformed(self.i, "unterminated section")),
                _ => {}
            }
            self.i += 1;
        }
    }

    /// The rest of the line, without CRLF (consumed).
    pub(crate) fn rest_of_line(&mut self) -> String {
        let start = self.i;
        let end = find_crlf(self.b, start).unwrap_or(self.b.len());
        self.i = (end + 2).min(self.b.len());
        String::from_utf8_lossy(&self.b[start..end]).into_owned()
    }
}

/// Status of a tagged response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// `OK`.
    Ok,
    /// `NO`: the command failed.
    No,
    /// `BAD`: the command was not understood.
    Bad,
}

/// Status of an untagged condition response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    /// `* OK`.
    Ok,
    /// `* NO` (warning).
    No,
    /// `* BAD` (protocol error).
    Bad,
    /// `* BYE`: the server closes the connection.
    Bye,
    /// `* PREAUTH`: already authenticated (greeting only).
    PreAuth,
}

/// A response code (`[...]` after the status).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Code {
    /// `CAPABILITY ...`.
    Capability(Vec<String>),
    /// `UIDVALIDITY n`.
    UidValidity(u32),
    /// `UIDNEXT n`.
    UidNext(u32),
    /// `UNSEEN n`.
    Unseen(u32),
    /// `READ-ONLY`.
    ReadOnly,
    /// `READ-WRITE`.
    ReadWrite,
    /// `TRYCREATE`.
    TryCreate,
    /// `APPENDUID uidvalidity uid` (RFC 4315).
    AppendUid {
        /// UIDVALIDITY of the folder.
        uid_validity: u32,
        /// UID given to the message.
        uid: u32,
    },
    /// `ALERT`: the text must be shown to the user.
    Alert,
    /// `AUTHENTICATIONFAILED` (RFC 5530).
    AuthenticationFailed,
    /// `UNAVAILABLE` (RFC 5530).
    Unavailable,
    /// Any other code, as text.
    Other(String),
}

/// Data of a `FETCH` response.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchData {
    /// `UID`.
    pub uid: Option<u32>,
    /// `FLAGS`.
    pub flags: Option<Vec<String>>,
    /// `RFC822.SIZE`.
    pub size: Option<u32>,
    /// `INTERNALDATE`.
    pub internal_date: Option<String>,
    /// `BODY[]` / `RFC822`: the whole message.
    pub body: Option<Vec<u8>>,
    /// Other `BODY[section]` items.
    pub sections: Vec<(String, Option<Vec<u8>>)>,
}

/// An untagged response.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Untagged {
    /// `OK`/`NO`/`BAD`/`BYE`/`PREAUTH` with an optional code.
    Condition {
        /// Which.
        condition: Condition,
        /// Response code.
        code: Option<Code>,
        /// Human text.
        text: String,
    },
    /// `CAPABILITY`.
    Capability(Vec<String>),
    /// `n EXISTS`.
    Exists(u32),
    /// `n RECENT`.
    Recent(u32),
    /// `n EXPUNGE`.
    Expunge(u32),
    /// `FLAGS (...)`.
    Flags(Vec<String>),
    /// `LIST (attrs) delim name`.
    List {
        /// Attributes (`\Noselect`, `\Sent`…).
        attributes: Vec<String>,
        /// Hierarchy delimiter.
        delimiter: Option<char>,
        /// Decoded folder name.
        name: String,
    },
    /// `SEARCH n...`.
    Search(Vec<u32>),
    /// `n FETCH (...)`.
    Fetch {
        /// Sequence number.
        seq: u32,
        /// Data.
        data: FetchData,
    },
    /// Anything else, as the raw line.
    Other(String),
}

/// One server response.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Response {
    /// `+ text`: the server waits for more client data.
    Continuation(String),
    /// `tag status [code] text`: the end of a command.
    Tagged {
        /// The tag.
        tag: String,
        /// Status.
        status: Status,
        /// Code.
        code: Option<Code>,
        /// Text.
        text: String,
    },
    /// `* ...`.
    Untagged(Untagged),
}

fn parse_code(c: &mut Cursor<'_>) -> Result<Code, ProtocolError> {
    let inner = c.section()?;
    let mut words = inner.split(' ');
    let name = words.next().unwrap_or("").to_ascii_uppercase();
    let num = |w: Option<&str>| -> Result<u32, ProtocolError> {
        w.and_then(|s| s.parse().ok())
            .ok_or_else(|| malformed(c.i, format!("bad {name} code")))
    };
    Ok(match name.as_str() {
        "CAPABILITY" => {
            Code::Capability(words.filter(|w| !w.is_empty()).map(str::to_owned).collect())
        }
        "UIDVALIDITY" => Code::UidValidity(num(words.next())?),
        "UIDNEXT" => Code::UidNext(num(words.next())?),
        "UNSEEN" => Code::Unseen(num(words.next())?),
        "READ-ONLY" => Code::ReadOnly,
        "READ-WRITE" => Code::ReadWrite,
        "TRYCREATE" => Code::TryCreate,
        "ALERT" => Code::Alert,
        "AUTHENTICATIONFAILED" => Code::AuthenticationFailed,
        "UNAVAILABLE" => Code::Unavailable,
        "APPENDUID" => {
            let uid_validity = num(words.next())?;
            let uid = num(words.next())?;
            Code::AppendUid { uid_validity, uid }
        }
        _ => Code::Other(inner.to_owned()),
    })
}

fn resp_text(c: &mut Cursor<'_>) -> Result<(Option<Code>, String), ProtocolError> {
    let mut code = None;
    if c.eat(b'[') {
        code = Some(parse_code(c)?);
        c.eat(b' ');
    }
    Ok((code, c.rest_of_line()))
}

fn parse_fetch(c: &mut Cursor<'_>) -> Result<FetchData, ProtocolError> {
    let mut d = FetchData::default();
    c.expect(b'(')?;
    loop {
        match c.peek() {
            Some(b')') => {
                c.i += 1;
                break;
            }
            Some(b' ') => {
                c.i += 1;
                continue;
            }
            None => return Err(malformed(c.i, "unterminated FETCH")),
            _ => {}
        }
        let key = c.token()?.to_ascii_uppercase();
        match key.as_str() {
            "UID" => {
                c.sp()?;
                d.uid = Some(c.number()?);
            }
            "RFC822.SIZE" => {
                c.sp()?;
                d.size = Some(c.number()?);
            }
            "FLAGS" => {
                c.sp()?;
                d.flags = Some(c.atom_list()?);
            }
            "INTERNALDATE" => {
                c.sp()?;
                d.internal_date = Some(String::from_utf8_lossy(&c.quoted()?).into_owned());
            }
            "RFC822" => {
                c.sp()?;
                d.body = c.nstring()?;
            }
            "BODY" | "BINARY" if c.peek() == Some(b'[') => {
                c.i += 1;
                let section = c.section()?.to_owned();
                if c.eat(b'<') {
                    c.number()?;
                    c.expect(b'>')?;
                }
                c.sp()?;
                let value = c.nstring()?;
                if section.is_empty() {
                    d.body = value;
                } else {
                    d.sections.push((section, value));
                }
            }
            _ => {
                c.sp()?;
                c.skip_value()?;
            }
        }
    }
    Ok(d)
}

fn parse_untagged(c: &mut Cursor<'_>) -> Result<Untagged, ProtocolError> {
    let first = c.token()?;
    if first.bytes().all(|b| b.is_ascii_digit()) {
        let n: u32 = first.parse().map_err(|_| malformed(c.i, "bad number"))?;
        c.sp()?;
        let what = c.token()?.to_ascii_uppercase();
        let u = match what.as_str() {
            "EXISTS" => Untagged::Exists(n),
            "RECENT" => Untagged::Recent(n),
            "EXPUNGE" => Untagged::Expunge(n),
            "FETCH" => {
                c.sp()?;
                Untagged::Fetch {
                    seq: n,
                    data: parse_fetch(c)?,
                }
            }
            _ => Untagged::Other(format!("{n} {what} {}", c.rest_of_line())),
        };
        return Ok(u);
    }
    let name = first.to_ascii_uppercase();
    let condition = match name.as_str() {
        "OK" => Some(Condition::Ok),
        "NO" => Some(Condition::No),
        "BAD" => Some(Condition::Bad),
        "BYE" => Some(Condition::Bye),
        "PREAUTH" => Some(Condition::PreAuth),
        _ => None,
    };
    if let Some(condition) = condition {
        c.eat(b' ');
        let (code, text) = resp_text(c)?;
        return Ok(Untagged::Condition {
            condition,
            code,
            text,
        });
    }
    Ok(match name.as_str() {
        "CAPABILITY" => {
            let line = c.rest_of_line();
            Untagged::Capability(line.split_whitespace().map(str::to_owned).collect())
        }
        "FLAGS" => {
            c.sp()?;
            Untagged::Flags(c.atom_list()?)
        }
        "SEARCH" => {
            let line = c.rest_of_line();
            let mut v = Vec::new();
            for w in line.split_whitespace() {
                v.push(w.parse().map_err(|_| malformed(c.i, "bad SEARCH number"))?);
            }
            Untagged::Search(v)
        }
        "LIST" | "LSUB" => {
            c.sp()?;
            let attributes = c.atom_list()?;
            c.sp()?;
            let delimiter = match c.nstring()? {
                Some(d) => d.first().map(|&b| b as char),
                None => None,
            };
            c.sp()?;
            let raw = c.astring()?;
            let name = decode_mailbox_name(&String::from_utf8_lossy(&raw));
            c.rest_of_line();
            Untagged::List {
                attributes,
                delimiter,
                name,
            }
        }
        _ => Untagged::Other(format!("{first} {}", c.rest_of_line())),
    })
}

/// Parses one complete frame (as delimited by [`frame_len`]).
pub fn parse_response(frame: &[u8]) -> Result<Response, ProtocolError> {
    let mut c = Cursor::new(frame);
    if c.eat(b'+') {
        c.eat(b' ');
        return Ok(Response::Continuation(c.rest_of_line()));
    }
    if c.eat(b'*') {
        c.sp()?;
        return parse_untagged(&mut c).map(Response::Untagged);
    }
    let tag = c.token()?.to_owned();
    c.sp()?;
    let status = match c.token()?.to_ascii_uppercase().as_str() {
        "OK" => Status::Ok,
        "NO" => Status::No,
        "BAD" => Status::Bad,
        other => return Err(malformed(c.i, format!("unknown status {other}"))),
    };
    c.eat(b' ');
    let (code, text) = resp_text(&mut c)?;
    Ok(Response::Tagged {
        tag,
        status,
        code,
        text,
    })
}

// ---------------------------------------------------------------------------
// Commands

/// Generates tags `A0001`, `A0002`…
#[derive(Debug, Default, Clone)]
pub struct TagGenerator {
    next: u32,
}

impl TagGenerator {
    /// A generator starting at `A0001`.
    pub fn new() -> Self {
        Self { next: 0 }
    }

    /// The next tag.
    pub fn next_tag(&mut self) -> String {
        self.next = self.next.wrapping_add(1);
        format!("A{:04}", self.next)
    }
}

const MUTF7: base64::alphabet::Alphabet = match base64::alphabet::Alphabet::new(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,",
) {
    Ok(a) => a,
    Err(_) => panic!("static alphabet"),
};
const MUTF7_ENGINE: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &MUTF7,
    base64::engine::GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireNone),
);

/// Encodes a folder name in modified UTF-7 (RFC 3501 §5.1.3).
pub fn encode_mailbox_name(name: &str) -> String {
    let mut out = String::new();
    let mut pending: Vec<u16> = Vec::new();
    let flush = |pending: &mut Vec<u16>, out: &mut String| {
        if !pending.is_empty() {
            let bytes: Vec<u8> = pending.iter().flat_map(|u| u.to_be_bytes()).collect();
            out.push('&');
            out.push_str(&MUTF7_ENGINE.encode(bytes));
            out.push('-');
            pending.clear();
        }
    };
    for ch in name.chars() {
        if (' '..='~').contains(&ch) {
            flush(&mut pending, &mut out);
            if ch == '&' {
                out.push_str("&-");
            } else {
                out.push(ch);
            }
        } else {
            let mut buf = [0u16; 2];
            pending.extend_from_slice(ch.encode_utf16(&mut buf));
        }
    }
    flush(&mut pending, &mut out);
    out
}

/// Decodes a modified UTF-7 folder name; undecodable runs are kept as is.
pub fn decode_mailbox_name(raw: &str) -> String {
    let mut out = String::new();
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let Some(dash) = after.find('-') else {
            out.push_str(&rest[amp..]);
            return out;
        };
        let run = &after[..dash];
        if run.is_empty() {
            out.push('&');
        } else {
            let decoded = MUTF7_ENGINE.decode(run).ok().and_then(|b| {
                if b.len() % 2 != 0 {
                    return None;
                }
                let units: Vec<u16> = b
                    .chunks(2)
                    .map(|p| u16::from_be_bytes([p[0], p[1]]))
                    .collect();
                String::from_utf16(&units).ok()
            });
            match decoded {
                Some(s) => out.push_str(&s),
                None => out.push_str(&rest[amp..amp + 1 + dash + 1]),
            }
        }
        rest = &after[dash + 1..];
    }
    out.push_str(rest);
    out
}

fn is_atom_char(b: u8) -> bool {
    b > b' ' && b < 0x7f && !b"(){%*\"\\]".contains(&b)
}

/// Encodes a string argument as an atom or a quoted string. Values that need
/// a literal (non-ASCII, CR/LF) are refused: MSSanté clients never need them
/// outside `APPEND`, which sends its literal itself.
pub fn quote(s: &str, what: &'static str) -> Result<String, ProtocolError> {
    if !s.is_empty() && s.bytes().all(is_atom_char) {
        return Ok(s.to_owned());
    }
    if s.bytes().all(|b| (b' '..=b'~').contains(&b)) {
        let mut q = String::with_capacity(s.len() + 2);
        q.push('"');
        for ch in s.chars() {
            if ch == '"' || ch == '\\' {
                q.push('\\');
            }
            q.push(ch);
        }
        q.push('"');
        return Ok(q);
    }
    Err(ProtocolError::Unencodable {
        protocol: Protocol::Imap,
        what,
        reason: "only printable ASCII can be sent without a literal",
    })
}

fn mailbox_arg(name: &str) -> Result<String, ProtocolError> {
    quote(&encode_mailbox_name(name), "folder name")
}

/// A set of UIDs (`1:5,7,9:*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UidSet(Vec<(u32, Option<u32>)>);

impl UidSet {
    /// One UID.
    pub fn single(uid: u32) -> Self {
        Self(vec![(uid, Some(uid))])
    }

    /// `from:to` inclusive.
    pub fn range(from: u32, to: u32) -> Self {
        Self(vec![(from, Some(to))])
    }

    /// `from:*`.
    pub fn from_onwards(from: u32) -> Self {
        Self(vec![(from, None)])
    }

    /// Several UIDs (consecutive ones are merged).
    pub fn of(uids: &[u32]) -> Self {
        let mut v: Vec<u32> = uids.to_vec();
        v.sort_unstable();
        v.dedup();
        let mut out: Vec<(u32, Option<u32>)> = Vec::new();
        for u in v {
            match out.last_mut() {
                Some((_, Some(end))) if end.checked_add(1) == Some(u) => *end = u,
                _ => out.push((u, Some(u))),
            }
        }
        Self(out)
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `uid` is in the set (`*` standing for `max_uid`).
    pub fn contains(&self, uid: u32, max_uid: u32) -> bool {
        self.0.iter().any(|&(a, b)| {
            let b = b.unwrap_or(max_uid);
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            (lo..=hi).contains(&uid)
        })
    }

    /// Parses `1:5,7,9:*` (simulator side).
    pub fn parse(s: &str) -> Option<Self> {
        let mut out = Vec::new();
        for part in s.split(',') {
            let num = |x: &str| -> Option<Option<u32>> {
                if x == "*" {
                    Some(None)
                } else {
                    x.parse().ok().map(Some)
                }
            };
            match part.split_once(':') {
                Some((a, b)) => {
                    let a = num(a)?.unwrap_or(u32::MAX);
                    out.push((a, num(b)?));
                }
                None => {
                    let a = num(part)?;
                    out.push((a.unwrap_or(u32::MAX), Some(a.unwrap_or(u32::MAX))));
                }
            }
        }
        Some(Self(out))
    }
}

impl fmt::Display for UidSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (a, b)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            match b {
                Some(b) if b == a => write!(f, "{a}")?,
                Some(b) => write!(f, "{a}:{b}")?,
                None => write!(f, "{a}:*")?,
            }
        }
        Ok(())
    }
}

/// A search criterion (RFC 3501 §6.4.4 subset).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SearchKey {
    /// `ALL`.
    All,
    /// `UNSEEN`.
    Unseen,
    /// `SEEN`.
    Seen,
    /// `UID set`.
    Uid(UidSet),
    /// `SINCE date` (internal date on or after).
    Since(time::Date),
    /// `HEADER name value` (substring).
    Header(String, String),
    /// `SUBJECT text` (substring).
    Subject(String),
    /// `FROM text` (substring).
    From(String),
    /// `NOT key`.
    Not(Box<SearchKey>),
    /// All of the keys.
    And(Vec<SearchKey>),
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

impl SearchKey {
    fn encode(&self, out: &mut String) -> Result<(), ProtocolError> {
        match self {
            Self::All => out.push_str("ALL"),
            Self::Unseen => out.push_str("UNSEEN"),
            Self::Seen => out.push_str("SEEN"),
            Self::Uid(set) => {
                out.push_str("UID ");
                out.push_str(&set.to_string());
            }
            Self::Since(d) => {
                out.push_str(&format!(
                    "SINCE {}-{}-{}",
                    d.day(),
                    MONTHS[usize::from(u8::from(d.month())) - 1],
                    d.year()
                ));
            }
            Self::Header(n, v) => {
                out.push_str("HEADER ");
                out.push_str(&quote(n, "header name")?);
                out.push(' ');
                out.push_str(&quote(v, "search text")?);
            }
            Self::Subject(v) => {
                out.push_str("SUBJECT ");
                out.push_str(&quote(v, "search text")?);
            }
            Self::From(v) => {
                out.push_str("FROM ");
                out.push_str(&quote(v, "search text")?);
            }
            Self::Not(k) => {
                out.push_str("NOT ");
                k.encode(out)?;
            }
            Self::And(keys) => {
                if keys.is_empty() {
                    out.push_str("ALL");
                }
                for (i, k) in keys.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    k.encode(out)?;
                }
            }
        }
        Ok(())
    }
}

/// Which parts of messages a `UID FETCH` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FetchItems {
    /// UID, flags, size, internal date and the whole message (without setting `\Seen`).
    Full,
    /// UID, flags, size and the header only.
    Header,
    /// UID and flags.
    Flags,
}

impl FetchItems {
    fn as_str(self) -> &'static str {
        match self {
            Self::Full => "(UID FLAGS RFC822.SIZE INTERNALDATE BODY.PEEK[])",
            Self::Header => "(UID FLAGS RFC822.SIZE BODY.PEEK[HEADER])",
            Self::Flags => "(UID FLAGS)",
        }
    }
}

/// How `UID STORE` changes flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreMode {
    /// `+FLAGS`.
    Add,
    /// `-FLAGS`.
    Remove,
    /// `FLAGS`.
    Replace,
}

/// An IMAP command.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Command {
    /// `CAPABILITY`.
    Capability,
    /// `NOOP`.
    Noop,
    /// `LOGOUT`.
    Logout,
    /// `STARTTLS`.
    StartTls,
    /// `AUTHENTICATE mech [initial-response]` (base64, SASL-IR).
    Authenticate {
        /// Mechanism name.
        mechanism: String,
        /// Base64 initial response (`=` for empty) when the server has SASL-IR.
        initial_response: Option<String>,
    },
    /// `SELECT folder`.
    Select(String),
    /// `EXAMINE folder`.
    Examine(String),
    /// `CREATE folder`.
    Create(String),
    /// `LIST reference pattern`.
    List {
        /// Reference.
        reference: String,
        /// Pattern (`*`).
        pattern: String,
    },
    /// `UID SEARCH key`.
    UidSearch(SearchKey),
    /// `UID FETCH set items`.
    UidFetch {
        /// UIDs.
        set: UidSet,
        /// Items.
        items: FetchItems,
    },
    /// `UID STORE set ±FLAGS[.SILENT] (flags)`.
    UidStore {
        /// UIDs.
        set: UidSet,
        /// Add / remove / replace.
        mode: StoreMode,
        /// Flags.
        flags: Vec<String>,
        /// `.SILENT`.
        silent: bool,
    },
    /// `UID EXPUNGE set` (RFC 4315 UIDPLUS).
    UidExpunge(UidSet),
    /// `EXPUNGE`.
    Expunge,
    /// `APPEND folder (flags) {n}`: the message is sent after the continuation.
    Append {
        /// Folder.
        folder: String,
        /// Flags.
        flags: Vec<String>,
        /// Message size.
        size: usize,
    },
    /// `CLOSE`.
    Close,
}

impl Command {
    /// A short name for errors and traces (never carries secrets).
    pub fn name(&self) -> String {
        match self {
            Self::Capability => "CAPABILITY".into(),
            Self::Noop => "NOOP".into(),
            Self::Logout => "LOGOUT".into(),
            Self::StartTls => "STARTTLS".into(),
            Self::Authenticate { mechanism, .. } => format!("AUTHENTICATE {mechanism}"),
            Self::Select(f) => format!("SELECT {f}"),
            Self::Examine(f) => format!("EXAMINE {f}"),
            Self::Create(f) => format!("CREATE {f}"),
            Self::List { .. } => "LIST".into(),
            Self::UidSearch(_) => "UID SEARCH".into(),
            Self::UidFetch { set, .. } => format!("UID FETCH {set}"),
            Self::UidStore { set, .. } => format!("UID STORE {set}"),
            Self::UidExpunge(set) => format!("UID EXPUNGE {set}"),
            Self::Expunge => "EXPUNGE".into(),
            Self::Append { folder, .. } => format!("APPEND {folder}"),
            Self::Close => "CLOSE".into(),
        }
    }

    /// The command line(s) with `tag`, CRLF-terminated. For `APPEND` this is
    /// the part up to the literal announcement.
    pub fn encode(&self, tag: &str) -> Result<Vec<u8>, ProtocolError> {
        let body = match self {
            Self::Capability => "CAPABILITY".to_owned(),
            Self::Noop => "NOOP".to_owned(),
            Self::Logout => "LOGOUT".to_owned(),
            Self::StartTls => "STARTTLS".to_owned(),
            Self::Authenticate {
                mechanism,
                initial_response,
            } => match initial_response {
                Some(ir) => format!("AUTHENTICATE {mechanism} {ir}"),
                None => format!("AUTHENTICATE {mechanism}"),
            },
            Self::Select(f) => format!("SELECT {}", mailbox_arg(f)?),
            Self::Examine(f) => format!("EXAMINE {}", mailbox_arg(f)?),
            Self::Create(f) => format!("CREATE {}", mailbox_arg(f)?),
            Self::List { reference, pattern } => {
                format!(
                    "LIST {} {}",
                    quote(reference, "reference")?,
                    quote(&encode_mailbox_name(pattern), "pattern")?
                )
            }
            Self::UidSearch(key) => {
                let mut s = "UID SEARCH ".to_owned();
                key.encode(&mut s)?;
                s
            }
            Self::UidFetch { set, items } => format!("UID FETCH {set} {}", items.as_str()),
            Self::UidStore {
                set,
                mode,
                flags,
                silent,
            } => {
                let op = match mode {
                    StoreMode::Add => "+FLAGS",
                    StoreMode::Remove => "-FLAGS",
                    StoreMode::Replace => "FLAGS",
                };
                let silent = if *silent { ".SILENT" } else { "" };
                format!("UID STORE {set} {op}{silent} ({})", flag_list(flags)?)
            }
            Self::UidExpunge(set) => format!("UID EXPUNGE {set}"),
            Self::Expunge => "EXPUNGE".to_owned(),
            Self::Append {
                folder,
                flags,
                size,
            } => {
                if flags.is_empty() {
                    format!("APPEND {} {{{size}}}", mailbox_arg(folder)?)
                } else {
                    format!(
                        "APPEND {} ({}) {{{size}}}",
                        mailbox_arg(folder)?,
                        flag_list(flags)?
                    )
                }
            }
            Self::Close => "CLOSE".to_owned(),
        };
        let mut out = Vec::with_capacity(tag.len() + body.len() + 3);
        out.extend_from_slice(tag.as_bytes());
        out.push(b' ');
        out.extend_from_slice(body.as_bytes());
        out.extend_from_slice(b"\r\n");
        Ok(out)
    }
}

fn flag_list(flags: &[String]) -> Result<String, ProtocolError> {
    for f in flags {
        let name = f.strip_prefix('\\').unwrap_or(f);
        if name.is_empty() || !name.bytes().all(is_atom_char) {
            return Err(ProtocolError::Unencodable {
                protocol: Protocol::Imap,
                what: "flag",
                reason: "flags are atoms",
            });
        }
    }
    Ok(flags.join(" "))
}

/// Whether a capability list holds `cap` (case-insensitive).
pub fn has_capability(caps: &[String], cap: &str) -> bool {
    caps.iter().any(|c| c.eq_ignore_ascii_case(cap))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(s: &str) -> Response {
        let b = s.as_bytes();
        let n = frame_len(b, DEFAULT_MAX_LITERAL)
            .unwrap()
            .expect("complete");
        assert_eq!(n, b.len(), "frame of {s:?}");
        parse_response(b).unwrap_or_else(|e| panic!("{s:?}: {e}"))
    }

    #[test]
    fn framing_waits_for_literals() {
        let full = b"* 1 FETCH (UID 7 BODY[] {5}\r\nhello)\r\nA1 OK done\r\n";
        for cut in 0..37 {
            assert_eq!(frame_len(&full[..cut], 1000).unwrap(), None, "cut {cut}");
        }
        assert_eq!(frame_len(full, 1000).unwrap(), Some(37));
        assert!(matches!(
            frame_len(b"* 1 FETCH (BODY[] {999999}\r\n", 1000),
            Err(ProtocolError::TooLarge { .. })
        ));
        let long = vec![b'a'; MAX_LINE + 10];
        assert!(frame_len(&long, 1000).is_err());
    }

    #[test]
    fn table_of_responses() {
        let cases: Vec<(&str, Response)> = vec![
            ("+ \r\n", Response::Continuation(String::new())),
            ("+\r\n", Response::Continuation(String::new())),
            (
                "+ eyJzdGF0dXMiOiI0MDEifQ==\r\n",
                Response::Continuation("eyJzdGF0dXMiOiI0MDEifQ==".into()),
            ),
            (
                "* OK [CAPABILITY IMAP4rev1 SASL-IR STARTTLS AUTH=XOAUTH2] Dovecot ready.\r\n",
                Response::Untagged(Untagged::Condition {
                    condition: Condition::Ok,
                    code: Some(Code::Capability(vec![
                        "IMAP4rev1".into(),
                        "SASL-IR".into(),
                        "STARTTLS".into(),
                        "AUTH=XOAUTH2".into(),
                    ])),
                    text: "Dovecot ready.".into(),
                }),
            ),
            (
                "* BYE Disconnected for inactivity.\r\n",
                Response::Untagged(Untagged::Condition {
                    condition: Condition::Bye,
                    code: None,
                    text: "Disconnected for inactivity.".into(),
                }),
            ),
            (
                "* CAPABILITY IMAP4rev1 AUTH=EXTERNAL\r\n",
                Response::Untagged(Untagged::Capability(vec![
                    "IMAP4rev1".into(),
                    "AUTH=EXTERNAL".into(),
                ])),
            ),
            ("* 23 EXISTS\r\n", Response::Untagged(Untagged::Exists(23))),
            ("* 0 RECENT\r\n", Response::Untagged(Untagged::Recent(0))),
            ("* 3 EXPUNGE\r\n", Response::Untagged(Untagged::Expunge(3))),
            (
                "* SEARCH 2 84 882\r\n",
                Response::Untagged(Untagged::Search(vec![2, 84, 882])),
            ),
            ("* SEARCH\r\n", Response::Untagged(Untagged::Search(vec![]))),
            (
                "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $MDNSent)\r\n",
                Response::Untagged(Untagged::Flags(vec![
                    "\\Answered".into(),
                    "\\Flagged".into(),
                    "\\Deleted".into(),
                    "\\Seen".into(),
                    "\\Draft".into(),
                    "$MDNSent".into(),
                ])),
            ),
            (
                "* LIST (\\HasNoChildren \\Sent) \"/\" \"Envoy&AOk-s\"\r\n",
                Response::Untagged(Untagged::List {
                    attributes: vec!["\\HasNoChildren".into(), "\\Sent".into()],
                    delimiter: Some('/'),
                    name: "Envoyés".into(),
                }),
            ),
            (
                "* LIST (\\Noselect) NIL INBOX\r\n",
                Response::Untagged(Untagged::List {
                    attributes: vec!["\\Noselect".into()],
                    delimiter: None,
                    name: "INBOX".into(),
                }),
            ),
            (
                "* OK [UIDVALIDITY 3857529045] UIDs valid\r\n",
                Response::Untagged(Untagged::Condition {
                    condition: Condition::Ok,
                    code: Some(Code::UidValidity(3857529045)),
                    text: "UIDs valid".into(),
                }),
            ),
            (
                "A0003 OK [READ-WRITE] SELECT completed\r\n",
                Response::Tagged {
                    tag: "A0003".into(),
                    status: Status::Ok,
                    code: Some(Code::ReadWrite),
                    text: "SELECT completed".into(),
                },
            ),
            (
                "A0004 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n",
                Response::Tagged {
                    tag: "A0004".into(),
                    status: Status::No,
                    code: Some(Code::AuthenticationFailed),
                    text: "Authentication failed.".into(),
                },
            ),
            (
                "A5 OK [APPENDUID 38505 3955] APPEND completed\r\n",
                Response::Tagged {
                    tag: "A5".into(),
                    status: Status::Ok,
                    code: Some(Code::AppendUid {
                        uid_validity: 38505,
                        uid: 3955,
                    }),
                    text: "APPEND completed".into(),
                },
            ),
            (
                "A6 BAD Error in IMAP command\r\n",
                Response::Tagged {
                    tag: "A6".into(),
                    status: Status::Bad,
                    code: None,
                    text: "Error in IMAP command".into(),
                },
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(one(input), expected, "{input:?}");
        }
    }

    #[test]
    fn fetch_responses() {
        let r = one(
            "* 12 FETCH (FLAGS (\\Seen) UID 4827 RFC822.SIZE 44 INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" BODY[] {10}\r\nSubject: x)\r\n",
        );
        let Response::Untagged(Untagged::Fetch { seq, data }) = r else {
            panic!("{r:?}")
        };
        assert_eq!(seq, 12);
        assert_eq!(data.uid, Some(4827));
        assert_eq!(data.size, Some(44));
        assert_eq!(data.flags.as_deref(), Some(&["\\Seen".to_owned()][..]));
        assert_eq!(data.body.as_deref(), Some(&b"Subject: x"[..]));
        assert_eq!(
            data.internal_date.as_deref(),
            Some("17-Jul-1996 02:44:25 -0700")
        );

        let r = one(
            "* 2 FETCH (UID 9 BODY[HEADER.FIELDS (SUBJECT)] {4}\r\nab\r\n ENVELOPE (\"d\" NIL ((NIL NIL \"a\" \"b.fr\")) NIL) MODSEQ (12) BODY[]<0> NIL)\r\n",
        );
        let Response::Untagged(Untagged::Fetch { data, .. }) = r else {
            panic!()
        };
        assert_eq!(data.uid, Some(9));
        assert_eq!(
            data.sections,
            vec![(
                "HEADER.FIELDS (SUBJECT)".to_owned(),
                Some(b"ab\r\n".to_vec())
            )]
        );
        assert_eq!(data.body, None);
    }

    #[test]
    fn malformed_responses_are_errors_not_panics() {
        for bad in [
            "A1 MAYBE ok\r\n",
            "* 1 FETCH (UID x)\r\n",
            "* 1 FETCH (UID 1\r\n",
            "* LIST (\\X \"/\" a\r\n",
            "* OK [UIDVALIDITY abc] x\r\n",
            "* 1 FETCH (BODY[] {50}\r\nshort)\r\n",
            "* SEARCH 1 x\r\n",
            "* FLAGS (\"unterminated)\r\n",
        ] {
            assert!(parse_response(bad.as_bytes()).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn commands_encode() {
        let t = "A0001";
        let enc = |c: Command| String::from_utf8(c.encode(t).unwrap()).unwrap();
        assert_eq!(enc(Command::Capability), "A0001 CAPABILITY\r\n");
        assert_eq!(
            enc(Command::Authenticate {
                mechanism: "XOAUTH2".into(),
                initial_response: Some("dXNlcg==".into())
            }),
            "A0001 AUTHENTICATE XOAUTH2 dXNlcg==\r\n"
        );
        assert_eq!(
            enc(Command::Select("INBOX".into())),
            "A0001 SELECT INBOX\r\n"
        );
        assert_eq!(
            enc(Command::Select("Envoyés".into())),
            "A0001 SELECT Envoy&AOk-s\r\n"
        );
        assert_eq!(
            enc(Command::Select("My Folder".into())),
            "A0001 SELECT \"My Folder\"\r\n"
        );
        assert_eq!(
            enc(Command::List {
                reference: String::new(),
                pattern: "*".into()
            }),
            "A0001 LIST \"\" \"*\"\r\n"
        );
        assert_eq!(
            enc(Command::UidSearch(SearchKey::And(vec![
                SearchKey::Unseen,
                SearchKey::Header("Message-ID".into(), "<a@b>".into())
            ]))),
            "A0001 UID SEARCH UNSEEN HEADER Message-ID <a@b>\r\n"
        );
        assert_eq!(
            enc(Command::UidSearch(SearchKey::Since(time::macros::date!(
                2024 - 02 - 01
            )))),
            "A0001 UID SEARCH SINCE 1-Feb-2024\r\n"
        );
        assert_eq!(
            enc(Command::UidFetch {
                set: UidSet::of(&[1, 2, 3, 7]),
                items: FetchItems::Full
            }),
            "A0001 UID FETCH 1:3,7 (UID FLAGS RFC822.SIZE INTERNALDATE BODY.PEEK[])\r\n"
        );
        assert_eq!(
            enc(Command::UidStore {
                set: UidSet::single(5),
                mode: StoreMode::Add,
                flags: vec!["\\Seen".into()],
                silent: true
            }),
            "A0001 UID STORE 5 +FLAGS.SILENT (\\Seen)\r\n"
        );
        assert_eq!(
            enc(Command::Append {
                folder: "Sent".into(),
                flags: vec!["\\Seen".into()],
                size: 12
            }),
            "A0001 APPEND Sent (\\Seen) {12}\r\n"
        );
        assert!(
            Command::UidSearch(SearchKey::Subject("é".into()))
                .encode(t)
                .is_err()
        );
        assert!(
            Command::UidSearch(SearchKey::Subject("a\r\nA2 LOGOUT".into()))
                .encode(t)
                .is_err()
        );
        assert!(
            Command::UidStore {
                set: UidSet::single(1),
                mode: StoreMode::Add,
                flags: vec!["a b".into()],
                silent: false
            }
            .encode(t)
            .is_err()
        );
    }

    #[test]
    fn mutf7_round_trip() {
        for (plain, enc) in [
            ("INBOX", "INBOX"),
            ("Envoyés", "Envoy&AOk-s"),
            ("a&b", "a&-b"),
            ("日本語", "&ZeVnLIqe-"),
            ("Éléments envoyés", "&AMk-l&AOk-ments envoy&AOk-s"),
        ] {
            assert_eq!(encode_mailbox_name(plain), enc);
            assert_eq!(decode_mailbox_name(enc), plain);
        }
        assert_eq!(decode_mailbox_name("bad&!!-x"), "bad&!!-x");
    }

    #[test]
    fn uid_sets() {
        assert_eq!(UidSet::of(&[5, 1, 2, 3, 9, 10]).to_string(), "1:3,5,9:10");
        assert_eq!(UidSet::from_onwards(4).to_string(), "4:*");
        let s = UidSet::parse("1:3,7,9:*").unwrap();
        assert!(s.contains(2, 20) && s.contains(7, 20) && s.contains(15, 20) && !s.contains(5, 20));
        assert!(UidSet::parse("a").is_none());
    }

    proptest::proptest! {
        #[test]
        fn parser_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            let _ = frame_len(&bytes, 1000);
            let _ = parse_response(&bytes);
        }

        #[test]
        fn mutf7_round_trips(s in "\\PC{0,20}") {
            proptest::prop_assert_eq!(decode_mailbox_name(&encode_mailbox_name(&s)), s);
        }
    }
}
