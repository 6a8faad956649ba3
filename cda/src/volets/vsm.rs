//! Volet de Synthèse Médicale (VSM) 2023.01 (SC.DB/LGC.01).
//!
//! A [`MedicalSummary`] (pathologies, medical and surgical history,
//! allergies, risk factors, results, long-term treatments, comment) is
//! filled by the host — directly or through its [`PatientFile`]
//! implementation — and [`VsmBuilder`] writes the document:
//!
//! - header: templateId `1.2.250.1.213.1.1.1.13` (extension `2023.01`),
//!   code `SYNTH` (TRE_A05), first service event `34117-2` "Historique et
//!   clinique" (LOINC), as `CI-SIS_VSM_2023.01.sch` requires;
//! - body: the three sections the volet requires, always present
//!   (FR-Pathologies-antecedents-allergies-facteurs-de-risque with its
//!   subsections, Résultats, FR-Plan-de-traitement with FR-Traitements),
//!   the optional comment, and the FR-Document-PDF-copie section of 2023.01.
//!
//! [`check`] is the native equivalent of the volet schematron's rules.

use bytes::Bytes;
use segur_ids::{Oid, oid};

use super::{context, finish_n3, keep_other, main_service_event, pair, read_pdf_copy, structured};
use crate::body::Section;
use crate::builder::HeaderBuilder;
use crate::clock::IdGenerator;
use crate::datatypes::{Code, Ii};
use crate::document::Document;
use crate::error::N3Error;
use crate::n3::entries::*;
use crate::n3::sections::{self as sec, SectionSpec};
use crate::versions::DocumentPair;
use crate::vocab::{self, code_system};

/// The VSM templateId.
pub const TEMPLATE: Oid = oid!("1.2.250.1.213.1.1.1.13");
/// The version written as the templateId's extension.
pub const VERSION: &str = "2023.01";
/// The volet key of the test outputs (`CI-SIS_VSM_2023.01.sch`).
pub const VOLET_KEY: &str = "VSM_2023.01";

/// The document type (`SYNTH`, TRE_A05).
pub fn document_code() -> Code {
    vocab::DocumentType::lookup("SYNTH", code_system::TRE_A05.as_str())
        .map(vocab::DocumentType::to_code)
        .unwrap_or_else(|| Code::new("SYNTH", &code_system::TRE_A05, "Synthèse"))
}

/// The XDS formatCode of a VSM (TRE_A06-FormatCodeComplementaire,
/// `urn:asip:ci-sis:vsm:2012`, the code the ANS maps the VSM templateId to).
pub fn format_code() -> crate::xds::XdsCode {
    crate::xds::XdsCode::new(
        "urn:asip:ci-sis:vsm:2012",
        code_system::XDS_FORMAT_CODE.as_str(),
        "Synthèse médicale",
    )
}

/// The service event code the volet requires (exact display name).
pub fn service_event_code() -> Code {
    Code::new("34117-2", &code_system::LOINC, "Historique et clinique").with_system_name("LOINC")
}

/// The narrative of an empty results section.
const NO_RESULTS: &str = "Aucun résultat à signaler.";

/// Results: free text and/or coded observations.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Results {
    /// Free text (e.g. "ECG : hémibloc antérieur gauche").
    pub text: Option<String>,
    /// Coded results.
    pub observations: Vec<ResultObservation>,
}

/// The content of a medical summary.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MedicalSummary {
    /// Pathologies in progress.
    pub active_problems: Vec<Problem>,
    /// Medical history.
    pub medical_history: Vec<Problem>,
    /// Surgical history (procedures).
    pub surgical_history: Vec<Procedure>,
    /// Allergies and hypersensitivities.
    pub allergies: Vec<Allergy>,
    /// Lifestyle risk factors (tobacco, alcohol…).
    pub lifestyle: Vec<SocialHistory>,
    /// Occupational risk factors (free text).
    pub occupational_risks: Option<String>,
    /// Family history.
    pub family_history: Vec<FamilyHistory>,
    /// Results.
    pub results: Results,
    /// Long-term treatments.
    pub treatments: Vec<Medication>,
    /// A comment.
    pub comment: Option<String>,
    /// Subsections of a parsed document not covered by the model (kept
    /// verbatim, written back under the first section).
    pub other_subsections: Vec<Section>,
    /// Top-level sections of a parsed document not covered by the model
    /// (kept verbatim).
    pub other_sections: Vec<Section>,
}

