//! Medication: health products (FR-Produit-de-sante), treatments taken or to
//! take (FR-Traitement, long-term treatments of the VSM) and prescribed
//! treatments (FR-Traitement-prescrit of eP-MED-DM) with structured or
//! free-text posology, route, site, dose, rate, frequency, maximum dose,
//! quantity to dispense, substitution, instructions and the CNAM flags.
//!
//! # Posology
//! [`Posology::Text`] is a non-structured posology: the text is the
//! narrative the entry's `text` points to, and the entry declares the normal
//! administration mode only. [`Posology::Structured`] writes the frequency
//! (`PIVL_TS` / `EIVL_TS`), dose and rate and declares the IHE Pharmacy
//! "dosage instructions" template; [`Posology::Steps`] (prescriptions only)
//! writes one FR-Traitement-prescrit-subordonnee per step (tapered doses).
//! In every case the entry's `text/reference` points to the posology as shown
//! in the narrative (our reading of IHE Pharmacy PRE: the substance
//! administration's text is its human-readable instruction; the product's
//! label is referenced from its `code/originalText`).

use std::io;

use crate::datatypes::{Ii, IvlTs, Ts};
use crate::error::N3Error;
use crate::n3::codes::{Binding, CodedValue, Terminology};
use crate::n3::entry::*;
use crate::n3::narrative::{Cell, NarrativeIds, NarrativeIndex};
use crate::n3::templates::{self as tpl, codes};
use crate::n3::types::{
    Decimal, Frequency, Quantity, QuantityRange, Ratio, check_period, fr_period,
};
use crate::n3::value_sets::{self, jdv};
use crate::n3::xml::Element;
use crate::write::CdaWriter;

use super::problems::InternalReference;

/// The IHE Pharmacy medication namespace of the `pharm:` extension elements
/// (CDA_extended.xsd imports it for `manufacturedMaterial`).
pub const NS_PHARM: &str = "urn:ihe:pharm:medication";

/// Binding of a product code: CIS, CIP, UCD, MV (Médicabase), ATC or SNOMED CT.
pub static PRODUCT_CODE: Binding = Binding::OneOf(&[
    Binding::Terminology(Terminology::Cis),
    Binding::Terminology(Terminology::Cip),
    Binding::Terminology(Terminology::Ucd),
    Binding::Terminology(Terminology::MedicabaseMv),
    Binding::Terminology(Terminology::Atc),
    Binding::Terminology(Terminology::SnomedCt),
]);
/// Binding of EDQM terms (dose forms, routes, packaging).
pub static EDQM: Binding = Binding::Terminology(Terminology::Edqm);
/// Binding of the generic class: ATC.
pub static ATC: Binding = Binding::Terminology(Terminology::Atc);
/// Binding of an active substance: SMS, SNOMED CT or ATC.
pub static SUBSTANCE: Binding = Binding::OneOf(&[
    Binding::Terminology(Terminology::Sms),
    Binding::Terminology(Terminology::SnomedCt),
    Binding::Terminology(Terminology::Atc),
]);
/// Binding of the administration site: JDV_LocalisationAnatomique_CISIS or SNOMED CT.
pub static SITE: Binding = Binding::OneOf(&[
    Binding::ValueSet(&jdv::LOCALISATION_ANATOMIQUE),
    Binding::Terminology(Terminology::SnomedCt),
]);
/// Binding of the substitution code (`N`, `G`).
pub static SUBSTITUTION: Binding = Binding::ValueSet(&value_sets::SUBSTITUTION);
/// Binding of EIVL events (HL7 TimingEvent).
pub static TIMING_EVENT: Binding = Binding::ValueSet(&value_sets::TIMING_EVENT);

/// An active substance of a product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ingredient {
    /// The substance (SMS, SNOMED CT).
    pub substance: CodedValue,
    /// Its name.
    pub name: String,
    /// Strength (e.g. 500 mg per unit), optional.
    pub strength: Option<Ratio>,
}

/// The generic class of a product (ATC code and name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenericClass {
    /// ATC class.
    pub code: CodedValue,
    /// Name (e.g. `paracetamol`).
    pub name: String,
}

/// A health product (FR-Produit-de-sante).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    /// The coded product (CIS, CIP, UCD, MV, ATC…) with its translations;
    /// `None` for a product without code (magistral preparation).
    pub code: Option<CodedValue>,
    /// The text shown (e.g. "PARACETAMOL MYLAN 500 mg, comprimé").
    pub label: String,
    /// Brand name (`manufacturedMaterial/name`).
    pub name: Option<String>,
    /// Dose form (EDQM, `pharm:formCode`).
    pub form: Option<CodedValue>,
    /// Generic class (`pharm:asSpecializedKind`).
    pub generic: Option<GenericClass>,
    /// Active substances (`pharm:ingredient`).
    pub ingredients: Vec<Ingredient>,
    /// Lot number (vaccines).
    pub lot_number: Option<String>,
}

impl Product {
    /// A product identified by its CIS code.
    pub fn cis(code: &str, label: &str) -> Result<Self, N3Error> {
        Ok(Self::coded(Terminology::Cis.code(code, label)?, label))
    }

    /// A product with a checked code.
    pub fn coded(code: CodedValue, label: &str) -> Self {
        Self {
            code: Some(code),
            label: label.to_owned(),
            name: Some(label.to_owned()),
            form: None,
            generic: None,
            ingredients: Vec::new(),
            lot_number: None,
        }
    }

    /// A product known by its text only (magistral preparation, unknown code).
    pub fn text(label: &str) -> Self {
        Self {
            code: None,
            label: label.to_owned(),
            name: None,
            form: None,
            generic: None,
            ingredients: Vec::new(),
            lot_number: None,
        }
    }

    pub(crate) fn validate(&self) -> Result<(), N3Error> {
        non_blank(&self.label, "product label")?;
        if let Some(c) = &self.code {
            check(&PRODUCT_CODE, c, "FR-Produit-de-sante/code")?;
        }
        if let Some(f) = &self.form {
            check(&EDQM, f, "pharm:formCode")?;
        }
        if let Some(g) = &self.generic {
            check(&ATC, &g.code, "pharm:generalizedMedicineClass/code")?;
        }
        for i in &self.ingredients {
            check(&SUBSTANCE, &i.substance, "pharm:ingredient/code")?;
        }
        Ok(())
    }

