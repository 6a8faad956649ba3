//! Mailbox autoconfiguration from the address (SC.MSS/CONF.04): a manual
//! override when the integrator set one, else DNS SRV (RFC 6186
//! `_imap._tcp` / `_submission._tcp`, RFC 8314 `_imaps._tcp` /
//! `_submissions._tcp`), else an AutoConfig XML document, else a manual
//! fallback. The result is cached (SRV TTL, 24 h for XML) and explained step
//! by step ([`Discovery::explain`]). TLS is verified against the IGC-Santé
//! roots whatever the source, so a spoofed answer cannot redirect the client
//! to a server without an IGC-Santé certificate.
//!
//! The exact record names of the Ref#2 are UNCONFIRMED (reference sheet §2):
//! the RFC 6186 / 8314 names are used; implicit TLS is preferred at equal
//! priority (RFC 8314 §5.1).

pub mod dns;
pub mod xml;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use segur_psc::{BoxFuture, SharedClock, SystemClock};
use time::{Duration, OffsetDateTime};

use crate::address::MailAddress;
use crate::config::{Security, ServerEndpoint, ServerSettings};
use crate::error::AutoconfigError;
use dns::{SrvRecord, SrvResolver};

/// Where settings came from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub enum Source {
    /// The integrator's override.
    ManualOverride,
    /// DNS SRV records.
    DnsSrv,
    /// An AutoConfig document at this URL.
    AutoConfig(String),
    /// The integrator's fallback, after discovery found nothing.
    ManualFallback,
}

/// A discovery result, with its explanation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Discovery {
    /// The mail domain.
    pub domain: String,
    /// The settings found.
    pub settings: ServerSettings,
    /// Where they came from.
    pub source: Source,
    /// Every step tried and its outcome, in order.
    pub steps: Vec<String>,
    /// Warnings (target outside the mail domain…).
    pub warnings: Vec<String>,
    /// When found.
    pub found_at: OffsetDateTime,
    /// Until when the cache keeps it.
    pub expires_at: OffsetDateTime,
}

impl Discovery {
    /// A human explanation (one line per step).
    pub fn explain(&self) -> String {
        let mut out = format!(
            "{}: IMAP {} ({:?}), SMTP {} ({:?}) from {:?}\n",
            self.domain,
            self.settings.imap,
            self.settings.imap.security,
            self.settings.smtp,
            self.settings.smtp.security,
            self.source
        );
        for s in &self.steps {
            out.push_str("  - ");
            out.push_str(s);
            out.push('\n');
        }
        for w in &self.warnings {
            out.push_str("  ! ");
            out.push_str(w);
            out.push('\n');
        }
        out
    }
}

/// Fetches an AutoConfig document: `Ok(None)` when absent (404).
pub trait AutoconfigFetcher: Send + Sync {
    /// GET `url`.
    fn fetch<'a>(&'a self, url: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, String>>;
}

/// An HTTPS fetcher over reqwest with a given rustls configuration.
#[derive(Debug, Clone)]
pub struct HttpFetcher {
    client: reqwest::Client,
}

impl HttpFetcher {
    /// A fetcher trusting what `tls` trusts (build it with segur-ssi).
    pub fn new(tls: rustls::ClientConfig) -> Result<Self, AutoconfigError> {
        let client = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .timeout(std::time::Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::limited(3))
            .build()
            .map_err(|e| AutoconfigError::Xml {
                source_url: String::new(),
                reason: e.to_string(),
            })?;
        Ok(Self { client })
    }
}

/// Largest AutoConfig document read.
const MAX_XML: usize = 256 * 1024;

impl AutoconfigFetcher for HttpFetcher {
    fn fetch<'a>(&'a self, url: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, String>> {
        Box::pin(async move {
            let resp = self
                .client
                .get(url)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            if resp.status() == reqwest::StatusCode::NOT_FOUND {
                return Ok(None);
            }
            if !resp.status().is_success() {
                return Err(format!("HTTP {}", resp.status()));
            }
            let bytes = resp.bytes().await.map_err(|e| e.to_string())?;
            if bytes.len() > MAX_XML {
                return Err("document too large".into());
            }
            Ok(Some(bytes.to_vec()))
        })
    }
}

/// Discovers and caches mailbox settings.
pub struct Autoconfigurator {
    resolver: Arc<dyn SrvResolver>,
    fetcher: Option<Arc<dyn AutoconfigFetcher>>,
    overrides: HashMap<String, ServerSettings>,
    fallbacks: HashMap<String, ServerSettings>,
    cache: Mutex<HashMap<String, Discovery>>,
    clock: SharedClock,
    https_port: Option<u16>,
}

