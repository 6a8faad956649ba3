//! Observations: lifestyle (social history), results, vital signs and
//! measurements (UCUM units), pregnancy status, family history.

use crate::datatypes::{Ii, IvlTs, Ts};
use crate::error::N3Error;
use crate::n3::codes::{Binding, CodedValue, Terminology};
use crate::n3::entry::*;
use crate::n3::narrative::{Cell, NarrativeIds, NarrativeIndex};
use crate::n3::templates::{self as tpl, codes};
use crate::n3::types::{Quantity, QuantityRange, check_period, check_ts, fr_date, fr_period};
use crate::n3::value_sets::{self, jdv};
use crate::n3::xml::Element;
use crate::vocab::Gender;
use crate::write::CdaWriter;

/// Binding of FR-Habitus-Mode-de-vie `code` (JDV_SocialHistoryCodes_CISIS).
pub static SOCIAL_HISTORY_CODE: Binding = Binding::ValueSet(&jdv::SOCIAL_HISTORY_CODES);
/// Binding of result and vital-sign codes: LOINC.
pub static LOINC: Binding = Binding::Terminology(Terminology::Loinc);
/// Binding of result interpretations (JDV_HL7_ObservationInterpretation_CISIS).
pub static INTERPRETATION: Binding = Binding::ValueSet(&jdv::HL7_OBSERVATION_INTERPRETATION);
/// Binding of the pregnancy status (JDV_StatutGrossesse_CISIS).
pub static PREGNANCY_STATUS: Binding = Binding::ValueSet(&jdv::STATUT_GROSSESSE);
/// Binding of a family member (HL7 RoleCode subset).
pub static FAMILY_MEMBER: Binding = Binding::ValueSet(&value_sets::FAMILY_MEMBER);
/// Binding of coded observation values: the clinical terminologies.
pub static CODED_VALUE: Binding = Binding::OneOf(&[
    Binding::Terminology(Terminology::SnomedCt),
    Binding::Terminology(Terminology::Cim10),
    Binding::Terminology(Terminology::Loinc),
    Binding::Terminology(Terminology::Atc),
    Binding::Terminology(Terminology::Cis),
    Binding::ValueSet(&jdv::TRAITE_NON_TRAITE),
]);

/// The value of an observation.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ObservationValue {
    /// A physical quantity (`PQ`).
    Quantity(Quantity),
    /// A coded value (`CD`).
    Coded(CodedValue),
    /// Free text (`ST`).
    Text(String),
    /// An integer (`INT`).
    Integer(i64),
    /// A boolean (`BL`).
    Boolean(bool),
    /// A range of quantities (`IVL_PQ`).
    Range(QuantityRange),
}

impl ObservationValue {
    /// The French display.
    pub fn to_fr(&self) -> String {
        match self {
            Self::Quantity(q) => q.to_fr(),
            Self::Coded(c) => c.label().to_owned(),
            Self::Text(t) => t.clone(),
            Self::Integer(i) => i.to_string(),
            Self::Boolean(true) => "Oui".into(),
            Self::Boolean(false) => "Non".into(),
            Self::Range(r) => r.to_fr(),
        }
    }

    pub(crate) fn write(&self, w: &mut CdaWriter, reference: Option<&str>) -> std::io::Result<()> {
        match self {
            Self::Quantity(q) => pq(w, "value", q, Some("PQ")),
            Self::Coded(c) => cd(w, "value", c, Some("CD"), reference),
            Self::Text(t) => w.text_element("value", &[("xsi:type", Some("ST"))], t),
            Self::Integer(i) => w.empty(
                "value",
                &[("xsi:type", Some("INT")), ("value", Some(&i.to_string()))],
            ),
            Self::Boolean(b) => w.empty(
                "value",
                &[
                    ("xsi:type", Some("BL")),
                    ("value", Some(if *b { "true" } else { "false" })),
                ],
            ),
            Self::Range(r) => w.element("value", &[("xsi:type", Some("IVL_PQ"))], |w| {
                pq(w, "low", &r.low, None)?;
                pq(w, "high", &r.high, None)
            }),
        }
    }

