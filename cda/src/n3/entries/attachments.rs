//! Embedded documents and images: the PDF copy of the document
//! (FR-Document-attache in FR-Document-PDF-copie) and illustrative images
//! (FR-Image-illustrative, e.g. the 2D bar code of a prescription).

use base64::Engine as _;
use bytes::Bytes;

use crate::body::XmlFragment;
use crate::datatypes::Ii;
use crate::error::N3Error;
use crate::n3::entry::*;
use crate::n3::narrative::{Cell, NarrativeIndex};
use crate::n3::templates::{self as tpl, codes};
use crate::n3::xml::Element;
use crate::write::CdaWriter;

/// Writes `<value mediaType=… representation="B64">` with the base64 content
/// in 76-column lines (by hand, so that no indentation enters the content).
fn write_media_value(w: &mut CdaWriter, media_type: &str, data: &[u8]) -> std::io::Result<()> {
    let mut s = String::with_capacity(data.len() * 4 / 3 + data.len() / 57 + 96);
    s.push_str("<value mediaType=\"");
    s.push_str(&quick_xml::escape::escape(media_type));
    s.push_str("\" representation=\"B64\">\n");
    for chunk in data.chunks(57) {
        s.push_str(&base64::engine::general_purpose::STANDARD.encode(chunk));
        s.push('\n');
    }
    s.push_str("</value>");
    w.fragment(&XmlFragment::from_trusted(s))
}

fn read_media_value(what: &'static str, v: &Element) -> Result<(String, Bytes), N3Error> {
    let media_type = v
        .attr("mediaType")
        .unwrap_or("application/octet-stream")
        .to_owned();
    let text: String = v
        .children
        .iter()
        .filter_map(|n| match n {
            crate::n3::xml::Node::Text(t) => Some(t.as_str()),
            crate::n3::xml::Node::Element(_) => None,
        })
        .flat_map(|t| t.chars())
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let data = base64::engine::general_purpose::STANDARD
        .decode(text.as_bytes())
        .map_err(|e| read_err(what, v, format!("invalid base64: {e}")))?;
    Ok((media_type, Bytes::from(data)))
}

/// The PDF copy of an N3 document (FR-Document-attache).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfCopy {
    /// The organizer's id.
    pub id: Option<Ii>,
    /// The document-type observation's id.
    pub type_id: Option<Ii>,
    /// The PDF.
    pub pdf: Bytes,
}

impl PdfCopy {
    /// A copy of `pdf`.
    pub fn new(pdf: impl Into<Bytes>) -> Self {
        Self {
            id: None,
            type_id: None,
            pdf: pdf.into(),
        }
    }
}

impl SectionEntry for PdfCopy {
    const NAME: &'static str = "FR-Document-attache";

