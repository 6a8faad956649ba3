//! The second and third health certificates (CSE-CS9 and CSE-CS24 2025.01):
//! family context, history (prematurity, domestic accidents), measurements,
//! psychomotor development, allergies (CS24), vaccinations, treatments,
//! orientations.

use segur_cda::Document;
use segur_cda::body::Section;
use segur_cda::builder::HeaderBuilder;
use segur_cda::clock::IdGenerator;
use segur_cda::datatypes::Ts;
use segur_cda::n3::codes::{Binding, CodedValue, Terminology};
use segur_cda::n3::entry::{RenderContext, write_entry};
use segur_cda::n3::sections;
use segur_cda::n3::types::{Decimal, Quantity, Ucum};
use segur_cda::n3::value_sets::jdv;
use segur_cda::n3::xml::Element;
use time::Date;

use crate::common::*;
use crate::error::{Error, Result, invalid};
use crate::volet::{self, ChildVolet};
use crate::xml::{self, Collect, Eff, Fixed, Obs, Val};

pub(crate) static TYPE_GARDE: Binding = Binding::ValueSet(&jdv::TYPE_GARDE);
pub(crate) static ECRANS: Binding = Binding::ValueSet(&jdv::ENFANT_EXPOSE_AUX_ECRANS_CS24);
static VACCIN_CSE9: Binding = Binding::ValueSet(&jdv::VACCIN_CSE9);
static VACCIN_CSE24: Binding = Binding::ValueSet(&jdv::VACCIN_CSE24);

/// `MED-183` Prématurité inf. à 33 semaines (JDV_AntecedentsCSE9/24).
const PREMATURITY: &str = "MED-183";
/// `MED-186` Accident domestique avant le 9ème mois (CS9).
const ACCIDENT_BEFORE_9M: &str = "MED-186";
/// `MED-185` Accident domestique depuis le 9ème mois (CS24).
const ACCIDENT_SINCE_9M: &str = "MED-185";
const WALKING: Fixed = Fixed::new("MED-200", xml::TA_ASIP, "Marche acquise");
const WALKING_AGE: Fixed = Fixed::new("MED-201", xml::TA_ASIP, "Âge de la marche acquise");

/// The family context of the child (FR-Habitus-mode-de-vie of CS9 / CS24).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FamilyContext {
    /// The parents (the mother's birth date is required).
    pub parents: Vec<Parent>,
    /// Number of children living at home (`85722-7`).
    pub children_at_home: Option<u32>,
    /// "Faites-vous actuellement garder votre enfant ?" (`PAT-058`, required).
    pub childcare: bool,
    /// Type of childcare (`PAT-048`, JDV_TypeGarde_CISIS).
    pub childcare_type: Option<CodedValue>,
    /// Exclusive breastfeeding, in weeks from birth (`PAT-059`).
    pub exclusive_breastfeeding_weeks: Option<u32>,
    /// Mixed feeding, in weeks from birth (`PAT-060`).
    pub mixed_feeding_weeks: Option<u32>,
    /// Risk of lead poisoning (`MED-181`).
    pub lead_poisoning_risk: Option<bool>,
    /// Family risk factors of tuberculosis (`MED-183` qualifier).
    pub tuberculosis_risk: Option<bool>,
}

impl FamilyContext {
    fn mother(&self) -> Option<&Parent> {
        self.parents.iter().find(|p| p.role == ParentRole::Mother)
    }

    fn check(&self, doc: &'static str) -> Result<()> {
        for p in &self.parents {
            p.check(doc)?;
        }
        if self.mother().is_none_or(|m| m.birth_date.is_none()) {
            return Err(Error::Missing {
                document: doc,
                what: "the mother's birth date",
            });
        }
        check_opt(&TYPE_GARDE, self.childcare_type.as_ref(), "childcare type")?;
        Ok(())
    }

