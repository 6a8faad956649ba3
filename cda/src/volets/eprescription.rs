//! Prescription de produits de santé, eP-MED-DM 2024.01 (SC.DOC.03).
//!
//! A [`Prescription`] holds the prescribed medications (structured or
//! free-text posology) and/or medical devices, with the optional comment,
//! vital signs, pregnancy status and 2D code; [`EPrescriptionBuilder`]
//! writes the document with what `CI-SIS_EP-MED-DM_2024.01.sch` requires:
//!
//! - header: templateIds IHE PRE `1.3.6.1.4.1.19376.1.9.1.1.1`, IHE PCC
//!   `1.3.6.1.4.1.19376.1.5.3.1.1.1` and `1.2.250.1.213.1.1.1.39`
//!   (extension `2024.01`); code `57833-6`; the first service event carries
//!   the prescription id and its validity (`low` and `high`, both required);
//!   the options (bizone, médicaments d'exception, ordonnance sécurisée…) are
//!   INFO service events with their TA_ASIP codes;
//! - the builder refuses a patient without telecom or address, an author
//!   without id or profession, an author organisation without id or name,
//!   a prescription without medication nor device
//!   ([`N3Error::Volet`]);
//! - body: one FR-Prescription-medicaments and/or one
//!   FR-Prescription-dispositifs-medicaux section (every line with its CNAM
//!   flags and renewals), and exactly one FR-Document-PDF-copie.

use bytes::Bytes;
use segur_ids::{Oid, oid};

use super::{context, finish_n3, keep_other, main_service_event, pair, read_pdf_copy, structured};
use crate::body::Section;
use crate::builder::HeaderBuilder;
use crate::clock::IdGenerator;
use crate::datatypes::{Code, Ii, IvlTs, Ts};
use crate::document::Document;
use crate::error::N3Error;
use crate::header::{Header, ServiceEvent};
use crate::n3::entries::*;
use crate::n3::sections as sec;
use crate::n3::templates::codes::TA_ASIP;
use crate::versions::DocumentPair;
use crate::vocab::code_system;

/// IHE Pharmacy PRE document templateId.
pub const TEMPLATE_IHE_PRE: Oid = oid!("1.3.6.1.4.1.19376.1.9.1.1.1");
/// IHE PCC medical document templateId.
pub const TEMPLATE_IHE_PCC: Oid = oid!("1.3.6.1.4.1.19376.1.5.3.1.1.1");
/// The eP-MED-DM templateId.
pub const TEMPLATE: Oid = oid!("1.2.250.1.213.1.1.1.39");
/// The version written as the templateId's extension.
pub const VERSION: &str = "2024.01";
/// The volet key of the test outputs (`CI-SIS_EP-MED-DM_2024.01.sch`).
pub const VOLET_KEY: &str = "EP-MED-DM_2024.01";
/// Root of the CNAM prescription identifier (EPU).
pub const PRESCRIPTION_ID_ROOT: Oid = oid!("1.2.250.1.215.500.1.1");

/// The document type and first service event code (`57833-6`).
pub fn document_code() -> Code {
    Code::new(
        "57833-6",
        &code_system::LOINC,
        "Prescription de produits de santé",
    )
    .with_system_name("LOINC")
}

/// The XDS formatCode of an eP-MED-DM document (TRE_A11-IheFormatCode,
/// `urn:ihe:pharm:pre:2010`, the code the ANS maps templateId
/// `1.2.250.1.213.1.1.1.39` to).
pub fn format_code() -> crate::xds::XdsCode {
    crate::xds::XdsCode::new(
        "urn:ihe:pharm:pre:2010",
        code_system::IHE_FORMAT_CODE.as_str(),
        "Community Prescription",
    )
}

/// Options of a prescription, written as INFO service events (TA_ASIP).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PrescriptionOptions {
    /// Prescription bizone (MED-1096).
    pub bizone: bool,
    /// Médicaments d'exception (MED-1097).
    pub exception_drugs: bool,
    /// Ordonnance sécurisée (MED-1098).
    pub secure: bool,
    /// Grand appareillage (MED-1132).
    pub major_equipment: bool,
    /// Exécution à domicile (MED-1094).
    pub at_home: bool,
    /// Exécution en urgence (MED-1095).
    pub urgent: bool,
    /// Affection militaire (MED-1159).
    pub military: bool,
}

const OPTIONS: [(&str, &str); 7] = [
    ("MED-1096", "Prescription bizone"),
    ("MED-1097", "Prescription médicaments d'exception"),
    ("MED-1098", "Ordonnance sécurisée"),
    ("MED-1132", "Prescription grand appareillage"),
    ("MED-1094", "Exécution à domicile"),
    ("MED-1095", "Exécution en urgence"),
    ("MED-1159", "Affection militaire"),
];

