//! What every entry model shares: the rendering context, the
//! [`SectionEntry`] trait, and the helpers that write and read the HL7 data
//! types of entries.

use std::io;

use segur_ids::Oid;

use super::codes::{Binding, CodedValue};
use super::narrative::{Cell, NarrativeIds, NarrativeIndex};
use super::types::{Decimal, Quantity, QuantityRange, Ratio, Ucum};
use super::xml::Element;
use crate::body::{Entry, XmlFragment};
use crate::clock::IdGenerator;
use crate::datatypes::{Ii, IvlTs, Ts};
use crate::error::N3Error;
use crate::write::CdaWriter;

/// State shared while the sections of one document are rendered.
pub struct RenderContext<'a> {
    /// Narrative IDs of the whole document.
    pub ids: NarrativeIds,
    /// Generator of the entries' and sections' `id`s.
    pub entry_ids: &'a dyn IdGenerator,
    /// The document's time (default `effectiveTime` of observations that
    /// need one, e.g. the prescription flags).
    pub now: Ts,
}

impl<'a> RenderContext<'a> {
    /// A context for a document created at `now`.
    pub fn new(entry_ids: &'a dyn IdGenerator, now: Ts) -> Self {
        Self {
            ids: NarrativeIds::new(),
            entry_ids,
            now,
        }
    }

    /// The given id, or a new one.
    pub fn id(&self, id: &Option<Ii>) -> Ii {
        id.clone().unwrap_or_else(|| self.entry_ids.next_id())
    }
}

impl std::fmt::Debug for RenderContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RenderContext")
            .field("ids", &self.ids)
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}

/// An entry model that can live in a section: it renders its narrative row
/// and its XML together (so the references always resolve), and reads
/// itself back from a parsed `<entry>`.
pub trait SectionEntry: Sized {
    /// The CI-SIS name of the entry (for errors).
    const NAME: &'static str;

    /// The narrative table's column headers.
    fn headers() -> &'static [&'static str];

    /// Whether a parsed `<entry>` holds this kind of entry.
    fn matches(entry: &Element) -> bool;

    /// Renders the narrative row(s) and the whole `<entry>` element.
    fn render(&self, ctx: &mut RenderContext<'_>) -> Result<Rendered, N3Error>;

    /// Reads the entry from a parsed `<entry>` element.
    fn read(entry: &Element, narrative: &NarrativeIndex) -> Result<Self, N3Error>;
}

/// What an entry renders: its rows of the section's narrative table and its
/// `<entry>` element.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// Narrative rows (usually one).
    pub rows: Vec<Vec<Cell>>,
    /// The entry.
    pub entry: Entry,
}

impl Rendered {
    /// One row.
    pub fn row(row: Vec<Cell>, entry: Entry) -> Self {
        Self {
            rows: vec![row],
            entry,
        }
    }
}

/// Writes an `<entry>` with `inner` as content and wraps it as a body entry.
pub fn write_entry(
    type_code: Option<&str>,
    inner: impl FnOnce(&mut CdaWriter) -> io::Result<()>,
) -> Entry {
    let mut w = CdaWriter::new(Vec::new());
    // Writing into a Vec cannot fail; a failing closure is a bug of ours,
    // kept visible by an empty entry rather than a panic.
    let _ = w.element("entry", &[("typeCode", type_code)], inner);
    let xml = String::from_utf8(w.into_inner()).unwrap_or_default();
    Entry::Xml(XmlFragment::from_trusted(xml))
}

/// Writes `templateId`s.
pub fn templates(w: &mut CdaWriter, roots: &[Oid]) -> io::Result<()> {
    for r in roots {
        w.empty("templateId", &[("root", Some(r.as_str()))])?;
    }
    Ok(())
}

/// Writes `<text><reference value="#id"/></text>`.
pub fn text_ref(w: &mut CdaWriter, reference: &str) -> io::Result<()> {
    w.element("text", &[], |w| {
        w.empty("reference", &[("value", Some(reference))])
    })
}

/// Writes `statusCode`.
pub fn status(w: &mut CdaWriter, code: &str) -> io::Result<()> {
    w.empty("statusCode", &[("code", Some(code))])
}

