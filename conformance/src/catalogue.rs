//! The embedded REM requirement catalogue (DSR MDV-LGC vague 2).
//!
//! The 129 official requirement identifiers, with the theme, the segur-rs
//! crate(s) carrying the capability, how a run can check them ([`CheckKind`]),
//! the DSR profile(s) they belong to ([`Profile`]) and a short English summary
//! of their functional scope. The table is Rust source, not an include of the
//! workspace's `shared/rem/requirements.csv`: editors install this crate from
//! crates.io, without the shared folder. A test (`tests/catalogue.rs`) checks
//! that the table matches the CSV exactly on id, theme, crate(s) and check
//! kind, in the same order.
//!
//! # Profile mapping (judgement calls)
//!
//! The public DSR names five profiles but the REM spreadsheet that assigns
//! every requirement to them is not public. The mapping used here:
//!
//! - **Général**: every requirement carries it. Général is the base profile
//!   every candidate is assessed on; the other profiles *add* a tag on the
//!   requirements they concern specifically, so `--profile suivi-enfant`
//!   selects what a child-follow-up candidate must show on top of the base.
//! - **Médecin traitant**: `SC.DB/LGC.01`, the Volet de Synthèse Médicale,
//!   the synthesis the patient's médecin traitant keeps up to date.
//! - **Suivi de l'enfant**: the whole `ENFANT` theme (`LGC.CSE.*`) and the
//!   vaccination note `SC.VACC/NOTE.05`.
//! - **Centre de santé**: multi-user account management (`SC.SSI/GEN.16`
//!   internal account base, `SC.SSI/GEN.17` privileged accounts,
//!   `SC.SSI/IE.39` synchronisation with local identity directories) and
//!   organisational mailboxes (`SC.MSS/CONF.27`).
//! - **Connexion PSC par CIBA**: `SC.PSC.13`.
//!
//! Changing the mapping means editing the `GEN_*` constant used on the
//! requirement's line below; the invariants test in this module pins it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Error;

/// Functional theme of a requirement, as in the DSR.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum Theme {
    /// Identité nationale de santé and the Sentinelle features.
    Ins,
    /// Health documents (CDA R2 production, display, versions).
    Doc,
    /// DMP / Mon espace santé.
    Dmp,
    /// MSSanté secure messaging.
    Mss,
    /// Pro Santé Connect.
    Psc,
    /// Other national services: Carte Vitale app, e-prescription.
    Socle,
    /// Security (SSI).
    Ssi,
    /// Child health record.
    Enfant,
}

impl Theme {
    /// Every theme, in catalogue order.
    pub const ALL: [Theme; 8] = [
        Theme::Ins,
        Theme::Doc,
        Theme::Dmp,
        Theme::Mss,
        Theme::Psc,
        Theme::Socle,
        Theme::Ssi,
        Theme::Enfant,
    ];

    /// The code used in the catalogue (`INS`, `DOC`…).
    pub const fn code(self) -> &'static str {
        match self {
            Theme::Ins => "INS",
            Theme::Doc => "DOC",
            Theme::Dmp => "DMP",
            Theme::Mss => "MSS",
            Theme::Psc => "PSC",
            Theme::Socle => "SOCLE",
            Theme::Ssi => "SSI",
            Theme::Enfant => "ENFANT",
        }
    }

    /// A human label for reports.
    pub const fn label(self) -> &'static str {
        match self {
            Theme::Ins => "INS and Sentinelle",
            Theme::Doc => "Health documents",
            Theme::Dmp => "DMP",
            Theme::Mss => "MSSanté",
            Theme::Psc => "Pro Santé Connect",
            Theme::Socle => "Carte Vitale app and e-prescription",
            Theme::Ssi => "Security (SSI)",
            Theme::Enfant => "Child health record",
        }
    }
}

impl fmt::Display for Theme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Theme {
    type Err = Error;

    /// Parses a theme code, case-insensitively (`ins`, `DOC`…).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Theme::ALL
            .into_iter()
            .find(|t| t.code().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| Error::UnknownTheme(s.to_owned()))
    }
}

/// A crate of the segur-rs workspace carrying a capability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum SegurCrate {
    /// `segur-ins`.
    Ins,
    /// `segur-cda`.
    Cda,
    /// `segur-dmp`.
    Dmp,
    /// `segur-mss`.
    Mss,
    /// `segur-psc`.
    Psc,
    /// `segur-carte-vitale`.
    CarteVitale,
    /// `segur-enfant`.
    Enfant,
    /// `segur-ssi`.
    Ssi,
}

