//! Building blocks shared by the child-health documents: the parents, the
//! measurements (UCUM units), the vaccinations, the orientations of the
//! care plan, the treatments given, the domestic accidents.

use segur_cda::body::Section;
use segur_cda::datatypes::{Addr, Code, PersonName, Telecom, Ts};
use segur_cda::n3::codes::{Binding, CodedValue, Terminology};
use segur_cda::n3::entries::{VitalSign, VitalSigns};
use segur_cda::n3::entry::{RenderContext, write_entry};
use segur_cda::n3::narrative::Cell;
use segur_cda::n3::sections;
use segur_cda::n3::types::{Quantity, fr_date};
use segur_cda::n3::value_sets::jdv;
use segur_cda::n3::xml::Element;
use segur_cda::write::CdaWriter;
use time::Date;

use crate::error::{Error, Result, invalid};
use crate::xml::{self, Collect, Eff, Fixed, Obs, Related, Spec, Val};

/// Mother or father (HL7 RoleCode `MTH` / `FTH`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum ParentRole {
    /// `MTH` — Mère.
    Mother,
    /// `FTH` — Père.
    Father,
}

impl ParentRole {
    pub(crate) fn fixed(self) -> Fixed {
        match self {
            Self::Mother => Fixed::new("MTH", xml::ROLE_CODE, "Mère"),
            Self::Father => Fixed::new("FTH", xml::ROLE_CODE, "Père"),
        }
    }

    /// The RoleCode.
    pub fn code(self) -> &'static str {
        self.fixed().code
    }

    /// The role of a RoleCode (`MTH`, `FTH`).
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "MTH" => Some(Self::Mother),
            "FTH" => Some(Self::Father),
            _ => None,
        }
    }
}

/// A parent as the certificates describe them.
#[derive(Debug, Clone, PartialEq)]
pub struct Parent {
    /// Mother or father.
    pub role: ParentRole,
    /// Name.
    pub name: Option<PersonName>,
    /// Birth date (the mother's is required by CS9 and CS24).
    pub birth_date: Option<Date>,
    /// Address (structured parts).
    pub addr: Option<Addr>,
    /// Phone.
    pub telecom: Option<Telecom>,
    /// Education level (JDV_NiveauEtude_CISIS, CS8).
    pub education: Option<CodedValue>,
    /// Profession (JDV_Profession_CISIS, INSEE PCS).
    pub profession: Option<CodedValue>,
    /// Professional activity (JDV_Activite_CISIS).
    pub activity: Option<CodedValue>,
}

impl Parent {
    /// A parent with only a role.
    pub fn new(role: ParentRole) -> Self {
        Self {
            role,
            name: None,
            birth_date: None,
            addr: None,
            telecom: None,
            education: None,
            profession: None,
            activity: None,
        }
    }

    pub(crate) fn related(&self) -> Related<'_> {
        Related {
            role: self.role.fixed(),
            addr: self.addr.as_ref(),
            telecom: self.telecom.as_ref(),
            name: self.name.as_ref(),
            birth_date: self.birth_date,
        }
    }

    pub(crate) fn check(&self, doc: &'static str) -> Result<()> {
        check_opt(&NIVEAU_ETUDE, self.education.as_ref(), "parent education")?;
        check_opt(&PROFESSION, self.profession.as_ref(), "parent profession")?;
        check_opt(&ACTIVITE, self.activity.as_ref(), "parent activity")?;
        if let Some(a) = &self.addr
            && a.part("streetAddressLine").is_some()
        {
            return Err(invalid(
                doc,
                "parent address",
                "only structured address parts are allowed",
            ));
        }
        Ok(())
    }
}

pub(crate) static NIVEAU_ETUDE: Binding = Binding::ValueSet(&jdv::NIVEAU_ETUDE);
pub(crate) static PROFESSION: Binding = Binding::ValueSet(&jdv::PROFESSION);
pub(crate) static ACTIVITE: Binding = Binding::ValueSet(&jdv::ACTIVITE);
pub(crate) static RENCONTRE: Binding = Binding::ValueSet(&jdv::RENCONTRE_CS9_CS24);
pub(crate) static CAUSE_ACCIDENT: Binding = Binding::ValueSet(&jdv::CAUSE_ACCIDENT_DOM);
pub(crate) static ATC_ANY: Binding = Binding::Terminology(Terminology::Atc);
pub(crate) static EDQM: Binding = Binding::Terminology(Terminology::Edqm);

pub(crate) fn check_opt(b: &Binding, v: Option<&CodedValue>, context: &str) -> Result<()> {
    if let Some(v) = v {
        b.check(v, context)?;
    }
    Ok(())
}

// ------------------------------------------------------------ habitus items

/// Templates of a coded social-history observation (FR-Habitus-mode-de-vie entry).
pub(crate) const SOCIAL_OBS: &[&str] = &[
    "2.16.840.1.113883.10.20.1.33",
    "1.3.6.1.4.1.19376.1.5.3.1.4.13",
    "1.3.6.1.4.1.19376.1.5.3.1.4.13.4",
    "1.2.250.1.213.1.1.3.52",
];

/// `11345-6` Autre élément social: the code of qualified habitus items.
pub(crate) const OTHER_SOCIAL: Fixed = Fixed::new("11345-6", xml::LOINC, "Autre élément social");

