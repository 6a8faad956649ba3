//! Note de vaccination (VAC-NOTE 2023.01): one vaccination act — the
//! product (CIS code with its ATC class and optional CIP presentation), lot
//! number, exact date, vaccinator, route, region (site), act type, rank.

use segur_cda::Document;
use segur_cda::builder::HeaderBuilder;
use segur_cda::clock::IdGenerator;
use segur_cda::datatypes::Ts;
use segur_cda::header::{Organization, RoleEntity};
use segur_cda::n3::codes::{Binding, CodedValue, Terminology};
use segur_cda::n3::entry::{RenderContext, write_entry};
use segur_cda::n3::narrative::Cell;
use segur_cda::n3::types::fr_date;
use segur_cda::n3::xml::Element;
use segur_cda::write::CdaWriter;
use time::Date;

use crate::common::{IMMUNIZATIONS, ImmunizationAct, PRODUCT, VACCINATION, read_rank, write_rank};
use crate::error::{Error, Result, invalid};
use crate::volet::{self, ChildVolet};
use crate::xml::{self, Collect};

static CIS: Binding = Binding::Terminology(Terminology::Cis);
static ATC: Binding = Binding::Terminology(Terminology::Atc);
static CIP: Binding = Binding::Terminology(Terminology::Cip);
static EDQM: Binding = Binding::Terminology(Terminology::Edqm);
static SNOMED: Binding = Binding::Terminology(Terminology::SnomedCt);

const DOC: &str = "VAC-NOTE";

/// One vaccination, as the note records it.
#[derive(Debug, Clone, PartialEq)]
pub struct VaccinationNote {
    /// Primo-vaccination or booster.
    pub act: ImmunizationAct,
    /// The product (CIS code, with its display name).
    pub product: CodedValue,
    /// The vaccine class (ATC, with its display name).
    pub atc: CodedValue,
    /// The presentation (CIP-13), optional.
    pub cip: Option<CodedValue>,
    /// Lot number.
    pub lot: String,
    /// The exact date of the vaccination.
    pub date: Date,
    /// Who vaccinated (ids, profession with its display name, addresses,
    /// phones, name, and the structure's ids and name); also the entry's author.
    pub vaccinator: RoleEntity,
    /// When the vaccinator recorded it (entry author time); the document
    /// time when `None`.
    pub recorded_at: Option<Ts>,
    /// Route (EDQM, e.g. `20035000` voie intramusculaire).
    pub route: Option<CodedValue>,
    /// Region of the body (SNOMED CT, e.g. deltoïde gauche).
    pub site: Option<CodedValue>,
    /// Rank of the dose.
    pub rank: Option<u32>,
    /// A comment.
    pub comment: Option<String>,
}

impl VaccinationNote {
    /// A note for `product` (CIS code and label) of ATC class `atc`.
    pub fn new(
        act: ImmunizationAct,
        cis: (&str, &str),
        atc: (&str, &str),
        lot: &str,
        date: Date,
        vaccinator: RoleEntity,
    ) -> Result<Self> {
        Ok(Self {
            act,
            product: Terminology::Cis.code(cis.0, cis.1)?.with_system_name("CIS"),
            atc: Terminology::Atc.code(atc.0, atc.1)?.with_system_name("ATC"),
            cip: None,
            lot: lot.to_owned(),
            date,
            vaccinator,
            recorded_at: None,
            route: None,
            site: None,
            rank: None,
            comment: None,
        })
    }

    /// Checks the rules of the volet (E_Vaccination_VAC-Note).
    pub fn check(&self) -> Result<()> {
        CIS.check(&self.product, "VAC-NOTE product")?;
        ATC.check(&self.atc, "VAC-NOTE ATC class")?;
        if let Some(c) = &self.cip {
            CIP.check(c, "VAC-NOTE CIP")?;
        }
        if let Some(r) = &self.route {
            EDQM.check(r, "VAC-NOTE route")?;
            if r.display_name().is_none() {
                return Err(invalid(DOC, "route", "a display name is required"));
            }
        }
        if let Some(s) = &self.site {
            SNOMED.check(s, "VAC-NOTE site")?;
            if s.display_name().is_none() {
                return Err(invalid(DOC, "site", "a display name is required"));
            }
        }
        if self.product.display_name().is_none() || self.atc.display_name().is_none() {
            return Err(invalid(
                DOC,
                "product",
                "the CIS code and the ATC class need their display names",
            ));
        }
        if self.lot.trim().is_empty() {
            return Err(Error::Missing {
                document: DOC,
                what: "the lot number",
            });
        }
        let v = &self.vaccinator;
        if v.ids.is_empty() {
            return Err(Error::Missing {
                document: DOC,
                what: "the vaccinator's id",
            });
        }
        match &v.code {
            Some(c) if c.display_name.is_some() || c.null_flavor.is_some() => {}
            _ => {
                return Err(Error::Missing {
                    document: DOC,
                    what: "the vaccinator's profession with its display name",
                });
            }
        }
        if v.person_names.is_empty() {
            return Err(Error::Missing {
                document: DOC,
                what: "the vaccinator's name",
            });
        }
        if self.rank == Some(0) {
            return Err(invalid(DOC, "rank", "ranks start at 1"));
        }
        Ok(())
    }