    /// Writes `consumable/manufacturedProduct` (`pharm` adds the IHE
    /// Pharmacy Medicine template and the class codes of prescriptions).
    pub(crate) fn write(
        &self,
        w: &mut CdaWriter,
        reference: &str,
        pharm: bool,
        consumable_type: Option<&str>,
    ) -> io::Result<()> {
        let class = pharm.then_some("MANU");
        w.element("consumable", &[("typeCode", consumable_type)], |w| {
            w.element("manufacturedProduct", &[("classCode", class)], |w| {
                templates(w, &tpl::PRODUCT)?;
                let attrs = if pharm {
                    [
                        ("classCode", Some("MMAT")),
                        ("determinerCode", Some("KIND")),
                    ]
                } else {
                    [("classCode", None), ("determinerCode", None)]
                };
                w.element("manufacturedMaterial", &attrs, |w| {
                    if pharm {
                        templates(w, std::slice::from_ref(&tpl::MEDICINE))?;
                    }
                    cd_or_text(w, "code", self.code.as_ref(), None, "NA", Some(reference))?;
                    match &self.name {
                        Some(n) => w.text_element("name", &[], n)?,
                        None => w.empty("name", &[("nullFlavor", Some("NA"))])?,
                    }
                    if let Some(f) = &self.form {
                        cd(w, "pharm:formCode", f, None, None)?;
                    }
                    if let Some(l) = &self.lot_number {
                        w.text_element("lotNumberText", &[], l)?;
                    }
                    if let Some(g) = &self.generic {
                        w.element(
                            "pharm:asSpecializedKind",
                            &[("classCode", Some("GRIC"))],
                            |w| {
                                w.element(
                                    "pharm:generalizedMedicineClass",
                                    &[("classCode", Some("MMAT"))],
                                    |w| {
                                        cd(w, "pharm:code", &g.code, None, None)?;
                                        w.text_element("pharm:name", &[], &g.name)
                                    },
                                )
                            },
                        )?;
                    }
                    for i in &self.ingredients {
                        w.element("pharm:ingredient", &[("classCode", Some("ACTI"))], |w| {
                            if let Some(s) = &i.strength {
                                w.element("pharm:quantity", &[], |w| {
                                    pq(w, "numerator", &s.numerator, Some("PQ"))?;
                                    pq(w, "denominator", &s.denominator, Some("PQ"))
                                })?;
                            }
                            w.element(
                                "pharm:ingredient",
                                &[
                                    ("classCode", Some("MMAT")),
                                    ("determinerCode", Some("KIND")),
                                ],
                                |w| {
                                    cd(w, "pharm:code", &i.substance, None, None)?;
                                    w.text_element("pharm:name", &[], &i.name)
                                },
                            )
                        })?;
                    }
                    Ok(())
                })
            })
        })
    }

    pub(crate) fn read(sa: &Element, narrative: &NarrativeIndex) -> Result<Self, N3Error> {
        const W: &str = "FR-Produit-de-sante";
        let m = sa
            .path(&["consumable", "manufacturedProduct", "manufacturedMaterial"])
            .ok_or_else(|| {
                read_err(
                    W,
                    sa,
                    "no consumable/manufacturedProduct/manufacturedMaterial",
                )
            })?;
        let code_el = m.child("code");
        let code = read_code_opt(&PRODUCT_CODE, code_el, "FR-Produit-de-sante/code")?;
        let name = m
            .child("name")
            .filter(|n| n.attr("nullFlavor").is_none())
            .map(Element::text)
            .filter(|t| !t.is_empty());
        let label = narrative
            .resolve(code_el)
            .or_else(|| name.clone())
            .or_else(|| code.as_ref().map(|c| c.label().to_owned()))
            .unwrap_or_else(|| "-".into());
        let form = read_code_opt(&EDQM, m.child_ns(NS_PHARM, "formCode"), "pharm:formCode")?;
        let generic = match m
            .child_ns(NS_PHARM, "asSpecializedKind")
            .and_then(|k| k.child_ns(NS_PHARM, "generalizedMedicineClass"))
        {
            Some(g) => match g
                .child_ns(NS_PHARM, "code")
                .filter(|c| c.attr("code").is_some())
            {
                Some(c) => {
                    let code = read_code(&ATC, c, "pharm:generalizedMedicineClass/code")?;
                    let name = g
                        .child_ns(NS_PHARM, "name")
                        .map(Element::text)
                        .unwrap_or_else(|| code.label().to_owned());
                    Some(GenericClass { code, name })
                }
                None => None,
            },
            None => None,
        };
        let mut ingredients = Vec::new();
        for ing in m
            .elements()
            .filter(|e| e.name == "ingredient" && e.namespace.as_deref() == Some(NS_PHARM))
        {
            let Some(sub) = ing.child_ns(NS_PHARM, "ingredient") else {
                continue;
            };
            let Some(c) = sub
                .child_ns(NS_PHARM, "code")
                .filter(|c| c.attr("code").is_some())
            else {
                continue;
            };
            let substance = read_code(&SUBSTANCE, c, "pharm:ingredient/code")?;
            let strength = read_rto(ing.child_ns(NS_PHARM, "quantity"))?;
            ingredients.push(Ingredient {
                name: sub
                    .child_ns(NS_PHARM, "name")
                    .map(Element::text)
                    .unwrap_or_else(|| substance.label().to_owned()),
                substance,
                strength,
            });
        }
        Ok(Self {
            code,
            label,
            name,
            form,
            generic,
            ingredients,
            lot_number: m
                .child("lotNumberText")
                .map(Element::text)
                .filter(|t| !t.is_empty()),
        })
    }
}

/// Dose, rate and frequency of one administration regimen.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Dosage {
    /// When (every 8 h, 3 times a day, at bedtime…).
    pub frequency: Option<Frequency>,
    /// Dose per administration (a fixed dose is a range with equal bounds).
    pub dose: Option<QuantityRange>,
    /// Rate (e.g. 1500 to 3000 mg/d).
    pub rate: Option<QuantityRange>,
}

