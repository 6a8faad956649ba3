//! Streaming CDA parser (quick-xml, namespace-aware).
//!
//! - Matches elements on (namespace URI, local name), never on prefixes.
//! - Tolerates processing instructions and comments anywhere, a DOCTYPE (its
//!   entities are never expanded: any entity other than the five XML ones and
//!   character references is an error), documents wrapped in an
//!   `xsl:stylesheet` ("auto-présentables"), extension namespaces (sdtc, lab,
//!   pharm, DICOM) and unknown elements (skipped).
//! - Never panics; every error is a [`ParseError`] with line, column and path.
//! - The N1 base64 body is not copied: the body keeps a slice of the input
//!   (checked once) and decodes on demand.

use std::borrow::Cow;

use bytes::Bytes;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{PrefixDeclaration, ResolveResult};
use quick_xml::reader::NsReader;

use crate::body::{Body, Entry, NonXmlBody, Section, StructuredBody, XmlFragment};
use crate::datatypes::*;
use crate::document::Document;
use crate::error::{Location, ParseError, ParseErrorKind};
use crate::header::*;
use crate::vocab::{NS_HL7, NS_XSL};

/// Deepest element nesting accepted (real CDA documents stay under 40).
pub const MAX_DEPTH: usize = 256;

pub(crate) fn parse_document(input: Bytes) -> Result<Document, ParseError> {
    let mut p = Parser::new(&input, Some(input.clone()))?;
    let (header, body, namespaces) = p.run(false)?;
    let body = body.ok_or_else(|| {
        p.err_at(
            ParseErrorKind::Structure("the document has no body (component)".into()),
            0,
        )
    })?;
    Ok(Document {
        header,
        body,
        namespaces,
    })
}

pub(crate) fn parse_header_only(input: &[u8]) -> Result<Header, ParseError> {
    let mut p = Parser::new(input, None)?;
    let (header, _, _) = p.run(true)?;
    Ok(header)
}

struct El<'i> {
    hl7: bool,
    local: String,
    start: BytesStart<'i>,
    /// Offset of the `<` of the start tag.
    at: usize,
}

enum Child<'i> {
    Element(El<'i>, bool),
    Text(String),
}

struct Parser<'i> {
    input: &'i [u8],
    text: &'i str,
    source: Option<Bytes>,
    reader: NsReader<&'i [u8]>,
    path: Vec<String>,
    /// Offset where the last event started.
    event_start: usize,
    /// Set to stop every `children` loop (header-only parsing).
    halt: bool,
}

type R<T> = Result<T, ParseError>;

/// Header, body (absent in header-only mode) and the root's namespace prefixes.
type Parsed = (Header, Option<Body>, Vec<(String, String)>);

impl<'i> Parser<'i> {
    fn new(input: &'i [u8], source: Option<Bytes>) -> R<Self> {
        if input.starts_with(&[0xFE, 0xFF]) || input.starts_with(&[0xFF, 0xFE]) {
            return Err(ParseError {
                kind: ParseErrorKind::Encoding("UTF-16 is not supported, expected UTF-8".into()),
                location: Location::at(input, 0, String::new()),
            });
        }
        let text = match std::str::from_utf8(input) {
            Ok(t) => t,
            Err(e) => {
                return Err(ParseError {
                    kind: ParseErrorKind::Encoding(format!("the input is not UTF-8: {e}")),
                    location: Location::at(input, e.valid_up_to(), String::new()),
                });
            }
        };
        let body = text.strip_prefix('\u{feff}').unwrap_or(text);
        let skip = text.len() - body.len();
        let mut reader = NsReader::from_reader(&input[skip..]);
        let cfg = reader.config_mut();
        cfg.check_end_names = true;
        cfg.check_comments = false;
        cfg.expand_empty_elements = false;
        cfg.trim_text(false);
        Ok(Self {
            input: &input[skip..],
            text: body,
            source: source.map(|s| s.slice(skip..)),
            reader,
            path: Vec::new(),
            event_start: 0,
            halt: false,
        })
    }

    fn path_string(&self) -> String {
        let mut s = String::new();
        for p in &self.path {
            s.push('/');
            s.push_str(p);
        }
        s
    }

    fn err_at(&self, kind: ParseErrorKind, offset: usize) -> ParseError {
        ParseError {
            kind,
            location: Location::at(self.input, offset, self.path_string()),
        }
    }

    fn err(&self, kind: ParseErrorKind) -> ParseError {
        self.err_at(kind, self.event_start)
    }

    fn pos(&self) -> usize {
        usize::try_from(self.reader.buffer_position()).unwrap_or(usize::MAX)
    }

