//! Deterministic CDA writer (quick-xml).
//!
//! The same model always gives the same bytes: elements in schema order,
//! attributes in a fixed order, two-space indentation, `\n` line ends, UTF-8.
//! Nothing here reads a clock or a random generator (see [`crate::clock`] for
//! the injectable ones the builders use).

use std::io;

use quick_xml::Writer;
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};

use crate::body::{Body, Entry, Section, StructuredBody};
use crate::datatypes::{Addr, Code, Ii, IvlTs, NamePartKind, PersonName, Telecom, Ts};
use crate::document::Document;
use crate::header::*;
use crate::vocab::{NS_HL7, NS_XSI};

/// Options of [`write_document`].
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    /// Adds `<?xml-stylesheet type="text/xsl" href="…"?>` after the declaration.
    pub stylesheet_href: Option<String>,
}

/// Writes a document to XML bytes.
pub fn write_document(doc: &Document, options: &WriteOptions) -> Vec<u8> {
    let mut w = CdaWriter::new(Vec::with_capacity(estimate(doc)));
    // Writing into a Vec cannot fail.
    let _ = write_into(&mut w, doc, options);
    w.into_inner()
}

/// Writes a document to any sink.
pub fn write_document_to(
    doc: &Document,
    options: &WriteOptions,
    out: impl io::Write,
) -> io::Result<()> {
    let mut w = CdaWriter::new(out);
    write_into(&mut w, doc, options)
}

fn estimate(doc: &Document) -> usize {
    match &doc.body {
        Body::NonXml(b) => 16 * 1024 + b.decoded_len() * 4 / 3 + b.decoded_len() / 57 + 8,
        Body::Structured(_) => 64 * 1024,
    }
}