impl Dosage {
    /// `dose` every `frequency`.
    pub fn new(dose: QuantityRange, frequency: Frequency) -> Self {
        Self {
            frequency: Some(frequency),
            dose: Some(dose),
            rate: None,
        }
    }

    /// French display (`1 à 2 cp, 3 fois par jour`).
    pub fn to_fr(&self) -> String {
        let mut parts = Vec::new();
        if let Some(d) = &self.dose {
            parts.push(d.to_fr());
        }
        if let Some(f) = &self.frequency {
            parts.push(f.to_fr());
        }
        if let Some(r) = &self.rate {
            parts.push(format!("soit {}", r.to_fr()));
        }
        parts.join(", ")
    }

    fn validate(&self) -> Result<(), N3Error> {
        if let Some(Frequency::AtEvent { event, .. }) = &self.frequency {
            check(&TIMING_EVENT, event, "EIVL_TS/event")?;
        }
        Ok(())
    }
}

/// One step of a tapered posology (FR-Traitement-prescrit-subordonnee).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DosageStep {
    /// The id.
    pub id: Option<Ii>,
    /// Start of the step.
    pub start: Option<Ts>,
    /// Its duration (e.g. 2 d).
    pub duration: Option<Quantity>,
    /// The regimen during the step.
    pub dosage: Dosage,
}

impl DosageStep {
    fn to_fr(&self) -> String {
        let mut s = self.dosage.to_fr();
        if let Some(st) = &self.start {
            s.push_str(&format!(" à partir du {}", crate::n3::types::fr_date(st)));
        }
        if let Some(d) = &self.duration {
            s.push_str(&format!(" pendant {}", d.to_fr()));
        }
        s
    }
}

/// How the medicine is to be taken.
// A few hundred bytes per prescription line: boxing the dosage would only
// make the hosts' code heavier.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Posology {
    /// Free-text (non-structured) posology.
    Text(String),
    /// Structured posology, normal mode.
    Structured(Dosage),
    /// Tapered doses, one regimen per step (prescriptions).
    Steps(Vec<DosageStep>),
}

impl Posology {
    /// French display.
    pub fn to_fr(&self) -> String {
        match self {
            Self::Text(t) => t.clone(),
            Self::Structured(d) => d.to_fr(),
            Self::Steps(s) => s
                .iter()
                .map(DosageStep::to_fr)
                .collect::<Vec<_>>()
                .join(" puis "),
        }
    }

    fn is_structured(&self) -> bool {
        !matches!(self, Self::Text(_))
    }
}

fn write_frequency(w: &mut CdaWriter, f: &Frequency, reference: Option<&str>) -> io::Result<()> {
    match f {
        Frequency::Every {
            period,
            institution_specified,
        } => w.element(
            "effectiveTime",
            &[
                ("xsi:type", Some("PIVL_TS")),
                (
                    "institutionSpecified",
                    institution_specified.then_some("true"),
                ),
                ("operator", Some("A")),
            ],
            |w| write_period(w, period, reference),
        ),
        Frequency::AtEvent { event, offset } => w.element(
            "effectiveTime",
            &[("xsi:type", Some("EIVL_TS")), ("operator", Some("A"))],
            |w| write_event(w, event, offset.as_ref()),
        ),
    }
}

fn write_period(w: &mut CdaWriter, period: &Quantity, reference: Option<&str>) -> io::Result<()> {
    let attrs = [
        ("value", Some(period.value.as_str())),
        ("unit", Some(period.unit.as_str())),
    ];
    match reference {
        Some(r) => w.element("period", &attrs, |w| {
            w.element("translation", &[], |w| {
                w.element("originalText", &[], |w| {
                    w.empty("reference", &[("value", Some(r))])
                })
            })
        }),
        None => w.empty("period", &attrs),
    }
}

fn write_event(w: &mut CdaWriter, event: &CodedValue, offset: Option<&Quantity>) -> io::Result<()> {
    w.empty(
        "event",
        &[
            ("code", Some(event.code())),
            ("codeSystem", Some(event.code_system())),
        ],
    )?;
    if let Some(o) = offset {
        w.element("offset", &[], |w| pq(w, "width", o, None))?;
    }
    Ok(())
}

fn read_frequency(et: &Element) -> Result<Option<Frequency>, N3Error> {
    match et.xsi_type() {
        Some("PIVL_TS") => match et.child("period") {
            Some(p) if p.attr("value").is_some() => Ok(Some(Frequency::Every {
                period: read_pq(p)?,
                institution_specified: et.attr("institutionSpecified") == Some("true"),
            })),
            _ => Ok(None),
        },
        Some("EIVL_TS") => match et.child("event").filter(|e| e.attr("code").is_some()) {
            Some(e) => {
                let mut c = e.code();
                if c.code_system.is_none() {
                    c.code_system = Some("2.16.840.1.113883.5.139".into());
                }
                let event = TIMING_EVENT.validate(&c, "EIVL_TS/event")?;
                let event = match value_sets::TIMING_EVENT.find(event.code(), None) {
                    Some(concept) if event.display_name().is_none() => {
                        event.with_display_name(concept.display_name)
                    }
                    _ => event,
                };
                let offset = match et.path(&["offset", "width"]).or_else(|| et.child("offset")) {
                    Some(o) if o.attr("value").is_some() => Some(read_pq(o)?),
                    _ => None,
                };
                Ok(Some(Frequency::AtEvent { event, offset }))
            }
            None => Ok(None),
        },
        _ => Ok(None),
    }
}

/// The parts shared by FR-Traitement and FR-Traitement-prescrit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Medication {
    /// The id.
    pub id: Option<Ii>,
    /// The product.
    pub product: Product,
    /// Treatment period (start, end).
    pub period: Option<IvlTs>,
    /// Posology.
    pub posology: Posology,
    /// Route (EDQM Standard Terms "Route of administration").
    pub route: Option<CodedValue>,
    /// Administration site (code or text).
    pub site: Option<Site>,
    /// Maximum dose (e.g. 4 tablets per day).
    pub max_dose: Option<Ratio>,
    /// Why it is taken (reference to a problem of the document).
    pub reason: Option<InternalReference>,
}

