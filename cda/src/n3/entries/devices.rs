//! Prescribed medical devices (FR-Dispositif-medical, a CCD supply).

use crate::datatypes::{Ii, IvlTs};
use crate::error::N3Error;
use crate::n3::codes::{Binding, CodedValue, Terminology};
use crate::n3::entry::*;
use crate::n3::narrative::{Cell, NarrativeIndex};
use crate::n3::templates as tpl;
use crate::n3::types::{Decimal, check_period, fr_period};
use crate::n3::xml::Element;

use super::medications::PrescriptionFlags;

/// Binding of a device code: EMDN, LPP, or CIP/UCD-like codes of products.
pub static DEVICE_CODE: Binding = Binding::OneOf(&[
    Binding::Terminology(Terminology::Emdn),
    Binding::Terminology(Terminology::Lpp),
    Binding::Terminology(Terminology::Cip),
]);

/// A prescribed medical device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrescribedDevice {
    /// The supply's id (`nullFlavor` UNK when `None`, as the examples write it).
    pub id: Option<Ii>,
    /// The device (EMDN, with the LPP code as translation), `None` when
    /// described only.
    pub code: Option<CodedValue>,
    /// The text shown.
    pub label: String,
    /// Period of use.
    pub period: Option<IvlTs>,
    /// Number of renewals (0 for none).
    pub renewals: u32,
    /// Number of packages.
    pub quantity: Option<Decimal>,
    /// Rental duration in days (LPP rentals).
    pub rental_days: Option<u32>,
    /// CNAM flags.
    pub flags: PrescriptionFlags,
}

impl PrescribedDevice {
    /// A device known by EMDN and/or LPP code.
    pub fn new(code: Option<CodedValue>, label: &str) -> Self {
        Self {
            id: None,
            code,
            label: label.to_owned(),
            period: None,
            renewals: 0,
            quantity: None,
            rental_days: None,
            flags: PrescriptionFlags::default(),
        }
    }
}

/// The device flags: template, TA_ASIP code, label, narrative prefix.
const DEVICE_FLAGS: [(segur_ids::Oid, &str, &str, &str); 4] = [
    (
        tpl::FLAG_ALD,
        "MED-574",
        "En rapport avec une ALD",
        "dm-ald",
    ),
    (
        tpl::FLAG_WORK_ACCIDENT,
        "GEN-180",
        "En rapport avec un accident du travail ou une maladie professionnelle",
        "dm-atmp",
    ),
    (
        tpl::FLAG_PREVENTION,
        "GEN-295",
        "En rapport avec la prévention",
        "dm-prevention",
    ),
    (
        tpl::FLAG_NON_REIMBURSABLE,
        "GEN-181",
        "Non remboursable",
        "dm-non-remb",
    ),
];

impl SectionEntry for PrescribedDevice {
    const NAME: &'static str = "FR-Dispositif-medical";

