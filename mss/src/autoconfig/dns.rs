//! A minimal DNS client for SRV records (RFC 1035 / RFC 2782): a sans-IO
//! query builder and response parser, and a resolver over UDP (TCP when the
//! answer is truncated) that can be pointed at any server — the system's, or a
//! test DNS on loopback.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::error::AutoconfigError;

/// DNS record type SRV.
pub const TYPE_SRV: u16 = 33;

/// One SRV record.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct SrvRecord {
    /// Lower is preferred.
    pub priority: u16,
    /// Relative weight among equal priorities.
    pub weight: u16,
    /// Port.
    pub port: u16,
    /// Target host (`.` means "service not available", RFC 2782).
    pub target: String,
    /// Time to live, seconds.
    pub ttl: u32,
}

fn dns_err(name: &str, reason: impl Into<String>) -> AutoconfigError {
    AutoconfigError::Dns {
        name: name.to_owned(),
        reason: reason.into(),
    }
}

/// Builds a recursive query for `name` / `qtype`.
pub fn build_query(id: u16, name: &str, qtype: u16) -> Result<Vec<u8>, AutoconfigError> {
    let mut q = Vec::with_capacity(name.len() + 18);
    q.extend_from_slice(&id.to_be_bytes());
    q.extend_from_slice(&[0x01, 0x00]); // RD
    q.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0]); // QD=1
    for label in name.trim_end_matches('.').split('.') {
        if label.is_empty()
            || label.len() > 63
            || !label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(dns_err(name, "invalid name"));
        }
        q.push(label.len() as u8);
        q.extend_from_slice(label.as_bytes());
    }
    q.push(0);
    q.extend_from_slice(&qtype.to_be_bytes());
    q.extend_from_slice(&[0, 1]); // IN
    if q.len() > 512 {
        return Err(dns_err(name, "name too long"));
    }
    Ok(q)
}

/// A parsed answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DnsAnswer {
    /// `TC`: retry over TCP.
    pub truncated: bool,
    /// Response code (0 ok, 3 NXDOMAIN).
    pub rcode: u8,
    /// SRV records of the answer section.
    pub srv: Vec<SrvRecord>,
}

fn read_name(msg: &[u8], mut pos: usize, qname: &str) -> Result<(String, usize), AutoconfigError> {
    let mut labels = Vec::new();
    let mut end = None;
    let mut jumps = 0;
    loop {
        let len =
            *msg.get(pos)
                .ok_or_else(|| dns_err(qname, "name runs past the message"))? as usize;
        if len & 0xc0 == 0xc0 {
            let lo = *msg
                .get(pos + 1)
                .ok_or_else(|| dns_err(qname, "truncated pointer"))? as usize;
            if end.is_none() {
                end = Some(pos + 2);
            }
            jumps += 1;
            if jumps > 32 {
                return Err(dns_err(qname, "compression loop"));
            }
            pos = ((len & 0x3f) << 8) | lo;
            continue;
        }
        if len & 0xc0 != 0 {
            return Err(dns_err(qname, "unsupported label type"));
        }
        if len == 0 {
            let end = end.unwrap_or(pos + 1);
            return Ok((labels.join("."), end));
        }
        let label = msg
            .get(pos + 1..pos + 1 + len)
            .ok_or_else(|| dns_err(qname, "label runs past the message"))?;
        labels.push(String::from_utf8_lossy(label).into_owned());
        if labels.len() > 127 {
            return Err(dns_err(qname, "name too long"));
        }
        pos += 1 + len;
    }
}

fn u16_at(msg: &[u8], pos: usize, qname: &str) -> Result<u16, AutoconfigError> {
    msg.get(pos..pos + 2)
        .map(|b| u16::from_be_bytes([b[0], b[1]]))
        .ok_or_else(|| dns_err(qname, "message too short"))
}