/// Where a medicine is administered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// Code (JDV_LocalisationAnatomique_CISIS or SNOMED CT), `None` when
    /// only described.
    pub code: Option<CodedValue>,
    /// The text shown.
    pub label: String,
}

impl Medication {
    /// A medication with a posology.
    pub fn new(product: Product, posology: Posology) -> Self {
        Self {
            id: None,
            product,
            period: None,
            posology,
            route: None,
            site: None,
            max_dose: None,
            reason: None,
        }
    }

    /// Sets the route from an EDQM code (e.g. `20053000` Voie orale).
    pub fn route(mut self, edqm: &str, label: &str) -> Result<Self, N3Error> {
        self.route = Some(Terminology::Edqm.code(edqm, label)?);
        Ok(self)
    }

    fn validate(&self, prescription: bool) -> Result<(), N3Error> {
        self.product.validate()?;
        if let Some(p) = &self.period {
            check_period(p, "treatment period")?;
        }
        if let Some(r) = &self.route {
            check(&EDQM, r, "routeCode")?;
        }
        if let Some(s) = &self.site {
            non_blank(&s.label, "administration site")?;
            if let Some(c) = &s.code {
                check(&SITE, c, "approachSiteCode")?;
            }
        }
        match &self.posology {
            Posology::Text(t) => non_blank(t, "posology")?,
            Posology::Structured(d) => d.validate()?,
            Posology::Steps(steps) => {
                if !prescription {
                    return Err(N3Error::Invalid {
                        field: "posology",
                        reason: "tapered doses (steps) are written in prescriptions (FR-Traitement-prescrit) only".into(),
                    });
                }
                if steps.is_empty() {
                    return Err(N3Error::Missing {
                        what: "posology step",
                        context: "FR-Traitement-prescrit".into(),
                    });
                }
                for s in steps {
                    s.dosage.validate()?;
                }
            }
        }
        Ok(())
    }

    /// The narrative cells shared by both entries and the references they
    /// allocate.
    fn cells(&self, ids: &mut NarrativeIds) -> MedicationRefs {
        let (product, product_ref) = Cell::referenced(ids, "medicament", &self.product.label);
        let (posology, posology_ref) = Cell::referenced(ids, "posologie", &self.posology.to_fr());
        let (route, route_ref) = match &self.route {
            Some(r) => {
                let (c, r) = Cell::referenced(ids, "voie", r.label());
                (c, Some(r))
            }
            None => (Cell::text("-"), None),
        };
        let (site, site_ref) = match &self.site {
            Some(s) => {
                let (c, r) = Cell::referenced(ids, "site", &s.label);
                (c, Some(r))
            }
            None => (Cell::text("-"), None),
        };
        let (reason, reason_ref) = match &self.reason {
            Some(r) => {
                let (c, r) = Cell::referenced(ids, "motif", &r.label);
                (c, Some(r))
            }
            None => (Cell::text("-"), None),
        };
        let steps = match &self.posology {
            Posology::Steps(s) => s.iter().map(|_| ids.next("posologie-etape")).collect(),
            _ => Vec::new(),
        };
        MedicationRefs {
            product,
            product_ref,
            posology,
            posology_ref,
            route,
            route_ref,
            site,
            site_ref,
            reason,
            reason_ref,
            steps,
        }
    }

    /// Writes everything from `id` to `consumable` (schema order).
    fn write_core(
        &self,
        w: &mut CdaWriter,
        mid: &Ii,
        refs: &MedicationRefs,
        repeat: Option<u32>,
        pharm: bool,
    ) -> io::Result<()> {
        id(w, mid)?;
        cd(w, "code", &codes::drug(), None, None)?;
        text_ref(w, &refs.posology_ref)?;
        status(w, "completed")?;
        if let Some(p) = &self.period {
            ivl(w, "effectiveTime", p, Some("IVL_TS"))?;
        }
        let dosage = match &self.posology {
            Posology::Structured(d) => Some(d),
            _ => None,
        };
        if let Some(f) = dosage.and_then(|d| d.frequency.as_ref()) {
            write_frequency(w, f, None)?;
        }
        if let Some(n) = repeat {
            w.empty("repeatNumber", &[("value", Some(&n.to_string()))])?;
        }
        if let Some(r) = &self.route {
            cd(w, "routeCode", r, None, refs.route_ref.as_deref())?;
        }
        if let (Some(s), Some(r)) = (&self.site, &refs.site_ref) {
            cd_or_text(w, "approachSiteCode", s.code.as_ref(), None, "OTH", Some(r))?;
        }
        if let Some(d) = dosage.and_then(|d| d.dose.as_ref()) {
            ivl_pq(w, "doseQuantity", d, None)?;
        }
        if let Some(r) = dosage.and_then(|d| d.rate.as_ref()) {
            ivl_pq(w, "rateQuantity", r, None)?;
        }
        if let Some(m) = &self.max_dose {
            rto(w, "maxDoseQuantity", m)?;
        }
        self.product.write(w, &refs.product_ref, pharm, None)
    }

    fn mode_templates(&self, prescription: bool) -> Vec<segur_ids::Oid> {
        let mut t = Vec::new();
        if prescription && self.posology.is_structured() {
            t.push(tpl::STRUCTURED_POSOLOGY);
        }
        t.push(match self.posology {
            Posology::Steps(_) => tpl::MODE_TAPERED,
            _ => tpl::MODE_NORMAL,
        });
        t
    }