    /// Next raw event, with namespace of elements resolved, comments / PIs /
    /// declarations handled. Keeps `path` in sync.
    fn next(&mut self) -> R<Raw<'i>> {
        loop {
            self.event_start = self.pos();
            let (ns, ev) = match self.reader.read_resolved_event() {
                Ok((ns, ev)) => {
                    let hl7 =
                        matches!(&ns, ResolveResult::Bound(n) if n.as_ref() == NS_HL7.as_bytes());
                    let xsl =
                        matches!(&ns, ResolveResult::Bound(n) if n.as_ref() == NS_XSL.as_bytes());
                    let unknown = match &ns {
                        ResolveResult::Unknown(p) => Some(String::from_utf8_lossy(p).into_owned()),
                        _ => None,
                    };
                    (NsKind { hl7, xsl, unknown }, ev)
                }
                Err(e) => {
                    let at = usize::try_from(self.reader.error_position()).unwrap_or(0);
                    let kind = match &e {
                        quick_xml::Error::Syntax(s) => ParseErrorKind::Truncated(s.to_string()),
                        quick_xml::Error::IllFormed(
                            quick_xml::errors::IllFormedError::MissingEndTag(t),
                        ) => ParseErrorKind::Truncated(format!("missing end tag </{t}>")),
                        quick_xml::Error::Escape(esc) => ParseErrorKind::Xml(esc.to_string()),
                        other => ParseErrorKind::Xml(other.to_string()),
                    };
                    return Err(self.err_at(kind, at));
                }
            };
            match ev {
                Event::Start(s) => {
                    if let Some(p) = ns.unknown {
                        return Err(self.err(ParseErrorKind::Xml(format!(
                            "unbound namespace prefix {p:?}"
                        ))));
                    }
                    if self.path.len() >= MAX_DEPTH {
                        return Err(self.err(ParseErrorKind::TooDeep(MAX_DEPTH)));
                    }
                    let local = String::from_utf8_lossy(s.local_name().as_ref()).into_owned();
                    self.path.push(local.clone());
                    return Ok(Raw::Start(
                        El {
                            hl7: ns.hl7,
                            local,
                            start: s,
                            at: self.event_start,
                        },
                        ns.xsl,
                    ));
                }
                Event::Empty(s) => {
                    if let Some(p) = ns.unknown {
                        return Err(self.err(ParseErrorKind::Xml(format!(
                            "unbound namespace prefix {p:?}"
                        ))));
                    }
                    let local = String::from_utf8_lossy(s.local_name().as_ref()).into_owned();
                    return Ok(Raw::Empty(
                        El {
                            hl7: ns.hl7,
                            local,
                            start: s,
                            at: self.event_start,
                        },
                        ns.xsl,
                    ));
                }
                Event::End(_) => {
                    self.path.pop();
                    return Ok(Raw::End);
                }
                Event::Text(t) => {
                    let s = t
                        .decode()
                        .map_err(|e| self.err(ParseErrorKind::Encoding(e.to_string())))?;
                    return Ok(Raw::Text(s));
                }
                Event::CData(t) => {
                    let s = t
                        .decode()
                        .map_err(|e| self.err(ParseErrorKind::Encoding(e.to_string())))?;
                    return Ok(Raw::CData(s));
                }
                Event::GeneralRef(r) => {
                    let name = r
                        .decode()
                        .map_err(|e| self.err(ParseErrorKind::Encoding(e.to_string())))?;
                    let c = if r.is_char_ref() {
                        match r.resolve_char_ref() {
                            Ok(Some(c)) => c,
                            _ => {
                                return Err(self.err(ParseErrorKind::Xml(format!(
                                    "invalid character reference &{name};"
                                ))));
                            }
                        }
                    } else {
                        match name.as_ref() {
                            "amp" => '&',
                            "lt" => '<',
                            "gt" => '>',
                            "quot" => '"',
                            "apos" => '\'',
                            other => return Err(self.err(ParseErrorKind::Entity(other.to_owned()))),
                        }
                    };
                    return Ok(Raw::Ref(c));
                }
                Event::Decl(d) => {
                    if let Some(Ok(enc)) = d.encoding() {
                        let enc = String::from_utf8_lossy(&enc).to_ascii_uppercase();
                        if enc != "UTF-8" && enc != "UTF8" {
                            return Err(self.err(ParseErrorKind::Encoding(format!(
                                "declared encoding {enc} is not supported, expected UTF-8"
                            ))));
                        }
                    }
                }
                Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {}
                Event::Eof => return Ok(Raw::Eof),
            }
        }
    }

    /// Iterates over the children of the element just started, until its end.
    fn children(&mut self, mut f: impl FnMut(&mut Self, Child<'i>) -> R<()>) -> R<()> {
        let depth = self.path.len();
        loop {
            if self.halt {
                return Ok(());
            }
            match self.next()? {
                Raw::Start(el, _) => {
                    f(self, Child::Element(el, false))?;
                    if self.halt {
                        return Ok(());
                    }
                    // Skip whatever the callback did not consume.
                    while self.path.len() > depth {
                        self.skip_current()?;
                    }
                }
                Raw::Empty(el, _) => f(self, Child::Element(el, true))?,
                Raw::End => {
                    if self.path.len() < depth {
                        return Ok(());
                    }
                }
                Raw::Text(t) | Raw::CData(t) => {
                    if !t.trim().is_empty() {
                        f(self, Child::Text(t.into_owned()))?;
                    }
                }
                Raw::Ref(c) => f(self, Child::Text(c.to_string()))?,
                Raw::Eof => {
                    return Err(self.err(ParseErrorKind::Truncated(format!(
                        "end of input inside <{}>",
                        self.path.last().map_or("", String::as_str)
                    ))));
                }
            }
        }
    }

    /// Visits the HL7-namespace child elements of the current element: `f`
    /// gets each element and whether it is empty. Text and elements of other
    /// namespaces (extensions the model does not carry) are skipped.
    fn elements(&mut self, mut f: impl FnMut(&mut Self, El<'i>, bool) -> R<()>) -> R<()> {
        self.children(|p, ch| match ch {
            Child::Element(e, empty) if e.hl7 => f(p, e, empty),
            _ => Ok(()),
        })
    }

    /// Visits the HL7 child elements called `name` (the wrappers of CDA:
    /// `component/section`, `relatedDocument/parentDocument`, …).
    fn elements_named(
        &mut self,
        name: &str,
        mut f: impl FnMut(&mut Self, El<'i>, bool) -> R<()>,
    ) -> R<()> {
        self.elements(|p, e, empty| {
            if e.local == name {
                f(p, e, empty)
            } else {
                Ok(())
            }
        })
    }

    /// Consumes events until the innermost open element is closed.
    fn skip_current(&mut self) -> R<()> {
        let depth = self.path.len();
        loop {
            match self.next()? {
                Raw::End if self.path.len() < depth => return Ok(()),
                Raw::Eof => {
                    return Err(self.err(ParseErrorKind::Truncated(
                        "end of input inside an element".into(),
                    )));
                }
                _ => {}
            }
        }
    }

    /// The text content of the element just started (child elements' text
    /// included), entities resolved.
    fn read_text(&mut self) -> R<String> {
        let mut out = String::new();
        let depth = self.path.len();
        loop {
            match self.next()? {
                Raw::Text(t) | Raw::CData(t) => out.push_str(&t),
                Raw::Ref(c) => out.push(c),
                Raw::End if self.path.len() < depth => return Ok(out),
                Raw::Eof => {
                    return Err(
                        self.err(ParseErrorKind::Truncated("end of input inside text".into()))
                    );
                }
                _ => {}
            }
        }
    }

    fn text_of(&mut self, empty: bool) -> R<String> {
        if empty {
            Ok(String::new())
        } else {
            Ok(self.read_text()?.trim().to_owned())
        }
    }

    fn attr(&self, el: &El<'_>, name: &str) -> R<Option<String>> {
        for a in el.start.attributes().with_checks(true) {
            let a = a.map_err(|e| self.err_at(ParseErrorKind::Xml(e.to_string()), el.at))?;
            if a.key.as_ref() == name.as_bytes() {
                let v = a.unescape_value().map_err(|e| match e {
                    quick_xml::Error::Escape(
                        quick_xml::escape::EscapeError::UnrecognizedEntity(_, n),
                    ) => self.err_at(ParseErrorKind::Entity(n), el.at),
                    other => self.err_at(ParseErrorKind::Xml(other.to_string()), el.at),
                })?;
                return Ok(Some(v.into_owned()));
            }
        }
        Ok(None)
    }

    // ---- document ----

    fn run(&mut self, header_only: bool) -> R<Parsed> {
        // Find the root element.
        let root = loop {
            match self.next()? {
                Raw::Start(el, xsl) => break (el, xsl, false),
                Raw::Empty(el, xsl) => break (el, xsl, true),
                Raw::Text(t) if t.trim().is_empty() => {}
                Raw::Text(_) | Raw::CData(_) | Raw::Ref(_) => {
                    return Err(
                        self.err(ParseErrorKind::Xml("text before the root element".into()))
                    );
                }
                Raw::End => return Err(self.err(ParseErrorKind::Xml("unexpected end tag".into()))),
                Raw::Eof => {
                    return Err(self.err(ParseErrorKind::Truncated("empty document".into())));
                }
            }
        };
        let (el, xsl, empty) = root;
        let found_cd = if el.hl7 && el.local == "ClinicalDocument" {
            if empty {
                return Err(self.err(ParseErrorKind::Structure("empty ClinicalDocument".into())));
            }
            el
        } else if xsl && (el.local == "stylesheet" || el.local == "transform") && !empty {
            // Auto-presentable document: find ClinicalDocument anywhere inside.
            loop {
                match self.next()? {
                    Raw::Start(e, _) if e.hl7 && e.local == "ClinicalDocument" => break e,
                    Raw::Eof => return Err(self.err(ParseErrorKind::NoClinicalDocument)),
                    _ => {}
                }
            }
        } else {
            let ns = match self.reader.resolve_element(el.start.name()).0 {
                ResolveResult::Bound(n) => String::from_utf8_lossy(n.as_ref()).into_owned(),
                _ => String::new(),
            };
            return Err(self.err_at(
                ParseErrorKind::WrongRoot {
                    found: format!("{{{ns}}}{}", el.local),
                },
                el.at,
            ));
        };
        let _ = found_cd;
        let namespaces = self
            .reader
            .resolver()
            .bindings()
            .filter_map(|(p, n)| match p {
                PrefixDeclaration::Named(p) => {
                    let p = String::from_utf8_lossy(p).into_owned();
                    (p != "xml" && p != "xmlns" && p != "xsi")
                        .then(|| (p, String::from_utf8_lossy(n.as_ref()).into_owned()))
                }
                PrefixDeclaration::Default => None,
            })
            .collect::<Vec<_>>();
        let mut h = Header::default();
        let mut body = None;
        self.elements(|p, el, empty| {
            match el.local.as_str() {
                "realmCode" => {
                    if let Some(c) = p.attr(&el, "code")? {
                        h.realm_codes.push(c);
                    }
                }
                "typeId" => once(
                    &mut h.repeated_elements,
                    &mut h.type_id,
                    "typeId",
                    p.ii(&el)?,
                ),
                "templateId" => h.template_ids.push(p.ii(&el)?),
                "id" => once(&mut h.repeated_elements, &mut h.id, "id", p.ii(&el)?),
                "code" => once(
                    &mut h.repeated_elements,
                    &mut h.code,
                    "code",
                    p.code(&el, empty)?,
                ),
                "title" => once(
                    &mut h.repeated_elements,
                    &mut h.title,
                    "title",
                    p.text_of(empty)?,
                ),
                "effectiveTime" => once(
                    &mut h.repeated_elements,
                    &mut h.effective_time,
                    "effectiveTime",
                    p.ts(&el)?,
                ),
                "confidentialityCode" => once(
                    &mut h.repeated_elements,
                    &mut h.confidentiality_code,
                    "confidentialityCode",
                    p.code(&el, empty)?,
                ),
                "languageCode" => {
                    let v = p.attr(&el, "code")?;
                    if h.language_code.is_some() {
                        h.repeated_elements.push("languageCode".into());
                    }
                    h.language_code = v;
                }
                "setId" => once(&mut h.repeated_elements, &mut h.set_id, "setId", p.ii(&el)?),
                "versionNumber" => {
                    let v = p.attr(&el, "value")?;
                    if h.version_number.is_some() {
                        h.repeated_elements.push("versionNumber".into());
                    }
                    h.version_number = v;
                }
                "recordTarget" if !empty => h.record_targets.push(p.record_target()?),
                "author" if !empty => h.authors.push(p.author()?),
                "informant" if !empty => {
                    let mut inf = Informant::default();
                    p.elements(|p, el, empty| {
                        match el.local.as_str() {
                            "assignedEntity" => inf.assigned_entity = Some(p.role(&el, empty)?),
                            "relatedEntity" => inf.related_entity = Some(p.role(&el, empty)?),
                            _ => {}
                        }
                        Ok(())
                    })?;
                    h.informants.push(inf);
                }
                "custodian" if !empty => once(
                    &mut h.repeated_elements,
                    &mut h.custodian,
                    "custodian",
                    p.custodian()?,
                ),
                "informationRecipient" if !empty => {
                    let type_code = p.attr(&el, "typeCode")?;
                    let mut r = InformationRecipient {
                        type_code,
                        ..Default::default()
                    };
                    p.elements_named("intendedRecipient", |p, el, empty| {
                        r.intended_recipient = p.role(&el, empty)?;
                        Ok(())
                    })?;
                    h.information_recipients.push(r);
                }
                "legalAuthenticator" if !empty => once(
                    &mut h.repeated_elements,
                    &mut h.legal_authenticator,
                    "legalAuthenticator",
                    p.authenticator()?,
                ),
                "authenticator" if !empty => h.authenticators.push(p.authenticator()?),
                "participant" if !empty => h.participants.push(p.participant(&el)?),
                "inFulfillmentOf" if !empty => {
                    p.elements_named("order", |p, _, empty| {
                        h.in_fulfillment_of.push(p.order(empty)?);
                        Ok(())
                    })?;
                }
                "documentationOf" if !empty => {
                    p.elements_named("serviceEvent", |p, el, empty| {
                        h.documentation_of.push(p.service_event(&el, empty)?);
                        Ok(())
                    })?;
                }
                "relatedDocument" if !empty => h.related_documents.push(p.related_document(&el)?),
                "authorization" if !empty => {
                    p.elements_named("consent", |p, _, empty| {
                        h.authorizations.push(p.consent(empty)?);
                        Ok(())
                    })?;
                }
                "componentOf" if !empty => {
                    p.elements_named("encompassingEncounter", |p, _, empty| {
                        if !empty {
                            h.component_of = Some(p.encounter()?);
                        }
                        Ok(())
                    })?;
                }
                "component" => {
                    if header_only {
                        p.halt = true;
                        return Ok(());
                    }
                    if !empty {
                        body = p.body()?;
                    }
                }
                _ => {}
            }
            Ok(())
        })?;
        if header_only {
            return Ok((h, None, namespaces));
        }
        // The rest of the input (end of an XSLT wrapper) must be well-formed.
        loop {
            match self.next()? {
                Raw::Eof => break,
                Raw::Start(..) if self.path.len() == 1 && !xsl => {
                    return Err(self.err(ParseErrorKind::Xml("more than one root element".into())));
                }
                _ => {}
            }
        }
        if !self.path.is_empty() {
            return Err(self.err(ParseErrorKind::Truncated(
                "end of input inside the XSLT wrapper".into(),
            )));
        }
        Ok((h, body, namespaces))
    }

    // ---- data types ----

    fn ii(&self, el: &El<'_>) -> R<Ii> {
        Ok(Ii {
            root: self.attr(el, "root")?,
            extension: self.attr(el, "extension")?,
            null_flavor: self.attr(el, "nullFlavor")?,
        })
    }

    fn ts(&self, el: &El<'_>) -> R<Ts> {
        Ok(Ts {
            value: self.attr(el, "value")?,
            null_flavor: self.attr(el, "nullFlavor")?,
        })
    }

    fn code(&mut self, el: &El<'_>, empty: bool) -> R<Code> {
        let mut c = Code {
            code: self.attr(el, "code")?,
            code_system: self.attr(el, "codeSystem")?,
            code_system_name: self.attr(el, "codeSystemName")?,
            display_name: self.attr(el, "displayName")?,
            null_flavor: self.attr(el, "nullFlavor")?,
            translations: Vec::new(),
        };
        if !empty {
            self.elements_named("translation", |p, e, empty| {
                let t = p.code(&e, empty)?;
                c.translations.push(t);
                Ok(())
            })?;
        }
        Ok(c)
    }

    fn ivl(&mut self, el: &El<'_>, empty: bool) -> R<IvlTs> {
        let mut i = IvlTs {
            value: self.attr(el, "value")?.map(Ts::from_value),
            null_flavor: self.attr(el, "nullFlavor")?,
            ..Default::default()
        };
        if !empty {
            self.elements(|p, e, _| {
                match e.local.as_str() {
                    "low" => i.low = Some(p.ts(&e)?),
                    "high" => i.high = Some(p.ts(&e)?),
                    "center" if i.value.is_none() => i.value = Some(p.ts(&e)?),
                    _ => {}
                }
                Ok(())
            })?;
        }
        Ok(i)
    }

    fn name(&mut self, el: &El<'_>, empty: bool) -> R<PersonName> {
        let mut n = PersonName {
            use_: self.attr(el, "use")?,
            null_flavor: self.attr(el, "nullFlavor")?,
            parts: Vec::new(),
        };
        if !empty {
            self.children(|p, ch| {
                match ch {
                    Child::Element(e, empty) if e.hl7 => {
                        let kind = match e.local.as_str() {
                            "family" => NamePartKind::Family,
                            "given" => NamePartKind::Given,
                            "prefix" => NamePartKind::Prefix,
                            "suffix" => NamePartKind::Suffix,
                            "delimiter" => NamePartKind::Delimiter,
                            _ => return Ok(()),
                        };
                        let qualifier = p.attr(&e, "qualifier")?;
                        let value = p.text_of(empty)?;
                        n.parts.push(NamePart {
                            kind,
                            qualifier,
                            value,
                        });
                    }
                    Child::Text(t) => n.parts.push(NamePart {
                        kind: NamePartKind::Text,
                        qualifier: None,
                        value: t.trim().to_owned(),
                    }),
                    Child::Element(..) => {}
                }
                Ok(())
            })?;
        }
        Ok(n)
    }

    fn addr(&mut self, el: &El<'_>, empty: bool) -> R<Addr> {
        let mut a = Addr {
            use_: self.attr(el, "use")?,
            null_flavor: self.attr(el, "nullFlavor")?,
            parts: Vec::new(),
        };
        if !empty {
            self.elements(|p, e, empty| {
                let v = p.text_of(empty)?;
                a.push(&e.local, &v);
                Ok(())
            })?;
        }
        Ok(a)
    }

    fn telecom(&self, el: &El<'_>) -> R<Telecom> {
        Ok(Telecom {
            value: self.attr(el, "value")?,
            use_: self.attr(el, "use")?,
            null_flavor: self.attr(el, "nullFlavor")?,
        })
    }

    fn names_in(&mut self, empty: bool) -> R<Vec<PersonName>> {
        let mut names = Vec::new();
        if !empty {
            self.elements_named("name", |p, e, empty| {
                names.push(p.name(&e, empty)?);
                Ok(())
            })?;
        }
        Ok(names)
    }

    fn organization(&mut self, empty: bool) -> R<Organization> {
        let mut o = Organization::default();
        if !empty {
            self.elements(|p, e, empty| {
                match e.local.as_str() {
                    "id" => o.ids.push(p.ii(&e)?),
                    "name" if o.name.is_none() => o.name = Some(p.text_of(empty)?),
                    "telecom" => o.telecoms.push(p.telecom(&e)?),
                    "addr" => o.addrs.push(p.addr(&e, empty)?),
                    "standardIndustryClassCode" => {
                        o.standard_industry_class_code = Some(p.code(&e, empty)?)
                    }
                    _ => {}
                }
                Ok(())
            })?;
        }
        Ok(o)
    }

    fn role(&mut self, el: &El<'_>, empty: bool) -> R<RoleEntity> {
        let mut r = RoleEntity {
            class_code: self.attr(el, "classCode")?,
            ..Default::default()
        };
        if !empty {
            self.elements(|p, e, empty| {
                match e.local.as_str() {
                    "id" => r.ids.push(p.ii(&e)?),
                    "code" => r.code = Some(p.code(&e, empty)?),
                    "addr" => r.addrs.push(p.addr(&e, empty)?),
                    "telecom" => r.telecoms.push(p.telecom(&e)?),
                    "assignedPerson"
                    | "associatedPerson"
                    | "informationRecipient"
                    | "relatedPerson" => {
                        r.has_person = true;
                        r.person_names = p.names_in(empty)?;
                    }
                    "assignedAuthoringDevice" => {
                        let mut d = AuthoringDevice::default();
                        if !empty {
                            p.elements(|p, e, empty| {
                                match e.local.as_str() {
                                    "manufacturerModelName" => {
                                        d.manufacturer_model_name = Some(p.text_of(empty)?)
                                    }
                                    "softwareName" => d.software_name = Some(p.text_of(empty)?),
                                    _ => {}
                                }
                                Ok(())
                            })?;
                        }
                        r.device = Some(d);
                    }
                    "representedOrganization" | "scopingOrganization" | "receivedOrganization" => {
                        r.organization = Some(p.organization(empty)?)
                    }
                    _ => {}
                }
                Ok(())
            })?;
        }
        Ok(r)
    }

    // ---- header participants ----

    fn record_target(&mut self) -> R<RecordTarget> {
        let mut rt = RecordTarget::default();
        self.elements_named("patientRole", |p, _, empty| {
            if !empty {
                rt.patient_role = p.patient_role()?;
            }
            Ok(())
        })?;
        Ok(rt)
    }

    fn patient_role(&mut self) -> R<PatientRole> {
        let mut pr = PatientRole::default();
        self.elements(|p, e, empty| {
            match e.local.as_str() {
                "id" => pr.ids.push(p.ii(&e)?),
                "addr" => pr.addrs.push(p.addr(&e, empty)?),
                "telecom" => pr.telecoms.push(p.telecom(&e)?),
                "patient" => pr.patient = Some(p.patient(empty)?),
                _ => {}
            }
            Ok(())
        })?;
        Ok(pr)
    }

    fn patient(&mut self, empty: bool) -> R<Patient> {
        let mut pt = Patient::default();
        if empty {
            return Ok(pt);
        }
        self.elements(|p, e, empty| {
            match e.local.as_str() {
                "name" => pt.names.push(p.name(&e, empty)?),
                "administrativeGenderCode" => {
                    pt.administrative_gender_code = Some(p.code(&e, empty)?)
                }
                "birthTime" => pt.birth_time = Some(p.ts(&e)?),
                "guardian" if !empty => {
                    let mut g = Guardian::default();
                    p.elements(|p, e, empty| {
                        match e.local.as_str() {
                            "code" => g.code = Some(p.code(&e, empty)?),
                            "addr" => g.addrs.push(p.addr(&e, empty)?),
                            "telecom" => g.telecoms.push(p.telecom(&e)?),
                            "guardianPerson" => g.person_names = p.names_in(empty)?,
                            "guardianOrganization" => g.organization = Some(p.organization(empty)?),
                            _ => {}
                        }
                        Ok(())
                    })?;
                    pt.guardians.push(g);
                }
                "birthplace" if !empty => {
                    p.elements_named("place", |p, _, empty| {
                        if !empty {
                            p.elements_named("addr", |p, e, empty| {
                                pt.birthplace = Some(p.addr(&e, empty)?);
                                Ok(())
                            })?;
                        }
                        Ok(())
                    })?;
                }
                _ => {}
            }
            Ok(())
        })?;
        Ok(pt)
    }

    fn author(&mut self) -> R<Author> {
        let mut a = Author::default();
        self.elements(|p, e, empty| {
            match e.local.as_str() {
                "functionCode" => a.function_code = Some(p.code(&e, empty)?),
                "time" => a.time = Some(p.ts(&e)?),
                "assignedAuthor" => a.assigned_author = p.role(&e, empty)?,
                _ => {}
            }
            Ok(())
        })?;
        Ok(a)
    }

    fn custodian(&mut self) -> R<Custodian> {
        let mut c = Custodian::default();
        self.elements_named("assignedCustodian", |p, _, empty| {
            if !empty {
                p.elements_named("representedCustodianOrganization", |p, _, empty| {
                    c.organization = p.organization(empty)?;
                    Ok(())
                })?;
            }
            Ok(())
        })?;
        Ok(c)
    }

    fn authenticator(&mut self) -> R<Authenticator> {
        let mut a = Authenticator::default();
        self.elements(|p, e, empty| {
            match e.local.as_str() {
                "time" => a.time = Some(p.ts(&e)?),
                "signatureCode" => a.signature_code = p.attr(&e, "code")?,
                "assignedEntity" => a.assigned_entity = p.role(&e, empty)?,
                _ => {}
            }
            Ok(())
        })?;
        Ok(a)
    }

    fn participant(&mut self, el: &El<'_>) -> R<Participant> {
        let mut pa = Participant {
            type_code: self.attr(el, "typeCode")?,
            ..Default::default()
        };
        self.elements(|p, e, empty| {
            match e.local.as_str() {
                "functionCode" => pa.function_code = Some(p.code(&e, empty)?),
                "time" => pa.time = Some(p.ivl(&e, empty)?),
                "associatedEntity" => pa.associated_entity = p.role(&e, empty)?,
                _ => {}
            }
            Ok(())
        })?;
        Ok(pa)
    }

    fn order(&mut self, empty: bool) -> R<Order> {
        let mut o = Order::default();
        if !empty {
            self.elements(|p, e, empty| {
                match e.local.as_str() {
                    "id" => o.ids.push(p.ii(&e)?),
                    "code" => o.code = Some(p.code(&e, empty)?),
                    _ => {}
                }
                Ok(())
            })?;
        }
        Ok(o)
    }

    fn service_event(&mut self, el: &El<'_>, empty: bool) -> R<ServiceEvent> {
        let mut s = ServiceEvent {
            class_code: self.attr(el, "classCode")?,
            ..Default::default()
        };
        if !empty {
            self.elements(|p, e, empty| {
                match e.local.as_str() {
                    "id" => s.ids.push(p.ii(&e)?),
                    "code" => s.code = Some(p.code(&e, empty)?),
                    "effectiveTime" => s.effective_time = Some(p.ivl(&e, empty)?),
                    "performer" if !empty => {
                        let mut pf = Performer {
                            type_code: p.attr(&e, "typeCode")?,
                            ..Default::default()
                        };
                        p.elements(|p, e, empty| {
                            match e.local.as_str() {
                                "functionCode" => pf.function_code = Some(p.code(&e, empty)?),
                                "time" => pf.time = Some(p.ivl(&e, empty)?),
                                "assignedEntity" => pf.assigned_entity = p.role(&e, empty)?,
                                _ => {}
                            }
                            Ok(())
                        })?;
                        s.performers.push(pf);
                    }
                    _ => {}
                }
                Ok(())
            })?;
        }
        Ok(s)
    }

    fn related_document(&mut self, el: &El<'_>) -> R<RelatedDocument> {
        let mut r = RelatedDocument {
            type_code: self.attr(el, "typeCode")?,
            ..Default::default()
        };
        self.elements_named("parentDocument", |p, _, empty| {
            if !empty {
                p.elements(|p, e, _| {
                    match e.local.as_str() {
                        "id" => r.parent_ids.push(p.ii(&e)?),
                        "setId" => r.parent_set_id = Some(p.ii(&e)?),
                        "versionNumber" => r.parent_version_number = p.attr(&e, "value")?,
                        _ => {}
                    }
                    Ok(())
                })?;
            }
            Ok(())
        })?;
        Ok(r)
    }

    fn consent(&mut self, empty: bool) -> R<Consent> {
        let mut c = Consent::default();
        if !empty {
            self.elements(|p, e, empty| {
                match e.local.as_str() {
                    "id" => c.ids.push(p.ii(&e)?),
                    "code" => c.code = Some(p.code(&e, empty)?),
                    "statusCode" => c.status_code = p.attr(&e, "code")?,
                    _ => {}
                }
                Ok(())
            })?;
        }
        Ok(c)
    }

    fn encounter(&mut self) -> R<EncompassingEncounter> {
        let mut en = EncompassingEncounter::default();
        self.elements(|p, e, empty| {
            match e.local.as_str() {
                "id" => en.ids.push(p.ii(&e)?),
                "code" => en.code = Some(p.code(&e, empty)?),
                "effectiveTime" => en.effective_time = Some(p.ivl(&e, empty)?),
                "responsibleParty" if !empty => {
                    p.elements_named("assignedEntity", |p, e, empty| {
                        en.responsible_party = Some(p.role(&e, empty)?);
                        Ok(())
                    })?;
                }
                "encounterParticipant" if !empty => {
                    let mut ep = EncounterParticipant {
                        type_code: p.attr(&e, "typeCode")?,
                        ..Default::default()
                    };
                    p.elements(|p, e, empty| {
                        match e.local.as_str() {
                            "time" => ep.time = Some(p.ivl(&e, empty)?),
                            "assignedEntity" => ep.assigned_entity = p.role(&e, empty)?,
                            _ => {}
                        }
                        Ok(())
                    })?;
                    en.encounter_participants.push(ep);
                }
                "location" if !empty => {
                    p.elements_named("healthCareFacility", |p, _, empty| {
                        if !empty {
                            en.health_care_facility = Some(p.facility()?);
                        }
                        Ok(())
                    })?;
                }
                _ => {}
            }
            Ok(())
        })?;
        Ok(en)
    }

    fn facility(&mut self) -> R<HealthCareFacility> {
        let mut f = HealthCareFacility::default();
        self.elements(|p, e, empty| {
            match e.local.as_str() {
                "id" => f.ids.push(p.ii(&e)?),
                "code" => f.code = Some(p.code(&e, empty)?),
                "location" if !empty => {
                    p.elements(|p, e, empty| {
                        match e.local.as_str() {
                            "name" => f.location_name = Some(p.text_of(empty)?),
                            "addr" => f.location_addr = Some(p.addr(&e, empty)?),
                            _ => {}
                        }
                        Ok(())
                    })?;
                }
                "serviceProviderOrganization" => {
                    f.service_provider_organization = Some(p.organization(empty)?)
                }
                _ => {}
            }
            Ok(())
        })?;
        Ok(f)
    }

    // ---- body ----

    fn body(&mut self) -> R<Option<Body>> {
        let mut body = None;
        self.elements(|p, e, empty| {
            if body.is_some() {
                return Ok(());
            }
            match e.local.as_str() {
                "nonXMLBody" => {
                    if empty {
                        return Err(p.err_at(
                            ParseErrorKind::Structure("nonXMLBody has no text".into()),
                            e.at,
                        ));
                    }
                    body = Some(Body::NonXml(p.non_xml_body(e.at)?));
                }
                "structuredBody" => {
                    let mut sb = StructuredBody::default();
                    if !empty {
                        p.elements_named("component", |p, _, empty| {
                            if !empty {
                                p.elements_named("section", |p, _, empty| {
                                    sb.sections.push(p.section(empty)?);
                                    Ok(())
                                })?;
                            }
                            Ok(())
                        })?;
                    }
                    body = Some(Body::Structured(sb));
                }
                _ => {}
            }
            Ok(())
        })?;
        Ok(body)
    }

    fn non_xml_body(&mut self, at: usize) -> R<NonXmlBody> {
        let mut out = None;
        self.children(|p, ch| {
            let Child::Element(e, empty) = ch else {
                return Ok(());
            };
            if !e.hl7 || e.local != "text" || out.is_some() {
                return Ok(());
            }
            let media_type = p
                .attr(&e, "mediaType")?
                .unwrap_or_else(|| "text/plain".to_owned());
            let representation = p
                .attr(&e, "representation")?
                .unwrap_or_else(|| "TXT".to_owned());
            if empty {
                out = Some(if representation == "B64" {
                    NonXmlBody::new(&media_type, Bytes::new())
                } else {
                    NonXmlBody::text(&media_type, String::new())
                });
                return Ok(());
            }
            if representation != "B64" {
                let t = p.read_text()?;
                out = Some(NonXmlBody::text(&media_type, t));
                return Ok(());
            }
            // Base64: keep a slice of the source when the content is plain text.
            let start = p.pos();
            let depth = p.path.len();
            let mut simple = true;
            let mut gathered = String::new();
            let end = loop {
                let before = p.pos();
                match p.next()? {
                    Raw::Text(t) => {
                        if !simple {
                            gathered.push_str(&t);
                        }
                    }
                    Raw::CData(t) => {
                        if simple {
                            simple = false;
                            gathered = p.slice(start, before).to_owned();
                        }
                        gathered.push_str(&t);
                    }
                    Raw::Ref(c) => {
                        if simple {
                            simple = false;
                            gathered = p.slice(start, before).to_owned();
                        }
                        gathered.push(c);
                    }
                    Raw::End if p.path.len() < depth => break before,
                    Raw::Eof => {
                        return Err(p.err(ParseErrorKind::Truncated(
                            "end of input inside the N1 body".into(),
                        )));
                    }
                    Raw::Start(..) | Raw::Empty(..) | Raw::End => {
                        return Err(p.err(ParseErrorKind::Structure(
                            "element inside base64 nonXMLBody/text".into(),
                        )));
                    }
                }
            };
            let (text, base) = match (&p.source, simple) {
                (Some(src), true) => (src.slice(start..end.max(start)), start),
                _ if simple => (
                    Bytes::copy_from_slice(p.input.get(start..end).unwrap_or_default()),
                    start,
                ),
                _ => (Bytes::from(gathered.into_bytes()), start),
            };
            let input = p.input;
            let path = p.path_string() + "/text";
            out = Some(NonXmlBody::from_base64(media_type, text, |off| {
                Location::at(input, base + off, path.clone())
            })?);
            Ok(())
        })?;
        out.ok_or_else(|| {
            self.err_at(
                ParseErrorKind::Structure("nonXMLBody has no text".into()),
                at,
            )
        })
    }

    fn section(&mut self, empty: bool) -> R<Section> {
        let mut s = Section::default();
        if empty {
            return Ok(s);
        }
        self.elements(|p, e, empty| {
            match e.local.as_str() {
                "templateId" => s.template_ids.push(p.ii(&e)?),
                "id" => s.id = Some(p.ii(&e)?),
                "code" => s.code = Some(p.code(&e, empty)?),
                "title" => s.title = Some(p.text_of(empty)?),
                "text" => {
                    if empty {
                        s.text = Some(XmlFragment::default());
                    } else {
                        let start = p.pos();
                        let end = p.skip_to_end()?;
                        s.text = Some(XmlFragment::from_trusted(
                            p.slice(start, end).trim().to_owned(),
                        ));
                    }
                }
                "confidentialityCode" | "languageCode" | "subject" | "author" | "informant" => {
                    let start = e.at;
                    let end = if empty {
                        p.pos()
                    } else {
                        p.skip_to_end_after()?
                    };
                    s.other
                        .push(XmlFragment::from_trusted(p.slice(start, end).to_owned()));
                }
                "entry" => {
                    let start = e.at;
                    let end = if empty {
                        p.pos()
                    } else {
                        p.skip_to_end_after()?
                    };
                    s.entries.push(Entry::Xml(XmlFragment::from_trusted(
                        p.slice(start, end).to_owned(),
                    )));
                }
                "component" if !empty => {
                    p.elements_named("section", |p, _, empty| {
                        s.sections.push(p.section(empty)?);
                        Ok(())
                    })?;
                }
                _ => {}
            }
            Ok(())
        })?;
        Ok(s)
    }

    fn slice(&self, start: usize, end: usize) -> &'i str {
        self.text.get(start..end).unwrap_or_default()
    }

    /// Skips to the end of the current element; returns the offset of its end tag.
    fn skip_to_end(&mut self) -> R<usize> {
        let depth = self.path.len();
        loop {
            let before = self.pos();
            match self.next()? {
                Raw::End if self.path.len() < depth => return Ok(before),
                Raw::Eof => {
                    return Err(self.err(ParseErrorKind::Truncated(
                        "end of input inside an element".into(),
                    )));
                }
                _ => {}
            }
        }
    }

    /// Skips to the end of the current element; returns the offset after its end tag.
    fn skip_to_end_after(&mut self) -> R<usize> {
        self.skip_to_end()?;
        Ok(self.pos())
    }
}

/// Sets a single-valued field, recording a repetition.
fn once<T>(repeated: &mut Vec<String>, field: &mut Option<T>, name: &str, value: T) {
    if field.is_some() {
        repeated.push(name.to_owned());
    }
    *field = Some(value);
}

struct NsKind {
    hl7: bool,
    xsl: bool,
    unknown: Option<String>,
}

enum Raw<'i> {
    Start(El<'i>, bool),
    Empty(El<'i>, bool),
    End,
    Text(Cow<'i, str>),
    CData(Cow<'i, str>),
    Ref(char),
    Eof,
}

/// Checks that `xml` is well-formed element content: balanced tags, no unknown
/// entity, no unbound element prefix (the HL7 default namespace and `xsi` are
/// bound).
pub(crate) fn check_fragment(xml: &str) -> Result<(), ParseError> {
    let wrapped = format!(
        "<w xmlns=\"{NS_HL7}\" xmlns:xsi=\"{}\">{xml}</w>",
        crate::vocab::NS_XSI
    );
    let mut p = Parser::new(wrapped.as_bytes(), None)?;
    let adjust = |mut e: ParseError| {
        e.location.path = e.location.path.trim_start_matches("/w").to_owned();
        e
    };
    match p.next().map_err(adjust)? {
        Raw::Start(..) => {}
        _ => {
            return Err(ParseError {
                kind: ParseErrorKind::Xml("not element content".into()),
                location: Location::default(),
            });
        }
    }
    loop {
        match p.next().map_err(adjust)? {
            Raw::End if p.path.is_empty() => break,
            Raw::Eof => {
                return Err(ParseError {
                    kind: ParseErrorKind::Truncated("unclosed element in fragment".into()),
                    location: Location::default(),
                });
            }
            _ => {}
        }
    }
    match p.next().map_err(adjust)? {
        Raw::Eof => Ok(()),
        _ => Err(ParseError {
            kind: ParseErrorKind::Xml("content after the fragment".into()),
            location: Location::default(),
        }),
    }
}

/// Text of a fragment, tags removed, whitespace collapsed.
pub(crate) fn fragment_text(xml: &str) -> String {
    let wrapped = format!(
        "<w xmlns=\"{NS_HL7}\" xmlns:xsi=\"{}\">{xml}</w>",
        crate::vocab::NS_XSI
    );
    let mut out = String::new();
    if let Ok(mut p) = Parser::new(wrapped.as_bytes(), None) {
        loop {
            match p.next() {
                Ok(Raw::Text(t)) | Ok(Raw::CData(t)) => {
                    out.push_str(&t);
                }
                Ok(Raw::Ref(c)) => out.push(c),
                Ok(Raw::Start(..)) | Ok(Raw::End) | Ok(Raw::Empty(..)) => out.push(' '),
                Ok(Raw::Eof) | Err(_) => break,
            }
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}