impl PrescriptionOptions {
    fn flags(&self) -> [bool; 7] {
        [
            self.bizone,
            self.exception_drugs,
            self.secure,
            self.major_equipment,
            self.at_home,
            self.urgent,
            self.military,
        ]
    }

    fn from_header(h: &Header) -> Self {
        let has = |code: &str| {
            h.documentation_of.iter().any(|s| {
                s.class_code.as_deref() == Some("INFO")
                    && s.code.as_ref().is_some_and(|c| c.is(code, &TA_ASIP))
            })
        };
        Self {
            bizone: has(OPTIONS[0].0),
            exception_drugs: has(OPTIONS[1].0),
            secure: has(OPTIONS[2].0),
            major_equipment: has(OPTIONS[3].0),
            at_home: has(OPTIONS[4].0),
            urgent: has(OPTIONS[5].0),
            military: has(OPTIONS[6].0),
        }
    }
}

/// The content of an e-prescription.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Prescription {
    /// Prescribed medications.
    pub medications: Vec<PrescribedMedication>,
    /// Prescribed medical devices.
    pub devices: Vec<PrescribedDevice>,
    /// A comment.
    pub comment: Option<String>,
    /// Vital signs useful to the dispenser (weight, height…).
    pub vital_signs: Vec<VitalSigns>,
    /// Pregnancy status.
    pub pregnancy: Vec<PregnancyObservation>,
    /// The 2D code of the prescription (FR-Code-a-barres).
    pub barcode: Option<Image>,
    /// Sections of a parsed document not covered by the model (kept verbatim).
    pub other_sections: Vec<Section>,
}

/// Validity, identifier and options of a prescription (header facts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrescriptionContext {
    /// Start of validity.
    pub valid_from: Ts,
    /// End of validity.
    pub valid_until: Ts,
    /// The CNAM prescription id (root [`PRESCRIPTION_ID_ROOT`]), optional.
    pub prescription_id: Option<Ii>,
    /// Options.
    pub options: PrescriptionOptions,
}

impl PrescriptionContext {
    /// A prescription valid between two times.
    pub fn new(valid_from: Ts, valid_until: Ts) -> Self {
        Self {
            valid_from,
            valid_until,
            prescription_id: None,
            options: PrescriptionOptions::default(),
        }
    }

    /// The context of a parsed prescription.
    pub fn from_header(h: &Header) -> Result<Self, N3Error> {
        let se = h.documentation_of.first().ok_or(N3Error::Volet {
            rule: "EP-MED-DM/validity",
            message: "no documentationOf/serviceEvent".into(),
        })?;
        let et = se.effective_time.clone().unwrap_or_default();
        let missing = || N3Error::Volet {
            rule: "EP-MED-DM/validity",
            message: "serviceEvent/effectiveTime/low and high are required".into(),
        };
        Ok(Self {
            valid_from: et.low.clone().ok_or_else(missing)?,
            valid_until: et.high.clone().ok_or_else(missing)?,
            prescription_id: se.ids.first().cloned(),
            options: PrescriptionOptions::from_header(h),
        })
    }
}

impl Prescription {
    /// Reads the prescription of an eP-MED-DM document.
    pub fn from_document(doc: &Document) -> Result<Self, N3Error> {
        if !doc.header.has_template(&TEMPLATE) {
            return Err(N3Error::Volet {
                rule: "EP-MED-DM/template",
                message: "not an eP-MED-DM prescription: no templateId 1.2.250.1.213.1.1.1.39"
                    .into(),
            });
        }
        let body = structured(doc, "EP-MED-DM")?;
        let ns = &doc.namespaces;
        let mut p = Self::default();
        for s in &body.sections {
            if sec::PRESCRIBED_MEDICATIONS.matches(s) {
                p.medications
                    .extend(sec::PRESCRIBED_MEDICATIONS.read_entries(s, ns)?);
            } else if sec::PRESCRIBED_DEVICES.matches(s) {
                p.devices
                    .extend(sec::PRESCRIBED_DEVICES.read_entries(s, ns)?);
            } else if sec::COMMENT.matches(s) {
                p.comment = Some(sec::COMMENT.read_text(s, ns));
            } else if sec::VITAL_SIGNS.matches(s) {
                p.vital_signs.extend(sec::VITAL_SIGNS.read_entries(s, ns)?);
            } else if sec::PREGNANCY_HISTORY.matches(s) {
                p.pregnancy
                    .extend(sec::PREGNANCY_HISTORY.read_entries(s, ns)?);
            } else if sec::BARCODE.matches(s) {
                p.barcode = sec::BARCODE
                    .read_entries::<Image>(s, ns)?
                    .into_iter()
                    .next();
            } else if sec::PDF_COPY.matches(s) {
                // Supplied again when the prescription is written.
            } else {
                p.other_sections.push(s.clone());
            }
        }
        Ok(p)
    }