/// Writes a coded element with optional `xsi:type`, `originalText/reference`
/// and translations.
pub fn cd(
    w: &mut CdaWriter,
    name: &str,
    v: &CodedValue,
    xsi_type: Option<&str>,
    original: Option<&str>,
) -> io::Result<()> {
    let attrs = [
        ("xsi:type", xsi_type),
        ("code", Some(v.code())),
        ("displayName", v.display_name()),
        ("codeSystem", Some(v.code_system())),
        ("codeSystemName", v.code_system_name()),
    ];
    if original.is_none() && v.translations().is_empty() {
        return w.empty(name, &attrs);
    }
    w.element(name, &attrs, |w| {
        if let Some(r) = original {
            w.element("originalText", &[], |w| {
                w.empty("reference", &[("value", Some(r))])
            })?;
        }
        for t in v.translations() {
            cd(w, "translation", t, None, None)?;
        }
        Ok(())
    })
}

/// Writes a coded element, or `nullFlavor` with an `originalText` when there
/// is no code (a text-only value).
pub fn cd_or_text(
    w: &mut CdaWriter,
    name: &str,
    v: Option<&CodedValue>,
    xsi_type: Option<&str>,
    null_flavor: &str,
    original: Option<&str>,
) -> io::Result<()> {
    match v {
        Some(v) => cd(w, name, v, xsi_type, original),
        None => {
            let attrs = [("xsi:type", xsi_type), ("nullFlavor", Some(null_flavor))];
            match original {
                Some(r) => w.element(name, &attrs, |w| {
                    w.element("originalText", &[], |w| {
                        w.empty("reference", &[("value", Some(r))])
                    })
                }),
                None => w.empty(name, &attrs),
            }
        }
    }
}

/// Writes an IVL_TS (with `xsi:type` when asked), `low`/`high`/`@value`.
pub fn ivl(w: &mut CdaWriter, name: &str, v: &IvlTs, xsi_type: Option<&str>) -> io::Result<()> {
    let value = v.value.as_ref().and_then(|t| t.value.as_deref());
    let attrs = [
        ("xsi:type", xsi_type),
        ("value", value),
        ("nullFlavor", v.null_flavor.as_deref()),
    ];
    if v.low.is_none() && v.high.is_none() {
        return w.empty(name, &attrs);
    }
    w.element(name, &attrs, |w| {
        if let Some(l) = &v.low {
            w.ts("low", l)?;
        }
        if let Some(h) = &v.high {
            w.ts("high", h)?;
        }
        Ok(())
    })
}

/// Writes a PQ element (`value`, `unit`), with `xsi:type` when asked.
pub fn pq(w: &mut CdaWriter, name: &str, q: &Quantity, xsi_type: Option<&str>) -> io::Result<()> {
    w.empty(
        name,
        &[
            ("xsi:type", xsi_type),
            ("value", Some(q.value.as_str())),
            ("unit", Some(q.unit.as_str())),
        ],
    )
}

/// Writes an IVL_PQ with `low` and `high` (optional `originalText` references
/// under each bound, as IHE Pharmacy writes them).
pub fn ivl_pq(
    w: &mut CdaWriter,
    name: &str,
    r: &QuantityRange,
    refs: Option<(&str, &str)>,
) -> io::Result<()> {
    w.element(name, &[], |w| {
        for (bound, q, rf) in [
            ("low", &r.low, refs.map(|x| x.0)),
            ("high", &r.high, refs.map(|x| x.1)),
        ] {
            let attrs = [
                ("value", Some(q.value.as_str())),
                ("unit", Some(q.unit.as_str())),
            ];
            match rf {
                Some(rf) => w.element(bound, &attrs, |w| {
                    w.element("translation", &[], |w| {
                        w.element("originalText", &[], |w| {
                            w.empty("reference", &[("value", Some(rf))])
                        })
                    })
                })?,
                None => w.empty(bound, &attrs)?,
            }
        }
        Ok(())
    })
}

/// Writes an RTO_PQ_PQ.
pub fn rto(w: &mut CdaWriter, name: &str, r: &Ratio) -> io::Result<()> {
    w.element(name, &[], |w| {
        pq(w, "numerator", &r.numerator, None)?;
        pq(w, "denominator", &r.denominator, None)
    })
}

/// Writes an `id` (or `id nullFlavor`).
pub fn id(w: &mut CdaWriter, v: &Ii) -> io::Result<()> {
    w.ii("id", v)
}

// ---------------------------------------------------------------- reading

/// A read error at `path` for model `what`.
pub fn read_err(what: &'static str, el: &Element, reason: impl Into<String>) -> N3Error {
    N3Error::Read {
        what,
        path: el.name.clone(),
        reason: reason.into(),
    }
}

/// The first CDA child, or a read error.
pub fn need<'e>(what: &'static str, el: &'e Element, child: &str) -> Result<&'e Element, N3Error> {
    el.child(child)
        .ok_or_else(|| read_err(what, el, format!("no {child} element")))
}

