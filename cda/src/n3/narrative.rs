//! Narrative blocks generated from structured entries, with the references
//! that tie each entry to its text.
//!
//! A section's narrative (`section/text`) is never written by hand: each
//! entry renders its row of the section's table while it is written, and
//! every human-readable value an entry points to (`text/reference`,
//! `originalText/reference`) is a `<content ID="…">` of that row. IDs are
//! allocated document-wide by [`NarrativeIds`] (XML IDs must be unique in
//! the document and be NCNames).

use std::collections::{HashMap, HashSet};

use super::xml::{self, Element};
use crate::body::{Section, XmlFragment};
use crate::error::N3Error;

/// Document-wide allocation of narrative IDs.
#[derive(Debug, Clone, Default)]
pub struct NarrativeIds {
    used: HashSet<String>,
}

impl NarrativeIds {
    /// No ID used yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Marks an ID as used (IDs of content kept verbatim).
    pub fn reserve(&mut self, id: &str) {
        self.used.insert(id.to_owned());
    }

    /// Reserves every `ID` attribute found in a section kept verbatim
    /// (narrative, entries and subsections).
    pub fn reserve_section(&mut self, s: &Section, namespaces: &[(String, String)]) {
        let mut reserve = |f: &XmlFragment| {
            if let Ok(e) = xml::parse_fragment(f, namespaces) {
                e.walk(&mut |el: &Element| {
                    if let Some(id) = el.attr("ID") {
                        self.used.insert(id.to_owned());
                    }
                });
            }
        };
        if let Some(t) = &s.text {
            reserve(t);
        }
        for e in &s.entries {
            if let Some(x) = e.as_xml() {
                reserve(x);
            }
        }
        for o in &s.other {
            reserve(o);
        }
        for c in &s.sections {
            self.reserve_section(c, namespaces);
        }
    }

    /// A new ID `prefix-N` (the prefix is made an NCName).
    pub fn next(&mut self, prefix: &str) -> String {
        let mut p: String = prefix
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        if !p.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
            p.insert(0, 'n');
        }
        let mut n = 1usize;
        loop {
            let id = format!("{p}-{n}");
            if self.used.insert(id.clone()) {
                return id;
            }
            n += 1;
        }
    }

    /// Whether an ID is taken.
    pub fn is_used(&self, id: &str) -> bool {
        self.used.contains(id)
    }
}

/// A cell of a narrative table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    /// Plain text (line breaks become `<br/>`).
    Text(String),
    /// Text an entry refers to: `<content ID="id">text</content>`.
    Content {
        /// The ID.
        id: String,
        /// The text.
        text: String,
    },
    /// Several pieces side by side (separated by a space).
    Parts(Vec<Cell>),
    /// `<renderMultiMedia referencedObject="id"/>`.
    Media(String),
}

impl Cell {
    /// A plain text cell (`-` when empty).
    pub fn text(s: impl Into<String>) -> Self {
        let s = s.into();
        if s.trim().is_empty() {
            Self::Text("-".into())
        } else {
            Self::Text(s)
        }
    }

    /// A referenced text: allocates an ID with `prefix` and returns the
    /// cell and the reference value (`#id`).
    pub fn referenced(ids: &mut NarrativeIds, prefix: &str, text: &str) -> (Self, String) {
        let id = ids.next(prefix);
        let r = format!("#{id}");
        (
            Self::Content {
                id,
                text: if text.trim().is_empty() {
                    "-".into()
                } else {
                    text.to_owned()
                },
            },
            r,
        )
    }

    fn write(&self, out: &mut String) {
        match self {
            Self::Text(t) => push_text(out, t),
            Self::Content { id, text } => {
                out.push_str("<content ID=\"");
                out.push_str(&quick_xml::escape::escape(id.as_str()));
                out.push_str("\">");
                push_text(out, text);
                out.push_str("</content>");
            }
            Self::Parts(parts) => {
                for (i, p) in parts.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    p.write(out);
                }
            }
            Self::Media(id) => {
                out.push_str("<renderMultiMedia referencedObject=\"");
                out.push_str(&quick_xml::escape::escape(id.as_str()));
                out.push_str("\"/>");
            }
        }
    }
}