    /// Writes the items; `extra` adds the volet's own items.
    fn section(
        &self,
        ctx: &mut RenderContext<'_>,
        extra: impl FnOnce(&mut Collect<'_, '_>),
    ) -> Section {
        let mut c = Collect::new(ctx);
        let mut mother_written = false;
        for p in &self.parents {
            let w = parent_items(&mut c, p, false);
            if p.role == ParentRole::Mother {
                mother_written = w;
            }
        }
        if let Some(n) = self.children_at_home {
            habitus(&mut c, q::CHILDREN_AT_HOME, Val::Int(n.into()), None);
        }
        // The mother (and her birth date) rides on the childcare item when
        // no parent-specific item carries her.
        let carrier = if mother_written { None } else { self.mother() };
        habitus(&mut c, q::CHILDCARE, Val::Bl(self.childcare), carrier);
        if let Some(t) = &self.childcare_type {
            habitus(&mut c, q::CHILDCARE_TYPE, Val::Cd(xml::code_of(t)), None);
        }
        if let Some(w) = self.exclusive_breastfeeding_weeks {
            habitus(&mut c, q::EXCLUSIVE_BREASTFEEDING, Val::Pq(weeks(w)), None);
        }
        if let Some(w) = self.mixed_feeding_weeks {
            habitus(&mut c, q::MIXED_FEEDING, Val::Pq(weeks(w)), None);
        }
        if let Some(b) = self.lead_poisoning_risk {
            habitus(&mut c, q::LEAD_RISK, Val::Bl(b), None);
        }
        if let Some(b) = self.tuberculosis_risk {
            habitus(&mut c, q::TUBERCULOSIS, Val::Bl(b), None);
        }
        extra(&mut c);
        c.finish(&SOCIAL_HISTORY, "")
    }

    fn read(entries: &[Element], doc: &'static str) -> Result<Self> {
        let b = |q: &str| -> Result<Option<bool>> {
            find_qualified(entries, q)
                .map(|e| xml::read_bool(doc, e))
                .transpose()
        };
        let wk = |q: &str| -> Result<Option<u32>> {
            find_qualified(entries, q)
                .map(|e| xml::read_pq_value(doc, e).map(|p| p.value.to_f64().round() as u32))
                .transpose()
        };
        Ok(Self {
            parents: read_parents(entries)?,
            children_at_home: find_qualified(entries, q::CHILDREN_AT_HOME.code)
                .map(|e| xml::read_int(doc, e))
                .transpose()?
                .map(|n| u32::try_from(n).unwrap_or(0)),
            childcare: b(q::CHILDCARE.code)?.ok_or(Error::Missing {
                document: doc,
                what: "the childcare item (PAT-058)",
            })?,
            childcare_type: xml::read_cd(
                &TYPE_GARDE,
                find_qualified(entries, q::CHILDCARE_TYPE.code).and_then(|e| e.child("value")),
                "childcare type",
            )?,
            exclusive_breastfeeding_weeks: wk(q::EXCLUSIVE_BREASTFEEDING.code)?,
            mixed_feeding_weeks: wk(q::MIXED_FEEDING.code)?,
            lead_poisoning_risk: b(q::LEAD_RISK.code)?,
            tuberculosis_risk: match b(q::TUBERCULOSIS.code)? {
                Some(v) => Some(v),
                None => b(q::TUBERCULOSIS_ALT)?,
            },
        })
    }
}

fn weeks(w: u32) -> Quantity {
    Quantity {
        value: Decimal::from(w),
        unit: Ucum::parse("wk").unwrap_or_else(|_| unreachable_unit()),
    }
}

// `wk` is a valid UCUM unit: the parse cannot fail.
fn unreachable_unit() -> Ucum {
    Ucum::parse("1").unwrap_or_else(|_| unreachable_unit())
}

/// A child's allergy as CS24 records it (allergy concern + observation).
#[derive(Debug, Clone, PartialEq)]
pub struct ChildAllergy {
    /// Kind of allergy (SNOMED CT, e.g. `414285001` allergie alimentaire).
    pub kind: CodedValue,
    /// What the allergy is, as text.
    pub label: String,
    /// Since when.
    pub since: Option<Date>,
}

