//! The VIHF (Vecteur d'Identification et d'Habilitation Formelles): the SAML
//! 2.0 assertion every DMP call carries in its `wsse:Security` header
//! (reference `dmp.md` §3).
//!
//! [`Vihf`] holds the claims (who acts, for which structure, in which role,
//! on which patient, through which software and authentication mode);
//! [`Vihf::sign`] produces a [`VihfAssertion`] signed with an enveloped
//! XML-DSig signature — exclusive c14n, SHA-256, RSA-SHA256 (ECDSA for EC
//! keys), the `ds:Signature` right after `saml2:Issuer`, the signer's chain in
//! `KeyInfo`, and `InclusiveNamespaces PrefixList="xs"` since the
//! `xsi:type="xs:string"` values use `xs` only inside attribute values.
//!
//! The assertion is self-contained (it declares `saml2`, `xsi`, `xs`; the
//! signature declares `ds`), so it can be placed in any envelope that does not
//! rebind those prefixes, and it is inserted as-is: never re-indent it.
//!
//! ```
//! use segur_dmp::vihf::{AuthenticationMode, LpsInfo, Role, Vihf, VihfActor};
//! # let pki = segur_ssi::test_pki::TestPki::generate().unwrap();
//! # let structure: segur_ids::IdNatStruct = "499700000000001".parse().unwrap();
//! # let cert = pki.issue_organisation(&structure, "CABINET TEST").unwrap();
//! let signer = segur_dmp::XmlSigner::from_identity(&cert.identity()?)?;
//! let actor = VihfActor::new("810003612545", "MARTIN Jeanne", structure, "SA07")
//!     .with_role(Role::profession("10", "Médecin"))
//!     .with_role(Role::savoir_faire("SM26", "Qualifié en médecine générale"));
//! let lps = LpsInfo::new("segur-rs", "0.1.0", "SEGUR-RS-TEST-0001");
//! let now = time::OffsetDateTime::now_utc();
//! let assertion = Vihf::new(actor, lps, AuthenticationMode::Indirecte, now).sign(&signer, now)?;
//! assert!(assertion.as_xml().contains("<saml2:Attribute Name=\"Authentification_Mode\">"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use segur_ids::{IdNatStruct, Oid, oid};
use segur_ins::Ins;
use time::{Duration, OffsetDateTime};

use crate::dsig::{self, DS_NS, XmlSigner};
use crate::error::{Error, SignatureError, VihfError};
use crate::xml::{Element, Scope};

/// `urn:oasis:names:tc:SAML:2.0:assertion`
pub const SAML2_NS: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";
const XS_NS: &str = "http://www.w3.org/2001/XMLSchema";
const HL7_NS: &str = "urn:hl7-org:v3";
const X509_SUBJECT: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName";
const NAMEID_UNSPECIFIED: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";

/// Attribute names of the VIHF (reference §3).
pub mod attributes {
    /// `VIHF_Version`
    pub const VERSION: &str = "VIHF_Version";
    /// `Authentification_Mode`
    pub const AUTHENTICATION_MODE: &str = "Authentification_Mode";
    /// `Identifiant_Structure`
    pub const STRUCTURE: &str = "Identifiant_Structure";
    /// `Secteur_Activite`
    pub const SECTOR: &str = "Secteur_Activite";
    /// Display name of the user (or software for automated processing).
    pub const SUBJECT_ID: &str = "urn:oasis:names:tc:xspa:1.0:subject:subject-id";
    /// Roles (profession, savoir-faire…).
    pub const ROLE: &str = "urn:oasis:names:tc:xacml:2.0:subject:role";
    /// Patient INS as CX.
    pub const RESOURCE_ID: &str = "urn:oasis:names:tc:xacml:2.0:resource:resource-id";
    /// Constant `urn:dmp`.
    pub const RESOURCE_URN: &str = "Ressource_URN";
    /// Access mode.
    pub const PURPOSE_OF_USE: &str = "urn:oasis:names:tc:xspa:1.0:subject:purposeofuse";
    /// "Connexion secrète".
    pub const CONFIDENTIALITY_CODE: &str =
        "urn:oasis:names:tc:xspa:1.0:resource:patient:hl7:confidentiality-code";
    /// Installation id.
    pub const LPS_ID: &str = "LPS_ID";
    /// Software name.
    pub const LPS_NAME: &str = "LPS_Nom";
    /// Software version.
    pub const LPS_VERSION: &str = "LPS_Version";
    /// DMP homologation number.
    pub const LPS_HOMOLOGATION: &str = "LPS_ID_HOMOLOGATION_DMP";
}

