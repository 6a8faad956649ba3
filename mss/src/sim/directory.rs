//! Loopback fakes for discovery and the directory: an Annuaire Santé FHIR
//! API (API key, searches, paging, `_revinclude`, the gateway's refusal of
//! `mailbox-mss-type`), a DNS server answering SRV queries over UDP and TCP,
//! and an HTTP server for AutoConfig documents.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::task::JoinHandle;

use crate::address::{MailAddress, MailboxKind};
use crate::annuaire::fhir::{
    API_KEY_HEADER, EMAIL_TYPE_EXTENSION, IDNPS_SYSTEM, MAILBOX_METADATA_EXTENSION, RPPS_SYSTEM,
};
use crate::autoconfig::dns::{SrvRecord, build_srv_response};
use crate::error::{Error, Result};

fn io(e: std::io::Error) -> Error {
    crate::error::ConnectionError::Connect {
        endpoint: "simulator".into(),
        source: e,
    }
    .into()
}

/// A `telecom` entry for an MSSanté mailbox.
pub fn mss_telecom(address: &MailAddress, kind: &MailboxKind) -> Value {
    json!({
        "system": "email", "value": address.as_str(),
        "extension": [
            {"url": EMAIL_TYPE_EXTENSION, "valueCoding": {"system": "https://mos.esante.gouv.fr/NOS/TRE_R256-TypeMessagerie/FHIR/TRE-R256-TypeMessagerie", "code": "MSSANTE"}},
            {"url": MAILBOX_METADATA_EXTENSION, "extension": [
                {"url": "type", "valueCodeableConcept": {"coding": [{"system": "https://mos.esante.gouv.fr/NOS/TRE_R257-TypeBAL/FHIR/TRE-R257-TypeBAL", "code": kind.code()}]}},
                {"url": "listeRouge", "valueBoolean": false}
            ]}
        ]
    })
}

/// A Practitioner resource with MSSanté mailboxes.
pub fn practitioner(
    id: &str,
    rpps: &str,
    family: &str,
    given: &str,
    mailboxes: &[(MailAddress, MailboxKind)],
) -> Value {
    json!({
        "resourceType": "Practitioner", "id": id,
        "identifier": [{"system": IDNPS_SYSTEM, "value": format!("8{rpps}")}, {"system": RPPS_SYSTEM, "value": rpps}],
        "name": [{"family": family, "given": [given]}],
        "telecom": mailboxes.iter().map(|(a, k)| mss_telecom(a, k)).collect::<Vec<_>>(),
    })
}

/// A PractitionerRole of `practitioner_id` with mailboxes.
pub fn practitioner_role(
    id: &str,
    practitioner_id: &str,
    mailboxes: &[(MailAddress, MailboxKind)],
) -> Value {
    json!({
        "resourceType": "PractitionerRole", "id": id,
        "practitioner": {"reference": format!("Practitioner/{practitioner_id}")},
        "telecom": mailboxes.iter().map(|(a, k)| mss_telecom(a, k)).collect::<Vec<_>>(),
    })
}

/// An Organization with mailboxes.
pub fn organization(id: &str, name: &str, mailboxes: &[(MailAddress, MailboxKind)]) -> Value {
    json!({
        "resourceType": "Organization", "id": id, "name": name,
        "telecom": mailboxes.iter().map(|(a, k)| mss_telecom(a, k)).collect::<Vec<_>>(),
    })
}

/// An Organization with `type` codings (`(system, code)`: a FINESS
/// category, an activity sector…), an address with `postal_code`, and
/// mailboxes.
pub fn organization_at(
    id: &str,
    name: &str,
    types: &[(&str, &str)],
    postal_code: &str,
    mailboxes: &[(MailAddress, MailboxKind)],
) -> Value {
    let mut o = organization(id, name, mailboxes);
    o["type"] = types
        .iter()
        .map(|(system, code)| json!({"coding": [{"system": system, "code": code}]}))
        .collect();
    o["address"] = json!([{"postalCode": postal_code}]);
    o
}

struct AnnuaireState {
    api_key: String,
    resources: Vec<Value>,
    page_size: usize,
    base: Mutex<String>,
    requests: Mutex<Vec<String>>,
    failure: Mutex<Option<u16>>,
}

