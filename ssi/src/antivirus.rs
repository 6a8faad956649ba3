//! Antivirus hook (SC.SSI/GEN.08): every received file (MSSanté attachment,
//! DMP document, import) goes through a [`Scanner`] before it is integrated.
//!
//! - [`Scanner`]: the async, object-safe trait (`&dyn Scanner`);
//! - [`ClamdScanner`]: a clamd client speaking `INSTREAM` over TCP or a unix
//!   socket, with a size limit checked before sending, connect and scan
//!   timeouts, and strict reply parsing;
//! - [`EicarScanner`]: an in-memory test double flagging the EICAR test
//!   string, for other crates' tests;
//! - [`require_clean`]: the fail-closed gate — malware *and* any scanner
//!   failure (unreachable daemon, timeout, size limit) are errors.
//!
//! Defaults ([`ClamdConfig::new`]): 25 MiB maximum (clamd's own
//! `StreamMaxLength` default; lower it if your clamd is configured lower),
//! 5 s connect timeout, 120 s scan timeout. No normative value exists
//! (ssi.md §7, UNCONFIRMED): these are configurable.
//!
//! ```
//! use segur_ssi::antivirus::{require_clean, EicarScanner, EICAR};
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let scanner = EicarScanner::new();
//! assert!(require_clean(&scanner, b"compte rendu").await.is_ok());
//! assert!(require_clean(&scanner, EICAR).await.is_err());
//! # });
//! ```

use std::fmt;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::error::{Result, ScanError};

/// The EICAR antivirus test string (68 bytes).
pub const EICAR: &[u8] = br"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

/// What a scan found.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[non_exhaustive]
pub enum ScanVerdict {
    /// Nothing found.
    Clean,
    /// Malware found.
    Infected {
        /// Signature name.
        signature: String,
    },
}

impl ScanVerdict {
    /// True when clean.
    pub fn is_clean(&self) -> bool {
        matches!(self, Self::Clean)
    }
}

/// Boxed future returned by [`Scanner::scan`].
pub type ScanFuture<'a> = Pin<Box<dyn Future<Output = Result<ScanVerdict>> + Send + 'a>>;

/// An antivirus engine. Implementations must be fail-safe: any doubt is an
/// error, never [`ScanVerdict::Clean`].
pub trait Scanner: Send + Sync {
    /// Scans a whole file held in memory.
    fn scan<'a>(&'a self, data: &'a [u8]) -> ScanFuture<'a>;
    /// Short name for traces (`"clamd"`).
    fn name(&self) -> &str;
}

/// Scans `data` and returns `Ok(())` only when it is clean: malware is
/// [`ScanError::Infected`], and scanner failures are passed through.
pub async fn require_clean(scanner: &dyn Scanner, data: &[u8]) -> Result<()> {
    match scanner.scan(data).await? {
        ScanVerdict::Clean => Ok(()),
        ScanVerdict::Infected { signature } => {
            tracing::warn!(scanner = scanner.name(), %signature, "malware found in a received file");
            Err(ScanError::Infected { signature }.into())
        }
    }
}

/// Where clamd listens.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClamdAddress {
    /// `host:port` (loopback in practice).
    Tcp(String),
    /// A unix socket path.
    Unix(PathBuf),
}

impl fmt::Display for ClamdAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Tcp(a) => write!(f, "tcp://{a}"),
            Self::Unix(p) => write!(f, "unix://{}", p.display()),
        }
    }
}

impl std::str::FromStr for ClamdAddress {
    type Err = crate::Error;
    /// `tcp://host:port`, `host:port`, `unix:///path` or an absolute path.
    fn from_str(s: &str) -> Result<Self> {
        if let Some(p) = s.strip_prefix("unix://") {
            Ok(Self::Unix(p.into()))
        } else if s.starts_with('/') {
            Ok(Self::Unix(s.into()))
        } else {
            let a = s.strip_prefix("tcp://").unwrap_or(s);
            if a.rsplit_once(':')
                .is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok())
            {
                Ok(Self::Tcp(a.to_owned()))
            } else {
                Err(crate::Error::InvalidInput {
                    what: "clamd address",
                    reason: format!("{s:?} is neither tcp://host:port nor unix:///path"),
                })
            }
        }
    }
}

/// clamd client settings.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClamdConfig {
    /// Address.
    pub address: ClamdAddress,
    /// Largest file sent (default 25 MiB); larger files are refused unscanned.
    pub max_size: u64,
    /// Connect timeout (default 5 s).
    pub connect_timeout: Duration,
    /// Timeout of the whole exchange after connecting (default 120 s).
    pub scan_timeout: Duration,
    /// INSTREAM chunk size (default 64 KiB).
    pub chunk_size: usize,
}

impl ClamdConfig {
    /// Defaults for an address.
    pub fn new(address: ClamdAddress) -> Self {
        Self {
            address,
            max_size: 25 * 1024 * 1024,
            connect_timeout: Duration::from_secs(5),
            scan_timeout: Duration::from_secs(120),
            chunk_size: 64 * 1024,
        }
    }
}

