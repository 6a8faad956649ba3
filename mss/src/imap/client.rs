//! The tokio IMAP client: the standard connection sequence (greeting,
//! STARTTLS, CAPABILITY, AUTHENTICATE, CAPABILITY) and the commands an
//! MSSanté client needs, over the sans-IO [`proto`] core.

use std::sync::Arc;

use crate::config::{Security, ServerEndpoint, Timeouts};
use crate::error::{AuthError, ConnectionError, Error, Protocol, ProtocolError, Result};
use crate::imap::proto::{
    self, Code, Command, Condition, FetchData, FetchItems, Response, SearchKey, Status, StoreMode,
    TagGenerator, UidSet, Untagged, has_capability,
};
use crate::net::Conn;
use crate::sasl::{self, Mechanism};

/// A folder, as `LIST` gives it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Folder {
    /// Decoded name.
    pub name: String,
    /// Attributes (`\Sent`, `\Noselect`…).
    pub attributes: Vec<String>,
    /// Hierarchy delimiter.
    pub delimiter: Option<char>,
}

/// What `SELECT` says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SelectInfo {
    /// Folder name.
    pub name: String,
    /// Messages in the folder.
    pub exists: u32,
    /// UIDVALIDITY.
    pub uid_validity: Option<u32>,
    /// UIDNEXT.
    pub uid_next: Option<u32>,
}

/// The end of a command.
#[derive(Debug, Clone)]
pub struct CommandResult {
    /// Untagged responses received meanwhile.
    pub untagged: Vec<Untagged>,
    /// Code of the tagged response.
    pub code: Option<Code>,
    /// Text of the tagged response.
    pub text: String,
}

/// An authenticated or not-yet-authenticated IMAP session.
pub struct ImapClient {
    conn: Conn,
    tags: TagGenerator,
    caps: Vec<String>,
    max_literal: u64,
    selected: Option<SelectInfo>,
    bye: Option<String>,
}

impl std::fmt::Debug for ImapClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImapClient")
            .field("endpoint", &self.conn.endpoint())
            .field("tls", &self.conn.is_tls())
            .field("selected", &self.selected.as_ref().map(|s| &s.name))
            .finish()
    }
}

impl ImapClient {
    /// Connects: TCP, TLS (implicit, or STARTTLS which must be offered),
    /// greeting and capabilities. Not authenticated yet.
    pub async fn connect(
        endpoint: &ServerEndpoint,
        tls: Arc<rustls::ClientConfig>,
        timeouts: Timeouts,
        max_literal: u64,
    ) -> Result<Self> {
        let conn = Conn::open(endpoint, &tls, timeouts.connect, timeouts.command).await?;
        let mut c = Self {
            conn,
            tags: TagGenerator::new(),
            caps: Vec::new(),
            max_literal,
            selected: None,
            bye: None,
        };
        match c.read_response().await? {
            Response::Untagged(Untagged::Condition {
                condition: Condition::Ok | Condition::PreAuth,
                code,
                ..
            }) => {
                if let Some(Code::Capability(caps)) = code {
                    c.caps = caps;
                }
            }
            Response::Untagged(Untagged::Condition {
                condition: Condition::Bye,
                text,
                ..
            }) => {
                return Err(ConnectionError::Bye(text).into());
            }
            other => {
                return Err(ProtocolError::Malformed {
                    protocol: Protocol::Imap,
                    at: 0,
                    reason: format!("unexpected greeting {other:?}"),
                }
                .into());
            }
        }
        if endpoint.security == Security::StartTls {
            if c.caps.is_empty() {
                c.refresh_capabilities().await?;
            }
            if !has_capability(&c.caps, "STARTTLS") {
                return Err(ConnectionError::StartTlsUnavailable {
                    endpoint: endpoint.to_string(),
                }
                .into());
            }
            c.run(&Command::StartTls).await?;
            c.conn = c
                .conn
                .upgrade(tls, endpoint.server_name(), timeouts.connect)
                .await?;
            // Capabilities seen before TLS must be forgotten (RFC 3501 §6.2.1).
            c.caps.clear();
        }
        if c.caps.is_empty() {
            c.refresh_capabilities().await?;
        }
        Ok(c)
    }

    /// The server's current capabilities.
    pub fn capabilities(&self) -> &[String] {
        &self.caps
    }

    /// Whether the connection is encrypted.
    pub fn is_tls(&self) -> bool {
        self.conn.is_tls()
    }

    /// The folder currently selected.
    pub fn selected(&self) -> Option<&SelectInfo> {
        self.selected.as_ref()
    }

    async fn refresh_capabilities(&mut self) -> Result<()> {
        let r = self.run(&Command::Capability).await?;
        for u in r.untagged {
            if let Untagged::Capability(c) = u {
                self.caps = c;
            }
        }
        Ok(())
    }