/// The Annuaire Santé FHIR fake.
pub struct AnnuaireFake {
    addr: SocketAddr,
    state: Arc<AnnuaireState>,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for AnnuaireFake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnnuaireFake")
            .field("addr", &self.addr)
            .finish()
    }
}

impl Drop for AnnuaireFake {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn outcome(status: StatusCode, diag: &str) -> Response {
    (status, axum::Json(json!({"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "processing", "diagnostics": diag}]}))).into_response()
}

fn emails(r: &Value) -> Vec<String> {
    r.get("telecom")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|t| t.get("system").and_then(Value::as_str) == Some("email"))
        .filter_map(|t| {
            t.get("value")
                .and_then(Value::as_str)
                .map(str::to_lowercase)
        })
        .collect()
}

fn matches(r: &Value, params: &[(String, String)]) -> bool {
    params.iter().all(|(k, v)| {
        let v_low = v.to_lowercase();
        match k.as_str() {
            "identifier" => {
                let (sys, val) = v
                    .split_once('|')
                    .map(|(s, x)| (Some(s), x))
                    .unwrap_or((None, v.as_str()));
                r.get("identifier")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .any(|i| {
                        i.get("value").and_then(Value::as_str) == Some(val)
                            && sys
                                .is_none_or(|s| i.get("system").and_then(Value::as_str) == Some(s))
                    })
            }
            "family" | "given" => r
                .get("name")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|n| {
                    n.get(k.as_str())
                        .map(|x| x.to_string().to_lowercase().contains(&v_low))
                        .unwrap_or(false)
                }),
            "type" => {
                let (sys, code) = v
                    .split_once('|')
                    .map(|(s, x)| (Some(s), x))
                    .unwrap_or((None, v.as_str()));
                r.get("type")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|t| t.get("coding").and_then(Value::as_array))
                    .flatten()
                    .any(|c| {
                        c.get("code").and_then(Value::as_str) == Some(code)
                            && sys
                                .is_none_or(|s| c.get("system").and_then(Value::as_str) == Some(s))
                    })
            }
            // FHIR string search: a case-insensitive prefix by default.
            "address-postalcode" => r
                .get("address")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|a| a.get("postalCode").and_then(Value::as_str))
                .any(|p| p.to_lowercase().starts_with(&v_low)),
            "name" | "name:contains" | "name:exact" => {
                r.get("name").and_then(Value::as_str).is_some_and(|n| {
                    let n = n.to_lowercase();
                    match k.as_str() {
                        "name" => n.starts_with(&v_low),
                        "name:exact" => n == v_low,
                        _ => n.contains(&v_low),
                    }
                })
            }
            "mailbox-mss" | "mailbox-mss:exact" => emails(r).contains(&v_low),
            "mailbox-mss:contains" => emails(r).iter().any(|e| e.contains(&v_low)),
            _ => true,
        }
    })
}

async fn search(
    State(s): State<Arc<AnnuaireState>>,
    Path(rtype): Path<String>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let q = q.unwrap_or_default();
    s.requests
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(format!("{rtype}?{q}"));
    let failure = *s.failure.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(status) = failure {
        return outcome(
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            "simulated failure",
        );
    }
    if headers.get(API_KEY_HEADER).and_then(|v| v.to_str().ok()) != Some(s.api_key.as_str()) {
        return outcome(
            StatusCode::UNAUTHORIZED,
            "Invalid or missing ESANTE-API-KEY",
        );
    }
    if !matches!(
        rtype.as_str(),
        "Practitioner" | "PractitionerRole" | "Organization"
    ) {
        return outcome(StatusCode::NOT_FOUND, "Unknown resource type");
    }
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(q.as_bytes())
        .into_owned()
        .collect();
    if pairs.iter().any(|(k, _)| k.starts_with("mailbox-mss-type")) {
        return outcome(
            StatusCode::BAD_REQUEST,
            "Parameter mailbox-mss-type not found",
        );
    }
    let page: usize = pairs
        .iter()
        .find(|(k, _)| k == "_page")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(1)
        .max(1);
    let filters: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| !k.starts_with('_'))
        .cloned()
        .collect();
    let found: Vec<&Value> = s
        .resources
        .iter()
        .filter(|r| {
            r.get("resourceType").and_then(Value::as_str) == Some(rtype.as_str())
                && matches(r, &filters)
        })
        .collect();
    let start = (page - 1) * s.page_size;
    let slice: Vec<&Value> = found
        .iter()
        .skip(start)
        .take(s.page_size)
        .copied()
        .collect();
    let mut entries: Vec<Value> = slice
        .iter()
        .map(|r| json!({"resource": r, "search": {"mode": "match"}}))
        .collect();
    if pairs
        .iter()
        .any(|(k, v)| k == "_revinclude" && v == "PractitionerRole:practitioner")
    {
        for p in &slice {
            let reference = format!(
                "Practitioner/{}",
                p.get("id").and_then(Value::as_str).unwrap_or("")
            );
            for role in s.resources.iter().filter(|r| {
                r.get("resourceType").and_then(Value::as_str) == Some("PractitionerRole")
                    && r.get("practitioner")
                        .and_then(|x| x.get("reference"))
                        .and_then(Value::as_str)
                        == Some(reference.as_str())
            }) {
                entries.push(json!({"resource": role, "search": {"mode": "include"}}));
            }
        }
    }
    let base = s.base.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let mut links = vec![json!({"relation": "self", "url": format!("{base}/{rtype}?{q}")})];
    if start + s.page_size < found.len() {
        let mut next: Vec<(String, String)> = pairs
            .iter()
            .filter(|(k, _)| k != "_page")
            .cloned()
            .collect();
        next.push(("_page".into(), (page + 1).to_string()));
        let qs: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(next)
            .finish();
        links.push(json!({"relation": "next", "url": format!("{base}/{rtype}?{qs}")}));
    }
    let body = json!({"resourceType": "Bundle", "type": "searchset", "total": found.len(), "link": links, "entry": entries});
    (
        [(axum::http::header::CONTENT_TYPE, "application/fhir+json")],
        body.to_string(),
    )
        .into_response()
}