fn push_text(out: &mut String, t: &str) {
    for (i, line) in t.split('\n').enumerate() {
        if i > 0 {
            out.push_str("<br/>");
        }
        out.push_str(&quick_xml::escape::escape(xml_chars(line).as_ref()));
    }
}

/// The text with the characters XML 1.0 cannot carry (C0 controls other
/// than tab and line breaks, U+FFFE, U+FFFF) replaced by U+FFFD.
pub(crate) fn xml_chars(s: &str) -> std::borrow::Cow<'_, str> {
    let bad = |c: char| {
        (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{FFFE}' || c == '\u{FFFF}'
    };
    if s.chars().any(bad) {
        std::borrow::Cow::Owned(
            s.chars()
                .map(|c| if bad(c) { '\u{FFFD}' } else { c })
                .collect(),
        )
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// Builds a narrative block: paragraphs and tables of [`Cell`]s.
#[derive(Debug, Clone, Default)]
pub struct NarrativeBuilder {
    xml: String,
}

impl NarrativeBuilder {
    /// An empty block.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `<paragraph>` (line breaks become `<br/>`).
    pub fn paragraph(mut self, text: &str) -> Self {
        self.xml.push_str("<paragraph>");
        push_text(&mut self.xml, text);
        self.xml.push_str("</paragraph>");
        self
    }

    /// Appends a paragraph made of cells (e.g. a referenced content).
    pub fn paragraph_cells(mut self, cell: &Cell) -> Self {
        self.xml.push_str("<paragraph>");
        cell.write(&mut self.xml);
        self.xml.push_str("</paragraph>");
        self
    }

    /// Appends a table with a header row (omitted when `headers` is empty).
    pub fn table(mut self, headers: &[&str], rows: &[Vec<Cell>]) -> Self {
        self.xml.push_str("<table border=\"0\">");
        if !headers.is_empty() {
            self.xml.push_str("<thead><tr>");
            for h in headers {
                self.xml.push_str("<th>");
                push_text(&mut self.xml, h);
                self.xml.push_str("</th>");
            }
            self.xml.push_str("</tr></thead>");
        }
        self.xml.push_str("<tbody>");
        for r in rows {
            self.xml.push_str("<tr>");
            for c in r {
                self.xml.push_str("<td>");
                c.write(&mut self.xml);
                self.xml.push_str("</td>");
            }
            self.xml.push_str("</tr>");
        }
        self.xml.push_str("</tbody></table>");
        self
    }

    /// Whether nothing was added.
    pub fn is_empty(&self) -> bool {
        self.xml.is_empty()
    }

    /// The block (well-formed by construction: every text is escaped).
    pub fn build(self) -> XmlFragment {
        XmlFragment::from_trusted(self.xml)
    }
}

/// The text of every element with an `ID` in a narrative block, to resolve
/// the references of entries when reading a document.
#[derive(Debug, Clone, Default)]
pub struct NarrativeIndex {
    by_id: HashMap<String, String>,
}

impl NarrativeIndex {
    /// Indexes a narrative block.
    pub fn new(
        text: Option<&XmlFragment>,
        namespaces: &[(String, String)],
    ) -> Result<Self, N3Error> {
        let mut by_id = HashMap::new();
        if let Some(t) = text {
            let root = xml::parse_fragment(t, namespaces)?;
            root.walk(&mut |e: &Element| {
                if let Some(id) = e.attr("ID") {
                    by_id.insert(id.to_owned(), e.text());
                }
            });
        }
        Ok(Self { by_id })
    }

    /// The text an entry's reference (`#id` or `id`) points to.
    pub fn get(&self, reference: &str) -> Option<&str> {
        let id = reference.strip_prefix('#').unwrap_or(reference);
        self.by_id.get(id).map(String::as_str)
    }

    /// The text of the reference under `el` (`text/reference` or
    /// `originalText/reference`), if it resolves to a non-empty text.
    pub fn resolve(&self, el: Option<&Element>) -> Option<String> {
        let r = el?.reference()?;
        self.get(r)
            .map(str::to_owned)
            .filter(|t| !t.is_empty() && t != "-")
    }

    /// Number of IDs.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Whether no ID was found.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }
}

/// The plain-text lines of a narrative block (for the PDF copy and the
/// text-only displays): paragraphs, list items, table rows (cells joined by
/// ` | `).
pub fn plain_lines(text: &XmlFragment, namespaces: &[(String, String)]) -> Vec<String> {
    let Ok(root) = xml::parse_fragment(text, namespaces) else {
        return vec![text.plain_text()];
    };
    let mut out = Vec::new();
    fn walk(e: &Element, out: &mut Vec<String>) {
        for c in e.elements() {
            if c.is("tr") {
                let cells: Vec<String> = c
                    .elements()
                    .filter(|x| x.is("td") || x.is("th"))
                    .map(|x| x.text().replace('\n', " "))
                    .collect();
                out.push(cells.join(" | "));
            } else if c.is("paragraph") || c.is("item") || c.is("caption") {
                for l in c.text().split('\n') {
                    out.push(l.to_owned());
                }
            } else {
                walk(c, out);
            }
        }
    }
    walk(&root, &mut out);
    let direct: String = root
        .children
        .iter()
        .filter_map(|n| match n {
            xml::Node::Text(t) => Some(t.as_str()),
            xml::Node::Element(_) => None,
        })
        .collect();
    let direct = xml::collapse(&direct);
    if !direct.is_empty() {
        out.insert(0, direct);
    }
    out
}

/// The free text of a narrative block, as [`NarrativeBuilder::paragraph`]
/// wrote it: blocks (paragraphs, tables, lists) separated by a blank line,
/// `<br/>` as a line break, table rows one per line (cells joined by ` | `).
pub fn free_text(text: &XmlFragment, namespaces: &[(String, String)]) -> String {
    let Ok(root) = xml::parse_fragment(text, namespaces) else {
        return text.plain_text();
    };
    let mut blocks = Vec::new();
    let mut loose = String::new();
    for n in &root.children {
        match n {
            xml::Node::Text(t) => loose.push_str(t),
            xml::Node::Element(e) if e.is("table") || e.is("list") => {
                let mut rows = Vec::new();
                e.walk(&mut |x: &Element| {
                    if x.is("tr") {
                        rows.push(
                            x.elements()
                                .filter(|c| c.is("td") || c.is("th"))
                                .map(|c| c.text().replace('\n', " "))
                                .collect::<Vec<_>>()
                                .join(" | "),
                        );
                    } else if x.is("item") {
                        rows.push(format!("- {}", x.text()));
                    }
                });
                blocks.push(rows.join("\n"));
            }
            xml::Node::Element(e) if e.is("br") => loose.push('\n'),
            xml::Node::Element(e) => blocks.push(e.text()),
        }
    }
    let loose = xml::collapse(&loose);
    if !loose.is_empty() {
        blocks.insert(0, loose);
    }
    blocks.retain(|b| !b.is_empty());
    blocks.join("\n\n")
}

/// The paragraphs of a narrative block only (tables and lists left out),
/// joined by a blank line.
pub fn paragraphs(text: &XmlFragment, namespaces: &[(String, String)]) -> String {
    let Ok(root) = xml::parse_fragment(text, namespaces) else {
        return String::new();
    };
    root.elements()
        .filter(|e| e.is("paragraph"))
        .map(Element::text)
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_ncnames() {
        let mut ids = NarrativeIds::new();
        ids.reserve("med-1");
        assert_eq!(ids.next("med"), "med-2");
        assert_eq!(ids.next("1 bad"), "n1-bad-1");
    }

    #[test]
    fn table_with_references_round_trips() {
        let mut ids = NarrativeIds::new();
        let (c, r) = Cell::referenced(&mut ids, "pb", "Angine <instable> & co");
        let text = NarrativeBuilder::new()
            .table(&["Date", "Problème"], &[vec![Cell::text("11/08/2019"), c]])
            .build();
        assert!(XmlFragment::parse(text.as_str()).is_ok());
        let idx = NarrativeIndex::new(Some(&text), &[]).unwrap();
        assert_eq!(idx.get(&r), Some("Angine <instable> & co"));
        assert_eq!(
            plain_lines(&text, &[]),
            vec!["Date | Problème", "11/08/2019 | Angine <instable> & co"]
        );
    }
}