/// Code system of `Secteur_Activite` (JDV_J61 values).
pub const SECTOR_CODE_SYSTEM: Oid = oid!("1.2.250.1.71.4.2.4");
/// TRE_G15 profession codes (first role).
pub const PROFESSION_CODE_SYSTEM: Oid = oid!("1.2.250.1.71.1.2.7");
/// TRE_R01 savoir-faire codes (second role for doctors / pharmacists).
pub const SAVOIR_FAIRE_CODE_SYSTEM: Oid = oid!("1.2.250.1.71.4.2.5");
/// Access modes (`purposeofuse`), "mode acces VIHF 1.0".
pub const PURPOSE_CODE_SYSTEM: Oid = oid!("1.2.250.1.213.1.1.4.248");

/// How the user authenticated (`Authentification_Mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthenticationMode {
    /// CPS card: TLS with the personal certificate.
    Directe,
    /// Structure certificate authenticates TLS and signs the VIHF; no
    /// consultation of documents (non-AIR).
    Indirecte,
    /// Indirect, with a strong local authentication (e.g. Pro Santé Connect):
    /// consultation allowed (AIR).
    IndirecteRenforcee,
}

impl AuthenticationMode {
    /// The VIHF value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Directe => "DIRECTE",
            Self::Indirecte => "INDIRECTE",
            Self::IndirecteRenforcee => "INDIRECTE_RENFORCEE",
        }
    }

    /// Parses the VIHF value.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "DIRECTE" => Some(Self::Directe),
            "INDIRECTE" => Some(Self::Indirecte),
            "INDIRECTE_RENFORCEE" => Some(Self::IndirecteRenforcee),
            _ => None,
        }
    }

    /// The `AuthnContextClassRef` written for this mode (reference §2:
    /// SmartcardPKI for direct, TLSClient for indirect, as DRIMbox sends).
    pub fn authn_context_class(self) -> &'static str {
        match self {
            Self::Directe => "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI",
            Self::Indirecte | Self::IndirecteRenforcee => {
                "urn:oasis:names:tc:SAML:2.0:ac:classes:TLSClient"
            }
        }
    }

    /// Whether documents may be consulted in this mode (indirect non-AIR
    /// cannot, reference §2).
    pub fn allows_consultation(self) -> bool {
        !matches!(self, Self::Indirecte)
    }
}

/// An HL7 CE value (`Role`, `PurposeOfUse`, confidentiality code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodedValue {
    /// Code.
    pub code: String,
    /// Code system OID.
    pub code_system: Oid,
    /// Code system name, if any.
    pub code_system_name: Option<String>,
    /// Display name.
    pub display_name: String,
}

impl CodedValue {
    /// A coded value.
    pub fn new(code: impl Into<String>, code_system: Oid, display_name: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            code_system,
            code_system_name: None,
            display_name: display_name.into(),
        }
    }

    /// Sets the code system name.
    pub fn with_system_name(mut self, name: impl Into<String>) -> Self {
        self.code_system_name = Some(name.into());
        self
    }

    fn to_element(&self, local: &str) -> Element {
        let mut e = Element::new(local, HL7_NS)
            .decl("", HL7_NS)
            .attr_ns("xsi:type", XSI_NS, "CE")
            .attr("code", &self.code)
            .attr("codeSystem", self.code_system.as_str());
        if let Some(n) = &self.code_system_name {
            e = e.attr("codeSystemName", n);
        }
        e.attr("displayName", &self.display_name)
    }

    fn from_element(e: &Element) -> Option<Self> {
        Some(Self {
            code: e.get_attr("code")?.to_owned(),
            code_system: Oid::parse(e.get_attr("codeSystem")?).ok()?,
            code_system_name: e.get_attr("codeSystemName").map(str::to_owned),
            display_name: e.get_attr("displayName").unwrap_or_default().to_owned(),
        })
    }
}

/// A role of the actor (`urn:oasis:names:tc:xacml:2.0:subject:role`): the
/// first is the profession, the second the savoir-faire for doctors and
/// pharmacists (values of JDV_J65-SubjectRole-DMP).
pub type Role = CodedValue;

