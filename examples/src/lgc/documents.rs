//! Documents of the patient files.
//!
//! - **Production** (LGC.MDV.01, SC.CDA/DD.20/22, SENTINELLE.14): the header
//!   is pre-filled with `HeaderBuilder::for_practice` from the practice and
//!   `PatientBuilder::from_identity` (the INS only for a qualified identity),
//!   the PDF is rendered by `segur_cda::pdf::render_pdf` (with the INS
//!   datamatrix when qualified), and the builder refuses anything the native
//!   validator flags.
//! - **Structured documents** (SC.CDA/DD.21/23, SC.DB/LGC.01, SC.DOC.03):
//!   the VSM and the e-prescription are written by the `segur_cda::volets`
//!   builders from the confirmed medical content, on the same pre-filled
//!   header (with the file's contact details, which the e-prescription
//!   requires); the PDF shared by the N3 copy section and the N1 twin is
//!   the document's text printed by `render_pdf`, with the INS datamatrix
//!   when qualified. Both forms are held as one document (a pair).
//! - **Versions** (DD.02, DD.17): producing again the document of the same
//!   type for the same act, or revising it, gives its next version
//!   (`segur_cda::versions::new_version`: same setId, RPLC).
//! - **Import** (SC.SSI/GEN.08, DD.05, INT.16): every received file goes
//!   through the antivirus first; a CDA document is compared with the file's
//!   documents (`versions::compare`: duplicate, newer version) and paired
//!   with its other form (`DocumentPair::link`).
//! - **Lists and links** (INT.17, TRA.02): `DocumentFilter::apply`,
//!   `versions::fulfills`.
//! - **Display** (VISU.01/02, DD.15/16): `segur_cda::render::render_html`.

use segur_cda::body::{Body, Section};
use segur_cda::builder::{HeaderBuilder, PatientBuilder};
use segur_cda::clock::{IdGenerator, OidSequence};
use segur_cda::header::{Header, PatientRole};
use segur_cda::n3::{pdf::section_lines, sections::PDF_COPY};
use segur_cda::pdf::{PdfContent, render_pdf};
use segur_cda::render::{RenderOptions, render_html};
use segur_cda::versions::{self, DocumentFilter, DocumentPair, SortOrder, VersionRelation};
use segur_cda::volets::eprescription::{self, EPrescriptionBuilder};
use segur_cda::volets::vsm::{self, VsmBuilder};
use segur_cda::{Document, Level, NonXmlBody};
use segur_conformance::host::{
    BoxFuture, DocumentLinks, DocumentRef, DocumentRequest, DocumentView, Documents, HostError,
    ImportOutcome, PatientFileRef, ProducedPair, ReceivedFile, StructuredContent,
    StructuredRequest,
};
use segur_ins::Identity;
use segur_ssi::antivirus::require_clean;
use segur_ssi::audit::{Outcome, kinds};

use super::{Core, ReferenceLgc, failed, lock};
use crate::practice;

/// Where a document comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// Written in the software.
    Produced,
    /// Received from outside.
    Received,
}

/// A document held in a patient file.
#[derive(Debug, Clone)]
struct StoredDocument {
    reference: DocumentRef,
    file: PatientFileRef,
    origin: Origin,
    /// The bytes as produced or received.
    xml: Vec<u8>,
    document: Document,
    /// The newer version held, once replaced.
    replaced_by: Option<DocumentRef>,
    /// The other form (N1/N3) of the same document.
    pair: Option<DocumentRef>,
}

impl AsRef<Header> for StoredDocument {
    fn as_ref(&self) -> &Header {
        &self.document.header
    }
}

/// Every document of the practice.
#[derive(Debug, Default)]
pub(super) struct DocumentStore {
    docs: std::sync::Mutex<Vec<StoredDocument>>,
}

impl DocumentStore {
    fn get(&self, reference: &DocumentRef) -> Result<StoredDocument, HostError> {
        lock(&self.docs)
            .iter()
            .find(|d| d.reference == *reference)
            .cloned()
            .ok_or_else(|| HostError::failed(format!("no document {reference}")))
    }

