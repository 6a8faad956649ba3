//! The five child-health volets: their templateIds, codes and schematron
//! keys in one place, the header rules the volet schematrons test (checked
//! natively before a document is handed out), and the N3-only rule.

use segur_cda::body::{Section, StructuredBody};
use segur_cda::builder::{HeaderBuilder, PatientBuilder, Practitioner};
use segur_cda::clock::{Clock, IdGenerator};
use segur_cda::datatypes::{Code, Ii, IvlTs, Ts};
use segur_cda::header::{Guardian, Informant, RoleEntity};
use segur_cda::header::{Header, ServiceEvent};
use segur_cda::{Document, Level};
use segur_ids::Oid;
use time::OffsetDateTime;

use crate::common::{Parent, ParentRole};
use crate::error::{Error, Result, invalid};
use crate::xml::{self, Fixed};

/// A child-health volet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum ChildVolet {
    /// Premier certificat de santé (8th day), CSE-CS8 2025.01.
    Cs8,
    /// Deuxième certificat (9th month), CSE-CS9 2025.01.
    Cs9,
    /// Troisième certificat (24th month), CSE-CS24 2025.01.
    Cs24,
    /// Mesures de l'enfant, CSE-MDE 2023.01.
    Measurements,
    /// Note de vaccination, VAC-NOTE 2023.01.
    VaccinationNote,
}

/// The five volets.
pub const ALL: [ChildVolet; 5] = [
    ChildVolet::Cs8,
    ChildVolet::Cs9,
    ChildVolet::Cs24,
    ChildVolet::Measurements,
    ChildVolet::VaccinationNote,
];

/// Certificat de santé de l'enfant (parent template of the CSE volets).
pub const CSE_PARENT: &str = "1.2.250.1.213.1.1.1.5";
/// `CERT_DECL` (TRE_A05 / 1.2.250.1.213.1.1.4.12) "Certificat, déclaration".
pub const CERT_DECL: Fixed = Fixed::new(
    "CERT_DECL",
    "1.2.250.1.213.1.1.4.12",
    "Certificat, déclaration",
);
/// The service event of the certificates and the measurements: `11429006` consultation.
pub const CONSULTATION: Fixed = Fixed::new("11429006", xml::SNOMED, "consultation");
/// `29274-8` Mesures de signes vitaux (document code of CSE-MDE, from the example).
pub const MDE_CODE: Fixed = Fixed::new("29274-8", xml::LOINC, "Mesures de signes vitaux");
/// `87273-9` Note de vaccination.
pub const VAC_NOTE_CODE: Fixed = Fixed::new("87273-9", xml::LOINC, "Note de vaccination");