fn write_into<W: io::Write>(
    w: &mut CdaWriter<W>,
    doc: &Document,
    options: &WriteOptions,
) -> io::Result<()> {
    // Prolog written by hand: the indenting writer would add blank lines.
    w.raw_bytes(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")?;
    if let Some(href) = &options.stylesheet_href {
        w.raw_bytes(b"<?xml-stylesheet type=\"text/xsl\" href=\"")?;
        w.raw_bytes(quick_xml::escape::escape(href.as_str()).as_bytes())?;
        w.raw_bytes(b"\"?>\n")?;
    }
    let mut root = BytesStart::new("ClinicalDocument");
    root.push_attribute(("xmlns", NS_HL7));
    root.push_attribute(("xmlns:xsi", NS_XSI));
    for (prefix, uri) in &doc.namespaces {
        if prefix != "xsi" && !prefix.is_empty() {
            root.push_attribute((format!("xmlns:{prefix}").as_str(), uri.as_str()));
        }
    }
    w.inner.write_event(Event::Start(root))?;
    write_header(w, &doc.header)?;
    match &doc.body {
        Body::NonXml(b) => {
            w.start("component", &[])?;
            w.start("nonXMLBody", &[])?;
            // Written by hand so that the writer's indentation never adds
            // whitespace inside the content.
            w.inner.write_indent()?;
            w.raw_bytes(b"<text mediaType=\"")?;
            w.raw_bytes(quick_xml::escape::escape(b.media_type()).as_bytes())?;
            w.raw_bytes(b"\" representation=\"")?;
            w.raw_bytes(b.representation().as_bytes())?;
            w.raw_bytes(b"\">")?;
            b.write_text(w)?;
            w.raw_bytes(b"</text>")?;
            w.end("nonXMLBody")?;
            w.end("component")?;
        }
        Body::Structured(s) => write_structured(w, s)?,
    }
    w.end("ClinicalDocument")?;
    w.raw_bytes(b"\n")
}

/// An XML writer positioned inside a CDA document (default namespace
/// `urn:hl7-org:v3`, prefix `xsi` bound). N3 entry writers receive it.
pub struct CdaWriter<W: io::Write = Vec<u8>> {
    inner: Writer<W>,
}

impl<W: io::Write> CdaWriter<W> {
    /// A writer with two-space indentation.
    pub fn new(out: W) -> Self {
        Self {
            inner: Writer::new_with_indent(out, b' ', 2),
        }
    }

    /// The sink.
    pub fn into_inner(self) -> W {
        self.inner.into_inner()
    }

    /// `<name attrs…>` (attributes with a `None` value are skipped).
    pub fn start(&mut self, name: &str, attrs: &[(&str, Option<&str>)]) -> io::Result<()> {
        self.inner.write_event(Event::Start(start_tag(name, attrs)))
    }

    /// `</name>`.
    pub fn end(&mut self, name: &str) -> io::Result<()> {
        self.inner.write_event(Event::End(BytesEnd::new(name)))
    }

    /// `<name attrs…/>`.
    pub fn empty(&mut self, name: &str, attrs: &[(&str, Option<&str>)]) -> io::Result<()> {
        self.inner.write_event(Event::Empty(start_tag(name, attrs)))
    }

    /// `<name attrs…>text</name>` (text escaped).
    pub fn text_element(
        &mut self,
        name: &str,
        attrs: &[(&str, Option<&str>)],
        text: &str,
    ) -> io::Result<()> {
        self.inner
            .create_element(name)
            .with_attributes(attrs.iter().filter_map(|(k, v)| v.map(|v| (*k, v))))
            .write_text_content(BytesText::new(text))?;
        Ok(())
    }

    /// `<name attrs…>…</name>` with the content written by `inner`.
    pub fn element(
        &mut self,
        name: &str,
        attrs: &[(&str, Option<&str>)],
        inner: impl FnOnce(&mut Self) -> io::Result<()>,
    ) -> io::Result<()> {
        self.start(name, attrs)?;
        inner(self)?;
        self.end(name)
    }

    /// Escaped text.
    pub fn text(&mut self, text: &str) -> io::Result<()> {
        self.inner.write_event(Event::Text(BytesText::new(text)))
    }

    /// Raw bytes, written as they are (must be well-formed content).
    pub(crate) fn raw_bytes(&mut self, raw: &[u8]) -> io::Result<()> {
        self.inner.get_mut().write_all(raw)
    }

    /// A well-formed fragment (checked when built), on its own line.
    pub fn fragment(&mut self, xml: &crate::body::XmlFragment) -> io::Result<()> {
        self.inner.write_indent()?;
        self.raw_bytes(xml.as_str().as_bytes())
    }

    /// An `II` element.
    pub fn ii(&mut self, name: &str, ii: &Ii) -> io::Result<()> {
        self.empty(
            name,
            &[
                ("root", ii.root.as_deref()),
                ("extension", ii.extension.as_deref()),
                ("nullFlavor", ii.null_flavor.as_deref()),
            ],
        )
    }

    /// A CE/CD element with its translations.
    pub fn code(&mut self, name: &str, c: &Code) -> io::Result<()> {
        let attrs = [
            ("code", c.code.as_deref()),
            ("displayName", c.display_name.as_deref()),
            ("codeSystem", c.code_system.as_deref()),
            ("codeSystemName", c.code_system_name.as_deref()),
            ("nullFlavor", c.null_flavor.as_deref()),
        ];
        if c.translations.is_empty() {
            self.empty(name, &attrs)
        } else {
            self.element(name, &attrs, |w| {
                for t in &c.translations {
                    w.code("translation", t)?;
                }
                Ok(())
            })
        }
    }

    /// A TS element.
    pub fn ts(&mut self, name: &str, ts: &Ts) -> io::Result<()> {
        self.empty(
            name,
            &[
                ("value", ts.value.as_deref()),
                ("nullFlavor", ts.null_flavor.as_deref()),
            ],
        )
    }

    /// An IVL_TS element.
    pub fn ivl_ts(&mut self, name: &str, ivl: &IvlTs) -> io::Result<()> {
        let attrs = [
            ("value", ivl.value.as_ref().and_then(|v| v.value.as_deref())),
            ("nullFlavor", ivl.null_flavor.as_deref()),
        ];
        if ivl.low.is_none() && ivl.high.is_none() {
            return self.empty(name, &attrs);
        }
        self.element(name, &attrs, |w| {
            if let Some(l) = &ivl.low {
                w.ts("low", l)?;
            }
            if let Some(h) = &ivl.high {
                w.ts("high", h)?;
            }
            Ok(())
        })
    }

    /// A PN element.
    pub fn name(&mut self, name: &PersonName) -> io::Result<()> {
        let attrs = [
            ("use", name.use_.as_deref()),
            ("nullFlavor", name.null_flavor.as_deref()),
        ];
        if name.parts.is_empty() {
            return self.empty("name", &attrs);
        }
        self.element("name", &attrs, |w| {
            for p in &name.parts {
                match p.kind.element() {
                    Some(el) => {
                        w.text_element(el, &[("qualifier", p.qualifier.as_deref())], &p.value)?
                    }
                    None => {
                        debug_assert!(p.kind == NamePartKind::Text);
                        w.text(&p.value)?
                    }
                }
            }
            Ok(())
        })
    }

    /// An AD element.
    pub fn addr(&mut self, a: &Addr) -> io::Result<()> {
        let attrs = [
            ("use", a.use_.as_deref()),
            ("nullFlavor", a.null_flavor.as_deref()),
        ];
        if a.parts.is_empty() {
            return self.empty("addr", &attrs);
        }
        self.element("addr", &attrs, |w| {
            // Part names come from a closed list: a forged name is never
            // written as an element name.
            for p in a
                .parts
                .iter()
                .filter(|p| crate::datatypes::ADDR_PART_NAMES.contains(&p.kind.as_str()))
            {
                w.text_element(&p.kind, &[], &p.value)?;
            }
            Ok(())
        })
    }

    /// A TEL element.
    pub fn telecom(&mut self, t: &Telecom) -> io::Result<()> {
        self.empty(
            "telecom",
            &[
                ("value", t.value.as_deref()),
                ("use", t.use_.as_deref()),
                ("nullFlavor", t.null_flavor.as_deref()),
            ],
        )
    }
}

fn start_tag<'a>(name: &'a str, attrs: &[(&'a str, Option<&'a str>)]) -> BytesStart<'a> {
    let mut s = BytesStart::new(name);
    for (k, v) in attrs {
        if let Some(v) = v {
            s.push_attribute((*k, *v));
        }
    }
    s
}