    /// Writes the N3 document (the header gets the volet's code and
    /// templateIds; the child's birth date is required).
    pub fn build(&self, header: HeaderBuilder, ids: &dyn IdGenerator) -> Result<Document> {
        self.check()?;
        let now = header.header().effective_time.clone().unwrap_or_default();
        let mut ctx = RenderContext::new(ids, now.clone());
        let mut c = Collect::new(&mut ctx);
        let date = Ts::from_date(self.date);
        let r = c.row(
            "vac",
            self.product.label(),
            &format!(
                "{} le {}, lot {}{}",
                self.act.fixed().display,
                fr_date(&date),
                self.lot,
                self.rank.map(|r| format!(", dose {r}")).unwrap_or_default()
            ),
        );
        let site_ref = self.site.as_ref().map(|s| {
            let (cell, r) = Cell::referenced(&mut c.ctx.ids, "vac-site", s.label());
            c.rows.push(vec![Cell::text("Site d'injection"), cell]);
            r
        });
        let comment_ref = self.comment.as_ref().map(|t| {
            let (cell, r) = Cell::referenced(&mut c.ctx.ids, "vac-commentaire", t);
            c.rows.push(vec![Cell::text("Commentaire"), cell]);
            r
        });
        let id = c.id();
        let author_time = self.recorded_at.clone().unwrap_or(now);
        c.entries.push(write_entry(None, |w| {
            w.element(
                "substanceAdministration",
                &[
                    ("classCode", Some("SBADM")),
                    ("moodCode", Some("EVN")),
                    ("negationInd", Some("false")),
                ],
                |w| {
                    xml::templates(w, VACCINATION)?;
                    w.ii("id", &id)?;
                    xml::cd(w, "code", &self.act.fixed().to_code(), None, None, None)?;
                    xml::text_ref(w, &r)?;
                    w.empty("statusCode", &[("code", Some("completed"))])?;
                    w.ts("effectiveTime", &date)?;
                    if let Some(rt) = &self.route {
                        w.code("routeCode", &xml::code_of(rt))?;
                    }
                    if let (Some(s), Some(sr)) = (&self.site, &site_ref) {
                        xml::cd(
                            w,
                            "approachSiteCode",
                            &xml::code_of(s),
                            None,
                            None,
                            Some(sr),
                        )?;
                    }
                    w.element("consumable", &[("typeCode", Some("CSM"))], |w| {
                        w.element("manufacturedProduct", &[], |w| {
                            xml::templates(w, PRODUCT)?;
                            w.element("manufacturedMaterial", &[], |w| {
                                let mut code = xml::code_of(&self.product);
                                code.translations.push(xml::code_of(&self.atc));
                                if let Some(cip) = &self.cip {
                                    code.translations.push(xml::code_of(cip));
                                }
                                xml::cd(w, "code", &code, None, None, Some(&r))?;
                                w.text_element("name", &[], self.atc.label())?;
                                w.text_element("lotNumberText", &[], &self.lot)
                            })
                        })
                    })?;
                    w.element("performer", &[("typeCode", Some("PRF"))], |w| {
                        write_role(w, "assignedEntity", &self.vaccinator)
                    })?;
                    w.element("author", &[("typeCode", Some("AUT"))], |w| {
                        w.ts("time", &author_time)?;
                        write_role(w, "assignedAuthor", &self.vaccinator)
                    })?;
                    if let Some(rank) = self.rank {
                        write_rank(w, rank)?;
                    }
                    if let Some(cr) = &comment_ref {
                        xml::write_comment(w, cr)?;
                    }
                    Ok(())
                },
            )
        }));
        let mut section = c.finish(&IMMUNIZATIONS, "");
        section.title = Some("Note de vaccination".into());
        volet::finish(
            ChildVolet::VaccinationNote,
            header,
            Some(date),
            vec![section],
        )
    }