static ALLERGY_KIND: Binding = Binding::OneOf(&[
    Binding::Terminology(Terminology::SnomedCt),
    Binding::ValueSet(&segur_cda::n3::value_sets::OBSERVATION_INTOLERANCE_TYPE),
]);

const ALLERGY_CONCERN: &[&str] = &[
    "2.16.840.1.113883.10.20.1.27",
    "1.3.6.1.4.1.19376.1.5.3.1.4.5.1",
    "1.3.6.1.4.1.19376.1.5.3.1.4.5.3",
    "1.2.250.1.213.1.1.3.40",
];
const ALLERGY_OBS: &[&str] = &[
    "2.16.840.1.113883.10.20.1.18",
    "2.16.840.1.113883.10.20.1.28",
    "1.3.6.1.4.1.19376.1.5.3.1.4.5",
    "1.3.6.1.4.1.19376.1.5.3.1.4.6",
    "1.2.250.1.213.1.1.3.41",
];
const ALLERGIES: xml::Spec = xml::Spec {
    key: "1.3.6.1.4.1.19376.1.5.3.1.3.13",
    templates: &[
        "2.16.840.1.113883.10.20.1.2",
        "1.3.6.1.4.1.19376.1.5.3.1.3.13",
        "1.2.250.1.213.1.1.2.137",
    ],
    code: Fixed::new("48765-2", xml::LOINC, "Allergies et hypersensibilités"),
    title: "Allergies et hypersensibilités",
};

fn allergies_section(a: &[ChildAllergy], ctx: &mut RenderContext<'_>) -> Result<Section> {
    let mut c = Collect::new(ctx);
    for x in a {
        ALLERGY_KIND.check(&x.kind, "allergy kind")?;
        segur_cda::n3::entry::non_blank(&x.label, "allergy")?;
        let r = c.row("allergie", &x.label, x.kind.label());
        let (cid, oid) = (c.id(), c.id());
        let since = x.since.map(Ts::from_date);
        c.entries.push(write_entry(Some("DRIV"), |w| {
            w.element(
                "act",
                &[("classCode", Some("ACT")), ("moodCode", Some("EVN"))],
                |w| {
                    xml::templates(w, ALLERGY_CONCERN)?;
                    w.ii("id", &cid)?;
                    w.empty("code", &[("nullFlavor", Some("NA"))])?;
                    w.empty("statusCode", &[("code", Some("active"))])?;
                    w.element("effectiveTime", &[], |w| match &since {
                        Some(t) => w.ts("low", t),
                        None => w.empty("low", &[("nullFlavor", Some("UNK"))]),
                    })?;
                    w.element(
                        "entryRelationship",
                        &[("typeCode", Some("SUBJ")), ("inversionInd", Some("false"))],
                        |w| {
                            let mut o = Obs::new(ALLERGY_OBS, xml::code_of(&x.kind));
                            o.id = Some(oid.clone());
                            o.text_ref = Some(r.clone());
                            o.effective = match &since {
                                Some(t) => Eff::Value(t.clone()),
                                None => Eff::LowUnk,
                            };
                            o.value = Some(Val::CdNull("NA"));
                            xml::write_obs(w, &o)
                        },
                    )
                },
            )
        }));
    }
    Ok(c.finish(&ALLERGIES, "Aucune allergie connue"))
}