fn opt<W: io::Write>(w: &mut CdaWriter<W>, name: &str, v: &Option<Code>) -> io::Result<()> {
    match v {
        Some(c) => w.code(name, c),
        None => Ok(()),
    }
}

fn write_header<W: io::Write>(w: &mut CdaWriter<W>, h: &Header) -> io::Result<()> {
    for r in &h.realm_codes {
        w.empty("realmCode", &[("code", Some(r))])?;
    }
    if let Some(t) = &h.type_id {
        w.ii("typeId", t)?;
    }
    for t in &h.template_ids {
        w.ii("templateId", t)?;
    }
    if let Some(id) = &h.id {
        w.ii("id", id)?;
    }
    opt(w, "code", &h.code)?;
    if let Some(t) = &h.title {
        w.text_element("title", &[], t)?;
    }
    if let Some(t) = &h.effective_time {
        w.ts("effectiveTime", t)?;
    }
    opt(w, "confidentialityCode", &h.confidentiality_code)?;
    if let Some(l) = &h.language_code {
        w.empty("languageCode", &[("code", Some(l))])?;
    }
    if let Some(s) = &h.set_id {
        w.ii("setId", s)?;
    }
    if let Some(v) = &h.version_number {
        w.empty("versionNumber", &[("value", Some(v))])?;
    }
    for rt in &h.record_targets {
        w.element("recordTarget", &[], |w| {
            write_patient_role(w, &rt.patient_role)
        })?;
    }
    for a in &h.authors {
        w.element("author", &[], |w| {
            opt(w, "functionCode", &a.function_code)?;
            if let Some(t) = &a.time {
                w.ts("time", t)?;
            }
            write_role(w, "assignedAuthor", &a.assigned_author, Role::Author)
        })?;
    }
    for i in &h.informants {
        w.element("informant", &[], |w| {
            if let Some(a) = &i.assigned_entity {
                write_role(w, "assignedEntity", a, Role::Assigned)?;
            } else if let Some(r) = &i.related_entity {
                write_role(w, "relatedEntity", r, Role::Related)?;
            }
            Ok(())
        })?;
    }
    if let Some(c) = &h.custodian {
        w.element("custodian", &[], |w| {
            w.element("assignedCustodian", &[], |w| {
                write_organization(w, "representedCustodianOrganization", &c.organization, true)
            })
        })?;
    }
    for r in &h.information_recipients {
        w.element(
            "informationRecipient",
            &[("typeCode", r.type_code.as_deref())],
            |w| {
                write_role(
                    w,
                    "intendedRecipient",
                    &r.intended_recipient,
                    Role::Recipient,
                )
            },
        )?;
    }
    if let Some(l) = &h.legal_authenticator {
        w.element("legalAuthenticator", &[], |w| write_authenticator(w, l))?;
    }
    for a in &h.authenticators {
        w.element("authenticator", &[], |w| write_authenticator(w, a))?;
    }
    for p in &h.participants {
        w.element(
            "participant",
            &[("typeCode", p.type_code.as_deref())],
            |w| {
                opt(w, "functionCode", &p.function_code)?;
                if let Some(t) = &p.time {
                    w.ivl_ts("time", t)?;
                }
                write_role(
                    w,
                    "associatedEntity",
                    &p.associated_entity,
                    Role::Associated,
                )
            },
        )?;
    }
    for o in &h.in_fulfillment_of {
        w.element("inFulfillmentOf", &[], |w| {
            w.element("order", &[], |w| {
                for id in &o.ids {
                    w.ii("id", id)?;
                }
                opt(w, "code", &o.code)
            })
        })?;
    }
    for s in &h.documentation_of {
        w.element("documentationOf", &[], |w| {
            w.element(
                "serviceEvent",
                &[("classCode", s.class_code.as_deref())],
                |w| {
                    for id in &s.ids {
                        w.ii("id", id)?;
                    }
                    opt(w, "code", &s.code)?;
                    if let Some(t) = &s.effective_time {
                        w.ivl_ts("effectiveTime", t)?;
                    }
                    for p in &s.performers {
                        w.element("performer", &[("typeCode", p.type_code.as_deref())], |w| {
                            opt(w, "functionCode", &p.function_code)?;
                            if let Some(t) = &p.time {
                                w.ivl_ts("time", t)?;
                            }
                            write_role(w, "assignedEntity", &p.assigned_entity, Role::Assigned)
                        })?;
                    }
                    Ok(())
                },
            )
        })?;
    }
    for r in &h.related_documents {
        w.element(
            "relatedDocument",
            &[("typeCode", r.type_code.as_deref())],
            |w| {
                w.element("parentDocument", &[], |w| {
                    for id in &r.parent_ids {
                        w.ii("id", id)?;
                    }
                    if let Some(s) = &r.parent_set_id {
                        w.ii("setId", s)?;
                    }
                    if let Some(v) = &r.parent_version_number {
                        w.empty("versionNumber", &[("value", Some(v))])?;
                    }
                    Ok(())
                })
            },
        )?;
    }
    for c in &h.authorizations {
        w.element("authorization", &[], |w| {
            w.element("consent", &[], |w| {
                for id in &c.ids {
                    w.ii("id", id)?;
                }
                opt(w, "code", &c.code)?;
                w.empty("statusCode", &[("code", c.status_code.as_deref())])
            })
        })?;
    }
    if let Some(e) = &h.component_of {
        w.element("componentOf", &[], |w| {
            w.element("encompassingEncounter", &[], |w| {
                for id in &e.ids {
                    w.ii("id", id)?;
                }
                opt(w, "code", &e.code)?;
                if let Some(t) = &e.effective_time {
                    w.ivl_ts("effectiveTime", t)?;
                }
                if let Some(r) = &e.responsible_party {
                    w.element("responsibleParty", &[], |w| {
                        write_role(w, "assignedEntity", r, Role::Assigned)
                    })?;
                }
                for p in &e.encounter_participants {
                    w.element(
                        "encounterParticipant",
                        &[("typeCode", p.type_code.as_deref())],
                        |w| {
                            if let Some(t) = &p.time {
                                w.ivl_ts("time", t)?;
                            }
                            write_role(w, "assignedEntity", &p.assigned_entity, Role::Assigned)
                        },
                    )?;
                }
                if let Some(f) = &e.health_care_facility {
                    w.element("location", &[], |w| {
                        w.element("healthCareFacility", &[], |w| {
                            for id in &f.ids {
                                w.ii("id", id)?;
                            }
                            opt(w, "code", &f.code)?;
                            if f.location_name.is_some() || f.location_addr.is_some() {
                                w.element("location", &[], |w| {
                                    if let Some(n) = &f.location_name {
                                        w.text_element("name", &[], n)?;
                                    }
                                    if let Some(a) = &f.location_addr {
                                        w.addr(a)?;
                                    }
                                    Ok(())
                                })?;
                            }
                            if let Some(o) = &f.service_provider_organization {
                                write_organization(w, "serviceProviderOrganization", o, false)?;
                            }
                            Ok(())
                        })
                    })?;
                }
                Ok(())
            })
        })?;
    }
    Ok(())
}