    fn sections(
        &self,
        ctx: &mut crate::n3::entry::RenderContext<'_>,
    ) -> Result<Vec<Section>, N3Error> {
        if self.medications.is_empty() && self.devices.is_empty() {
            return Err(N3Error::Volet {
                rule: "EP-MED-DM/items",
                message: "a prescription has at least one medication or one medical device".into(),
            });
        }
        let ns = super::namespaces();
        let other = keep_other(ctx, &self.other_sections, &ns);
        let mut out = Vec::new();
        if let Some(b) = &self.barcode {
            out.push(sec::BARCODE.with_entries(std::slice::from_ref(b), ctx, "")?);
        }
        if !self.medications.is_empty() {
            out.push(sec::PRESCRIBED_MEDICATIONS.with_entries(&self.medications, ctx, "")?);
        }
        if !self.devices.is_empty() {
            out.push(sec::PRESCRIBED_DEVICES.with_entries(&self.devices, ctx, "")?);
        }
        if let Some(c) = self.comment.as_deref().filter(|c| !c.trim().is_empty()) {
            out.push(sec::COMMENT.with_text(c, ctx));
        }
        if !self.vital_signs.is_empty() {
            out.push(sec::VITAL_SIGNS.with_entries(&self.vital_signs, ctx, "")?);
        }
        if !self.pregnancy.is_empty() {
            out.push(sec::PREGNANCY_HISTORY.with_entries(&self.pregnancy, ctx, "")?);
        }
        out.extend(other);
        Ok(out)
    }
}

/// Builds an eP-MED-DM 2024.01 document.
#[derive(Debug, Clone)]
pub struct EPrescriptionBuilder {
    header: HeaderBuilder,
    prescription: Prescription,
    context: PrescriptionContext,
    pdf: Option<Bytes>,
}

impl EPrescriptionBuilder {
    /// A prescription from a pre-filled header (author = prescriber), its
    /// content and its context.
    pub fn new(
        header: HeaderBuilder,
        prescription: Prescription,
        context: PrescriptionContext,
    ) -> Self {
        Self {
            header,
            prescription,
            context,
            pdf: None,
        }
    }

    /// A prescription written again from a parsed eP-MED-DM document.
    pub fn from_document(doc: &Document) -> Result<Self, N3Error> {
        let pdf = read_pdf_copy(structured(doc, "EP-MED-DM")?, &doc.namespaces)?;
        Ok(Self {
            header: HeaderBuilder::from_header(doc.header.clone()),
            prescription: Prescription::from_document(doc)?,
            context: PrescriptionContext::from_header(&doc.header)?,
            pdf,
        })
    }

    /// The PDF of the prescription (FR-Document-PDF-copie and N1 twin);
    /// when not given, one is generated from the sections.
    pub fn pdf(mut self, pdf: impl Into<Bytes>) -> Self {
        self.pdf = Some(pdf.into());
        self
    }

    /// The prescription.
    pub fn prescription(&self) -> &Prescription {
        &self.prescription
    }

    fn prepare_header(&mut self) -> Result<(), N3Error> {
        let c = &self.context;
        crate::n3::types::check_period(
            &IvlTs::between(c.valid_from.clone(), c.valid_until.clone()),
            "prescription validity",
        )?;
        if c.valid_from.value.is_none() || c.valid_until.value.is_none() {
            return Err(N3Error::Volet {
                rule: "EP-MED-DM/validity",
                message: "the start and the end of validity are required".into(),
            });
        }
        let h = self.header.header_mut();
        h.code = Some(document_code());
        if h.title.as_deref().is_none_or(|t| t.trim().is_empty()) {
            h.title = Some("Prescription de produits de santé".into());
        }
        // Options are rewritten from the context.
        h.documentation_of.retain(|s| {
            !(s.class_code.as_deref() == Some("INFO")
                && s.code
                    .as_ref()
                    .is_some_and(|c| c.code_system.as_deref() == Some(TA_ASIP.as_str())))
        });
        let validity = IvlTs::between(c.valid_from.clone(), c.valid_until.clone());
        let id = c.prescription_id.clone();
        let options = c.options.flags();
        let se = main_service_event(&mut self.header, document_code());
        se.class_code = Some("ACT".into());
        se.effective_time = Some(validity);
        if let Some(id) = id {
            se.ids = vec![id];
        }
        for ((code, label), on) in OPTIONS.iter().zip(options) {
            if on {
                self.header
                    .header_mut()
                    .documentation_of
                    .push(ServiceEvent {
                        class_code: Some("INFO".into()),
                        code: Some(Code::new(code, &TA_ASIP, label).with_system_name("TA_ASIP")),
                        ..ServiceEvent::default()
                    });
            }
        }
        check_header(self.header.header())
    }