impl CodedValue {
    /// A profession code of TRE_G15 (`10` = Médecin).
    pub fn profession(code: &str, display: &str) -> Role {
        Role::new(code, PROFESSION_CODE_SYSTEM, display)
    }

    /// A savoir-faire of TRE_R01 (`SM26` = Qualifié en médecine générale).
    pub fn savoir_faire(code: &str, display: &str) -> Role {
        Role::new(code, SAVOIR_FAIRE_CODE_SYSTEM, display)
    }
}

/// The access mode (`purposeofuse`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PurposeOfUse {
    /// `normal` — "Accès normal".
    Normal,
    /// Another code of `1.2.250.1.213.1.1.4.248` (the codes for "bris de
    /// glace" and "centre de régulation" are not public: give them here).
    Other(CodedValue),
}

impl PurposeOfUse {
    fn coded(&self) -> CodedValue {
        match self {
            Self::Normal => CodedValue::new("normal", PURPOSE_CODE_SYSTEM, "Accès normal")
                .with_system_name("mode acces VIHF 1.0"),
            Self::Other(c) => c.clone(),
        }
    }
}

/// Who acts: the professional (or, for automated processing, the person
/// responsible) and the structure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VihfActor {
    /// `Subject/NameID`: the national professional id (idNat_PS).
    pub name_id: String,
    /// `subject-id`: "NOM Prénom" (or the software name for automated processing).
    pub display_name: String,
    /// Roles, profession first.
    pub roles: Vec<Role>,
    /// `Identifiant_Structure`.
    pub structure: IdNatStruct,
    /// `Secteur_Activite` code (JDV_J61), written `code^1.2.250.1.71.4.2.4`.
    pub sector: String,
}

impl VihfActor {
    /// An actor; add roles with [`VihfActor::with_role`].
    pub fn new(
        name_id: impl Into<String>,
        display_name: impl Into<String>,
        structure: IdNatStruct,
        sector: impl Into<String>,
    ) -> Self {
        Self {
            name_id: name_id.into(),
            display_name: display_name.into(),
            roles: Vec::new(),
            structure,
            sector: sector.into(),
        }
    }

    /// Adds a role (the first one must be the profession).
    pub fn with_role(mut self, role: Role) -> Self {
        self.roles.push(role);
        self
    }
}

/// The practice software (`LPS_*` attributes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LpsInfo {
    /// `LPS_Nom`.
    pub name: String,
    /// `LPS_Version`.
    pub version: String,
    /// `LPS_ID_HOMOLOGATION_DMP`.
    pub homologation_id: String,
    /// `LPS_ID`: installation / serial number (optional).
    pub instance_id: Option<String>,
}

impl LpsInfo {
    /// Software name, version and DMP homologation number.
    pub fn new(
        name: impl Into<String>,
        version: impl Into<String>,
        homologation_id: impl Into<String>,
    ) -> Self {
        Self {
            name: name.into(),
            version: version.into(),
            homologation_id: homologation_id.into(),
            instance_id: None,
        }
    }

    /// Sets `LPS_ID`.
    pub fn with_instance_id(mut self, id: impl Into<String>) -> Self {
        self.instance_id = Some(id.into());
        self
    }
}

/// Default `VIHF_Version`: `3.0`, the value DRIMbox and the TLSi kit send to
/// the DMP test platform (the ANS HL7v2 IG table says `4.0`: reference §3,
/// UNCONFIRMED). Set another one with [`Vihf::with_version`].
pub const DEFAULT_VIHF_VERSION: &str = "3.0";

/// The claims of one VIHF assertion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vihf {
    /// Who acts.
    pub actor: VihfActor,
    /// Which software.
    pub lps: LpsInfo,
    /// Authentication mode.
    pub mode: AuthenticationMode,
    /// When the user logged into the software.
    pub authn_instant: OffsetDateTime,
    /// `VIHF_Version`.
    pub version: String,
    /// Patient (resource-id) for patient-scoped calls.
    pub patient: Option<Ins>,
    /// Access mode.
    pub purpose: PurposeOfUse,
    /// "Connexion secrète" confidentiality code, when requested.
    pub confidentiality: Option<CodedValue>,
    /// Validity of the assertion from its issue instant.
    pub validity: Duration,
}

