//! The Annuaire Santé FHIR API v2 client: sans-IO request building and
//! Bundle reading, and a reqwest shell following `next` links.

use serde_json::Value;

use segur_ids::Rpps;

use crate::address::{MailAddress, MailboxKind};
use crate::error::AnnuaireError;

/// Production base URL.
pub const BASE_URL: &str = "https://gateway.api.esante.gouv.fr/fhir/v2";
/// The API key header.
pub const API_KEY_HEADER: &str = "ESANTE-API-KEY";
/// Extension carrying the mailbox metadata (type, description, service…).
pub const MAILBOX_METADATA_EXTENSION: &str = "https://interop.esante.gouv.fr/ig/fhir/annuaire/StructureDefinition/as-ext-mailbox-mss-metadata";
/// Extension typing an e-mail contact point.
pub const EMAIL_TYPE_EXTENSION: &str =
    "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-contact-point-email-type";
/// System of the idNat_PS identifier.
pub const IDNPS_SYSTEM: &str = "urn:oid:1.2.250.1.71.4.2.1";
/// System of the RPPS identifier.
pub const RPPS_SYSTEM: &str = "https://rpps.esante.gouv.fr";

/// A resource type searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[non_exhaustive]
pub enum ResourceType {
    /// `Practitioner` (PER and CAB mailboxes linked to an RPPS).
    Practitioner,
    /// `PractitionerRole` (PER / CAB linked to an RPPS and a structure).
    PractitionerRole,
    /// `Organization` (ORG and APP mailboxes).
    Organization,
}

impl ResourceType {
    /// The FHIR name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Practitioner => "Practitioner",
            Self::PractitionerRole => "PractitionerRole",
            Self::Organization => "Organization",
        }
    }
}

/// A search (one request per resource type: the gateway has no `_type`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Search {
    /// A professional by RPPS, with the roles referencing it.
    Rpps(Rpps),
    /// Professionals by name (and given name), having an MSSanté mailbox.
    Name {
        /// Family name.
        family: String,
        /// Given name.
        given: Option<String>,
    },
    /// The holders of an exact mailbox address, in one resource type.
    Mailbox(ResourceType, MailAddress),
    /// Resources of a type whose mailbox contains `text` (`@medecin.mssante.fr`).
    MailboxContains(ResourceType, String),
    /// Organizations matching FHIR search parameters, sent as given, each
    /// `(name, value)`: `type` (`<system>|<code>`, e.g. a TRE_R66 FINESS
    /// category), `address-postalcode` (a prefix: `78` is a department),
    /// `name:contains`, `identifier`, `mailbox-mss:contains`…
    OrganizationsWhere(Vec<(String, String)>),
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

impl Search {
    /// The path and query after the base URL.
    pub fn path(&self) -> String {
        match self {
            Self::Rpps(r) => format!(
                "Practitioner?identifier={}&_revinclude=PractitionerRole:practitioner",
                enc(&format!("{IDNPS_SYSTEM}|{}", r.id_nat_ps()))
            ),
            Self::Name { family, given } => {
                let mut p = format!(
                    "Practitioner?family={}&mailbox-mss:contains=%40&_revinclude=PractitionerRole:practitioner",
                    enc(family)
                );
                if let Some(g) = given {
                    p.push_str(&format!("&given={}", enc(g)));
                }
                p
            }
            Self::Mailbox(t, a) => format!("{}?mailbox-mss:exact={}", t.as_str(), enc(a.as_str())),
            Self::MailboxContains(t, s) => {
                format!("{}?mailbox-mss:contains={}", t.as_str(), enc(s))
            }
            Self::OrganizationsWhere(params) => {
                let q: String = url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(params)
                    .finish();
                format!("Organization?{q}")
            }
        }
    }
}