/// The host's patient file, read to pre-fill a medical summary
/// (SC.CDA/DD.22). Every method has an empty default: implement those the
/// software has.
pub trait PatientFile {
    /// The host's error (shown in [`N3Error::Host`]).
    type Error: std::fmt::Display;

    /// Pathologies in progress.
    fn active_problems(&self) -> Result<Vec<Problem>, Self::Error> {
        Ok(Vec::new())
    }
    /// Medical history.
    fn medical_history(&self) -> Result<Vec<Problem>, Self::Error> {
        Ok(Vec::new())
    }
    /// Surgical history.
    fn surgical_history(&self) -> Result<Vec<Procedure>, Self::Error> {
        Ok(Vec::new())
    }
    /// Allergies.
    fn allergies(&self) -> Result<Vec<Allergy>, Self::Error> {
        Ok(Vec::new())
    }
    /// Lifestyle risk factors.
    fn lifestyle(&self) -> Result<Vec<SocialHistory>, Self::Error> {
        Ok(Vec::new())
    }
    /// Occupational risk factors.
    fn occupational_risks(&self) -> Result<Option<String>, Self::Error> {
        Ok(None)
    }
    /// Family history.
    fn family_history(&self) -> Result<Vec<FamilyHistory>, Self::Error> {
        Ok(Vec::new())
    }
    /// Results to mention.
    fn results(&self) -> Result<Results, Self::Error> {
        Ok(Results::default())
    }
    /// Long-term treatments.
    fn long_term_treatments(&self) -> Result<Vec<Medication>, Self::Error> {
        Ok(Vec::new())
    }
    /// A comment.
    fn comment(&self) -> Result<Option<String>, Self::Error> {
        Ok(None)
    }
}

fn host<T, E: std::fmt::Display>(r: Result<T, E>) -> Result<T, N3Error> {
    r.map_err(|e| N3Error::Host(e.to_string()))
}

impl MedicalSummary {
    /// Pre-fills a summary from the host's patient file.
    pub fn from_patient_file<F: PatientFile + ?Sized>(file: &F) -> Result<Self, N3Error> {
        Ok(Self {
            active_problems: host(file.active_problems())?,
            medical_history: host(file.medical_history())?,
            surgical_history: host(file.surgical_history())?,
            allergies: host(file.allergies())?,
            lifestyle: host(file.lifestyle())?,
            occupational_risks: host(file.occupational_risks())?,
            family_history: host(file.family_history())?,
            results: host(file.results())?,
            treatments: host(file.long_term_treatments())?,
            comment: host(file.comment())?,
            other_subsections: Vec::new(),
            other_sections: Vec::new(),
        })
    }