impl SegurCrate {
    /// The workspace folder, as written in the catalogue (`carte-vitale`).
    pub const fn folder(self) -> &'static str {
        match self {
            SegurCrate::Ins => "ins",
            SegurCrate::Cda => "cda",
            SegurCrate::Dmp => "dmp",
            SegurCrate::Mss => "mss",
            SegurCrate::Psc => "psc",
            SegurCrate::CarteVitale => "carte-vitale",
            SegurCrate::Enfant => "enfant",
            SegurCrate::Ssi => "ssi",
        }
    }

    /// The published package name (`segur-carte-vitale`).
    pub fn package(self) -> String {
        format!("segur-{}", self.folder())
    }
}

impl fmt::Display for SegurCrate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.folder())
    }
}

/// How a conformance run can verify a requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CheckKind {
    /// Fully checkable by replaying a scenario through the SDK and simulators.
    Auto,
    /// Needs the host to report on its own user interface or state.
    Host,
    /// Organisational: the run can only check that evidence files are provided.
    Evidence,
}

impl CheckKind {
    /// The code used in the catalogue (`auto`, `host`, `evidence`).
    pub const fn as_str(self) -> &'static str {
        match self {
            CheckKind::Auto => "auto",
            CheckKind::Host => "host",
            CheckKind::Evidence => "evidence",
        }
    }
}

impl fmt::Display for CheckKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A candidate profile named by the DSR MDV-LGC vague 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Profile {
    /// Général: every candidate.
    General,
    /// Médecin traitant.
    MedecinTraitant,
    /// Suivi de l'enfant.
    SuiviEnfant,
    /// Centre de santé.
    CentreSante,
    /// Connexion PSC par CIBA.
    ConnexionPscCiba,
}

impl Profile {
    /// Every profile, in DSR order.
    pub const ALL: [Profile; 5] = [
        Profile::General,
        Profile::MedecinTraitant,
        Profile::SuiviEnfant,
        Profile::CentreSante,
        Profile::ConnexionPscCiba,
    ];

    /// The short ASCII name used on the command line and in JSON (`suivi-enfant`).
    pub const fn slug(self) -> &'static str {
        match self {
            Profile::General => "general",
            Profile::MedecinTraitant => "medecin-traitant",
            Profile::SuiviEnfant => "suivi-enfant",
            Profile::CentreSante => "centre-sante",
            Profile::ConnexionPscCiba => "connexion-psc-ciba",
        }
    }

    /// The official French name (`Suivi de l'enfant`).
    pub const fn label(self) -> &'static str {
        match self {
            Profile::General => "Général",
            Profile::MedecinTraitant => "Médecin traitant",
            Profile::SuiviEnfant => "Suivi de l'enfant",
            Profile::CentreSante => "Centre de santé",
            Profile::ConnexionPscCiba => "Connexion PSC par CIBA",
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Lower-cases, drops French accents and turns every other non-alphanumeric
/// run into one `-`, so `Suivi de l'enfant` and `suivi-de-l-enfant` compare equal.
fn normalise_name(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.trim().chars().flat_map(char::to_lowercase) {
        let c = match c {
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'à' | 'â' => 'a',
            'ç' => 'c',
            'î' | 'ï' => 'i',
            'ô' => 'o',
            'ù' | 'û' => 'u',
            c => c,
        };
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

impl FromStr for Profile {
    type Err = Error;

    /// Parses the slug (`centre-sante`), the French name (`Centre de santé`,
    /// accents and case optional) or the short alias `ciba`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let n = normalise_name(s);
        Profile::ALL
            .into_iter()
            .find(|p| n == p.slug() || n == normalise_name(p.label()))
            .or(match n.as_str() {
                "ciba" | "psc-ciba" => Some(Profile::ConnexionPscCiba),
                _ => None,
            })
            .ok_or_else(|| Error::UnknownProfile(s.to_owned()))
    }
}

/// One requirement of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Requirement {
    /// The official identifier (`SC.DMP/CONF.06`).
    pub id: &'static str,
    /// Functional theme.
    pub theme: Theme,
    /// The crate(s) carrying the capability, in catalogue order.
    pub crates: &'static [SegurCrate],
    /// How a run can check it.
    pub check: CheckKind,
    /// The profiles it belongs to; always starts with [`Profile::General`].
    pub profiles: &'static [Profile],
    /// Short English summary of the functional scope (our wording).
    pub summary: &'static str,
}

impl Requirement {
    /// Whether the requirement belongs to `profile`.
    pub fn in_profile(&self, profile: Profile) -> bool {
        self.profiles.contains(&profile)
    }

    /// The crates as written in the catalogue (`cda+dmp+mss`).
    pub fn crates_code(&self) -> String {
        self.crates
            .iter()
            .map(|c| c.folder())
            .collect::<Vec<_>>()
            .join("+")
    }

    /// A file-system-safe form of the id (`SC.CDA/DD.20` → `SC.CDA_DD.20`),
    /// used for evidence-pack folders. Catalogue ids never contain `_`, so the
    /// mapping is one-to-one.
    pub fn slug(&self) -> String {
        self.id.replace('/', "_")
    }
}

/// Looks a requirement up by its exact official id.
pub fn requirement(id: &str) -> Option<&'static Requirement> {
    CATALOGUE.iter().find(|r| r.id == id)
}