/// One MSSanté mailbox found in the directory.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MssMailbox {
    /// The address.
    pub address: MailAddress,
    /// Its type (TRE_R257), when given.
    pub kind: Option<MailboxKind>,
    /// Description.
    pub description: Option<String>,
    /// Service.
    pub service: Option<String>,
    /// Responsible.
    pub responsible: Option<String>,
    /// `listeRouge`: must not be published.
    pub red_list: bool,
    /// `digitization` (dématérialisation), when given.
    pub digitization: Option<bool>,
}

/// A directory resource with its MSSanté mailboxes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DirectoryEntry {
    /// Resource type.
    pub resource_type: String,
    /// Resource id.
    pub id: String,
    /// Display name (practitioner name or organisation name).
    pub name: Option<String>,
    /// RPPS of a practitioner, when given.
    pub rpps: Option<String>,
    /// idNat_PS / structure identifiers, as `(system, value)`.
    pub identifiers: Vec<(String, String)>,
    /// `Practitioner/<id>` a role refers to.
    pub practitioner_ref: Option<String>,
    /// MSSanté mailboxes only (other e-mails are left out).
    pub mailboxes: Vec<MssMailbox>,
    /// The `type` codings of an Organization (FINESS category, activity
    /// sector, legal or geographical entity…), as `(system, code)`.
    pub types: Vec<(String, String)>,
    /// The postal codes of the resource's addresses.
    pub postal_codes: Vec<String>,
}

/// One page of results.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Page {
    /// Entries (matches and included resources).
    pub entries: Vec<DirectoryEntry>,
    /// The `next` link.
    pub next: Option<String>,
    /// `Bundle.total`, when given.
    pub total: Option<u64>,
}

fn invalid(s: impl Into<String>) -> AnnuaireError {
    AnnuaireError::InvalidResponse(s.into())
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn is_mss_contact(t: &Value) -> bool {
    let exts = t
        .get("extension")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    exts.iter().any(|e| {
        let url = str_of(e, "url").unwrap_or("");
        url == MAILBOX_METADATA_EXTENSION
            || (url == EMAIL_TYPE_EXTENSION
                && e.get("valueCoding")
                    .and_then(|c| str_of(c, "code"))
                    .is_some_and(|c| c.eq_ignore_ascii_case("MSSANTE")))
    })
}

fn mailbox_of(t: &Value) -> Option<MssMailbox> {
    if str_of(t, "system") != Some("email") || !is_mss_contact(t) {
        return None;
    }
    let address = MailAddress::parse(str_of(t, "value")?).ok()?;
    let mut m = MssMailbox {
        address,
        kind: None,
        description: None,
        service: None,
        responsible: None,
        red_list: false,
        digitization: None,
    };
    for e in t
        .get("extension")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if str_of(e, "url") != Some(MAILBOX_METADATA_EXTENSION) {
            continue;
        }
        for sub in e
            .get("extension")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            match str_of(sub, "url") {
                Some("type") => {
                    m.kind = sub
                        .get("valueCodeableConcept")
                        .and_then(|c| c.get("coding"))
                        .and_then(Value::as_array)
                        .and_then(|c| c.iter().find_map(|x| str_of(x, "code")))
                        .map(MailboxKind::from_code)
                }
                Some("description") => {
                    m.description = str_of(sub, "valueString").map(str::to_owned)
                }
                Some("service") => m.service = str_of(sub, "valueString").map(str::to_owned),
                Some("responsible") => {
                    m.responsible = str_of(sub, "valueString").map(str::to_owned)
                }
                Some("listeRouge") => {
                    m.red_list = sub
                        .get("valueBoolean")
                        .and_then(Value::as_bool)
                        .unwrap_or(false)
                }
                Some("digitization") => {
                    m.digitization = sub.get("valueBoolean").and_then(Value::as_bool)
                }
                _ => {}
            }
        }
    }
    Some(m)
}