    fn of_file(&self, file: &PatientFileRef) -> Vec<StoredDocument> {
        lock(&self.docs)
            .iter()
            .filter(|d| d.file == *file)
            .cloned()
            .collect()
    }
}

fn pdf_content(request: &DocumentRequest) -> PdfContent {
    PdfContent {
        paragraphs: request.paragraphs.clone(),
    }
}

impl Core {
    /// The patient as documents of `file` name them: the identity (the INS
    /// only when qualified), the local id, the contact details.
    fn patient_role(&self, file: &PatientFileRef) -> Result<PatientRole, HostError> {
        let pf = self.patients.get(file)?;
        let mut b = PatientBuilder::from_identity(&pf.identity)
            .local_id(&practice::PATIENT_ID_ROOT, file.as_str());
        for a in &pf.contact.addrs {
            b = b.addr(a.clone());
        }
        for t in &pf.contact.telecoms {
            b = b.telecom(t.clone());
        }
        b.build().map_err(|e| failed("patient of the document")(&e))
    }

    /// The first version of a produced document.
    fn first_version(
        &self,
        file: &PatientFileRef,
        identity: &Identity,
        request: &DocumentRequest,
    ) -> Result<Document, HostError> {
        let patient = self.patient_role(file)?;
        let builder = HeaderBuilder::for_practice(
            request.document_type.clone(),
            &request.title,
            &practice::practitioner(),
            patient,
            request.act_time,
            &self.clock,
            &self.ids,
        );
        let pdf = render_pdf(builder.header(), &pdf_content(request), Some(identity))
            .map_err(|e| failed("PDF of the document")(&e))?;
        builder
            .build_n1(NonXmlBody::pdf(pdf))
            .map_err(|e| failed("document")(&e))
    }

    /// The next version of `previous` with the request's content.
    fn next_version(
        &self,
        previous: &Document,
        identity: &Identity,
        request: &DocumentRequest,
    ) -> Result<Document, HostError> {
        let mut next =
            versions::new_version(previous, previous.body.clone(), &self.ids, &self.clock)
                .map_err(|e| failed("new version")(&e))?;
        next.header.title = Some(request.title.clone());
        // The PDF shows the new version's header.
        let pdf = render_pdf(&next.header, &pdf_content(request), Some(identity))
            .map_err(|e| failed("PDF of the document")(&e))?;
        next.body = Body::NonXml(NonXmlBody::pdf(pdf));
        if let Some(f) = next.validate().errors().next() {
            return Err(HostError::failed(format!("new version: {f}")));
        }
        Ok(next)
    }

    /// Stores a document and traces it.
    fn store(
        &self,
        file: &PatientFileRef,
        document: Document,
        xml: Vec<u8>,
        origin: Origin,
    ) -> Result<DocumentRef, HostError> {
        let reference = DocumentRef::new(self.ids.name("document"));
        let doc_id = document
            .header
            .id
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        lock(&self.documents.docs).push(StoredDocument {
            reference: reference.clone(),
            file: file.clone(),
            origin,
            xml,
            document,
            replaced_by: None,
            pair: None,
        });
        let kind = match origin {
            Origin::Produced => "cda.document.produced",
            Origin::Received => "cda.document.received",
        };
        self.trace(
            self.event(kind, "user", Outcome::Success)?
                .with_patient(file.as_str())
                .with_document(doc_id),
        )?;
        Ok(reference)
    }

    fn mark_replaced(&self, old: &DocumentRef, new: &DocumentRef) {
        if let Some(d) = lock(&self.documents.docs)
            .iter_mut()
            .find(|d| d.reference == *old)
        {
            d.replaced_by = Some(new.clone());
        }
    }

