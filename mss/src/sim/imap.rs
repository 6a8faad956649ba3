//! The simulator's IMAP server side: reads commands with the same sans-IO
//! cursor as the client, and answers the subset an MSSanté client uses.

use std::sync::Arc;

use tokio::net::TcpStream;

use super::store::header_value;
use super::{Kill, ReadEvent, ServerConn, Shared};
use crate::address::MailAddress;
use crate::config::Security;
use crate::imap::proto::{
    Cursor, UidSet, decode_mailbox_name, encode_mailbox_name, literal_suffix,
};
use crate::sasl;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn internal_date(t: time::OffsetDateTime) -> String {
    format!(
        "{:02}-{}-{:04} {:02}:{:02}:{:02} +0000",
        t.day(),
        MONTHS[usize::from(u8::from(t.month())) - 1],
        t.year(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

enum State {
    NotAuthenticated,
    Authenticated(MailAddress),
}

struct Session {
    shared: Arc<Shared>,
    conn: ServerConn,
    state: State,
    selected: Option<(String, bool)>,
}

/// Reads one command frame, sending `+` for synchronising literals.
async fn read_command(conn: &mut ServerConn) -> std::io::Result<Result<Vec<u8>, ReadEvent>> {
    let mut acked: Vec<usize> = Vec::new();
    loop {
        let mut pos = 0;
        let mut complete = None;
        while let Some(rel) = conn.buf[pos..].windows(2).position(|w| w == b"\r\n") {
            let end = pos + rel;
            match literal_suffix(&conn.buf[pos..end]) {
                Some((n, nonsync)) => {
                    if n > 64 * 1024 * 1024 {
                        return Err(std::io::ErrorKind::InvalidData.into());
                    }
                    if !nonsync && !acked.contains(&end) {
                        acked.push(end);
                        conn.write(b"+ Ready for literal data\r\n").await?;
                    }
                    let next = end + 2 + n as usize;
                    if conn.buf.len() < next {
                        break;
                    }
                    pos = next;
                }
                None => {
                    complete = Some(end + 2);
                    break;
                }
            }
        }
        if let Some(n) = complete {
            return Ok(Ok(conn.buf.drain(..n).collect()));
        }
        if conn.buf.len() > 70 * 1024 * 1024 {
            return Err(std::io::ErrorKind::InvalidData.into());
        }
        match conn.read_more().await? {
            ReadEvent::Data => {}
            other => return Ok(Err(other)),
        }
    }
}

async fn read_line(conn: &mut ServerConn) -> std::io::Result<Option<String>> {
    loop {
        if let Some(p) = conn.buf.windows(2).position(|w| w == b"\r\n") {
            let line: Vec<u8> = conn.buf.drain(..p + 2).collect();
            return Ok(Some(String::from_utf8_lossy(&line[..p]).into_owned()));
        }
        match conn.read_more().await? {
            ReadEvent::Data => {}
            _ => return Ok(None),
        }
    }
}

pub(crate) async fn session(
    shared: Arc<Shared>,
    tcp: TcpStream,
    security: Security,
) -> std::io::Result<()> {
    let mut conn = ServerConn::new(tcp, &shared);
    if security == Security::ImplicitTls {
        let acceptor = shared.acceptor.clone();
        conn.tls(&acceptor).await?;
    }
    let mut s = Session {
        shared,
        conn,
        state: State::NotAuthenticated,
        selected: None,
    };
    let caps = s.capabilities();
    s.conn
        .write(
            format!("* OK [CAPABILITY {caps}] segur-mss operator simulator ready.\r\n").as_bytes(),
        )
        .await?;
    loop {
        let frame = match read_command(&mut s.conn).await {
            Ok(Ok(f)) => f,
            Ok(Err(ReadEvent::Idle)) => {
                let _ = s
                    .conn
                    .write(b"* BYE Disconnected for inactivity.\r\n")
                    .await;
                s.conn.close().await;
                return Ok(());
            }
            Ok(Err(ReadEvent::Killed(Kill::Cut(_)))) => {
                s.conn.cut();
                return Ok(());
            }
            Ok(Err(_)) => {
                let _ = s
                    .conn
                    .write(b"* BYE Session closed by the operator.\r\n")
                    .await;
                s.conn.close().await;
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        if !s.handle(&frame).await? {
            s.conn.close().await;
            return Ok(());
        }
    }
}

fn flags_text(flags: &[String]) -> String {
    flags.join(" ")
}

impl Session {
    fn capabilities(&self) -> String {
        let mut caps = vec![
            "IMAP4rev1",
            "SASL-IR",
            "UIDPLUS",
            "LITERAL+",
            "ENABLE",
            "ID",
        ];
        match (&self.state, self.conn.is_tls()) {
            (State::NotAuthenticated, false) => caps.extend(["STARTTLS", "LOGINDISABLED"]),
            (State::NotAuthenticated, true) => {
                caps.extend(["AUTH=XOAUTH2", "AUTH=OAUTHBEARER", "AUTH=EXTERNAL"])
            }
            _ => {}
        }
        caps.join(" ")
    }

    async fn reply(&mut self, text: String) -> std::io::Result<()> {
        self.conn.write(text.as_bytes()).await
    }

    /// Handles one command; `false` ends the session.
    async fn handle(&mut self, frame: &[u8]) -> std::io::Result<bool> {
        let mut c = Cursor::new(frame);
        let Ok(tag) = c.token().map(str::to_owned) else {
            self.reply("* BAD Missing tag\r\n".into()).await?;
            return Ok(true);
        };
        if c.sp().is_err() {
            self.reply(format!("{tag} BAD Missing command\r\n")).await?;
            return Ok(true);
        }
        let Ok(mut name) = c.token().map(str::to_ascii_uppercase) else {
            self.reply(format!("{tag} BAD Missing command\r\n")).await?;
            return Ok(true);
        };
        if name == "UID" {
            let sub = c
                .sp()
                .ok()
                .and_then(|_| c.token().ok())
                .map(str::to_ascii_uppercase)
                .unwrap_or_default();
            name = format!("UID {sub}");
        }
        match self.dispatch(&tag, &name, &mut c).await {
            Ok(keep) => Ok(keep),
            Err(Failure::Bad(msg)) => {
                self.reply(format!("{tag} BAD {msg}\r\n")).await?;
                Ok(true)
            }
            Err(Failure::Io(e)) => Err(e),
        }
    }

    async fn dispatch(
        &mut self,
        tag: &str,
        name: &str,
        c: &mut Cursor<'_>,
    ) -> Result<bool, Failure> {
        let authenticated = matches!(self.state, State::Authenticated(_));
        match name {
            "CAPABILITY" => {
                let caps = self.capabilities();
                self.reply(format!(
                    "* CAPABILITY {caps}\r\n{tag} OK Capability completed.\r\n"
                ))
                .await?;
            }
            "NOOP" => {
                if let Some((folder, _)) = self.selected.clone() {
                    let n = self.folder_messages(&folder).len();
                    self.reply(format!("* {n} EXISTS\r\n")).await?;
                }
                self.reply(format!("{tag} OK NOOP completed.\r\n")).await?;
            }
            "LOGOUT" => {
                self.reply(format!(
                    "* BYE Logging out\r\n{tag} OK Logout completed.\r\n"
                ))
                .await?;
                return Ok(false);
            }
            "STARTTLS" if !self.conn.is_tls() => {
                self.reply(format!("{tag} OK Begin TLS negotiation now.\r\n"))
                    .await?;
                let acceptor = self.shared.acceptor.clone();
                self.conn.tls(&acceptor).await?;
            }
            "LOGIN" => {
                self.reply(format!(
                    "{tag} NO [PRIVACYREQUIRED] Plaintext authentication disallowed.\r\n"
                ))
                .await?
            }
            "AUTHENTICATE" if !authenticated => self.authenticate(tag, c).await?,
            "SELECT" | "EXAMINE" if authenticated => {
                c.sp().map_err(bad)?;
                let folder =
                    decode_mailbox_name(&String::from_utf8_lossy(&c.astring().map_err(bad)?));
                let Some((canonical, uid_validity, next_uid, exists, unseen)) =
                    self.folder_info(&folder)
                else {
                    self.selected = None;
                    self.reply(format!(
                        "{tag} NO [NONEXISTENT] Mailbox doesn't exist: {folder}\r\n"
                    ))
                    .await?;
                    return Ok(true);
                };
                let ro = name == "EXAMINE";
                self.selected = Some((canonical, ro));
                let mut out = format!(
                    "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $MDNSent)\r\n* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $MDNSent \\*)] Flags permitted.\r\n* {exists} EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY {uid_validity}] UIDs valid\r\n* OK [UIDNEXT {next_uid}] Predicted next UID\r\n"
                );
                if let Some(u) = unseen {
                    out.push_str(&format!("* OK [UNSEEN {u}] First unseen.\r\n"));
                }
                out.push_str(&format!(
                    "{tag} OK [{}] {name} completed.\r\n",
                    if ro { "READ-ONLY" } else { "READ-WRITE" }
                ));
                self.reply(out).await?;
            }
            "CREATE" if authenticated => {
                c.sp().map_err(bad)?;
                let folder =
                    decode_mailbox_name(&String::from_utf8_lossy(&c.astring().map_err(bad)?));
                let ok = self
                    .with_user(|st, u| st.create_folder(u, &folder))
                    .unwrap_or(false);
                self.reply(if ok {
                    format!("{tag} OK Create completed.\r\n")
                } else {
                    format!("{tag} NO [ALREADYEXISTS] Mailbox exists.\r\n")
                })
                .await?;
            }
            "LIST" if authenticated => {
                let names = self
                    .with_user(|st, u| st.folder_names(u))
                    .unwrap_or_default();
                let mut out = String::new();
                for n in names {
                    let attr = match n.as_str() {
                        "Sent" => "\\HasNoChildren \\Sent",
                        "Drafts" => "\\HasNoChildren \\Drafts",
                        "Trash" => "\\HasNoChildren \\Trash",
                        _ => "\\HasNoChildren",
                    };
                    out.push_str(&format!(
                        "* LIST ({attr}) \"/\" \"{}\"\r\n",
                        encode_mailbox_name(&n)
                    ));
                }
                out.push_str(&format!("{tag} OK List completed.\r\n"));
                self.reply(out).await?;
            }
            "APPEND" if authenticated => {
                c.sp().map_err(bad)?;
                let folder =
                    decode_mailbox_name(&String::from_utf8_lossy(&c.astring().map_err(bad)?));
                c.sp().map_err(bad)?;
                let mut flags = Vec::new();
                if c.peek() == Some(b'(') {
                    flags = c.atom_list().map_err(bad)?;
                    c.sp().map_err(bad)?;
                }
                if c.peek() == Some(b'"') {
                    c.quoted().map_err(bad)?;
                    c.sp().map_err(bad)?;
                }
                let data = c.literal().map_err(bad)?.to_vec();
                let uid = self
                    .with_user(|st, u| st.deliver(u, &folder, data, flags))
                    .flatten();
                let validity = self.folder_info(&folder).map(|i| i.1);
                match (uid, validity) {
                    (Some(uid), Some(v)) => {
                        self.reply(format!(
                            "{tag} OK [APPENDUID {v} {uid}] Append completed.\r\n"
                        ))
                        .await?
                    }
                    _ => {
                        self.reply(format!(
                            "{tag} NO [TRYCREATE] Mailbox doesn't exist: {folder}\r\n"
                        ))
                        .await?
                    }
                }
            }
            "UID SEARCH" | "UID FETCH" | "UID STORE" | "UID EXPUNGE" | "EXPUNGE" | "CLOSE"
                if authenticated =>
            {
                let Some((folder, read_only)) = self.selected.clone() else {
                    self.reply(format!("{tag} BAD No mailbox selected.\r\n"))
                        .await?;
                    return Ok(true);
                };
                self.selected_command(tag, name, &folder, read_only, c)
                    .await?;
            }
            _ if !authenticated && !matches!(name, "AUTHENTICATE" | "STARTTLS") => {
                self.reply(format!("{tag} BAD Not authenticated.\r\n"))
                    .await?;
            }
            _ => {
                self.reply(format!(
                    "{tag} BAD Unknown or unexpected command {name}.\r\n"
                ))
                .await?
            }
        }
        Ok(true)
    }

    fn with_user<T>(
        &self,
        f: impl FnOnce(&mut super::store::Store, &MailAddress) -> T,
    ) -> Option<T> {
        let State::Authenticated(user) = &self.state else {
            return None;
        };
        let mut st = self.shared.store();
        Some(f(&mut st, user))
    }

    fn folder_info(&self, folder: &str) -> Option<(String, u32, u32, usize, Option<usize>)> {
        self.with_user(|st, u| {
            let names = st.folder_names(u);
            let canonical = names.into_iter().find(|n| {
                n == folder
                    || (n.eq_ignore_ascii_case("INBOX") && folder.eq_ignore_ascii_case("INBOX"))
            })?;
            let f = st.folder_mut(u, &canonical)?;
            let unseen = f
                .messages
                .iter()
                .position(|m| !m.flags.iter().any(|x| x == "\\Seen"))
                .map(|p| p + 1);
            Some((
                canonical,
                f.uid_validity,
                f.next_uid,
                f.messages.len(),
                unseen,
            ))
        })
        .flatten()
    }

    fn folder_messages(&self, folder: &str) -> Vec<super::SimMessage> {
        self.with_user(|st, u| st.messages(u, folder))
            .unwrap_or_default()
    }

    async fn authenticate(&mut self, tag: &str, c: &mut Cursor<'_>) -> Result<(), Failure> {
        c.sp().map_err(bad)?;
        let mech = c.token().map_err(bad)?.to_ascii_uppercase();
        if !self.conn.is_tls() {
            self.reply(format!(
                "{tag} NO [PRIVACYREQUIRED] Authentication requires TLS.\r\n"
            ))
            .await?;
            return Ok(());
        }
        let initial = if c.eat(b' ') {
            c.token().map_err(bad)?.to_owned()
        } else {
            self.reply("+ \r\n".into()).await?;
            match read_line(&mut self.conn).await? {
                Some(l) => l,
                None => return Err(Failure::Io(std::io::ErrorKind::UnexpectedEof.into())),
            }
        };
        if initial == "*" {
            self.reply(format!("{tag} BAD Authentication aborted.\r\n"))
                .await?;
            return Ok(());
        }
        let Some(raw) = sasl::decode(&initial) else {
            self.reply(format!("{tag} BAD Invalid base64 data.\r\n"))
                .await?;
            return Ok(());
        };
        let user = match mech.as_str() {
            "XOAUTH2" | "OAUTHBEARER" => {
                let creds = if mech == "XOAUTH2" {
                    sasl::parse_xoauth2(&raw)
                } else {
                    sasl::parse_oauthbearer(&raw)
                };
                match creds.and_then(|c| self.shared.check_token(&c.user, &c.token)) {
                    Some(u) => Some(u),
                    None => {
                        // RFC 7628 §3.2.2 error challenge, then the final NO.
                        let err = sasl::encode_response(
                            br#"{"status":"invalid_token","schemes":"bearer","scope":"openid"}"#,
                        );
                        self.reply(format!("+ {err}\r\n")).await?;
                        let _ = read_line(&mut self.conn).await?;
                        None
                    }
                }
            }
            "EXTERNAL" => {
                let authzid = String::from_utf8_lossy(&raw).into_owned();
                let peer = self.conn.peer_certificates();
                let subject = Shared::certificate_subject(peer.as_deref());
                subject.and_then(|s| {
                    let wanted = if authzid.is_empty() {
                        self.shared.default_mailbox(&s)?
                    } else {
                        MailAddress::parse(&authzid).ok()?
                    };
                    (self.shared.may_open(&s, &wanted) && self.shared.store().has_account(&wanted))
                        .then_some(wanted)
                })
            }
            _ => {
                self.reply(format!(
                    "{tag} NO Unsupported authentication mechanism.\r\n"
                ))
                .await?;
                return Ok(());
            }
        };
        match user {
            Some(u) => {
                self.state = State::Authenticated(u);
                self.shared.stats().imap_logins += 1;
                let caps = self.capabilities();
                self.reply(format!("{tag} OK [CAPABILITY {caps}] Logged in\r\n"))
                    .await?;
            }
            None => {
                self.shared.stats().imap_login_failures += 1;
                self.reply(format!(
                    "{tag} NO [AUTHENTICATIONFAILED] Authentication failed.\r\n"
                ))
                .await?;
            }
        }
        Ok(())
    }

    async fn selected_command(
        &mut self,
        tag: &str,
        name: &str,
        folder: &str,
        read_only: bool,
        c: &mut Cursor<'_>,
    ) -> Result<(), Failure> {
        let messages = self.folder_messages(folder);
        let max_uid = messages.last().map(|m| m.uid).unwrap_or(0);
        match name {
            "UID SEARCH" => {
                let mut keys = Vec::new();
                while c.eat(b' ') {
                    keys.push(parse_key(c).map_err(bad)?);
                }
                let found: Vec<String> = messages
                    .iter()
                    .filter(|m| keys.iter().all(|k| k.matches(m, max_uid)))
                    .map(|m| m.uid.to_string())
                    .collect();
                let sep = if found.is_empty() { "" } else { " " };
                self.reply(format!(
                    "* SEARCH{sep}{}\r\n{tag} OK Search completed.\r\n",
                    found.join(" ")
                ))
                .await?;
            }
            "UID FETCH" => {
                c.sp().map_err(bad)?;
                let set = UidSet::parse(c.token().map_err(bad)?)
                    .ok_or_else(|| Failure::Bad("bad UID set".into()))?;
                let items = String::from_utf8_lossy(&c_rest(c)).to_ascii_uppercase();
                let whole = items.contains("BODY.PEEK[]")
                    || items.contains("BODY[]")
                    || items.contains("RFC822)")
                    || items.contains("RFC822 ");
                let header_only =
                    items.contains("BODY.PEEK[HEADER]") || items.contains("BODY[HEADER]");
                let marks_seen = (items.contains("BODY[]") || items.contains("RFC822"))
                    && !items.contains("PEEK")
                    && !read_only;
                for (i, m) in messages.iter().enumerate() {
                    if !set.contains(m.uid, max_uid) {
                        continue;
                    }
                    let mut flags = m.flags.clone();
                    if marks_seen && !flags.iter().any(|f| f == "\\Seen") {
                        flags.push("\\Seen".into());
                        self.with_user(|st, u| {
                            if let Some(f) = st.folder_mut(u, folder) {
                                if let Some(x) = f.messages.iter_mut().find(|x| x.uid == m.uid) {
                                    x.flags = flags.clone();
                                }
                            }
                        });
                    }
                    let mut out = format!(
                        "* {} FETCH (UID {} FLAGS ({}) RFC822.SIZE {} INTERNALDATE \"{}\"",
                        i + 1,
                        m.uid,
                        flags_text(&flags),
                        m.raw.len(),
                        internal_date(m.internal_date)
                    )
                    .into_bytes();
                    if whole {
                        out.extend_from_slice(
                            format!(" BODY[] {{{}}}\r\n", m.raw.len()).as_bytes(),
                        );
                        out.extend_from_slice(&m.raw);
                    } else if header_only {
                        let end = m
                            .raw
                            .windows(4)
                            .position(|w| w == b"\r\n\r\n")
                            .map(|p| p + 4)
                            .unwrap_or(m.raw.len());
                        out.extend_from_slice(format!(" BODY[HEADER] {{{end}}}\r\n").as_bytes());
                        out.extend_from_slice(&m.raw[..end]);
                    }
                    out.extend_from_slice(b")\r\n");
                    self.conn.write(&out).await?;
                }
                self.reply(format!("{tag} OK Fetch completed.\r\n")).await?;
            }
            "UID STORE" => {
                c.sp().map_err(bad)?;
                let set = UidSet::parse(c.token().map_err(bad)?)
                    .ok_or_else(|| Failure::Bad("bad UID set".into()))?;
                c.sp().map_err(bad)?;
                let op = c.token().map_err(bad)?.to_ascii_uppercase();
                c.sp().map_err(bad)?;
                let flags = if c.peek() == Some(b'(') {
                    c.atom_list().map_err(bad)?
                } else {
                    vec![c.token().map_err(bad)?.to_owned()]
                };
                if read_only {
                    self.reply(format!("{tag} NO Mailbox is read-only.\r\n"))
                        .await?;
                    return Ok(());
                }
                let silent = op.ends_with(".SILENT");
                let mut updates = Vec::new();
                self.with_user(|st, u| {
                    if let Some(f) = st.folder_mut(u, folder) {
                        for (i, m) in f.messages.iter_mut().enumerate() {
                            if !set.contains(m.uid, max_uid) {
                                continue;
                            }
                            if op.starts_with('+') {
                                for fl in &flags {
                                    if !m.flags.contains(fl) {
                                        m.flags.push(fl.clone());
                                    }
                                }
                            } else if op.starts_with('-') {
                                m.flags.retain(|x| !flags.contains(x));
                            } else {
                                m.flags = flags.clone();
                            }
                            updates.push((i + 1, m.uid, m.flags.clone()));
                        }
                    }
                });
                let mut out = String::new();
                if !silent {
                    for (seq, uid, fl) in updates {
                        out.push_str(&format!(
                            "* {seq} FETCH (UID {uid} FLAGS ({}))\r\n",
                            flags_text(&fl)
                        ));
                    }
                }
                out.push_str(&format!("{tag} OK Store completed.\r\n"));
                self.reply(out).await?;
            }
            "UID EXPUNGE" | "EXPUNGE" | "CLOSE" => {
                let set = if name == "UID EXPUNGE" {
                    c.sp().map_err(bad)?;
                    Some(
                        UidSet::parse(c.token().map_err(bad)?)
                            .ok_or_else(|| Failure::Bad("bad UID set".into()))?,
                    )
                } else {
                    None
                };
                let mut expunged = Vec::new();
                if !read_only {
                    self.with_user(|st, u| {
                        if let Some(f) = st.folder_mut(u, folder) {
                            let mut seq = 1;
                            f.messages.retain(|m| {
                                let gone = m.flags.iter().any(|x| x == "\\Deleted")
                                    && set.as_ref().is_none_or(|s| s.contains(m.uid, max_uid));
                                if gone {
                                    expunged.push(seq);
                                } else {
                                    seq += 1;
                                }
                                !gone
                            });
                        }
                    });
                }
                let mut out = String::new();
                if name != "CLOSE" {
                    for s in expunged {
                        out.push_str(&format!("* {s} EXPUNGE\r\n"));
                    }
                } else {
                    self.selected = None;
                }
                out.push_str(&format!("{tag} OK {name} completed.\r\n"));
                self.reply(out).await?;
            }
            _ => {
                self.reply(format!("{tag} BAD Unknown command.\r\n"))
                    .await?
            }
        }
        Ok(())
    }
}

fn c_rest(c: &mut Cursor<'_>) -> Vec<u8> {
    c.rest_of_line().into_bytes()
}

enum Failure {
    Bad(String),
    Io(std::io::Error),
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}

fn bad(e: crate::error::ProtocolError) -> Failure {
    Failure::Bad(e.to_string())
}

enum Key {
    All,
    Seen(bool),
    Uid(UidSet),
    Since(time::Date),
    Header(String, String),
    Not(Box<Key>),
}

impl Key {
    fn matches(&self, m: &super::SimMessage, max_uid: u32) -> bool {
        match self {
            Self::All => true,
            Self::Seen(s) => m.flags.iter().any(|f| f == "\\Seen") == *s,
            Self::Uid(set) => set.contains(m.uid, max_uid),
            Self::Since(d) => m.internal_date.date() >= *d,
            Self::Header(n, v) => header_value(&m.raw, n)
                .is_some_and(|h| h.to_lowercase().contains(&v.to_lowercase())),
            Self::Not(k) => !k.matches(m, max_uid),
        }
    }
}

fn parse_key(c: &mut Cursor<'_>) -> Result<Key, crate::error::ProtocolError> {
    let word = c.token()?.to_ascii_uppercase();
    let text = |c: &mut Cursor<'_>| -> Result<String, crate::error::ProtocolError> {
        c.sp()?;
        Ok(String::from_utf8_lossy(&c.astring()?).into_owned())
    };
    Ok(match word.as_str() {
        "ALL" => Key::All,
        "SEEN" => Key::Seen(true),
        "UNSEEN" => Key::Seen(false),
        "UID" => {
            c.sp()?;
            let t = c.token()?;
            Key::Uid(
                UidSet::parse(t).ok_or(crate::error::ProtocolError::Malformed {
                    protocol: crate::error::Protocol::Imap,
                    at: c.i,
                    reason: "bad UID set".into(),
                })?,
            )
        }
        "SINCE" => {
            let t = text(c)?;
            let fmt =
                time::macros::format_description!("[day padding:none]-[month repr:short]-[year]");
            Key::Since(time::Date::parse(&t, fmt).map_err(|_| {
                crate::error::ProtocolError::Malformed {
                    protocol: crate::error::Protocol::Imap,
                    at: c.i,
                    reason: "bad date".into(),
                }
            })?)
        }
        "HEADER" => {
            let n = text(c)?;
            let v = text(c)?;
            Key::Header(n, v)
        }
        "SUBJECT" => Key::Header("Subject".into(), text(c)?),
        "FROM" => Key::Header("From".into(), text(c)?),
        "NOT" => {
            c.sp()?;
            Key::Not(Box::new(parse_key(c)?))
        }
        _ => Key::All,
    })
}
