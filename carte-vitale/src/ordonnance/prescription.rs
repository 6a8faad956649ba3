//! The prescription and its CDA document.
//!
//! A [`Prescription`] carries its content in segur-cda's own models
//! ([`PrescriptionContent`]): health products as an eP-MED-DM prescription
//! (`segur_cda::volets::eprescription`), the other prescriptions as an N1
//! prescription of acts (`segur_cda::volets::n1_prescription`). The document
//! is produced by a [`PrescriptionRenderer`]: the host's (it knows its page
//! layout), or the crate's [`CisisRenderer`], which dispatches to
//! [`N3Renderer`] (N3 eP-MED-DM 2024.01 for health products) and
//! [`N1Renderer`] (N1 `PRESC-BIO`, `PRESC-KINE`, `PRESC-INF`, `PRESC-PEDI`,
//! `PRESC-ORTHOPHO`, `PRESC-ORTHOPTIE`). Both build with segur-cda's volet
//! builders (`EPrescriptionBuilder`, `N1PrescriptionBuilder`): the CDA rules
//! live in one place. What they add is the printed page ([`super::print`]):
//! the PDF of the N1 body and of the N3 `FR-Document-PDF-copie` section,
//! with the 2D code and the identifier at the bottom left when the
//! e-prescription service registered the prescription.
//!
//! The "envoi en Y" asks the renderer for the document twice at most, with
//! the same document id: for the e-prescription service (no printed code,
//! the identifier stated) and for the DMP, with the code and the identifier
//! when the service registered the prescription, with neither otherwise
//! (SC.ORDN/CONF.05).
//!
//! # Where the N3 states the identifier
//! eP-MED-DM 2024.01 has a place for the prescription identifier: the id of
//! the first `documentationOf/serviceEvent`, under the CNAM root
//! [`segur_cda::volets::eprescription::PRESCRIPTION_ID_ROOT`]; the code itself
//! goes in the `FR-Code-a-barres` section (PNG image). The N1 documents have
//! no structured place for it: it is printed in the PDF only.

use std::sync::atomic::{AtomicU64, Ordering};

use segur_cda::builder::{HeaderBuilder, Practitioner};
use segur_cda::clock::{FixedClock, IdGenerator};
use segur_cda::datatypes::Ii;
use segur_cda::header::PatientRole;
use segur_cda::n3::entries::Image;
use segur_cda::volets::eprescription::{
    self, EPrescriptionBuilder, PRESCRIPTION_ID_ROOT, PrescriptionContext,
};
use segur_cda::volets::n1_prescription::{
    N1Prescription, N1PrescriptionBuilder, N1PrescriptionKind,
};
use segur_cda::{Document, Level};
use segur_ids::Rpps;
use time::OffsetDateTime;

use super::code::PrintedCode;
use super::id::PrescriptionId;
use super::print;
use crate::error::RenderError;

/// What is prescribed, which decides the CDA document type and level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PrescriptionKind {
    /// Drugs and medical devices: N3 eP-MED-DM 2024.01, LOINC `57833-6`.
    ProduitsDeSante,
    /// Medical biology: N1, TRE_A05 `PRESC-BIO`.
    Biologie,
    /// Physiotherapy: N1, TRE_A05 `PRESC-KINE`.
    Kinesitherapie,
    /// Nursing: N1, TRE_A05 `PRESC-INF`.
    SoinsInfirmiers,
    /// Podiatry: N1, TRE_A05 `PRESC-PEDI`.
    Pedicurie,
    /// Speech therapy: N1, TRE_A05 `PRESC-ORTHOPHO`.
    Orthophonie,
    /// Orthoptics: N1, TRE_A05 `PRESC-ORTHOPTIE`.
    Orthoptie,
}

impl PrescriptionKind {
    /// Every kind.
    pub const ALL: [Self; 7] = [
        Self::ProduitsDeSante,
        Self::Biologie,
        Self::Kinesitherapie,
        Self::SoinsInfirmiers,
        Self::Pedicurie,
        Self::Orthophonie,
        Self::Orthoptie,
    ];