    fn build_with_pdf(mut self, ids: &dyn IdGenerator) -> Result<(Document, Bytes), N3Error> {
        self.prepare_header()?;
        let mut ctx = context(&self.header, ids);
        let sections = self.prescription.sections(&mut ctx)?;
        let (doc, pdf) = finish_n3(
            self.header,
            vec![
                Ii::root_only(&TEMPLATE_IHE_PRE),
                Ii::root_only(&TEMPLATE_IHE_PCC),
                Ii::oid(&TEMPLATE, Some(VERSION.to_owned())),
            ],
            sections,
            self.pdf,
            &mut ctx,
        )?;
        if let Some(e) = check(&doc).into_iter().next() {
            return Err(e);
        }
        Ok((doc, pdf))
    }

    /// The N3 document.
    pub fn build(self, ids: &dyn IdGenerator) -> Result<Document, N3Error> {
        Ok(self.build_with_pdf(ids)?.0)
    }

    /// The N3 document and its N1 twin (same PDF), linked by XFRM.
    pub fn build_pair(self, ids: &dyn IdGenerator) -> Result<DocumentPair, N3Error> {
        let (doc, pdf) = self.build_with_pdf(ids)?;
        pair(doc, pdf, ids)
    }
}

/// The header requirements of `Entete_EP-MED-DM_2024.01.sch` that depend on
/// what the host gives.
fn check_header(h: &Header) -> Result<(), N3Error> {
    let fail = |rule: &'static str, message: &str| {
        Err(N3Error::Volet {
            rule,
            message: message.to_owned(),
        })
    };
    let pr = h.patient_role();
    if pr.is_none_or(|p| p.telecoms.is_empty()) {
        return fail(
            "EP-MED-DM/patient-telecom",
            "the patient's telecom is required",
        );
    }
    if pr.is_none_or(|p| p.addrs.is_empty()) {
        return fail(
            "EP-MED-DM/patient-addr",
            "the patient's address is required",
        );
    }
    let authors = || h.authors.iter().map(|a| &a.assigned_author);
    if !authors().any(|a| !a.ids.is_empty()) {
        return fail(
            "EP-MED-DM/author-id",
            "the prescriber's identifier is required",
        );
    }
    if !authors().any(|a| a.code.is_some()) {
        return fail(
            "EP-MED-DM/author-code",
            "the prescriber's profession / specialty is required",
        );
    }
    if !authors().any(|a| a.organization.as_ref().is_some_and(|o| !o.ids.is_empty())) {
        return fail(
            "EP-MED-DM/author-organization-id",
            "the identifier of the prescriber's organisation is required",
        );
    }
    if !authors().any(|a| a.organization.as_ref().is_some_and(|o| o.name.is_some())) {
        return fail(
            "EP-MED-DM/author-organization-name",
            "the name of the prescriber's organisation is required",
        );
    }
    Ok(())
}