/// Parses a response to query `id` for `qname`.
pub fn parse_response(id: u16, msg: &[u8], qname: &str) -> Result<DnsAnswer, AutoconfigError> {
    if msg.len() < 12 {
        return Err(dns_err(qname, "message too short"));
    }
    if u16_at(msg, 0, qname)? != id {
        return Err(dns_err(qname, "answer to another query"));
    }
    let flags = u16_at(msg, 2, qname)?;
    if flags & 0x8000 == 0 {
        return Err(dns_err(qname, "not a response"));
    }
    let mut a = DnsAnswer {
        truncated: flags & 0x0200 != 0,
        rcode: (flags & 0x000f) as u8,
        srv: Vec::new(),
    };
    let qd = u16_at(msg, 4, qname)?;
    let an = u16_at(msg, 6, qname)?;
    let mut pos = 12;
    for _ in 0..qd {
        let (_, next) = read_name(msg, pos, qname)?;
        pos = next + 4;
    }
    for _ in 0..an {
        let (_, next) = read_name(msg, pos, qname)?;
        let rtype = u16_at(msg, next, qname)?;
        let ttl = msg
            .get(next + 4..next + 8)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or_else(|| dns_err(qname, "truncated record"))?;
        let rdlen = u16_at(msg, next + 8, qname)? as usize;
        let rdata = next + 10;
        if msg.len() < rdata + rdlen {
            return Err(dns_err(qname, "record data runs past the message"));
        }
        if rtype == TYPE_SRV {
            if rdlen < 7 {
                return Err(dns_err(qname, "SRV record too short"));
            }
            let (target, _) = read_name(msg, rdata + 6, qname)?;
            a.srv.push(SrvRecord {
                priority: u16_at(msg, rdata, qname)?,
                weight: u16_at(msg, rdata + 2, qname)?,
                port: u16_at(msg, rdata + 4, qname)?,
                target: if target.is_empty() {
                    ".".into()
                } else {
                    target
                },
                ttl,
            });
        }
        pos = rdata + rdlen;
    }
    Ok(a)
}

/// Builds a response (simulator and tests): the question echoed and the SRV answers.
pub fn build_srv_response(query: &[u8], records: &[SrvRecord], truncated: bool) -> Option<Vec<u8>> {
    if query.len() < 12 {
        return None;
    }
    let (qname, qend) = read_name(query, 12, "").ok()?;
    let question = query.get(12..qend + 4)?;
    let mut r = Vec::new();
    r.extend_from_slice(&query[0..2]);
    let rcode: u16 = if records.is_empty() { 3 } else { 0 };
    let flags: u16 = 0x8180 | if truncated { 0x0200 } else { 0 } | rcode;
    r.extend_from_slice(&flags.to_be_bytes());
    r.extend_from_slice(&[0, 1]);
    r.extend_from_slice(
        &(if truncated {
            0u16
        } else {
            records.len() as u16
        })
        .to_be_bytes(),
    );
    r.extend_from_slice(&[0, 0, 0, 0]);
    r.extend_from_slice(question);
    if !truncated {
        for rec in records {
            r.extend_from_slice(&[0xc0, 12]); // pointer to the question name
            r.extend_from_slice(&TYPE_SRV.to_be_bytes());
            r.extend_from_slice(&[0, 1]);
            r.extend_from_slice(&rec.ttl.to_be_bytes());
            let mut rdata = Vec::new();
            rdata.extend_from_slice(&rec.priority.to_be_bytes());
            rdata.extend_from_slice(&rec.weight.to_be_bytes());
            rdata.extend_from_slice(&rec.port.to_be_bytes());
            if rec.target != "." {
                for l in rec.target.trim_end_matches('.').split('.') {
                    rdata.push(l.len() as u8);
                    rdata.extend_from_slice(l.as_bytes());
                }
            }
            rdata.push(0);
            r.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
            r.extend_from_slice(&rdata);
        }
    }
    let _ = qname;
    Some(r)
}

/// Looks SRV records up.
pub trait SrvResolver: Send + Sync {
    /// The SRV records of `name` (empty when none / NXDOMAIN).
    fn lookup_srv<'a>(
        &'a self,
        name: &'a str,
    ) -> segur_psc::BoxFuture<'a, Result<Vec<SrvRecord>, AutoconfigError>>;
}

/// A resolver over UDP (then TCP when truncated) to the given servers.
#[derive(Debug, Clone)]
pub struct DnsResolver {
    servers: Vec<SocketAddr>,
    timeout: Duration,
}