    /// Reads the summary of a VSM document (any version of the volet).
    pub fn from_document(doc: &Document) -> Result<Self, N3Error> {
        if !doc.header.has_template(&TEMPLATE) {
            return Err(N3Error::Volet {
                rule: "VSM/template",
                message: "not a VSM: no templateId 1.2.250.1.213.1.1.1.13".into(),
            });
        }
        let body = structured(doc, "VSM")?;
        let ns = &doc.namespaces;
        let mut s = Self::default();
        for top in &body.sections {
            if sec::PATHOLOGIES_HISTORY_ALLERGIES_RISKS.matches(top) {
                for sub in &top.sections {
                    if sec::PATHOLOGIES_HISTORY_ALLERGIES.matches(sub) {
                        for x in &sub.sections {
                            s.read_pathologies(x, ns)?;
                        }
                    } else if sec::RISK_FACTORS.matches(sub) {
                        for x in &sub.sections {
                            s.read_risks(x, ns)?;
                        }
                    } else if !s.read_pathologies(sub, ns)? && !s.read_risks(sub, ns)? {
                        s.other_subsections.push(sub.clone());
                    }
                }
            } else if sec::RESULTS_TEXT.matches(top) {
                s.results.observations = sec::RESULTS_TEXT.read_entries(top, ns)?;
                let text = if s.results.observations.is_empty() {
                    sec::RESULTS_TEXT.read_text(top, ns)
                } else {
                    // Coded results: the free text is in the paragraphs
                    // before the table of the observations.
                    top.text
                        .as_ref()
                        .map(|t| crate::n3::narrative::paragraphs(t, ns))
                        .unwrap_or_default()
                };
                s.results.text = (!text.is_empty() && text != NO_RESULTS).then_some(text);
            } else if sec::TREATMENT_PLAN.matches(top) {
                for sub in &top.sections {
                    if sec::TREATMENTS.matches(sub) {
                        s.treatments.extend(
                            sec::TREATMENTS
                                .read_entries::<Treatment>(sub, ns)?
                                .into_iter()
                                .map(|t| t.0),
                        );
                    } else {
                        s.other_subsections.push(sub.clone());
                    }
                }
                s.treatments.extend(
                    sec::TREATMENT_PLAN
                        .read_entries::<Treatment>(top, ns)?
                        .into_iter()
                        .map(|t| t.0),
                );
            } else if sec::COMMENT.matches(top) {
                s.comment = Some(sec::COMMENT.read_text(top, ns));
            } else if sec::PDF_COPY.matches(top) {
                // Regenerated (or supplied again) when the summary is written.
            } else {
                s.other_sections.push(top.clone());
            }
        }
        Ok(s)
    }

    fn read_pathologies(&mut self, x: &Section, ns: &[(String, String)]) -> Result<bool, N3Error> {
        if sec::ACTIVE_PROBLEMS.matches(x) {
            self.active_problems
                .extend(sec::ACTIVE_PROBLEMS.read_entries::<Problem>(x, ns)?);
        } else if sec::MEDICAL_HISTORY.matches(x) {
            self.medical_history
                .extend(sec::MEDICAL_HISTORY.read_entries::<Problem>(x, ns)?);
        } else if sec::SURGICAL_HISTORY.matches(x) {
            self.surgical_history
                .extend(sec::SURGICAL_HISTORY.read_entries::<Procedure>(x, ns)?);
        } else if sec::ALLERGIES.matches(x) {
            self.allergies
                .extend(sec::ALLERGIES.read_entries::<Allergy>(x, ns)?);
        } else {
            return Ok(false);
        }
        Ok(true)
    }

    fn read_risks(&mut self, x: &Section, ns: &[(String, String)]) -> Result<bool, N3Error> {
        if sec::SOCIAL_HISTORY.matches(x) {
            self.lifestyle
                .extend(sec::SOCIAL_HISTORY.read_entries::<SocialHistory>(x, ns)?);
        } else if sec::OCCUPATIONAL_RISKS.matches(x) {
            let t = sec::OCCUPATIONAL_RISKS.read_text(x, ns);
            self.occupational_risks = (!t.is_empty()).then_some(t);
        } else if sec::FAMILY_HISTORY.matches(x) {
            self.family_history
                .extend(sec::FAMILY_HISTORY.read_entries::<FamilyHistory>(x, ns)?);
        } else {
            return Ok(false);
        }
        Ok(true)
    }

