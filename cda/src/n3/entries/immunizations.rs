//! Immunizations (FR-Vaccination) with rank, reactions and comment.

use crate::datatypes::{Addr, Ii, NamePartKind, PersonName, Telecom, Ts};
use crate::error::N3Error;
use crate::header::{Organization, RoleEntity};
use crate::n3::codes::{Binding, CodedValue, Terminology};
use crate::n3::entry::*;
use crate::n3::narrative::{Cell, NarrativeIndex};
use crate::n3::templates::{self as tpl, codes};
use crate::n3::types::{check_ts, fr_date};
use crate::n3::value_sets;
use crate::n3::xml::Element;

use super::medications::{EDQM, Product};
use super::problems::{PROBLEM_VALUE, Problem};

/// Binding of the vaccination act (`BOOSTER`, `IMMUNIZ`, `INITIMMUNIZ`).
pub static IMMUNIZATION_ACT: Binding = Binding::ValueSet(&value_sets::IMMUNIZATION_ACT);
/// Binding of the vaccination site: SNOMED CT.
pub static IMMUNIZATION_SITE: Binding = Binding::Terminology(Terminology::SnomedCt);

/// A vaccination given (or refused).
#[derive(Debug, Clone, PartialEq)]
pub struct Immunization {
    /// The id.
    pub id: Option<Ii>,
    /// Kind of act (JDV_HL7_ActSubstanceAdministrationImmunizationCode_CISIS).
    pub act: CodedValue,
    /// When.
    pub date: Ts,
    /// The vaccine (CIS code with its ATC class and CIP as translations, lot number).
    pub vaccine: Product,
    /// Route (EDQM).
    pub route: Option<CodedValue>,
    /// Site (SNOMED CT) and its text.
    pub site: Option<(CodedValue, String)>,
    /// Who vaccinated.
    pub performer: Option<RoleEntity>,
    /// Rank of the dose in the series.
    pub rank: Option<u32>,
    /// Reactions observed (FR-Probleme).
    pub reactions: Vec<Problem>,
    /// A comment.
    pub comment: Option<String>,
    /// The vaccination was not done (`negationInd`).
    pub not_given: bool,
}

impl Immunization {
    /// A vaccination of `vaccine` on `date`.
    pub fn new(act: &str, vaccine: Product, date: Ts) -> Result<Self, N3Error> {
        Ok(Self {
            id: None,
            act: value_sets::IMMUNIZATION_ACT.code(act)?,
            date,
            vaccine,
            route: None,
            site: None,
            performer: None,
            rank: None,
            reactions: Vec::new(),
            comment: None,
            not_given: false,
        })
    }
}

impl SectionEntry for Immunization {
    const NAME: &'static str = "FR-Vaccination";