    pub(crate) fn read(
        el: &Element,
        binding: &Binding,
        narrative: &NarrativeIndex,
        context: &str,
    ) -> Result<Option<Self>, N3Error> {
        let t = el.xsi_type().unwrap_or("");
        Ok(Some(match t {
            "PQ" => Self::Quantity(read_pq(el)?),
            "CD" | "CE" | "CV" | "CO" => {
                if el.attr("code").is_some() {
                    Self::Coded(read_code(binding, el, context)?)
                } else {
                    match narrative.resolve(Some(el)) {
                        Some(text) => Self::Text(text),
                        None => return Ok(None),
                    }
                }
            }
            "ST" | "ED" => Self::Text(el.text()),
            "INT" => Self::Integer(
                el.attr("value")
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| read_err("INT value", el, "not an integer"))?,
            ),
            "BL" => Self::Boolean(
                read_bool(Some(el)).ok_or_else(|| read_err("BL value", el, "not a boolean"))?,
            ),
            "IVL_PQ" => match read_ivl_pq(Some(el))? {
                Some(r) => Self::Range(r),
                None => return Ok(None),
            },
            _ => return Ok(None),
        }))
    }

    fn check(&self, binding: &Binding, context: &str) -> Result<(), N3Error> {
        if let Self::Coded(c) = self {
            check(binding, c, context)?;
        }
        Ok(())
    }
}

fn cells_for_value(
    ids: &mut NarrativeIds,
    prefix: &str,
    v: &ObservationValue,
) -> (Cell, Option<String>) {
    match v {
        ObservationValue::Coded(c) => {
            let (cell, r) = Cell::referenced(ids, prefix, c.label());
            (cell, Some(r))
        }
        other => (Cell::text(other.to_fr()), None),
    }
}

fn observation(
    w: &mut CdaWriter,
    inner: impl FnOnce(&mut CdaWriter) -> std::io::Result<()>,
) -> std::io::Result<()> {
    w.element(
        "observation",
        &[("classCode", Some("OBS")), ("moodCode", Some("EVN"))],
        inner,
    )
}

fn effective_time(w: &mut CdaWriter, t: Option<&IvlTs>) -> std::io::Result<()> {
    match t {
        Some(p) if p.low.is_none() && p.high.is_none() => match &p.value {
            Some(v) => w.ts("effectiveTime", v),
            None => w.empty("effectiveTime", &[("nullFlavor", Some("NA"))]),
        },
        Some(p) => ivl(w, "effectiveTime", p, None),
        None => w.empty("effectiveTime", &[("nullFlavor", Some("NA"))]),
    }
}

/// A lifestyle observation (tobacco, alcohol, drugs, physical exercise,
/// diet, exposure): FR-Habitus-Mode-de-vie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocialHistory {
    /// The id.
    pub id: Option<Ii>,
    /// What is observed (JDV_SocialHistoryCodes_CISIS, e.g. `74011-8`
    /// Consommation tabagique).
    pub code: CodedValue,
    /// The value (e.g. `25 {pack}/a`, a SNOMED CT substance, free text).
    pub value: ObservationValue,
    /// When it applies.
    pub period: Option<IvlTs>,
}

impl SocialHistory {
    /// An observation of `code` (a JDV_SocialHistoryCodes_CISIS code).
    pub fn new(code: &str, value: ObservationValue) -> Result<Self, N3Error> {
        Ok(Self {
            id: None,
            code: jdv::SOCIAL_HISTORY_CODES.code(code)?,
            value,
            period: None,
        })
    }
}

impl SectionEntry for SocialHistory {
    const NAME: &'static str = "FR-Habitus-Mode-de-vie";