impl DnsResolver {
    /// Queries `servers` in order (e.g. a test DNS on 127.0.0.1).
    pub fn new(servers: Vec<SocketAddr>) -> Self {
        Self {
            servers,
            timeout: Duration::from_secs(3),
        }
    }

    /// Sets the per-server timeout.
    pub fn with_timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }

    /// The `nameserver` entries of `/etc/resolv.conf`.
    pub fn from_system() -> Result<Self, AutoconfigError> {
        let text = std::fs::read_to_string("/etc/resolv.conf")
            .map_err(|e| dns_err("/etc/resolv.conf", e.to_string()))?;
        Ok(Self::new(parse_resolv_conf(&text)))
    }

    async fn query_server(
        &self,
        server: SocketAddr,
        name: &str,
    ) -> Result<DnsAnswer, AutoconfigError> {
        let id: u16 = rand_id();
        let q = build_query(id, name, TYPE_SRV)?;
        let bind = if server.is_ipv4() {
            "0.0.0.0:0"
        } else {
            "[::]:0"
        };
        let sock = tokio::net::UdpSocket::bind(bind)
            .await
            .map_err(|e| dns_err(name, e.to_string()))?;
        sock.connect(server)
            .await
            .map_err(|e| dns_err(name, e.to_string()))?;
        sock.send(&q)
            .await
            .map_err(|e| dns_err(name, e.to_string()))?;
        let mut buf = vec![0u8; 4096];
        let answer = loop {
            let n = match tokio::time::timeout(self.timeout, sock.recv(&mut buf)).await {
                Ok(Ok(n)) => n,
                Ok(Err(e)) => return Err(dns_err(name, e.to_string())),
                Err(_) => return Err(dns_err(name, format!("no answer from {server}"))),
            };
            // Ignore stray datagrams (another id): keep waiting.
            match parse_response(id, &buf[..n], name) {
                Err(AutoconfigError::Dns { reason, .. }) if reason == "answer to another query" => {
                    continue;
                }
                r => break r?,
            }
        };
        if !answer.truncated {
            return Ok(answer);
        }
        // Truncated: the same query over TCP (2-byte length prefix).
        let fut = async {
            let mut tcp = tokio::net::TcpStream::connect(server).await?;
            let mut framed = (q.len() as u16).to_be_bytes().to_vec();
            framed.extend_from_slice(&q);
            tcp.write_all(&framed).await?;
            let mut len = [0u8; 2];
            tcp.read_exact(&mut len).await?;
            let mut resp = vec![0u8; u16::from_be_bytes(len) as usize];
            tcp.read_exact(&mut resp).await?;
            Ok::<_, std::io::Error>(resp)
        };
        let resp = match tokio::time::timeout(self.timeout, fut).await {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => return Err(dns_err(name, format!("TCP: {e}"))),
            Err(_) => return Err(dns_err(name, "TCP: no answer")),
        };
        parse_response(id, &resp, name)
    }
}

fn rand_id() -> u16 {
    let b = uuid::Uuid::new_v4();
    let x = b.as_bytes();
    u16::from_be_bytes([x[0], x[1]])
}

/// The name servers of a `resolv.conf` text.
pub fn parse_resolv_conf(text: &str) -> Vec<SocketAddr> {
    text.lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            (w.next()? == "nameserver").then(|| w.next())?
        })
        .filter_map(|ip| ip.parse::<std::net::IpAddr>().ok())
        .map(|ip| SocketAddr::new(ip, 53))
        .collect()
}

impl SrvResolver for DnsResolver {
    fn lookup_srv<'a>(
        &'a self,
        name: &'a str,
    ) -> segur_psc::BoxFuture<'a, Result<Vec<SrvRecord>, AutoconfigError>> {
        Box::pin(async move {
            let mut last = dns_err(name, "no name server configured");
            for s in &self.servers {
                match self.query_server(*s, name).await {
                    Ok(a) if a.rcode == 0 || a.rcode == 3 => return Ok(a.srv),
                    Ok(a) => last = dns_err(name, format!("server {s} answered rcode {}", a.rcode)),
                    Err(e) => last = e,
                }
            }
            Err(last)
        })
    }
}

/// Fixed answers (tests, or records configured by the integrator).
#[derive(Debug, Clone, Default)]
pub struct StaticResolver(pub HashMap<String, Vec<SrvRecord>>);

