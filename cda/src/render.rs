//! Native HTML rendering of a CDA document (no XSLT engine, no JVM).
//!
//! The output is one self-contained HTML page: a header summary (patient and
//! identity status, author, dates, document type), the N3 narrative blocks
//! (paragraphs, lists, tables, styled content, captions, links, multimedia
//! references) or the N1 content (PDF embedded as a `data:` URL, or linked).
//!
//! Safety: every text and attribute from the document is HTML-escaped; only
//! a fixed set of narrative elements and attributes is mapped to HTML; links
//! keep only `http:`, `https:`, `mailto:` and in-document `#` targets; the page
//! carries a Content-Security-Policy that forbids scripts. A document cannot
//! inject markup or script into the page.

use std::fmt::Write as _;

use base64::Engine as _;
use quick_xml::events::Event;
use quick_xml::reader::NsReader;

use crate::body::{Body, Section, XmlFragment};
use crate::datatypes::{Addr, Code, Ii, NamePartKind, PersonName, Ts};
use crate::document::Document;
use crate::header::{Header, RoleEntity};
use crate::vocab::{NS_HL7, id_root};

/// Options of [`render_html`].
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// Link the N1 PDF to this URL instead of embedding it as a `data:` URL.
    pub pdf_href: Option<String>,
    /// Blocks a volet contributes after the document's content (e.g. the
    /// growth charts of a child's measurements): see [`ExtraBlock`].
    pub extra: Vec<ExtraBlock>,
}

/// A block of HTML contributed by the caller (a volet crate), rendered after
/// the document's content under its own heading.
///
/// The heading is escaped; the `html` fragment is inserted **as is**: it
/// must be produced by trusted code (every text taken from a document
/// escaped with [`escape_html`]) and must not contain scripts, which the
/// page's Content-Security-Policy blocks anyway. Inline SVG is allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtraBlock {
    /// The heading (`<h2>`), escaped.
    pub heading: String,
    /// The trusted HTML fragment.
    pub html: String,
}

/// Escapes text for HTML content and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn safe_href(href: &str) -> Option<String> {
    let h = href.trim();
    let lower = h.to_ascii_lowercase();
    let ok = lower.starts_with("http://")
        || lower.starts_with("https://")
        || lower.starts_with("mailto:")
        || (h.starts_with('#') && h.len() > 1);
    ok.then(|| escape_html(h))
}

const CSS: &str = "body{font-family:sans-serif;margin:1.5em;color:#222;max-width:60em}\
h1{font-size:1.4em;border-bottom:2px solid #2a5d8f;padding-bottom:.2em}\
h2{font-size:1.15em;color:#2a5d8f;margin-top:1.4em}h3{font-size:1em}\
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #bbb;padding:.2em .5em;vertical-align:top}\
th{background:#eef3f8;text-align:left}.hdr th{width:14em}.muted{color:#666}\
.bold{font-weight:bold}.italics{font-style:italic}.underline{text-decoration:underline}\
.ins-ok{color:#1b6e1b;font-weight:bold}.ins-none{color:#9a5b00}\
object.pdf{width:100%;height:80vh;border:1px solid #bbb}";