    /// Reads a VAC-NOTE document into the model.
    pub fn from_document(doc: &Document) -> Result<Self> {
        let body = volet::body_of(doc, ChildVolet::VaccinationNote)?;
        let s = IMMUNIZATIONS.find(&body.sections).ok_or(Error::Missing {
            document: DOC,
            what: "the FR-Vaccinations section",
        })?;
        let idx = xml::narrative(s, &doc.namespaces)?;
        let entries = xml::entries_of(s, &doc.namespaces)?;
        let sa: Vec<&Element> = entries
            .iter()
            .filter(|e| e.has_template(VACCINATION[1]))
            .collect();
        let [sa] = sa.as_slice() else {
            return Err(invalid(
                DOC,
                "FR-Vaccinations",
                format!("exactly one vaccination expected, found {}", sa.len()),
            ));
        };
        let code = sa
            .path(&[
                "consumable",
                "manufacturedProduct",
                "manufacturedMaterial",
                "code",
            ])
            .ok_or(Error::Missing {
                document: DOC,
                what: "the product code",
            })?;
        let mut product_code = code.code();
        product_code.translations.clear();
        let product = CIS.validate(&product_code, "VAC-NOTE product")?;
        let mut atc = None;
        let mut cip = None;
        for t in code.children_named("translation") {
            match t.attr("codeSystem") {
                Some(xml::ATC) => atc = Some(ATC.validate(&t.code(), "VAC-NOTE ATC")?),
                Some("1.2.250.1.213.2.3.2") => cip = Some(CIP.validate(&t.code(), "VAC-NOTE CIP")?),
                _ => {}
            }
        }
        let date = sa
            .child("effectiveTime")
            .and_then(|t| t.ts().date())
            .ok_or(Error::Missing {
                document: DOC,
                what: "the date of the vaccination",
            })?;
        let role = sa
            .path(&["performer", "assignedEntity"])
            .or_else(|| sa.path(&["author", "assignedAuthor"]))
            .map(read_role)
            .ok_or(Error::Missing {
                document: DOC,
                what: "the vaccinator",
            })?;
        let comment = sa
            .children_named("entryRelationship")
            .flat_map(|r| r.elements())
            .find(|a| {
                a.is("act") && a.child("code").and_then(|c| c.attr("code")) == Some("48767-8")
            })
            .and_then(|a| xml::read_label(a, &idx).map(|t| t.trim().to_owned()));
        Ok(Self {
            act: xml::code_attr(sa)
                .and_then(ImmunizationAct::from_code)
                .ok_or_else(|| invalid(DOC, "act", "INITIMMUNIZ or BOOSTER expected"))?,
            product,
            atc: atc.ok_or(Error::Missing {
                document: DOC,
                what: "the ATC class",
            })?,
            cip,
            lot: sa
                .path(&[
                    "consumable",
                    "manufacturedProduct",
                    "manufacturedMaterial",
                    "lotNumberText",
                ])
                .map(|l| l.text().trim().to_owned())
                .unwrap_or_default(),
            date,
            vaccinator: role,
            recorded_at: sa
                .path(&["author", "time"])
                .map(Element::ts)
                .filter(|t| t.value.is_some()),
            route: xml::read_cd(&EDQM, sa.child("routeCode"), "VAC-NOTE route")?,
            site: xml::read_cd(&SNOMED, sa.child("approachSiteCode"), "VAC-NOTE site")?,
            rank: read_rank(sa),
            comment,
        })
    }
}

/// Writes an assignedEntity / assignedAuthor.
pub(crate) fn write_role(w: &mut CdaWriter, tag: &str, r: &RoleEntity) -> std::io::Result<()> {
    w.element(tag, &[("classCode", Some("ASSIGNED"))], |w| {
        for id in &r.ids {
            w.ii("id", id)?;
        }
        if let Some(c) = &r.code {
            w.code("code", c)?;
        }
        for a in &r.addrs {
            w.addr(a)?;
        }
        for t in &r.telecoms {
            w.telecom(t)?;
        }
        if !r.person_names.is_empty() {
            w.element("assignedPerson", &[], |w| {
                for n in &r.person_names {
                    w.name(n)?;
                }
                Ok(())
            })?;
        }
        if let Some(o) = &r.organization {
            w.element("representedOrganization", &[], |w| {
                for id in &o.ids {
                    w.ii("id", id)?;
                }
                if let Some(n) = &o.name {
                    w.text_element("name", &[], n)?;
                }
                Ok(())
            })?;
        }
        Ok(())
    })
}

pub(crate) fn read_role(e: &Element) -> RoleEntity {
    RoleEntity {
        class_code: None,
        ids: e.children_named("id").map(Element::ii).collect(),
        code: e.child("code").map(Element::code),
        addrs: e.children_named("addr").map(xml::read_addr).collect(),
        telecoms: e.children_named("telecom").map(xml::read_telecom).collect(),
        person_names: e
            .child("assignedPerson")
            .map(|p| p.children_named("name").map(xml::read_name).collect())
            .unwrap_or_default(),
        has_person: e.child("assignedPerson").is_some(),
        device: None,
        organization: e.child("representedOrganization").map(|o| Organization {
            ids: o.children_named("id").map(Element::ii).collect(),
            name: o.child("name").map(|n| n.text().trim().to_owned()),
            telecoms: Vec::new(),
            addrs: Vec::new(),
            standard_industry_class_code: None,
        }),
    }
}