impl AnnuaireFake {
    /// Starts the fake with `resources`, requiring `api_key`, `page_size`
    /// results per page.
    pub async fn start(api_key: &str, resources: Vec<Value>, page_size: usize) -> Result<Self> {
        let state = Arc::new(AnnuaireState {
            api_key: api_key.to_owned(),
            resources,
            page_size: page_size.max(1),
            base: Mutex::new(String::new()),
            requests: Mutex::new(Vec::new()),
            failure: Mutex::new(None),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(io)?;
        let addr = listener.local_addr().map_err(io)?;
        *state.base.lock().unwrap_or_else(|p| p.into_inner()) = format!("http://{addr}/fhir/v2");
        let app = Router::new()
            .route("/fhir/v2/{rtype}", axum::routing::get(search))
            .with_state(state.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { addr, state, task })
    }

    /// The FHIR base URL.
    pub fn base_url(&self) -> String {
        format!("http://{}/fhir/v2", self.addr)
    }

    /// Answers every request with `status` (an `OperationOutcome`) until
    /// called again with `None`: a gateway outage (`Some(503)`), an
    /// internal error (`Some(500)`).
    pub fn fail_with(&self, status: Option<u16>) {
        *self.state.failure.lock().unwrap_or_else(|p| p.into_inner()) = status;
    }

    /// The requests received (`Type?query`).
    pub fn requests(&self) -> Vec<String> {
        self.state
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// A DNS server on 127.0.0.1 answering SRV queries (UDP, and TCP for
/// truncated answers).
pub struct DnsFake {
    addr: SocketAddr,
    records: Arc<Mutex<HashMap<String, Vec<SrvRecord>>>>,
    truncate_udp: Arc<std::sync::atomic::AtomicBool>,
    tasks: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for DnsFake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DnsFake").field("addr", &self.addr).finish()
    }
}

impl Drop for DnsFake {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

fn qname(query: &[u8]) -> String {
    let mut labels = Vec::new();
    let mut i = 12;
    while let Some(&len) = query.get(i) {
        if len == 0 || len & 0xc0 != 0 {
            break;
        }
        let l = query.get(i + 1..i + 1 + len as usize).unwrap_or_default();
        labels.push(String::from_utf8_lossy(l).to_ascii_lowercase());
        i += 1 + len as usize;
    }
    labels.join(".")
}

impl DnsFake {
    /// Starts the server.
    pub async fn start() -> Result<Self> {
        let tcp = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(io)?;
        let addr = tcp.local_addr().map_err(io)?;
        let udp = Arc::new(tokio::net::UdpSocket::bind(addr).await.map_err(io)?);
        let records: Arc<Mutex<HashMap<String, Vec<SrvRecord>>>> = Arc::default();
        let truncate_udp = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (r1, t1) = (records.clone(), truncate_udp.clone());
        let udp_task = tokio::spawn(async move {
            let mut buf = vec![0u8; 1500];
            loop {
                let Ok((n, peer)) = udp.recv_from(&mut buf).await else {
                    break;
                };
                let q = &buf[..n];
                let recs = r1
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .get(&qname(q))
                    .cloned()
                    .unwrap_or_default();
                let truncated = t1.load(std::sync::atomic::Ordering::Relaxed) && !recs.is_empty();
                if let Some(resp) = build_srv_response(q, &recs, truncated) {
                    let _ = udp.send_to(&resp, peer).await;
                }
            }
        });
        let r2 = records.clone();
        let tcp_task = tokio::spawn(async move {
            loop {
                let Ok((mut s, _)) = tcp.accept().await else {
                    break;
                };
                let r2 = r2.clone();
                tokio::spawn(async move {
                    let mut len = [0u8; 2];
                    if s.read_exact(&mut len).await.is_err() {
                        return;
                    }
                    let mut q = vec![0u8; u16::from_be_bytes(len) as usize];
                    if s.read_exact(&mut q).await.is_err() {
                        return;
                    }
                    let recs = r2
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .get(&qname(&q))
                        .cloned()
                        .unwrap_or_default();
                    if let Some(resp) = build_srv_response(&q, &recs, false) {
                        let mut framed = (resp.len() as u16).to_be_bytes().to_vec();
                        framed.extend_from_slice(&resp);
                        let _ = s.write_all(&framed).await;
                    }
                });
            }
        });
        Ok(Self {
            addr,
            records,
            truncate_udp,
            tasks: vec![udp_task, tcp_task],
        })
    }

    /// The server address (point a `DnsResolver` at it).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Sets the SRV records of `name`.
    pub fn set_srv(&self, name: &str, records: Vec<SrvRecord>) {
        self.records
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(name.to_ascii_lowercase(), records);
    }

    /// Answers UDP queries truncated (TC) so clients must retry over TCP.
    pub fn truncate_udp(&self, on: bool) {
        self.truncate_udp
            .store(on, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Serves AutoConfig documents by path (with
/// `Autoconfigurator::with_autoconfig_port_for_tests`).
pub struct AutoconfigFake {
    addr: SocketAddr,
    docs: Arc<Mutex<HashMap<String, String>>>,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for AutoconfigFake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AutoconfigFake")
            .field("addr", &self.addr)
            .finish()
    }
}

impl Drop for AutoconfigFake {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl AutoconfigFake {
    /// Starts the server.
    pub async fn start() -> Result<Self> {
        let docs: Arc<Mutex<HashMap<String, String>>> = Arc::default();
        let d = docs.clone();
        let app = Router::new().fallback(move |uri: Uri| {
            let d = d.clone();
            async move {
                match d
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .get(uri.path())
                    .cloned()
                {
                    Some(xml) => ([(axum::http::header::CONTENT_TYPE, "application/xml")], xml)
                        .into_response(),
                    None => StatusCode::NOT_FOUND.into_response(),
                }
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(io)?;
        let addr = listener.local_addr().map_err(io)?;
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { addr, docs, task })
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Serves `xml` as the `autoconfig.<domain>` document.
    pub fn set_document(&self, domain: &str, xml: &str) {
        self.docs.lock().unwrap_or_else(|p| p.into_inner()).insert(
            format!("/autoconfig.{domain}/mail/config-v1.1.xml"),
            xml.to_owned(),
        );
    }
}