/// Renders a document as a self-contained HTML page.
pub fn render_html(doc: &Document, options: &RenderOptions) -> String {
    let h = &doc.header;
    let mut o = String::with_capacity(16 * 1024);
    let title = h.title.as_deref().unwrap_or("Document CDA");
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; object-src data: https:; frame-src data: https:\">\
<title>{}</title><style>{CSS}</style></head><body>\n<h1>{}</h1>\n",
        escape_html(title),
        escape_html(title)
    );
    header_summary(&mut o, h);
    match &doc.body {
        Body::Structured(b) => {
            let media = collect_media(b);
            for s in &b.sections {
                section(&mut o, s, 2, &media);
            }
        }
        Body::NonXml(b) => {
            o.push_str("<h2>Document</h2>\n");
            let mt = b.media_type();
            if let Some(href) = options.pdf_href.as_deref().and_then(safe_href) {
                let _ = writeln!(
                    o,
                    "<p><a href=\"{href}\">Ouvrir le document ({})</a></p>",
                    escape_html(mt)
                );
            } else if mt == "application/pdf" || mt.starts_with("image/") {
                let data = base64::engine::general_purpose::STANDARD.encode(b.decode());
                let mt_esc = escape_html(mt);
                if mt.starts_with("image/") {
                    let _ = writeln!(
                        o,
                        "<img alt=\"Document\" src=\"data:{mt_esc};base64,{data}\">"
                    );
                } else {
                    let _ = writeln!(
                        o,
                        "<object class=\"pdf\" type=\"{mt_esc}\" data=\"data:{mt_esc};base64,{data}\">\
<p><a download=\"document.pdf\" href=\"data:{mt_esc};base64,{data}\">Télécharger le PDF</a></p></object>"
                    );
                }
            } else {
                let text = String::from_utf8_lossy(&b.decode()).into_owned();
                let _ = writeln!(o, "<pre>{}</pre>", escape_html(&text));
            }
        }
    }
    for block in &options.extra {
        let _ = writeln!(
            o,
            "<section class=\"extra\"><h2>{}</h2>\n{}\n</section>",
            escape_html(&block.heading),
            block.html
        );
    }
    o.push_str("</body></html>\n");
    o
}

fn date(ts: Option<&Ts>) -> String {
    let Some(ts) = ts else { return String::new() };
    match ts.parts() {
        Some(p) => {
            let d = p.date;
            let mut s = match p.precision {
                1 => format!("{}", d.year()),
                2 => format!("{:02}/{}", u8::from(d.month()), d.year()),
                _ => format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year()),
            };
            if p.precision >= 5 {
                let _ = write!(s, " {:02}:{:02}", p.time.hour(), p.time.minute());
            }
            s
        }
        None => ts.value.clone().unwrap_or_default(),
    }
}

fn code_label(c: Option<&Code>) -> String {
    match c {
        Some(c) => c
            .display_name
            .clone()
            .or_else(|| c.code.clone())
            .unwrap_or_default(),
        None => String::new(),
    }
}

fn row(o: &mut String, label: &str, value: &str) {
    if !value.trim().is_empty() {
        let _ = writeln!(
            o,
            "<tr><th>{}</th><td>{}</td></tr>",
            escape_html(label),
            escape_html(value)
        );
    }
}

fn row_html(o: &mut String, label: &str, html: &str) {
    let _ = writeln!(o, "<tr><th>{}</th><td>{html}</td></tr>", escape_html(label));
}

fn role_line(r: &RoleEntity) -> String {
    let mut parts = vec![r.display_name()];
    if let Some(c) = &r.code {
        parts.push(code_label(Some(c)));
    }
    if let Some(org) = r.organization.as_ref().and_then(|o| o.name.clone()) {
        parts.push(org);
    }
    parts.retain(|p| !p.trim().is_empty());
    parts.join(" — ")
}

fn addr_line(a: &[Addr]) -> String {
    a.first().map(Addr::display).unwrap_or_default()
}

fn ins_label(id: &Ii) -> &'static str {
    match id.root.as_deref() {
        Some(r) if r == id_root::INS_NIR.as_str() => "INS-NIR",
        Some(r) if r == id_root::INS_NIA.as_str() => "INS-NIA",
        Some(r) if r == id_root::INS_NIR_TEST.as_str() => "INS-NIR de test",
        Some(r) if r == id_root::INS_NIR_DEMO.as_str() => "INS-NIR de démonstration",
        _ => "INS",
    }
}