/// Habitus qualifiers (`code 11345-6 / qualifier value`).
pub(crate) mod q {
    use crate::xml::{Fixed, LOINC, TA_ASIP};
    pub const EDUCATION: Fixed = Fixed::new("82589-3", LOINC, "Niveau d'études");
    pub const PROFESSION: Fixed = Fixed::new("ORG-099", TA_ASIP, "Profession");
    pub const ACTIVITY: Fixed = Fixed::new("ORG-075", TA_ASIP, "Activité professionnelle");
    pub const OTHER_ADDICTION: Fixed = Fixed::new("GEN-092.01.04", TA_ASIP, "Autre addiction");
    pub const CHILDREN_AT_HOME: Fixed =
        Fixed::new("85722-7", LOINC, "Nombre d'enfants vivant au foyer");
    pub const FEEDING: Fixed = Fixed::new("67704-7", LOINC, "Type d'alimentation");
    /// The CS8 schematron requires MED-183; the CS24 example writes MED-283
    /// (UNCONFIRMED which is right: we write MED-183 and read both).
    pub const TUBERCULOSIS: Fixed = Fixed::new(
        "MED-183",
        TA_ASIP,
        "Facteurs de risque familiaux de tuberculose",
    );
    pub const TUBERCULOSIS_ALT: &str = "MED-283";
    pub const CHILDCARE: Fixed = Fixed::new(
        "PAT-058",
        TA_ASIP,
        "Faites-vous actuellement garder votre enfant ?",
    );
    pub const CHILDCARE_TYPE: Fixed = Fixed::new("PAT-048", TA_ASIP, "Type de garde de l'enfant");
    pub const EXCLUSIVE_BREASTFEEDING: Fixed = Fixed::new(
        "PAT-059",
        TA_ASIP,
        "Durée de l'alimentation au lait maternel exclusif (à partir de la naissance)",
    );
    pub const MIXED_FEEDING: Fixed = Fixed::new(
        "PAT-060",
        TA_ASIP,
        "Durée de l'alimentation mixte (à partir de la naissance)",
    );
    pub const LEAD_RISK: Fixed = Fixed::new("MED-181", TA_ASIP, "Risque de saturnisme");
    pub const SCREENS: Fixed = Fixed::new("MED-1275", TA_ASIP, "Exposition aux écrans");
}

/// Adds a qualified habitus observation (`11345-6` + qualifier).
pub(crate) fn habitus(
    c: &mut Collect<'_, '_>,
    qualifier: Fixed,
    value: Val,
    subject: Option<&Parent>,
) {
    let mut o = Obs::new(SOCIAL_OBS, OTHER_SOCIAL.to_code());
    o.qualifier = Some(qualifier.to_code());
    o.value = Some(value);
    o.subject = subject.map(Parent::related);
    let label = match subject {
        Some(p) => format!("{} ({})", qualifier.display, p.role.fixed().display),
        None => qualifier.display.to_owned(),
    };
    c.obs("habitus", &label, o, None);
}

/// Adds a directly coded habitus observation (`74013-4`…).
pub(crate) fn habitus_direct(
    c: &mut Collect<'_, '_>,
    code: Fixed,
    value: Val,
    subject: Option<&Parent>,
) {
    let mut o = Obs::new(SOCIAL_OBS, code.to_code());
    o.value = Some(value);
    o.subject = subject.map(Parent::related);
    c.obs("habitus", code.display, o, None);
}

/// The parent-specific habitus items (education, profession, activity);
/// returns whether the parent was written at least once.
pub(crate) fn parent_items(c: &mut Collect<'_, '_>, p: &Parent, with_education: bool) -> bool {
    let mut written = false;
    if with_education && let Some(e) = &p.education {
        habitus(c, q::EDUCATION, Val::Cd(xml::code_of(e)), Some(p));
        written = true;
    }
    if let Some(v) = &p.profession {
        habitus(c, q::PROFESSION, Val::Cd(xml::code_of(v)), Some(p));
        written = true;
    }
    if let Some(v) = &p.activity {
        habitus(c, q::ACTIVITY, Val::Cd(xml::code_of(v)), Some(p));
        written = true;
    }
    written
}

/// Parents read back from every `subject/relatedSubject` of a section.
pub(crate) fn read_parents(entries: &[Element]) -> Result<Vec<Parent>> {
    let mut parents: Vec<Parent> = Vec::new();
    for e in entries {
        let Some(r) = xml::read_related(e) else {
            continue;
        };
        let Some(role) = ParentRole::from_code(&r.role) else {
            continue;
        };
        let idx = match parents.iter().position(|p| p.role == role) {
            Some(i) => i,
            None => {
                parents.push(Parent::new(role));
                parents.len() - 1
            }
        };
        let p = &mut parents[idx];
        p.name = p.name.take().or(r.name);
        p.birth_date = p.birth_date.or(r.birth_date);
        p.addr = p.addr.take().or(r.addr);
        p.telecom = p.telecom.take().or(r.telecom);
        let value = e.child("value");
        match xml::qualifier_attr(e) {
            Some(c) if c == q::EDUCATION.code => {
                p.education = xml::read_cd(&NIVEAU_ETUDE, value, "parent education")?
            }
            Some(c) if c == q::PROFESSION.code => {
                p.profession = xml::read_cd(&PROFESSION, value, "parent profession")?
            }
            Some(c) if c == q::ACTIVITY.code => {
                p.activity = xml::read_cd(&ACTIVITE, value, "parent activity")?
            }
            _ => {}
        }
    }
    Ok(parents)
}

/// The habitus observation with this qualifier.
pub(crate) fn find_qualified<'e>(entries: &'e [Element], qualifier: &str) -> Option<&'e Element> {
    entries.iter().find(|e| {
        xml::code_attr(e) == Some(OTHER_SOCIAL.code) && xml::qualifier_attr(e) == Some(qualifier)
    })
}

/// The observation with this code.
pub(crate) fn find_code<'e>(entries: &'e [Element], code: &str) -> Option<&'e Element> {
    entries.iter().find(|e| xml::code_attr(e) == Some(code))
}