    async fn read_response(&mut self) -> Result<Response> {
        loop {
            if let Some(n) = proto::frame_len(&self.conn.buf, self.max_literal)? {
                let frame: Vec<u8> = self.conn.buf.drain(..n).collect();
                return Ok(proto::parse_response(&frame)?);
            }
            if let Err(e) = self.conn.read_more().await {
                // A BYE followed by EOF is an orderly close by the operator.
                return Err(match (e, self.bye.take()) {
                    (ConnectionError::Closed, Some(text)) => ConnectionError::Bye(text).into(),
                    (e, _) => e.into(),
                });
            }
        }
    }

    async fn send(&mut self, cmd: &Command) -> Result<String> {
        let tag = self.tags.next_tag();
        let line = cmd.encode(&tag)?;
        self.conn.write_all(&line).await?;
        Ok(tag)
    }

    async fn finish(&mut self, tag: &str, name: &str) -> Result<CommandResult> {
        let mut untagged = Vec::new();
        loop {
            match self.read_response().await? {
                Response::Tagged {
                    tag: t,
                    status,
                    code,
                    text,
                } if t == tag => {
                    return match status {
                        Status::Ok => Ok(CommandResult {
                            untagged,
                            code,
                            text,
                        }),
                        Status::No | Status::Bad => Err(ProtocolError::Refused {
                            protocol: Protocol::Imap,
                            command: name.to_owned(),
                            reply: format!(
                                "{}{text}",
                                if status == Status::Bad { "BAD " } else { "NO " }
                            ),
                        }
                        .into()),
                    };
                }
                Response::Untagged(Untagged::Condition {
                    condition: Condition::Bye,
                    text,
                    ..
                }) => {
                    // Keep reading: the tagged answer or EOF follows.
                    self.bye = Some(text);
                }
                Response::Untagged(u) => untagged.push(u),
                Response::Tagged { .. } | Response::Continuation(_) => {}
            }
        }
    }

    /// Runs a command that needs no continuation.
    pub async fn run(&mut self, cmd: &Command) -> Result<CommandResult> {
        let tag = self.send(cmd).await?;
        self.finish(&tag, &cmd.name()).await
    }