    /// A stable code for wire formats and traces.
    pub fn code(self) -> &'static str {
        match self {
            Self::ProduitsDeSante => "produits_de_sante",
            Self::Biologie => "biologie",
            Self::Kinesitherapie => "kinesitherapie",
            Self::SoinsInfirmiers => "soins_infirmiers",
            Self::Pedicurie => "pedicurie",
            Self::Orthophonie => "orthophonie",
            Self::Orthoptie => "orthoptie",
        }
    }

    /// The CDA level of its document.
    pub fn level(self) -> Level {
        match self {
            Self::ProduitsDeSante => Level::N3,
            _ => Level::N1,
        }
    }

    /// segur-cda's N1 kind (`None` for health products).
    pub fn n1_kind(self) -> Option<N1PrescriptionKind> {
        Some(match self {
            Self::ProduitsDeSante => return None,
            Self::Biologie => N1PrescriptionKind::Biology,
            Self::Kinesitherapie => N1PrescriptionKind::Physiotherapy,
            Self::SoinsInfirmiers => N1PrescriptionKind::Nursing,
            Self::Pedicurie => N1PrescriptionKind::Podiatry,
            Self::Orthophonie => N1PrescriptionKind::SpeechTherapy,
            Self::Orthoptie => N1PrescriptionKind::Orthoptics,
        })
    }

    /// The kind of segur-cda's N1 kind (`None` for a kind this crate does
    /// not know yet).
    pub fn from_n1(kind: N1PrescriptionKind) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.n1_kind() == Some(kind))
    }

    /// The document title.
    pub fn title(self) -> &'static str {
        match self.n1_kind() {
            Some(k) => k.title(),
            None => "Prescription de produits de santé",
        }
    }
}

/// What is prescribed, in segur-cda's models.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
#[expect(
    clippy::large_enum_variant,
    reason = "built once per prescription and moved a few times; boxing would only add noise for callers"
)]
pub enum PrescriptionContent {
    /// Drugs and medical devices: an eP-MED-DM N3 document.
    HealthProducts {
        /// The prescribed products (a `barcode` given here is replaced by the
        /// renderer: the code is printed only once registered).
        products: eprescription::Prescription,
        /// Validity and options (the `prescription_id` is set by the
        /// renderer from [`Prescription::id`]).
        context: PrescriptionContext,
    },
    /// Acts (biology, physiotherapy, nursing…): an N1 document.
    Acts(N1Prescription),
}

impl PrescriptionContent {
    /// Its kind.
    pub fn kind(&self) -> Result<PrescriptionKind, RenderError> {
        match self {
            Self::HealthProducts { .. } => Ok(PrescriptionKind::ProduitsDeSante),
            Self::Acts(a) => PrescriptionKind::from_n1(a.kind)
                .ok_or(RenderError::Unsupported("this N1 prescription kind")),
        }
    }
}

/// A prescription to issue.
#[derive(Debug, Clone, PartialEq)]
pub struct Prescription {
    /// Its unique identifier ([`super::IdGenerator`]).
    pub id: PrescriptionId,
    /// The prescriber.
    pub prescriber: Rpps,
    /// The patient as written in the document (`recordTarget/patientRole`;
    /// the INS only for a qualified identity: segur-cda's `PatientBuilder`).
    /// The DMP leg needs the INS; eP-MED-DM also needs an address and a
    /// telecom.
    pub patient: PatientRole,
    /// The local, pseudonymous patient reference used in the "envoi en Y"
    /// traces (never a NIR).
    pub patient_ref: String,
    /// When it was written.
    pub issued_at: OffsetDateTime,
    /// What is prescribed.
    pub content: PrescriptionContent,
}

impl Prescription {
    /// Its kind.
    pub fn kind(&self) -> Result<PrescriptionKind, RenderError> {
        self.content.kind()
    }
}

/// What a renderer is asked for.
#[derive(Debug, Clone, Copy)]
pub struct RenderRequest<'a> {
    /// The prescription.
    pub prescription: &'a Prescription,
    /// The document `id` to write (the DMP `uniqueId`: the same for every
    /// rendering of one prescription, so retries never duplicate).
    pub document_id: &'a Ii,
    /// The document `setId`.
    pub set_id: &'a Ii,
    /// Whether the document states the prescription identifier: for the
    /// e-prescription service, and for the DMP once the service registered
    /// it (an identifier the service does not know is not stated).
    pub state_identifier: bool,
    /// The code to print, when the e-prescription service registered the
    /// prescription; `None`: print no code.
    pub code: Option<&'a PrintedCode>,
}