/// `Ressource_URN` constant.
pub const RESOURCE_URN_DMP: &str = "urn:dmp";

fn utc(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

fn parse_utc(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

fn saml(local: &str) -> Element {
    Element::new(format!("saml2:{local}"), SAML2_NS)
}

fn string_value(v: &str) -> Element {
    saml("AttributeValue")
        .attr_ns("xsi:type", XSI_NS, "xs:string")
        .text(v)
}

fn string_attribute(name: &str, v: &str) -> Element {
    saml("Attribute").attr("Name", name).child(string_value(v))
}

fn coded_attribute(name: &str, local: &str, values: &[CodedValue]) -> Element {
    saml("Attribute").attr("Name", name).children(
        values
            .iter()
            .map(|v| saml("AttributeValue").child(v.to_element(local))),
    )
}

impl Vihf {
    /// Claims with the defaults: version [`DEFAULT_VIHF_VERSION`], access
    /// mode normal, no patient, 5 minutes validity.
    pub fn new(
        actor: VihfActor,
        lps: LpsInfo,
        mode: AuthenticationMode,
        authn_instant: OffsetDateTime,
    ) -> Self {
        Self {
            actor,
            lps,
            mode,
            authn_instant,
            version: DEFAULT_VIHF_VERSION.to_owned(),
            patient: None,
            purpose: PurposeOfUse::Normal,
            confidentiality: None,
            validity: Duration::minutes(5),
        }
    }

    /// Sets the patient (`resource-id`).
    pub fn for_patient(mut self, ins: Ins) -> Self {
        self.patient = Some(ins);
        self
    }

    /// Sets `VIHF_Version`.
    pub fn with_version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }

    /// Sets the access mode.
    pub fn with_purpose(mut self, purpose: PurposeOfUse) -> Self {
        self.purpose = purpose;
        self
    }

    /// Requests a "connexion secrète".
    pub fn with_confidentiality(mut self, code: CodedValue) -> Self {
        self.confidentiality = Some(code);
        self
    }

    /// Sets the validity window.
    pub fn with_validity(mut self, validity: Duration) -> Self {
        self.validity = validity;
        self
    }

    fn check(&self) -> Result<(), VihfError> {
        let required: [(&'static str, &str); 7] = [
            ("NameID", &self.actor.name_id),
            (attributes::SUBJECT_ID, &self.actor.display_name),
            (attributes::SECTOR, &self.actor.sector),
            (attributes::VERSION, &self.version),
            (attributes::LPS_NAME, &self.lps.name),
            (attributes::LPS_VERSION, &self.lps.version),
            (attributes::LPS_HOMOLOGATION, &self.lps.homologation_id),
        ];
        for (name, v) in required {
            if v.trim().is_empty() {
                return Err(VihfError::Missing(name));
            }
        }
        if self.actor.roles.is_empty() {
            return Err(VihfError::Missing(attributes::ROLE));
        }
        if self.validity <= Duration::ZERO {
            return Err(VihfError::Invalid {
                field: "validity",
                reason: "must be positive".into(),
            });
        }
        Ok(())
    }

    /// The unsigned assertion tree (`ID`, `IssueInstant` from `now`).
    fn build(&self, issuer_dn: &str, id: &str, now: OffsetDateTime) -> Result<Element, VihfError> {
        self.check()?;
        let a = &self.actor;
        let mut stmt = saml("AttributeStatement")
            .child(string_attribute(attributes::VERSION, &self.version))
            .child(string_attribute(
                attributes::AUTHENTICATION_MODE,
                self.mode.as_str(),
            ))
            .child(string_attribute(
                attributes::STRUCTURE,
                a.structure.as_str(),
            ))
            .child(string_attribute(
                attributes::SECTOR,
                &format!("{}^{}", a.sector, SECTOR_CODE_SYSTEM.as_str()),
            ))
            .child(string_attribute(attributes::SUBJECT_ID, &a.display_name))
            .child(coded_attribute(attributes::ROLE, "Role", &a.roles));
        if let Some(ins) = &self.patient {
            stmt = stmt.child(string_attribute(attributes::RESOURCE_ID, &ins.to_cx()));
        }
        stmt = stmt
            .child(string_attribute(attributes::RESOURCE_URN, RESOURCE_URN_DMP))
            .child(coded_attribute(
                attributes::PURPOSE_OF_USE,
                "PurposeOfUse",
                &[self.purpose.coded()],
            ));
        if let Some(c) = &self.confidentiality {
            stmt = stmt.child(coded_attribute(
                attributes::CONFIDENTIALITY_CODE,
                "ConfidentialityCode",
                std::slice::from_ref(c),
            ));
        }
        if let Some(id) = &self.lps.instance_id {
            stmt = stmt.child(string_attribute(attributes::LPS_ID, id));
        }
        stmt = stmt
            .child(string_attribute(attributes::LPS_NAME, &self.lps.name))
            .child(string_attribute(attributes::LPS_VERSION, &self.lps.version))
            .child(string_attribute(
                attributes::LPS_HOMOLOGATION,
                &self.lps.homologation_id,
            ));
        let mut context = saml("AuthnContext")
            .child(saml("AuthnContextClassRef").text(self.mode.authn_context_class()));
        if self.mode == AuthenticationMode::IndirecteRenforcee {
            context = context.child(saml("AuthnContextDeclRef").text("APP_BROWSER_AUTH"));
        }
        Ok(saml("Assertion")
            .decl("saml2", SAML2_NS)
            .decl("xsi", XSI_NS)
            .decl("xs", XS_NS)
            .attr("ID", id)
            .attr("IssueInstant", utc(now))
            .attr("Version", "2.0")
            .child(saml("Issuer").attr("Format", X509_SUBJECT).text(issuer_dn))
            .child(
                saml("Subject").child(
                    saml("NameID")
                        .attr("Format", NAMEID_UNSPECIFIED)
                        .text(&a.name_id),
                ),
            )
            .child(
                saml("Conditions")
                    .attr("NotBefore", utc(now))
                    .attr("NotOnOrAfter", utc(now + self.validity)),
            )
            .child(
                saml("AuthnStatement")
                    .attr("AuthnInstant", utc(self.authn_instant))
                    .child(context),
            )
            .child(stmt))
    }

    /// Builds and signs the assertion at `now` (indirect authentication: the
    /// structure's certificate signs).
    pub fn sign(&self, signer: &XmlSigner, now: OffsetDateTime) -> Result<VihfAssertion, Error> {
        let id = format!("_{}", uuid::Uuid::new_v4());
        let mut el = self.build(signer.subject_dn(), &id, now)?;
        // Right after saml2:Issuer, as the SAML schema orders it.
        dsig::sign_enveloped(&mut el, &Scope::new(), &id, 1, &["xs"], signer)?;
        Ok(VihfAssertion::from_element(el, id))
    }

    /// Builds the assertion without a signature, for direct authentication
    /// where the CPS card authenticates the TLS channel (how, or whether, the
    /// DMP wants the VIHF signed in that mode is not public: reference §2).
    pub fn unsigned(&self, issuer_dn: &str, now: OffsetDateTime) -> Result<VihfAssertion, Error> {
        if self.mode != AuthenticationMode::Directe {
            return Err(VihfError::Invalid {
                field: attributes::AUTHENTICATION_MODE,
                reason: "only a DIRECTE assertion may be left unsigned".into(),
            }
            .into());
        }
        let id = format!("_{}", uuid::Uuid::new_v4());
        let el = self.build(issuer_dn, &id, now)?;
        Ok(VihfAssertion::from_element(el, id))
    }
}

/// A built (usually signed) VIHF assertion, ready to go into a
/// `wsse:Security` header.
#[derive(Debug, Clone)]
pub struct VihfAssertion {
    element: Element,
    xml: String,
    id: String,
}

impl VihfAssertion {
    fn from_element(element: Element, id: String) -> Self {
        Self {
            xml: element.to_xml(),
            element,
            id,
        }
    }

    /// The assertion `ID`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The serialized assertion. Insert it verbatim: re-indenting breaks
    /// the signature.
    pub fn as_xml(&self) -> &str {
        &self.xml
    }

    /// Whether it carries a signature.
    pub fn is_signed(&self) -> bool {
        self.element.first(DS_NS, "Signature").is_some()
    }

    pub(crate) fn element(&self) -> &Element {
        &self.element
    }
}

/// The claims read back from a received assertion whose signature verified
/// (used by the simulator, and by hosts that want to inspect what they send).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifiedVihf {
    /// `ID`.
    pub id: String,
    /// `Issuer`.
    pub issuer: String,
    /// `NameID`.
    pub name_id: String,
    /// `Authentification_Mode`.
    pub mode: AuthenticationMode,
    /// `VIHF_Version`.
    pub version: String,
    /// `Identifiant_Structure`.
    pub structure: String,
    /// `subject-id`.
    pub display_name: String,
    /// Roles.
    pub roles: Vec<CodedValue>,
    /// `resource-id`, parsed.
    pub patient: Option<Ins>,
    /// `purposeofuse` code.
    pub purpose: String,
    /// `IssueInstant`.
    pub issue_instant: OffsetDateTime,
    /// `Conditions/@NotOnOrAfter`, if present.
    pub not_on_or_after: Option<OffsetDateTime>,
    /// `Conditions/@NotBefore`, if present.
    pub not_before: Option<OffsetDateTime>,
    /// Signer chain (DER, signer first).
    pub signer_chain: Vec<Vec<u8>>,
}

fn attr_values<'a>(stmt: &'a Element, name: &str) -> Vec<&'a Element> {
    stmt.all(SAML2_NS, "Attribute")
        .filter(|a| a.get_attr("Name") == Some(name))
        .flat_map(|a| a.all(SAML2_NS, "AttributeValue"))
        .collect()
}