    fn read_core(sa: &Element, narrative: &NarrativeIndex) -> Result<Self, N3Error> {
        let product = Product::read(sa, narrative)?;
        let mut period = None;
        let mut frequency = None;
        for et in sa.children_named("effectiveTime") {
            match et.xsi_type() {
                Some("PIVL_TS") | Some("EIVL_TS") => frequency = read_frequency(et)?,
                _ => {
                    if period.is_none() {
                        period = read_ivl(Some(et));
                    }
                }
            }
        }
        let dose = read_ivl_pq(sa.child("doseQuantity"))?;
        let rate = read_ivl_pq(sa.child("rateQuantity"))?;
        let route = read_code_opt(&EDQM, sa.child("routeCode"), "routeCode")?;
        let site = match sa.child("approachSiteCode") {
            Some(s) => {
                let code = read_code_opt(&SITE, Some(s), "approachSiteCode")?;
                let label = narrative
                    .resolve(Some(s))
                    .or_else(|| code.as_ref().map(|c| c.label().to_owned()));
                label.map(|label| Site { code, label })
            }
            None => None,
        };
        let max_dose = read_rto(sa.child("maxDoseQuantity"))?;
        let text = read_text(sa.child("text"), narrative);
        let structured_template = sa.has_template(tpl::STRUCTURED_POSOLOGY.as_str())
            || frequency.is_some()
            || dose.is_some()
            || rate.is_some();
        let steps: Vec<&Element> = sa
            .children_named("entryRelationship")
            .filter(|r| r.child("sequenceNumber").is_some())
            .filter_map(|r| r.child("substanceAdministration"))
            .collect();
        let posology = if !steps.is_empty() {
            let mut out = Vec::new();
            for s in steps {
                out.push(read_step(s)?);
            }
            Posology::Steps(out)
        } else if structured_template {
            Posology::Structured(Dosage {
                frequency,
                dose,
                rate,
            })
        } else {
            // Non-structured: the text of the entry, unless it only names
            // the product (the official examples point it to the product).
            let t = text.filter(|t| *t != product.label).unwrap_or_default();
            Posology::Text(t)
        };
        Ok(Self {
            id: read_id(sa),
            product,
            period,
            posology,
            route,
            site,
            max_dose,
            reason: InternalReference::read(sa, narrative),
        })
    }
}

fn read_step(sa: &Element) -> Result<DosageStep, N3Error> {
    let mut start = None;
    let mut duration = None;
    let mut frequency = None;
    if let Some(et) = sa.child("effectiveTime") {
        let comps: Vec<&Element> = if et.xsi_type() == Some("SXPR_TS") {
            et.children_named("comp").collect()
        } else {
            vec![et]
        };
        for c in comps {
            match c.xsi_type() {
                Some("PIVL_TS") | Some("EIVL_TS") => frequency = read_frequency(c)?,
                _ => {
                    start = c
                        .child("low")
                        .map(Element::ts)
                        .filter(|t| t.value.is_some());
                    duration = match c.child("width") {
                        Some(wd) if wd.attr("value").is_some() => Some(read_pq(wd)?),
                        _ => None,
                    };
                }
            }
        }
    }
    Ok(DosageStep {
        id: read_id(sa),
        start,
        duration,
        dosage: Dosage {
            frequency,
            dose: read_ivl_pq(sa.child("doseQuantity"))?,
            rate: read_ivl_pq(sa.child("rateQuantity"))?,
        },
    })
}

/// The route cell, followed by the site when there is one.
fn route_and_site(route: Cell, site: Cell, has_site: bool) -> Cell {
    if has_site {
        Cell::Parts(vec![route, Cell::Text("—".into()), site])
    } else {
        route
    }
}

struct MedicationRefs {
    product: Cell,
    product_ref: String,
    posology: Cell,
    posology_ref: String,
    route: Cell,
    route_ref: Option<String>,
    site: Cell,
    site_ref: Option<String>,
    reason: Cell,
    reason_ref: Option<String>,
    steps: Vec<String>,
}

/// A treatment taken (FR-Traitement): the long-term treatments of a summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Treatment(pub Medication);

impl SectionEntry for Treatment {
    const NAME: &'static str = "FR-Traitement";

    fn headers() -> &'static [&'static str] {
        &[
            "Période",
            "Médicament",
            "Posologie",
            "Voie d'administration",
            "Motif",
        ]
    }

    fn matches(entry: &Element) -> bool {
        entry.child("substanceAdministration").is_some_and(|s| {
            s.has_template(tpl::MEDICATION[2].as_str())
                && !s.has_template(tpl::PRESCRIBED_MEDICATION[3].as_str())
        })
    }

    fn render(&self, ctx: &mut RenderContext<'_>) -> Result<Rendered, N3Error> {
        let m = &self.0;
        m.validate(false)?;
        let refs = m.cells(&mut ctx.ids);
        let mid = ctx.id(&m.id);
        let mut tpls = tpl::MEDICATION.to_vec();
        tpls.extend(m.mode_templates(false));
        let entry = write_entry(Some("DRIV"), |w| {
            w.element(
                "substanceAdministration",
                &[("classCode", Some("SBADM")), ("moodCode", Some("EVN"))],
                |w| {
                    templates(w, &tpls)?;
                    m.write_core(w, &mid, &refs, None, false)?;
                    if let (Some(r), Some(rr)) = (&m.reason, &refs.reason_ref) {
                        r.write(w, rr)?;
                    }
                    Ok(())
                },
            )
        });
        let route = route_and_site(refs.route, refs.site, m.site.is_some());
        let row = vec![
            Cell::text(m.period.as_ref().map(fr_period).unwrap_or_default()),
            refs.product,
            refs.posology,
            route,
            refs.reason,
        ];
        Ok(Rendered::row(row, entry))
    }

    fn read(entry: &Element, narrative: &NarrativeIndex) -> Result<Self, N3Error> {
        let sa = need(Self::NAME, entry, "substanceAdministration")?;
        Medication::read_core(sa, narrative).map(Self)
    }
}

/// The CNAM flags of a prescription line (each is written, true or false).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PrescriptionFlags {
    /// En rapport avec une ALD (affection de longue durée).
    pub ald: bool,
    /// En rapport avec un accident du travail ou une maladie professionnelle.
    pub work_accident: bool,
    /// En rapport avec la prévention.
    pub prevention: bool,
    /// Non remboursable.
    pub non_reimbursable: bool,
}

/// The flag observations: template, TA_ASIP code, label, prefix.
const FLAGS: [(segur_ids::Oid, &str, &str, &str); 5] = [
    (tpl::FLAG_ALD, "MED-574", "En rapport avec une ALD", "ald"),
    (
        tpl::FLAG_WORK_ACCIDENT,
        "GEN-180",
        "En rapport avec un accident du travail ou une maladie professionnelle",
        "atmp",
    ),
    (
        tpl::FLAG_PREVENTION,
        "GEN-295",
        "En rapport avec la prévention",
        "prevention",
    ),
    (
        tpl::FLAG_NON_REIMBURSABLE,
        "GEN-181",
        "Non remboursable",
        "non-remb",
    ),
    (
        tpl::FLAG_OFF_LABEL,
        "GEN-179",
        "Hors Autorisation de Mise sur le Marché (AMM)",
        "hors-amm",
    ),
];