impl ChildVolet {
    /// Short name (`CS8`, `VAC-NOTE`…).
    pub fn name(self) -> &'static str {
        match self {
            Self::Cs8 => "CS8",
            Self::Cs9 => "CS9",
            Self::Cs24 => "CS24",
            Self::Measurements => "CSE-MDE",
            Self::VaccinationNote => "VAC-NOTE",
        }
    }

    /// The volet's own templateId.
    pub fn template(self) -> &'static str {
        match self {
            Self::Cs8 => "1.2.250.1.213.1.1.1.5.1",
            Self::Cs9 => "1.2.250.1.213.1.1.1.5.2",
            Self::Cs24 => "1.2.250.1.213.1.1.1.5.3",
            Self::Measurements => "1.2.250.1.213.1.1.1.5.4",
            Self::VaccinationNote => "1.2.250.1.213.1.1.1.46",
        }
    }

    /// The version (templateId extension).
    pub fn version(self) -> &'static str {
        match self {
            Self::Cs8 | Self::Cs9 | Self::Cs24 => "2025.01",
            Self::Measurements | Self::VaccinationNote => "2023.01",
        }
    }

    /// The test-output folder / schematron key (`CSE-CS8_2025.01`…).
    pub fn volet_key(self) -> &'static str {
        match self {
            Self::Cs8 => "CSE-CS8_2025.01",
            Self::Cs9 => "CSE-CS9_2025.01",
            Self::Cs24 => "CSE-CS24_2025.01",
            Self::Measurements => "CSE-MDE_2023.01",
            Self::VaccinationNote => "VAC-NOTE_2023.01",
        }
    }

    /// The document code.
    pub fn document_code(self) -> Fixed {
        match self {
            Self::Cs8 | Self::Cs9 | Self::Cs24 => CERT_DECL,
            Self::Measurements => MDE_CODE,
            Self::VaccinationNote => VAC_NOTE_CODE,
        }
    }

    /// The default title.
    pub fn default_title(self) -> &'static str {
        match self {
            Self::Cs8 => "Premier certificat de santé de l'enfant (8 jours)",
            Self::Cs9 => "Deuxième certificat de santé de l'enfant (9e mois)",
            Self::Cs24 => "Troisième certificat de santé de l'enfant (24e mois)",
            Self::Measurements => "Carnet de santé de l'enfant - Mesures de l'enfant",
            Self::VaccinationNote => "Note de vaccination",
        }
    }

    /// The XDS `formatCode` of the volet (TRE_A06 FormatCodeComplementaire,
    /// `1.2.250.1.213.1.1.4.2.282`), from the ANS association table
    /// ASS_A11-CorresModeleCDA-XdsFormatCode-CISIS (templateId → formatCode,
    /// version 5.0.0 of the Terminologies de Santé): the certificates keep
    /// their 2017 codes across the 2025.01 volet versions.
    pub fn format_code(self) -> Fixed {
        const TRE_A06: &str = "1.2.250.1.213.1.1.4.2.282";
        match self {
            Self::Cs8 => Fixed::new(
                "urn:asip:ci-sis:cse-cs8:2017",
                TRE_A06,
                "Certificat de santé du 8ème jour de l'enfant",
            ),
            Self::Cs9 => Fixed::new(
                "urn:asip:ci-sis:cse-cs9:2017",
                TRE_A06,
                "Certificat de santé du 9ème mois de l'enfant",
            ),
            Self::Cs24 => Fixed::new(
                "urn:asip:ci-sis:cse-cs24:2017",
                TRE_A06,
                "Certificat de santé du 24ème mois de l'enfant",
            ),
            Self::Measurements => Fixed::new(
                "urn:ans:ci-sis:cse-mde:2023",
                TRE_A06,
                "Carnet de santé de l'enfant - Mesures de l'enfant",
            ),
            Self::VaccinationNote => Fixed::new(
                "urn:asip:ci-sis:vac-note:2021",
                TRE_A06,
                "Note de vaccination",
            ),
        }
    }

    /// Whether it is one of the three health certificates (sent to the PMI).
    pub fn is_certificate(self) -> bool {
        matches!(self, Self::Cs8 | Self::Cs9 | Self::Cs24)
    }

    /// The volet-level templateIds after the two base ones, in the order of
    /// the official examples.
    fn template_ids(self) -> Vec<Ii> {
        let roots: &[&str] = match self {
            Self::Cs8 => &["1.3.6.1.4.1.19376.1.7.3.1.1.13.1", CSE_PARENT],
            Self::Cs9 | Self::Cs24 => &[CSE_PARENT],
            Self::Measurements => &["1.3.6.1.4.1.19376.1.5.3.1.1.1", CSE_PARENT],
            Self::VaccinationNote => &["1.3.6.1.4.1.19376.1.5.3.1.1.18.1.2"],
        };
        let mut out: Vec<Ii> = roots
            .iter()
            .filter_map(|r| Oid::parse(r).ok())
            .map(|o| Ii::root_only(&o))
            .collect();
        if let Ok(o) = Oid::parse(self.template()) {
            out.push(Ii::oid(&o, Some(self.version().to_owned())));
        }
        out
    }

    /// The volet a document declares (by its templateIds).
    pub fn of(header: &Header) -> Option<Self> {
        ALL.into_iter().find(|v| {
            header
                .template_ids
                .iter()
                .any(|t| t.root.as_deref() == Some(v.template()))
        })
    }

    /// The service event code the builders write.
    fn service_event(self) -> Fixed {
        match self {
            Self::VaccinationNote => VAC_NOTE_CODE,
            _ => CONSULTATION,
        }
    }
}

