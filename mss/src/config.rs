//! Mailbox connection settings.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use segur_psc::{Audience, TokenSource};

use crate::address::{MailAddress, MailboxKind};

/// How TLS is set up on a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum Security {
    /// Plain connection upgraded with `STARTTLS` before anything else (IMAP
    /// 143, submission 587: the ports of the MSSanté DST).
    StartTls,
    /// TLS from the first byte (IMAPS 993, submissions 465; RFC 8314).
    ImplicitTls,
}

/// A server to connect to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct ServerEndpoint {
    /// Host name or IP address.
    pub host: String,
    /// Port.
    pub port: u16,
    /// TLS mode.
    pub security: Security,
    /// Name to verify in the server certificate when it differs from `host`
    /// (e.g. connecting to `127.0.0.1` with a certificate for `localhost`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_name: Option<String>,
}

impl ServerEndpoint {
    /// An endpoint.
    pub fn new(host: impl Into<String>, port: u16, security: Security) -> Self {
        Self {
            host: host.into(),
            port,
            security,
            tls_name: None,
        }
    }

    /// Verifies the certificate against `name` instead of the host.
    pub fn with_tls_name(mut self, name: impl Into<String>) -> Self {
        self.tls_name = Some(name.into());
        self
    }

    /// The name checked in the certificate.
    pub fn server_name(&self) -> &str {
        self.tls_name.as_deref().unwrap_or(&self.host)
    }
}

impl fmt::Display for ServerEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

/// The IMAP and SMTP servers of a mailbox.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct ServerSettings {
    /// IMAP (mailbox access).
    pub imap: ServerEndpoint,
    /// SMTP submission.
    pub smtp: ServerEndpoint,
}

/// Which OAuth SASL mechanism carries the Pro Santé Connect token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum OAuthMechanism {
    /// `XOAUTH2` (what MSSanté operators document).
    Xoauth2,
    /// `OAUTHBEARER` (RFC 7628).
    OAuthBearer,
}

/// How the client authenticates.
#[derive(Clone)]
#[non_exhaustive]
pub enum Authentication {
    /// TLS client certificate (CPS or organisation certificate) in the TLS
    /// configuration, then SASL `EXTERNAL` on IMAP (and on SMTP when offered;
    /// otherwise the certificate alone authorises the submission).
    ClientCertificate {
        /// Mailbox to open when it is not the one the certificate maps to
        /// (organisational mailbox opened with a personal certificate).
        authzid: Option<String>,
    },
    /// A bearer token from Pro Santé Connect, asked for each connection (so
    /// a reconnection uses a fresh token); the TLS configuration must then
    /// carry no client certificate.
    OAuth {
        /// Mechanism.
        mechanism: OAuthMechanism,
        /// Token source (refreshes or exchanges as needed).
        tokens: Arc<dyn TokenSource>,
        /// Audience asked for (default [`Audience::MsSante`]).
        audience: Audience,
    },
}

impl Authentication {
    /// OAuth with XOAUTH2 and the MSSanté audience.
    pub fn xoauth2(tokens: Arc<dyn TokenSource>) -> Self {
        Self::OAuth {
            mechanism: OAuthMechanism::Xoauth2,
            tokens,
            audience: Audience::MsSante,
        }
    }

    /// OAuth with OAUTHBEARER and the MSSanté audience.
    pub fn oauthbearer(tokens: Arc<dyn TokenSource>) -> Self {
        Self::OAuth {
            mechanism: OAuthMechanism::OAuthBearer,
            tokens,
            audience: Audience::MsSante,
        }
    }

    /// Client certificate for the mailbox the certificate maps to.
    pub fn certificate() -> Self {
        Self::ClientCertificate { authzid: None }
    }
}

impl fmt::Debug for Authentication {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ClientCertificate { authzid } => f
                .debug_struct("ClientCertificate")
                .field("authzid", authzid)
                .finish(),
            Self::OAuth {
                mechanism,
                audience,
                ..
            } => f
                .debug_struct("OAuth")
                .field("mechanism", mechanism)
                .field("audience", audience)
                .finish_non_exhaustive(),
        }
    }
}

/// Time limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// TCP connection and TLS handshake.
    pub connect: Duration,
    /// Waiting for one answer.
    pub command: Duration,
}

impl Default for Timeouts {
    /// 15 s to connect, 120 s per answer.
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(15),
            command: Duration::from_secs(120),
        }
    }
}

/// Reopening of sessions the operator closes (SC.MSS/CONF.11).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReconnectPolicy {
    /// Pause before each new attempt; the number of entries is the number of
    /// reconnections tried for one operation.
    pub delays: Vec<Duration>,
}

impl Default for ReconnectPolicy {
    /// Three reconnections: at once, after 1 s, after 5 s.
    fn default() -> Self {
        Self {
            delays: vec![
                Duration::ZERO,
                Duration::from_secs(1),
                Duration::from_secs(5),
            ],
        }
    }
}

/// Everything needed to use one mailbox.
#[derive(Clone)]
pub struct MailboxConfig {
    /// The mailbox address (also the login).
    pub address: MailAddress,
    /// Its type.
    pub kind: MailboxKind,
    /// Display label used in `From`.
    pub display_name: Option<String>,
    /// Servers.
    pub servers: ServerSettings,
    /// Authentication.
    pub auth: Authentication,
    /// TLS client configuration (from segur-ssi: IGC-Santé roots, and the
    /// client identity for certificate authentication).
    pub tls: Arc<rustls::ClientConfig>,
    /// Time limits.
    pub timeouts: Timeouts,
    /// Reconnection policy.
    pub reconnect: ReconnectPolicy,
    /// Name sent in `EHLO` (default: the address literal of the local socket).
    pub ehlo_name: Option<String>,
    /// Largest message accepted when fetching (bytes).
    pub max_message_size: u64,
}

impl MailboxConfig {
    /// A configuration with default timeouts and policies.
    pub fn new(
        address: MailAddress,
        kind: MailboxKind,
        servers: ServerSettings,
        auth: Authentication,
        tls: Arc<rustls::ClientConfig>,
    ) -> Self {
        Self {
            address,
            kind,
            display_name: None,
            servers,
            auth,
            tls,
            timeouts: Timeouts::default(),
            reconnect: ReconnectPolicy::default(),
            ehlo_name: None,
            max_message_size: 64 * 1024 * 1024,
        }
    }
}

impl fmt::Debug for MailboxConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailboxConfig")
            .field("address", &self.address)
            .field("kind", &self.kind)
            .field("servers", &self.servers)
            .field("auth", &self.auth)
            .field("timeouts", &self.timeouts)
            .finish_non_exhaustive()
    }
}
