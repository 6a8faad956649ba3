//! Loopback redirect for desktop software (RFC 8252 §7.3): listen on
//! `127.0.0.1` on a random port, open the browser on the authorization URL,
//! and receive the redirect carrying the code.

use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;
use url::Url;

use crate::flow::AuthorizationResponse;
use crate::{CallbackError, Error};

const PAGE_OK: &str = "<!doctype html><meta charset=utf-8><title>Pro Santé Connect</title>\
<p>Authentification terminée. Vous pouvez fermer cette fenêtre et revenir au logiciel.</p>";

/// A one-shot loopback HTTP listener for the authorization redirect.
#[derive(Debug)]
pub struct LoopbackRedirect {
    listener: TcpListener,
    redirect_uri: Url,
    path: String,
}

impl LoopbackRedirect {
    /// Listens on `127.0.0.1` on a random port, path `/callback`.
    pub async fn bind() -> Result<Self, Error> {
        Self::bind_port(0, "/callback").await
    }

    /// Listens on `127.0.0.1:port` (0 for random) with `path`. PSC matches
    /// redirect URIs exactly: register the port you choose.
    pub async fn bind_port(port: u16, path: &str) -> Result<Self, Error> {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(|e| Error::Config(format!("cannot listen on 127.0.0.1:{port}: {e}")))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::Config(format!("loopback address: {e}")))?;
        let redirect_uri = Url::parse(&format!("http://127.0.0.1:{}{path}", addr.port()))
            .map_err(|e| Error::Config(format!("redirect URI: {e}")))?;
        Ok(Self {
            listener,
            redirect_uri,
            path: path.to_owned(),
        })
    }

    /// The redirect URI to send in the authorization request.
    pub fn redirect_uri(&self) -> &Url {
        &self.redirect_uri
    }

    /// Waits for the redirect (other paths, such as `/favicon.ico`, get a
    /// 404 and are ignored) and answers the browser with a short page.
    pub async fn wait(self, timeout: Duration) -> Result<AuthorizationResponse, Error> {
        tokio::time::timeout(timeout, self.accept_loop())
            .await
            .map_err(|_| {
                CallbackError::BadRequest("no redirect received before the timeout".into())
            })?
    }

    async fn accept_loop(self) -> Result<AuthorizationResponse, Error> {
        loop {
            let (mut stream, _) = self
                .listener
                .accept()
                .await
                .map_err(|e| CallbackError::BadRequest(format!("accept: {e}")))?;
            let mut buf = Vec::with_capacity(2048);
            let mut chunk = [0u8; 1024];
            // Read the request head only (bounded), never a body.
            while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 16 * 1024 {
                match stream.read(&mut chunk).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
            let head = String::from_utf8_lossy(&buf);
            let target = head
                .lines()
                .next()
                .and_then(|l| l.strip_prefix("GET "))
                .and_then(|l| l.split(' ').next())
                .unwrap_or("");
            let (path, query) = target.split_once('?').unwrap_or((target, ""));
            if path != self.path {
                let _ = stream
                    .write_all(
                        b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                    )
                    .await;
                continue;
            }
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n{PAGE_OK}",
                PAGE_OK.len()
            );
            let _ = stream.write_all(response.as_bytes()).await;
            let _ = stream.shutdown().await;
            return Ok(AuthorizationResponse::from_query(query));
        }
    }
}
