//! The small writer/reader of the CDA shapes the child-health volets use
//! (observations with a qualifier, a related subject, nested relationships;
//! sections with a narrative table), on top of segur-cda's writer and
//! element tree. Crate-private: the public API is the typed models.

use std::io;

use segur_cda::body::{Entry, Section};
use segur_cda::datatypes::{Addr, Code, Ii, PersonName, Telecom, Ts};
use segur_cda::n3::codes::{Binding, CodedValue};
use segur_cda::n3::entry::{RenderContext, write_entry};
use segur_cda::n3::narrative::{Cell, NarrativeBuilder, NarrativeIndex};
use segur_cda::n3::types::{Decimal, Quantity, Ucum};
use segur_cda::n3::xml::Element;
use segur_cda::write::CdaWriter;
use time::Date;

use crate::error::{Error, Result};

/// LOINC.
pub(crate) const LOINC: &str = "2.16.840.1.113883.6.1";
/// SNOMED CT.
pub(crate) const SNOMED: &str = "2.16.840.1.113883.6.96";
/// ANS TA_ASIP terminology.
pub(crate) const TA_ASIP: &str = "1.2.250.1.213.1.1.4.322";
/// CIM-10.
pub(crate) const CIM10: &str = "2.16.840.1.113883.6.3";
/// HL7 ActCode.
pub(crate) const ACT_CODE: &str = "2.16.840.1.113883.5.4";
/// HL7 RoleCode.
pub(crate) const ROLE_CODE: &str = "2.16.840.1.113883.5.111";
/// ATC.
pub(crate) const ATC: &str = "2.16.840.1.113883.6.73";

/// A fixed code of a template or a volet (written as is).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fixed {
    /// `@code`.
    pub code: &'static str,
    /// `@codeSystem`.
    pub system: &'static str,
    /// `@displayName`.
    pub display: &'static str,
}

impl Fixed {
    /// A code.
    pub const fn new(code: &'static str, system: &'static str, display: &'static str) -> Self {
        Self {
            code,
            system,
            display,
        }
    }

    /// As a header `Code` (with the usual code system name).
    pub fn to_code(self) -> Code {
        Code {
            code: Some(self.code.to_owned()),
            code_system: Some(self.system.to_owned()),
            display_name: Some(self.display.to_owned()),
            code_system_name: system_name(self.system).map(str::to_owned),
            ..Code::default()
        }
    }
}

/// The usual name of a code system.
pub(crate) fn system_name(system: &str) -> Option<&'static str> {
    Some(match system {
        LOINC => "LOINC",
        SNOMED => "SNOMED CT",
        TA_ASIP => "TA_ASIP",
        CIM10 => "CIM-10",
        ATC => "ATC",
        "1.2.250.1.213.2.3.1" => "CIS",
        "1.2.250.1.213.2.3.2" => "CIP",
        "0.4.0.127.0.16.1.1.2.1" => "EDQM",
        "2.16.840.1.113883.6.347" => "CIM-11",
        "1.2.250.1.213.2.13" => "PCS-INSEE",
        _ => return None,
    })
}

/// A coded value as a header `Code` (as given: read back identically).
pub(crate) fn code_of(v: &CodedValue) -> Code {
    let mut c = v.to_code();
    if c.code_system_name.is_none() {
        c.code_system_name = c
            .code_system
            .as_deref()
            .and_then(system_name)
            .map(str::to_owned);
    }
    c
}

/// An observation value.
#[derive(Debug, Clone)]
pub(crate) enum Val {
    Bl(bool),
    Int(i64),
    Pq(Quantity),
    Cd(Code),
    CdNull(&'static str),
}

impl Val {
    pub(crate) fn display(&self) -> String {
        match self {
            Self::Bl(true) => "Oui".into(),
            Self::Bl(false) => "Non".into(),
            Self::Int(i) => i.to_string(),
            Self::Pq(q) => q.to_fr(),
            Self::Cd(c) => c
                .display_name
                .clone()
                .or_else(|| c.code.clone())
                .unwrap_or_default(),
            Self::CdNull(_) => "Non renseigné".into(),
        }
    }
}

/// `effectiveTime` of an observation.
#[derive(Debug, Clone)]
pub(crate) enum Eff {
    Null(&'static str),
    Value(Ts),
    LowUnk,
}

/// A related person (`subject/relatedSubject`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Related<'a> {
    pub role: Fixed,
    pub addr: Option<&'a Addr>,
    pub telecom: Option<&'a Telecom>,
    pub name: Option<&'a PersonName>,
    pub birth_date: Option<Date>,
}

/// A relationship to a nested observation.
#[derive(Debug, Clone)]
pub(crate) struct Rel<'a> {
    pub type_code: &'static str,
    pub inversion: Option<bool>,
    pub obs: Obs<'a>,
}