/// The FR-Habitus-mode-de-vie section.
pub(crate) const SOCIAL_HISTORY: Spec = Spec {
    key: "1.3.6.1.4.1.19376.1.5.3.1.3.16.1",
    templates: &[
        "2.16.840.1.113883.10.20.1.15",
        "1.3.6.1.4.1.19376.1.5.3.1.3.16",
        "1.3.6.1.4.1.19376.1.5.3.1.3.16.1",
        "1.2.250.1.213.1.1.2.141",
    ],
    code: Fixed::new("29762-2", xml::LOINC, "Habitus, Mode de vie"),
    title: "Mode de vie",
};

// ------------------------------------------------------------- measurements

/// The measurements of a child at one date, with UCUM units: weight (`g`
/// or `kg`), height and head circumference (`cm`), BMI (`kg/m2`).
#[derive(Debug, Clone, PartialEq)]
pub struct Measurements {
    /// The date of the measures.
    pub date: Date,
    /// Weight (`29463-7`), in `g` or `kg`.
    pub weight: Option<Quantity>,
    /// Height / length (`8302-2`), in `cm`.
    pub height: Option<Quantity>,
    /// Head circumference (`8287-5`), in `cm`.
    pub head_circumference: Option<Quantity>,
    /// Body mass index (`39156-5`), in `kg/m2`.
    pub bmi: Option<Quantity>,
}

/// LOINC codes of the measures.
pub mod measure_code {
    /// Weight.
    pub const WEIGHT: &str = "29463-7";
    /// Height.
    pub const HEIGHT: &str = "8302-2";
    /// Head circumference.
    pub const HEAD_CIRCUMFERENCE: &str = "8287-5";
    /// BMI.
    pub const BMI: &str = "39156-5";
}

impl Measurements {
    /// Measurements at `date` (none yet).
    pub fn on(date: Date) -> Self {
        Self {
            date,
            weight: None,
            height: None,
            head_circumference: None,
            bmi: None,
        }
    }

    /// Sets the weight in grams.
    pub fn weight_g(mut self, v: &str) -> Result<Self> {
        self.weight = Some(Quantity::new(v, "g")?);
        Ok(self)
    }

    /// Sets the weight in kilograms.
    pub fn weight_kg(mut self, v: &str) -> Result<Self> {
        self.weight = Some(Quantity::new(v, "kg")?);
        Ok(self)
    }

    /// Sets the height in centimetres.
    pub fn height_cm(mut self, v: &str) -> Result<Self> {
        self.height = Some(Quantity::new(v, "cm")?);
        Ok(self)
    }

    /// Sets the head circumference in centimetres.
    pub fn head_cm(mut self, v: &str) -> Result<Self> {
        self.head_circumference = Some(Quantity::new(v, "cm")?);
        Ok(self)
    }

    /// Sets the BMI in kg/m2.
    pub fn bmi(mut self, v: &str) -> Result<Self> {
        self.bmi = Some(Quantity::new(v, "kg/m2")?);
        Ok(self)
    }

    /// The BMI computed from the weight and height, rounded to 0.1 (`None`
    /// when one is missing).
    pub fn computed_bmi(&self) -> Option<f64> {
        let w = self.weight_kg_value()?;
        let h = self.height_cm_value()? / 100.0;
        (h > 0.0).then(|| ((w / (h * h)) * 10.0).round() / 10.0)
    }

    /// The weight in kg.
    pub fn weight_kg_value(&self) -> Option<f64> {
        let w = self.weight.as_ref()?;
        Some(match w.unit.as_str() {
            "g" => w.value.to_f64() / 1000.0,
            _ => w.value.to_f64(),
        })
    }

    /// The height in cm.
    pub fn height_cm_value(&self) -> Option<f64> {
        self.height.as_ref().map(|q| q.value.to_f64())
    }

    /// Checks units and plausible ranges.
    pub fn check(&self, doc: &'static str) -> Result<()> {
        let unit =
            |q: &Option<Quantity>, field: &'static str, allowed: &[&str], max: f64| -> Result<()> {
                if let Some(q) = q {
                    if !allowed.contains(&q.unit.as_str()) {
                        return Err(invalid(
                            doc,
                            field,
                            format!(
                                "unit {} not allowed (expected {})",
                                q.unit,
                                allowed.join(" or ")
                            ),
                        ));
                    }
                    let v = q.value.to_f64();
                    if v <= 0.0 || v > max {
                        return Err(invalid(
                            doc,
                            field,
                            format!("{} {} is not a plausible value", q.value, q.unit),
                        ));
                    }
                }
                Ok(())
            };
        unit(&self.weight, "weight", &["g", "kg"], 200_000.0)?;
        if let Some(kg) = self.weight_kg_value()
            && kg > 200.0
        {
            return Err(invalid(doc, "weight", "more than 200 kg"));
        }
        unit(&self.height, "height", &["cm"], 250.0)?;
        unit(
            &self.head_circumference,
            "head circumference",
            &["cm"],
            80.0,
        )?;
        unit(&self.bmi, "BMI", &["kg/m2"], 100.0)?;
        if self.weight.is_none()
            && self.height.is_none()
            && self.head_circumference.is_none()
            && self.bmi.is_none()
        {
            return Err(Error::Missing {
                document: doc,
                what: "at least one measure",
            });
        }
        Ok(())
    }

    /// The vital-signs organizer of segur-cda.
    pub fn to_vital_signs(&self) -> Result<VitalSigns> {
        let mut signs = Vec::new();
        for (code, label, q) in [
            (measure_code::WEIGHT, "Poids", &self.weight),
            (measure_code::HEIGHT, "Taille", &self.height),
            (
                measure_code::HEAD_CIRCUMFERENCE,
                "Périmètre crânien",
                &self.head_circumference,
            ),
            (
                measure_code::BMI,
                "Index de masse corporelle (IMC)",
                &self.bmi,
            ),
        ] {
            if let Some(q) = q {
                signs.push(VitalSign {
                    id: None,
                    code: Terminology::Loinc
                        .code(code, label)?
                        .with_system_name("LOINC"),
                    value: q.clone(),
                    interpretation: None,
                });
            }
        }
        Ok(VitalSigns {
            id: None,
            time: Ts::from_date(self.date),
            signs,
        })
    }

    /// Reads an organizer (unknown measures are ignored).
    pub fn from_vital_signs(v: &VitalSigns) -> Option<Self> {
        let date = v.time.date()?;
        let mut m = Self::on(date);
        for s in &v.signs {
            match s.code.code() {
                measure_code::WEIGHT => m.weight = Some(s.value.clone()),
                measure_code::HEIGHT => m.height = Some(s.value.clone()),
                measure_code::HEAD_CIRCUMFERENCE => m.head_circumference = Some(s.value.clone()),
                measure_code::BMI => m.bmi = Some(s.value.clone()),
                _ => {}
            }
        }
        Some(m)
    }
}