    fn produce(
        &self,
        file: &PatientFileRef,
        request: &DocumentRequest,
    ) -> Result<DocumentRef, HostError> {
        let identity = self.patients.get(file)?.identity;
        // The same document (type, act) produced again is its next version,
        // never a second document competing with it (SC.CDA/DD.17).
        let current = self.documents.of_file(file).into_iter().find(|d| {
            let h = &d.document.header;
            d.origin == Origin::Produced
                && d.replaced_by.is_none()
                && h.code.as_ref().map(|c| c.code_str()) == Some(request.document_type.code_str())
                && h.act_time()
                    .and_then(|t| t.to_offset_datetime())
                    .is_some_and(|t| t == request.act_time)
        });
        match current {
            Some(previous) => self.revise(&previous, &identity, request),
            None => {
                let doc = self.first_version(file, &identity, request)?;
                let xml = doc.to_xml();
                let reference = self.store(file, doc, xml.clone(), Origin::Produced)?;
                // Systematic DMP feeding (SC.DMP/ALI/PROG.02).
                self.dmp_document_produced(file, &xml);
                Ok(reference)
            }
        }
    }

    fn revise(
        &self,
        previous: &StoredDocument,
        identity: &Identity,
        request: &DocumentRequest,
    ) -> Result<DocumentRef, HostError> {
        let doc = self.next_version(&previous.document, identity, request)?;
        let xml = doc.to_xml();
        let reference = self.store(&previous.file, doc, xml.clone(), Origin::Produced)?;
        self.mark_replaced(&previous.reference, &reference);
        // The new version goes to the DMP, replacing the previous one.
        self.dmp_document_produced(&previous.file, &xml);
        Ok(reference)
    }

    /// A structured document and its N1 twin, from the confirmed content.
    fn produce_structured(
        &self,
        file: &PatientFileRef,
        request: &StructuredRequest,
    ) -> Result<ProducedPair, HostError> {
        let identity = self.patients.get(file)?.identity;
        let code = match &request.content {
            StructuredContent::MedicalSummary(_) => vsm::document_code(),
            StructuredContent::Prescription { .. } => eprescription::document_code(),
            _ => return Err(HostError::not_implemented("documents.produce_structured")),
        };
        let header = HeaderBuilder::for_practice(
            code,
            &request.title,
            &practice::practitioner(),
            self.patient_role(file)?,
            request.act_time,
            &self.clock,
            &self.ids,
        );
        let build = |pdf: Option<Vec<u8>>, ids: &dyn IdGenerator| match &request.content {
            StructuredContent::MedicalSummary(summary) => {
                let mut b = VsmBuilder::new(header.clone(), summary.clone());
                if let Some(pdf) = pdf {
                    b = b.pdf(pdf);
                }
                b.build_pair(ids)
            }
            StructuredContent::Prescription {
                prescription,
                context,
            } => {
                let mut b = EPrescriptionBuilder::new(
                    header.clone(),
                    prescription.clone(),
                    context.clone(),
                );
                if let Some(pdf) = pdf {
                    b = b.pdf(pdf);
                }
                b.build_pair(ids)
            }
            _ => Err(segur_cda::N3Error::Invalid {
                field: "structured content",
                reason: "not supported by this software".into(),
            }),
        };
        // A draft with throw-away ids gives the document's text; the PDF of
        // both forms prints it with the INS datamatrix when qualified.
        let scratch = OidSequence::new(practice::PATIENT_ID_ROOT, "draft-");
        let draft = build(None, &scratch).map_err(|e| failed("structured document")(&e))?;
        let sections: Vec<Section> = match &draft.n3().body {
            Body::Structured(b) => b
                .sections
                .iter()
                .filter(|s| !PDF_COPY.matches(s))
                .cloned()
                .collect(),
            Body::NonXml(_) => Vec::new(),
        };
        let lines = section_lines(&sections, &draft.n3().namespaces);
        let pdf = render_pdf(
            header.header(),
            &PdfContent { paragraphs: lines },
            Some(&identity),
        )
        .map_err(|e| failed("PDF of the document")(&e))?;
        let pair = build(Some(pdf), &self.ids).map_err(|e| failed("structured document")(&e))?;
        let n3 = pair.n3().clone();
        let n1 = pair.n1().clone();
        let (n3_xml, n1_xml) = (n3.to_xml(), n1.to_xml());
        let n3_ref = self.store(file, n3, n3_xml, Origin::Produced)?;
        let n1_ref = self.store(file, n1, n1_xml, Origin::Produced)?;
        for d in lock(&self.documents.docs).iter_mut() {
            if d.reference == n3_ref {
                d.pair = Some(n1_ref.clone());
            } else if d.reference == n1_ref {
                d.pair = Some(n3_ref.clone());
            }
        }
        // Both forms go to the DMP together (SC.CDA/DD.12/14).
        self.dmp_pair_produced(file, &pair);
        Ok(ProducedPair::new(n3_ref, n1_ref))
    }