    /// Renders the sections (without the PDF copy).
    fn sections(
        &self,
        ctx: &mut crate::n3::entry::RenderContext<'_>,
    ) -> Result<Vec<Section>, N3Error> {
        let ns = super::namespaces();
        let other_sub = keep_other(ctx, &self.other_subsections, &ns);
        let other_top = keep_other(ctx, &self.other_sections, &ns);
        let mut pathologies = Vec::new();
        if !self.active_problems.is_empty() {
            pathologies.push(sec::ACTIVE_PROBLEMS.with_entries(
                &self.active_problems,
                ctx,
                "Aucune pathologie en cours.",
            )?);
        }
        if !self.medical_history.is_empty() {
            pathologies.push(sec::MEDICAL_HISTORY.with_entries(&self.medical_history, ctx, "")?);
        }
        if !self.surgical_history.is_empty() {
            pathologies.push(sec::SURGICAL_HISTORY.with_entries(
                &self.surgical_history,
                ctx,
                "",
            )?);
        }
        if !self.allergies.is_empty() {
            pathologies.push(sec::ALLERGIES.with_entries(&self.allergies, ctx, "")?);
        }
        let mut risks = Vec::new();
        if !self.lifestyle.is_empty() {
            risks.push(sec::SOCIAL_HISTORY.with_entries(&self.lifestyle, ctx, "")?);
        }
        if let Some(t) = self
            .occupational_risks
            .as_deref()
            .filter(|t| !t.trim().is_empty())
        {
            risks.push(sec::OCCUPATIONAL_RISKS.with_text(t, ctx));
        }
        if !self.family_history.is_empty() {
            risks.push(sec::FAMILY_HISTORY.with_entries(&self.family_history, ctx, "")?);
        }
        let mut first = Vec::new();
        if !pathologies.is_empty() {
            first.push(sec::PATHOLOGIES_HISTORY_ALLERGIES.container(pathologies, ctx, ""));
        }
        if !risks.is_empty() {
            first.push(sec::RISK_FACTORS.container(risks, ctx, ""));
        }
        first.extend(other_sub);
        let mut out = vec![sec::PATHOLOGIES_HISTORY_ALLERGIES_RISKS.container(
            first,
            ctx,
            "Aucune pathologie, aucun antécédent, aucune allergie ni aucun facteur de risque connu.",
        )];
        out.push(self.results_section(ctx)?);
        let treatments: Vec<Treatment> = self.treatments.iter().cloned().map(Treatment).collect();
        let plan = if treatments.is_empty() {
            sec::TREATMENT_PLAN.container(Vec::new(), ctx, "Aucun traitement au long cours.")
        } else {
            let t = sec::TREATMENTS.with_entries(&treatments, ctx, "")?;
            sec::TREATMENT_PLAN.container(vec![t], ctx, "")
        };
        out.push(plan);
        if let Some(c) = self.comment.as_deref().filter(|c| !c.trim().is_empty()) {
            out.push(sec::COMMENT.with_text(c, ctx));
        }
        out.extend(other_top);
        Ok(out)
    }

    fn results_section(
        &self,
        ctx: &mut crate::n3::entry::RenderContext<'_>,
    ) -> Result<Section, N3Error> {
        let text = self
            .results
            .text
            .as_deref()
            .filter(|t| !t.trim().is_empty());
        if self.results.observations.is_empty() {
            return Ok(sec::RESULTS_TEXT.with_text(text.unwrap_or(NO_RESULTS), ctx));
        }
        let mut s = sec::RESULTS_CODED.with_entries(&self.results.observations, ctx, "")?;
        if let Some(t) = text {
            // The free text comes before the table of coded results.
            let table = s
                .text
                .take()
                .map(|f| f.as_str().to_owned())
                .unwrap_or_default();
            let mut n = crate::n3::narrative::NarrativeBuilder::new();
            for p in t.split("\n\n") {
                n = n.paragraph(p);
            }
            s.text = Some(crate::body::XmlFragment::from_trusted(format!(
                "{}{table}",
                n.build().as_str()
            )));
        }
        Ok(s)
    }
}

/// Builds a VSM 2023.01 document.
#[derive(Debug, Clone)]
pub struct VsmBuilder {
    header: HeaderBuilder,
    summary: MedicalSummary,
    pdf: Option<Bytes>,
}

impl VsmBuilder {
    /// A VSM from a pre-filled header (e.g.
    /// [`HeaderBuilder::for_practice`]) and the summary. The builder sets the
    /// document code, templateIds and service event code; the title stays
    /// the host's.
    pub fn new(header: HeaderBuilder, summary: MedicalSummary) -> Self {
        Self {
            header,
            summary,
            pdf: None,
        }
    }