    /// SASL authentication (refused without TLS, or when the server does not
    /// offer the mechanism). `initial` is the raw client message.
    pub async fn authenticate(
        &mut self,
        mechanism: Mechanism,
        initial: &[u8],
        user: &str,
    ) -> Result<()> {
        if !self.conn.is_tls() {
            return Err(AuthError::NotEncrypted.into());
        }
        let name = mechanism.name();
        if !has_capability(&self.caps, &format!("AUTH={name}")) {
            return Err(AuthError::MechanismNotOffered {
                protocol: Protocol::Imap,
                mechanism: name.into(),
                offered: self
                    .caps
                    .iter()
                    .filter(|c| c.to_ascii_uppercase().starts_with("AUTH="))
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" "),
            }
            .into());
        }
        let sasl_ir = has_capability(&self.caps, "SASL-IR");
        let cmd = Command::Authenticate {
            mechanism: name.into(),
            initial_response: sasl_ir.then(|| sasl::encode_initial(initial)),
        };
        let tag = self.send(&cmd).await?;
        let mut sent_initial = sasl_ir;
        let mut error_status: Option<String> = None;
        loop {
            match self.read_response().await? {
                Response::Continuation(challenge) => {
                    if !sent_initial {
                        let line = format!("{}\r\n", sasl::encode_response(initial));
                        self.conn.write_all(line.as_bytes()).await?;
                        sent_initial = true;
                    } else {
                        // An error challenge: acknowledge to get the final NO.
                        error_status = Some(sasl::challenge_error(&challenge));
                        let line = format!("{}\r\n", sasl::encode_response(mechanism.error_ack()));
                        self.conn.write_all(line.as_bytes()).await?;
                    }
                }
                Response::Tagged {
                    tag: t,
                    status,
                    code,
                    text,
                } if t == tag => {
                    if status == Status::Ok {
                        self.caps.clear();
                        if let Some(Code::Capability(c)) = code {
                            self.caps = c;
                        } else {
                            self.refresh_capabilities().await?;
                        }
                        return Ok(());
                    }
                    let reply = match error_status {
                        Some(s) => format!("{text} ({s})"),
                        None => text,
                    };
                    return Err(AuthError::Rejected {
                        protocol: Protocol::Imap,
                        user: user.to_owned(),
                        mechanism: name.into(),
                        reply,
                    }
                    .into());
                }
                Response::Untagged(Untagged::Condition {
                    condition: Condition::Bye,
                    text,
                    ..
                }) => self.bye = Some(text),
                _ => {}
            }
        }
    }

    /// `SELECT` (skipped when already selected).
    pub async fn select(&mut self, folder: &str) -> Result<SelectInfo> {
        if let Some(s) = &self.selected {
            if s.name == folder {
                return Ok(s.clone());
            }
        }
        self.selected = None;
        let r = self.run(&Command::Select(folder.to_owned())).await?;
        let mut info = SelectInfo {
            name: folder.to_owned(),
            ..Default::default()
        };
        for u in r.untagged {
            match u {
                Untagged::Exists(n) => info.exists = n,
                Untagged::Condition {
                    code: Some(Code::UidValidity(v)),
                    ..
                } => info.uid_validity = Some(v),
                Untagged::Condition {
                    code: Some(Code::UidNext(v)),
                    ..
                } => info.uid_next = Some(v),
                _ => {}
            }
        }
        self.selected = Some(info.clone());
        Ok(info)
    }

    /// `LIST "" "*"`.
    pub async fn list(&mut self) -> Result<Vec<Folder>> {
        let r = self
            .run(&Command::List {
                reference: String::new(),
                pattern: "*".into(),
            })
            .await?;
        Ok(r.untagged
            .into_iter()
            .filter_map(|u| match u {
                Untagged::List {
                    attributes,
                    delimiter,
                    name,
                } => Some(Folder {
                    name,
                    attributes,
                    delimiter,
                }),
                _ => None,
            })
            .collect())
    }

    /// `UID SEARCH`.
    pub async fn uid_search(&mut self, key: SearchKey) -> Result<Vec<u32>> {
        let r = self.run(&Command::UidSearch(key)).await?;
        let mut out = Vec::new();
        for u in r.untagged {
            if let Untagged::Search(v) = u {
                out.extend(v);
            }
        }
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }

    /// `UID FETCH`; only responses carrying a UID are returned.
    pub async fn uid_fetch(&mut self, set: UidSet, items: FetchItems) -> Result<Vec<FetchData>> {
        if set.is_empty() {
            return Ok(Vec::new());
        }
        let r = self.run(&Command::UidFetch { set, items }).await?;
        Ok(r.untagged
            .into_iter()
            .filter_map(|u| match u {
                Untagged::Fetch { data, .. } if data.uid.is_some() => Some(data),
                _ => None,
            })
            .collect())
    }

    /// `UID STORE … FLAGS.SILENT`.
    pub async fn uid_store(&mut self, set: UidSet, mode: StoreMode, flags: &[&str]) -> Result<()> {
        self.run(&Command::UidStore {
            set,
            mode,
            flags: flags.iter().map(|f| (*f).to_owned()).collect(),
            silent: true,
        })
        .await?;
        Ok(())
    }

    /// Removes messages marked `\Deleted` among `set` (`UID EXPUNGE` with
    /// UIDPLUS, else `EXPUNGE`).
    pub async fn expunge(&mut self, set: UidSet) -> Result<()> {
        if has_capability(&self.caps, "UIDPLUS") {
            self.run(&Command::UidExpunge(set)).await?;
        } else {
            self.run(&Command::Expunge).await?;
        }
        Ok(())
    }

    /// `APPEND`; returns the UID when the server gives `APPENDUID`.
    pub async fn append(
        &mut self,
        folder: &str,
        flags: &[&str],
        message: &[u8],
    ) -> Result<Option<u32>> {
        let cmd = Command::Append {
            folder: folder.to_owned(),
            flags: flags.iter().map(|f| (*f).to_owned()).collect(),
            size: message.len(),
        };
        let tag = self.send(&cmd).await?;
        loop {
            match self.read_response().await? {
                Response::Continuation(_) => break,
                Response::Tagged { tag: t, text, .. } if t == tag => {
                    return Err(ProtocolError::Refused {
                        protocol: Protocol::Imap,
                        command: cmd.name(),
                        reply: text,
                    }
                    .into());
                }
                Response::Untagged(Untagged::Condition {
                    condition: Condition::Bye,
                    text,
                    ..
                }) => self.bye = Some(text),
                _ => {}
            }
        }
        let mut payload = Vec::with_capacity(message.len() + 2);
        payload.extend_from_slice(message);
        payload.extend_from_slice(b"\r\n");
        self.conn.write_all(&payload).await?;
        let r = self.finish(&tag, &cmd.name()).await?;
        if self.selected.as_ref().is_some_and(|s| s.name == folder) {
            // The folder content changed: reselect next time.
            self.selected = None;
        }
        Ok(match r.code {
            Some(Code::AppendUid { uid, .. }) => Some(uid),
            _ => None,
        })
    }

    /// `NOOP` (keeps the session alive, collects updates).
    pub async fn noop(&mut self) -> Result<()> {
        self.run(&Command::Noop).await.map(drop)
    }

    /// `LOGOUT` and close.
    pub async fn logout(mut self) -> Result<()> {
        let r = self.run(&Command::Logout).await;
        self.conn.shutdown().await;
        match r {
            Ok(_) => Ok(()),
            // The server may close right after BYE.
            Err(Error::Connection(ConnectionError::Bye(_) | ConnectionError::Closed)) => Ok(()),
            Err(e) => Err(e),
        }
    }
}