    async fn import(
        &self,
        file: &PatientFileRef,
        received: &ReceivedFile,
    ) -> Result<ImportOutcome, HostError> {
        let identity = self.patients.get(file)?.identity;
        // 1. Antivirus, fail closed: malware and scanner failures refuse the file.
        if let Err(e) = require_clean(self.scanner.as_ref(), &received.bytes).await {
            self.trace(
                segur_ssi::audit::AuditEvent::new(
                    kinds::MALWARE_FOUND,
                    "system",
                    Outcome::Denied,
                    self.now(),
                )
                .with_patient(file.as_str())
                .with_detail("file", received.name.clone())
                .with_detail("reason", e.to_string()),
            )?;
            return Ok(ImportOutcome::Refused {
                reason: format!(
                    "Le fichier {} a été refusé par l'antivirus ({e}) et n'a pas été intégré.",
                    received.name
                ),
            });
        }
        self.trace(
            segur_ssi::audit::AuditEvent::new(
                kinds::FILE_SCANNED,
                "system",
                Outcome::Success,
                self.now(),
            )
            .with_patient(file.as_str())
            .with_detail("file", received.name.clone()),
        )?;
        // 2. A CDA document?
        let document = match Document::parse(received.bytes.clone()) {
            Ok(d) => d,
            Err(e) => {
                return Ok(ImportOutcome::Refused {
                    reason: format!("{} n'est pas un document CDA lisible : {e}", received.name),
                });
            }
        };
        // 3. About this patient? (INS against the qualified INS.)
        if let (Some(written), Some(q)) = (document.header.patient_ins(), identity.qualified_ins())
        {
            let (root, ext) = q.ins().cda_id();
            if written.root.as_deref() != Some(root.as_str())
                || written.extension.as_deref() != Some(ext)
            {
                return Ok(ImportOutcome::Refused {
                    reason: format!(
                        "{} concerne un autre patient (INS différent).",
                        received.name
                    ),
                });
            }
        }
        // 4. Already held, newer or older version, other form of a pair.
        let held = self.documents.of_file(file);
        let mut replaces = None;
        let mut replaced_by = None;
        for h in &held {
            match versions::compare(&h.document.header, &document.header) {
                VersionRelation::Duplicate => {
                    return Ok(ImportOutcome::AlreadyHeld(h.reference.clone()));
                }
                VersionRelation::NewerVersion if h.replaced_by.is_none() => {
                    replaces = Some(h.reference.clone());
                }
                VersionRelation::OlderVersion => replaced_by = Some(h.reference.clone()),
                _ => {}
            }
        }
        let pair = held
            .iter()
            .filter(|h| h.pair.is_none() && h.document.level() != document.level())
            .find(|h| DocumentPair::link(h.document.clone(), document.clone()).is_ok())
            .map(|h| h.reference.clone());
        let reference = self.store(file, document, received.bytes.clone(), Origin::Received)?;
        {
            let mut docs = lock(&self.documents.docs);
            for d in docs.iter_mut() {
                if Some(&d.reference) == replaces.as_ref() {
                    d.replaced_by = Some(reference.clone());
                }
                if Some(&d.reference) == pair.as_ref() {
                    d.pair = Some(reference.clone());
                }
                if d.reference == reference {
                    d.pair = pair.clone();
                    d.replaced_by = replaced_by.clone();
                }
            }
        }
        Ok(match replaces {
            Some(replaces) => ImportOutcome::NewerVersion {
                document: reference,
                replaces,
            },
            None => ImportOutcome::Integrated(reference),
        })
    }

    /// How a document shows in the list: one entry for both forms of a pair.
    pub(super) fn document_view(&self, reference: &DocumentRef) -> Result<DocumentView, HostError> {
        let doc = self.documents.get(reference)?;
        let mut forms = vec![doc.reference.clone()];
        let mut renderings = vec![doc.document.level()];
        if let Some(other) = &doc.pair {
            forms.push(other.clone());
            renderings.push(self.documents.get(other)?.document.level());
        }
        renderings.sort_by_key(|l| matches!(l, Level::N3));
        Ok(DocumentView::new(forms, renderings, doc.replaced_by))
    }