fn read_allergies(s: &Section, ns: &[(String, String)]) -> Result<Vec<ChildAllergy>> {
    let idx = xml::narrative(s, ns)?;
    let mut out = Vec::new();
    for act in xml::entries_of(s, ns)? {
        for o in act
            .children_named("entryRelationship")
            .flat_map(|r| r.elements())
            .filter(|o| o.has_template(ALLERGY_OBS[3]))
        {
            let Some(code) = o.child("code") else {
                continue;
            };
            let kind = xml::validate(&ALLERGY_KIND, &code.code(), "allergy kind")?;
            let since = o
                .child("effectiveTime")
                .and_then(|t| t.child("low").map(Element::ts).or_else(|| Some(t.ts())))
                .and_then(|t| t.date());
            out.push(ChildAllergy {
                label: xml::read_label(o, &idx).unwrap_or_else(|| kind.label().to_owned()),
                kind,
                since,
            });
        }
    }
    Ok(out)
}

fn history_section(
    ctx: &mut RenderContext<'_>,
    prematurity: Option<(&CodedValue, bool)>,
    accidents: (&CodedValue, &DomesticAccidents),
) -> Section {
    let mut c = Collect::new(ctx);
    let mut items = Vec::new();
    if let Some((v, present)) = prematurity {
        items.push(ProblemItem {
            value: v,
            present,
            causes: &[],
        });
    }
    items.push(ProblemItem {
        value: accidents.0,
        present: accidents.1.occurred,
        causes: &accidents.1.causes,
    });
    problems_entry(&mut c, &items);
    c.finish(&MEDICAL_HISTORY, "")
}

fn psychomotor_section(
    ctx: &mut RenderContext<'_>,
    exam: &Ts,
    neuro: &CodedValue,
    walking: Option<bool>,
    walking_age_months: Option<u32>,
) -> Result<Section> {
    REPERAGE.check(neuro, "MED-1274 neurodevelopment screening")?;
    let mut c = Collect::new(ctx);
    simple(
        &mut c,
        NEURODEVELOPMENT,
        Val::Cd(xml::code_of(neuro)),
        Eff::Value(exam.clone()),
        None,
        Some("DRIV"),
    );
    if let Some(b) = walking {
        simple(
            &mut c,
            WALKING,
            Val::Bl(b),
            Eff::Value(exam.clone()),
            None,
            Some("DRIV"),
        );
    }
    if let Some(m) = walking_age_months {
        let q = Quantity::new(&m.to_string(), "mo")?;
        simple(
            &mut c,
            WALKING_AGE,
            Val::Pq(q),
            Eff::Value(exam.clone()),
            None,
            Some("DRIV"),
        );
    }
    Ok(c.finish(&PSYCHOMOTOR, ""))
}

struct Psycho {
    neuro: CodedValue,
    walking: Option<bool>,
    walking_age_months: Option<u32>,
}

fn read_psychomotor(s: &Section, ns: &[(String, String)], doc: &'static str) -> Result<Psycho> {
    let entries = xml::entries_of(s, ns)?;
    let neuro = xml::read_cd(
        &REPERAGE,
        find_code(&entries, NEURODEVELOPMENT.code).and_then(|e| e.child("value")),
        "MED-1274",
    )?
    .ok_or(Error::Missing {
        document: doc,
        what: "the neurodevelopment screening (MED-1274)",
    })?;
    Ok(Psycho {
        neuro,
        walking: find_code(&entries, WALKING.code)
            .map(|e| xml::read_bool(doc, e))
            .transpose()?,
        walking_age_months: find_code(&entries, WALKING_AGE.code)
            .map(|e| xml::read_pq_value(doc, e).map(|q| q.value.to_f64().round() as u32))
            .transpose()?,
    })
}

fn find_section<'s>(
    sections: &'s [Section],
    spec: &xml::Spec,
    doc: &'static str,
    what: &'static str,
) -> Result<&'s Section> {
    spec.find(sections).ok_or(Error::Missing {
        document: doc,
        what,
    })
}

fn exam_ts(header: &HeaderBuilder) -> Ts {
    volet::exam_time(header.header())
        .or_else(|| header.header().effective_time.clone())
        .unwrap_or_default()
}

/// Day precision of an exam time (the psychomotor observations' date).
fn day(t: &Ts) -> Ts {
    t.date().map(Ts::from_date).unwrap_or_else(|| t.clone())
}