/// The FR-Signes-vitaux section of a list of measurements.
pub(crate) fn vital_signs_section(
    m: &[Measurements],
    ctx: &mut RenderContext<'_>,
) -> Result<Section> {
    let organizers = m
        .iter()
        .map(Measurements::to_vital_signs)
        .collect::<Result<Vec<_>>>()?;
    Ok(sections::VITAL_SIGNS.with_entries(&organizers, ctx, "Aucune mesure")?)
}

/// The measurements of a FR-Signes-vitaux section.
pub(crate) fn read_vital_signs(s: &Section, ns: &[(String, String)]) -> Result<Vec<Measurements>> {
    Ok(sections::VITAL_SIGNS
        .read_entries::<VitalSigns>(s, ns)?
        .iter()
        .filter_map(Measurements::from_vital_signs)
        .collect())
}

// ------------------------------------------------------------- vaccinations

/// Primo-vaccination or booster (HL7 ActCode).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum ImmunizationAct {
    /// `INITIMMUNIZ` — 1ère série vaccinante.
    Initial,
    /// `BOOSTER` — rappel.
    Booster,
}

impl ImmunizationAct {
    pub(crate) fn fixed(self) -> Fixed {
        match self {
            Self::Initial => Fixed::new("INITIMMUNIZ", xml::ACT_CODE, "1ère série vaccinante"),
            Self::Booster => Fixed::new("BOOSTER", xml::ACT_CODE, "Rappel de vaccin"),
        }
    }

    /// The ActCode.
    pub fn code(self) -> &'static str {
        self.fixed().code
    }

    /// From `INITIMMUNIZ` / `BOOSTER`.
    pub fn from_code(c: &str) -> Option<Self> {
        match c {
            "INITIMMUNIZ" => Some(Self::Initial),
            "BOOSTER" => Some(Self::Booster),
            _ => None,
        }
    }
}

/// A vaccination reported in a certificate: the vaccine as an ATC class
/// (JDV_VaccinCSE8 / 9 / 24 for primo-vaccinations), the dose rank.
#[derive(Debug, Clone, PartialEq)]
pub struct CertificateVaccination {
    /// Primo-vaccination or booster.
    pub act: ImmunizationAct,
    /// The vaccine class (ATC).
    pub vaccine: CodedValue,
    /// The text shown.
    pub label: String,
    /// The rank of the dose.
    pub rank: Option<u32>,
    /// When, if known.
    pub date: Option<Date>,
    /// The vaccination was not done (`negationInd`).
    pub not_given: bool,
}

/// Templates of FR-Vaccination.
pub(crate) const VACCINATION: &[&str] = &[
    "2.16.840.1.113883.10.20.1.24",
    "1.3.6.1.4.1.19376.1.5.3.1.4.12",
    "1.2.250.1.213.1.1.3.45",
];
pub(crate) const PRODUCT: &[&str] = &[
    "2.16.840.1.113883.10.20.1.53",
    "1.3.6.1.4.1.19376.1.5.3.1.4.7.2",
    "1.2.250.1.213.1.1.3.43",
];
pub(crate) const RANK: &[&str] = &["2.16.840.1.113883.10.20.1.46", "1.2.250.1.213.1.1.3.82"];
pub(crate) const RANK_CODE: Fixed = Fixed::new("30973-2", xml::LOINC, "Rang de la vaccination");

pub(crate) fn write_rank(w: &mut CdaWriter, rank: u32) -> std::io::Result<()> {
    w.element("entryRelationship", &[("typeCode", Some("SUBJ"))], |w| {
        w.element(
            "observation",
            &[("classCode", Some("OBS")), ("moodCode", Some("EVN"))],
            |w| {
                xml::templates(w, RANK)?;
                xml::cd(w, "code", &RANK_CODE.to_code(), None, None, None)?;
                w.empty("statusCode", &[("code", Some("completed"))])?;
                w.empty(
                    "value",
                    &[
                        ("xsi:type", Some("INT")),
                        ("value", Some(&rank.to_string())),
                    ],
                )
            },
        )
    })
}

pub(crate) fn read_rank(sa: &Element) -> Option<u32> {
    sa.children_named("entryRelationship")
        .flat_map(|r| r.elements())
        .find(|o| o.has_template(RANK[1]) || o.has_template(RANK[0]))
        .and_then(|o| o.child("value"))
        .and_then(|v| v.attr("value"))
        .and_then(|v| v.trim().parse().ok())
}