    fn headers() -> &'static [&'static str] {
        &[
            "Date",
            "Vaccin",
            "Lot",
            "Rang",
            "Voie",
            "Site",
            "Réaction",
            "Commentaire",
            "Vaccinateur",
        ]
    }

    fn matches(entry: &Element) -> bool {
        entry
            .child("substanceAdministration")
            .is_some_and(|s| s.has_template(tpl::IMMUNIZATION[2].as_str()))
    }

    fn render(&self, ctx: &mut RenderContext<'_>) -> Result<Rendered, N3Error> {
        check(&IMMUNIZATION_ACT, &self.act, "FR-Vaccination/code")?;
        check_ts(&self.date, "vaccination date")?;
        self.vaccine.validate()?;
        if let Some(r) = &self.route {
            check(&EDQM, r, "FR-Vaccination/routeCode")?;
        }
        if let Some((s, _)) = &self.site {
            check(&IMMUNIZATION_SITE, s, "FR-Vaccination/approachSiteCode")?;
        }
        for r in &self.reactions {
            if let Some(v) = &r.value {
                check(&PROBLEM_VALUE, v, "vaccination reaction")?;
            }
        }
        let (vaccine_cell, r) = Cell::referenced(&mut ctx.ids, "vaccin", &self.vaccine.label);
        let (site_cell, site_ref) = match &self.site {
            Some((_, label)) => {
                let (c, r) = Cell::referenced(&mut ctx.ids, "vaccin-site", label);
                (c, Some(r))
            }
            None => (Cell::text("-"), None),
        };
        let mut reaction_cells = Vec::new();
        let mut reaction_refs = Vec::new();
        for p in &self.reactions {
            let (c, rr) = Cell::referenced(&mut ctx.ids, "vaccin-reaction", &p.label);
            reaction_cells.push(c);
            reaction_refs.push((ctx.id(&p.id), rr));
        }
        let (comment_cell, comment_ref) = match &self.comment {
            Some(t) => {
                let (c, r) = Cell::referenced(&mut ctx.ids, "vaccin-commentaire", t);
                (c, Some(r))
            }
            None => (Cell::text("-"), None),
        };
        let vid = ctx.id(&self.id);
        let entry = write_entry(None, |w| {
            w.element(
                "substanceAdministration",
                &[
                    ("classCode", Some("SBADM")),
                    ("moodCode", Some("EVN")),
                    (
                        "negationInd",
                        Some(if self.not_given { "true" } else { "false" }),
                    ),
                ],
                |w| {
                    templates(w, &tpl::IMMUNIZATION)?;
                    id(w, &vid)?;
                    cd(w, "code", &self.act, None, None)?;
                    text_ref(w, &r)?;
                    status(w, "completed")?;
                    w.ts("effectiveTime", &self.date)?;
                    if let Some(rt) = &self.route {
                        cd(w, "routeCode", rt, None, None)?;
                    }
                    if let (Some((s, _)), Some(sr)) = (&self.site, &site_ref) {
                        cd(w, "approachSiteCode", s, None, Some(sr))?;
                    }
                    self.vaccine.write(w, &r, false, Some("CSM"))?;
                    if let Some(p) = &self.performer {
                        w.element("performer", &[("typeCode", Some("PRF"))], |w| {
                            crate::write::write_assigned_entity(w, p)
                        })?;
                    }
                    if let Some(n) = self.rank {
                        w.element("entryRelationship", &[("typeCode", Some("SUBJ"))], |w| {
                            w.element(
                                "observation",
                                &[("classCode", Some("OBS")), ("moodCode", Some("EVN"))],
                                |w| {
                                    templates(w, &tpl::IMMUNIZATION_RANK)?;
                                    cd(w, "code", &codes::immunization_rank(), None, None)?;
                                    status(w, "completed")?;
                                    w.empty(
                                        "value",
                                        &[
                                            ("xsi:type", Some("INT")),
                                            ("value", Some(&n.to_string())),
                                        ],
                                    )
                                },
                            )
                        })?;
                    }
                    for (p, (pid, rr)) in self.reactions.iter().zip(&reaction_refs) {
                        w.element(
                            "entryRelationship",
                            &[("typeCode", Some("CAUS")), ("inversionInd", Some("false"))],
                            |w| p.write_observation(w, pid, rr, Some(&tpl::REACTION)),
                        )?;
                    }
                    if let Some(cr) = &comment_ref {
                        w.element("entryRelationship", &[("typeCode", Some("SUBJ"))], |w| {
                            w.element(
                                "act",
                                &[("classCode", Some("ACT")), ("moodCode", Some("EVN"))],
                                |w| {
                                    templates(w, &tpl::COMMENT)?;
                                    cd(w, "code", &codes::comment(), None, None)?;
                                    text_ref(w, cr)?;
                                    status(w, "completed")
                                },
                            )
                        })?;
                    }
                    Ok(())
                },
            )
        });
        let row = vec![
            Cell::text(fr_date(&self.date)),
            vaccine_cell,
            Cell::text(self.vaccine.lot_number.clone().unwrap_or_default()),
            Cell::text(self.rank.map(|r| r.to_string()).unwrap_or_default()),
            Cell::text(
                self.route
                    .as_ref()
                    .map(|r| r.label().to_owned())
                    .unwrap_or_default(),
            ),
            site_cell,
            if reaction_cells.is_empty() {
                Cell::text("-")
            } else {
                Cell::Parts(reaction_cells)
            },
            comment_cell,
            Cell::text(
                self.performer
                    .as_ref()
                    .map(RoleEntity::display_name)
                    .unwrap_or_default(),
            ),
        ];
        Ok(Rendered::row(row, entry))
    }

    fn read(entry: &Element, narrative: &NarrativeIndex) -> Result<Self, N3Error> {
        let sa = need(Self::NAME, entry, "substanceAdministration")?;
        let act = read_code(
            &IMMUNIZATION_ACT,
            need(Self::NAME, sa, "code")?,
            "FR-Vaccination/code",
        )?;
        let site = match sa
            .child("approachSiteCode")
            .filter(|s| s.attr("code").is_some())
        {
            Some(s) => {
                let code = read_code(&IMMUNIZATION_SITE, s, "FR-Vaccination/approachSiteCode")?;
                let label = narrative
                    .resolve(Some(s))
                    .unwrap_or_else(|| code.label().to_owned());
                Some((code, label))
            }
            None => None,
        };
        let mut reactions = Vec::new();
        for o in related(sa, "entryRelationship", tpl::PROBLEM[2].as_str()) {
            reactions.push(Problem::read_observation(o, narrative)?);
        }
        Ok(Self {
            id: read_id(sa),
            act,
            date: sa
                .child("effectiveTime")
                .map(Element::ts)
                .unwrap_or_default(),
            vaccine: Product::read(sa, narrative)?,
            route: read_code_opt(&EDQM, sa.child("routeCode"), "FR-Vaccination/routeCode")?,
            site,
            performer: sa.path(&["performer", "assignedEntity"]).map(read_role),
            rank: related(sa, "entryRelationship", tpl::IMMUNIZATION_RANK[1].as_str())
                .next()
                .and_then(|o| o.child("value"))
                .and_then(|v| v.attr("value"))
                .and_then(|v| v.parse().ok()),
            reactions,
            comment: related(sa, "entryRelationship", tpl::COMMENT[2].as_str())
                .next()
                .and_then(|a| read_text(a.child("text"), narrative)),
            not_given: sa.attr("negationInd") == Some("true"),
        })
    }
}