/// The header of a child-health document, pre-filled from the child's file
/// (LGC.CSE.14): `HeaderBuilder::for_practice` with the volet's code and
/// title, the child (`child`: from the qualified identity, with the home
/// address as structured parts and the local id), and the mother, when
/// known, both as guardian (`patient/guardian`) and as the informant the
/// CS8 requires (`informant/relatedEntity` classCode `CON`, code `MTH`).
/// The volet builders (`build(header, ids)`) add the rest.
pub fn child_header(
    volet: ChildVolet,
    practitioner: &Practitioner,
    child: PatientBuilder,
    mother: Option<&Parent>,
    act_time: OffsetDateTime,
    clock: &dyn Clock,
    ids: &dyn IdGenerator,
) -> Result<HeaderBuilder> {
    let mut patient = child.build()?;
    let mother = mother.filter(|m| m.role == ParentRole::Mother);
    if let (Some(m), Some(p)) = (mother, patient.patient.as_mut()) {
        p.guardians.push(Guardian {
            code: None,
            addrs: m.addr.iter().cloned().collect(),
            telecoms: m.telecom.iter().cloned().collect(),
            person_names: m.name.iter().cloned().collect(),
            organization: None,
        });
    }
    let mut h = HeaderBuilder::for_practice(
        volet.document_code().to_code(),
        volet.default_title(),
        practitioner,
        patient,
        act_time,
        clock,
        ids,
    );
    if let Some(m) = mother {
        h.header_mut().informants.push(Informant {
            assigned_entity: None,
            related_entity: Some(RoleEntity {
                class_code: Some("CON".into()),
                code: Some(m.role.fixed().to_code()),
                addrs: m.addr.iter().cloned().collect(),
                person_names: m.name.iter().cloned().collect(),
                has_person: true,
                ..RoleEntity::default()
            }),
        });
    }
    Ok(h)
}

/// The child-health documents are shared as N3 only: this refuses any N1
/// document that claims to be one, or an attempt to derive an N1 twin
/// (use it before handing a document to a DMP / MSSanté send).
pub fn ensure_shareable(doc: &Document) -> Result<()> {
    let Some(v) = ChildVolet::of(&doc.header) else {
        return Ok(());
    };
    if doc.level() != Level::N3 {
        return Err(Error::N3Only { document: v.name() });
    }
    Ok(())
}

/// Refuses to derive an N1 twin of a child-health document (segur-cda's
/// `DocumentPair` is for volets that have one, such as the VSM).
pub fn n1_twin_of(doc: &Document) -> Result<std::convert::Infallible> {
    match ChildVolet::of(&doc.header) {
        Some(v) => Err(Error::N3Only { document: v.name() }),
        None => Err(invalid(
            "N1 twin",
            "document",
            "not a child-health document: use segur-cda's DocumentPair",
        )),
    }
}

/// Sets the volet's fixed header parts, builds the N3 document and checks
/// the header rules of the volet schematron.
pub(crate) fn finish(
    volet: ChildVolet,
    mut header: HeaderBuilder,
    exam_time: Option<Ts>,
    sections: Vec<Section>,
) -> Result<Document> {
    {
        let h = header.header_mut();
        h.code = Some(volet.document_code().to_code());
        if h.title.as_deref().is_none_or(|t| t.trim().is_empty()) {
            h.title = Some(volet.default_title().to_owned());
        }
        if h.documentation_of.is_empty() {
            h.documentation_of.push(ServiceEvent::default());
        }
        let se = &mut h.documentation_of[0];
        se.code = Some(volet.service_event().to_code());
        if let Some(t) = exam_time {
            se.effective_time = Some(IvlTs::from_low(t));
        }
        if se.class_code.is_none() {
            se.class_code = Some("ACT".into());
        }
    }
    check_header(volet, header.header())?;
    let doc = header.build_n3(volet.template_ids(), StructuredBody { sections })?;
    Ok(doc)
}

fn has_street_line(a: &[segur_cda::datatypes::Addr]) -> bool {
    a.iter().any(|a| a.part("streetAddressLine").is_some())
}