/// The FR-Vaccinations section.
pub(crate) const IMMUNIZATIONS: Spec = Spec {
    key: "1.3.6.1.4.1.19376.1.5.3.1.3.23",
    templates: &[
        "2.16.840.1.113883.10.20.1.6",
        "1.3.6.1.4.1.19376.1.5.3.1.3.23",
        "1.2.250.1.213.1.1.2.147",
    ],
    code: Fixed::new("11369-6", xml::LOINC, "Historique des vaccinations"),
    title: "Vaccinations",
};

/// The vaccinations section of a certificate; `primo` is the certificate's JDV.
pub(crate) fn vaccinations_section(
    v: &[CertificateVaccination],
    primo: &'static Binding,
    ctx: &mut RenderContext<'_>,
) -> Result<Section> {
    let mut c = Collect::new(ctx);
    for x in v {
        match x.act {
            ImmunizationAct::Initial => {
                primo.check(&x.vaccine, "FR-Vaccination (primo-vaccination) vaccine")?
            }
            ImmunizationAct::Booster => ATC_ANY.check(&x.vaccine, "FR-Vaccination vaccine")?,
        }
        segur_cda::n3::entry::non_blank(&x.label, "vaccination label")?;
        let shown = format!(
            "{}{}{}",
            x.act.fixed().display,
            x.rank.map(|r| format!(", dose {r}")).unwrap_or_default(),
            x.date
                .map(|d| format!(", le {}", fr_date(&Ts::from_date(d))))
                .unwrap_or_default()
        );
        let r = c.row("vaccin", &x.label, &shown);
        let id = c.id();
        c.entries.push(write_entry(None, |w| {
            w.element(
                "substanceAdministration",
                &[
                    ("classCode", Some("SBADM")),
                    ("moodCode", Some("EVN")),
                    (
                        "negationInd",
                        Some(if x.not_given { "true" } else { "false" }),
                    ),
                ],
                |w| {
                    xml::templates(w, VACCINATION)?;
                    w.ii("id", &id)?;
                    xml::cd(w, "code", &x.act.fixed().to_code(), None, None, None)?;
                    xml::text_ref(w, &r)?;
                    w.empty("statusCode", &[("code", Some("completed"))])?;
                    match x.date {
                        Some(d) => w.ts("effectiveTime", &Ts::from_date(d))?,
                        None => w.empty("effectiveTime", &[("nullFlavor", Some("NAV"))])?,
                    }
                    w.element("consumable", &[("typeCode", Some("CSM"))], |w| {
                        w.element("manufacturedProduct", &[], |w| {
                            xml::templates(w, PRODUCT)?;
                            w.element("manufacturedMaterial", &[], |w| {
                                w.element("code", &[], |w| {
                                    w.element("originalText", &[], |w| {
                                        w.empty("reference", &[("value", Some(&r))])
                                    })?;
                                    w.code("translation", &xml::code_of(&x.vaccine))
                                })?;
                                w.text_element("name", &[], &x.label)?;
                                w.empty("lotNumberText", &[("nullFlavor", Some("UNK"))])
                            })
                        })
                    })?;
                    if let Some(rank) = x.rank {
                        write_rank(w, rank)?;
                    }
                    Ok(())
                },
            )
        }));
    }
    Ok(c.finish(&IMMUNIZATIONS, "Aucune vaccination"))
}

/// Reads the vaccinations of a certificate.
pub(crate) fn read_vaccinations(
    s: &Section,
    ns: &[(String, String)],
    primo: &'static Binding,
) -> Result<Vec<CertificateVaccination>> {
    let idx = xml::narrative(s, ns)?;
    let mut out = Vec::new();
    for sa in xml::entries_of(s, ns)? {
        if !sa.has_template(VACCINATION[1]) {
            continue;
        }
        let act = xml::code_attr(&sa)
            .and_then(ImmunizationAct::from_code)
            .unwrap_or(ImmunizationAct::Initial);
        let code_el = sa.path(&[
            "consumable",
            "manufacturedProduct",
            "manufacturedMaterial",
            "code",
        ]);
        let atc = code_el
            .and_then(|c| {
                if c.attr("codeSystem") == Some(xml::ATC) {
                    Some(c)
                } else {
                    c.children_named("translation")
                        .find(|t| t.attr("codeSystem") == Some(xml::ATC))
                }
            })
            .ok_or(Error::Missing {
                document: "CSE",
                what: "ATC class of a vaccination",
            })?;
        let binding = if act == ImmunizationAct::Initial {
            primo
        } else {
            &ATC_ANY
        };
        let vaccine = xml::validate(binding, &atc.code(), "FR-Vaccination vaccine")?;
        let label = xml::read_label(&sa, &idx)
            .or_else(|| {
                sa.path(&[
                    "consumable",
                    "manufacturedProduct",
                    "manufacturedMaterial",
                    "name",
                ])
                .map(|n| n.text().trim().to_owned())
            })
            .unwrap_or_else(|| vaccine.label().to_owned());
        out.push(CertificateVaccination {
            act,
            vaccine,
            label,
            rank: read_rank(&sa),
            date: sa.child("effectiveTime").and_then(|t| t.ts().date()),
            not_given: xml::negation(&sa) == Some(true),
        });
    }
    Ok(out)
}

// ---------------------------------------------------------------- care plan

/// An orientation decided at the examination (FR-Plan-de-soins encounter,
/// JDV_Rencontre_CS9_CS24_CISIS: ORG-194 / 195 / 196).
#[derive(Debug, Clone, PartialEq)]
pub struct Orientation {
    /// The kind of orientation.
    pub kind: CodedValue,
    /// A comment.
    pub comment: Option<String>,
}