impl SrvResolver for StaticResolver {
    fn lookup_srv<'a>(
        &'a self,
        name: &'a str,
    ) -> segur_psc::BoxFuture<'a, Result<Vec<SrvRecord>, AutoconfigError>> {
        let r = self
            .0
            .get(name.trim_end_matches('.'))
            .cloned()
            .unwrap_or_default();
        Box::pin(std::future::ready(Ok(r)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_and_response_round_trip() {
        let q = build_query(0x1234, "_imaps._tcp.medecin.mssante.fr", TYPE_SRV).unwrap();
        assert_eq!(&q[..4], &[0x12, 0x34, 0x01, 0x00]);
        let recs = vec![
            SrvRecord {
                priority: 0,
                weight: 1,
                port: 993,
                target: "imap.mssante.fr".into(),
                ttl: 300,
            },
            SrvRecord {
                priority: 10,
                weight: 0,
                port: 143,
                target: ".".into(),
                ttl: 60,
            },
        ];
        let r = build_srv_response(&q, &recs, false).unwrap();
        let a = parse_response(0x1234, &r, "x").unwrap();
        assert_eq!(a.srv, recs);
        assert!(!a.truncated);
        let tc =
            parse_response(0x1234, &build_srv_response(&q, &recs, true).unwrap(), "x").unwrap();
        assert!(tc.truncated && tc.srv.is_empty());
        let nx = parse_response(0x1234, &build_srv_response(&q, &[], false).unwrap(), "x").unwrap();
        assert_eq!(nx.rcode, 3);
        assert!(parse_response(0x9999, &r, "x").is_err());
        assert!(build_query(1, "bad name.fr", TYPE_SRV).is_err());
    }

    #[test]
    fn compressed_target_names() {
        // A response whose SRV target points into the question name.
        let q = build_query(7, "_imap._tcp.example.fr", TYPE_SRV).unwrap();
        let mut r = build_srv_response(
            &q,
            &[SrvRecord {
                priority: 1,
                weight: 2,
                port: 143,
                target: "x".into(),
                ttl: 5,
            }],
            false,
        )
        .unwrap();
        // Replace the target "x" (1 'x' 0) by "mail" + pointer to "example.fr" (offset 12 + 6 + 5 = 23).
        let len = r.len();
        r.truncate(len - 3);
        r.extend_from_slice(&[4, b'm', b'a', b'i', b'l', 0xc0, 23]);
        let rdlen_pos = r.len() - 7 - 6 - 2;
        r[rdlen_pos..rdlen_pos + 2].copy_from_slice(&(6u16 + 7).to_be_bytes());
        let a = parse_response(7, &r, "x").unwrap();
        assert_eq!(a.srv[0].target, "mail.example.fr");
    }

    #[test]
    fn hostile_responses_do_not_panic() {
        let q = build_query(1, "a.fr", TYPE_SRV).unwrap();
        let mut loop_msg = build_srv_response(
            &q,
            &[SrvRecord {
                priority: 0,
                weight: 0,
                port: 1,
                target: "b".into(),
                ttl: 1,
            }],
            false,
        )
        .unwrap();
        let n = loop_msg.len();
        // Target name = pointer to itself.
        loop_msg[n - 3] = 0xc0;
        loop_msg[n - 2] = (n - 3) as u8;
        assert!(parse_response(1, &loop_msg, "x").is_err());
        for cut in 0..loop_msg.len() {
            let _ = parse_response(1, &loop_msg[..cut], "x");
        }
    }

    #[test]
    fn resolv_conf() {
        let s = parse_resolv_conf(
            "# x\nnameserver 127.0.0.53\nsearch lan\nnameserver ::1\nnameserver bad\n",
        );
        assert_eq!(
            s,
            vec![
                "127.0.0.53:53".parse().unwrap(),
                "[::1]:53".parse().unwrap()
            ]
        );
    }

    proptest::proptest! {
        #[test]
        fn parser_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            let _ = parse_response(u16::from_be_bytes([bytes.first().copied().unwrap_or(0), bytes.get(1).copied().unwrap_or(0)]), &bytes, "x");
        }
    }
}