/// clamd client (`INSTREAM`, `PING`, `VERSION`, `RELOAD`).
#[derive(Debug, Clone)]
pub struct ClamdScanner {
    config: ClamdConfig,
}

trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// Longest reply accepted from clamd.
const MAX_REPLY: usize = 4096;

impl ClamdScanner {
    /// A client with the given settings.
    pub fn new(config: ClamdConfig) -> Self {
        Self { config }
    }

    /// A TCP client with default settings.
    pub fn tcp(host_port: impl Into<String>) -> Self {
        Self::new(ClamdConfig::new(ClamdAddress::Tcp(host_port.into())))
    }

    /// A unix-socket client with default settings.
    pub fn unix(path: impl Into<PathBuf>) -> Self {
        Self::new(ClamdConfig::new(ClamdAddress::Unix(path.into())))
    }

    /// The settings.
    pub fn config(&self) -> &ClamdConfig {
        &self.config
    }

    async fn connect(&self) -> Result<Box<dyn Stream>> {
        let address = self.config.address.to_string();
        let conn_err = |source| ScanError::Connection {
            address: address.clone(),
            source,
        };
        let fut = async {
            let s: Box<dyn Stream> = match &self.config.address {
                ClamdAddress::Tcp(a) => {
                    Box::new(tokio::net::TcpStream::connect(a).await.map_err(conn_err)?)
                }
                #[cfg(unix)]
                ClamdAddress::Unix(p) => {
                    Box::new(tokio::net::UnixStream::connect(p).await.map_err(conn_err)?)
                }
                #[cfg(not(unix))]
                ClamdAddress::Unix(_) => {
                    return Err(conn_err(std::io::Error::new(
                        std::io::ErrorKind::Unsupported,
                        "unix sockets are not available on this platform",
                    )));
                }
            };
            Ok::<_, ScanError>(s)
        };
        Ok(tokio::time::timeout(self.config.connect_timeout, fut)
            .await
            .map_err(|_| ScanError::Timeout { during: "connect" })??)
    }

    /// Sends a simple command (`PING`, `VERSION`, `RELOAD`) and returns the reply.
    async fn command(&self, cmd: &str) -> Result<String> {
        let mut s = self.connect().await?;
        let address = self.config.address.to_string();
        let fut = async {
            s.write_all(format!("z{cmd}\0").as_bytes()).await?;
            s.flush().await?;
            read_reply(&mut s).await
        };
        Ok(tokio::time::timeout(self.config.scan_timeout, fut)
            .await
            .map_err(|_| ScanError::Timeout { during: "command" })?
            .map_err(|e| io_to_scan(e, &address))?)
    }

    /// `PING` → `PONG`.
    pub async fn ping(&self) -> Result<()> {
        let r = self.command("PING").await?;
        if r == "PONG" {
            Ok(())
        } else {
            Err(ScanError::Protocol(r).into())
        }
    }

    /// The engine and database version line.
    pub async fn version(&self) -> Result<String> {
        self.command("VERSION").await
    }

    /// Asks clamd to reload its signature databases (returns once the
    /// reload is scheduled; clamd reloads in the background).
    pub async fn reload(&self) -> Result<()> {
        let r = self.command("RELOAD").await?;
        if r == "RELOADING" {
            Ok(())
        } else {
            Err(ScanError::Protocol(r).into())
        }
    }

    async fn instream(&self, data: &[u8]) -> Result<ScanVerdict> {
        let size = data.len() as u64;
        if size > self.config.max_size {
            return Err(ScanError::TooLarge {
                size,
                max: self.config.max_size,
            }
            .into());
        }
        let mut s = self.connect().await?;
        let address = self.config.address.to_string();
        let chunk = self.config.chunk_size.clamp(1, u32::MAX as usize);
        let fut = async {
            s.write_all(b"zINSTREAM\0").await?;
            for part in data.chunks(chunk) {
                // chunk ≤ u32::MAX by the clamp above.
                let len = u32::try_from(part.len()).unwrap_or(u32::MAX);
                s.write_all(&len.to_be_bytes()).await?;
                s.write_all(part).await?;
            }
            s.write_all(&0u32.to_be_bytes()).await?;
            s.flush().await?;
            read_reply(&mut s).await
        };
        let reply = match tokio::time::timeout(self.config.scan_timeout, fut).await {
            Err(_) => return Err(ScanError::Timeout { during: "scan" }.into()),
            // clamd closes the socket as soon as a stream exceeds its limit,
            // which can surface as a broken pipe while we are still sending.
            Ok(Err(e)) => return Err(io_to_scan(e, &address).into()),
            Ok(Ok(r)) => r,
        };
        parse_instream_reply(&reply)
    }
}

fn io_to_scan(e: std::io::Error, address: &str) -> ScanError {
    if e.kind() == std::io::ErrorKind::InvalidData {
        ScanError::Protocol(e.to_string())
    } else {
        ScanError::Connection {
            address: address.to_owned(),
            source: e,
        }
    }
}