/// A generic observation.
#[derive(Debug, Clone)]
pub(crate) struct Obs<'a> {
    pub templates: &'static [&'static str],
    pub id: Option<Ii>,
    pub negation: Option<bool>,
    pub code: Code,
    pub qualifier: Option<Code>,
    pub text_ref: Option<String>,
    pub effective: Eff,
    pub value: Option<Val>,
    pub value_original: bool,
    pub subject: Option<Related<'a>>,
    pub rels: Vec<Rel<'a>>,
}

impl<'a> Obs<'a> {
    pub(crate) fn new(templates: &'static [&'static str], code: Code) -> Self {
        Self {
            templates,
            id: None,
            negation: None,
            code,
            qualifier: None,
            text_ref: None,
            effective: Eff::Null("NA"),
            value: None,
            value_original: false,
            subject: None,
            rels: Vec::new(),
        }
    }
}

pub(crate) fn templates(w: &mut CdaWriter, roots: &[&str]) -> io::Result<()> {
    for r in roots {
        w.empty("templateId", &[("root", Some(r))])?;
    }
    Ok(())
}

fn code_attrs(c: &Code) -> [(&str, Option<&str>); 5] {
    [
        ("code", c.code.as_deref()),
        ("displayName", c.display_name.as_deref()),
        ("codeSystem", c.code_system.as_deref()),
        ("codeSystemName", c.code_system_name.as_deref()),
        ("nullFlavor", c.null_flavor.as_deref()),
    ]
}

/// A CD with an optional qualifier and `originalText/reference`.
pub(crate) fn cd(
    w: &mut CdaWriter,
    name: &str,
    c: &Code,
    xsi: Option<&str>,
    qualifier: Option<&Code>,
    original: Option<&str>,
) -> io::Result<()> {
    let a = code_attrs(c);
    let attrs = [("xsi:type", xsi), a[0], a[1], a[2], a[3], a[4]];
    if qualifier.is_none() && original.is_none() && c.translations.is_empty() {
        return w.empty(name, &attrs);
    }
    w.element(name, &attrs, |w| {
        if let Some(r) = original {
            w.element("originalText", &[], |w| {
                w.empty("reference", &[("value", Some(r))])
            })?;
        }
        if let Some(q) = qualifier {
            w.element("qualifier", &[], |w| w.empty("value", &code_attrs(q)))?;
        }
        for t in &c.translations {
            w.code("translation", t)?;
        }
        Ok(())
    })
}

pub(crate) fn text_ref(w: &mut CdaWriter, r: &str) -> io::Result<()> {
    w.element("text", &[], |w| w.empty("reference", &[("value", Some(r))]))
}

pub(crate) fn write_related(w: &mut CdaWriter, s: &Related<'_>) -> io::Result<()> {
    w.element("subject", &[("typeCode", Some("SBJ"))], |w| {
        templates(
            w,
            &["1.3.6.1.4.1.19376.1.5.3.1.4.15.2", "1.2.250.1.213.1.1.3.60"],
        )?;
        w.element("relatedSubject", &[("classCode", Some("PRS"))], |w| {
            w.code("code", &s.role.to_code())?;
            if let Some(a) = s.addr {
                w.addr(a)?;
            }
            if let Some(t) = s.telecom {
                w.telecom(t)?;
            }
            if s.name.is_some() || s.birth_date.is_some() {
                w.element("subject", &[], |w| {
                    if let Some(n) = s.name {
                        w.name(n)?;
                    }
                    if let Some(d) = s.birth_date {
                        w.ts("birthTime", &Ts::from_date(d))?;
                    }
                    Ok(())
                })?;
            }
            Ok(())
        })
    })
}