/// The second health certificate (9th month), CSE-CS9 2025.01.
#[derive(Debug, Clone, PartialEq)]
pub struct Cs9Certificate {
    /// Family context.
    pub family: FamilyContext,
    /// Prematurity under 33 weeks (`MED-183`), optional in CS9.
    pub prematurity_under_33_weeks: Option<bool>,
    /// Domestic accidents before the 9th month (`MED-186`, required).
    pub domestic_accidents: DomesticAccidents,
    /// Weight, height, head circumference at the examination.
    pub measurements: Measurements,
    /// Neurodevelopment screening (`MED-1274`,
    /// JDV_ReperageTroubleNeurodeveloppement_CISIS, required).
    pub neurodevelopment: CodedValue,
    /// Vaccinations (JDV_VaccinCSE9_CISIS for primo-vaccinations).
    pub vaccinations: Vec<CertificateVaccination>,
    /// Treatments given.
    pub treatments: Vec<AdministeredTreatment>,
    /// Orientations (care plan).
    pub orientations: Vec<Orientation>,
}

/// The third health certificate (24th month), CSE-CS24 2025.01.
#[derive(Debug, Clone, PartialEq)]
pub struct Cs24Certificate {
    /// Family context.
    pub family: FamilyContext,
    /// Exposure to screens without interaction (`MED-1275`,
    /// JDV_EnfantExposeAuxEcrans_CS24_CISIS, required).
    pub screen_exposure: CodedValue,
    /// Prematurity under 33 weeks (`MED-183`, required in CS24).
    pub prematurity_under_33_weeks: bool,
    /// Domestic accidents since the 9th month (`MED-185`, required).
    pub domestic_accidents: DomesticAccidents,
    /// Weight, height, head circumference, BMI at the examination.
    pub measurements: Measurements,
    /// Neurodevelopment screening (`MED-1274`, required).
    pub neurodevelopment: CodedValue,
    /// Walking acquired (`MED-200`).
    pub walking_acquired: Option<bool>,
    /// Age of walking, in months (`MED-201`).
    pub walking_age_months: Option<u32>,
    /// Allergies.
    pub allergies: Vec<ChildAllergy>,
    /// Vaccinations (JDV_VaccinCSE24_CISIS for primo-vaccinations).
    pub vaccinations: Vec<CertificateVaccination>,
    /// Treatments given.
    pub treatments: Vec<AdministeredTreatment>,
    /// Orientations (care plan).
    pub orientations: Vec<Orientation>,
}

impl Cs9Certificate {
    /// Checks the items against their value sets and the volet's rules.
    pub fn check(&self) -> Result<()> {
        const D: &str = "CS9";
        self.family.check(D)?;
        check_accidents(D, &self.domestic_accidents)?;
        self.measurements.check(D)?;
        REPERAGE.check(&self.neurodevelopment, "MED-1274")?;
        Ok(())
    }

    /// Writes the N3 certificate (the header's service event date is the
    /// examination date).
    pub fn build(&self, header: HeaderBuilder, ids: &dyn IdGenerator) -> Result<Document> {
        self.check()?;
        let exam = exam_ts(&header);
        let mut ctx = RenderContext::new(
            ids,
            header.header().effective_time.clone().unwrap_or_default(),
        );
        let prem = jdv::ANTECEDENTS_CSE9.code(PREMATURITY)?;
        let acc = jdv::ANTECEDENTS_CSE9.code(ACCIDENT_BEFORE_9M)?;
        let sections = vec![
            self.family.section(&mut ctx, |_| {}),
            history_section(
                &mut ctx,
                self.prematurity_under_33_weeks.map(|p| (&prem, p)),
                (&acc, &self.domestic_accidents),
            ),
            vital_signs_section(std::slice::from_ref(&self.measurements), &mut ctx)?,
            psychomotor_section(&mut ctx, &day(&exam), &self.neurodevelopment, None, None)?,
            vaccinations_section(&self.vaccinations, &VACCIN_CSE9, &mut ctx)?,
            treatments_section(&self.treatments, &mut ctx)?,
            care_plan_section(&self.orientations, &mut ctx)?,
        ];
        volet::finish(ChildVolet::Cs9, header, None, sections)
    }