    fn headers() -> &'static [&'static str] {
        &["Type", "Observation", "Période"]
    }

    fn matches(entry: &Element) -> bool {
        entry
            .child("observation")
            .is_some_and(|o| o.has_template(tpl::SOCIAL_HISTORY[3].as_str()))
    }

    fn render(&self, ctx: &mut RenderContext<'_>) -> Result<Rendered, N3Error> {
        check(
            &SOCIAL_HISTORY_CODE,
            &self.code,
            "FR-Habitus-Mode-de-vie/code",
        )?;
        self.value
            .check(&CODED_VALUE, "FR-Habitus-Mode-de-vie/value")?;
        if let Some(p) = &self.period {
            check_period(p, "social history period")?;
        }
        let (type_cell, r) = Cell::referenced(&mut ctx.ids, "habitus", self.code.label());
        let (value_cell, value_ref) = cells_for_value(&mut ctx.ids, "habitus-valeur", &self.value);
        let oid = ctx.id(&self.id);
        let entry = write_entry(None, |w| {
            observation(w, |w| {
                templates(w, &tpl::SOCIAL_HISTORY)?;
                id(w, &oid)?;
                cd(w, "code", &self.code, None, None)?;
                text_ref(w, &r)?;
                status(w, "completed")?;
                effective_time(w, self.period.as_ref())?;
                self.value.write(w, value_ref.as_deref())
            })
        });
        Ok(Rendered::row(
            vec![
                type_cell,
                value_cell,
                Cell::text(self.period.as_ref().map(fr_period).unwrap_or_default()),
            ],
            entry,
        ))
    }

    fn read(entry: &Element, narrative: &NarrativeIndex) -> Result<Self, N3Error> {
        let o = need(Self::NAME, entry, "observation")?;
        let code = read_code(
            &SOCIAL_HISTORY_CODE,
            need(Self::NAME, o, "code")?,
            "FR-Habitus-Mode-de-vie/code",
        )?;
        let value = match o.child("value") {
            Some(v) => {
                ObservationValue::read(v, &CODED_VALUE, narrative, "FR-Habitus-Mode-de-vie/value")?
            }
            None => None,
        }
        .or_else(|| read_text(o.child("text"), narrative).map(ObservationValue::Text))
        .ok_or_else(|| read_err(Self::NAME, o, "no value"))?;
        Ok(Self {
            id: read_id(o),
            code,
            value,
            period: read_ivl(o.child("effectiveTime")),
        })
    }
}

/// A result (laboratory or other examination) as a coded observation:
/// FR-Simple-observation with a LOINC code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultObservation {
    /// The id.
    pub id: Option<Ii>,
    /// What was measured (LOINC).
    pub code: CodedValue,
    /// The result.
    pub value: ObservationValue,
    /// Interpretation (JDV_HL7_ObservationInterpretation_CISIS: `N`, `H`, `L`…).
    pub interpretation: Option<CodedValue>,
    /// Normal range.
    pub reference_range: Option<QuantityRange>,
    /// When.
    pub time: Option<Ts>,
}

impl ResultObservation {
    /// A result of LOINC `code` measured at `time`.
    pub fn new(code: CodedValue, value: ObservationValue, time: Ts) -> Self {
        Self {
            id: None,
            code,
            value,
            interpretation: None,
            reference_range: None,
            time: Some(time),
        }
    }
}

impl SectionEntry for ResultObservation {
    const NAME: &'static str = "FR-Simple-observation (résultat)";

    fn headers() -> &'static [&'static str] {
        &[
            "Date",
            "Examen",
            "Résultat",
            "Valeurs de référence",
            "Interprétation",
        ]
    }

    fn matches(entry: &Element) -> bool {
        entry.child("observation").is_some_and(|o| {
            o.has_template(tpl::SIMPLE_OBSERVATION[1].as_str())
                && !o
                    .template_roots()
                    .any(|r| r.starts_with("1.2.250.1.213.1.1.3.48."))
        })
    }

    fn render(&self, ctx: &mut RenderContext<'_>) -> Result<Rendered, N3Error> {
        check(&LOINC, &self.code, "result code")?;
        self.value.check(&CODED_VALUE, "result value")?;
        if let Some(i) = &self.interpretation {
            check(&INTERPRETATION, i, "result interpretation")?;
        }
        if let Some(t) = &self.time {
            check_ts(t, "result time")?;
        }
        let (code_cell, r) = Cell::referenced(&mut ctx.ids, "resultat", self.code.label());
        let (value_cell, value_ref) = cells_for_value(&mut ctx.ids, "resultat-valeur", &self.value);
        let oid = ctx.id(&self.id);
        let entry = write_entry(None, |w| {
            observation(w, |w| {
                templates(w, &tpl::SIMPLE_OBSERVATION)?;
                id(w, &oid)?;
                cd(w, "code", &self.code, None, None)?;
                text_ref(w, &r)?;
                status(w, "completed")?;
                match &self.time {
                    Some(t) => w.ts("effectiveTime", t)?,
                    None => w.empty("effectiveTime", &[("nullFlavor", Some("UNK"))])?,
                }
                self.value.write(w, value_ref.as_deref())?;
                if let Some(i) = &self.interpretation {
                    cd(w, "interpretationCode", i, None, None)?;
                }
                if let Some(rr) = &self.reference_range {
                    w.element("referenceRange", &[], |w| {
                        w.element("observationRange", &[], |w| {
                            w.element("value", &[("xsi:type", Some("IVL_PQ"))], |w| {
                                pq(w, "low", &rr.low, None)?;
                                pq(w, "high", &rr.high, None)
                            })
                        })
                    })?;
                }
                Ok(())
            })
        });
        Ok(Rendered::row(
            vec![
                Cell::text(self.time.as_ref().map(fr_date).unwrap_or_default()),
                code_cell,
                value_cell,
                Cell::text(
                    self.reference_range
                        .as_ref()
                        .map(QuantityRange::to_fr)
                        .unwrap_or_default(),
                ),
                Cell::text(
                    self.interpretation
                        .as_ref()
                        .map(|i| i.label().to_owned())
                        .unwrap_or_default(),
                ),
            ],
            entry,
        ))
    }

    fn read(entry: &Element, narrative: &NarrativeIndex) -> Result<Self, N3Error> {
        let o = need(Self::NAME, entry, "observation")?;
        let code = read_code(&LOINC, need(Self::NAME, o, "code")?, "result code")?;
        let value = match o.child("value") {
            Some(v) => ObservationValue::read(v, &CODED_VALUE, narrative, "result value")?,
            None => None,
        }
        .ok_or_else(|| read_err(Self::NAME, o, "no value"))?;
        let reference_range =
            read_ivl_pq(o.path(&["referenceRange", "observationRange", "value"]))?;
        Ok(Self {
            id: read_id(o),
            code,
            value,
            interpretation: read_code_opt(
                &INTERPRETATION,
                o.child("interpretationCode"),
                "result interpretation",
            )?,
            reference_range,
            time: o
                .child("effectiveTime")
                .map(Element::ts)
                .filter(|t| t.value.is_some()),
        })
    }
}