/// Reads an `assignedEntity` (ids, code, addresses, telecoms, person name,
/// organisation) from an entry.
pub fn read_role(e: &Element) -> RoleEntity {
    RoleEntity {
        class_code: e.attr("classCode").map(str::to_owned),
        ids: e.children_named("id").map(Element::ii).collect(),
        code: e.child("code").map(Element::code),
        addrs: e.children_named("addr").map(read_addr).collect(),
        telecoms: e.children_named("telecom").map(read_telecom).collect(),
        person_names: e
            .child("assignedPerson")
            .map(|p| p.children_named("name").map(read_name).collect())
            .unwrap_or_default(),
        has_person: e.child("assignedPerson").is_some(),
        device: None,
        organization: e.child("representedOrganization").map(|o| Organization {
            ids: o.children_named("id").map(Element::ii).collect(),
            name: o.child("name").map(Element::text),
            telecoms: o.children_named("telecom").map(read_telecom).collect(),
            addrs: o.children_named("addr").map(read_addr).collect(),
            standard_industry_class_code: o.child("standardIndustryClassCode").map(Element::code),
        }),
    }
}

fn read_addr(a: &Element) -> Addr {
    let mut out = Addr {
        use_: a.attr("use").map(str::to_owned),
        null_flavor: a.attr("nullFlavor").map(str::to_owned),
        parts: Vec::new(),
    };
    for p in a.elements() {
        out.push(&p.name, &p.text());
    }
    out
}

fn read_telecom(t: &Element) -> Telecom {
    Telecom {
        value: t.attr("value").map(str::to_owned),
        use_: t.attr("use").map(str::to_owned),
        null_flavor: t.attr("nullFlavor").map(str::to_owned),
    }
}

fn read_name(n: &Element) -> PersonName {
    let mut out = PersonName {
        use_: n.attr("use").map(str::to_owned),
        null_flavor: n.attr("nullFlavor").map(str::to_owned),
        parts: Vec::new(),
    };
    for p in n.elements() {
        let kind = match p.name.as_str() {
            "family" => NamePartKind::Family,
            "given" => NamePartKind::Given,
            "prefix" => NamePartKind::Prefix,
            "suffix" => NamePartKind::Suffix,
            "delimiter" => NamePartKind::Delimiter,
            _ => continue,
        };
        out.push(kind, p.attr("qualifier"), p.text().trim());
    }
    out
}