fn write_value(w: &mut CdaWriter, v: &Val, original: Option<&str>) -> io::Result<()> {
    match v {
        Val::Bl(b) => w.empty(
            "value",
            &[
                ("xsi:type", Some("BL")),
                ("value", Some(if *b { "true" } else { "false" })),
            ],
        ),
        Val::Int(i) => w.empty(
            "value",
            &[("xsi:type", Some("INT")), ("value", Some(&i.to_string()))],
        ),
        Val::Pq(q) => w.empty(
            "value",
            &[
                ("xsi:type", Some("PQ")),
                ("value", Some(q.value.as_str())),
                ("unit", Some(q.unit.as_str())),
            ],
        ),
        Val::Cd(c) => cd(w, "value", c, Some("CD"), None, original),
        Val::CdNull(f) => w.empty(
            "value",
            &[("xsi:type", Some("CD")), ("nullFlavor", Some(f))],
        ),
    }
}

pub(crate) fn write_obs(w: &mut CdaWriter, o: &Obs<'_>) -> io::Result<()> {
    let neg = o.negation.map(|n| if n { "true" } else { "false" });
    w.element(
        "observation",
        &[
            ("classCode", Some("OBS")),
            ("moodCode", Some("EVN")),
            ("negationInd", neg),
        ],
        |w| {
            templates(w, o.templates)?;
            if let Some(id) = &o.id {
                w.ii("id", id)?;
            }
            cd(w, "code", &o.code, None, o.qualifier.as_ref(), None)?;
            if let Some(r) = &o.text_ref {
                text_ref(w, r)?;
            }
            w.empty("statusCode", &[("code", Some("completed"))])?;
            match &o.effective {
                Eff::Null(f) => w.empty("effectiveTime", &[("nullFlavor", Some(f))])?,
                Eff::Value(t) => w.ts("effectiveTime", t)?,
                Eff::LowUnk => w.element("effectiveTime", &[], |w| {
                    w.empty("low", &[("nullFlavor", Some("UNK"))])
                })?,
            }
            if let Some(v) = &o.value {
                let orig = if o.value_original {
                    o.text_ref.as_deref()
                } else {
                    None
                };
                write_value(w, v, orig)?;
            }
            if let Some(s) = &o.subject {
                write_related(w, s)?;
            }
            for r in &o.rels {
                let inv = r.inversion.map(|n| if n { "true" } else { "false" });
                w.element(
                    "entryRelationship",
                    &[("typeCode", Some(r.type_code)), ("inversionInd", inv)],
                    |w| write_obs(w, &r.obs),
                )?;
            }
            Ok(())
        },
    )
}

/// A comment act (`48767-8`).
pub(crate) fn write_comment(w: &mut CdaWriter, reference: &str) -> io::Result<()> {
    w.element(
        "entryRelationship",
        &[("typeCode", Some("SUBJ")), ("inversionInd", Some("true"))],
        |w| {
            w.element(
                "act",
                &[("classCode", Some("ACT")), ("moodCode", Some("EVN"))],
                |w| {
                    templates(
                        w,
                        &[
                            "2.16.840.1.113883.10.20.1.40",
                            "1.3.6.1.4.1.19376.1.5.3.1.4.2",
                            "1.2.250.1.213.1.1.3.32",
                        ],
                    )?;
                    cd(
                        w,
                        "code",
                        &Fixed::new("48767-8", LOINC, "Commentaire").to_code(),
                        None,
                        None,
                        None,
                    )?;
                    text_ref(w, reference)?;
                    w.empty("statusCode", &[("code", Some("completed"))])
                },
            )
        },
    )
}

/// An `<entry>` holding one observation.
pub(crate) fn obs_entry(o: &Obs<'_>, type_code: Option<&str>) -> Entry {
    write_entry(type_code, |w| write_obs(w, o))
}

/// A section specification.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Spec {
    /// The templateId that identifies the section (the one the schematrons test).
    pub key: &'static str,
    pub templates: &'static [&'static str],
    pub code: Fixed,
    pub title: &'static str,
}

impl Spec {
    pub(crate) fn matches(&self, s: &Section) -> bool {
        s.template_ids
            .iter()
            .any(|t| t.root.as_deref() == Some(self.key))
    }