/// One vital sign or measurement (FR-Signe-vital-observe): LOINC code and a
/// quantity with its UCUM unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VitalSign {
    /// The id.
    pub id: Option<Ii>,
    /// What was measured (LOINC).
    pub code: CodedValue,
    /// The measure.
    pub value: Quantity,
    /// Interpretation, optional.
    pub interpretation: Option<CodedValue>,
}

/// Common vital signs: LOINC code, label and the usual UCUM unit.
pub const COMMON_VITAL_SIGNS: &[(&str, &str, &str)] = &[
    ("29463-7", "Poids", "kg"),
    ("8302-2", "Taille", "cm"),
    ("39156-5", "Indice de masse corporelle", "kg/m2"),
    ("8287-5", "Périmètre crânien", "cm"),
    ("8480-6", "Pression artérielle systolique", "mm[Hg]"),
    ("8462-4", "Pression artérielle diastolique", "mm[Hg]"),
    ("8867-4", "Fréquence cardiaque", "/min"),
    ("9279-1", "Fréquence respiratoire", "/min"),
    ("8310-5", "Température corporelle", "Cel"),
    ("59408-5", "Saturation en oxygène (oxymétrie de pouls)", "%"),
    ("8280-0", "Tour de taille", "cm"),
];

impl VitalSign {
    /// A measure of LOINC `code` (any LOINC code, checked) with a UCUM unit.
    pub fn new(code: &str, label: &str, value: &str, unit: &str) -> Result<Self, N3Error> {
        Ok(Self {
            id: None,
            code: Terminology::Loinc.code(code, label)?,
            value: Quantity::new(value, unit)?,
            interpretation: None,
        })
    }

    /// One of [`COMMON_VITAL_SIGNS`] with its usual unit (`29463-7`, `72.5`).
    pub fn common(code: &str, value: &str) -> Result<Self, N3Error> {
        let (c, label, unit) = COMMON_VITAL_SIGNS
            .iter()
            .find(|(c, _, _)| *c == code)
            .ok_or_else(|| N3Error::UnknownCode {
                value_set: "COMMON_VITAL_SIGNS".into(),
                oid: Terminology::Loinc.oid().as_str().into(),
                code: code.into(),
                code_system: Terminology::Loinc.oid().as_str().into(),
                context: "VitalSign::common".into(),
            })?;
        Self::new(c, label, value, unit)
    }

    /// Weight in kg.
    pub fn weight_kg(value: &str) -> Result<Self, N3Error> {
        Self::common("29463-7", value)
    }

