//! Section models: every CI-SIS section the LGC documents use, with its
//! templateIds, LOINC code and default title in one place ([`SectionSpec`]
//! constants), and the functions that build a section from entries (the
//! narrative generated from them) or from free text, and read entries back.

use segur_ids::{Oid, oid};

use super::entry::{RenderContext, SectionEntry};
use super::narrative::{Cell, NarrativeBuilder, NarrativeIndex};
use super::xml;
use crate::body::Section;
use crate::datatypes::Code;
use crate::error::N3Error;
use crate::vocab::code_system;

/// A section model: templateIds (IHE/CCD parents first, CI-SIS last), the
/// template that identifies it, its LOINC code and default title.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionSpec {
    /// The CI-SIS name (`FR-Problemes-actifs`).
    pub name: &'static str,
    /// The templateIds written, in order.
    pub template_ids: &'static [Oid],
    /// The templateId that identifies the section when reading.
    pub key: Oid,
    /// LOINC code.
    pub code: &'static str,
    /// LOINC display name.
    pub display_name: &'static str,
    /// Default title.
    pub title: &'static str,
}

macro_rules! spec {
    ($(#[$doc:meta])* $id:ident, $name:literal, [$($t:literal),+], key $key:literal, $code:literal, $display:literal, $title:literal) => {
        $(#[$doc])*
        pub const $id: SectionSpec = SectionSpec {
            name: $name,
            template_ids: &[$(oid!($t)),+],
            key: oid!($key),
            code: $code,
            display_name: $display,
            title: $title,
        };
    };
}

spec!(
    /// FR-Pathologies-antecedents-allergies-facteurs-de-risque (VSM, required).
    PATHOLOGIES_HISTORY_ALLERGIES_RISKS,
    "FR-Pathologies-antecedents-allergies-facteurs-de-risque",
    ["1.2.250.1.213.1.1.2.29"],
    key "1.2.250.1.213.1.1.2.29",
    "46612-8",
    "Conclusions de synthèse",
    "Pathologies en cours, antécédents, allergies et facteurs de risque"
);
spec!(
    /// FR-Pathologies-antecedents-allergies (subsection of the above).
    PATHOLOGIES_HISTORY_ALLERGIES,
    "FR-Pathologies-antecedents-allergies",
    ["1.2.250.1.213.1.1.2.30"],
    key "1.2.250.1.213.1.1.2.30",
    "34117-2",
    "Historique et physique",
    "Pathologies en cours, antécédents et allergies"
);
spec!(
    /// FR-Problemes-actifs: pathologies in progress.
    ACTIVE_PROBLEMS,
    "FR-Problemes-actifs",
    ["2.16.840.1.113883.10.20.1.11", "1.3.6.1.4.1.19376.1.5.3.1.3.6", "1.2.250.1.213.1.1.2.132"],
    key "1.2.250.1.213.1.1.2.132",
    "11450-4",
    "Liste des problèmes actifs",
    "Pathologies en cours"
);
spec!(
    /// FR-Antecedents-medicaux: medical history.
    MEDICAL_HISTORY,
    "FR-Antecedents-medicaux",
    ["1.3.6.1.4.1.19376.1.5.3.1.3.8", "1.2.250.1.213.1.1.2.134"],
    key "1.2.250.1.213.1.1.2.134",
    "11348-0",
    "Antécédents médicaux",
    "Antécédents médicaux"
);
spec!(
    /// FR-Historique-des-actes: surgical history.
    SURGICAL_HISTORY,
    "FR-Historique-des-actes",
    [
        "2.16.840.1.113883.10.20.1.12",
        "1.3.6.1.4.1.19376.1.5.3.1.3.11",
        "1.3.6.1.4.1.19376.1.5.3.1.3.12",
        "1.2.250.1.213.1.1.2.136"
    ],
    key "1.2.250.1.213.1.1.2.136",
    "47519-4",
    "Historique des actes",
    "Antécédents chirurgicaux"
);
spec!(
    /// FR-Allergies-et-hypersensibilites.
    ALLERGIES,
    "FR-Allergies-et-hypersensibilites",
    ["2.16.840.1.113883.10.20.1.2", "1.3.6.1.4.1.19376.1.5.3.1.3.13", "1.2.250.1.213.1.1.2.137"],
    key "1.2.250.1.213.1.1.2.137",
    "48765-2",
    "Allergies et hypersensibilités",
    "Allergies et hypersensibilités"
);
spec!(
    /// FR-Facteurs-de-risques (subsection of the VSM's first section).
    RISK_FACTORS,
    "FR-Facteurs-de-risques",
    ["1.2.250.1.213.1.1.2.31"],
    key "1.2.250.1.213.1.1.2.31",
    "57207-3",
    "Facteurs de risque présents ou passés affectant l'état de santé et/ou une circonstance",
    "Facteurs de risque"
);
spec!(
    /// FR-Habitus-mode-de-vie: lifestyle.
    SOCIAL_HISTORY,
    "FR-Habitus-mode-de-vie",
    [
        "2.16.840.1.113883.10.20.1.15",
        "1.3.6.1.4.1.19376.1.5.3.1.3.16",
        "1.3.6.1.4.1.19376.1.5.3.1.3.16.1",
        "1.2.250.1.213.1.1.2.141"
    ],
    key "1.2.250.1.213.1.1.2.141",
    "29762-2",
    "Habitus, Mode de vie",
    "Mode de vie"
);
spec!(
    /// FR-Facteurs-de-risque-professionnels-non-code (free text).
    OCCUPATIONAL_RISKS,
    "FR-Facteurs-de-risque-professionnels-non-code",
    ["1.3.6.1.4.1.19376.1.5.3.1.1.5.3.1", "1.2.250.1.213.1.1.2.74"],
    key "1.2.250.1.213.1.1.2.74",
    "10161-8",
    "Facteurs de risques professionnels",
    "Facteurs de risques professionnels"
);
spec!(
    /// FR-Antecedents-familiaux.
    FAMILY_HISTORY,
    "FR-Antecedents-familiaux",
    [
        "2.16.840.1.113883.10.20.1.4",
        "1.3.6.1.4.1.19376.1.5.3.1.3.14",
        "1.3.6.1.4.1.19376.1.5.3.1.3.15",
        "1.2.250.1.213.1.1.2.139"
    ],
    key "1.2.250.1.213.1.1.2.139",
    "10157-6",
    "Historique des pathologies familiales",
    "Antécédents familiaux"
);
spec!(
    /// FR-Resultats-examens-non-code: results as free text (IHE Results).
    RESULTS_TEXT,
    "FR-Resultats-examens-non-code",
    ["1.3.6.1.4.1.19376.1.5.3.1.3.27", "1.2.250.1.213.1.1.2.150"],
    key "1.3.6.1.4.1.19376.1.5.3.1.3.27",
    "30954-2",
    "Résultats d'examens",
    "Résultats"
);
spec!(
    /// Results with coded observations: IHE Results + IHE Coded Results.
    /// (The CI-SIS templateId of a coded results section in the VSM is
    /// UNCONFIRMED: only the IHE parents are written.)
    RESULTS_CODED,
    "Coded Results (IHE PCC)",
    ["1.3.6.1.4.1.19376.1.5.3.1.3.27", "1.3.6.1.4.1.19376.1.5.3.1.3.28"],
    key "1.3.6.1.4.1.19376.1.5.3.1.3.27",
    "30954-2",
    "Résultats d'examens",
    "Résultats"
);
spec!(
    /// FR-Plan-de-traitement: long-term treatments (VSM, required).
    TREATMENT_PLAN,
    "FR-Plan-de-traitement",
    ["1.2.250.1.213.1.1.2.32"],
    key "1.2.250.1.213.1.1.2.32",
    "18776-5",
    "Plan de traitement",
    "Traitement au long cours"
);
spec!(
    /// FR-Traitements: treatments taken (subsection of the plan).
    TREATMENTS,
    "FR-Traitements",
    ["2.16.840.1.113883.10.20.1.8", "1.3.6.1.4.1.19376.1.5.3.1.3.19", "1.2.250.1.213.1.1.2.143"],
    key "1.2.250.1.213.1.1.2.143",
    "10160-0",
    "Traitements",
    "Traitements"
);
spec!(
    /// FR-Commentaire-non-code.
    COMMENT,
    "FR-Commentaire-non-code",
    ["2.16.840.1.113883.10.12.201", "1.3.6.1.4.1.19376.1.4.1.2.16", "1.2.250.1.213.1.1.2.73"],
    key "1.2.250.1.213.1.1.2.73",
    "55112-7",
    "Commentaire",
    "Commentaire"
);
spec!(
    /// FR-Document-PDF-copie: the PDF copy of the document.
    PDF_COPY,
    "FR-Document-PDF-copie",
    ["1.2.250.1.213.1.1.2.243"],
    key "1.2.250.1.213.1.1.2.243",
    "55108-5",
    "Copie du document",
    "Copie du document"
);
spec!(
    /// FR-Prescription-medicaments (eP-MED-DM).
    PRESCRIBED_MEDICATIONS,
    "FR-Prescription-medicaments",
    ["1.3.6.1.4.1.19376.1.9.1.2.1", "1.2.250.1.213.1.1.2.171"],
    key "1.2.250.1.213.1.1.2.171",
    "57828-6",
    "Prescriptions",
    "Prescription de médicaments"
);
spec!(
    /// FR-Prescription-dispositifs-medicaux (eP-MED-DM).
    PRESCRIBED_DEVICES,
    "FR-Prescription-dispositifs-medicaux",
    ["1.2.250.1.213.1.1.2.222"],
    key "1.2.250.1.213.1.1.2.222",
    "46264-8",
    "Dispositifs médicaux",
    "Prescription de dispositifs médicaux"
);
spec!(
    /// FR-Code-a-barres: the 2D code of a prescription.
    BARCODE,
    "FR-Code-a-barres",
    ["1.2.250.1.213.1.1.2.223"],
    key "1.2.250.1.213.1.1.2.223",
    "57723-9",
    "Numéro de code à barres unique",
    "Code 2D de la prescription"
);
spec!(
    /// FR-Signes-vitaux: vital signs and measurements.
    VITAL_SIGNS,
    "FR-Signes-vitaux",
    [
        "2.16.840.1.113883.10.20.1.16",
        "1.3.6.1.4.1.19376.1.5.3.1.3.25",
        "1.3.6.1.4.1.19376.1.5.3.1.1.5.3.2",
        "1.2.250.1.213.1.1.2.75"
    ],
    key "1.2.250.1.213.1.1.2.75",
    "8716-3",
    "Signes vitaux",
    "Signes vitaux"
);
spec!(
    /// FR-Historique-des-grossesses.
    PREGNANCY_HISTORY,
    "FR-Historique-des-grossesses",
    ["1.3.6.1.4.1.19376.1.5.3.1.1.5.3.4", "1.2.250.1.213.1.1.2.77"],
    key "1.2.250.1.213.1.1.2.77",
    "10162-6",
    "Historique des grossesses",
    "Historique des grossesses"
);
spec!(
    /// FR-Vaccinations.
    IMMUNIZATIONS,
    "FR-Vaccinations",
    ["2.16.840.1.113883.10.20.1.6", "1.3.6.1.4.1.19376.1.5.3.1.3.23", "1.2.250.1.213.1.1.2.147"],
    key "1.2.250.1.213.1.1.2.147",
    "11369-6",
    "Historique des vaccinations",
    "Vaccinations"
);

/// Every section spec of the crate.
pub const ALL: &[SectionSpec] = &[
    PATHOLOGIES_HISTORY_ALLERGIES_RISKS,
    PATHOLOGIES_HISTORY_ALLERGIES,
    ACTIVE_PROBLEMS,
    MEDICAL_HISTORY,
    SURGICAL_HISTORY,
    ALLERGIES,
    RISK_FACTORS,
    SOCIAL_HISTORY,
    OCCUPATIONAL_RISKS,
    FAMILY_HISTORY,
    RESULTS_TEXT,
    RESULTS_CODED,
    TREATMENT_PLAN,
    TREATMENTS,
    COMMENT,
    PDF_COPY,
    PRESCRIBED_MEDICATIONS,
    PRESCRIBED_DEVICES,
    BARCODE,
    VITAL_SIGNS,
    PREGNANCY_HISTORY,
    IMMUNIZATIONS,
];

impl SectionSpec {
    /// The section's `code`.
    pub fn code(&self) -> Code {
        Code::new(self.code, &code_system::LOINC, self.display_name).with_system_name("LOINC")
    }

    /// Whether a section is of this kind (it declares the key templateId).
    pub fn matches(&self, s: &Section) -> bool {
        s.template_ids.iter().any(|t| t.has_root(&self.key))
    }

    /// An empty section of this kind (templateIds, a new id, code, title).
    pub fn empty(&self, ctx: &RenderContext<'_>, title: Option<&str>) -> Section {
        Section {
            template_ids: self
                .template_ids
                .iter()
                .map(crate::datatypes::Ii::root_only)
                .collect(),
            id: Some(ctx.entry_ids.next_id()),
            code: Some(self.code()),
            title: Some(title.unwrap_or(self.title).to_owned()),
            ..Section::default()
        }
    }

    /// A section whose entries are `entries` and whose narrative is the
    /// table of their rows (or `empty_text` when there is none).
    pub fn with_entries<E: SectionEntry>(
        &self,
        entries: &[E],
        ctx: &mut RenderContext<'_>,
        empty_text: &str,
    ) -> Result<Section, N3Error> {
        let mut s = self.empty(ctx, None);
        let mut rows: Vec<Vec<Cell>> = Vec::new();
        for e in entries {
            let r = e.render(ctx)?;
            rows.extend(r.rows);
            s.entries.push(r.entry);
        }
        s.text = Some(if rows.is_empty() {
            NarrativeBuilder::new().paragraph(empty_text).build()
        } else {
            NarrativeBuilder::new().table(E::headers(), &rows).build()
        });
        Ok(s)
    }

    /// A section with a free-text narrative (one paragraph per line).
    pub fn with_text(&self, text: &str, ctx: &RenderContext<'_>) -> Section {
        let mut s = self.empty(ctx, None);
        let mut n = NarrativeBuilder::new();
        for p in text.split("\n\n") {
            n = n.paragraph(p.trim_matches('\n'));
        }
        s.text = Some(n.build());
        s
    }

    /// A section holding subsections (with `empty_text` as narrative when it
    /// has none).
    pub fn container(
        &self,
        subsections: Vec<Section>,
        ctx: &RenderContext<'_>,
        empty_text: &str,
    ) -> Section {
        let mut s = self.empty(ctx, None);
        if subsections.is_empty() {
            s.text = Some(NarrativeBuilder::new().paragraph(empty_text).build());
        }
        s.sections = subsections;
        s
    }

    /// Reads the entries of kind `E` of a section of this kind (other
    /// entries are ignored).
    pub fn read_entries<E: SectionEntry>(
        &self,
        s: &Section,
        namespaces: &[(String, String)],
    ) -> Result<Vec<E>, N3Error> {
        let index = NarrativeIndex::new(s.text.as_ref(), namespaces)?;
        let mut out = Vec::new();
        for e in &s.entries {
            let Some(x) = e.as_xml() else { continue };
            let el = xml::parse_element(x, namespaces)?;
            if E::matches(&el) {
                out.push(E::read(&el, &index).map_err(|err| match err {
                    N3Error::Read { what, path, reason } => N3Error::Read {
                        what,
                        path: format!("{}/{}", self.name, path),
                        reason,
                    },
                    other => other,
                })?);
            }
        }
        Ok(out)
    }

    /// The free text of a free-text section (see
    /// [`free_text`](super::narrative::free_text)).
    pub fn read_text(&self, s: &Section, namespaces: &[(String, String)]) -> String {
        s.text
            .as_ref()
            .map(|t| super::narrative::free_text(t, namespaces))
            .unwrap_or_default()
    }

    /// The first section of this kind among `sections` (not recursive).
    pub fn find<'a>(&self, sections: &'a [Section]) -> Option<&'a Section> {
        sections.iter().find(|s| self.matches(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::n3::codes::Terminology;

    #[test]
    fn section_codes_are_valid_loinc_and_keys_declared() {
        for s in ALL {
            assert!(Terminology::Loinc.check(s.code).is_ok(), "{}", s.name);
            assert!(s.template_ids.contains(&s.key), "{}", s.name);
        }
    }
}
