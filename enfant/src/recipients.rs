//! Who receives a validated certificate: the PMI service of the child's
//! department of residence and the DREES, found in the Annuaire Santé when
//! possible, else in the practice's configured table (LGC.CSE.12).
//!
//! # Resolution order
//! For each recipient (the PMI of the [`Departement`], the DREES):
//! 1. the **override** table, when the host configured one
//!    ([`RecipientResolver::with_overrides`]): it wins over the Annuaire
//!    (a directory entry known to be wrong, a department's own routing);
//! 2. the **Annuaire Santé** (FHIR API v2, segur-mss
//!    [`AnnuaireClient`]), when configured: exactly one usable address is
//!    taken;
//! 3. the **fallback** table ([`RecipientTable`]), when the Annuaire is not
//!    configured, found nothing, found several candidates it cannot choose
//!    between, or failed. The reason is kept in the
//!    [`RecipientSource::Table`] of the recipient — never silent.
//!
//! Every [`ResolvedRecipient`] says where it came from, for the host to show
//! ("annuaire" or "table"). No PMI at all is an error
//! ([`RecipientError::NoRecipient`], [`RecipientError::AnnuaireFailed`],
//! [`RecipientError::Ambiguous`]); no DREES is recorded in
//! [`Resolution::unresolved`] and the certificate goes to the PMI only (as
//! with a table without a DREES address). Annuaire answers (including "none
//! found") are cached per recipient for a TTL (default 24 h); failures are not.
//!
//! # How a PMI is recognised in the Annuaire Santé (judgement calls)
//! - **FINESS category 223 "Protection Maternelle et Infantile (P.M.I.)"**
//!   in `Organization.type`, system
//!   [`FINESS_CATEGORY_SYSTEM`] (TRE_R66-CategorieEtablissement). Source:
//!   the ANS terminology (`TRE_R66_CategorieEtablissement`, code `223`,
//!   aggregate 2202 "Etablissements de PMI et de Planification Familiale"
//!   in FINESS extracts). Searching `Organization?type=<system>|<code>` is the
//!   documented way to search by category (ansforge
//!   `annuaire-sante-fhir-documentation`, guide v2, Organization §4.5).
//!   UNCONFIRMED: that every departmental PMI service is registered under
//!   this category with an MSSanté mailbox; PMI *centres* share it, hence:
//! - **Address in the department**: `address-postalcode=<prefix>` (the same
//!   documentation, §4.6: `address-postalcode=78` is "the department 78"),
//!   re-checked client-side on `Organization.address.postalCode` (Corsica
//!   shares the prefix `20`).
//! - **Organisational MSSanté mailboxes only** (`ORG`, TRE_R257): personal,
//!   practice and applicative mailboxes and non-MSSanté e-mails are ignored,
//!   as are red-listed mailboxes (`listeRouge`: not to be shown, and the
//!   host shows where each recipient came from).
//! - **Several candidates**: the one whose organisation name, mailbox
//!   service or description mentions the department ("départemental",
//!   "Conseil départemental") is taken when it is the only one; otherwise the
//!   Annuaire answer is ambiguous (the candidates are reported) and the table
//!   decides. UNCONFIRMED: no published rule says which mailbox of a
//!   department receives the certificates.
//! - **The DREES** is not a FINESS establishment; it is searched by name
//!   (`name:contains=DREES`, kept when the name is "DREES" as a word or the
//!   long name "Direction de la recherche, des études, de l'évaluation et des
//!   statistiques"), or by an identifier the host knows ([`DreesLookup`]).
//!   UNCONFIRMED: whether the DREES has an MSSanté mailbox in the Annuaire
//!   at all (reference sheet §11: no address found).
//!
//! ```
//! use segur_enfant::recipients::{Departement, RecipientResolver, RecipientSource};
//! use segur_enfant::sending::RecipientTable;
//!
//! let table = RecipientTable::from_json(
//!     r#"{"pmi": {"2A": "pmi@cd2a.test.mssante.fr"}, "drees": "certificats@drees.test.mssante.fr"}"#,
//! )?;
//! // The department of a child living in Ajaccio.
//! let dep = Departement::from_postal_code("20000").expect("a Corsican postal code");
//! assert_eq!(dep.as_str(), "2A");
//! // No Annuaire configured: the table answers, and says why.
//! let resolver = RecipientResolver::new(table);
//! let resolution = resolver.resolve_offline(&dep)?;
//! assert_eq!(resolution.recipients.len(), 2);
//! assert_eq!(resolution.recipients[0].address.as_str(), "pmi@cd2a.test.mssante.fr");
//! assert_eq!(resolution.recipients[0].source.label(), "table");
//! assert!(matches!(resolution.recipients[0].source, RecipientSource::Table { .. }));
//! assert!(Departement::parse("20").is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use segur_mss::annuaire::fhir::{AnnuaireClient, DirectoryEntry, Search};
use segur_mss::{MailAddress, MailboxKind};
use segur_psc::Clock;
use time::{Duration, OffsetDateTime};

