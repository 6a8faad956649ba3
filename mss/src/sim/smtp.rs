//! The simulator's SMTP submission server side.

use std::sync::Arc;

use tokio::net::TcpStream;

use super::store::Submission;
use super::{Kill, ReadEvent, ServerConn, Shared};
use crate::address::MailAddress;
use crate::config::Security;
use crate::sasl;
use crate::smtp::proto::dot_unstuff;

async fn read_line(conn: &mut ServerConn) -> std::io::Result<Result<String, ReadEvent>> {
    loop {
        if let Some(p) = conn.buf.windows(2).position(|w| w == b"\r\n") {
            let line: Vec<u8> = conn.buf.drain(..p + 2).collect();
            return Ok(Ok(String::from_utf8_lossy(&line[..p]).into_owned()));
        }
        if conn.buf.len() > 8192 {
            return Err(std::io::ErrorKind::InvalidData.into());
        }
        match conn.read_more().await? {
            ReadEvent::Data => {}
            other => return Ok(Err(other)),
        }
    }
}

async fn read_data(
    conn: &mut ServerConn,
    max: u64,
) -> std::io::Result<Result<Option<Vec<u8>>, ReadEvent>> {
    loop {
        // The terminator is CRLF . CRLF; the data starts right after the 354.
        if conn.buf.starts_with(b".\r\n") {
            conn.buf.drain(..3);
            return Ok(Ok(Some(Vec::new())));
        }
        if let Some(p) = conn.buf.windows(5).position(|w| w == b"\r\n.\r\n") {
            let data: Vec<u8> = conn.buf.drain(..p + 5).collect();
            let body = &data[..p + 2];
            if body.len() as u64 > max {
                return Ok(Ok(None));
            }
            return Ok(Ok(Some(dot_unstuff(body))));
        }
        if conn.buf.len() as u64 > max + 1024 * 1024 {
            // Keep reading until the end but drop what exceeds the limit.
            let keep = conn.buf.len().saturating_sub(8);
            conn.buf.drain(..keep);
        }
        match conn.read_more().await? {
            ReadEvent::Data => {}
            other => return Ok(Err(other)),
        }
    }
}