    pub(crate) fn find<'s>(&self, sections: &'s [Section]) -> Option<&'s Section> {
        sections.iter().find(|s| self.matches(s))
    }

    /// A section with a narrative table (or `empty` as a paragraph).
    pub(crate) fn build(
        &self,
        ctx: &RenderContext<'_>,
        rows: Vec<Vec<Cell>>,
        entries: Vec<Entry>,
        empty: &str,
    ) -> Section {
        let text = if rows.is_empty() {
            NarrativeBuilder::new().paragraph(empty).build()
        } else {
            NarrativeBuilder::new()
                .table(&["Élément", "Valeur"], &rows)
                .build()
        };
        Section {
            template_ids: self
                .templates
                .iter()
                .filter_map(|t| segur_ids::Oid::parse(t).ok())
                .map(|o| Ii::root_only(&o))
                .collect(),
            id: Some(ctx.entry_ids.next_id()),
            code: Some(self.code.to_code()),
            title: Some(self.title.to_owned()),
            text: Some(text),
            entries,
            ..Section::default()
        }
    }
}

/// Collects the narrative rows and entries of a section.
pub(crate) struct Collect<'c, 'r> {
    pub ctx: &'c mut RenderContext<'r>,
    pub rows: Vec<Vec<Cell>>,
    pub entries: Vec<Entry>,
}

impl<'c, 'r> Collect<'c, 'r> {
    pub(crate) fn new(ctx: &'c mut RenderContext<'r>) -> Self {
        Self {
            ctx,
            rows: Vec::new(),
            entries: Vec::new(),
        }
    }

    /// A narrative row whose label the entry refers to; returns the reference.
    pub(crate) fn row(&mut self, prefix: &str, label: &str, value: &str) -> String {
        let (cell, r) = Cell::referenced(&mut self.ctx.ids, prefix, label);
        self.rows.push(vec![cell, Cell::text(value)]);
        r
    }

    pub(crate) fn id(&self) -> Ii {
        self.ctx.entry_ids.next_id()
    }

    /// Adds an observation as an entry (its label row and reference).
    pub(crate) fn obs(
        &mut self,
        prefix: &str,
        label: &str,
        mut o: Obs<'_>,
        type_code: Option<&str>,
    ) {
        let shown = match &o.value {
            Some(v) => {
                let d = v.display();
                if o.negation == Some(true) && matches!(v, Val::Cd(_)) {
                    format!("Non : {d}")
                } else {
                    d
                }
            }
            None => String::new(),
        };
        let r = self.row(prefix, label, &shown);
        o.text_ref = Some(r);
        if o.id.is_none() {
            o.id = Some(self.id());
        }
        self.entries.push(obs_entry(&o, type_code));
    }

    pub(crate) fn finish(self, spec: &Spec, empty: &str) -> Section {
        spec.build(self.ctx, self.rows, self.entries, empty)
    }
}

// ------------------------------------------------------------------ reading

/// The parsed entries of a section (their first child act).
pub(crate) fn entries_of(s: &Section, ns: &[(String, String)]) -> Result<Vec<Element>> {
    let mut out = Vec::new();
    for e in &s.entries {
        if let Some(x) = e.as_xml() {
            let el = segur_cda::n3::xml::parse_element(x, ns)?;
            if let Some(act) = el.elements().next() {
                out.push(act.clone());
            }
        }
    }
    Ok(out)
}

/// The narrative index of a section.
pub(crate) fn narrative(s: &Section, ns: &[(String, String)]) -> Result<NarrativeIndex> {
    Ok(NarrativeIndex::new(s.text.as_ref(), ns)?)
}

pub(crate) fn code_attr(el: &Element) -> Option<&str> {
    el.child("code").and_then(|c| c.attr("code"))
}

pub(crate) fn qualifier_attr(el: &Element) -> Option<&str> {
    el.path(&["code", "qualifier", "value"])
        .and_then(|c| c.attr("code"))
}

pub(crate) fn negation(el: &Element) -> Option<bool> {
    match el.attr("negationInd") {
        Some("true") => Some(true),
        Some("false") => Some(false),
        _ => None,
    }
}