fn write_patient_role<W: io::Write>(w: &mut CdaWriter<W>, pr: &PatientRole) -> io::Result<()> {
    w.element("patientRole", &[], |w| {
        for id in &pr.ids {
            w.ii("id", id)?;
        }
        for a in &pr.addrs {
            w.addr(a)?;
        }
        for t in &pr.telecoms {
            w.telecom(t)?;
        }
        if let Some(p) = &pr.patient {
            w.element("patient", &[("classCode", Some("PSN"))], |w| {
                for n in &p.names {
                    w.name(n)?;
                }
                opt(w, "administrativeGenderCode", &p.administrative_gender_code)?;
                if let Some(b) = &p.birth_time {
                    w.ts("birthTime", b)?;
                }
                for g in &p.guardians {
                    w.element("guardian", &[], |w| {
                        opt(w, "code", &g.code)?;
                        for a in &g.addrs {
                            w.addr(a)?;
                        }
                        for t in &g.telecoms {
                            w.telecom(t)?;
                        }
                        if let Some(o) = &g.organization {
                            write_organization(w, "guardianOrganization", o, false)
                        } else {
                            w.element("guardianPerson", &[], |w| {
                                for n in &g.person_names {
                                    w.name(n)?;
                                }
                                Ok(())
                            })
                        }
                    })?;
                }
                if let Some(b) = &p.birthplace {
                    w.element("birthplace", &[], |w| {
                        w.element("place", &[], |w| w.addr(b))
                    })?;
                }
                Ok(())
            })?;
        }
        Ok(())
    })
}

