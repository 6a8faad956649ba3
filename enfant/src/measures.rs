//! Mesures de l'enfant (CSE-MDE 2023.01): the child's weight, height, head
//! circumference and BMI with their UCUM units and dates, in one
//! FR-Signes-vitaux section (one organizer per date).

use segur_cda::Document;
use segur_cda::builder::HeaderBuilder;
use segur_cda::clock::IdGenerator;
use segur_cda::datatypes::Ts;
use segur_cda::n3::entry::RenderContext;
use segur_cda::n3::sections;

use crate::common::{Measurements, read_vital_signs, vital_signs_section};
use crate::error::{Error, Result};
use crate::volet::{self, ChildVolet};

/// The content of a Mesures de l'enfant document.
#[derive(Debug, Clone, PartialEq)]
pub struct ChildMeasurements {
    /// The measurements, one entry per date (at least one).
    pub measurements: Vec<Measurements>,
}

impl ChildMeasurements {
    /// The measurements of one date.
    pub fn single(m: Measurements) -> Self {
        Self {
            measurements: vec![m],
        }
    }

    /// Checks the content (units, at least one measure, distinct dates).
    pub fn check(&self) -> Result<()> {
        if self.measurements.is_empty() {
            return Err(Error::Missing {
                document: "CSE-MDE",
                what: "at least one set of measurements",
            });
        }
        for m in &self.measurements {
            m.check("CSE-MDE")?;
        }
        Ok(())
    }

    /// Writes the N3 document. `header` is the host's pre-filled header
    /// (practitioner, child, structure): the builder sets the volet's code,
    /// templateIds and service event; the service event date is the last
    /// measurement date unless the header has one.
    pub fn build(&self, header: HeaderBuilder, ids: &dyn IdGenerator) -> Result<Document> {
        self.check()?;
        let mut ctx = RenderContext::new(
            ids,
            header.header().effective_time.clone().unwrap_or_default(),
        );
        let section = vital_signs_section(&self.measurements, &mut ctx)?;
        let exam = match volet::exam_time(header.header()) {
            Some(t) => Some(t),
            None => self
                .measurements
                .iter()
                .map(|m| m.date)
                .max()
                .map(Ts::from_date),
        };
        volet::finish(ChildVolet::Measurements, header, exam, vec![section])
    }

    /// Reads a CSE-MDE document into the model.
    pub fn from_document(doc: &Document) -> Result<Self> {
        let body = volet::body_of(doc, ChildVolet::Measurements)?;
        let s = sections::VITAL_SIGNS
            .find(&body.sections)
            .ok_or(Error::Missing {
                document: "CSE-MDE",
                what: "the FR-Signes-vitaux section",
            })?;
        let m = read_vital_signs(s, &doc.namespaces)?;
        Ok(Self { measurements: m })
    }
}