    fn headers() -> &'static [&'static str] {
        &[
            "Dispositif médical",
            "Période",
            "Durée de location",
            "Nombre de conditionnements",
            "Renouvellements",
            "ALD",
            "AT/MP",
            "Prévention",
            "Non remboursable",
        ]
    }

    fn matches(entry: &Element) -> bool {
        entry
            .child("supply")
            .is_some_and(|s| s.has_template(tpl::MEDICAL_DEVICE[0].as_str()))
    }

    fn render(&self, ctx: &mut RenderContext<'_>) -> Result<Rendered, N3Error> {
        non_blank(&self.label, "device label")?;
        if let Some(c) = &self.code {
            check(&DEVICE_CODE, c, "FR-Dispositif-medical/code")?;
        }
        if let Some(p) = &self.period {
            check_period(p, "device period")?;
        }
        let (label_cell, r) = Cell::referenced(&mut ctx.ids, "dispositif", &self.label);
        let values = [
            self.flags.ald,
            self.flags.work_accident,
            self.flags.prevention,
            self.flags.non_reimbursable,
        ];
        let mut flag_cells = Vec::new();
        let mut flag_refs = Vec::new();
        for (f, v) in DEVICE_FLAGS.iter().zip(values) {
            let (c, rf) = Cell::referenced(&mut ctx.ids, f.3, if v { "Oui" } else { "Non" });
            flag_cells.push(c);
            flag_refs.push((ctx.entry_ids.next_id(), rf));
        }
        let now = ctx.now.clone();
        let entry = write_entry(None, |w| {
            w.element(
                "supply",
                &[("classCode", Some("SPLY")), ("moodCode", Some("INT"))],
                |w| {
                    templates(w, &tpl::MEDICAL_DEVICE)?;
                    match &self.id {
                        Some(i) => id(w, i)?,
                        None => w.empty("id", &[("nullFlavor", Some("UNK"))])?,
                    }
                    text_ref(w, &r)?;
                    if let Some(p) = &self.period {
                        ivl(w, "effectiveTime", p, Some("IVL_TS"))?;
                    }
                    w.empty(
                        "repeatNumber",
                        &[("value", Some(&self.renewals.to_string()))],
                    )?;
                    if let Some(q) = &self.quantity {
                        w.empty("quantity", &[("value", Some(q.as_str()))])?;
                    }
                    if let Some(d) = self.rental_days {
                        w.element("expectedUseTime", &[], |w| {
                            w.empty(
                                "width",
                                &[("value", Some(&d.to_string())), ("unit", Some("d"))],
                            )
                        })?;
                    }
                    w.element("participant", &[("typeCode", Some("DEV"))], |w| {
                        w.element("participantRole", &[("classCode", Some("MANU"))], |w| {
                            w.element(
                                "playingDevice",
                                &[
                                    ("classCode", Some("DEV")),
                                    ("determinerCode", Some("INSTANCE")),
                                ],
                                |w| cd_or_text(w, "code", self.code.as_ref(), None, "NI", Some(&r)),
                            )
                        })
                    })?;
                    for ((f, v), (fid, rf)) in DEVICE_FLAGS.iter().zip(values).zip(&flag_refs) {
                        w.element("entryRelationship", &[("typeCode", Some("COMP"))], |w| {
                            w.element(
                                "observation",
                                &[("classCode", Some("OBS")), ("moodCode", Some("EVN"))],
                                |w| {
                                    templates(w, &tpl::FLAG_BASE)?;
                                    templates(w, std::slice::from_ref(&f.0))?;
                                    id(w, fid)?;
                                    cd(
                                        w,
                                        "code",
                                        &CodedValue::fixed(
                                            f.1,
                                            &tpl::codes::TA_ASIP,
                                            "TA_ASIP",
                                            f.2,
                                        ),
                                        None,
                                        None,
                                    )?;
                                    text_ref(w, rf)?;
                                    status(w, "completed")?;
                                    w.ts("effectiveTime", &now)?;
                                    w.empty(
                                        "value",
                                        &[
                                            ("xsi:type", Some("BL")),
                                            ("value", Some(if v { "true" } else { "false" })),
                                        ],
                                    )
                                },
                            )
                        })?;
                    }
                    Ok(())
                },
            )
        });
        let mut row = vec![
            label_cell,
            Cell::text(self.period.as_ref().map(fr_period).unwrap_or_default()),
            Cell::text(
                self.rental_days
                    .map(|d| format!("{d} jours"))
                    .unwrap_or_default(),
            ),
            Cell::text(
                self.quantity
                    .as_ref()
                    .map(Decimal::to_fr)
                    .unwrap_or_default(),
            ),
            Cell::text(self.renewals.to_string()),
        ];
        row.extend(flag_cells);
        Ok(Rendered::row(row, entry))
    }

    fn read(entry: &Element, narrative: &NarrativeIndex) -> Result<Self, N3Error> {
        let s = need(Self::NAME, entry, "supply")?;
        let code_el = s.path(&["participant", "participantRole", "playingDevice", "code"]);
        let code = read_code_opt(&DEVICE_CODE, code_el, "FR-Dispositif-medical/code")?;
        // The official example points `text` to an ID that does not exist:
        // fall back on the code's text, then on its labels.
        let label = read_text(s.child("text"), narrative)
            .filter(|t| !t.starts_with('#'))
            .or_else(|| narrative.resolve(code_el))
            .or_else(|| {
                code.as_ref().map(|c| {
                    c.translations()
                        .first()
                        .map(|t| t.label().to_owned())
                        .unwrap_or_else(|| c.label().to_owned())
                })
            })
            .unwrap_or_else(|| "-".into());
        let flag = |t: &segur_ids::Oid| {
            related(s, "entryRelationship", t.as_str())
                .next()
                .and_then(|o| read_bool(o.child("value")))
                .unwrap_or(false)
        };
        Ok(Self {
            id: read_id(s),
            code,
            label,
            period: read_ivl(s.child("effectiveTime")),
            renewals: s
                .child("repeatNumber")
                .and_then(|r| r.attr("value"))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
            quantity: s
                .child("quantity")
                .and_then(|q| q.attr("value"))
                .map(Decimal::parse)
                .transpose()?,
            rental_days: s
                .path(&["expectedUseTime", "width"])
                .and_then(|w| w.attr("value"))
                .and_then(|v| v.parse().ok()),
            flags: PrescriptionFlags {
                ald: flag(&tpl::FLAG_ALD),
                work_accident: flag(&tpl::FLAG_WORK_ACCIDENT),
                prevention: flag(&tpl::FLAG_PREVENTION),
                non_reimbursable: flag(&tpl::FLAG_NON_REIMBURSABLE),
            },
        })
    }
}