fn name_of(r: &Value) -> Option<String> {
    if let Some(n) = str_of(r, "name") {
        return Some(n.to_owned());
    }
    let n = r.get("name")?.as_array()?.first()?;
    let mut parts: Vec<String> = n
        .get("given")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    if let Some(f) = str_of(n, "family") {
        parts.push(f.to_uppercase());
    }
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// Reads a `searchset` Bundle.
pub fn parse_bundle(json: &[u8]) -> Result<Page, AnnuaireError> {
    let v: Value = serde_json::from_slice(json).map_err(|e| invalid(format!("not JSON: {e}")))?;
    match str_of(&v, "resourceType") {
        Some("Bundle") => {}
        Some("OperationOutcome") => {
            let diag = v
                .get("issue")
                .and_then(Value::as_array)
                .and_then(|i| i.first())
                .and_then(|i| {
                    str_of(i, "diagnostics")
                        .or_else(|| i.get("details").and_then(|d| str_of(d, "text")))
                })
                .unwrap_or("OperationOutcome");
            return Err(invalid(format!("OperationOutcome: {diag}")));
        }
        other => return Err(invalid(format!("expected a Bundle, got {other:?}"))),
    }
    let mut page = Page {
        total: v.get("total").and_then(Value::as_u64),
        ..Default::default()
    };
    page.next = v
        .get("link")
        .and_then(Value::as_array)
        .and_then(|links| links.iter().find(|l| str_of(l, "relation") == Some("next")))
        .and_then(|l| str_of(l, "url"))
        .map(str::to_owned);
    for e in v
        .get("entry")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(r) = e.get("resource") else { continue };
        let Some(rt) = str_of(r, "resourceType") else {
            continue;
        };
        let identifiers: Vec<(String, String)> = r
            .get("identifier")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|i| {
                Some((
                    str_of(i, "system").unwrap_or("").to_owned(),
                    str_of(i, "value")?.to_owned(),
                ))
            })
            .collect();
        let rpps = identifiers
            .iter()
            .find(|(s, _)| s == RPPS_SYSTEM)
            .map(|(_, v)| v.clone())
            .or_else(|| {
                identifiers
                    .iter()
                    .find(|(s, v)| s == IDNPS_SYSTEM && v.starts_with('8') && v.len() == 12)
                    .map(|(_, v)| v[1..].to_owned())
            });
        page.entries.push(DirectoryEntry {
            resource_type: rt.to_owned(),
            id: str_of(r, "id").unwrap_or("").to_owned(),
            name: name_of(r),
            rpps,
            identifiers,
            practitioner_ref: r
                .get("practitioner")
                .and_then(|p| str_of(p, "reference"))
                .map(str::to_owned),
            mailboxes: telecoms_of(r).filter_map(mailbox_of).fold(
                Vec::new(),
                |mut found: Vec<MssMailbox>, m| {
                    // The same mailbox may be given in both places.
                    if !found.iter().any(|o| o.address == m.address) {
                        found.push(m);
                    }
                    found
                },
            ),
            types: r
                .get("type")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|t| t.get("coding").and_then(Value::as_array))
                .flatten()
                .filter_map(|c| {
                    Some((
                        str_of(c, "system").unwrap_or("").to_owned(),
                        str_of(c, "code")?.to_owned(),
                    ))
                })
                .collect(),
            postal_codes: r
                .get("address")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|a| str_of(a, "postalCode"))
                .map(str::to_owned)
                .collect(),
        });
    }
    Ok(page)
}

/// The `telecom` entries of a resource, and those of its `contact`s: the
/// public-data profiles put MSSanté mailboxes in `telecom[mailbox-mss]`, the
/// generic `as-organization` profile of ansforge/IG-fhir-annuaire in
/// `contact.telecom[mailbox-mss]`. Both are read.
fn telecoms_of(resource: &Value) -> impl Iterator<Item = &Value> {
    let contacts = resource
        .get("contact")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .flat_map(telecom_array);
    telecom_array(resource).chain(contacts)
}

