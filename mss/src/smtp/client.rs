//! The tokio SMTP submission client: greeting, EHLO, STARTTLS (which must be
//! offered), EHLO again, AUTH, then MAIL / RCPT / DATA.

use std::sync::Arc;

use crate::address::MailAddress;
use crate::config::{Security, ServerEndpoint, Timeouts};
use crate::error::{
    AuthError, ConnectionError, DeliveryError, Error, MessageError, Protocol, Result,
};
use crate::message::OutgoingMessage;
use crate::net::Conn;
use crate::sasl::{self, Mechanism};
use crate::smtp::proto::{self, Command, EhloInfo, Reply};

/// What the submission server did with a message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SendReport {
    /// The message's `Message-ID`.
    pub message_id: String,
    /// Recipients the server accepted.
    pub accepted: Vec<MailAddress>,
    /// Recipients the server refused, with the reason.
    pub rejected: Vec<(MailAddress, String)>,
    /// The final `DATA` reply (usually carries the queue id).
    pub server_reply: String,
    /// Whether a DSN (delivery receipt) was requested from the server.
    pub dsn_requested: bool,
}

/// An SMTP submission session.
pub struct SmtpClient {
    conn: Conn,
    ehlo: EhloInfo,
    ehlo_name: String,
}

impl std::fmt::Debug for SmtpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpClient")
            .field("endpoint", &self.conn.endpoint())
            .field("tls", &self.conn.is_tls())
            .finish()
    }
}

fn rejected(stage: String, r: &Reply) -> Error {
    if r.code == 421 {
        return ConnectionError::Bye(r.text()).into();
    }
    DeliveryError::Rejected {
        stage,
        code: r.code,
        enhanced: r.enhanced.clone(),
        text: r.text(),
    }
    .into()
}

impl SmtpClient {
    /// Connects and secures the session (not authenticated yet).
    pub async fn connect(
        endpoint: &ServerEndpoint,
        tls: Arc<rustls::ClientConfig>,
        timeouts: Timeouts,
        ehlo_name: Option<&str>,
    ) -> Result<Self> {
        let conn = Conn::open(endpoint, &tls, timeouts.connect, timeouts.command).await?;
        let ehlo_name = match ehlo_name {
            Some(n) => n.to_owned(),
            None => match conn.local_ip() {
                Some(std::net::IpAddr::V4(ip)) => format!("[{ip}]"),
                Some(std::net::IpAddr::V6(ip)) => format!("[IPv6:{ip}]"),
                None => "localhost".to_owned(),
            },
        };
        let mut c = Self {
            conn,
            ehlo: EhloInfo::default(),
            ehlo_name,
        };
        let greeting = c.read_reply().await?;
        if greeting.code != 220 {
            return Err(rejected("greeting".into(), &greeting));
        }
        c.ehlo().await?;
        if endpoint.security == Security::StartTls {
            if !c.ehlo.starttls {
                return Err(ConnectionError::StartTlsUnavailable {
                    endpoint: endpoint.to_string(),
                }
                .into());
            }
            let r = c.command(&Command::StartTls).await?;
            if r.code != 220 {
                return Err(rejected("STARTTLS".into(), &r));
            }
            c.conn = c
                .conn
                .upgrade(tls, endpoint.server_name(), timeouts.connect)
                .await?;
            c.ehlo().await?;
        }
        Ok(c)
    }

    /// What the server announced after TLS.
    pub fn ehlo_info(&self) -> &EhloInfo {
        &self.ehlo
    }

    /// Whether the connection is encrypted.
    pub fn is_tls(&self) -> bool {
        self.conn.is_tls()
    }

    async fn ehlo(&mut self) -> Result<()> {
        let r = self.command(&Command::Ehlo(self.ehlo_name.clone())).await?;
        if !r.is_positive() {
            return Err(rejected("EHLO".into(), &r));
        }
        self.ehlo = EhloInfo::from_reply(&r);
        Ok(())
    }

    async fn read_reply(&mut self) -> Result<Reply> {
        loop {
            if let Some((r, n)) = proto::parse_reply(&self.conn.buf)? {
                self.conn.buf.drain(..n);
                return Ok(r);
            }
            self.conn.read_more().await?;
        }
    }

