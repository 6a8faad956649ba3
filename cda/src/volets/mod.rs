//! Document builders of the general profile built on the [N3
//! framework](crate::n3): the Volet de Synthèse Médicale ([`vsm`]), the
//! e-prescription of health products ([`eprescription`]) and the N1
//! prescriptions ([`n1_prescription`]).
//!
//! Every N3 builder follows the same pipeline: the host's
//! [`HeaderBuilder`] gets the volet's fixed
//! parts (document code, templateIds, service event), the sections are
//! rendered from the typed content (narratives generated from the entries),
//! the PDF copy of the document is added (supplied by the host or generated,
//! see [`crate::n3::pdf`]), and the header builder checks the header before
//! handing the document out. `build_pair` also derives the N1 twin (same
//! PDF) linked by XFRM ([`DocumentPair`]).

pub mod eprescription;
pub mod n1_prescription;
pub mod samples;
pub mod vsm;

use bytes::Bytes;

use crate::body::{NonXmlBody, Section, StructuredBody};
use crate::builder::HeaderBuilder;
use crate::clock::IdGenerator;
use crate::datatypes::{Code, Ii};
use crate::document::Document;
use crate::error::N3Error;
use crate::header::ServiceEvent;
use crate::n3::entries::PdfCopy;
use crate::n3::entries::medications::NS_PHARM;
use crate::n3::entry::RenderContext;
use crate::n3::sections;
use crate::versions::DocumentPair;

/// The namespace prefixes the N3 builders declare on the root (`pharm` for
/// the IHE Pharmacy extension elements of products).
pub fn namespaces() -> Vec<(String, String)> {
    vec![("pharm".to_owned(), NS_PHARM.to_owned())]
}

/// The XDS formatCode of an N3 document of one of these volets (from its
/// templateIds), to give to [`crate::xds::EntryOptions::format_code`].
pub fn format_code(doc: &Document) -> Option<crate::xds::XdsCode> {
    if doc.level() != crate::body::Level::N3 {
        return None;
    }
    if doc.header.has_template(&eprescription::TEMPLATE) {
        Some(eprescription::format_code())
    } else if doc.header.has_template(&vsm::TEMPLATE) {
        Some(vsm::format_code())
    } else {
        None
    }
}

/// A context whose document time is the header's `effectiveTime`.
pub(crate) fn context<'a>(header: &HeaderBuilder, ids: &'a dyn IdGenerator) -> RenderContext<'a> {
    RenderContext::new(
        ids,
        header.header().effective_time.clone().unwrap_or_default(),
    )
}

/// Adds the PDF copy section (the given PDF or one generated from the
/// sections), builds the N3 document and returns it with its PDF.
pub(crate) fn finish_n3(
    header: HeaderBuilder,
    volet_templates: Vec<Ii>,
    mut sections: Vec<Section>,
    pdf: Option<Bytes>,
    ctx: &mut RenderContext<'_>,
) -> Result<(Document, Bytes), N3Error> {
    let ns = namespaces();
    header.check()?;
    let pdf = match pdf {
        Some(p) => p,
        None => Bytes::from(crate::n3::pdf::document_pdf(
            header.header(),
            &sections,
            &ns,
        )?),
    };
    sections.push(sections::PDF_COPY.with_entries(&[PdfCopy::new(pdf.clone())], ctx, "")?);
    let mut doc = header.build_n3(volet_templates, StructuredBody { sections })?;
    doc.namespaces = ns;
    Ok((doc, pdf))
}

/// The N1 twin of an N3 document with the same PDF, linked by XFRM.
pub(crate) fn pair(
    doc: Document,
    pdf: Bytes,
    ids: &dyn IdGenerator,
) -> Result<DocumentPair, N3Error> {
    Ok(DocumentPair::from_n3(doc, NonXmlBody::pdf(pdf), None, ids)?)
}

/// Sets the code of the first service event (creating it when the header
/// has none) and returns it for further changes.
pub(crate) fn main_service_event(header: &mut HeaderBuilder, code: Code) -> &mut ServiceEvent {
    let h = header.header_mut();
    if h.documentation_of.is_empty() {
        h.documentation_of.push(ServiceEvent::default());
    }
    let se = &mut h.documentation_of[0];
    se.code = Some(code);
    se
}

/// The sections of a parsed document that the typed model does not cover,
/// kept verbatim (with the document's narrative IDs reserved).
pub(crate) fn keep_other(
    ctx: &mut RenderContext<'_>,
    other: &[Section],
    namespaces: &[(String, String)],
) -> Vec<Section> {
    for s in other {
        ctx.ids.reserve_section(s, namespaces);
    }
    other.to_vec()
}

/// The PDF of a parsed document's FR-Document-PDF-copie section, if any.
pub(crate) fn read_pdf_copy(
    body: &StructuredBody,
    namespaces: &[(String, String)],
) -> Result<Option<Bytes>, N3Error> {
    match sections::PDF_COPY.find(&body.sections) {
        Some(s) => Ok(sections::PDF_COPY
            .read_entries::<PdfCopy>(s, namespaces)?
            .into_iter()
            .next()
            .map(|c| c.pdf)),
        None => Ok(None),
    }
}

/// The structured body of a document, or an error naming the volet.
pub(crate) fn structured<'d>(
    doc: &'d Document,
    volet: &'static str,
) -> Result<&'d StructuredBody, N3Error> {
    doc.structured_body().ok_or(N3Error::Volet {
        rule: volet,
        message: "the document is not structured (N3)".into(),
    })
}