/// Produces the CDA document of a prescription.
pub trait PrescriptionRenderer: Send + Sync {
    /// The document, with `request.document_id` as its `id`. Must be
    /// deterministic for a given request.
    fn render(&self, request: &RenderRequest<'_>) -> Result<Document, RenderError>;
}

/// Deterministic ids of one rendering: the document id, the set id (the
/// order `HeaderBuilder::for_practice` asks for them), then the ids of the
/// N3 entries, derived from the document id (`<extension>-<n>`), so a
/// retried rendering is byte-identical.
struct RenderIds<'a> {
    document_id: &'a Ii,
    set_id: &'a Ii,
    next: AtomicU64,
}

impl<'a> RenderIds<'a> {
    fn new(request: &RenderRequest<'a>) -> Self {
        Self {
            document_id: request.document_id,
            set_id: request.set_id,
            next: AtomicU64::new(0),
        }
    }
}

impl IdGenerator for RenderIds<'_> {
    fn next_id(&self) -> Ii {
        match self.next.fetch_add(1, Ordering::SeqCst) {
            0 => self.document_id.clone(),
            1 => self.set_id.clone(),
            n => Ii {
                root: self.document_id.root.clone(),
                extension: Some(format!(
                    "{}-{}",
                    self.document_id.extension.as_deref().unwrap_or("ID"),
                    n - 1
                )),
                null_flavor: None,
            },
        }
    }
}

fn cda(e: impl std::fmt::Display) -> RenderError {
    RenderError::Cda(e.to_string())
}

/// The header of a prescription document, as `practitioner`.
fn header(
    practitioner: &Practitioner,
    request: &RenderRequest<'_>,
    kind: PrescriptionKind,
    code: segur_cda::datatypes::Code,
    ids: &dyn IdGenerator,
) -> HeaderBuilder {
    let p = request.prescription;
    HeaderBuilder::for_practice(
        code,
        kind.title(),
        practitioner,
        p.patient.clone(),
        p.issued_at,
        &FixedClock(p.issued_at),
        ids,
    )
}

/// The printed page: segur-cda's header summary (title, patient, author,
/// date), the prescriber's RPPS and structure, the prescription's text, and
/// the code when registered.
fn page_pdf(
    practitioner: &Practitioner,
    request: &RenderRequest<'_>,
    header: &segur_cda::Header,
    lines: &[String],
) -> Vec<u8> {
    let mut head = segur_cda::n3::pdf::header_lines(header);
    let title = if head.is_empty() {
        String::new()
    } else {
        head.remove(0)
    };
    head.push(format!(
        "RPPS {} — {}",
        request.prescription.prescriber, practitioner.structure.name
    ));
    print::render_pdf(&print::PrescriptionPage {
        title: &title,
        header_lines: head,
        lines: lines.iter().map(String::as_str).collect(),
        code: request.code,
    })
}

/// N1 prescriptions of acts (every kind but health products), built by
/// segur-cda's `N1PrescriptionBuilder` with the crate's printed page as the
/// N1 body.
#[derive(Debug, Clone)]
pub struct N1Renderer {
    practitioner: Practitioner,
}

impl N1Renderer {
    /// Renders as `practitioner`, author and legal authenticator.
    pub fn new(practitioner: Practitioner) -> Self {
        Self { practitioner }
    }
}

impl PrescriptionRenderer for N1Renderer {
    fn render(&self, request: &RenderRequest<'_>) -> Result<Document, RenderError> {
        let p = request.prescription;
        let PrescriptionContent::Acts(acts) = &p.content else {
            return Err(RenderError::Unsupported(
                "health products with the N1 renderer (N3Renderer: eP-MED-DM)",
            ));
        };
        let kind = p.kind()?;
        let ids = RenderIds::new(request);
        let header = header(&self.practitioner, request, kind, acts.kind.to_code(), &ids);
        let pdf = page_pdf(
            &self.practitioner,
            request,
            header.header(),
            &acts.text_lines(),
        );
        N1PrescriptionBuilder::new(header, acts.clone())
            .pdf(pdf)
            .build()
            .map_err(cda)
    }
}