use crate::error::{Error, Result};
use crate::sending::{Recipient, RecipientTable};

/// System of the FINESS establishment categories (TRE_R66).
pub const FINESS_CATEGORY_SYSTEM: &str = "https://mos.esante.gouv.fr/NOS/TRE_R66-CategorieEtablissement/FHIR/TRE-R66-CategorieEtablissement";
/// FINESS category "Protection Maternelle et Infantile (P.M.I.)".
pub const PMI_CATEGORY: &str = "223";
/// Default lifetime of a cached Annuaire answer.
pub const DEFAULT_CACHE_TTL: Duration = Duration::hours(24);

/// A French department (code officiel géographique): `01`–`95` (no `20`),
/// `2A`, `2B` for Corsica, `971`–`976` overseas. Parse it at the edge.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Departement(String);

impl Departement {
    /// Parses a department code (`"75"`, `"2a"`, `"974"`; surrounding blanks
    /// ignored). `"20"`, `"96"`, `"977"`, `"7"` are refused.
    pub fn parse(code: &str) -> Result<Self> {
        let c = code.trim().to_ascii_uppercase();
        let ok = match c.as_bytes() {
            [b'2', b'A' | b'B'] => true,
            [a, b] if a.is_ascii_digit() && b.is_ascii_digit() => {
                let n = u32::from(a - b'0') * 10 + u32::from(b - b'0');
                (1..=95).contains(&n) && n != 20
            }
            [b'9', b'7', d] => (b'1'..=b'6').contains(d),
            _ => false,
        };
        if ok {
            Ok(Self(c))
        } else {
            Err(RecipientError::InvalidDepartement {
                value: code.to_owned(),
            }
            .into())
        }
    }

    /// The department of a French postal code: `75007` → `75`, `20000` →
    /// `2A`, `20200` → `2B`, `97400` → `974`. `None` for anything else
    /// (Monaco and the Pacific territories `98…` included).
    pub fn from_postal_code(postal_code: &str) -> Option<Self> {
        let p = postal_code.trim();
        if p.len() != 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let code = match &p[..2] {
            // 200xx–201xx: Corse-du-Sud; 202xx–206xx: Haute-Corse.
            "20" if p.as_bytes()[2] < b'2' => "2A",
            "20" => "2B",
            "97" => &p[..3],
            d => d,
        };
        Self::parse(code).ok()
    }

    /// The code (`75`, `2A`, `974`).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// An overseas department (`971`–`976`).
    pub fn is_overseas(&self) -> bool {
        self.0.len() == 3
    }

    /// The postal-code prefix of the department (`20` for both Corsican
    /// departments, which share it).
    pub fn postal_prefix(&self) -> &str {
        if self.0.starts_with('2') && !self.0.as_bytes()[1].is_ascii_digit() {
            "20"
        } else {
            &self.0
        }
    }

    /// `true` when `postal_code` lies in this department.
    pub fn contains_postal_code(&self, postal_code: &str) -> bool {
        Self::from_postal_code(postal_code).as_ref() == Some(self)
    }
}