impl Orientation {
    /// An orientation of code `ORG-194`, `ORG-195` or `ORG-196`.
    pub fn new(code: &str) -> Result<Self> {
        Ok(Self {
            kind: jdv::RENCONTRE_CS9_CS24.code(code)?,
            comment: None,
        })
    }
}

pub(crate) const CARE_PLAN: Spec = Spec {
    key: "1.3.6.1.4.1.19376.1.5.3.1.3.36",
    templates: &[
        "2.16.840.1.113883.10.20.1.10",
        "1.3.6.1.4.1.19376.1.5.3.1.3.36",
        "1.2.250.1.213.1.1.2.158",
    ],
    code: Fixed::new("18776-5", xml::LOINC, "Plan de soins"),
    title: "Plan de soins",
};
const ENCOUNTER: &[&str] = &[
    "2.16.840.1.113883.10.20.1.25",
    "1.3.6.1.4.1.19376.1.5.3.1.4.14",
    "1.2.250.1.213.1.1.3.58",
];

pub(crate) fn care_plan_section(o: &[Orientation], ctx: &mut RenderContext<'_>) -> Result<Section> {
    let mut c = Collect::new(ctx);
    for x in o {
        RENCONTRE.check(&x.kind, "FR-Plan-de-soins orientation")?;
        let r = c.row("plan", x.kind.label(), x.comment.as_deref().unwrap_or(""));
        let comment_ref = x.comment.as_ref().map(|t| {
            let (cell, r) = Cell::referenced(&mut c.ctx.ids, "plan-commentaire", t);
            if let Some(row) = c.rows.last_mut() {
                row[1] = cell;
            }
            r
        });
        let id = c.id();
        c.entries.push(write_entry(None, |w| {
            w.element(
                "encounter",
                &[("classCode", Some("ENC")), ("moodCode", Some("ARQ"))],
                |w| {
                    xml::templates(w, ENCOUNTER)?;
                    w.ii("id", &id)?;
                    xml::cd(
                        w,
                        "code",
                        &Fixed::new("AMB", xml::ACT_CODE, "Ambulatoire (hors établissement)")
                            .to_code(),
                        None,
                        Some(&xml::code_of(&x.kind)),
                        None,
                    )?;
                    xml::text_ref(w, &r)?;
                    w.empty("effectiveTime", &[("nullFlavor", Some("UNK"))])?;
                    w.empty("priorityCode", &[("nullFlavor", Some("UNK"))])?;
                    if let Some(cr) = &comment_ref {
                        xml::write_comment(w, cr)?;
                    }
                    Ok(())
                },
            )
        }));
    }
    Ok(c.finish(&CARE_PLAN, "Aucune orientation"))
}

pub(crate) fn read_care_plan(s: &Section, ns: &[(String, String)]) -> Result<Vec<Orientation>> {
    let idx = xml::narrative(s, ns)?;
    let mut out = Vec::new();
    for e in xml::entries_of(s, ns)? {
        if !e.is("encounter") {
            continue;
        }
        let Some(kind) = xml::read_cd(
            &RENCONTRE,
            e.path(&["code", "qualifier", "value"]),
            "orientation",
        )?
        else {
            continue;
        };
        let comment = e
            .children_named("entryRelationship")
            .flat_map(|r| r.elements())
            .find(|a| a.is("act"))
            .and_then(|a| xml::read_label(a, &idx));
        out.push(Orientation { kind, comment });
    }
    Ok(out)
}

// ---------------------------------------------------------------- treatments

/// A treatment given to the child (FR-Traitements-administres), coded by
/// its ATC class.
#[derive(Debug, Clone, PartialEq)]
pub struct AdministeredTreatment {
    /// ATC class.
    pub atc: CodedValue,
    /// The text shown.
    pub label: String,
    /// When.
    pub date: Option<Ts>,
    /// Route (EDQM).
    pub route: Option<CodedValue>,
}

pub(crate) const TREATMENTS: Spec = Spec {
    key: "1.3.6.1.4.1.19376.1.5.3.1.3.21",
    templates: &["1.3.6.1.4.1.19376.1.5.3.1.3.21", "1.2.250.1.213.1.1.2.145"],
    code: Fixed::new("18610-6", xml::LOINC, "Traitements administrés"),
    title: "Médicaments administrés",
};
const MEDICATION: &[&str] = &[
    "2.16.840.1.113883.10.20.1.24",
    "1.3.6.1.4.1.19376.1.5.3.1.4.7",
    "1.2.250.1.213.1.1.3.42",
    "1.3.6.1.4.1.19376.1.5.3.1.4.7.1",
];