    /// Height in cm.
    pub fn height_cm(value: &str) -> Result<Self, N3Error> {
        Self::common("8302-2", value)
    }
}

/// Vital signs measured at one time (FR-Signes-vitaux organizer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VitalSigns {
    /// The organizer's id.
    pub id: Option<Ii>,
    /// When they were measured.
    pub time: Ts,
    /// The measures.
    pub signs: Vec<VitalSign>,
}

impl SectionEntry for VitalSigns {
    const NAME: &'static str = "FR-Signes-vitaux";

    fn headers() -> &'static [&'static str] {
        &["Date", "Signe vital", "Valeur"]
    }

    fn matches(entry: &Element) -> bool {
        entry
            .child("organizer")
            .is_some_and(|o| o.has_template(tpl::VITAL_SIGNS_ORGANIZER[3].as_str()))
    }

    fn render(&self, ctx: &mut RenderContext<'_>) -> Result<Rendered, N3Error> {
        check_ts(&self.time, "vital signs time")?;
        if self.signs.is_empty() {
            return Err(N3Error::Missing {
                what: "vital sign",
                context: Self::NAME.into(),
            });
        }
        let mut rows = Vec::new();
        let mut refs = Vec::new();
        for s in &self.signs {
            check(&LOINC, &s.code, "vital sign code")?;
            if let Some(i) = &s.interpretation {
                check(&INTERPRETATION, i, "vital sign interpretation")?;
            }
            let (value_cell, r) = Cell::referenced(&mut ctx.ids, "signe-vital", &s.value.to_fr());
            rows.push(vec![
                Cell::text(fr_date(&self.time)),
                Cell::text(s.code.label()),
                value_cell,
            ]);
            refs.push((ctx.id(&s.id), r));
        }
        let org_id = ctx.id(&self.id);
        let entry = write_entry(None, |w| {
            w.element(
                "organizer",
                &[("classCode", Some("CLUSTER")), ("moodCode", Some("EVN"))],
                |w| {
                    templates(w, &tpl::VITAL_SIGNS_ORGANIZER)?;
                    id(w, &org_id)?;
                    cd(w, "code", &codes::vital_signs_panel(), None, None)?;
                    status(w, "completed")?;
                    w.ts("effectiveTime", &self.time)?;
                    for (s, (sid, r)) in self.signs.iter().zip(&refs) {
                        w.element("component", &[("typeCode", Some("COMP"))], |w| {
                            observation(w, |w| {
                                templates(w, &tpl::VITAL_SIGN)?;
                                id(w, sid)?;
                                cd(w, "code", &s.code, None, None)?;
                                text_ref(w, r)?;
                                status(w, "completed")?;
                                w.ts("effectiveTime", &self.time)?;
                                pq(w, "value", &s.value, Some("PQ"))?;
                                if let Some(i) = &s.interpretation {
                                    cd(w, "interpretationCode", i, None, None)?;
                                }
                                Ok(())
                            })
                        })?;
                    }
                    Ok(())
                },
            )
        });
        Ok(Rendered { rows, entry })
    }

    fn read(entry: &Element, narrative: &NarrativeIndex) -> Result<Self, N3Error> {
        let _ = narrative;
        let org = need(Self::NAME, entry, "organizer")?;
        let time = org
            .child("effectiveTime")
            .map(|e| e.child("low").map(Element::ts).unwrap_or_else(|| e.ts()))
            .unwrap_or_default();
        let mut signs = Vec::new();
        for o in related(org, "component", tpl::VITAL_SIGN[3].as_str()) {
            let value = o
                .child("value")
                .ok_or_else(|| read_err("FR-Signe-vital-observe", o, "no value"))?;
            signs.push(VitalSign {
                id: read_id(o),
                code: read_code(
                    &LOINC,
                    need("FR-Signe-vital-observe", o, "code")?,
                    "vital sign code",
                )?,
                value: read_pq(value)?,
                interpretation: read_code_opt(
                    &INTERPRETATION,
                    o.child("interpretationCode"),
                    "vital sign interpretation",
                )?,
            });
        }
        let time = if time.value.is_some() {
            time
        } else {
            related(org, "component", tpl::VITAL_SIGN[3].as_str())
                .find_map(|o| o.child("effectiveTime").map(Element::ts))
                .unwrap_or_default()
        };
        Ok(Self {
            id: read_id(org),
            time,
            signs,
        })
    }
}