fn telecom_array(v: &Value) -> impl Iterator<Item = &Value> {
    v.get("telecom")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

/// Every mailbox of a set of entries, de-duplicated, optionally of one type
/// (client-side filtering: the gateway does not expose `mailbox-mss-type`).
pub fn mailboxes(entries: &[DirectoryEntry], kind: Option<&MailboxKind>) -> Vec<MssMailbox> {
    let mut out: Vec<MssMailbox> = Vec::new();
    for m in entries.iter().flat_map(|e| e.mailboxes.iter()) {
        if kind.is_some_and(|k| m.kind.as_ref() != Some(k)) {
            continue;
        }
        if !out.iter().any(|o| o.address == m.address) {
            out.push(m.clone());
        }
    }
    out
}

/// The reqwest client.
#[derive(Clone)]
pub struct AnnuaireClient {
    http: reqwest::Client,
    base: String,
    api_key: String,
    max_pages: usize,
}

impl std::fmt::Debug for AnnuaireClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnnuaireClient")
            .field("base", &self.base)
            .field("api_key", &"[redacted]")
            .finish()
    }
}

impl AnnuaireClient {
    /// A client for `base` (e.g. [`BASE_URL`]) with the API key, over a TLS
    /// configuration built with segur-ssi (IGC-Santé roots).
    pub fn new(
        base: impl Into<String>,
        api_key: impl Into<String>,
        tls: rustls::ClientConfig,
    ) -> Result<Self, AnnuaireError> {
        let http = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .map_err(|e| AnnuaireError::Transport {
                url: String::new(),
                message: e.to_string(),
            })?;
        Ok(Self::with_http(http, base, api_key))
    }

    /// A client over a reqwest client the host built (its TLS settings must
    /// trust the IGC-Santé roots, see [`AnnuaireClient::new`]).
    pub fn with_http(
        http: reqwest::Client,
        base: impl Into<String>,
        api_key: impl Into<String>,
    ) -> Self {
        Self {
            http,
            base: base.into().trim_end_matches('/').to_owned(),
            api_key: api_key.into(),
            max_pages: 20,
        }
    }

    /// Most pages followed (default 20, i.e. 1000 results).
    pub fn with_max_pages(mut self, n: usize) -> Self {
        self.max_pages = n;
        self
    }

    async fn get(&self, url: &str) -> Result<Page, AnnuaireError> {
        let resp = self
            .http
            .get(url)
            .header(API_KEY_HEADER, &self.api_key)
            .header(reqwest::header::ACCEPT, "application/fhir+json")
            .send()
            .await
            .map_err(|e| AnnuaireError::Transport {
                url: url.to_owned(),
                message: e.to_string(),
            })?;
        let status = resp.status();
        let body = resp.bytes().await.map_err(|e| AnnuaireError::Transport {
            url: url.to_owned(),
            message: e.to_string(),
        })?;
        if !status.is_success() {
            let text = String::from_utf8_lossy(&body);
            return Err(AnnuaireError::Http {
                status: status.as_u16(),
                url: url.to_owned(),
                body: text.chars().take(300).collect(),
            });
        }
        parse_bundle(&body)
    }

    /// Runs a search and follows every `next` link (within the base URL).
    pub async fn search(&self, search: &Search) -> Result<Vec<DirectoryEntry>, AnnuaireError> {
        let mut url = format!("{}/{}", self.base, search.path());
        let mut all = Vec::new();
        for _ in 0..self.max_pages {
            let page = self.get(&url).await?;
            all.extend(page.entries);
            match page.next {
                None => return Ok(all),
                Some(next) => {
                    if !next.starts_with(&self.base) {
                        return Err(AnnuaireError::ForeignLink(next));
                    }
                    url = next;
                }
            }
        }
        Err(AnnuaireError::TooManyPages(self.max_pages))
    }