#[derive(Clone, Copy, PartialEq)]
enum Role {
    Author,
    Assigned,
    Associated,
    Recipient,
    Related,
}

fn write_role<W: io::Write>(
    w: &mut CdaWriter<W>,
    name: &str,
    r: &RoleEntity,
    role: Role,
) -> io::Result<()> {
    w.element(name, &[("classCode", r.class_code.as_deref())], |w| {
        // RelatedEntity has no id.
        for id in r.ids.iter().filter(|_| role != Role::Related) {
            w.ii("id", id)?;
        }
        if role != Role::Recipient {
            opt(w, "code", &r.code)?;
        }
        for a in &r.addrs {
            w.addr(a)?;
        }
        for t in &r.telecoms {
            w.telecom(t)?;
        }
        let person_el = match role {
            Role::Author | Role::Assigned => "assignedPerson",
            Role::Associated => "associatedPerson",
            Role::Recipient => "informationRecipient",
            Role::Related => "relatedPerson",
        };
        if let Some(d) = r.device.as_ref().filter(|_| role == Role::Author) {
            w.element("assignedAuthoringDevice", &[], |w| {
                if let Some(m) = &d.manufacturer_model_name {
                    w.text_element("manufacturerModelName", &[], m)?;
                }
                if let Some(s) = &d.software_name {
                    w.text_element("softwareName", &[], s)?;
                }
                Ok(())
            })?;
        } else if r.has_person || !r.person_names.is_empty() {
            w.element(person_el, &[], |w| {
                for n in &r.person_names {
                    w.name(n)?;
                }
                Ok(())
            })?;
        }
        if let Some(o) = r.organization.as_ref().filter(|_| role != Role::Related) {
            let org_el = match role {
                Role::Author | Role::Assigned | Role::Related => "representedOrganization",
                Role::Associated => "scopingOrganization",
                Role::Recipient => "receivedOrganization",
            };
            write_organization(w, org_el, o, false)?;
        }
        Ok(())
    })
}