impl std::fmt::Debug for Autoconfigurator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Autoconfigurator")
            .field("overrides", &self.overrides.keys())
            .finish_non_exhaustive()
    }
}

fn pick(records: Vec<(SrvRecord, Security)>) -> Option<(SrvRecord, Security)> {
    let mut usable: Vec<_> = records
        .into_iter()
        .filter(|(r, _)| r.target != "." && !r.target.is_empty() && r.port != 0)
        .collect();
    // Lowest priority; implicit TLS first at equal priority; then highest weight.
    usable.sort_by(|(a, sa), (b, sb)| {
        a.priority
            .cmp(&b.priority)
            .then_with(|| (*sb == Security::ImplicitTls).cmp(&(*sa == Security::ImplicitTls)))
            .then_with(|| b.weight.cmp(&a.weight))
            .then_with(|| a.target.cmp(&b.target))
    });
    usable.into_iter().next()
}

fn in_domain(host: &str, domain: &str) -> bool {
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    h == domain || h.ends_with(&format!(".{domain}"))
}

impl Autoconfigurator {
    /// With a resolver (e.g. [`dns::DnsResolver::from_system`] or one pointed
    /// at a test DNS) and no AutoConfig fetcher.
    pub fn new(resolver: Arc<dyn SrvResolver>) -> Self {
        Self {
            resolver,
            fetcher: None,
            overrides: HashMap::new(),
            fallbacks: HashMap::new(),
            cache: Mutex::new(HashMap::new()),
            clock: Arc::new(SystemClock),
            https_port: None,
        }
    }

    /// Also tries AutoConfig XML documents with this fetcher.
    pub fn with_fetcher(mut self, fetcher: Arc<dyn AutoconfigFetcher>) -> Self {
        self.fetcher = Some(fetcher);
        self
    }

    /// The clock used for cache expiry.
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// Uses `http://<host>:<port>` instead of `https://<host>` for AutoConfig
    /// URLs (loopback tests with the simulator only).
    pub fn with_autoconfig_port_for_tests(mut self, port: u16) -> Self {
        self.https_port = Some(port);
        self
    }

    /// Settings that win over discovery for `domain`.
    pub fn set_override(&mut self, domain: &str, settings: ServerSettings) {
        self.overrides.insert(domain.to_ascii_lowercase(), settings);
    }

    /// Settings used when discovery finds nothing for `domain`.
    pub fn set_fallback(&mut self, domain: &str, settings: ServerSettings) {
        self.fallbacks.insert(domain.to_ascii_lowercase(), settings);
    }

    /// The cached result for `domain`, if still valid.
    pub fn cached(&self, domain: &str) -> Option<Discovery> {
        let now = self.clock.now();
        let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache
            .get(&domain.to_ascii_lowercase())
            .filter(|d| d.expires_at > now)
            .cloned()
    }