fn name_line(n: &PersonName) -> String {
    let birth = n
        .part(&NamePartKind::Family, Some("BR"))
        .or_else(|| n.family())
        .unwrap_or("");
    let given = n.given().unwrap_or("");
    let mut s = format!("{} {}", birth, given).trim().to_owned();
    if let Some(used) = n
        .part(&NamePartKind::Family, Some("CL"))
        .or_else(|| n.part(&NamePartKind::Family, Some("SP")))
    {
        if used != birth {
            let _ = write!(s, " (nom utilisé : {used})");
        }
    }
    s
}

fn header_summary(o: &mut String, h: &Header) {
    o.push_str("<table class=\"hdr\">\n");
    if let Some(pr) = h.patient_role() {
        if let Some(p) = &pr.patient {
            if let Some(n) = p.names.first() {
                row(o, "Patient", &name_line(n));
            }
            let sex = match p.administrative_gender_code.as_ref().map(Code::code_str) {
                Some("F") => "Féminin",
                Some("M") => "Masculin",
                Some("UN") => "Indéterminé",
                _ => "",
            };
            row(o, "Sexe", sex);
            row(o, "Date de naissance", &date(p.birth_time.as_ref()));
            if let Some(cog) = p.birthplace.as_ref() {
                row(o, "Lieu de naissance", &cog.display());
            }
        }
        match h.patient_ins() {
            Some(ins) => row_html(
                o,
                "Identité",
                &format!(
                    "<span class=\"ins-ok\">Identité qualifiée</span> — {} {}",
                    escape_html(ins_label(ins)),
                    escape_html(ins.extension.as_deref().unwrap_or(""))
                ),
            ),
            None => row_html(
                o,
                "Identité",
                "<span class=\"ins-none\">Identité non qualifiée (pas d'INS dans le document)</span>",
            ),
        }
        let others: Vec<String> = pr
            .ids
            .iter()
            .filter(|i| !id_root::INS_ROOTS.iter().any(|r| i.has_root(r)))
            .map(|i| i.to_string())
            .collect();
        row(o, "Autres identifiants", &others.join(", "));
        row(o, "Adresse", &addr_line(&pr.addrs));
    }
    row(o, "Type de document", &code_label(h.code.as_ref()));
    row(o, "Date du document", &date(h.effective_time.as_ref()));
    row(o, "Date de l'acte", &date(h.act_time()));
    for a in &h.authors {
        row(o, "Auteur", &role_line(&a.assigned_author));
    }
    if let Some(l) = &h.legal_authenticator {
        row(o, "Responsable", &role_line(&l.assigned_entity));
    }
    for r in &h.information_recipients {
        row(o, "Destinataire", &role_line(&r.intended_recipient));
    }
    if let Some(c) = &h.custodian {
        row(o, "Structure", c.organization.name.as_deref().unwrap_or(""));
    }
    row(
        o,
        "Confidentialité",
        &code_label(h.confidentiality_code.as_ref()),
    );
    row(o, "Version", h.version_number.as_deref().unwrap_or(""));
    for r in &h.related_documents {
        let kind = match r.type_code.as_deref() {
            Some("RPLC") => "Remplace",
            Some("XFRM") => "Transformé de",
            _ => "Document lié",
        };
        let ids: Vec<String> = r.parent_ids.iter().map(Ii::to_string).collect();
        row(o, kind, &ids.join(", "));
    }
    o.push_str("</table>\n");
}

fn section(o: &mut String, s: &Section, level: u8, media: &Media) {
    let lvl = level.min(6);
    let title = s
        .title
        .clone()
        .unwrap_or_else(|| code_label(s.code.as_ref()));
    let _ = writeln!(o, "<section><h{lvl}>{}</h{lvl}>", escape_html(&title));
    if let Some(t) = &s.text {
        narrative(o, t, media);
    }
    for c in &s.sections {
        section(o, c, level + 1, media);
    }
    o.push_str("</section>\n");
}

/// Renders a narrative block (`section/text`) to HTML (exposed for hosts that
/// lay out sections themselves).
pub fn narrative_html(text: &XmlFragment) -> String {
    let mut o = String::new();
    narrative(&mut o, text, &Media::new());
    o
}