    fn headers() -> &'static [&'static str] {
        &[]
    }

    fn matches(entry: &Element) -> bool {
        entry
            .child("organizer")
            .is_some_and(|o| o.has_template(tpl::ATTACHED_DOCUMENT.as_str()))
    }

    fn render(&self, ctx: &mut RenderContext<'_>) -> Result<Rendered, N3Error> {
        if !self.pdf.starts_with(b"%PDF-") {
            return Err(N3Error::Invalid {
                field: "PDF copy",
                reason: "the content is not a PDF (no %PDF- header)".into(),
            });
        }
        let media_id = ctx.ids.next("document-pdf");
        let (type_cell, type_ref) =
            Cell::referenced(&mut ctx.ids, "document-type", "Copie PDF du document");
        let oid = ctx.id(&self.id);
        let tid = ctx.id(&self.type_id);
        let entry = write_entry(None, |w| {
            w.element(
                "organizer",
                &[("classCode", Some("CLUSTER")), ("moodCode", Some("EVN"))],
                |w| {
                    templates(w, std::slice::from_ref(&tpl::ATTACHED_DOCUMENT))?;
                    id(w, &oid)?;
                    cd(w, "code", &codes::attached_document(), None, None)?;
                    status(w, "completed")?;
                    w.element("component", &[], |w| {
                        w.element(
                            "observation",
                            &[("classCode", Some("OBS")), ("moodCode", Some("EVN"))],
                            |w| {
                                templates(w, &tpl::ATTACHED_DOCUMENT_TYPE)?;
                                id(w, &tid)?;
                                cd(w, "code", &codes::document_type(), None, None)?;
                                text_ref(w, &type_ref)?;
                                status(w, "completed")?;
                                w.empty("effectiveTime", &[("nullFlavor", Some("NA"))])?;
                                cd(w, "value", &codes::document_copy(), Some("CD"), None)
                            },
                        )
                    })?;
                    w.element("component", &[], |w| {
                        w.element(
                            "observationMedia",
                            &[
                                ("classCode", Some("OBS")),
                                ("moodCode", Some("EVN")),
                                ("ID", Some(&media_id)),
                            ],
                            |w| write_media_value(w, "application/pdf", &self.pdf),
                        )
                    })
                },
            )
        });
        Ok(Rendered::row(vec![type_cell, Cell::Media(media_id)], entry))
    }

    fn read(entry: &Element, _narrative: &NarrativeIndex) -> Result<Self, N3Error> {
        let org = need(Self::NAME, entry, "organizer")?;
        let media = org
            .children_named("component")
            .find_map(|c| c.child("observationMedia"))
            .and_then(|m| m.child("value"))
            .ok_or_else(|| read_err(Self::NAME, org, "no observationMedia/value"))?;
        let (_, pdf) = read_media_value(Self::NAME, media)?;
        let type_id = related(org, "component", tpl::ATTACHED_DOCUMENT_TYPE[2].as_str())
            .next()
            .and_then(read_id);
        Ok(Self {
            id: read_id(org),
            type_id,
            pdf,
        })
    }
}

/// An illustrative image (FR-Image-illustrative), e.g. the 2D bar code of a
/// prescription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// Media type (`image/png`, `image/jpeg`).
    pub media_type: String,
    /// The image.
    pub data: Bytes,
}

impl SectionEntry for Image {
    const NAME: &'static str = "FR-Image-illustrative";

    fn headers() -> &'static [&'static str] {
        &[]
    }

    fn matches(entry: &Element) -> bool {
        entry
            .child("observationMedia")
            .is_some_and(|o| o.has_template(tpl::ILLUSTRATIVE_IMAGE[1].as_str()))
    }

    fn render(&self, ctx: &mut RenderContext<'_>) -> Result<Rendered, N3Error> {
        if !matches!(
            self.media_type.as_str(),
            "image/png" | "image/jpeg" | "image/gif" | "image/tiff"
        ) {
            return Err(N3Error::Invalid {
                field: "image media type",
                reason: format!("{:?} is not an image type", self.media_type),
            });
        }
        if self.data.is_empty() {
            return Err(N3Error::Invalid {
                field: "image",
                reason: "empty".into(),
            });
        }
        let media_id = ctx.ids.next("image");
        let entry = write_entry(None, |w| {
            w.element(
                "observationMedia",
                &[
                    ("classCode", Some("OBS")),
                    ("moodCode", Some("EVN")),
                    ("ID", Some(&media_id)),
                ],
                |w| {
                    templates(w, &tpl::ILLUSTRATIVE_IMAGE)?;
                    write_media_value(w, &self.media_type, &self.data)
                },
            )
        });
        Ok(Rendered::row(vec![Cell::Media(media_id)], entry))
    }

    fn read(entry: &Element, _narrative: &NarrativeIndex) -> Result<Self, N3Error> {
        let m = need(Self::NAME, entry, "observationMedia")?;
        let (media_type, data) = read_media_value(Self::NAME, need(Self::NAME, m, "value")?)?;
        Ok(Self { media_type, data })
    }
}