fn attr_string(stmt: &Element, name: &'static str) -> Result<String, VihfError> {
    attr_values(stmt, name)
        .first()
        .map(|v| v.text_content().trim().to_owned())
        .filter(|v| !v.is_empty())
        .ok_or(VihfError::Missing(name))
}

/// Verifies the signature of an assertion found in a received message and
/// reads its claims. `inherited` are the namespace bindings in scope at the
/// assertion. Trust in the signer is the caller's decision
/// ([`VerifiedVihf::signer_chain`]).
pub(crate) fn verify_assertion(
    assertion: &Element,
    inherited: &Scope,
) -> Result<VerifiedVihf, Error> {
    if !assertion.is(SAML2_NS, "Assertion") {
        return Err(SignatureError::Malformed("not a SAML 2.0 Assertion".into()).into());
    }
    let sig = dsig::verify_enveloped(assertion, inherited)?;
    let stmt = assertion
        .first(SAML2_NS, "AttributeStatement")
        .ok_or(VihfError::Missing("AttributeStatement"))?;
    let mode_s = attr_string(stmt, attributes::AUTHENTICATION_MODE)?;
    let mode = AuthenticationMode::parse(&mode_s).ok_or_else(|| VihfError::Invalid {
        field: attributes::AUTHENTICATION_MODE,
        reason: mode_s.clone(),
    })?;
    let patient = match attr_values(stmt, attributes::RESOURCE_ID).first() {
        Some(v) => Some(
            Ins::from_cx(v.text_content().trim()).map_err(|e| VihfError::Invalid {
                field: attributes::RESOURCE_ID,
                reason: e.to_string(),
            })?,
        ),
        None => None,
    };
    let coded = |name: &str| -> Vec<CodedValue> {
        attr_values(stmt, name)
            .iter()
            .filter_map(|v| v.elements().next().and_then(CodedValue::from_element))
            .collect()
    };
    let roles = coded(attributes::ROLE);
    if roles.is_empty() {
        return Err(VihfError::Missing(attributes::ROLE).into());
    }
    let purpose = coded(attributes::PURPOSE_OF_USE)
        .into_iter()
        .next()
        .map(|c| c.code)
        .ok_or(VihfError::Missing(attributes::PURPOSE_OF_USE))?;
    let name_id = assertion
        .first(SAML2_NS, "Subject")
        .and_then(|s| s.child_text(SAML2_NS, "NameID"))
        .filter(|s| !s.is_empty())
        .ok_or(VihfError::Missing("NameID"))?;
    let conditions = assertion.first(SAML2_NS, "Conditions");
    let time_attr = |name: &'static str| -> Result<Option<OffsetDateTime>, VihfError> {
        match conditions.and_then(|c| c.get_attr(name)) {
            None => Ok(None),
            Some(s) => parse_utc(s).map(Some).ok_or_else(|| VihfError::Invalid {
                field: name,
                reason: s.to_owned(),
            }),
        }
    };
    let issue = assertion.get_attr("IssueInstant").unwrap_or_default();
    Ok(VerifiedVihf {
        id: assertion.get_attr("ID").unwrap_or_default().to_owned(),
        issuer: assertion.child_text(SAML2_NS, "Issuer").unwrap_or_default(),
        name_id,
        mode,
        version: attr_string(stmt, attributes::VERSION)?,
        structure: attr_string(stmt, attributes::STRUCTURE)?,
        display_name: attr_string(stmt, attributes::SUBJECT_ID)?,
        roles,
        patient,
        purpose,
        issue_instant: parse_utc(issue).ok_or_else(|| VihfError::Invalid {
            field: "IssueInstant",
            reason: issue.to_owned(),
        })?,
        not_on_or_after: time_attr("NotOnOrAfter")?,
        not_before: time_attr("NotBefore")?,
        signer_chain: sig.chain,
    })
}