fn yes_no(b: bool) -> &'static str {
    if b { "Oui" } else { "Non" }
}

/// Writes a flag observation (FR-Simple-observation specialisation, BL value).
fn write_flag(
    w: &mut CdaWriter,
    flag: &(segur_ids::Oid, &str, &str, &str),
    value: bool,
    fid: &Ii,
    reference: &str,
    now: &Ts,
) -> io::Result<()> {
    w.element("entryRelationship", &[("typeCode", Some("COMP"))], |w| {
        w.element(
            "observation",
            &[("classCode", Some("OBS")), ("moodCode", Some("EVN"))],
            |w| {
                templates(w, &tpl::FLAG_BASE)?;
                templates(w, std::slice::from_ref(&flag.0))?;
                id(w, fid)?;
                cd(
                    w,
                    "code",
                    &CodedValue::fixed(flag.1, &codes::TA_ASIP, "TA_ASIP", flag.2),
                    None,
                    None,
                )?;
                text_ref(w, reference)?;
                status(w, "completed")?;
                w.ts("effectiveTime", now)?;
                w.empty(
                    "value",
                    &[
                        ("xsi:type", Some("BL")),
                        ("value", Some(if value { "true" } else { "false" })),
                    ],
                )
            },
        )
    })
}

fn read_flag(el: &Element, template: &segur_ids::Oid) -> Result<bool, N3Error> {
    let obs = related(el, "entryRelationship", template.as_str())
        .next()
        .ok_or_else(|| {
            read_err(
                "prescription flag",
                el,
                format!("no flag {}", template.as_str()),
            )
        })?;
    read_bool(obs.child("value")).ok_or_else(|| read_err("prescription flag", obs, "no BL value"))
}

/// Whether generic substitution is allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Substitution {
    /// Substitution allowed (`G`).
    Allowed,
    /// Not allowed (`N`), with the reason (mandatory: "non substituable"
    /// mention and its medical reason).
    NotAllowed {
        /// The reason (e.g. "Marge thérapeutique étroite").
        reason: String,
    },
}

impl Substitution {
    fn code(&self) -> Result<CodedValue, N3Error> {
        value_sets::SUBSTITUTION.code(match self {
            Self::Allowed => "G",
            Self::NotAllowed { .. } => "N",
        })
    }

    fn to_fr(&self) -> String {
        match self {
            Self::Allowed => "Oui".into(),
            Self::NotAllowed { reason } => format!("Non ({reason})"),
        }
    }
}

/// Labels of common EDQM packaging terms (the unit of a quantity to
/// dispense is written as a bare code: its label is restored from here
/// when a document is read).
pub const PACKAGING: &[(&str, &str)] = &[("30009000", "Boîte"), ("30067000", "Tube")];

/// The label of an EDQM packaging code, when known.
pub fn packaging_label(code: &str) -> Option<&'static str> {
    PACKAGING.iter().find(|(c, _)| *c == code).map(|(_, l)| *l)
}

/// The quantity to dispense (FR-Quantite-de-produit): a number of packages,
/// with the EDQM packaging unit (e.g. `30009000` Boîte).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DispenseQuantity {
    /// How many.
    pub value: Decimal,
    /// EDQM packaging, optional.
    pub unit: Option<CodedValue>,
}

/// A prescribed treatment (FR-Traitement-prescrit of eP-MED-DM).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrescribedMedication {
    /// Product, posology, route, period…
    pub medication: Medication,
    /// Number of renewals (`repeatNumber`, 0 for none).
    pub renewals: u32,
    /// Quantity to dispense.
    pub quantity: Option<DispenseQuantity>,
    /// Substitution.
    pub substitution: Substitution,
    /// Instructions to the patient.
    pub patient_instructions: Option<String>,
    /// Instructions to the dispenser.
    pub dispenser_instructions: Option<String>,
    /// CNAM flags.
    pub flags: PrescriptionFlags,
    /// Prescribed off label (hors AMM).
    pub off_label: bool,
    /// Condition to start the treatment (precondition), optional.
    pub precondition: Option<String>,
}

impl PrescribedMedication {
    /// A prescription line with substitution allowed and no flag set.
    pub fn new(medication: Medication) -> Self {
        Self {
            medication,
            renewals: 0,
            quantity: None,
            substitution: Substitution::Allowed,
            patient_instructions: None,
            dispenser_instructions: None,
            flags: PrescriptionFlags::default(),
            off_label: false,
            precondition: None,
        }
    }
}

fn write_instructions(
    w: &mut CdaWriter,
    templates_: &[segur_ids::Oid],
    code: &CodedValue,
    reference: &str,
) -> io::Result<()> {
    w.element(
        "entryRelationship",
        &[("typeCode", Some("SUBJ")), ("inversionInd", Some("true"))],
        |w| {
            w.element(
                "act",
                &[("classCode", Some("ACT")), ("moodCode", Some("INT"))],
                |w| {
                    templates(w, templates_)?;
                    cd(w, "code", code, None, None)?;
                    text_ref(w, reference)?;
                    status(w, "completed")
                },
            )
        },
    )
}

impl SectionEntry for PrescribedMedication {
    const NAME: &'static str = "FR-Traitement-prescrit";