/// The acts under `entryRelationship` (or `component`) children of `el`
/// whose element has a templateId with `root`.
pub fn related<'e>(
    el: &'e Element,
    relationship: &str,
    root: &str,
) -> std::vec::IntoIter<&'e Element> {
    el.elements()
        .filter(|r| r.is(relationship))
        .flat_map(|r| r.elements())
        .filter(|a| a.has_template(root))
        .collect::<Vec<_>>()
        .into_iter()
}

/// Reads and validates a coded element against a binding.
pub fn read_code(binding: &Binding, el: &Element, context: &str) -> Result<CodedValue, N3Error> {
    binding.validate(&el.code(), context)
}

/// Reads a coded element that may be a nullFlavor (then `None`).
pub fn read_code_opt(
    binding: &Binding,
    el: Option<&Element>,
    context: &str,
) -> Result<Option<CodedValue>, N3Error> {
    match el {
        Some(e) if e.attr("code").is_some() => read_code(binding, e, context).map(Some),
        _ => Ok(None),
    }
}

/// Reads a PQ (a missing unit is `1`).
pub fn read_pq(el: &Element) -> Result<Quantity, N3Error> {
    let value = el.attr("value").ok_or_else(|| N3Error::InvalidQuantity {
        value: String::new(),
        reason: format!("{} without @value", el.name),
    })?;
    Ok(Quantity {
        value: Decimal::parse(value)?,
        unit: Ucum::parse(el.attr("unit").unwrap_or("1"))?,
    })
}

/// Reads an IVL_PQ with `low` and `high` (`None` when empty or nullFlavor).
pub fn read_ivl_pq(el: Option<&Element>) -> Result<Option<QuantityRange>, N3Error> {
    let Some(el) = el else { return Ok(None) };
    match (el.child("low"), el.child("high")) {
        (Some(l), Some(h)) if l.attr("value").is_some() && h.attr("value").is_some() => {
            Ok(Some(QuantityRange::between(read_pq(l)?, read_pq(h)?)?))
        }
        (Some(l), None) if l.attr("value").is_some() => Ok(Some(QuantityRange::fixed(read_pq(l)?))),
        _ if el.attr("value").is_some() => Ok(Some(QuantityRange::fixed(read_pq(el)?))),
        _ => Ok(None),
    }
}

/// Reads an RTO (`None` when its parts are empty).
pub fn read_rto(el: Option<&Element>) -> Result<Option<Ratio>, N3Error> {
    let Some(el) = el else { return Ok(None) };
    match (el.child("numerator"), el.child("denominator")) {
        (Some(n), Some(d)) if n.attr("value").is_some() && d.attr("value").is_some() => {
            Ok(Some(Ratio {
                numerator: read_pq(n)?,
                denominator: read_pq(d)?,
            }))
        }
        _ => Ok(None),
    }
}

/// The first `id` child that carries a root.
pub fn read_id(el: &Element) -> Option<Ii> {
    el.children_named("id")
        .map(Element::ii)
        .find(|i| i.root.is_some())
}

/// An IVL_TS, or `None` when absent or only a nullFlavor (bounds that are
/// only a nullFlavor are dropped: the writers put `UNK` back where a bound
/// is required).
pub fn read_ivl(el: Option<&Element>) -> Option<IvlTs> {
    let e = el?;
    let mut v = e.ivl_ts();
    let known = |t: &Option<Ts>| t.as_ref().is_some_and(|t| t.value.is_some());
    if !known(&v.low) {
        v.low = None;
    }
    if !known(&v.high) {
        v.high = None;
    }
    if !known(&v.value) {
        v.value = None;
    }
    v.null_flavor = None;
    (v.value.is_some() || v.low.is_some() || v.high.is_some()).then_some(v)
}

/// Text of an element that may hold a reference and/or inline text.
pub fn read_text(el: Option<&Element>, narrative: &NarrativeIndex) -> Option<String> {
    let el = el?;
    narrative.resolve(Some(el)).or_else(|| {
        let t = el.text();
        (!t.is_empty()).then_some(t)
    })
}

/// `value xsi:type="BL"` → bool.
pub fn read_bool(el: Option<&Element>) -> Option<bool> {
    match el?.attr("value")? {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// Checks a coded value against the binding of its element.
pub fn check(binding: &Binding, v: &CodedValue, context: &str) -> Result<(), N3Error> {
    binding.check(v, context)
}

/// Checks that a required text is not blank.
pub fn non_blank(v: &str, field: &'static str) -> Result<(), N3Error> {
    if v.trim().is_empty() {
        Err(N3Error::Invalid {
            field,
            reason: "must not be empty".into(),
        })
    } else {
        Ok(())
    }
}