/// Pregnancy status (FR-Observation-sur-la-grossesse).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PregnancyObservation {
    /// The id.
    pub id: Option<Ii>,
    /// Status (JDV_StatutGrossesse_CISIS: `77386006` enceinte…).
    pub status: CodedValue,
    /// When observed.
    pub date: Option<Ts>,
}

impl PregnancyObservation {
    /// A status from JDV_StatutGrossesse_CISIS.
    pub fn new(status_code: &str, date: Option<Ts>) -> Result<Self, N3Error> {
        Ok(Self {
            id: None,
            status: jdv::STATUT_GROSSESSE.code(status_code)?,
            date,
        })
    }
}

impl SectionEntry for PregnancyObservation {
    const NAME: &'static str = "FR-Observation-sur-la-grossesse";

    fn headers() -> &'static [&'static str] {
        &["Date", "Statut"]
    }

    fn matches(entry: &Element) -> bool {
        entry
            .child("observation")
            .is_some_and(|o| o.has_template(tpl::PREGNANCY_OBSERVATION[2].as_str()))
    }

    fn render(&self, ctx: &mut RenderContext<'_>) -> Result<Rendered, N3Error> {
        check(&PREGNANCY_STATUS, &self.status, "pregnancy status")?;
        let (cell, r) = Cell::referenced(&mut ctx.ids, "grossesse", self.status.label());
        let oid = ctx.id(&self.id);
        let date = self.date.clone().unwrap_or_else(|| ctx.now.clone());
        let entry = write_entry(None, |w| {
            observation(w, |w| {
                templates(w, &tpl::PREGNANCY_OBSERVATION)?;
                id(w, &oid)?;
                cd(w, "code", &codes::pregnancy_status(), None, None)?;
                text_ref(w, &r)?;
                status(w, "completed")?;
                w.ts("effectiveTime", &date)?;
                cd(w, "value", &self.status, Some("CE"), None)
            })
        });
        Ok(Rendered::row(vec![Cell::text(fr_date(&date)), cell], entry))
    }

    fn read(entry: &Element, _narrative: &NarrativeIndex) -> Result<Self, N3Error> {
        let o = need(Self::NAME, entry, "observation")?;
        Ok(Self {
            id: read_id(o),
            status: read_code(
                &PREGNANCY_STATUS,
                need(Self::NAME, o, "value")?,
                "pregnancy status",
            )?,
            date: o
                .child("effectiveTime")
                .map(Element::ts)
                .filter(|t| t.value.is_some()),
        })
    }
}

/// A problem of a relative (FR-Antecedent-familial-observe).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FamilyProblem {
    /// The id.
    pub id: Option<Ii>,
    /// The text shown.
    pub label: String,
    /// Coded problem (CIM-10 / SNOMED CT).
    pub value: Option<CodedValue>,
    /// Onset, when known.
    pub onset: Option<Ts>,
}

/// The history of one relative (FR-Antecedents-familiaux organizer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FamilyHistory {
    /// The relative (HL7 RoleCode: `MTH`, `FTH`…).
    pub relative: CodedValue,
    /// The relative's sex, when known.
    pub gender: Option<Gender>,
    /// Their problems.
    pub problems: Vec<FamilyProblem>,
}

impl FamilyHistory {
    /// A relative (`MTH`, `FTH`, `SIS`…) with problems.
    pub fn new(relative: &str, problems: Vec<FamilyProblem>) -> Result<Self, N3Error> {
        Ok(Self {
            relative: value_sets::FAMILY_MEMBER.code(relative)?,
            gender: None,
            problems,
        })
    }
}

impl SectionEntry for FamilyHistory {
    const NAME: &'static str = "FR-Antecedents-familiaux";