/// Verifies a standalone serialized assertion (e.g. the output of
/// `segur dmp vihf`) and reads its claims.
pub fn verify_standalone(xml: &str) -> Result<VerifiedVihf, Error> {
    let el = crate::xml::parse(xml.as_bytes())?;
    verify_assertion(&el, &Scope::new())
}

/// Gives the VIHF of each call: the claims of the logged-in user for the
/// patient concerned, signed (indirect modes) or not (direct mode, the CPS
/// card authenticating the channel). Object-safe: `Arc<dyn VihfSource>`.
///
/// An implementation that cannot produce one (no card in the reader, key
/// unavailable) returns [`Error::Credentials`]: the send queue then waits
/// and retries.
pub trait VihfSource: Send + Sync {
    /// The assertion for a call about `patient` (none for calls that are not
    /// patient-scoped) issued at `now`.
    fn assertion<'a>(
        &'a self,
        patient: Option<&'a Ins>,
        now: OffsetDateTime,
    ) -> crate::BoxFuture<'a, Result<VihfAssertion, Error>>;
    /// The national id of the user (the VIHF `NameID`), for traces and
    /// author checks.
    fn actor_id(&self) -> &str;
    /// The authentication mode.
    fn mode(&self) -> AuthenticationMode;
    /// The software name (`LPS_Nom`), written in TD0.2 requests.
    fn software_name(&self) -> &str {
        "segur-rs"
    }
    /// The user as the VIHF describes them (structure, roles), for the
    /// rights the software checks before asking the DMP (imaging
    /// manifests, [`crate::rights`]). `None` (the default): unknown, and
    /// those rights refuse (fail-closed).
    fn actor(&self) -> Option<&VihfActor> {
        None
    }
}