    /// Every MSSanté mailbox of a professional (practitioner and roles), of
    /// `kind` when given.
    pub async fn mailboxes_of(
        &self,
        rpps: &Rpps,
        kind: Option<&MailboxKind>,
    ) -> Result<Vec<MssMailbox>, AnnuaireError> {
        let entries = self.search(&Search::Rpps(rpps.clone())).await?;
        Ok(mailboxes(&entries, kind))
    }

    /// Who holds an address (one request per resource type).
    pub async fn holders_of(
        &self,
        address: &MailAddress,
    ) -> Result<Vec<DirectoryEntry>, AnnuaireError> {
        let mut out = Vec::new();
        for t in [
            ResourceType::Practitioner,
            ResourceType::PractitionerRole,
            ResourceType::Organization,
        ] {
            out.extend(self.search(&Search::Mailbox(t, address.clone())).await?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn practitioner_bundle() -> String {
        serde_json::json!({
            "resourceType": "Bundle", "type": "searchset", "total": 2,
            "link": [{"relation": "self", "url": "x"}, {"relation": "next", "url": "https://gateway.api.esante.gouv.fr/fhir/v2/Practitioner?page=2"}],
            "entry": [
                {"resource": {
                    "resourceType": "Practitioner", "id": "p1",
                    "identifier": [{"system": IDNPS_SYSTEM, "value": "810003612545"}, {"system": RPPS_SYSTEM, "value": "10003612545"}],
                    "name": [{"family": "Martin", "given": ["Jeanne"]}],
                    "telecom": [
                        {"system": "email", "value": "jeanne.martin@medecin.mssante.fr",
                         "extension": [
                            {"url": EMAIL_TYPE_EXTENSION, "valueCoding": {"system": "https://mos.esante.gouv.fr/NOS/TRE_R256-TypeMessagerie/FHIR/TRE-R256-TypeMessagerie", "code": "MSSANTE"}},
                            {"url": MAILBOX_METADATA_EXTENSION, "extension": [
                                {"url": "type", "valueCodeableConcept": {"coding": [{"system": "https://mos.esante.gouv.fr/NOS/TRE_R257-TypeBAL/FHIR/TRE-R257-TypeBAL", "code": "PER"}]}},
                                {"url": "description", "valueString": "BAL personnelle"},
                                {"url": "listeRouge", "valueBoolean": false},
                                {"url": "digitization", "valueBoolean": true}
                            ]}
                         ]},
                        {"system": "email", "value": "jeanne@gmail.com"},
                        {"system": "phone", "value": "0102030405"}
                    ]}},
                {"resource": {
                    "resourceType": "PractitionerRole", "id": "r1", "practitioner": {"reference": "Practitioner/p1"},
                    "telecom": [{"system": "email", "value": "cabinet.martin@medecin.mssante.fr", "extension": [
                        {"url": MAILBOX_METADATA_EXTENSION, "extension": [
                            {"url": "type", "valueCodeableConcept": {"coding": [{"code": "CAB"}]}},
                            {"url": "service", "valueString": "Cabinet"}
                        ]}]}]}}
            ]
        })
        .to_string()
    }

    #[test]
    fn bundle_with_mailboxes_and_types() {
        let p = parse_bundle(practitioner_bundle().as_bytes()).unwrap();
        assert_eq!(p.total, Some(2));
        assert!(p.next.unwrap().ends_with("page=2"));
        assert_eq!(p.entries[0].rpps.as_deref(), Some("10003612545"));
        assert_eq!(p.entries[0].name.as_deref(), Some("Jeanne MARTIN"));
        assert_eq!(
            p.entries[0].mailboxes.len(),
            1,
            "non-MSSanté e-mail left out"
        );
        let m = &p.entries[0].mailboxes[0];
        assert_eq!(
            (m.kind.clone(), m.digitization, m.red_list),
            (Some(MailboxKind::Personal), Some(true), false)
        );
        assert_eq!(
            p.entries[1].practitioner_ref.as_deref(),
            Some("Practitioner/p1")
        );
        let all = mailboxes(&p.entries, None);
        assert_eq!(all.len(), 2);
        let cab = mailboxes(&p.entries, Some(&MailboxKind::Cabinet));
        assert_eq!(cab[0].address.as_str(), "cabinet.martin@medecin.mssante.fr");
    }

    #[test]
    fn organization_mailboxes_in_telecom_and_in_contacts() {
        let mailbox = |value: &str| {
            serde_json::json!({"system": "email", "value": value, "extension": [
            {"url": MAILBOX_METADATA_EXTENSION, "extension": [
                {"url": "type", "valueCodeableConcept": {"coding": [{"code": "ORG"}]}}
            ]}]})
        };
        let bundle = serde_json::json!({
            "resourceType": "Bundle", "type": "searchset",
            "entry": [{"resource": {
                "resourceType": "Organization", "id": "o1", "name": "PMI",
                "telecom": [mailbox("pmi@cd99.test.mssante.fr")],
                "contact": [
                    {"telecom": [mailbox("secretariat.pmi@cd99.test.mssante.fr"),
                                 mailbox("pmi@cd99.test.mssante.fr"),
                                 {"system": "phone", "value": "0102030405"}]},
                    {"name": {"text": "no telecom"}}
                ]}}]
        })
        .to_string();
        let p = parse_bundle(bundle.as_bytes()).unwrap();
        let found: Vec<&str> = p.entries[0]
            .mailboxes
            .iter()
            .map(|m| m.address.as_str())
            .collect();
        assert_eq!(
            found,
            [
                "pmi@cd99.test.mssante.fr",
                "secretariat.pmi@cd99.test.mssante.fr"
            ]
        );
    }

    #[test]
    fn errors_and_queries() {
        assert!(matches!(
            parse_bundle(b"{"),
            Err(AnnuaireError::InvalidResponse(_))
        ));
        let oo = br#"{"resourceType":"OperationOutcome","issue":[{"diagnostics":"Parameter mailbox-mss-type not found"}]}"#;
        match parse_bundle(oo) {
            Err(AnnuaireError::InvalidResponse(m)) => assert!(m.contains("mailbox-mss-type")),
            other => panic!("{other:?}"),
        }
        let rpps = Rpps::parse("10003612545").unwrap();
        assert_eq!(
            Search::Rpps(rpps).path(),
            "Practitioner?identifier=urn%3Aoid%3A1.2.250.1.71.4.2.1%7C810003612545&_revinclude=PractitionerRole:practitioner"
        );
        assert_eq!(
            Search::Mailbox(ResourceType::Organization, "a+b@x.fr".parse().unwrap()).path(),
            "Organization?mailbox-mss:exact=a%2Bb%40x.fr"
        );
        assert_eq!(
            Search::OrganizationsWhere(vec![
                ("type".into(), "https://x/R66|223".into()),
                ("address-postalcode".into(), "2A".into()),
            ])
            .path(),
            "Organization?type=https%3A%2F%2Fx%2FR66%7C223&address-postalcode=2A"
        );
        let org = br#"{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Organization","id":"o1",
            "type":[{"coding":[{"system":"https://x/R66","code":"223"}]},{"coding":[{"code":"GEOGRAPHICAL-ENTITY"}]}],
            "address":[{"postalCode":"75015"}]}}]}"#;
        let p = parse_bundle(org).unwrap();
        assert_eq!(
            p.entries[0].types,
            vec![
                ("https://x/R66".to_owned(), "223".to_owned()),
                (String::new(), "GEOGRAPHICAL-ENTITY".to_owned())
            ]
        );
        assert_eq!(p.entries[0].postal_codes, vec!["75015".to_owned()]);
        assert!(
            Search::Name {
                family: "DE LA TOUR".into(),
                given: Some("Jean".into())
            }
            .path()
            .contains("family=DE+LA+TOUR")
        );
    }
}