    /// A VSM written again from a parsed VSM document (any version): its
    /// header and its summary read into the typed model.
    pub fn from_document(doc: &Document) -> Result<Self, N3Error> {
        let pdf = read_pdf_copy(structured(doc, "VSM")?, &doc.namespaces)?;
        Ok(Self {
            header: HeaderBuilder::from_header(doc.header.clone()),
            summary: MedicalSummary::from_document(doc)?,
            pdf,
        })
    }

    /// The PDF of the document (FR-Document-PDF-copie and N1 twin); when not
    /// given, one is generated from the sections.
    pub fn pdf(mut self, pdf: impl Into<Bytes>) -> Self {
        self.pdf = Some(pdf.into());
        self
    }

    /// The summary.
    pub fn summary(&self) -> &MedicalSummary {
        &self.summary
    }

    fn build_with_pdf(mut self, ids: &dyn IdGenerator) -> Result<(Document, Bytes), N3Error> {
        self.header.header_mut().code = Some(document_code());
        if self
            .header
            .header()
            .title
            .as_deref()
            .is_none_or(|t| t.trim().is_empty())
        {
            self.header = self.header.title("Synthèse médicale");
        }
        main_service_event(&mut self.header, service_event_code());
        let mut ctx = context(&self.header, ids);
        let sections = self.summary.sections(&mut ctx)?;
        let (doc, pdf) = finish_n3(
            self.header,
            vec![Ii::oid(&TEMPLATE, Some(VERSION.to_owned()))],
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

fn has_section(sections: &[Section], spec: &SectionSpec) -> bool {
    sections.iter().any(|s| spec.matches(s))
}

/// The rules of `CI-SIS_VSM_2023.01.sch` checked natively (each breach is a
/// [`N3Error::Volet`]), plus the 2023.01 FR-Document-PDF-copie section
/// (rule `VSM/pdf-copy`, a rule of the volet specification that the
/// schematron does not test).
pub fn check(doc: &Document) -> Vec<N3Error> {
    let h = &doc.header;
    let mut out = Vec::new();
    let mut fail = |rule: &'static str, message: &str| {
        out.push(N3Error::Volet {
            rule,
            message: message.to_owned(),
        })
    };
    if !h.has_template(&TEMPLATE) {
        fail(
            "VSM/template",
            "templateId 1.2.250.1.213.1.1.1.13 is required",
        );
    }
    if !h
        .code
        .as_ref()
        .is_some_and(|c| c.is("SYNTH", &code_system::TRE_A05))
    {
        fail("VSM/code", "code must be SYNTH in 1.2.250.1.213.1.1.4.12");
    }
    let se_ok = h.documentation_of.iter().any(|s| {
        s.code.as_ref().is_some_and(|c| {
            c.is("34117-2", &code_system::LOINC)
                && c.display_name.as_deref() == Some("Historique et clinique")
                && c.code_system_name.as_deref() == Some("LOINC")
        })
    });
    if !se_ok {
        fail(
            "VSM/service-event",
            "documentationOf/serviceEvent/code must be 34117-2 \"Historique et clinique\" (LOINC)",
        );
    }
    match doc.structured_body() {
        None => fail("VSM/body", "the VSM is a structured (N3) document"),
        Some(b) => {
            if !has_section(&b.sections, &sec::PATHOLOGIES_HISTORY_ALLERGIES_RISKS) {
                fail(
                    "VSM/section-pathologies",
                    "section 1.2.250.1.213.1.1.2.29 is required",
                );
            }
            if !has_section(&b.sections, &sec::RESULTS_TEXT) {
                fail(
                    "VSM/section-results",
                    "section 1.3.6.1.4.1.19376.1.5.3.1.3.27 is required",
                );
            }
            if !has_section(&b.sections, &sec::TREATMENT_PLAN) {
                fail(
                    "VSM/section-treatments",
                    "section 1.2.250.1.213.1.1.2.32 is required",
                );
            }
            if b.sections
                .iter()
                .filter(|s| sec::PDF_COPY.matches(s))
                .count()
                != 1
            {
                fail(
                    "VSM/pdf-copy",
                    "the 2023.01 volet has exactly one FR-Document-PDF-copie section",
                );
            }
        }
    }
    out
}
