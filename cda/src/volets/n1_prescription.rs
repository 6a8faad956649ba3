//! The N1 prescriptions: prescriptions of biology, physiotherapy, nursing,
//! podiatry, speech therapy and orthoptics acts, written as N1 documents
//! (the PDF of the prescription) with their TRE_A05 type code
//! (`PRESC-BIO`, `PRESC-KINE`, `PRESC-INF`, `PRESC-PEDI`, `PRESC-ORTHOPHO`,
//! `PRESC-ORTHOPTIE`).

use bytes::Bytes;

use crate::body::NonXmlBody;
use crate::builder::HeaderBuilder;
use crate::datatypes::{Code, IvlTs, Ts};
use crate::document::Document;
use crate::error::N3Error;
use crate::n3::types::{check_period, fr_date};
use crate::vocab::{self, DocumentType, code_system};

/// The kind of an N1 prescription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum N1PrescriptionKind {
    /// `PRESC-BIO`: biology.
    Biology,
    /// `PRESC-KINE`: physiotherapy.
    Physiotherapy,
    /// `PRESC-INF`: nursing.
    Nursing,
    /// `PRESC-PEDI`: podiatry.
    Podiatry,
    /// `PRESC-ORTHOPHO`: speech therapy.
    SpeechTherapy,
    /// `PRESC-ORTHOPTIE`: orthoptics.
    Orthoptics,
}

impl N1PrescriptionKind {
    /// All kinds.
    pub const ALL: [Self; 6] = [
        Self::Biology,
        Self::Physiotherapy,
        Self::Nursing,
        Self::Podiatry,
        Self::SpeechTherapy,
        Self::Orthoptics,
    ];

    /// The type code (TRE_A05).
    pub fn code(self) -> &'static str {
        match self {
            Self::Biology => "PRESC-BIO",
            Self::Physiotherapy => "PRESC-KINE",
            Self::Nursing => "PRESC-INF",
            Self::Podiatry => "PRESC-PEDI",
            Self::SpeechTherapy => "PRESC-ORTHOPHO",
            Self::Orthoptics => "PRESC-ORTHOPTIE",
        }
    }

    /// The kind of a type code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The document type (code, label, XDS class).
    pub fn document_type(self) -> Option<&'static DocumentType> {
        DocumentType::lookup(self.code(), code_system::TRE_A05.as_str())
    }

    /// The `ClinicalDocument/code`.
    pub fn to_code(self) -> Code {
        self.document_type()
            .map(DocumentType::to_code)
            .unwrap_or_else(|| Code::new(self.code(), &code_system::TRE_A05, self.code()))
    }

    /// The default title.
    pub fn title(self) -> &'static str {
        self.document_type().map_or(self.code(), |t| t.display_name)
    }
}

/// One prescribed act.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrescriptionLine {
    /// The act (e.g. "Hémogramme (NFS)", "Rééducation du rachis lombaire").
    pub label: String,
    /// Details (number of sessions, frequency, at home…).
    pub detail: Option<String>,
}

impl PrescriptionLine {
    /// A line.
    pub fn new(label: &str, detail: Option<&str>) -> Self {
        Self {
            label: label.to_owned(),
            detail: detail.map(str::to_owned),
        }
    }
}

/// The content of an N1 prescription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct N1Prescription {
    /// Which prescription.
    pub kind: N1PrescriptionKind,
    /// The acts.
    pub lines: Vec<PrescriptionLine>,
    /// Clinical information or comment.
    pub comment: Option<String>,
    /// Validity (written as the first service event's time).
    pub validity: Option<(Ts, Ts)>,
    /// En rapport avec une ALD.
    pub ald: bool,
    /// En rapport avec un accident du travail ou une maladie professionnelle.
    pub work_accident: bool,
    /// À domicile.
    pub at_home: bool,
}

impl N1Prescription {
    /// A prescription of `kind` with these acts.
    pub fn new(kind: N1PrescriptionKind, lines: Vec<PrescriptionLine>) -> Self {
        Self {
            kind,
            lines,
            comment: None,
            validity: None,
            ald: false,
            work_accident: false,
            at_home: false,
        }
    }

    /// The text of the prescription (the content of the generated PDF,
    /// after the summary of the header).
    pub fn text_lines(&self) -> Vec<String> {
        let mut out = vec![self.kind.title().to_owned()];
        if let Some((from, until)) = &self.validity {
            out.push(format!(
                "Valable du {} au {}",
                fr_date(from),
                fr_date(until)
            ));
        }
        let mut mentions = Vec::new();
        if self.ald {
            mentions.push("En rapport avec une ALD");
        }
        if self.work_accident {
            mentions.push("En rapport avec un accident du travail / maladie professionnelle");
        }
        if self.at_home {
            mentions.push("À domicile");
        }
        if !mentions.is_empty() {
            out.push(mentions.join(" — "));
        }
        out.push(String::new());
        for l in &self.lines {
            match &l.detail {
                Some(d) => out.push(format!("- {} : {d}", l.label)),
                None => out.push(format!("- {}", l.label)),
            }
        }
        if let Some(c) = &self.comment {
            out.push(String::new());
            out.push(format!("Commentaire : {c}"));
        }
        out
    }
}

/// Builds an N1 prescription.
#[derive(Debug, Clone)]
pub struct N1PrescriptionBuilder {
    header: HeaderBuilder,
    prescription: N1Prescription,
    pdf: Option<Bytes>,
}

impl N1PrescriptionBuilder {
    /// From a pre-filled header and the prescription.
    pub fn new(header: HeaderBuilder, prescription: N1Prescription) -> Self {
        Self {
            header,
            prescription,
            pdf: None,
        }
    }

    /// The host's PDF of the prescription (otherwise one is generated from
    /// the text).
    pub fn pdf(mut self, pdf: impl Into<Bytes>) -> Self {
        self.pdf = Some(pdf.into());
        self
    }

    /// The N1 document.
    pub fn build(mut self) -> Result<Document, N3Error> {
        let p = &self.prescription;
        if p.lines.is_empty() {
            return Err(N3Error::Missing {
                what: "prescribed act",
                context: p.kind.code().into(),
            });
        }
        for l in &p.lines {
            crate::n3::entry::non_blank(&l.label, "prescribed act")?;
        }
        let kind = p.kind;
        {
            let h = self.header.header_mut();
            h.code = Some(kind.to_code());
            if h.title.as_deref().is_none_or(|t| t.trim().is_empty()) {
                h.title = Some(kind.title().to_owned());
            }
        }
        if let Some((from, until)) = &p.validity {
            let v = IvlTs::between(from.clone(), until.clone());
            check_period(&v, "prescription validity")?;
            super::main_service_event(&mut self.header, kind.to_code()).effective_time = Some(v);
        }
        self.header.check()?;
        let pdf = match self.pdf {
            Some(pdf) => pdf,
            None => Bytes::from(crate::n3::pdf::lines_pdf(
                self.header.header(),
                &p.text_lines(),
            )?),
        };
        Ok(self.header.build_n1(NonXmlBody::pdf(pdf))?)
    }
}

/// The kind of an N1 prescription document (from its type code).
pub fn kind_of(doc: &Document) -> Option<N1PrescriptionKind> {
    let c = doc.header.code.as_ref()?;
    (c.code_system.as_deref() == Some(vocab::code_system::TRE_A05.as_str()))
        .then(|| N1PrescriptionKind::from_code(c.code_str()))
        .flatten()
}