    /// Reads a CS9 document into the model.
    pub fn from_document(doc: &Document) -> Result<Self> {
        const D: &str = "CS9";
        let body = volet::body_of(doc, ChildVolet::Cs9)?;
        let ns = &doc.namespaces;
        let s = &body.sections;
        let social = xml::entries_of(
            find_section(s, &SOCIAL_HISTORY, D, "FR-Habitus-mode-de-vie")?,
            ns,
        )?;
        let history = read_problems(&xml::entries_of(
            find_section(s, &MEDICAL_HISTORY, D, "FR-Antecedents-medicaux")?,
            ns,
        )?);
        let vitals = sections::VITAL_SIGNS.find(s).ok_or(Error::Missing {
            document: D,
            what: "FR-Signes-vitaux",
        })?;
        let psycho = read_psychomotor(
            find_section(s, &PSYCHOMOTOR, D, "FR-Developpement-psychomoteur")?,
            ns,
            D,
        )?;
        Ok(Self {
            family: FamilyContext::read(&social, D)?,
            prematurity_under_33_weeks: history
                .iter()
                .find(|p| p.value.code.as_deref() == Some(PREMATURITY))
                .map(|p| p.present),
            domestic_accidents: read_accidents(&history, ACCIDENT_BEFORE_9M)?.ok_or(
                Error::Missing {
                    document: D,
                    what: "domestic accidents (MED-186)",
                },
            )?,
            measurements: read_vital_signs(vitals, ns)?.into_iter().next().ok_or(
                Error::Missing {
                    document: D,
                    what: "the measurements",
                },
            )?,
            neurodevelopment: psycho.neuro,
            vaccinations: read_vaccinations(
                find_section(s, &IMMUNIZATIONS, D, "FR-Vaccinations")?,
                ns,
                &VACCIN_CSE9,
            )?,
            treatments: match TREATMENTS.find(s) {
                Some(t) => read_treatments(t, ns)?,
                None => Vec::new(),
            },
            orientations: match CARE_PLAN.find(s) {
                Some(t) => read_care_plan(t, ns)?,
                None => Vec::new(),
            },
        })
    }
}

impl Cs24Certificate {
    /// Checks the items against their value sets and the volet's rules.
    pub fn check(&self) -> Result<()> {
        const D: &str = "CS24";
        self.family.check(D)?;
        ECRANS.check(&self.screen_exposure, "MED-1275 screen exposure")?;
        check_accidents(D, &self.domestic_accidents)?;
        self.measurements.check(D)?;
        REPERAGE.check(&self.neurodevelopment, "MED-1274")?;
        if self.walking_acquired == Some(false) && self.walking_age_months.is_some() {
            return Err(invalid(
                D,
                "walking",
                "an age of walking is given but walking is not acquired",
            ));
        }
        if self.walking_age_months.is_some_and(|m| m > 36) {
            return Err(invalid(
                D,
                "walking age",
                "more than 36 months at the 24th-month examination",
            ));
        }
        Ok(())
    }