    /// Forgets the cached result (e.g. after connection failures).
    pub fn invalidate(&self, domain: &str) {
        self.cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&domain.to_ascii_lowercase());
    }

    fn urls(&self, address: &MailAddress) -> Vec<String> {
        let d = address.domain();
        let q = format!(
            "emailaddress={}",
            address.as_str().replace('+', "%2B").replace('@', "%40")
        );
        match self.https_port {
            Some(p) => vec![
                format!("http://127.0.0.1:{p}/autoconfig.{d}/mail/config-v1.1.xml?{q}"),
                format!("http://127.0.0.1:{p}/{d}/.well-known/autoconfig/mail/config-v1.1.xml?{q}"),
            ],
            None => vec![
                format!("https://autoconfig.{d}/mail/config-v1.1.xml?{q}"),
                format!("https://{d}/.well-known/autoconfig/mail/config-v1.1.xml?{q}"),
            ],
        }
    }

    async fn srv(
        &self,
        domain: &str,
        service: &str,
        steps: &mut Vec<String>,
    ) -> Vec<(SrvRecord, Security)> {
        let mut out = Vec::new();
        let (implicit, starttls) = match service {
            "imap" => ("_imaps._tcp", "_imap._tcp"),
            _ => ("_submissions._tcp", "_submission._tcp"),
        };
        for (prefix, sec) in [
            (implicit, Security::ImplicitTls),
            (starttls, Security::StartTls),
        ] {
            let name = format!("{prefix}.{domain}");
            match self.resolver.lookup_srv(&name).await {
                Ok(recs) if recs.is_empty() => steps.push(format!("DNS SRV {name}: no record")),
                Ok(recs) => {
                    steps.push(format!(
                        "DNS SRV {name}: {}",
                        recs.iter()
                            .map(|r| format!(
                                "{}:{} (priority {}, weight {})",
                                r.target, r.port, r.priority, r.weight
                            ))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                    out.extend(recs.into_iter().map(|r| (r, sec)));
                }
                Err(e) => steps.push(format!("DNS SRV {name}: {e}")),
            }
        }
        out
    }

    /// Discovers the settings of `address`'s mailbox.
    pub async fn discover(&self, address: &MailAddress) -> Result<Discovery, AutoconfigError> {
        let domain = address.domain().to_owned();
        if let Some(d) = self.cached(&domain) {
            return Ok(d);
        }
        let now = self.clock.now();
        let mut steps = Vec::new();
        let mut warnings = Vec::new();
        let done = |settings: ServerSettings,
                    source: Source,
                    steps: Vec<String>,
                    warnings: Vec<String>,
                    ttl: Duration| {
            let d = Discovery {
                domain: domain.clone(),
                settings,
                source,
                steps,
                warnings,
                found_at: now,
                expires_at: now + ttl,
            };
            self.cache
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(domain.clone(), d.clone());
            d
        };
        if let Some(s) = self.overrides.get(&domain) {
            steps.push("manual override configured: discovery not needed".into());
            return Ok(done(
                s.clone(),
                Source::ManualOverride,
                steps,
                warnings,
                Duration::days(3650),
            ));
        }

        // 1. DNS SRV.
        let imap = pick(self.srv(&domain, "imap", &mut steps).await);
        let smtp = pick(self.srv(&domain, "smtp", &mut steps).await);
        let mut partial: (Option<ServerEndpoint>, Option<ServerEndpoint>) = (None, None);
        let mut ttl_secs = u32::MAX;
        for (slot, found) in [(&mut partial.0, &imap), (&mut partial.1, &smtp)] {
            if let Some((r, sec)) = found {
                let host = r.target.trim_end_matches('.').to_owned();
                if !in_domain(&host, &domain) {
                    warnings.push(format!("{host} is outside {domain}: trusted only because TLS is verified against the IGC-Santé roots"));
                }
                ttl_secs = ttl_secs.min(r.ttl);
                *slot = Some(ServerEndpoint::new(host, r.port, *sec));
            }
        }
        if let (Some(i), Some(s)) = (&partial.0, &partial.1) {
            steps.push(format!("chosen from DNS SRV: IMAP {i}, SMTP {s}"));
            let ttl = Duration::seconds(i64::from(ttl_secs.clamp(60, 86_400)));
            return Ok(done(
                ServerSettings {
                    imap: i.clone(),
                    smtp: s.clone(),
                },
                Source::DnsSrv,
                steps,
                warnings,
                ttl,
            ));
        }

        // 2. AutoConfig XML.
        if let Some(fetcher) = &self.fetcher {
            for url in self.urls(address) {
                match fetcher.fetch(&url).await {
                    Ok(None) => steps.push(format!("AutoConfig {url}: not found")),
                    Err(e) => steps.push(format!("AutoConfig {url}: {e}")),
                    Ok(Some(bytes)) => match xml::parse_autoconfig(&bytes, address, &url) {
                        Err(e) => steps.push(format!("AutoConfig {url}: {e}")),
                        Ok(servers) => {
                            let mut first = |kind: &str| {
                                servers.iter().filter(|s| s.kind == kind).find_map(|s| {
                                    let ep = s.endpoint();
                                    if ep.is_none() {
                                        warnings.push(format!(
                                            "{kind} server {}:{} offered without TLS: ignored",
                                            s.hostname, s.port
                                        ));
                                    }
                                    ep
                                })
                            };
                            let i = partial.0.clone().or_else(|| first("imap"));
                            let s = partial.1.clone().or_else(|| first("smtp"));
                            match (i, s) {
                                (Some(i), Some(s)) => {
                                    steps.push(format!(
                                        "chosen from AutoConfig: IMAP {i}, SMTP {s}"
                                    ));
                                    return Ok(done(
                                        ServerSettings { imap: i, smtp: s },
                                        Source::AutoConfig(url),
                                        steps,
                                        warnings,
                                        Duration::hours(24),
                                    ));
                                }
                                _ => steps.push(format!(
                                    "AutoConfig {url}: no IMAP or SMTP server with TLS"
                                )),
                            }
                        }
                    },
                }
            }
        } else {
            steps.push("AutoConfig: no fetcher configured".into());
        }

        // 3. Manual fallback.
        if let Some(s) = self.fallbacks.get(&domain) {
            steps.push("manual fallback used".into());
            return Ok(done(
                s.clone(),
                Source::ManualFallback,
                steps,
                warnings,
                Duration::hours(1),
            ));
        }
        Err(AutoconfigError::NotFound {
            domain,
            tried: steps,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dns::StaticResolver;

    fn rec(p: u16, w: u16, port: u16, t: &str) -> SrvRecord {
        SrvRecord {
            priority: p,
            weight: w,
            port,
            target: t.into(),
            ttl: 600,
        }
    }

    #[test]
    fn srv_choice() {
        let r = pick(vec![
            (rec(10, 0, 143, "b.fr"), Security::StartTls),
            (rec(10, 0, 993, "a.fr"), Security::ImplicitTls),
            (rec(5, 0, 143, "."), Security::StartTls),
        ]);
        assert_eq!(r.unwrap().0.port, 993);
        let r = pick(vec![
            (rec(10, 0, 993, "a.fr"), Security::ImplicitTls),
            (rec(1, 0, 143, "b.fr"), Security::StartTls),
        ]);
        assert_eq!(r.unwrap().0.port, 143);
        assert!(pick(vec![(rec(0, 0, 0, "."), Security::StartTls)]).is_none());
    }

    #[tokio::test]
    async fn srv_then_cache_then_override() {
        let mut m = HashMap::new();
        m.insert(
            "_imaps._tcp.medecin.mssante.fr".to_owned(),
            vec![rec(0, 1, 993, "imap.mssante.fr")],
        );
        m.insert(
            "_submission._tcp.medecin.mssante.fr".to_owned(),
            vec![rec(0, 1, 587, "smtp.medecin.mssante.fr")],
        );
        let clock = segur_psc::ManualClock::new(OffsetDateTime::UNIX_EPOCH);
        let mut a =
            Autoconfigurator::new(Arc::new(StaticResolver(m))).with_clock(Arc::new(clock.clone()));
        let addr: MailAddress = "dr@medecin.mssante.fr".parse().unwrap();
        let d = a.discover(&addr).await.unwrap();
        assert_eq!(d.source, Source::DnsSrv);
        assert_eq!(
            d.settings.imap,
            ServerEndpoint::new("imap.mssante.fr", 993, Security::ImplicitTls)
        );
        assert_eq!(
            d.settings.smtp,
            ServerEndpoint::new("smtp.medecin.mssante.fr", 587, Security::StartTls)
        );
        assert_eq!(
            d.warnings.len(),
            1,
            "imap.mssante.fr is outside medecin.mssante.fr"
        );
        assert!(
            d.explain()
                .contains("_imap._tcp.medecin.mssante.fr: no record")
        );
        assert!(a.cached("medecin.mssante.fr").is_some());
        clock.advance(Duration::seconds(601));
        assert!(a.cached("medecin.mssante.fr").is_none());
        a.set_override(
            "medecin.mssante.fr",
            ServerSettings {
                imap: ServerEndpoint::new("x", 1, Security::ImplicitTls),
                smtp: ServerEndpoint::new("y", 2, Security::ImplicitTls),
            },
        );
        assert_eq!(
            a.discover(&addr).await.unwrap().source,
            Source::ManualOverride
        );
    }

    #[tokio::test]
    async fn nothing_found_is_explained() {
        let mut a = Autoconfigurator::new(Arc::new(StaticResolver::default()));
        let addr: MailAddress = "dr@nowhere.fr".parse().unwrap();
        match a.discover(&addr).await {
            Err(AutoconfigError::NotFound { tried, .. }) => assert_eq!(tried.len(), 5),
            other => panic!("{other:?}"),
        }
        let s = ServerSettings {
            imap: ServerEndpoint::new("i", 993, Security::ImplicitTls),
            smtp: ServerEndpoint::new("s", 465, Security::ImplicitTls),
        };
        a.set_fallback("nowhere.fr", s.clone());
        let d = a.discover(&addr).await.unwrap();
        assert_eq!((d.source, d.settings), (Source::ManualFallback, s));
    }
}