    fn headers() -> &'static [&'static str] {
        &[
            "Durée du traitement",
            "Médicament",
            "Posologie",
            "Voie d'administration",
            "Substitution",
            "Renouvellements",
            "Quantité",
            "ALD",
            "AT/MP",
            "Prévention",
            "Non remboursable",
            "Hors AMM",
            "Instructions",
        ]
    }

    fn matches(entry: &Element) -> bool {
        entry
            .child("substanceAdministration")
            .is_some_and(|s| s.has_template(tpl::PRESCRIBED_MEDICATION[3].as_str()))
    }

    fn render(&self, ctx: &mut RenderContext<'_>) -> Result<Rendered, N3Error> {
        let m = &self.medication;
        m.validate(true)?;
        if let Substitution::NotAllowed { reason } = &self.substitution {
            non_blank(reason, "reason of non-substitution")?;
        }
        if let Some(q) = &self.quantity {
            if let Some(u) = &q.unit {
                check(&EDQM, u, "quantity to dispense unit")?;
            }
        }
        let substitution_code = self.substitution.code()?;
        let refs = m.cells(&mut ctx.ids);
        let (subst_cell, subst_ref) =
            Cell::referenced(&mut ctx.ids, "substitution", &self.substitution.to_fr());
        let values = [
            self.flags.ald,
            self.flags.work_accident,
            self.flags.prevention,
            self.flags.non_reimbursable,
            self.off_label,
        ];
        let mut flag_cells = Vec::new();
        let mut flag_refs = Vec::new();
        for (f, v) in FLAGS.iter().zip(values) {
            let (c, r) = Cell::referenced(&mut ctx.ids, f.3, yes_no(v));
            flag_cells.push(c);
            flag_refs.push((ctx.entry_ids.next_id(), r));
        }
        let mut instr_cells = Vec::new();
        let patient_ref = self.patient_instructions.as_ref().map(|t| {
            let (c, r) = Cell::referenced(&mut ctx.ids, "instructions-patient", t);
            instr_cells.push(Cell::Parts(vec![Cell::text("Patient :"), c]));
            r
        });
        let dispenser_ref = self.dispenser_instructions.as_ref().map(|t| {
            let (c, r) = Cell::referenced(&mut ctx.ids, "instructions-dispensateur", t);
            instr_cells.push(Cell::Parts(vec![Cell::text("Dispensateur :"), c]));
            r
        });
        let precondition_ref = self.precondition.as_ref().map(|t| {
            let (c, r) = Cell::referenced(&mut ctx.ids, "precondition", t);
            instr_cells.push(Cell::Parts(vec![Cell::text("Condition :"), c]));
            r
        });
        let step_ids: Vec<Ii> = match &m.posology {
            Posology::Steps(s) => s.iter().map(|st| ctx.id(&st.id)).collect(),
            _ => Vec::new(),
        };
        let mid = ctx.id(&m.id);
        let now = ctx.now.clone();
        let mut tpls = tpl::PRESCRIBED_MEDICATION.to_vec();
        tpls.extend(m.mode_templates(true));
        let entry = write_entry(None, |w| {
            w.element(
                "substanceAdministration",
                &[("classCode", Some("SBADM")), ("moodCode", Some("INT"))],
                |w| {
                    templates(w, &tpls)?;
                    m.write_core(w, &mid, &refs, Some(self.renewals), true)?;
                    if let Posology::Steps(steps) = &m.posology {
                        for (i, (s, sid)) in steps.iter().zip(&step_ids).enumerate() {
                            write_step(w, i + 1, s, sid, &format!("#{}", refs.steps[i]))?;
                        }
                    }
                    if let Some(r) = &patient_ref {
                        write_instructions(
                            w,
                            &tpl::PATIENT_INSTRUCTIONS,
                            &codes::patient_instructions(),
                            r,
                        )?;
                    }
                    if let Some(r) = &dispenser_ref {
                        write_instructions(
                            w,
                            &tpl::DISPENSER_INSTRUCTIONS,
                            &codes::dispenser_instructions(),
                            r,
                        )?;
                    }
                    if let Some(q) = &self.quantity {
                        w.element("entryRelationship", &[("typeCode", Some("COMP"))], |w| {
                            w.element(
                                "supply",
                                &[("classCode", Some("SPLY")), ("moodCode", Some("RQO"))],
                                |w| {
                                    templates(w, &tpl::QUANTITY_TO_DISPENSE)?;
                                    w.empty("independentInd", &[("value", Some("false"))])?;
                                    w.empty(
                                        "quantity",
                                        &[
                                            ("value", Some(q.value.as_str())),
                                            ("unit", q.unit.as_ref().map(|u| u.code())),
                                        ],
                                    )
                                },
                            )
                        })?;
                    }
                    w.element("entryRelationship", &[("typeCode", Some("COMP"))], |w| {
                        w.element(
                            "act",
                            &[("classCode", Some("ACT")), ("moodCode", Some("DEF"))],
                            |w| {
                                templates(w, &tpl::SUBSTITUTION)?;
                                cd(w, "code", &substitution_code, None, Some(&subst_ref))?;
                                status(w, "completed")
                            },
                        )
                    })?;
                    for ((f, v), (fid, r)) in FLAGS.iter().zip(values).zip(&flag_refs) {
                        write_flag(w, f, v, fid, r, &now)?;
                    }
                    if let (Some(r), Some(rr)) = (&m.reason, &refs.reason_ref) {
                        r.write(w, rr)?;
                    }
                    if let Some(r) = &precondition_ref {
                        w.element("precondition", &[], |w| {
                            w.element("criterion", &[], |w| text_ref(w, r))
                        })?;
                    }
                    Ok(())
                },
            )
        });
        let quantity = self
            .quantity
            .as_ref()
            .map(|q| match &q.unit {
                Some(u) => format!("{} {}", q.value.to_fr(), u.label()),
                None => q.value.to_fr(),
            })
            .unwrap_or_default();
        let mut posology = vec![refs.posology];
        for (i, id) in refs.steps.iter().enumerate() {
            if let Posology::Steps(s) = &m.posology {
                posology.push(Cell::Content {
                    id: id.clone(),
                    text: format!("Étape {} : {}", i + 1, s[i].to_fr()),
                });
            }
        }
        let mut row = vec![
            Cell::text(m.period.as_ref().map(fr_period).unwrap_or_default()),
            refs.product,
            Cell::Parts(posology),
            route_and_site(refs.route, refs.site, m.site.is_some()),
            subst_cell,
            Cell::text(self.renewals.to_string()),
            Cell::text(quantity),
        ];
        row.extend(flag_cells);
        row.push(if instr_cells.is_empty() {
            Cell::text("-")
        } else {
            Cell::Parts(instr_cells)
        });
        Ok(Rendered::row(row, entry))
    }

    fn read(entry: &Element, narrative: &NarrativeIndex) -> Result<Self, N3Error> {
        let sa = need(Self::NAME, entry, "substanceAdministration")?;
        let medication = Medication::read_core(sa, narrative)?;
        let renewals = sa
            .child("repeatNumber")
            .and_then(|r| r.attr("value"))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let instructions = |root: &segur_ids::Oid| {
            related(sa, "entryRelationship", root.as_str())
                .next()
                .and_then(|a| read_text(a.child("text"), narrative))
        };
        let quantity = match related(
            sa,
            "entryRelationship",
            tpl::QUANTITY_TO_DISPENSE[1].as_str(),
        )
        .next()
        .and_then(|s| s.child("quantity"))
        {
            Some(q) => match q.attr("value") {
                Some(v) => {
                    let unit = match q.attr("unit") {
                        Some(u) if Terminology::Edqm.check(u).is_ok() => {
                            Some(Terminology::Edqm.code(u, packaging_label(u).unwrap_or(""))?)
                        }
                        _ => None,
                    };
                    Some(DispenseQuantity {
                        value: Decimal::parse(v)?,
                        unit,
                    })
                }
                None => None,
            },
            None => None,
        };
        let substitution = match related(sa, "entryRelationship", tpl::SUBSTITUTION[1].as_str())
            .next()
            .and_then(|a| a.child("code"))
        {
            Some(c) => {
                let code = read_code(&SUBSTITUTION, c, "FR-Autorisation-substitution/code")?;
                if code.code() == "N" {
                    let text = narrative.resolve(Some(c)).unwrap_or_default();
                    let reason = text
                        .strip_prefix("Non (")
                        .and_then(|t| t.strip_suffix(')'))
                        .map(str::to_owned)
                        .unwrap_or(text);
                    Substitution::NotAllowed {
                        reason: if reason.is_empty() {
                            "non substituable".into()
                        } else {
                            reason
                        },
                    }
                } else {
                    Substitution::Allowed
                }
            }
            None => Substitution::Allowed,
        };
        let precondition = sa
            .path(&["precondition", "criterion", "text"])
            .and_then(|t| read_text(Some(t), narrative));
        Ok(Self {
            medication,
            renewals,
            quantity,
            substitution,
            patient_instructions: instructions(&tpl::PATIENT_INSTRUCTIONS[2]),
            dispenser_instructions: instructions(&tpl::DISPENSER_INSTRUCTIONS[2]),
            flags: PrescriptionFlags {
                ald: read_flag(sa, &tpl::FLAG_ALD)?,
                work_accident: read_flag(sa, &tpl::FLAG_WORK_ACCIDENT).unwrap_or(false),
                prevention: read_flag(sa, &tpl::FLAG_PREVENTION).unwrap_or(false),
                non_reimbursable: read_flag(sa, &tpl::FLAG_NON_REIMBURSABLE).unwrap_or(false),
            },
            off_label: read_flag(sa, &tpl::FLAG_OFF_LABEL).unwrap_or(false),
            precondition,
        })
    }
}