    /// Writes the N3 certificate.
    pub fn build(&self, header: HeaderBuilder, ids: &dyn IdGenerator) -> Result<Document> {
        self.check()?;
        let exam = exam_ts(&header);
        let mut ctx = RenderContext::new(
            ids,
            header.header().effective_time.clone().unwrap_or_default(),
        );
        let prem = jdv::ANTECEDENTS_CSE24.code(PREMATURITY)?;
        let acc = jdv::ANTECEDENTS_CSE24.code(ACCIDENT_SINCE_9M)?;
        let screens = xml::code_of(&self.screen_exposure);
        let mut sections = vec![
            self.family
                .section(&mut ctx, |c| habitus(c, q::SCREENS, Val::Cd(screens), None)),
            history_section(
                &mut ctx,
                Some((&prem, self.prematurity_under_33_weeks)),
                (&acc, &self.domestic_accidents),
            ),
            vital_signs_section(std::slice::from_ref(&self.measurements), &mut ctx)?,
            psychomotor_section(
                &mut ctx,
                &day(&exam),
                &self.neurodevelopment,
                self.walking_acquired,
                self.walking_age_months,
            )?,
        ];
        if !self.allergies.is_empty() {
            sections.push(allergies_section(&self.allergies, &mut ctx)?);
        }
        sections.push(vaccinations_section(
            &self.vaccinations,
            &VACCIN_CSE24,
            &mut ctx,
        )?);
        if !self.treatments.is_empty() {
            sections.push(treatments_section(&self.treatments, &mut ctx)?);
        }
        sections.push(care_plan_section(&self.orientations, &mut ctx)?);
        volet::finish(ChildVolet::Cs24, header, None, sections)
    }

    /// Reads a CS24 document into the model.
    pub fn from_document(doc: &Document) -> Result<Self> {
        const D: &str = "CS24";
        let body = volet::body_of(doc, ChildVolet::Cs24)?;
        let ns = &doc.namespaces;
        let s = &body.sections;
        let social = xml::entries_of(
            find_section(s, &SOCIAL_HISTORY, D, "FR-Habitus-mode-de-vie")?,
            ns,
        )?;
        let history = read_problems(&xml::entries_of(
            find_section(s, &MEDICAL_HISTORY, D, "FR-Antecedents-medicaux")?,
            ns,
        )?);
        let vitals = sections::VITAL_SIGNS.find(s).ok_or(Error::Missing {
            document: D,
            what: "FR-Signes-vitaux",
        })?;
        let psycho = read_psychomotor(
            find_section(s, &PSYCHOMOTOR, D, "FR-Developpement-psychomoteur")?,
            ns,
            D,
        )?;
        Ok(Self {
            family: FamilyContext::read(&social, D)?,
            screen_exposure: xml::read_cd(
                &ECRANS,
                find_qualified(&social, q::SCREENS.code).and_then(|e| e.child("value")),
                "MED-1275",
            )?
            .ok_or(Error::Missing {
                document: D,
                what: "screen exposure (MED-1275)",
            })?,
            prematurity_under_33_weeks: history
                .iter()
                .find(|p| p.value.code.as_deref() == Some(PREMATURITY))
                .map(|p| p.present)
                .ok_or(Error::Missing {
                    document: D,
                    what: "prematurity (MED-183)",
                })?,
            domestic_accidents: read_accidents(&history, ACCIDENT_SINCE_9M)?.ok_or(
                Error::Missing {
                    document: D,
                    what: "domestic accidents (MED-185)",
                },
            )?,
            measurements: read_vital_signs(vitals, ns)?.into_iter().next().ok_or(
                Error::Missing {
                    document: D,
                    what: "the measurements",
                },
            )?,
            neurodevelopment: psycho.neuro,
            walking_acquired: psycho.walking,
            walking_age_months: psycho.walking_age_months,
            allergies: match ALLERGIES.find(s) {
                Some(a) => read_allergies(a, ns)?,
                None => Vec::new(),
            },
            vaccinations: read_vaccinations(
                find_section(s, &IMMUNIZATIONS, D, "FR-Vaccinations")?,
                ns,
                &VACCIN_CSE24,
            )?,
            treatments: match TREATMENTS.find(s) {
                Some(t) => read_treatments(t, ns)?,
                None => Vec::new(),
            },
            orientations: match CARE_PLAN.find(s) {
                Some(t) => read_care_plan(t, ns)?,
                None => Vec::new(),
            },
        })
    }
}