impl fmt::Display for Departement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Departement {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

impl serde::Serialize for Departement {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Departement {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Recipient resolution failures.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecipientError {
    /// Not a department code.
    #[error("{value:?} is not a French department code (01–95, 2A, 2B, 971–976)")]
    InvalidDepartement {
        /// The value given.
        value: String,
    },
    /// Neither the Annuaire Santé nor the table gives a PMI address.
    #[error("no PMI address for department {department}: {detail}")]
    NoRecipient {
        /// The department.
        department: String,
        /// What the Annuaire said (not configured, nothing found).
        detail: String,
    },
    /// The Annuaire Santé failed and the table has no address to fall back on.
    #[error(
        "no PMI address for department {department}: the Annuaire Santé failed ({message}) and the table has none"
    )]
    AnnuaireFailed {
        /// The department.
        department: String,
        /// The Annuaire failure.
        message: String,
    },
    /// The Annuaire Santé gives several possible PMI addresses and the table
    /// has none to decide.
    #[error(
        "several possible PMI addresses for department {department} in the Annuaire Santé ({}): configure one in the table",
        candidates.join(", ")
    )]
    Ambiguous {
        /// The department.
        department: String,
        /// The candidate addresses.
        candidates: Vec<String>,
    },
}

/// Why the table was used rather than the Annuaire Santé.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
#[non_exhaustive]
pub enum FallbackReason {
    /// No Annuaire Santé access is configured.
    NotConfigured,
    /// The Annuaire has no usable address (no organisation, or no
    /// organisational MSSanté mailbox).
    NotFound,
    /// The Annuaire has several candidates and no rule picks one.
    Ambiguous {
        /// The candidate addresses.
        candidates: Vec<String>,
    },
    /// The Annuaire was configured but not consulted
    /// ([`RecipientResolver::resolve_offline`], [`DreesLookup::Disabled`]).
    NotConsulted,
    /// The Annuaire call failed.
    Failed {
        /// The failure.
        message: String,
    },
}

impl fmt::Display for FallbackReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotConfigured => f.write_str("no Annuaire Santé access configured"),
            Self::NotFound => f.write_str("nothing found in the Annuaire Santé"),
            Self::NotConsulted => f.write_str("the Annuaire Santé was not consulted"),
            Self::Ambiguous { candidates } => write!(
                f,
                "several candidates in the Annuaire Santé: {}",
                candidates.join(", ")
            ),
            Self::Failed { message } => write!(f, "the Annuaire Santé failed: {message}"),
        }
    }
}

/// Where a recipient's address came from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "from", rename_all = "snake_case")]
#[non_exhaustive]
pub enum RecipientSource {
    /// The Annuaire Santé.
    Annuaire {
        /// The organisation's name.
        organization: Option<String>,
        /// Its resource id.
        resource_id: String,
    },
    /// The override table, which wins over the Annuaire.
    Override,
    /// The fallback table, for `reason`.
    Table {
        /// Why the Annuaire was not used.
        #[serde(flatten)]
        reason: FallbackReason,
    },
}

impl RecipientSource {
    /// `"annuaire"` or `"table"` (override or fallback), for the host to show.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Annuaire { .. } => "annuaire",
            Self::Override | Self::Table { .. } => "table",
        }
    }
}

/// One recipient with its address and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ResolvedRecipient {
    /// The PMI of the department, or the DREES.
    pub recipient: Recipient,
    /// Its MSSanté address.
    pub address: MailAddress,
    /// Where the address came from.
    pub source: RecipientSource,
}

/// A recipient that could not be resolved (the DREES only: a missing PMI is
/// an error).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Unresolved {
    /// The recipient.
    pub recipient: Recipient,
    /// Why.
    pub reason: FallbackReason,
}

/// The recipients of the certificates of a department.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Resolution {
    /// The department of residence.
    pub department: Departement,
    /// The PMI first, then the DREES when resolved.
    pub recipients: Vec<ResolvedRecipient>,
    /// Recipients left out (the DREES when nothing gives its address).
    pub unresolved: Vec<Unresolved>,
}

/// A possible recipient found in the Annuaire Santé.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Candidate {
    /// The organisational MSSanté address.
    pub address: MailAddress,
    /// The organisation's name.
    pub organization: Option<String>,
    /// Its resource id.
    pub resource_id: String,
    /// Mailbox service and description, when given.
    pub service: Option<String>,
}