    async fn command(&mut self, cmd: &Command) -> Result<Reply> {
        let line = cmd.encode()?;
        self.conn.write_all(&line).await?;
        self.read_reply().await
    }

    /// SASL authentication (refused without TLS or when not offered).
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
        if !self.ehlo.offers_auth(name) {
            return Err(AuthError::MechanismNotOffered {
                protocol: Protocol::Smtp,
                mechanism: name.into(),
                offered: self.ehlo.auth.join(" "),
            }
            .into());
        }
        let mut r = self
            .command(&Command::Auth {
                mechanism: name.into(),
                initial_response: Some(sasl::encode_initial(initial)),
            })
            .await?;
        let mut error_status = None;
        if r.code == 334 {
            // An error challenge: acknowledge to get the final reply.
            error_status = Some(sasl::challenge_error(&r.text()));
            r = self
                .command(&Command::AuthResponse(sasl::encode_response(
                    mechanism.error_ack(),
                )))
                .await?;
        }
        if r.code == 235 {
            return Ok(());
        }
        if r.code == 421 {
            return Err(ConnectionError::Bye(r.text()).into());
        }
        let reply = match error_status {
            Some(s) => format!("{r} ({s})"),
            None => r.to_string(),
        };
        Err(AuthError::Rejected {
            protocol: Protocol::Smtp,
            user: user.to_owned(),
            mechanism: name.into(),
            reply,
        }
        .into())
    }

    /// Submits a message. Recipients refused one by one are reported; the
    /// message is sent to the others. Fails when all are refused.
    pub async fn send(&mut self, msg: &OutgoingMessage) -> Result<SendReport> {
        let size = msg.bytes.len() as u64;
        if let Some(limit) = self.ehlo.size.filter(|l| *l > 0) {
            if size > limit {
                return Err(MessageError::TooLarge {
                    size,
                    limit,
                    recipient: format!("the operator ({})", self.conn.endpoint()),
                }
                .into());
            }
        }
        let dsn = msg.dsn.filter(|_| self.ehlo.dsn);
        let r = self
            .command(&Command::MailFrom {
                address: msg.from.to_string(),
                size: self.ehlo.size.map(|_| size),
                eight_bit: false,
                smtputf8: false,
                dsn_envid: dsn.map(|_| msg.message_id.clone()),
            })
            .await?;
        if !r.is_positive() {
            return Err(rejected("MAIL FROM".into(), &r));
        }
        let mut accepted = Vec::new();
        let mut refused = Vec::new();
        let mut first_refusal = None;
        for rcpt in &msg.recipients {
            let r = self
                .command(&Command::RcptTo {
                    address: rcpt.to_string(),
                    notify: dsn,
                })
                .await?;
            if r.is_positive() {
                accepted.push(rcpt.clone());
            } else {
                if r.code == 421 {
                    return Err(ConnectionError::Bye(r.text()).into());
                }
                refused.push((rcpt.clone(), r.to_string()));
                first_refusal.get_or_insert_with(|| rejected(format!("RCPT TO <{rcpt}>"), &r));
            }
        }
        if accepted.is_empty() {
            let _ = self.command(&Command::Rset).await;
            return Err(first_refusal.unwrap_or_else(|| MessageError::Missing("recipient").into()));
        }
        let r = self.command(&Command::Data).await?;
        if r.code != 354 {
            return Err(rejected("DATA".into(), &r));
        }
        self.conn.write_all(&proto::dot_stuff(&msg.bytes)).await?;
        // From here the operator may have the whole message: a lost
        // connection no longer means "not sent".
        let r = match self.read_reply().await {
            Err(Error::Connection(c)) if c.is_connection_lost() => {
                return Err(DeliveryError::OutcomeUnknown {
                    message_id: msg.message_id.clone(),
                    reason: c.to_string(),
                }
                .into());
            }
            r => r?,
        };
        if !r.is_positive() {
            return Err(rejected("end of DATA".into(), &r));
        }
        Ok(SendReport {
            message_id: msg.message_id.clone(),
            accepted,
            rejected: refused,
            server_reply: r.to_string(),
            dsn_requested: dsn.is_some(),
        })
    }

    /// `QUIT` and close.
    pub async fn quit(mut self) {
        let _ = self.command(&Command::Quit).await;
        self.conn.shutdown().await;
    }
}