/// Reads a NUL-terminated reply (or up to EOF), bounded.
async fn read_reply(s: &mut (impl AsyncRead + Unpin + ?Sized)) -> std::io::Result<String> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 512];
    loop {
        let n = s.read(&mut byte).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&byte[..n]);
        if let Some(pos) = buf.iter().position(|b| *b == 0) {
            buf.truncate(pos);
            break;
        }
        if buf.len() > MAX_REPLY {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "reply too long",
            ));
        }
    }
    let text = String::from_utf8_lossy(&buf)
        .trim_end_matches(['\n', '\r'])
        .to_owned();
    if text.is_empty() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "empty reply",
        ));
    }
    Ok(text)
}

/// Parses `stream: OK`, `stream: <name> FOUND`, `... ERROR`.
fn parse_instream_reply(reply: &str) -> Result<ScanVerdict> {
    let body = reply.strip_prefix("stream: ").unwrap_or(reply);
    if body == "OK" {
        Ok(ScanVerdict::Clean)
    } else if let Some(name) = body.strip_suffix(" FOUND") {
        if name.is_empty() {
            return Err(ScanError::Protocol(reply.to_owned()).into());
        }
        Ok(ScanVerdict::Infected {
            signature: name.to_owned(),
        })
    } else if body.ends_with("ERROR") {
        Err(ScanError::Daemon(reply.to_owned()).into())
    } else {
        Err(ScanError::Protocol(reply.to_owned()).into())
    }
}

impl Scanner for ClamdScanner {
    fn scan<'a>(&'a self, data: &'a [u8]) -> ScanFuture<'a> {
        Box::pin(self.instream(data))
    }
    fn name(&self) -> &str {
        "clamd"
    }
}

/// Test double: flags any data containing the [`EICAR`] string.
#[derive(Debug, Clone, Default)]
pub struct EicarScanner {
    _private: (),
}

impl EicarScanner {
    /// Signature name reported.
    pub const SIGNATURE: &'static str = "Segur.Test.EICAR";

    /// A new double.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Scanner for EicarScanner {
    fn scan<'a>(&'a self, data: &'a [u8]) -> ScanFuture<'a> {
        let found = data.windows(EICAR.len()).any(|w| w == EICAR);
        Box::pin(async move {
            Ok(if found {
                ScanVerdict::Infected {
                    signature: Self::SIGNATURE.to_owned(),
                }
            } else {
                ScanVerdict::Clean
            })
        })
    }
    fn name(&self) -> &str {
        "eicar-test-double"
    }
}

/// Test double standing for an unreachable engine: every scan fails, so
/// callers can test their fail-closed path.
#[derive(Debug, Clone, Default)]
pub struct UnavailableScanner {
    _private: (),
}

impl UnavailableScanner {
    /// A new double.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Scanner for UnavailableScanner {
    fn scan<'a>(&'a self, _data: &'a [u8]) -> ScanFuture<'a> {
        Box::pin(async {
            Err(ScanError::Connection {
                address: "unavailable".into(),
                source: std::io::Error::new(
                    std::io::ErrorKind::ConnectionRefused,
                    "scanner unavailable (test double)",
                ),
            }
            .into())
        })
    }
    fn name(&self) -> &str {
        "unavailable-test-double"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies() {
        assert_eq!(
            parse_instream_reply("stream: OK").unwrap(),
            ScanVerdict::Clean
        );
        assert_eq!(
            parse_instream_reply("stream: Eicar-Test-Signature FOUND").unwrap(),
            ScanVerdict::Infected {
                signature: "Eicar-Test-Signature".into()
            }
        );
        assert!(matches!(
            parse_instream_reply("INSTREAM size limit exceeded. ERROR"),
            Err(crate::Error::Scan(ScanError::Daemon(_)))
        ));
        assert!(matches!(
            parse_instream_reply("stream:  FOUND"),
            Err(crate::Error::Scan(ScanError::Protocol(_)))
        ));
        assert!(matches!(
            parse_instream_reply("what"),
            Err(crate::Error::Scan(ScanError::Protocol(_)))
        ));
    }

    #[test]
    fn addresses() {
        assert_eq!(
            "127.0.0.1:3310".parse::<ClamdAddress>().unwrap(),
            ClamdAddress::Tcp("127.0.0.1:3310".into())
        );
        assert_eq!(
            "tcp://localhost:3310".parse::<ClamdAddress>().unwrap(),
            ClamdAddress::Tcp("localhost:3310".into())
        );
        assert_eq!(
            "unix:///run/clamd.sock".parse::<ClamdAddress>().unwrap(),
            ClamdAddress::Unix("/run/clamd.sock".into())
        );
        assert_eq!(
            "/run/c.sock".parse::<ClamdAddress>().unwrap(),
            ClamdAddress::Unix("/run/c.sock".into())
        );
        assert!("localhost".parse::<ClamdAddress>().is_err());
        assert!("host:99999".parse::<ClamdAddress>().is_err());
    }
}