pub(crate) fn treatments_section(
    t: &[AdministeredTreatment],
    ctx: &mut RenderContext<'_>,
) -> Result<Section> {
    let mut c = Collect::new(ctx);
    for x in t {
        ATC_ANY.check(&x.atc, "treatment ATC class")?;
        check_opt(&EDQM, x.route.as_ref(), "treatment route")?;
        segur_cda::n3::entry::non_blank(&x.label, "treatment label")?;
        let r = c.row(
            "traitement",
            &x.label,
            &x.date
                .as_ref()
                .map(|d| format!("le {}", fr_date(d)))
                .unwrap_or_default(),
        );
        let id = c.id();
        c.entries.push(write_entry(None, |w| {
            w.element(
                "substanceAdministration",
                &[
                    ("classCode", Some("SBADM")),
                    ("moodCode", Some("EVN")),
                    ("negationInd", Some("false")),
                ],
                |w| {
                    xml::templates(w, MEDICATION)?;
                    w.ii("id", &id)?;
                    xml::cd(
                        w,
                        "code",
                        &Fixed::new("DRUG", xml::ACT_CODE, "Médicament").to_code(),
                        None,
                        None,
                        None,
                    )?;
                    xml::text_ref(w, &r)?;
                    w.empty("statusCode", &[("code", Some("completed"))])?;
                    w.element(
                        "effectiveTime",
                        &[("xsi:type", Some("IVL_TS"))],
                        |w| match &x.date {
                            Some(d) => {
                                w.ts("low", d)?;
                                w.ts("high", d)
                            }
                            None => {
                                w.empty("low", &[("nullFlavor", Some("UNK"))])?;
                                w.empty("high", &[("nullFlavor", Some("UNK"))])
                            }
                        },
                    )?;
                    if let Some(rt) = &x.route {
                        w.code("routeCode", &xml::code_of(rt))?;
                    }
                    w.element("consumable", &[], |w| {
                        w.element("manufacturedProduct", &[], |w| {
                            xml::templates(w, PRODUCT)?;
                            w.element("manufacturedMaterial", &[], |w| {
                                w.element("code", &[], |w| {
                                    w.element("originalText", &[], |w| {
                                        w.empty("reference", &[("value", Some(&r))])
                                    })?;
                                    w.code("translation", &xml::code_of(&x.atc))
                                })?;
                                w.text_element("name", &[], &x.label)
                            })
                        })
                    })
                },
            )
        }));
    }
    Ok(c.finish(&TREATMENTS, "Aucun traitement administré"))
}

pub(crate) fn read_treatments(
    s: &Section,
    ns: &[(String, String)],
) -> Result<Vec<AdministeredTreatment>> {
    let idx = xml::narrative(s, ns)?;
    let mut out = Vec::new();
    for sa in xml::entries_of(s, ns)? {
        if !sa.is("substanceAdministration") {
            continue;
        }
        let code_el = sa.path(&[
            "consumable",
            "manufacturedProduct",
            "manufacturedMaterial",
            "code",
        ]);
        let Some(atc) = code_el.and_then(|c| {
            c.children_named("translation")
                .find(|t| t.attr("codeSystem") == Some(xml::ATC))
        }) else {
            continue;
        };
        let atc = ATC_ANY.validate(&atc.code(), "treatment ATC class")?;
        let date = sa.children_named("effectiveTime").find_map(|t| {
            t.child("low")
                .map(Element::ts)
                .filter(|t| t.value.is_some())
        });
        out.push(AdministeredTreatment {
            label: xml::read_label(&sa, &idx).unwrap_or_else(|| atc.label().to_owned()),
            atc,
            date,
            route: xml::read_cd(&EDQM, sa.child("routeCode"), "treatment route")?,
        });
    }
    Ok(out)
}

// ------------------------------------------------------- problems (history)

/// A cause of a domestic accident (JDV_CauseAccidentDom_CISIS), present or not.
#[derive(Debug, Clone, PartialEq)]
pub struct AccidentCause {
    /// The cause (CIM-11 `NF0A.4`, `NE2Z`, `NE61`, or `GEN-092.01.13`).
    pub cause: CodedValue,
    /// Whether it applies.
    pub present: bool,
}

/// Domestic accidents (MED-186 before the 9th month in CS9, MED-185 since
/// the 9th month in CS24).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DomesticAccidents {
    /// Whether there was any.
    pub occurred: bool,
    /// Their causes (required when `occurred`).
    pub causes: Vec<AccidentCause>,
}

impl DomesticAccidents {
    /// None.
    pub fn none() -> Self {
        Self::default()
    }

    /// Accidents with these causes (codes of JDV_CauseAccidentDom_CISIS).
    pub fn with_causes(codes: &[&str]) -> Result<Self> {
        Ok(Self {
            occurred: true,
            causes: codes
                .iter()
                .map(|c| {
                    Ok(AccidentCause {
                        cause: jdv::CAUSE_ACCIDENT_DOM.code(c)?,
                        present: true,
                    })
                })
                .collect::<Result<_>>()?,
        })
    }
}

pub(crate) const PROBLEM_CONCERN: &[&str] = &[
    "2.16.840.1.113883.10.20.1.27",
    "1.3.6.1.4.1.19376.1.5.3.1.4.5.1",
    "1.3.6.1.4.1.19376.1.5.3.1.4.5.2",
    "1.2.250.1.213.1.1.3.39",
];
pub(crate) const PROBLEM: &[&str] = &[
    "2.16.840.1.113883.10.20.1.28",
    "1.3.6.1.4.1.19376.1.5.3.1.4.5",
    "1.2.250.1.213.1.1.3.37",
];
pub(crate) const SIMPLE_OBS: &[&str] =
    &["1.3.6.1.4.1.19376.1.5.3.1.4.13", "1.2.250.1.213.1.1.3.48"];
pub(crate) const DIAGNOSIS: Fixed =
    Fixed::new("282291009", xml::SNOMED, "interprétation diagnostique");

/// One coded problem (present or explicitly absent) with optional causes.
pub(crate) struct ProblemItem<'a> {
    pub value: &'a CodedValue,
    pub present: bool,
    pub causes: &'a [AccidentCause],
}