/// Health products: N3 eP-MED-DM 2024.01 built by segur-cda's
/// `EPrescriptionBuilder`. When the identifier is stated, it is the first
/// service event's id (CNAM root); when the code is given, it is the
/// `FR-Code-a-barres` image and it is drawn in the `FR-Document-PDF-copie`
/// PDF (the crate's printed page, with the sections' text).
#[derive(Debug, Clone)]
pub struct N3Renderer {
    practitioner: Practitioner,
}

impl N3Renderer {
    /// Renders as `practitioner`, author and legal authenticator.
    pub fn new(practitioner: Practitioner) -> Self {
        Self { practitioner }
    }

    fn builder(
        &self,
        request: &RenderRequest<'_>,
        ids: &dyn IdGenerator,
    ) -> Result<EPrescriptionBuilder, RenderError> {
        let p = request.prescription;
        let PrescriptionContent::HealthProducts { products, context } = &p.content else {
            return Err(RenderError::Unsupported(
                "acts with the N3 renderer (N1Renderer)",
            ));
        };
        let mut products = products.clone();
        products.barcode = match request.code {
            Some(code) => Some(Image {
                media_type: "image/png".into(),
                data: code
                    .symbol()
                    .to_png(4)
                    .map_err(|e| RenderError::Other(e.to_string()))?
                    .into(),
            }),
            None => None,
        };
        let mut context = context.clone();
        context.prescription_id = request
            .state_identifier
            .then(|| Ii::oid(&PRESCRIPTION_ID_ROOT, Some(p.id.to_string())));
        let header = header(
            &self.practitioner,
            request,
            PrescriptionKind::ProduitsDeSante,
            eprescription::document_code(),
            ids,
        );
        Ok(EPrescriptionBuilder::new(header, products, context))
    }
}

/// Stands for the printed page in the first pass of [`N3Renderer`], whose
/// only use is the sections' narrative text (the document is discarded).
const FIRST_PASS_PDF: &[u8] = b"%PDF-1.4\n%%EOF\n";

impl PrescriptionRenderer for N3Renderer {
    fn render(&self, request: &RenderRequest<'_>) -> Result<Document, RenderError> {
        // Pass 1: the sections as segur-cda writes them, for their text.
        let draft = self
            .builder(request, &RenderIds::new(request))?
            .pdf(FIRST_PASS_PDF)
            .build(&RenderIds::new(request))
            .map_err(cda)?;
        let lines = match draft.structured_body() {
            Some(body) => {
                let shown: Vec<_> = body
                    .sections
                    .iter()
                    .filter(|s| {
                        !segur_cda::n3::sections::PDF_COPY.matches(s)
                            && !segur_cda::n3::sections::BARCODE.matches(s)
                    })
                    .cloned()
                    .collect();
                segur_cda::n3::pdf::section_lines(&shown, &draft.namespaces)
            }
            None => Vec::new(),
        };
        let pdf = page_pdf(&self.practitioner, request, &draft.header, &lines);
        // Pass 2: the same ids again, the printed page as the PDF copy.
        let ids = RenderIds::new(request);
        self.builder(request, &ids)?
            .pdf(pdf)
            .build(&ids)
            .map_err(cda)
    }
}

/// Every kind: [`N3Renderer`] for health products, [`N1Renderer`] for acts.
#[derive(Debug, Clone)]
pub struct CisisRenderer {
    n1: N1Renderer,
    n3: N3Renderer,
}

impl CisisRenderer {
    /// Renders as `practitioner`, author and legal authenticator.
    pub fn new(practitioner: Practitioner) -> Self {
        Self {
            n1: N1Renderer::new(practitioner.clone()),
            n3: N3Renderer::new(practitioner),
        }
    }
}

impl PrescriptionRenderer for CisisRenderer {
    fn render(&self, request: &RenderRequest<'_>) -> Result<Document, RenderError> {
        match request.prescription.content {
            PrescriptionContent::HealthProducts { .. } => self.n3.render(request),
            PrescriptionContent::Acts(_) => self.n1.render(request),
        }
    }
}
