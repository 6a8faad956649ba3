//! The IO shell's transport: TCP, implicit TLS and STARTTLS upgrade (rustls
//! through tokio-rustls), with timeouts on every read and write.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use rustls_pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;

use crate::config::ServerEndpoint;
use crate::error::ConnectionError;

/// A plain or TLS stream.
pub(crate) enum Stream {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_flush(cx),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// A connection with its read buffer.
pub(crate) struct Conn {
    stream: Stream,
    pub(crate) buf: Vec<u8>,
    endpoint: String,
    timeout: Duration,
}

async fn handshake(
    tcp: TcpStream,
    tls: Arc<rustls::ClientConfig>,
    name: &str,
    endpoint: &str,
    timeout: Duration,
) -> Result<Stream, ConnectionError> {
    let server_name = ServerName::try_from(name.to_owned())
        .map_err(|_| ConnectionError::ServerName(name.to_owned()))?;
    let connector = tokio_rustls::TlsConnector::from(tls);
    match tokio::time::timeout(timeout, connector.connect(server_name, tcp)).await {
        Ok(Ok(s)) => Ok(Stream::Tls(Box::new(s))),
        Ok(Err(e)) => Err(ConnectionError::Tls {
            endpoint: endpoint.to_owned(),
            source: e,
        }),
        Err(_) => Err(ConnectionError::Timeout(timeout)),
    }
}

impl Conn {
    /// Opens TCP (and TLS for implicit-TLS endpoints).
    pub(crate) async fn open(
        ep: &ServerEndpoint,
        tls: &Arc<rustls::ClientConfig>,
        connect_timeout: Duration,
        timeout: Duration,
    ) -> Result<Self, ConnectionError> {
        let endpoint = ep.to_string();
        let tcp = match tokio::time::timeout(
            connect_timeout,
            TcpStream::connect((ep.host.as_str(), ep.port)),
        )
        .await
        {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => {
                return Err(ConnectionError::Connect {
                    endpoint,
                    source: e,
                });
            }
            Err(_) => return Err(ConnectionError::Timeout(connect_timeout)),
        };
        let _ = tcp.set_nodelay(true);
        let stream = match ep.security {
            crate::config::Security::ImplicitTls => {
                handshake(
                    tcp,
                    tls.clone(),
                    ep.server_name(),
                    &endpoint,
                    connect_timeout,
                )
                .await?
            }
            crate::config::Security::StartTls => Stream::Plain(tcp),
        };
        Ok(Self {
            stream,
            buf: Vec::new(),
            endpoint,
            timeout,
        })
    }

    pub(crate) fn endpoint(&self) -> &str {
        &self.endpoint
    }

    pub(crate) fn is_tls(&self) -> bool {
        matches!(self.stream, Stream::Tls(_))
    }

    /// The local address (for the EHLO address literal).
    pub(crate) fn local_ip(&self) -> Option<std::net::IpAddr> {
        match &self.stream {
            Stream::Plain(s) => s.local_addr().ok().map(|a| a.ip()),
            Stream::Tls(s) => s.get_ref().0.local_addr().ok().map(|a| a.ip()),
        }
    }

    /// Upgrades to TLS after a positive STARTTLS answer. Refuses when the
    /// server already sent more bytes (STARTTLS command injection).
    pub(crate) async fn upgrade(
        self,
        tls: Arc<rustls::ClientConfig>,
        name: &str,
        connect_timeout: Duration,
    ) -> Result<Self, ConnectionError> {
        if !self.buf.is_empty() {
            return Err(ConnectionError::StartTlsInjection {
                endpoint: self.endpoint,
            });
        }
        let Stream::Plain(tcp) = self.stream else {
            return Ok(self);
        };
        let stream = handshake(tcp, tls, name, &self.endpoint, connect_timeout).await?;
        Ok(Self {
            stream,
            buf: Vec::new(),
            endpoint: self.endpoint,
            timeout: self.timeout,
        })
    }

    /// Reads more bytes into the buffer.
    pub(crate) async fn read_more(&mut self) -> Result<(), ConnectionError> {
        let mut chunk = [0u8; 16 * 1024];
        let n = match tokio::time::timeout(self.timeout, self.stream.read(&mut chunk)).await {
            Ok(Ok(0)) => return Err(ConnectionError::Closed),
            Ok(Ok(n)) => n,
            Ok(Err(e)) => return Err(ConnectionError::Io(e)),
            Err(_) => return Err(ConnectionError::Timeout(self.timeout)),
        };
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }

    /// Writes and flushes.
    pub(crate) async fn write_all(&mut self, data: &[u8]) -> Result<(), ConnectionError> {
        let fut = async {
            self.stream.write_all(data).await?;
            self.stream.flush().await
        };
        match tokio::time::timeout(self.timeout, fut).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(ConnectionError::Io(e)),
            Err(_) => Err(ConnectionError::Timeout(self.timeout)),
        }
    }

    /// Closes the write side, ignoring errors (the session is over anyway).
    pub(crate) async fn shutdown(&mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(2), self.stream.shutdown()).await;
    }
}