/// Writes a role as `assignedEntity` (performers of N3 entries, e.g. the
/// vaccinator of an immunization).
pub(crate) fn write_assigned_entity<W: io::Write>(
    w: &mut CdaWriter<W>,
    r: &RoleEntity,
) -> io::Result<()> {
    write_role(w, "assignedEntity", r, Role::Assigned)
}

fn write_organization<W: io::Write>(
    w: &mut CdaWriter<W>,
    name: &str,
    o: &Organization,
    custodian: bool,
) -> io::Result<()> {
    w.element(name, &[], |w| {
        for id in &o.ids {
            w.ii("id", id)?;
        }
        if let Some(n) = &o.name {
            w.text_element("name", &[], n)?;
        }
        // CustodianOrganization allows at most one telecom and one addr.
        let tel_limit = if custodian { 1 } else { usize::MAX };
        for t in o.telecoms.iter().take(tel_limit) {
            w.telecom(t)?;
        }
        for a in o.addrs.iter().take(tel_limit) {
            w.addr(a)?;
        }
        if !custodian {
            opt(
                w,
                "standardIndustryClassCode",
                &o.standard_industry_class_code,
            )?;
        }
        Ok(())
    })
}

fn write_authenticator<W: io::Write>(w: &mut CdaWriter<W>, a: &Authenticator) -> io::Result<()> {
    if let Some(t) = &a.time {
        w.ts("time", t)?;
    }
    if let Some(s) = &a.signature_code {
        w.empty("signatureCode", &[("code", Some(s))])?;
    }
    write_role(w, "assignedEntity", &a.assigned_entity, Role::Assigned)
}

fn write_structured<W: io::Write>(w: &mut CdaWriter<W>, s: &StructuredBody) -> io::Result<()> {
    w.element("component", &[], |w| {
        w.element("structuredBody", &[], |w| {
            for sec in &s.sections {
                w.element("component", &[], |w| write_section(w, sec))?;
            }
            Ok(())
        })
    })
}

fn write_section<W: io::Write>(w: &mut CdaWriter<W>, s: &Section) -> io::Result<()> {
    w.element("section", &[], |w| {
        for t in &s.template_ids {
            w.ii("templateId", t)?;
        }
        if let Some(id) = &s.id {
            w.ii("id", id)?;
        }
        opt(w, "code", &s.code)?;
        if let Some(t) = &s.title {
            w.text_element("title", &[], t)?;
        }
        if let Some(t) = &s.text {
            w.start("text", &[])?;
            w.fragment(t)?;
            w.end("text")?;
        }
        for o in &s.other {
            w.fragment(o)?;
        }
        for e in &s.entries {
            match e {
                Entry::Xml(x) => w.fragment(x)?,
                Entry::Written { type_code, content } => {
                    w.start("entry", &[("typeCode", type_code.as_deref())])?;
                    write_entry_content(w, content.as_ref())?;
                    w.end("entry")?;
                }
            }
        }
        for c in &s.sections {
            w.element("component", &[], |w| write_section(w, c))?;
        }
        Ok(())
    })
}

fn write_entry_content<W: io::Write>(
    w: &mut CdaWriter<W>,
    content: &dyn crate::body::WriteXml,
) -> io::Result<()> {
    // Entry writers work on a `CdaWriter<Vec<u8>>`; their output is copied into
    // the document (entries are small compared to the document).
    let mut sub = CdaWriter::new(Vec::new());
    content.write_xml(&mut sub)?;
    let bytes = sub.into_inner();
    w.inner.write_indent()?;
    w.raw_bytes(&bytes)
}

#[cfg(test)]
mod tests {
    use crate::datatypes::{Addr, AddrPart};

    #[test]
    fn forged_address_part_names_are_not_written() {
        let mut w = super::CdaWriter::new(Vec::new());
        let mut a = Addr::street("1", "Rue", "75001", "PARIS");
        a.parts.push(AddrPart {
            kind: "script><x".into(),
            value: "v".into(),
        });
        w.addr(&a).unwrap();
        let out = String::from_utf8(w.into_inner()).unwrap();
        assert!(!out.contains("script"), "{out}");
        assert!(out.contains("<city>PARIS</city>"));
    }
}