/// What the Annuaire Santé says about one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Selection {
    /// Exactly one usable address.
    One(Candidate),
    /// Nothing usable.
    None,
    /// Several candidates, none preferred.
    Several(Vec<Candidate>),
    /// The Annuaire was not consulted.
    Skipped,
}

/// How the DREES is looked up in the Annuaire Santé.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DreesLookup {
    /// By name (`name:contains`), default `"DREES"`.
    ByName(String),
    /// By an identifier of the organisation (idNat_Struct, SIRET…).
    ByIdentifier(String),
    /// Never in the Annuaire: the table only.
    Disabled,
}

impl Default for DreesLookup {
    fn default() -> Self {
        Self::ByName("DREES".into())
    }
}

/// The Annuaire search for the PMI of `department` (sans-IO).
pub fn pmi_search(department: &Departement) -> Search {
    Search::OrganizationsWhere(vec![
        (
            "type".into(),
            format!("{FINESS_CATEGORY_SYSTEM}|{PMI_CATEGORY}"),
        ),
        (
            "address-postalcode".into(),
            department.postal_prefix().into(),
        ),
        ("mailbox-mss:contains".into(), "@".into()),
    ])
}

/// The Annuaire search for the DREES (`None` when disabled).
pub fn drees_search(lookup: &DreesLookup) -> Option<Search> {
    match lookup {
        DreesLookup::ByName(n) => Some(Search::OrganizationsWhere(vec![
            ("name:contains".into(), n.clone()),
            ("mailbox-mss:contains".into(), "@".into()),
        ])),
        DreesLookup::ByIdentifier(id) => Some(Search::OrganizationsWhere(vec![(
            "identifier".into(),
            id.clone(),
        )])),
        DreesLookup::Disabled => None,
    }
}

/// Lower case, accents and punctuation folded to ASCII words.
fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'à' | 'â' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' => 'i',
            'ô' | 'ö' => 'o',
            'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            c if c.is_ascii_alphanumeric() => c,
            _ => ' ',
        };
        out.push(c);
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn candidates(
    entries: &[DirectoryEntry],
    keep: impl Fn(&DirectoryEntry) -> bool,
) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    for e in entries
        .iter()
        .filter(|e| e.resource_type == "Organization" && keep(e))
    {
        for m in &e.mailboxes {
            if m.kind != Some(MailboxKind::Organisational) || m.red_list {
                continue;
            }
            if out.iter().any(|c| c.address == m.address) {
                continue;
            }
            let service = match (&m.service, &m.description) {
                (Some(s), Some(d)) => Some(format!("{s} — {d}")),
                (s, d) => s.clone().or_else(|| d.clone()),
            };
            out.push(Candidate {
                address: m.address.clone(),
                organization: e.name.clone(),
                resource_id: e.id.clone(),
                service,
            });
        }
    }
    out
}

fn choose(mut found: Vec<Candidate>, preferred: impl Fn(&Candidate) -> bool) -> Selection {
    match found.len() {
        0 => Selection::None,
        1 => Selection::One(found.remove(0)),
        _ => {
            let mut best: Vec<Candidate> = found.iter().filter(|c| preferred(c)).cloned().collect();
            if best.len() == 1 {
                Selection::One(best.remove(0))
            } else {
                Selection::Several(found)
            }
        }
    }
}

/// The PMI of `department` among Annuaire entries (sans-IO): organisations
/// of FINESS category 223 located in the department, organisational
/// MSSanté mailboxes (see the module docs).
pub fn select_pmi(department: &Departement, entries: &[DirectoryEntry]) -> Selection {
    let found = candidates(entries, |e| {
        e.types
            .iter()
            .any(|(s, c)| s == FINESS_CATEGORY_SYSTEM && c == PMI_CATEGORY)
            && e.postal_codes
                .iter()
                .any(|p| department.contains_postal_code(p))
    });
    choose(found, |c| {
        let text = fold(&format!(
            "{} {}",
            c.organization.as_deref().unwrap_or(""),
            c.service.as_deref().unwrap_or("")
        ));
        text.contains("departement")
    })
}