struct Tx {
    from: String,
    rcpts: Vec<String>,
    notify_success: Vec<String>,
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
    conn.write(b"220 sim.mssante.test ESMTP segur-mss operator simulator\r\n")
        .await?;
    let mut user: Option<MailAddress> = None;
    let mut cert_subject: Option<String> =
        Shared::certificate_subject(conn.peer_certificates().as_deref());
    let mut tx: Option<Tx> = None;
    loop {
        let line = match read_line(&mut conn).await? {
            Ok(l) => l,
            Err(ReadEvent::Killed(Kill::Cut(_))) => {
                conn.cut();
                return Ok(());
            }
            Err(_) => {
                let _ = conn
                    .write(b"421 4.4.2 sim.mssante.test Error: timeout exceeded\r\n")
                    .await;
                conn.close().await;
                return Ok(());
            }
        };
        let upper = line.to_ascii_uppercase();
        let verb = upper.split_whitespace().next().unwrap_or("").to_owned();
        match verb.as_str() {
            "EHLO" | "HELO" => {
                let mut out = String::from("250-sim.mssante.test\r\n250-PIPELINING\r\n");
                out.push_str(&format!("250-SIZE {}\r\n", shared.max_size));
                if conn.is_tls() {
                    out.push_str("250-AUTH XOAUTH2 OAUTHBEARER\r\n");
                } else {
                    out.push_str("250-STARTTLS\r\n");
                }
                out.push_str("250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250 DSN\r\n");
                conn.write(out.as_bytes()).await?;
                tx = None;
            }
            "STARTTLS" if !conn.is_tls() => {
                conn.write(b"220 2.0.0 Ready to start TLS\r\n").await?;
                let acceptor = shared.acceptor.clone();
                conn.tls(&acceptor).await?;
                cert_subject = Shared::certificate_subject(conn.peer_certificates().as_deref());
            }
            "AUTH" if conn.is_tls() && user.is_none() => {
                let mut words = line.split_whitespace().skip(1);
                let mech = words.next().unwrap_or("").to_ascii_uppercase();
                let initial = match words.next() {
                    Some(i) => i.to_owned(),
                    None => {
                        conn.write(b"334 \r\n").await?;
                        match read_line(&mut conn).await? {
                            Ok(l) => l,
                            Err(_) => return Ok(()),
                        }
                    }
                };
                let raw = sasl::decode(&initial).unwrap_or_default();
                let creds = match mech.as_str() {
                    "XOAUTH2" => sasl::parse_xoauth2(&raw),
                    "OAUTHBEARER" => sasl::parse_oauthbearer(&raw),
                    _ => {
                        conn.write(b"504 5.5.4 Unrecognized authentication type\r\n")
                            .await?;
                        continue;
                    }
                };
                match creds.and_then(|c| shared.check_token(&c.user, &c.token)) {
                    Some(u) => {
                        user = Some(u);
                        shared.stats().smtp_logins += 1;
                        conn.write(b"235 2.7.0 Authentication successful\r\n")
                            .await?;
                    }
                    None => {
                        let err = sasl::encode_response(
                            br#"{"status":"invalid_token","schemes":"bearer"}"#,
                        );
                        conn.write(format!("334 {err}\r\n").as_bytes()).await?;
                        let _ = read_line(&mut conn).await?;
                        conn.write(b"535 5.7.8 Error: authentication failed\r\n")
                            .await?;
                    }
                }
            }
            "MAIL" => {
                if !conn.is_tls() {
                    conn.write(b"530 5.7.0 Must issue a STARTTLS command first\r\n")
                        .await?;
                    continue;
                }
                let from = angle(&line).unwrap_or_default();
                let Ok(from_addr) = MailAddress::parse(&from) else {
                    conn.write(b"501 5.1.7 Bad sender address syntax\r\n")
                        .await?;
                    continue;
                };
                let allowed = match (&user, &cert_subject) {
                    (Some(u), _) => *u == from_addr || shared.may_open(u.as_str(), &from_addr),
                    (None, Some(s)) => shared.may_open(s, &from_addr),
                    (None, None) => {
                        conn.write(b"530 5.7.0 Authentication required\r\n").await?;
                        continue;
                    }
                };
                if !allowed {
                    conn.write(
                        format!(
                            "553 5.7.1 <{from}>: Sender address rejected: not owned by user\r\n"
                        )
                        .as_bytes(),
                    )
                    .await?;
                    continue;
                }
                if user.is_none() {
                    shared.stats().smtp_logins += 1;
                }
                if let Some(size) = param(&upper, "SIZE=").and_then(|s| s.parse::<u64>().ok()) {
                    if size > shared.max_size {
                        conn.write(b"552 5.3.4 Message size exceeds fixed limit\r\n")
                            .await?;
                        continue;
                    }
                }
                tx = Some(Tx {
                    from,
                    rcpts: Vec::new(),
                    notify_success: Vec::new(),
                });
                conn.write(b"250 2.1.0 Ok\r\n").await?;
            }
            "RCPT" => {
                let Some(t) = tx.as_mut() else {
                    conn.write(b"503 5.5.1 Error: need MAIL command\r\n")
                        .await?;
                    continue;
                };
                let to = angle(&line).unwrap_or_default();
                let Ok(addr) = MailAddress::parse(&to) else {
                    conn.write(b"501 5.1.3 Bad recipient address syntax\r\n")
                        .await?;
                    continue;
                };
                let known = {
                    let st = shared.store();
                    !st.is_local_domain(addr.domain()) || st.has_account(&addr)
                };
                if !known {
                    conn.write(format!("550 5.1.1 <{to}>: Recipient address rejected: User unknown in virtual mailbox table\r\n").as_bytes()).await?;
                    continue;
                }
                if param(&upper, "NOTIFY=").is_some_and(|n| n.contains("SUCCESS")) {
                    t.notify_success.push(addr.to_string());
                }
                t.rcpts.push(addr.to_string());
                conn.write(b"250 2.1.5 Ok\r\n").await?;
            }
            "DATA" => {
                let Some(t) = tx.take() else {
                    conn.write(b"503 5.5.1 Error: need RCPT command\r\n")
                        .await?;
                    continue;
                };
                if t.rcpts.is_empty() {
                    conn.write(b"554 5.5.1 Error: no valid recipients\r\n")
                        .await?;
                    continue;
                }
                conn.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                let data = match read_data(&mut conn, shared.max_size).await? {
                    Ok(d) => d,
                    Err(ReadEvent::Killed(Kill::Cut(_))) => {
                        conn.cut();
                        return Ok(());
                    }
                    Err(_) => return Ok(()),
                };
                let Some(raw) = data else {
                    conn.write(b"552 5.3.4 Message size exceeds fixed limit\r\n")
                        .await?;
                    continue;
                };
                let who = user
                    .as_ref()
                    .map(|u| u.to_string())
                    .or(cert_subject.clone())
                    .unwrap_or_default();
                let id = uuid::Uuid::new_v4().simple().to_string();
                shared.store().accept_submission(
                    Submission {
                        user: who,
                        from: t.from,
                        recipients: t.rcpts,
                        raw,
                    },
                    &t.notify_success,
                    crate::message::MES_MAX_SIZE,
                );
                shared.stats().submissions += 1;
                conn.write(format!("250 2.0.0 Ok: queued as {}\r\n", &id[..10]).as_bytes())
                    .await?;
            }
            "RSET" => {
                tx = None;
                conn.write(b"250 2.0.0 Ok\r\n").await?;
            }
            "NOOP" => conn.write(b"250 2.0.0 Ok\r\n").await?,
            "QUIT" => {
                conn.write(b"221 2.0.0 Bye\r\n").await?;
                conn.close().await;
                return Ok(());
            }
            _ => {
                conn.write(b"502 5.5.2 Error: command not recognized\r\n")
                    .await?
            }
        }
    }
}

fn angle(line: &str) -> Option<String> {
    let a = line.find('<')?;
    let b = line[a..].find('>')? + a;
    Some(line[a + 1..b].to_owned())
}

fn param<'a>(upper_line: &'a str, name: &str) -> Option<&'a str> {
    upper_line
        .split_whitespace()
        .find_map(|w| w.strip_prefix(name))
}