/// The header rules of the five volet schematrons (`Entete_*.sch`).
pub fn check_header(volet: ChildVolet, h: &Header) -> Result<()> {
    let doc = volet.name();
    let role = h
        .record_targets
        .first()
        .map(|r| &r.patient_role)
        .ok_or(Error::Missing {
            document: doc,
            what: "the child (recordTarget)",
        })?;
    let patient = role.patient.as_ref().ok_or(Error::Missing {
        document: doc,
        what: "the child (patient)",
    })?;
    let birth = patient
        .birth_time
        .as_ref()
        .is_some_and(|t| t.value.is_some());
    if matches!(
        volet,
        ChildVolet::Cs8 | ChildVolet::Cs24 | ChildVolet::VaccinationNote
    ) && !birth
    {
        return Err(Error::Missing {
            document: doc,
            what: "the child's birth date (patient/birthTime)",
        });
    }
    if volet.is_certificate() && has_street_line(&role.addrs) {
        return Err(invalid(
            doc,
            "patient address",
            "only structured address parts are allowed (no streetAddressLine)",
        ));
    }
    if volet == ChildVolet::Cs8 && !role.addrs.iter().any(|a| a.part("postalCode").is_some()) {
        return Err(Error::Missing {
            document: doc,
            what: "the child's postal code (patientRole/addr/postalCode)",
        });
    }
    if volet == ChildVolet::Cs9 && role.ids.is_empty() {
        return Err(Error::Missing {
            document: doc,
            what: "the child's INS (patientRole/id)",
        });
    }
    if matches!(volet, ChildVolet::Cs8 | ChildVolet::Cs24)
        && patient.guardians.iter().any(|g| {
            !g.person_names.is_empty() && g.person_names.iter().all(|n| n.family().is_none())
        })
    {
        return Err(invalid(
            doc,
            "guardian",
            "a guardian person has a family name",
        ));
    }
    if volet == ChildVolet::Cs8 {
        let mother = h.informants.iter().any(|i| {
            i.related_entity
                .as_ref()
                .and_then(|r| r.code.as_ref())
                .is_some_and(|c| c.code.as_deref() == Some("MTH"))
        });
        if !mother {
            return Err(Error::Missing {
                document: doc,
                what: "the mother as informant (informant/relatedEntity/code MTH)",
            });
        }
        for p in &h.participants {
            if let Some(f) = &p.function_code
                && f.code.as_deref() != Some("CORRE")
            {
                return Err(invalid(
                    doc,
                    "participant",
                    "functionCode must be CORRE (doctor who will follow the child)",
                ));
            }
        }
    }
    let se = h.documentation_of.first().ok_or(Error::Missing {
        document: doc,
        what: "documentationOf/serviceEvent",
    })?;
    if matches!(volet, ChildVolet::Cs8 | ChildVolet::Cs9) && se.effective_time.is_none() {
        return Err(Error::Missing {
            document: doc,
            what: "the date of the examination (serviceEvent/effectiveTime)",
        });
    }
    if volet != ChildVolet::VaccinationNote {
        let perf = se.performers.first().ok_or(Error::Missing {
            document: doc,
            what: "the doctor who examined the child (serviceEvent/performer)",
        })?;
        let e = &perf.assigned_entity;
        if !e.has_person || e.person_names.is_empty() {
            return Err(Error::Missing {
                document: doc,
                what: "the examining doctor's name (performer/assignedPerson/name)",
            });
        }
        let org = e.organization.as_ref().ok_or(Error::Missing {
            document: doc,
            what: "the examining doctor's structure (performer/representedOrganization)",
        })?;
        if org.ids.is_empty() || org.name.is_none() {
            return Err(Error::Missing {
                document: doc,
                what: "the structure's id and name (representedOrganization)",
            });
        }
        if matches!(volet, ChildVolet::Cs8 | ChildVolet::Cs9)
            && (e.ids.is_empty() || e.code.is_none())
        {
            return Err(Error::Missing {
                document: doc,
                what: "the examining doctor's id and profession (performer/assignedEntity)",
            });
        }
        if volet.is_certificate() && has_street_line(&org.addrs) {
            return Err(invalid(
                doc,
                "performer's structure address",
                "only structured address parts are allowed",
            ));
        }
        if volet == ChildVolet::Cs8 && !org.addrs.iter().any(|a| a.part("postalCode").is_some()) {
            return Err(Error::Missing {
                document: doc,
                what: "the structure's postal code (representedOrganization/addr/postalCode)",
            });
        }
    }
    Ok(())
}

/// The document code of a volet as a header `Code`.
pub fn document_code(volet: ChildVolet) -> Code {
    volet.document_code().to_code()
}

/// The structured body of a document of `volet`, or an error.
pub(crate) fn body_of(doc: &Document, volet: ChildVolet) -> Result<&StructuredBody> {
    if ChildVolet::of(&doc.header) != Some(volet) {
        return Err(Error::WrongVolet {
            expected: volet.name(),
            template: volet.template(),
        });
    }
    doc.structured_body().ok_or(Error::N3Only {
        document: volet.name(),
    })
}

/// The exam date of a parsed document (serviceEvent low or value).
pub(crate) fn exam_time(h: &Header) -> Option<Ts> {
    let e = h.documentation_of.first()?.effective_time.as_ref()?;
    e.low
        .clone()
        .or_else(|| e.value.clone())
        .filter(|t| t.value.is_some())
}