/// The DREES among Annuaire entries (sans-IO).
pub fn select_drees(lookup: &DreesLookup, entries: &[DirectoryEntry]) -> Selection {
    let found = candidates(entries, |e| match lookup {
        DreesLookup::ByIdentifier(id) => e.identifiers.iter().any(|(_, v)| v == id),
        DreesLookup::ByName(n) => {
            let name = fold(e.name.as_deref().unwrap_or(""));
            let wanted = fold(n);
            let words: Vec<&str> = name.split(' ').collect();
            (!wanted.is_empty() && (words.contains(&wanted.as_str()) || name == wanted))
                || name.contains("recherche des etudes de l evaluation et des statistiques")
        }
        DreesLookup::Disabled => false,
    });
    choose(found, |_| false)
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum CacheKey {
    Pmi(Departement),
    Drees,
}

/// Resolves the recipients of a department: override table, Annuaire
/// Santé, fallback table (see the module docs). Cheap to share behind an
/// `Arc`; the cache is internal.
pub struct RecipientResolver {
    fallback: RecipientTable,
    overrides: RecipientTable,
    annuaire: Option<AnnuaireClient>,
    drees: DreesLookup,
    ttl: Duration,
    clock: Arc<dyn Clock>,
    cache: Mutex<HashMap<CacheKey, (OffsetDateTime, Selection)>>,
}

impl fmt::Debug for RecipientResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecipientResolver")
            .field("fallback", &self.fallback)
            .field("overrides", &self.overrides)
            .field("annuaire", &self.annuaire)
            .field("drees", &self.drees)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl RecipientResolver {
    /// A resolver falling back on `table`, without Annuaire access (add it
    /// with [`with_annuaire`](Self::with_annuaire)).
    pub fn new(table: RecipientTable) -> Self {
        Self {
            fallback: table,
            overrides: RecipientTable::default(),
            annuaire: None,
            drees: DreesLookup::default(),
            ttl: DEFAULT_CACHE_TTL,
            clock: Arc::new(segur_psc::SystemClock),
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Looks recipients up in the Annuaire Santé through `client`.
    pub fn with_annuaire(mut self, client: AnnuaireClient) -> Self {
        self.annuaire = Some(client);
        self
    }

    /// Entries of `table` win over the Annuaire Santé.
    pub fn with_overrides(mut self, table: RecipientTable) -> Self {
        self.overrides = table;
        self
    }

    /// How the DREES is looked up (default: by name, `"DREES"`).
    pub fn with_drees_lookup(mut self, lookup: DreesLookup) -> Self {
        self.drees = lookup;
        self
    }

    /// Lifetime of a cached Annuaire answer (default 24 h; zero: no cache).
    pub fn with_cache_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// The clock the cache reads (injectable for tests and the conformance
    /// runner).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// `true` when an Annuaire Santé access is configured.
    pub fn has_annuaire(&self) -> bool {
        self.annuaire.is_some()
    }

    /// Forgets every cached Annuaire answer.
    pub fn clear_cache(&self) {
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    fn cached(&self, key: &CacheKey) -> Option<Selection> {
        let now = self.clock.now();
        let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache
            .get(key)
            .filter(|(at, _)| now - *at < self.ttl)
            .map(|(_, s)| s.clone())
    }

    async fn lookup(&self, key: CacheKey) -> Option<std::result::Result<Selection, String>> {
        let client = self.annuaire.as_ref()?;
        if let Some(s) = self.cached(&key) {
            return Some(Ok(s));
        }
        let search = match &key {
            CacheKey::Pmi(d) => pmi_search(d),
            CacheKey::Drees => match drees_search(&self.drees) {
                Some(s) => s,
                None => return Some(Ok(Selection::Skipped)),
            },
        };
        let selection = match client.search(&search).await {
            Ok(entries) => match &key {
                CacheKey::Pmi(d) => select_pmi(d, &entries),
                CacheKey::Drees => select_drees(&self.drees, &entries),
            },
            Err(e) => return Some(Err(e.to_string())),
        };
        if self.ttl > Duration::ZERO {
            self.cache
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(key, (self.clock.now(), selection.clone()));
        }
        Some(Ok(selection))
    }

    /// The recipients of the certificates of a child living in `department`.
    pub async fn resolve(&self, department: &Departement) -> Result<Resolution> {
        let pmi = if self.overrides.pmi.contains_key(department.as_str()) {
            None
        } else {
            self.lookup(CacheKey::Pmi(department.clone())).await
        };
        let drees = if self.overrides.drees.is_some() {
            None
        } else {
            self.lookup(CacheKey::Drees).await
        };
        self.combine(department, pmi, drees)
    }

    /// The recipients from the tables alone, without calling the Annuaire
    /// (the reason recorded is [`FallbackReason::NotConfigured`] when no
    /// Annuaire is configured, else [`FallbackReason::NotConsulted`]).
    pub fn resolve_offline(&self, department: &Departement) -> Result<Resolution> {
        let skipped = self.annuaire.as_ref().map(|_| Ok(Selection::Skipped));
        self.combine(department, skipped.clone(), skipped)
    }

    fn combine(
        &self,
        department: &Departement,
        pmi: Option<std::result::Result<Selection, String>>,
        drees: Option<std::result::Result<Selection, String>>,
    ) -> Result<Resolution> {
        let mut out = Resolution {
            department: department.clone(),
            recipients: Vec::new(),
            unresolved: Vec::new(),
        };
        let pmi_recipient = Recipient::Pmi {
            department: department.as_str().to_owned(),
        };
        match self.pick(
            self.overrides.pmi.get(department.as_str()),
            pmi,
            self.fallback.pmi.get(department.as_str()),
        )? {
            Ok((address, source)) => out.recipients.push(ResolvedRecipient {
                recipient: pmi_recipient,
                address,
                source,
            }),
            Err(reason) => {
                let department = department.as_str().to_owned();
                return Err(match reason {
                    FallbackReason::Failed { message } => RecipientError::AnnuaireFailed {
                        department,
                        message,
                    },
                    FallbackReason::Ambiguous { candidates } => RecipientError::Ambiguous {
                        department,
                        candidates,
                    },
                    other => RecipientError::NoRecipient {
                        department,
                        detail: other.to_string(),
                    },
                }
                .into());
            }
        }
        match self.pick(
            self.overrides.drees.as_ref(),
            drees,
            self.fallback.drees.as_ref(),
        )? {
            Ok((address, source)) => out.recipients.push(ResolvedRecipient {
                recipient: Recipient::Drees,
                address,
                source,
            }),
            Err(reason) => out.unresolved.push(Unresolved {
                recipient: Recipient::Drees,
                reason,
            }),
        }
        Ok(out)
    }

    /// Override, then the Annuaire answer, then the fallback; `Err(reason)`
    /// when none gives an address.
    #[allow(clippy::type_complexity)]
    fn pick(
        &self,
        over: Option<&String>,
        annuaire: Option<std::result::Result<Selection, String>>,
        fallback: Option<&String>,
    ) -> Result<std::result::Result<(MailAddress, RecipientSource), FallbackReason>> {
        let parse = |a: &str| {
            MailAddress::parse(a)
                .map_err(|e| Error::Sending(format!("recipient table: {a:?}: {e}")))
        };
        if let Some(a) = over {
            return Ok(Ok((parse(a)?, RecipientSource::Override)));
        }
        let reason = match annuaire {
            None => FallbackReason::NotConfigured,
            Some(Ok(Selection::One(c))) => {
                return Ok(Ok((
                    c.address,
                    RecipientSource::Annuaire {
                        organization: c.organization,
                        resource_id: c.resource_id,
                    },
                )));
            }
            Some(Ok(Selection::None)) => FallbackReason::NotFound,
            Some(Ok(Selection::Skipped)) => FallbackReason::NotConsulted,
            Some(Ok(Selection::Several(cs))) => FallbackReason::Ambiguous {
                candidates: cs.iter().map(|c| c.address.to_string()).collect(),
            },
            Some(Err(message)) => FallbackReason::Failed { message },
        };
        match fallback {
            Some(a) => Ok(Ok((parse(a)?, RecipientSource::Table { reason }))),
            None => Ok(Err(reason)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn departments() {
        for ok in [
            "01", "75", "95", "2A", "2b", " 974 ", "971", "976", "19", "21",
        ] {
            assert!(Departement::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "", "0", "00", "20", "96", "99", "970", "977", "2C", "7", "075", "A2",
        ] {
            assert!(
                matches!(
                    Departement::parse(bad),
                    Err(Error::Recipients(RecipientError::InvalidDepartement { .. }))
                ),
                "{bad}"
            );
        }
        let d = |p: &str| Departement::from_postal_code(p).map(|d| d.to_string());
        assert_eq!(d("75007").as_deref(), Some("75"));
        assert_eq!(d("01000").as_deref(), Some("01"));
        assert_eq!(d("20090").as_deref(), Some("2A"));
        assert_eq!(d("20200").as_deref(), Some("2B"));
        assert_eq!(d("20600").as_deref(), Some("2B"));
        assert_eq!(d("97400").as_deref(), Some("974"));
        assert_eq!(d("97133").as_deref(), Some("971"));
        assert_eq!(d("98000"), None);
        assert_eq!(d("00100"), None);
        assert_eq!(d("7500"), None);
        let c = Departement::parse("2a").unwrap();
        assert_eq!((c.as_str(), c.postal_prefix()), ("2A", "20"));
        assert!(c.contains_postal_code("20000") && !c.contains_postal_code("20200"));
        assert!(Departement::parse("974").unwrap().is_overseas());
        assert_eq!(
            serde_json::to_string(&Departement::parse("2B").unwrap()).unwrap(),
            "\"2B\""
        );
        assert!(serde_json::from_str::<Departement>("\"20\"").is_err());
    }

    fn entry(
        id: &str,
        category: &str,
        postal: &str,
        kind: MailboxKind,
        red: bool,
    ) -> DirectoryEntry {
        DirectoryEntry {
            resource_type: "Organization".into(),
            id: id.into(),
            name: Some(format!("PMI {id}")),
            rpps: None,
            identifiers: vec![],
            practitioner_ref: None,
            mailboxes: vec![segur_mss::annuaire::fhir::MssMailbox {
                address: format!("{id}@cd.test.mssante.fr").parse().unwrap(),
                kind: Some(kind),
                description: None,
                service: None,
                responsible: None,
                red_list: red,
                digitization: None,
            }],
            types: vec![(FINESS_CATEGORY_SYSTEM.into(), category.into())],
            postal_codes: vec![postal.into()],
        }
    }

    #[test]
    fn pmi_selection_rechecks_what_the_server_may_ignore() {
        let d = Departement::parse("75").unwrap();
        let org = MailboxKind::Organisational;
        // Another category, another department, a red-listed or personal
        // mailbox: none is a candidate, whatever the server returned.
        let noise = vec![
            entry("chr", "101", "75013", org.clone(), false),
            entry("pmi92", PMI_CATEGORY, "92100", org.clone(), false),
            entry("red", PMI_CATEGORY, "75013", org.clone(), true),
            entry("per", PMI_CATEGORY, "75013", MailboxKind::Personal, false),
        ];
        assert_eq!(select_pmi(&d, &noise), Selection::None);
        let mut with = noise.clone();
        with.push(entry("ok", PMI_CATEGORY, "75013", org, false));
        match select_pmi(&d, &with) {
            Selection::One(c) => assert_eq!(c.address.as_str(), "ok@cd.test.mssante.fr"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn searches() {
        let d = Departement::parse("2B").unwrap();
        let p = pmi_search(&d).path();
        assert!(p.starts_with("Organization?type="), "{p}");
        assert!(p.contains("TRE-R66-CategorieEtablissement%7C223"), "{p}");
        assert!(p.contains("address-postalcode=20&"), "{p}");
        assert!(drees_search(&DreesLookup::Disabled).is_none());
        assert_eq!(
            fold("Conseil Départemental — PMI"),
            "conseil departemental pmi"
        );
    }
}