fn write_step(
    w: &mut CdaWriter,
    seq: usize,
    s: &DosageStep,
    sid: &Ii,
    reference: &str,
) -> io::Result<()> {
    w.element("entryRelationship", &[("typeCode", Some("COMP"))], |w| {
        w.empty("sequenceNumber", &[("value", Some(&seq.to_string()))])?;
        w.element(
            "substanceAdministration",
            &[("classCode", Some("SBADM")), ("moodCode", Some("INT"))],
            |w| {
                templates(w, std::slice::from_ref(&tpl::PRESCRIBED_MEDICATION_STEP))?;
                id(w, sid)?;
                text_ref(w, reference)?;
                status(w, "completed")?;
                let has_ivl = s.start.is_some() || s.duration.is_some();
                match (has_ivl, &s.dosage.frequency) {
                    (true, Some(f)) => {
                        w.element("effectiveTime", &[("xsi:type", Some("SXPR_TS"))], |w| {
                            w.element(
                                "comp",
                                &[("xsi:type", Some("IVL_TS")), ("operator", Some("A"))],
                                |w| step_bounds(w, s),
                            )?;
                            match f {
                                Frequency::Every {
                                    period,
                                    institution_specified,
                                } => w.element(
                                    "comp",
                                    &[
                                        ("xsi:type", Some("PIVL_TS")),
                                        (
                                            "institutionSpecified",
                                            institution_specified.then_some("true"),
                                        ),
                                        ("operator", Some("A")),
                                    ],
                                    |w| write_period(w, period, None),
                                ),
                                Frequency::AtEvent { event, offset } => w.element(
                                    "comp",
                                    &[("xsi:type", Some("EIVL_TS")), ("operator", Some("A"))],
                                    |w| write_event(w, event, offset.as_ref()),
                                ),
                            }
                        })?
                    }
                    (true, None) => {
                        w.element("effectiveTime", &[("xsi:type", Some("IVL_TS"))], |w| {
                            step_bounds(w, s)
                        })?
                    }
                    (false, Some(f)) => write_frequency(w, f, None)?,
                    (false, None) => {}
                }
                if let Some(d) = &s.dosage.dose {
                    ivl_pq(w, "doseQuantity", d, None)?;
                }
                if let Some(r) = &s.dosage.rate {
                    ivl_pq(w, "rateQuantity", r, None)?;
                }
                w.element("consumable", &[("typeCode", Some("CSM"))], |w| {
                    w.element("manufacturedProduct", &[("classCode", Some("MANU"))], |w| {
                        templates(w, &tpl::PRODUCT)?;
                        w.element(
                            "manufacturedMaterial",
                            &[
                                ("classCode", Some("MMAT")),
                                ("determinerCode", Some("KIND")),
                            ],
                            |w| {
                                templates(w, std::slice::from_ref(&tpl::MEDICINE))?;
                                w.empty("code", &[("nullFlavor", Some("NA"))])?;
                                w.empty("name", &[("nullFlavor", Some("NA"))])
                            },
                        )
                    })
                })
            },
        )
    })
}

fn step_bounds(w: &mut CdaWriter, s: &DosageStep) -> io::Result<()> {
    if let Some(st) = &s.start {
        w.ts("low", st)?;
    }
    if let Some(d) = &s.duration {
        pq(w, "width", d, None)?;
    }
    Ok(())
}