/// Looks a requirement up, or fails with [`Error::UnknownRequirement`].
pub fn lookup(id: &str) -> Result<&'static Requirement, Error> {
    requirement(id).ok_or_else(|| Error::UnknownRequirement(id.to_owned()))
}

/// Number of requirements in the catalogue (the coverage denominator).
pub const REQUIREMENT_COUNT: usize = 129;

const fn req(
    id: &'static str,
    theme: Theme,
    crates: &'static [SegurCrate],
    check: CheckKind,
    profiles: &'static [Profile],
    summary: &'static str,
) -> Requirement {
    Requirement {
        id,
        theme,
        crates,
        check,
        profiles,
        summary,
    }
}

use CheckKind as K;
use Profile as P;
use SegurCrate as C;
use Theme as T;

const GEN: &[Profile] = &[P::General];
const GEN_MT: &[Profile] = &[P::General, P::MedecinTraitant];
const GEN_ENFANT: &[Profile] = &[P::General, P::SuiviEnfant];
const GEN_CDS: &[Profile] = &[P::General, P::CentreSante];
const GEN_CIBA: &[Profile] = &[P::General, P::ConnexionPscCiba];

/// The 129 requirements, in the order of the DSR's functional lines.
#[rustfmt::skip]
pub static CATALOGUE: [Requirement; REQUIREMENT_COUNT] = [
    req("SENTINELLE.02", T::Ins, &[C::Ins], K::Auto, GEN,
        "Find a patient file by scanning the INS datamatrix of a health document; handle found / not found / several / differing traits"),
    req("SENTINELLE.03", T::Ins, &[C::Ins], K::Auto, GEN,
        "Find a patient file when a carte Vitale (or apCV) is read; handle found / not found / several beneficiaries"),
    req("SENTINELLE.04", T::Ins, &[C::Ins], K::Auto, GEN,
        "Create or complete a patient file from a scanned datamatrix or carte Vitale without retyping the traits"),
    req("SENTINELLE.05", T::Ins, &[C::Ins], K::Auto, GEN,
        "Call the INSi teleservice in the background each time a file whose INS is not qualified is opened"),
    req("SENTINELLE.06", T::Ins, &[C::Ins], K::Auto, GEN,
        "Do not block the user while the background INSi call runs; show its outcome when it ends"),
    req("SENTINELLE.07", T::Ins, &[C::Ins], K::Auto, GEN,
        "Qualify the identity in one click after a conclusive INSi answer"),
    req("SENTINELLE.08", T::Ins, &[C::Ins], K::Auto, GEN,
        "Qualify via the RNIV exception procedure for liberal practitioners (known patient) in one click"),
    req("SENTINELLE.10", T::Mss, &[C::Mss], K::Auto, GEN,
        "Look up a correspondent's MSSanté address in the national health directory (Annuaire Santé)"),
    req("SENTINELLE.14", T::Doc, &[C::Cda, C::Ins], K::Auto, GEN,
        "Print the INS datamatrix on produced health documents when the identity is qualified"),
    req("SENTINELLE.15", T::Ins, &[C::Ins], K::Auto, GEN,
        "Explain INSi return codes to the user in plain words with the action to take"),
    req("SENTINELLE.16", T::Ins, &[C::Ins], K::Auto, GEN,
        "Detect and report differences between local traits and INSi-returned traits before qualification"),
    req("SENTINELLE.17", T::Ins, &[C::Ins], K::Host, GEN,
        "Show the identity status (provisoire / récupérée / validée / qualifiée) and INS in the patient file without a click"),
    req("LGC.MDV.01", T::Doc, &[C::Cda], K::Auto, GEN,
        "Produce the documents of the Ségur perimeter as CDA R2 N1 with the CI-SIS header metadata"),
    req("SC.CDA/DD.20", T::Doc, &[C::Cda], K::Auto, GEN,
        "Produce CDA R2 N1 documents with an embedded PDF body and a conformant header"),
    req("SC.CDA/DD.21", T::Doc, &[C::Cda], K::Auto, GEN,
        "Produce structured CDA R2 N3 documents where a CI-SIS content volet exists"),
    req("SC.CDA/DD.22", T::Doc, &[C::Cda], K::Auto, GEN,
        "Pre-fill produced documents from data already in the patient file"),
    req("SC.CDA/DD.23", T::Doc, &[C::Cda], K::Auto, GEN,
        "Produce the N1 and N3 versions of one document from the same medical information"),
    req("SC.DB/LGC.01", T::Doc, &[C::Cda], K::Auto, GEN_MT,
        "Produce the Volet de Synthèse Médicale (VSM) as CDA R2 N3"),
    req("SC.DOC.03", T::Doc, &[C::Cda], K::Auto, GEN,
        "Produce the prescription of health products (e-prescription) as CDA R2 N3"),
    req("SC.VACC/NOTE.05", T::Doc, &[C::Cda, C::Enfant], K::Auto, GEN_ENFANT,
        "Produce the vaccination note as CDA R2 N3"),
    req("SC.CDA/DD.15", T::Doc, &[C::Cda], K::Auto, GEN,
        "Manage the link between N1 and N3 versions of one document when displaying it"),
    req("SC.CDA/DD.16", T::Doc, &[C::Cda], K::Auto, GEN,
        "Display the N1 (PDF) version and offer the structured N3 view of the same document"),
    req("SC.CDA/INT.15", T::Doc, &[C::Cda], K::Auto, GEN,
        "Display an N3 document through the official stylesheet rendering"),
    req("SC.CDA/INT.16", T::Doc, &[C::Cda], K::Auto, GEN,
        "Integrate received N1+N3 pairs as one document with two renderings"),
    req("SC.CDA/VISU.01", T::Doc, &[C::Cda], K::Host, GEN,
        "Visualise N3 documents in a human-readable form inside the software"),
    req("SC.CDA/INT.04", T::Doc, &[C::Cda, C::Dmp, C::Mss], K::Host, GEN,
        "Show without a click which documents came from / were sent to the DMP or MSSanté"),
    req("SC.CDA/INT.08", T::Doc, &[C::Cda, C::Ins], K::Host, GEN,
        "Show without a click the identity status of the patient in the patient file"),
    req("SC.CDA/INT.17", T::Doc, &[C::Cda], K::Auto, GEN,
        "Sort imported and produced documents by type code and act date"),
    req("SC.DMP/HISTO.01", T::Doc, &[C::Dmp], K::Auto, GEN,
        "Keep the history of documents exchanged with the DMP in the local patient file"),
    req("SC.DMP/UX.10", T::Doc, &[C::Dmp], K::Auto, GEN,
        "Never block the user interface during DMP requests (asynchronous calls)"),
    req("SC.DMP/UX.11", T::Doc, &[C::Dmp], K::Host, GEN,
        "Show progress / outcome of DMP requests to the user"),
    req("SC.CDA/DD.05", T::Doc, &[C::Cda, C::Dmp], K::Auto, GEN,
        "Detect that a newer version of an already integrated document exists"),
    req("SC.CDA/VISU.02", T::Doc, &[C::Cda], K::Host, GEN,
        "Inform the user of the newer version and let them view it"),
    req("SC.CDA/DD.02", T::Doc, &[C::Cda], K::Auto, GEN,
        "Create successive versions of a document (same setId"),
    req("SC.CDA/DD.04", T::Doc, &[C::Cda, C::Dmp], K::Auto, GEN,
        "Tell the user that a DMP document is already present in the local file (no duplicate integration)"),
    req("SC.CDA/DD.12", T::Doc, &[C::Cda], K::Auto, GEN,
        "Link N1 and N3 versions with an XFRM relation when feeding the DMP"),
    req("SC.CDA/DD.13", T::Doc, &[C::Cda], K::Auto, GEN,
        "Link N1 and N3 versions with an XFRM relation when sending by MSSanté"),
    req("SC.CDA/DD.14", T::Doc, &[C::Cda, C::Dmp, C::Mss], K::Auto, GEN,
        "Apply every user action (send / delete / replace) to both N1 and N3 of a linked pair"),
    req("SC.CDA/DD.17", T::Doc, &[C::Cda], K::Auto, GEN,
        "Avoid conflicting duplicates when the same document is produced again"),
    req("SC.DB/TRA.02", T::Doc, &[C::Cda], K::Auto, GEN,
        "Navigate from an imaging request to its report and back"),
    req("SC.DMP/CONF.08", T::Dmp, &[C::Dmp], K::Evidence, GEN,
        "DMP homologation obtained from the CNDA"),
    req("SC.DB/TRA.03", T::Dmp, &[C::Dmp], K::Auto, GEN,
        "Record the patient's information and non-opposition to DMP feeding and consultation"),
    req("SC.DMP/CONF.06", T::Dmp, &[C::Dmp], K::Auto, GEN,
        "Block DMP feeding when the informed patient opposed it (default: feeding allowed)"),
    req("SC.DMP/CONF.09", T::Dmp, &[C::Dmp], K::Auto, GEN,
        "Block DMP consultation unless the informed patient did not oppose (default: consultation refused)"),
    req("SC.DMP/CONF.11", T::Dmp, &[C::Dmp], K::Host, GEN,
        "Inform the professional that DMP accesses are controlled and traced"),
    req("SC.DMP/CONF.14", T::Dmp, &[C::Dmp, C::Ssi], K::Auto, GEN,
        "Trace every access to documents coming from the DMP"),
    req("SC.DMP/CONF.15", T::Dmp, &[C::Dmp, C::Ssi], K::Auto, GEN,
        "Make the access traces available (consultation / export) with who / what / when"),
    req("SC.DMP/ALI/PROG.02", T::Dmp, &[C::Dmp], K::Auto, GEN,
        "Send Ségur-perimeter documents to the DMP systematically and automatically"),
    req("SC.DMP/ALI/PROG.03", T::Dmp, &[C::Dmp], K::Auto, GEN,
        "Let the professional hold back the sending of a given document"),
    req("SC.DMP/ALI/PROG.05", T::Dmp, &[C::Dmp], K::Auto, GEN,
        "Queue send orders when sending is impossible (network down / no card / no token)"),
    req("SC.DMP/ALI/PROG.06", T::Dmp, &[C::Dmp], K::Auto, GEN,
        "Execute queued send orders as soon as possible"),
    req("SC.DMP/ALI/PROG.07", T::Dmp, &[C::Dmp], K::Auto, GEN,
        "Report failed / pending sends to the user with the reason"),
    req("SC.DMP/HISTO.03", T::Dmp, &[C::Dmp], K::Auto, GEN,
        "Send to the DMP a document taken from the local file's history"),
    req("SC.DMP/HISTO.04", T::Dmp, &[C::Dmp], K::Auto, GEN,
        "Choose the metadata (type / visibility) when sending a historical document"),
    req("SC.DMP/HISTO.05", T::Dmp, &[C::Dmp], K::Auto, GEN,
        "Keep track of which historical documents were already sent"),
    req("SC.DMP/CONF.03", T::Dmp, &[C::Dmp], K::Auto, GEN,
        "Delete a document from the DMP (feeding error or patient request) - both N1 and N3"),
    req("SC.DMP/UX.08", T::Dmp, &[C::Dmp], K::Auto, GEN,
        "Know without a click whether the patient has a DMP and whether access is authorised"),
    req("SC.DMP/UX.12", T::Dmp, &[C::Dmp], K::Auto, GEN,
        "Show without a click a synthetic list of DMP documents (configurable criteria)"),
    req("SC.DMP/UX.14", T::Dmp, &[C::Dmp], K::Auto, GEN,
        "Show the date of the last DMP feeding and the nature of the latest documents"),
    req("SC.DMP/UX.15", T::Dmp, &[C::Dmp], K::Auto, GEN,
        "Let the user configure which document types the synthetic view shows"),
    req("SC.DMP/UX.17", T::Dmp, &[C::Dmp], K::Auto, GEN,
        "Multi-criteria search in the patient's DMP (type / date / author / status)"),
    req("SC.DMP/UX.27", T::Dmp, &[C::Dmp], K::Auto, GEN,
        "Show the provenance and status of DMP documents (new version / already integrated)"),
    req("SC.DMP/UX.50", T::Dmp, &[C::Dmp], K::Auto, GEN,
        "Refresh DMP information in the background without blocking the user"),
    req("SC.DMP/UX.31", T::Dmp, &[C::Dmp], K::Auto, GEN,
        "Select DMP documents to view and integrate in the local file; open the web DMP by contextual call"),
    req("SC.DMP/CONF.05", T::Dmp, &[C::Dmp], K::Auto, GEN,
        "Manage access rights for feeding / deleting imaging manifests (KOS)"),
    req("SC.MSS/CONF.04", T::Mss, &[C::Mss], K::Auto, GEN,
        "Configure the mailbox connection automatically from the address"),
    req("SC.MSS/CONF.21", T::Mss, &[C::Mss], K::Auto, GEN,
        "Close the communication channel with the patient after sending to their Mon espace santé mailbox"),
    req("SC.MSS/UX.32", T::Mss, &[C::Mss], K::Auto, GEN,
        "Pre-fill the recipient when writing to a registered patient (patient mailbox address from INS)"),
    req("SC.MSS/CONF.20", T::Mss, &[C::Mss], K::Auto, GEN,
        "Search correspondents' MSSanté addresses in the directory (several addresses per person)"),
    req("SC.MSS/UX.02", T::Mss, &[C::Mss, C::Ins], K::Auto, GEN,
        "Associate received documents with the matching patient automatically from identity traits / INS"),
    req("SC.MSS/UX.05", T::Mss, &[C::Mss], K::Auto, GEN,
        "Inform the user of new or updated documents received by MSSanté"),
    req("SC.MSS/UX.25", T::Mss, &[C::Mss], K::Auto, GEN,
        "Hide XDM technical files from the user; show provenance of messages"),
    req("SC.MSS/UX.28", T::Mss, &[C::Mss], K::Auto, GEN,
        "Show patient information carried by the message"),
    req("SC.MSS/UX.31", T::Mss, &[C::Mss, C::Cda], K::Auto, GEN,
        "Integrate received CDA documents into the patient file"),
    req("SC.MSS/UX.39", T::Mss, &[C::Mss], K::Auto, GEN,
        "Handle received document updates (replacement of a previous version)"),
    req("SC.MSS/CONF.01", T::Mss, &[C::Mss], K::Auto, GEN,
        "Use only secure protocols for MSSanté exchanges (TLS)"),
    req("SC.MSS/CONF.03", T::Mss, &[C::Mss], K::Auto, GEN,
        "Authenticate to the operator with a supported means (CPS certificate / Pro Santé Connect)"),
    req("SC.MSS/CONF.05", T::Mss, &[C::Mss], K::Auto, GEN,
        "Follow the standard connection sequence to an MSSanté mailbox"),
    req("SC.MSS/CONF.06", T::Mss, &[C::Mss], K::Auto, GEN,
        "Reopen sessions closed by the operator automatically"),
    req("SC.MSS/CONF.07", T::Mss, &[C::Mss], K::Auto, GEN,
        "Use standard IMAP for reading mail"),
    req("SC.MSS/CONF.08", T::Mss, &[C::Mss], K::Auto, GEN,
        "Use standard SMTP submission for sending mail"),
    req("SC.MSS/CONF.10", T::Mss, &[C::Mss], K::Auto, GEN,
        "Package attached health documents as IHE XDM"),
    req("SC.MSS/CONF.11", T::Mss, &[C::Mss], K::Auto, GEN,
        "Set the invisible SMTP headers used for automated processing"),
    req("SC.MSS/CONF.14", T::Mss, &[C::Mss], K::Auto, GEN,
        "Attach the PDF alongside the CDA so non-integrated clients can read it"),
    req("SC.MSS/CONF.15", T::Mss, &[C::Mss], K::Auto, GEN,
        "Carry patient identification (INS) in the message / XDM metadata"),
    req("SC.MSS/CONF.16", T::Mss, &[C::Mss], K::Auto, GEN,
        "Request and process delivery / read notifications"),
    req("SC.MSS/CONF.22", T::Mss, &[C::Mss], K::Auto, GEN,
        "Interoperate with every MSSanté operator (no operator-specific assumptions)"),
    req("SC.MSS/CONF.27", T::Mss, &[C::Mss], K::Auto, GEN_CDS,
        "Handle several mailboxes (personal / organisational / applicative)"),
    req("SC.MSS/CONF.28", T::Mss, &[C::Mss], K::Auto, GEN,
        "Handle operator errors and rejections with clear messages"),
    req("SC.MSS/UX.01", T::Mss, &[C::Mss], K::Host, GEN,
        "Give access to MSSanté from within the practice software"),
    req("SC.MSS/CONF.17", T::Mss, &[C::Mss, C::Ssi], K::Auto, GEN,
        "Trace user actions related to MSSanté"),
    req("SC.MSS/CONF.18", T::Mss, &[C::Mss, C::Ssi], K::Auto, GEN,
        "Trace MSSanté flows (sent / received messages)"),
    req("SC.MSS/UX.37", T::Mss, &[C::Mss, C::Ssi], K::Auto, GEN,
        "Let the user consult MSSanté traces"),
    req("SC.PSC.01", T::Psc, &[C::Psc], K::Auto, GEN,
        "Identify the user of the software with Pro Santé Connect"),
    req("SC.PSC.02", T::Psc, &[C::Psc], K::Auto, GEN,
        "Link the PSC identity to the pre-existing local account at first login"),
    req("SC.PSC.08", T::Psc, &[C::Psc], K::Auto, GEN,
        "Use the PSC session to reach national services (DMP / MSSanté / INSi) without re-identification"),
    req("SC.PSC.10", T::Psc, &[C::Psc], K::Auto, GEN,
        "Implement the OpenID Connect Authorization Code Flow"),
    req("SC.PSC.11", T::Psc, &[C::Psc], K::Auto, GEN,
        "Share the PSC session with other software (seamless SSO)"),
    req("SC.PSC.13", T::Psc, &[C::Psc], K::Auto, GEN_CIBA,
        "Connect with PSC by CIBA (profile Connexion PSC par CIBA)"),
    req("SC.APCV.01", T::Socle, &[C::CarteVitale], K::Auto, GEN,
        "Support the Application Carte Vitale per SESAM-Vitale addendum 8"),
    req("SC.ORDN/CONF.01", T::Socle, &[C::CarteVitale], K::Auto, GEN,
        "Comply with the e-prescription specification version 2.00"),
    req("SC.ORDN/CONF.04", T::Socle, &[C::CarteVitale, C::Dmp], K::Auto, GEN,
        "Send prescriptions \"in Y\": to the e-prescription server and to the DMP"),
    req("SC.ORDN/CONF.05", T::Socle, &[C::CarteVitale, C::Dmp], K::Auto, GEN,
        "When the e-prescription server does not answer"),
    req("SC.SSI/GEN.01", T::Ssi, &[C::Ssi], K::Evidence, GEN,
        "A named security officer at the editor"),
    req("SC.SSI/GEN.02", T::Ssi, &[C::Ssi], K::Evidence, GEN,
        "Security awareness of the editor's teams"),
    req("SC.SSI/GEN.03", T::Ssi, &[C::Ssi], K::Evidence, GEN,
        "Secure development and configuration standards"),
    req("SC.SSI/GEN.11", T::Ssi, &[C::Ssi], K::Evidence, GEN,
        "Vulnerability watch on the software and its components"),
    req("SC.SSI/GEN.20", T::Ssi, &[C::Ssi], K::Evidence, GEN,
        "Security governance follow-up"),
    req("SC.SSI/GEN.18", T::Ssi, &[C::Ssi], K::Evidence, GEN,
        "Conformant penetration test by a qualified auditor (PASSI)"),
    req("SC.SSI/GEN.08", T::Ssi, &[C::Ssi], K::Auto, GEN,
        "Interact with an antivirus component (scan received files)"),
    req("SC.SSI/GEN.07", T::Ssi, &[C::Ssi], K::Auto, GEN,
        "Hardening: minimal surface / users / rights"),
    req("SC.SSI/GEN.13", T::Ssi, &[C::Ssi], K::Auto, GEN,
        "Integrity / authenticity / cryptography compliant with RGS and ANSSI guides"),
    req("SC.SSI/GEN.16", T::Ssi, &[C::Ssi], K::Auto, GEN_CDS,
        "Internal account base management"),
    req("SC.SSI/GEN.17", T::Ssi, &[C::Ssi], K::Auto, GEN_CDS,
        "Secure privileged accounts"),
    req("SC.SSI/IE.30", T::Ssi, &[C::Ssi], K::Auto, GEN,
        "Electronic identification of users per the national identification referential"),
    req("SC.SSI/IE.31", T::Ssi, &[C::Ssi], K::Auto, GEN,
        "Password policy (length / complexity / renewal) per ANSSI"),
    req("SC.SSI/IE.32", T::Ssi, &[C::Ssi], K::Auto, GEN,
        "Protect stored authenticators (salted slow hashing)"),
    req("SC.SSI/IE.33", T::Ssi, &[C::Ssi], K::Auto, GEN,
        "Lock accounts / slow down after repeated failures"),
    req("SC.SSI/IE.34", T::Ssi, &[C::Ssi], K::Auto, GEN,
        "Session management: inactivity timeout and re-authentication"),
    req("SC.SSI/IE.35", T::Ssi, &[C::Ssi], K::Auto, GEN,
        "Session management: logout and session invalidation"),
    req("SC.SSI/IE.36", T::Ssi, &[C::Ssi], K::Auto, GEN,
        "Multi-factor authentication for sensitive access"),
    req("SC.SSI/IE.38", T::Ssi, &[C::Ssi], K::Auto, GEN,
        "Trace authentication events"),
    req("SC.SSI/IE.39", T::Ssi, &[C::Ssi], K::Auto, GEN_CDS,
        "Synchronise accounts and rights with local identity directories"),
    req("SC.SSI/GEN.21", T::Ssi, &[C::Ssi], K::Evidence, GEN,
        "Documented backup and restore procedure"),
    req("LGC.CSE.04", T::Enfant, &[C::Enfant], K::Auto, GEN_ENFANT,
        "Produce the reports of the 20 mandatory child examinations as CDA R2 N1"),
    req("LGC.CSE.14", T::Enfant, &[C::Enfant], K::Auto, GEN_ENFANT,
        "Pre-fill the child examination reports from the child's file"),
    req("LGC.CSE.09", T::Enfant, &[C::Enfant], K::Auto, GEN_ENFANT,
        "Produce the 8th-day / 9th-month / 24th-month health certificates (CS8 / CS9 / CS24) as CDA R2 N3"),
    req("LGC.CSE.12", T::Enfant, &[C::Enfant, C::Mss], K::Auto, GEN_ENFANT,
        "Send validated health certificates by MSSanté to the DREES and the departmental PMI"),
    req("LGC.CSE.15", T::Enfant, &[C::Enfant], K::Auto, GEN_ENFANT,
        "Produce the child measurements document (Mesures de l'enfant) as CDA R2 N3 and share it N3-only"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique_and_have_no_underscore() {
        let ids: HashSet<_> = CATALOGUE.iter().map(|r| r.id).collect();
        assert_eq!(ids.len(), REQUIREMENT_COUNT);
        assert!(CATALOGUE.iter().all(|r| !r.id.contains('_')));
        let slugs: HashSet<_> = CATALOGUE.iter().map(|r| r.slug()).collect();
        assert_eq!(slugs.len(), REQUIREMENT_COUNT);
    }

    #[test]
    fn every_requirement_is_general_first() {
        for r in &CATALOGUE {
            assert_eq!(r.profiles.first(), Some(&Profile::General), "{}", r.id);
            assert!(!r.crates.is_empty(), "{}", r.id);
            assert!(!r.summary.is_empty(), "{}", r.id);
        }
    }

    #[test]
    fn profile_mapping_is_the_documented_one() {
        let ids = |p: Profile| -> Vec<&str> {
            CATALOGUE
                .iter()
                .filter(|r| r.in_profile(p))
                .map(|r| r.id)
                .collect()
        };
        assert_eq!(ids(Profile::General).len(), REQUIREMENT_COUNT);
        assert_eq!(ids(Profile::MedecinTraitant), ["SC.DB/LGC.01"]);
        assert_eq!(
            ids(Profile::SuiviEnfant),
            [
                "SC.VACC/NOTE.05",
                "LGC.CSE.04",
                "LGC.CSE.14",
                "LGC.CSE.09",
                "LGC.CSE.12",
                "LGC.CSE.15"
            ]
        );
        assert_eq!(
            ids(Profile::CentreSante),
            [
                "SC.MSS/CONF.27",
                "SC.SSI/GEN.16",
                "SC.SSI/GEN.17",
                "SC.SSI/IE.39"
            ]
        );
        assert_eq!(ids(Profile::ConnexionPscCiba), ["SC.PSC.13"]);
        assert!(
            CATALOGUE
                .iter()
                .filter(|r| r.theme == Theme::Enfant)
                .all(|r| r.in_profile(Profile::SuiviEnfant))
        );
    }

    #[test]
    fn names_parse_leniently() {
        assert_eq!("ins".parse::<Theme>().ok(), Some(Theme::Ins));
        assert_eq!("Socle".parse::<Theme>().ok(), Some(Theme::Socle));
        assert!("inss".parse::<Theme>().is_err());
        for p in Profile::ALL {
            assert_eq!(p.slug().parse::<Profile>().ok(), Some(p));
            assert_eq!(p.label().parse::<Profile>().ok(), Some(p));
        }
        assert_eq!(
            "suivi de l'enfant".parse::<Profile>().ok(),
            Some(Profile::SuiviEnfant)
        );
        assert_eq!(
            "MEDECIN TRAITANT".parse::<Profile>().ok(),
            Some(Profile::MedecinTraitant)
        );
        assert_eq!(
            "ciba".parse::<Profile>().ok(),
            Some(Profile::ConnexionPscCiba)
        );
        assert!("pediatre".parse::<Profile>().is_err());
    }

    #[test]
    fn lookup_is_exact() {
        assert_eq!(
            lookup("SC.SSI/GEN.18").map(|r| r.check).ok(),
            Some(CheckKind::Evidence)
        );
        assert!(lookup("sc.ssi/gen.18").is_err());
        assert_eq!(
            requirement("SC.CDA/DD.14").map(|r| r.crates_code()),
            Some("cda+dmp+mss".to_owned())
        );
        assert_eq!(
            requirement("SC.DMP/ALI/PROG.02").map(|r| r.slug()),
            Some("SC.DMP_ALI_PROG.02".to_owned())
        );
    }
}