pub(crate) fn read_bool(doc: &'static str, el: &Element) -> Result<bool> {
    match el.child("value").and_then(|v| v.attr("value")) {
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        other => Err(crate::error::invalid(
            doc,
            "BL value",
            format!(
                "{other:?} is not a boolean ({})",
                code_attr(el).unwrap_or("?")
            ),
        )),
    }
}

pub(crate) fn read_int(doc: &'static str, el: &Element) -> Result<i64> {
    el.child("value")
        .and_then(|v| v.attr("value"))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| {
            crate::error::invalid(
                doc,
                "INT value",
                format!("not an integer ({})", code_attr(el).unwrap_or("?")),
            )
        })
}

pub(crate) fn read_pq_value(doc: &'static str, el: &Element) -> Result<Quantity> {
    let v = el.child("value").ok_or(Error::Missing {
        document: doc,
        what: "PQ value",
    })?;
    Ok(Quantity {
        value: Decimal::parse(v.attr("value").unwrap_or(""))?,
        unit: Ucum::parse(v.attr("unit").unwrap_or("1"))?,
    })
}

/// Validates a read code against its binding; a value of a closed value
/// set comes back as the set's concept (so that a model reads back equal
/// to what was written).
pub(crate) fn validate(binding: &Binding, code: &Code, context: &str) -> Result<CodedValue> {
    let v = binding.validate(code, context)?;
    Ok(canonical(binding, v))
}

fn canonical(binding: &Binding, v: CodedValue) -> CodedValue {
    match binding {
        Binding::ValueSet(set) => set.code_in(v.code(), v.code_system()).unwrap_or(v),
        Binding::OneOf(bs) => {
            for b in bs.iter() {
                if let Binding::ValueSet(set) = b
                    && let Ok(c) = set.code_in(v.code(), v.code_system())
                {
                    return c;
                }
            }
            v
        }
        _ => v,
    }
}

/// Reads a coded `value` against its binding (`None` when a nullFlavor).
pub(crate) fn read_cd(
    binding: &Binding,
    el: Option<&Element>,
    context: &str,
) -> Result<Option<CodedValue>> {
    match el {
        Some(v) if v.attr("code").is_some() => Ok(Some(validate(binding, &v.code(), context)?)),
        _ => Ok(None),
    }
}

/// The text of an entry (`text/reference` resolved, else inline text).
pub(crate) fn read_label(el: &Element, idx: &NarrativeIndex) -> Option<String> {
    let t = el.child("text")?;
    idx.resolve(Some(t)).or_else(|| {
        let s = t.text();
        (!s.trim().is_empty()).then(|| s.trim().to_owned())
    })
}

/// A related subject (`subject/relatedSubject`) of an element.
pub(crate) struct ReadRelated {
    pub role: String,
    pub addr: Option<Addr>,
    pub telecom: Option<Telecom>,
    pub name: Option<PersonName>,
    pub birth_date: Option<Date>,
}

pub(crate) fn read_related(el: &Element) -> Option<ReadRelated> {
    let rs = el.path(&["subject", "relatedSubject"])?;
    let role = rs.child("code")?.attr("code")?.to_owned();
    Some(ReadRelated {
        role,
        addr: rs.child("addr").map(read_addr),
        telecom: rs.child("telecom").map(read_telecom),
        name: rs.path(&["subject", "name"]).map(read_name),
        birth_date: rs
            .path(&["subject", "birthTime"])
            .and_then(|b| b.ts().date()),
    })
}

pub(crate) fn read_addr(a: &Element) -> Addr {
    let mut out = Addr {
        use_: a.attr("use").map(str::to_owned),
        null_flavor: a.attr("nullFlavor").map(str::to_owned),
        parts: Vec::new(),
    };
    for p in a.elements() {
        out.push(&p.name, p.text().trim());
    }
    out
}

pub(crate) fn read_name(n: &Element) -> PersonName {
    use segur_cda::datatypes::NamePartKind;
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
            _ => continue,
        };
        out.push(kind, p.attr("qualifier"), p.text().trim());
    }
    out
}

pub(crate) fn read_telecom(t: &Element) -> Telecom {
    Telecom {
        value: t.attr("value").map(str::to_owned),
        use_: t.attr("use").map(str::to_owned),
        null_flavor: t.attr("nullFlavor").map(str::to_owned),
    }
}