/// The rules of `CI-SIS_EP-MED-DM_2024.01.sch` checked natively (each
/// breach is a [`N3Error::Volet`]).
pub fn check(doc: &Document) -> Vec<N3Error> {
    let h = &doc.header;
    let mut out = Vec::new();
    let mut fail = |rule: &'static str, message: &str| {
        out.push(N3Error::Volet {
            rule,
            message: message.to_owned(),
        })
    };
    for (t, name) in [
        (
            &crate::vocab::template::HL7_FRANCE,
            "2.16.840.1.113883.2.8.2.1",
        ),
        (
            &crate::vocab::template::CI_SIS_STRUCTURATION_MINIMALE,
            "1.2.250.1.213.1.1.1.1",
        ),
        (&TEMPLATE_IHE_PRE, "1.3.6.1.4.1.19376.1.9.1.1.1"),
        (&TEMPLATE_IHE_PCC, "1.3.6.1.4.1.19376.1.5.3.1.1.1"),
        (&TEMPLATE, "1.2.250.1.213.1.1.1.39"),
    ] {
        if !h.has_template(t) {
            fail(
                "EP-MED-DM/template",
                &format!("templateId {name} is required"),
            );
        }
    }
    if !h
        .code
        .as_ref()
        .is_some_and(|c| c.is("57833-6", &code_system::LOINC))
    {
        fail("EP-MED-DM/code", "code must be 57833-6 (LOINC)");
    }
    if let Err(N3Error::Volet { rule, message }) = check_header(h) {
        fail(rule, &message);
    }
    let validity = h
        .documentation_of
        .iter()
        .filter_map(|s| s.effective_time.as_ref())
        .any(|e| e.low.is_some() && e.high.is_some());
    if !validity {
        fail(
            "EP-MED-DM/validity",
            "serviceEvent/effectiveTime/low and high (validity of the prescription) are required",
        );
    }
    match doc.structured_body() {
        None => fail(
            "EP-MED-DM/body",
            "the prescription is a structured (N3) document",
        ),
        Some(b) => {
            let count =
                |spec: &sec::SectionSpec| b.sections.iter().filter(|s| spec.matches(s)).count();
            if count(&sec::PRESCRIBED_MEDICATIONS) != 1 && count(&sec::PRESCRIBED_DEVICES) != 1 {
                fail(
                    "EP-MED-DM/sections",
                    "one FR-Prescription-medicaments and/or one FR-Prescription-dispositifs-medicaux section",
                );
            }
            if count(&sec::PDF_COPY) != 1 {
                fail(
                    "EP-MED-DM/pdf-copy",
                    "exactly one FR-Document-PDF-copie section",
                );
            }
            for e in entry_rules(&b.sections, &doc.namespaces) {
                if let N3Error::Volet { rule, message } = e {
                    fail(rule, &message);
                }
            }
        }
    }
    out
}

/// `E_medicamentPrescrit.sch` and `E_dispositifMedicalPrescrit.sch`: flags
/// present exactly once on every line, renewals on every device.
fn entry_rules(sections: &[Section], namespaces: &[(String, String)]) -> Vec<N3Error> {
    use crate::n3::templates as tpl;
    let mut out = Vec::new();
    let flag_count = |el: &crate::n3::xml::Element, t: &Oid| {
        crate::n3::entry::related(el, "entryRelationship", t.as_str()).count()
    };
    for s in sections {
        let meds = sec::PRESCRIBED_MEDICATIONS.matches(s);
        let devices = sec::PRESCRIBED_DEVICES.matches(s);
        if !meds && !devices {
            continue;
        }
        for e in &s.entries {
            let Some(x) = e.as_xml() else { continue };
            let Ok(el) = crate::n3::xml::parse_element(x, namespaces) else {
                out.push(N3Error::Volet {
                    rule: "EP-MED-DM/entry",
                    message: "an entry is not readable".into(),
                });
                continue;
            };
            if meds {
                if let Some(sa) = el
                    .child("substanceAdministration")
                    .filter(|sa| sa.has_template(tpl::PRESCRIBED_MEDICATION[3].as_str()))
                {
                    if flag_count(sa, &tpl::FLAG_ALD) != 1 {
                        out.push(N3Error::Volet {
                            rule: "EP-MED-DM/medication-ald",
                            message:
                                "each FR-Traitement-prescrit has exactly one FR-En-rapport-avec-ALD"
                                    .into(),
                        });
                    }
                }
            }
            if devices {
                if let Some(sp) = el
                    .child("supply")
                    .filter(|sp| sp.has_template(tpl::MEDICAL_DEVICE[0].as_str()))
                {
                    for (t, name) in [
                        (&tpl::FLAG_ALD, "FR-En-rapport-avec-ALD"),
                        (
                            &tpl::FLAG_WORK_ACCIDENT,
                            "FR-En-rapport-avec-accident-travail",
                        ),
                        (&tpl::FLAG_NON_REIMBURSABLE, "FR-Non-remboursable"),
                        (&tpl::FLAG_PREVENTION, "FR-En-rapport-avec-la-prevention"),
                    ] {
                        if flag_count(sp, t) != 1 {
                            out.push(N3Error::Volet {
                                rule: "EP-MED-DM/device-flags",
                                message: format!("each medical device has exactly one {name}"),
                            });
                        }
                    }
                    if sp.children_named("repeatNumber").count() != 1 {
                        out.push(N3Error::Volet {
                            rule: "EP-MED-DM/device-renewals",
                            message:
                                "each medical device has its number of renewals (repeatNumber)"
                                    .into(),
                        });
                    }
                }
            }
        }
    }
    out
}