    /// The page shown when the user opens the document in a rendering: the
    /// form of that level (the document or its pair) through the native
    /// HTML renderer, which escapes all document content.
    pub(super) fn rendering(
        &self,
        reference: &DocumentRef,
        level: Level,
    ) -> Result<String, HostError> {
        let doc = self.documents.get(reference)?;
        let form = if doc.document.level() == level {
            doc
        } else {
            match &doc.pair {
                Some(other) => self.documents.get(other)?,
                None => {
                    return Err(HostError::failed(format!(
                        "document {reference} has no {level:?} form"
                    )));
                }
            }
        };
        self.trace(
            self.event("cda.document.viewed", "user", Outcome::Success)?
                .with_patient(form.file.as_str())
                .with_document(form.reference.as_str()),
        )?;
        Ok(render_html(&form.document, &RenderOptions::default()))
    }
}

impl Documents for ReferenceLgc {
    fn list<'a>(
        &'a self,
        file: &'a PatientFileRef,
    ) -> BoxFuture<'a, Result<Vec<DocumentRef>, HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            core.patients.get(file)?;
            Ok(core
                .documents
                .of_file(file)
                .into_iter()
                .map(|d| d.reference)
                .collect())
        })
    }

    fn content<'a>(
        &'a self,
        document: &'a DocumentRef,
    ) -> BoxFuture<'a, Result<Vec<u8>, HostError>> {
        Box::pin(async move { Ok(self.core()?.documents.get(document)?.xml) })
    }

    fn produce<'a>(
        &'a self,
        file: &'a PatientFileRef,
        request: &'a DocumentRequest,
    ) -> BoxFuture<'a, Result<DocumentRef, HostError>> {
        Box::pin(async move { self.core()?.produce(file, request) })
    }

    fn revise<'a>(
        &'a self,
        document: &'a DocumentRef,
        request: &'a DocumentRequest,
    ) -> BoxFuture<'a, Result<DocumentRef, HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            let previous = core.documents.get(document)?;
            if previous.origin != Origin::Produced {
                return Err(HostError::failed(format!(
                    "document {document} was received: only its author can revise it"
                )));
            }
            let identity = core.patients.get(&previous.file)?.identity;
            core.revise(&previous, &identity, request)
        })
    }

    fn import<'a>(
        &'a self,
        file: &'a PatientFileRef,
        received: &'a ReceivedFile,
    ) -> BoxFuture<'a, Result<ImportOutcome, HostError>> {
        Box::pin(async move { self.core()?.import(file, received).await })
    }

    fn list_sorted<'a>(
        &'a self,
        file: &'a PatientFileRef,
        filter: &'a DocumentFilter,
        order: SortOrder,
    ) -> BoxFuture<'a, Result<Vec<DocumentRef>, HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            let docs = core.documents.of_file(file);
            Ok(filter
                .apply(&docs, order)
                .into_iter()
                .map(|d| d.reference.clone())
                .collect())
        })
    }

    fn produce_structured<'a>(
        &'a self,
        file: &'a PatientFileRef,
        request: &'a StructuredRequest,
    ) -> BoxFuture<'a, Result<ProducedPair, HostError>> {
        Box::pin(async move { self.core()?.produce_structured(file, request) })
    }

    fn links<'a>(
        &'a self,
        document: &'a DocumentRef,
    ) -> BoxFuture<'a, Result<DocumentLinks, HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            let doc = core.documents.get(document)?;
            let others = core.documents.of_file(&doc.file);
            let header = &doc.document.header;
            let requests = others
                .iter()
                .filter(|o| versions::fulfills(header, &o.document.header))
                .map(|o| o.reference.clone())
                .collect();
            let reports = others
                .iter()
                .filter(|o| versions::fulfills(&o.document.header, header))
                .map(|o| o.reference.clone())
                .collect();
            Ok(DocumentLinks::new(requests, reports))
        })
    }
}