fn narrative(o: &mut String, t: &XmlFragment, media: &Media) {
    let wrapped = format!(
        "<w xmlns=\"{NS_HL7}\" xmlns:xsi=\"{}\">{}</w>",
        crate::vocab::NS_XSI,
        t.as_str()
    );
    let mut r = NsReader::from_str(&wrapped);
    let mut stack: Vec<&'static str> = Vec::new();
    o.push_str("<div class=\"narrative\">");
    // A fragment kept from a parsed document is well-formed; on an error,
    // stop rather than emit broken markup (open tags are closed below).
    while let Ok(ev) = r.read_event() {
        match ev {
            Event::Start(e) => {
                let (tag, extra) = open_tag(o, &e, media);
                if !tag.is_empty() {
                    let _ = write!(o, "<{tag}{extra}>");
                }
                stack.push(tag);
            }
            Event::Empty(e) => {
                let (tag, extra) = open_tag(o, &e, media);
                if !tag.is_empty() {
                    let _ = write!(o, "<{tag}{extra}>");
                    if tag != "br" {
                        let _ = write!(o, "</{tag}>");
                    }
                }
            }
            Event::End(_) => {
                if let Some(tag) = stack.pop() {
                    if !tag.is_empty() && tag != "br" {
                        let _ = write!(o, "</{tag}>");
                    }
                }
            }
            Event::Text(t) => {
                if let Ok(s) = t.decode() {
                    o.push_str(&escape_html(&s));
                }
            }
            Event::CData(t) => {
                if let Ok(s) = t.decode() {
                    o.push_str(&escape_html(&s));
                }
            }
            Event::GeneralRef(g) => {
                let c = match (g.resolve_char_ref(), g.decode().as_deref()) {
                    (Ok(Some(c)), _) => Some(c),
                    (_, Ok("amp")) => Some('&'),
                    (_, Ok("lt")) => Some('<'),
                    (_, Ok("gt")) => Some('>'),
                    (_, Ok("quot")) => Some('"'),
                    (_, Ok("apos")) => Some('\''),
                    _ => None,
                };
                if let Some(c) = c {
                    o.push_str(&escape_html(&c.to_string()));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    // Close anything left open by a truncated fragment.
    while let Some(tag) = stack.pop() {
        if !tag.is_empty() && tag != "br" {
            let _ = write!(o, "</{tag}>");
        }
    }
    o.push_str("</div>\n");
}

/// Maps a narrative element to an HTML tag and its (escaped) attributes.
fn open_tag(
    o: &mut String,
    e: &quick_xml::events::BytesStart<'_>,
    media: &Media,
) -> (&'static str, String) {
    let local = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
    let attr = |name: &str| -> Option<String> {
        e.attributes()
            .flatten()
            .find(|a| a.key.local_name().as_ref() == name.as_bytes())
            .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
    };
    match local.as_str() {
        "w" => ("", String::new()),
        "paragraph" => ("p", String::new()),
        "list" => (
            if attr("listType").as_deref() == Some("ordered") {
                "ol"
            } else {
                "ul"
            },
            String::new(),
        ),
        "item" => ("li", String::new()),
        "table" => ("table", String::new()),
        "thead" => ("thead", String::new()),
        "tbody" => ("tbody", String::new()),
        "tfoot" => ("tfoot", String::new()),
        "tr" => ("tr", String::new()),
        "th" | "td" => {
            let mut x = String::new();
            for a in ["colspan", "rowspan"] {
                if let Some(v) =
                    attr(a).filter(|v| v.bytes().all(|b| b.is_ascii_digit()) && !v.is_empty())
                {
                    let _ = write!(x, " {a}=\"{v}\"");
                }
            }
            (if local == "th" { "th" } else { "td" }, x)
        }
        "caption" => ("caption", String::new()),
        "br" => ("br", String::new()),
        "sub" => ("sub", String::new()),
        "sup" | "footnoteRef" => ("sup", String::new()),
        "footnote" => ("small", String::new()),
        "content" => {
            let classes: Vec<String> = attr("styleCode")
                .unwrap_or_default()
                .split_whitespace()
                .filter(|c| c.chars().all(|ch| ch.is_ascii_alphanumeric()))
                .map(str::to_ascii_lowercase)
                .collect();
            let mut x = String::new();
            if !classes.is_empty() {
                let _ = write!(x, " class=\"{}\"", classes.join(" "));
            }
            ("span", x)
        }
        "linkHtml" => match attr("href").as_deref().and_then(safe_href) {
            Some(h) => ("a", format!(" href=\"{h}\" rel=\"noopener noreferrer\"")),
            None => ("span", String::new()),
        },
        "renderMultiMedia" => {
            let refd = attr("referencedObject").unwrap_or_default();
            // The first referenced observationMedia that is an image is shown
            // inline; anything else stays a labelled placeholder.
            let image = refd.split_whitespace().find_map(|id| {
                media
                    .get(id)
                    .filter(|(mt, _)| IMAGE_TYPES.contains(&mt.as_str()))
            });
            match image {
                Some((mt, data)) => {
                    let _ = write!(
                        o,
                        "<img alt=\"{}\" src=\"data:{};base64,{}\">",
                        escape_html(&refd),
                        escape_html(mt),
                        escape_html(data)
                    );
                }
                None => {
                    let _ = write!(
                        o,
                        "<span class=\"muted\">[média {}]</span>",
                        escape_html(&refd)
                    );
                }
            }
            ("span", String::new())
        }
        _ => ("span", String::new()),
    }
}

/// Media types shown inline.
const IMAGE_TYPES: &[&str] = &["image/png", "image/jpeg", "image/gif"];

/// `observationMedia` of the entries: `ID` → (media type, base64 without whitespace).
type Media = std::collections::BTreeMap<String, (String, String)>;

fn collect_media(body: &crate::body::StructuredBody) -> Media {
    let mut out = Media::new();
    for s in body.all_sections() {
        for e in &s.entries {
            if let Some(x) = e.as_xml() {
                scan_media(x.as_str(), &mut out);
            }
        }
    }
    out
}

/// Finds `observationMedia[@ID]/value[@representation='B64']` in an entry
/// (namespace prefixes ignored: entries kept from a document may use
/// prefixes bound outside the fragment).
fn scan_media(xml: &str, out: &mut Media) {
    let mut r = quick_xml::Reader::from_str(xml);
    let mut current_id: Option<String> = None;
    let mut value: Option<(String, String)> = None;
    while let Ok(ev) = r.read_event() {
        match ev {
            Event::Start(e) | Event::Empty(e) => {
                let local = e.local_name();
                let get = |n: &str| {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.local_name().as_ref() == n.as_bytes())
                        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
                };
                if local.as_ref() == b"observationMedia" {
                    current_id = get("ID");
                } else if local.as_ref() == b"value"
                    && current_id.is_some()
                    && get("representation").as_deref() == Some("B64")
                {
                    value = Some((get("mediaType").unwrap_or_default(), String::new()));
                }
            }
            Event::Text(t) => {
                if let (Some((_, data)), Ok(s)) = (value.as_mut(), t.decode()) {
                    data.extend(s.chars().filter(|c| !c.is_ascii_whitespace()));
                }
            }
            Event::End(e) => {
                if e.local_name().as_ref() == b"value" {
                    if let (Some(id), Some((mt, data))) = (current_id.clone(), value.take()) {
                        if crate::body::check_base64(data.as_bytes()).is_ok() {
                            out.insert(id, (mt, data));
                        }
                    }
                } else if e.local_name().as_ref() == b"observationMedia" {
                    current_id = None;
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
}