    fn headers() -> &'static [&'static str] {
        &["Lien de parenté", "Antécédent", "Code", "Date"]
    }

    fn matches(entry: &Element) -> bool {
        entry
            .child("organizer")
            .is_some_and(|o| o.has_template(tpl::FAMILY_HISTORY_ORGANIZER[2].as_str()))
    }

    fn render(&self, ctx: &mut RenderContext<'_>) -> Result<Rendered, N3Error> {
        check(&FAMILY_MEMBER, &self.relative, "family member")?;
        if self.problems.is_empty() {
            return Err(N3Error::Missing {
                what: "problem of the relative",
                context: Self::NAME.into(),
            });
        }
        let (rel_cell, rel_ref) = Cell::referenced(&mut ctx.ids, "famille", self.relative.label());
        let mut rows = Vec::new();
        let mut parts = Vec::new();
        for (i, p) in self.problems.iter().enumerate() {
            non_blank(&p.label, "family problem label")?;
            if let Some(v) = &p.value {
                check(&super::problems::PROBLEM_VALUE, v, "family problem value")?;
            }
            if let Some(o) = &p.onset {
                check_ts(o, "family problem onset")?;
            }
            let (cell, r) = Cell::referenced(&mut ctx.ids, "famille-antecedent", &p.label);
            rows.push(vec![
                if i == 0 {
                    rel_cell.clone()
                } else {
                    Cell::text(self.relative.label())
                },
                cell,
                Cell::text(
                    p.value
                        .as_ref()
                        .map(|v| v.code().to_owned())
                        .unwrap_or_default(),
                ),
                Cell::text(p.onset.as_ref().map(fr_date).unwrap_or_default()),
            ]);
            parts.push((ctx.id(&p.id), r));
        }
        let kind = value_sets::PROBLEM_CODES.code("282291009")?;
        let entry = write_entry(None, |w| {
            w.element(
                "organizer",
                &[("classCode", Some("CLUSTER")), ("moodCode", Some("EVN"))],
                |w| {
                    templates(w, &tpl::FAMILY_HISTORY_ORGANIZER)?;
                    status(w, "completed")?;
                    w.element("subject", &[("typeCode", Some("SBJ"))], |w| {
                        templates(w, &tpl::FAMILY_SUBJECT)?;
                        w.element("relatedSubject", &[("classCode", Some("PRS"))], |w| {
                            cd(w, "code", &self.relative, None, Some(&rel_ref))?;
                            if let Some(g) = self.gender {
                                w.element("subject", &[], |w| {
                                    w.code("administrativeGenderCode", &g.to_code())
                                })?;
                            }
                            Ok(())
                        })
                    })?;
                    for (p, (pid, r)) in self.problems.iter().zip(&parts) {
                        w.element("component", &[("typeCode", Some("COMP"))], |w| {
                            observation(w, |w| {
                                templates(w, &tpl::FAMILY_HISTORY_OBSERVATION)?;
                                id(w, pid)?;
                                cd(w, "code", &kind, None, None)?;
                                text_ref(w, r)?;
                                status(w, "completed")?;
                                match &p.onset {
                                    Some(o) => w.ts("effectiveTime", o)?,
                                    None => {
                                        w.empty("effectiveTime", &[("nullFlavor", Some("UNK"))])?
                                    }
                                }
                                cd_or_text(w, "value", p.value.as_ref(), Some("CD"), "NI", Some(r))
                            })
                        })?;
                    }
                    Ok(())
                },
            )
        });
        Ok(Rendered { rows, entry })
    }

    fn read(entry: &Element, narrative: &NarrativeIndex) -> Result<Self, N3Error> {
        let org = need(Self::NAME, entry, "organizer")?;
        let rel = org
            .path(&["subject", "relatedSubject"])
            .ok_or_else(|| read_err(Self::NAME, org, "no subject/relatedSubject"))?;
        let relative = read_code(
            &FAMILY_MEMBER,
            need(Self::NAME, rel, "code")?,
            "family member",
        )?;
        let gender = rel
            .path(&["subject", "administrativeGenderCode"])
            .and_then(|g| g.attr("code"))
            .and_then(Gender::from_code);
        let mut problems = Vec::new();
        for o in related(
            org,
            "component",
            tpl::FAMILY_HISTORY_OBSERVATION[3].as_str(),
        ) {
            let value_el = o.child("value");
            let value = read_code_opt(
                &super::problems::PROBLEM_VALUE,
                value_el,
                "family problem value",
            )?;
            problems.push(FamilyProblem {
                id: read_id(o),
                label: read_text(o.child("text"), narrative)
                    .or_else(|| narrative.resolve(value_el))
                    .or_else(|| value.as_ref().map(|v| v.label().to_owned()))
                    .unwrap_or_else(|| "-".into()),
                value,
                onset: o
                    .child("effectiveTime")
                    .map(Element::ts)
                    .filter(|t| t.value.is_some()),
            });
        }
        Ok(Self {
            relative,
            gender,
            problems,
        })
    }
}