/// A [`VihfSource`] signing the claims of one user with the structure's
/// certificate (indirect and indirect-renforcée modes), or leaving them
/// unsigned in direct mode.
pub struct SignedVihfSource {
    claims: Vihf,
    signer: std::sync::Arc<XmlSigner>,
}

impl std::fmt::Debug for SignedVihfSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedVihfSource")
            .field("actor", &self.claims.actor.name_id)
            .field("mode", &self.claims.mode)
            .field("signer", &self.signer)
            .finish()
    }
}

impl SignedVihfSource {
    /// The user's claims (the patient is set per call) and the signer.
    pub fn new(claims: Vihf, signer: std::sync::Arc<XmlSigner>) -> Self {
        Self { claims, signer }
    }

    /// The claims.
    pub fn claims(&self) -> &Vihf {
        &self.claims
    }
}

impl VihfSource for SignedVihfSource {
    fn assertion<'a>(
        &'a self,
        patient: Option<&'a Ins>,
        now: OffsetDateTime,
    ) -> crate::BoxFuture<'a, Result<VihfAssertion, Error>> {
        let mut claims = self.claims.clone();
        claims.patient = patient.cloned();
        let result = if claims.mode == AuthenticationMode::Directe {
            claims.unsigned(self.signer.subject_dn(), now)
        } else {
            claims.sign(&self.signer, now)
        };
        Box::pin(std::future::ready(result))
    }

    fn actor_id(&self) -> &str {
        &self.claims.actor.name_id
    }

    fn mode(&self) -> AuthenticationMode {
        self.claims.mode
    }

    fn software_name(&self) -> &str {
        &self.claims.lps.name
    }

    fn actor(&self) -> Option<&VihfActor> {
        Some(&self.claims.actor)
    }
}