/// A problem-concern entry (code nullFlavor NA) holding problems.
pub(crate) fn problems_entry(c: &mut Collect<'_, '_>, items: &[ProblemItem<'_>]) {
    let concern_id = c.id();
    let mut obs = Vec::new();
    for p in items {
        let r = c.row(
            "probleme",
            p.value.label(),
            if p.present { "Oui" } else { "Non" },
        );
        let mut o = Obs::new(PROBLEM, DIAGNOSIS.to_code());
        o.id = Some(c.id());
        o.negation = Some(!p.present);
        o.text_ref = Some(r);
        o.effective = Eff::LowUnk;
        o.value = Some(Val::Cd(xml::code_of(p.value)));
        o.value_original = true;
        for cause in p.causes {
            let cr = c.row(
                "cause",
                cause.cause.label(),
                if cause.present { "Oui" } else { "Non" },
            );
            let mut co = Obs::new(SIMPLE_OBS, xml::code_of(&cause.cause));
            co.id = Some(c.id());
            co.negation = Some(false);
            co.text_ref = Some(cr);
            co.effective = Eff::LowUnk;
            co.value = Some(Val::Bl(cause.present));
            o.rels.push(xml::Rel {
                type_code: "CAUS",
                inversion: Some(true),
                obs: co,
            });
        }
        obs.push(o);
    }
    c.entries.push(write_entry(None, |w| {
        w.element(
            "act",
            &[("classCode", Some("ACT")), ("moodCode", Some("EVN"))],
            |w| {
                xml::templates(w, PROBLEM_CONCERN)?;
                w.ii("id", &concern_id)?;
                w.empty("code", &[("nullFlavor", Some("NA"))])?;
                w.empty("statusCode", &[("code", Some("completed"))])?;
                w.element("effectiveTime", &[], |w| {
                    w.empty("low", &[("nullFlavor", Some("UNK"))])
                })?;
                for o in &obs {
                    w.element(
                        "entryRelationship",
                        &[("typeCode", Some("SUBJ")), ("inversionInd", Some("false"))],
                        |w| xml::write_obs(w, o),
                    )?;
                }
                Ok(())
            },
        )
    }));
}

/// A problem read back.
pub(crate) struct ReadProblem {
    pub value: Code,
    pub present: bool,
    pub causes: Vec<(Code, bool)>,
}

/// Every problem observation of the concern acts of a section.
pub(crate) fn read_problems(entries: &[Element]) -> Vec<ReadProblem> {
    let mut out = Vec::new();
    for act in entries.iter().filter(|e| e.is("act")) {
        for o in act
            .children_named("entryRelationship")
            .flat_map(|r| r.elements())
            .filter(|o| o.has_template(PROBLEM[1]))
        {
            let Some(v) = o.child("value") else { continue };
            let causes = o
                .children_named("entryRelationship")
                .filter(|r| r.attr("typeCode") == Some("CAUS"))
                .flat_map(|r| r.elements())
                .filter_map(|c| {
                    let code = c.child("code")?.code();
                    let present = c.path(&["value"]).and_then(|v| v.attr("value")) == Some("true");
                    Some((code, present))
                })
                .collect();
            out.push(ReadProblem {
                value: v.code(),
                present: xml::negation(o) != Some(true),
                causes,
            });
        }
    }
    out
}

pub(crate) fn read_accidents(
    problems: &[ReadProblem],
    code: &str,
) -> Result<Option<DomesticAccidents>> {
    let Some(p) = problems
        .iter()
        .find(|p| p.value.code.as_deref() == Some(code))
    else {
        return Ok(None);
    };
    let mut causes = Vec::new();
    for (c, present) in &p.causes {
        causes.push(AccidentCause {
            cause: xml::validate(&CAUSE_ACCIDENT, c, "domestic accident cause")?,
            present: *present,
        });
    }
    Ok(Some(DomesticAccidents {
        occurred: p.present,
        causes,
    }))
}

pub(crate) fn check_accidents(doc: &'static str, a: &DomesticAccidents) -> Result<()> {
    for c in &a.causes {
        CAUSE_ACCIDENT.check(&c.cause, "domestic accident cause")?;
    }
    if a.occurred && !a.causes.iter().any(|c| c.present) {
        return Err(invalid(
            doc,
            "domestic accidents",
            "the cause of the accident is required (entryRelationship CAUS)",
        ));
    }
    Ok(())
}

pub(crate) const MEDICAL_HISTORY: Spec = Spec {
    key: "1.3.6.1.4.1.19376.1.5.3.1.3.8",
    templates: &["1.3.6.1.4.1.19376.1.5.3.1.3.8", "1.2.250.1.213.1.1.2.134"],
    code: Fixed::new("11348-0", xml::LOINC, "Antécédents médicaux"),
    title: "Antécédents médicaux",
};

pub(crate) const PSYCHOMOTOR: Spec = Spec {
    key: "1.3.6.1.4.1.19376.1.7.3.1.1.13.4",
    templates: &[
        "1.3.6.1.4.1.19376.1.7.3.1.1.13.4",
        "1.2.250.1.213.1.1.2.161",
    ],
    code: Fixed::new(
        "xx-MCH-PsychoMDev",
        xml::LOINC,
        "Développement psychomoteur",
    ),
    title: "Développement psychomoteur",
};
pub(crate) const NEURODEVELOPMENT: Fixed = Fixed::new(
    "MED-1274",
    xml::TA_ASIP,
    "Repérage troubles du neurodéveloppement",
);
pub(crate) static REPERAGE: Binding = Binding::ValueSet(&jdv::REPERAGE_TROUBLE_NEURODEVELOPPEMENT);

/// Adds a simple observation (FR-Simple-Observation).
pub(crate) fn simple(
    c: &mut Collect<'_, '_>,
    code: Fixed,
    value: Val,
    effective: Eff,
    negation: Option<bool>,
    type_code: Option<&str>,
) {
    let mut o = Obs::new(SIMPLE_OBS, code.to_code());
    o.value_original = matches!(value, Val::Cd(_));
    o.value = Some(value);
    o.effective = effective;
    o.negation = negation;
    c.obs("observation", code.display, o, type_code);
}
