//! Builders that refuse to build an invalid header, and pre-filling helpers
//! from the host's practitioner / structure / patient model (SC.CDA/DD.22).
//!
//! [`HeaderBuilder::build_n1`] and [`HeaderBuilder::build_n3`] check the
//! required parts (typed [`BuildError::Missing`] / [`BuildError::Invalid`]),
//! set the level's templateIds, then run the [native validator](crate::validate)
//! and refuse the document on the first error-level finding
//! ([`BuildError::Rule`]).

use segur_ids::{IdNatPs, IdNatStruct, Oid};
use time::{Date, OffsetDateTime};

use crate::body::{Body, NonXmlBody, StructuredBody};
use crate::clock::{Clock, IdGenerator};
use crate::datatypes::*;
use crate::document::Document;
use crate::error::BuildError;
use crate::header::*;
use crate::vocab::{self, Confidentiality, Gender, id_root, template};

/// A health-care structure (cabinet, centre de santé) as the host knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Structure {
    /// National structure id (written under `1.2.250.1.71.4.2.2`).
    pub id: IdNatStruct,
    /// Name.
    pub name: String,
    /// Phone / e-mail.
    pub telecoms: Vec<Telecom>,
    /// Address.
    pub addr: Option<Addr>,
    /// Healthcare facility type (J02), e.g. [`vocab::facility_cabinet_individuel`].
    pub facility_type: Code,
    /// Practice setting (J04), e.g. [`vocab::practice_setting_ambulatoire`].
    pub practice_setting: Code,
}

impl Structure {
    /// The CDA organisation (`representedOrganization`).
    pub fn organization(&self) -> Organization {
        Organization {
            ids: vec![Ii::oid(
                &id_root::ID_NAT_STRUCT,
                Some(self.id.as_str().to_owned()),
            )],
            name: Some(self.name.clone()),
            telecoms: self.telecoms.clone(),
            addrs: self.addr.iter().cloned().collect(),
            standard_industry_class_code: Some(self.practice_setting.clone()),
        }
    }
}

/// A health professional as the host knows them.
#[derive(Debug, Clone, PartialEq)]
pub struct Practitioner {
    /// National professional id (`8` + RPPS), written under `1.2.250.1.71.4.2.1`.
    pub id: IdNatPs,
    /// Civilité (`M`, `MME`), optional.
    pub prefix: Option<String>,
    /// Given name.
    pub given: String,
    /// Family name.
    pub family: String,
    /// Title (`DR`), optional.
    pub suffix: Option<String>,
    /// Profession / specialty (J01), e.g. [`vocab::specialty_general_practitioner`].
    pub specialty: Code,
    /// Phone / e-mail.
    pub telecoms: Vec<Telecom>,
    /// Where they practise.
    pub structure: Structure,
}

impl Practitioner {
    /// The person name.
    pub fn name(&self) -> PersonName {
        let mut n = PersonName::default();
        if let Some(p) = &self.prefix {
            n.push(NamePartKind::Prefix, None, p);
        }
        n.push(NamePartKind::Given, None, &self.given);
        n.push(NamePartKind::Family, None, &self.family);
        if let Some(s) = &self.suffix {
            n.push(NamePartKind::Suffix, None, s);
        }
        n
    }

    /// The role entity (`assignedAuthor` / `assignedEntity`).
    pub fn role_entity(&self) -> RoleEntity {
        RoleEntity {
            class_code: None,
            ids: vec![Ii::oid(
                &id_root::ID_NAT_PS,
                Some(self.id.as_str().to_owned()),
            )],
            code: Some(self.specialty.clone()),
            addrs: self.structure.addr.iter().cloned().collect(),
            telecoms: self.telecoms.clone(),
            person_names: vec![self.name()],
            has_person: true,
            device: None,
            organization: Some(self.structure.organization()),
        }
    }

    /// The document author at `time`.
    pub fn author(&self, time: OffsetDateTime) -> Author {
        Author {
            function_code: None,
            time: Some(Ts::from_datetime(time)),
            assigned_author: self.role_entity(),
        }
    }

    /// The legal authenticator (signatureCode `S`) at `time`.
    pub fn legal_authenticator(&self, time: OffsetDateTime) -> Authenticator {
        Authenticator {
            time: Some(Ts::from_datetime(time)),
            signature_code: Some("S".into()),
            assigned_entity: self.role_entity(),
        }
    }

    /// The `performer` of a service event.
    pub fn performer(&self) -> Performer {
        Performer {
            type_code: Some("PRF".into()),
            function_code: None,
            time: None,
            assigned_entity: self.role_entity(),
        }
    }
}

/// Builds `recordTarget/patientRole`.
///
/// The INS is written only from a [`segur_ins::QualifiedIns`], which exists
/// only for a qualified identity ([`PatientBuilder::from_identity`] takes it
/// when the identity is qualified, [`PatientBuilder::qualified_ins`] sets it
/// directly). Local identifiers (IPP) can always be added; a patient whose
/// identity is not qualified is written with its local ids only.
///
/// With an INS the five INS traits are required: birth name, birth given
/// names (and the first one), birth date, sex and birth place (COG).
#[derive(Debug, Clone, Default)]
pub struct PatientBuilder {
    role: PatientRole,
    ins: Option<Ii>,
    birth_name: Option<String>,
    given_names: Option<String>,
    first_given_name: Option<String>,
    used_name: Option<String>,
    used_given_name: Option<String>,
    gender: Option<Gender>,
    birth_time: Option<Ts>,
    birthplace: Option<(String, Option<String>)>,
}

impl PatientBuilder {
    /// An empty patient.
    pub fn new() -> Self {
        Self::default()
    }

    /// Pre-fills from a patient identity (SC.CDA/DD.22): its traits, and its
    /// INS only when the identity is qualified.
    pub fn from_identity(identity: &segur_ins::Identity) -> Self {
        let b = Self::new().traits(identity.traits());
        match identity.qualified_ins() {
            Some(q) => b.qualified_ins(&q),
            None => b,
        }
    }

    /// The INS of a qualified identity (written first, under its INS root).
    pub fn qualified_ins(mut self, ins: &segur_ins::QualifiedIns) -> Self {
        let (root, ext) = ins.ins().cda_id();
        self.ins = Some(Ii::oid(&root, Some(ext.to_owned())));
        self
    }

    /// The identity traits: birth name, birth given names, first given name,
    /// birth date (with its precision), sex, birth place, used names.
    pub fn traits(mut self, t: &segur_ins::Traits) -> Self {
        self.birth_name = Some(t.birth_family_name().as_str().to_owned());
        self.given_names = Some(t.birth_given_names_joined());
        self.first_given_name = Some(t.first_given_name().as_str().to_owned());
        self.birth_time = Some(Ts::from_value(t.birth_date().to_cda()));
        self.gender = Some(match t.sex() {
            segur_ins::Sex::Female => Gender::Female,
            segur_ins::Sex::Male => Gender::Male,
            segur_ins::Sex::Unknown => Gender::Undetermined,
        });
        self.birthplace = t.birth_place().map(|c| (c.as_str().to_owned(), None));
        self.used_name = t.used_family_name().map(|n| n.as_str().to_owned());
        self.used_given_name = t.used_given_name().map(|n| n.as_str().to_owned());
        self
    }

    /// A local identifier (IPP) under the structure's own OID.
    pub fn local_id(mut self, root: &Oid, extension: &str) -> Self {
        self.role
            .ids
            .push(Ii::oid(root, Some(extension.to_owned())));
        self
    }

    /// Birth family name (`family qualifier="BR"`).
    pub fn birth_name(mut self, v: &str) -> Self {
        self.birth_name = Some(v.to_owned());
        self
    }

    /// The list of birth given names (`given`, no qualifier).
    pub fn given_names(mut self, v: &str) -> Self {
        self.given_names = Some(v.to_owned());
        self
    }

    /// First birth given name (`given qualifier="BR"`).
    pub fn first_given_name(mut self, v: &str) -> Self {
        self.first_given_name = Some(v.to_owned());
        self
    }

    /// Used family name (`family qualifier="CL"`), when different.
    pub fn used_name(mut self, v: &str) -> Self {
        self.used_name = Some(v.to_owned());
        self
    }

    /// Used given name (`given qualifier="CL"`), when different.
    pub fn used_given_name(mut self, v: &str) -> Self {
        self.used_given_name = Some(v.to_owned());
        self
    }

    /// Sex.
    pub fn gender(mut self, g: Gender) -> Self {
        self.gender = Some(g);
        self
    }

    /// Birth date.
    pub fn birth_date(mut self, d: Date) -> Self {
        self.birth_time = Some(Ts::from_date(d));
        self
    }

    /// Birth place: COG code (5 characters, `99xxx` abroad) and city name
    /// (keeps the COG code of the traits, adds the city).
    pub fn birthplace(mut self, cog: &str, city: Option<&str>) -> Self {
        self.birthplace = Some((cog.to_owned(), city.map(str::to_owned)));
        self
    }

    /// Postal address.
    pub fn addr(mut self, a: Addr) -> Self {
        self.role.addrs.push(a);
        self
    }

    /// Phone / e-mail.
    pub fn telecom(mut self, t: Telecom) -> Self {
        self.role.telecoms.push(t);
        self
    }

    /// Builds the patient role, refusing missing or malformed identity traits.
    pub fn build(self) -> Result<PatientRole, BuildError> {
        let birth_name = self
            .birth_name
            .ok_or(BuildError::Missing("patient birth name"))?;
        let given = self
            .given_names
            .ok_or(BuildError::Missing("patient given names"))?;
        let gender = self.gender.ok_or(BuildError::Missing("patient gender"))?;
        let birth_time = self
            .birth_time
            .ok_or(BuildError::Missing("patient birth date"))?;
        if birth_name.trim().is_empty() || given.trim().is_empty() {
            return Err(BuildError::Invalid {
                field: "patient name",
                reason: "empty birth name or given names".into(),
            });
        }
        if self.role.ids.is_empty() && self.ins.is_none() {
            return Err(BuildError::Missing("patient identifier (INS or local id)"));
        }
        let has_ins = self.ins.is_some();
        let mut name = PersonName::default();
        name.push(NamePartKind::Family, Some("BR"), &birth_name);
        name.push(NamePartKind::Given, None, &given);
        let first = self
            .first_given_name
            .unwrap_or_else(|| given.split_whitespace().next().unwrap_or(&given).to_owned());
        name.push(NamePartKind::Given, Some("BR"), &first);
        if let Some(u) = &self.used_name {
            name.push(NamePartKind::Family, Some("CL"), u);
        }
        if let Some(u) = &self.used_given_name {
            name.push(NamePartKind::Given, Some("CL"), u);
        }
        let birthplace = match self.birthplace {
            Some((cog, city)) => {
                if cog.len() != 5 || !cog.bytes().all(|b| b.is_ascii_alphanumeric()) {
                    return Err(BuildError::Invalid {
                        field: "birthplace",
                        reason: format!("COG code {cog:?} is not 5 characters"),
                    });
                }
                let mut a = Addr::default();
                a.push("county", &cog);
                if let Some(c) = city {
                    a.push("city", &c);
                }
                Some(a)
            }
            None if has_ins => {
                return Err(BuildError::Missing("birthplace COG code (INS trait)"));
            }
            None => None,
        };
        let mut role = self.role;
        if let Some(ins) = self.ins {
            role.ids.insert(0, ins);
        }
        role.patient = Some(Patient {
            names: vec![name],
            administrative_gender_code: Some(gender.to_code()),
            birth_time: Some(birth_time),
            guardians: Vec::new(),
            birthplace,
        });
        Ok(role)
    }
}

/// Builds a CI-SIS header, then an N1 or N3 document.
#[derive(Debug, Clone)]
pub struct HeaderBuilder {
    h: Header,
    effective_time: Option<OffsetDateTime>,
}

impl HeaderBuilder {
    /// A header of this document type (J07), e.g.
    /// `DocumentType::lookup("11488-4", …).to_code()`.
    pub fn new(document_type: Code) -> Self {
        Self {
            h: Header {
                realm_codes: vec![vocab::REALM_FR.to_owned()],
                type_id: Some(Ii::oid(
                    &vocab::TYPE_ID_ROOT,
                    Some(vocab::TYPE_ID_EXTENSION.to_owned()),
                )),
                code: Some(document_type),
                confidentiality_code: Some(Confidentiality::Normal.to_code()),
                language_code: Some(vocab::LANGUAGE_FR.to_owned()),
                version_number: Some("1".to_owned()),
                ..Header::default()
            },
            effective_time: None,
        }
    }

    /// Pre-fills a header for a document written and signed by `practitioner`
    /// in their structure, about `patient`, at the clock's time, with new ids:
    /// author, custodian (the structure), legalAuthenticator, documentationOf
    /// (act at `act_time`, performed by the practitioner) and componentOf
    /// (ambulatory encounter at the structure's facility type).
    pub fn for_practice(
        document_type: Code,
        title: &str,
        practitioner: &Practitioner,
        patient: PatientRole,
        act_time: OffsetDateTime,
        clock: &dyn Clock,
        ids: &dyn IdGenerator,
    ) -> Self {
        let now = clock.now();
        let id = ids.next_id();
        let set_id = ids.next_id();
        Self::new(document_type)
            .id(id)
            .set_id(set_id)
            .title(title)
            .effective_time(now)
            .patient(patient)
            .author(practitioner.author(now))
            .custodian(practitioner.structure.organization())
            .legal_authenticator(practitioner.legal_authenticator(now))
            .documentation_of(ServiceEvent {
                effective_time: Some(IvlTs::from_low(Ts::from_datetime(act_time))),
                performers: vec![practitioner.performer()],
                ..ServiceEvent::default()
            })
            .encounter(EncompassingEncounter {
                effective_time: Some(IvlTs::from_low(Ts::from_datetime(act_time))),
                health_care_facility: Some(HealthCareFacility {
                    code: Some(practitioner.structure.facility_type.clone()),
                    ..HealthCareFacility::default()
                }),
                ..EncompassingEncounter::default()
            })
    }

    /// The document id (new for every version).
    pub fn id(mut self, id: Ii) -> Self {
        self.h.id = Some(id);
        self
    }

    /// The set id (shared by all versions).
    pub fn set_id(mut self, id: Ii) -> Self {
        self.h.set_id = Some(id);
        self
    }

    /// The version number (default 1).
    pub fn version(mut self, n: u32) -> Self {
        self.h.version_number = Some(n.to_string());
        self
    }

    /// The title.
    pub fn title(mut self, t: &str) -> Self {
        self.h.title = Some(t.to_owned());
        self
    }

    /// The creation time (with its timezone).
    pub fn effective_time(mut self, t: OffsetDateTime) -> Self {
        self.effective_time = Some(t);
        self.h.effective_time = Some(Ts::from_datetime(t));
        self
    }

    /// The confidentiality (default N).
    pub fn confidentiality(mut self, c: Confidentiality) -> Self {
        self.h.confidentiality_code = Some(c.to_code());
        self
    }

    /// The patient (replaces any previous one).
    pub fn patient(mut self, p: PatientRole) -> Self {
        self.h.record_targets = vec![RecordTarget { patient_role: p }];
        self
    }

    /// Adds an author.
    pub fn author(mut self, a: Author) -> Self {
        self.h.authors.push(a);
        self
    }

    /// The custodian organisation (a CDA custodian organisation has at most one
    /// telecom and one address, and no practice setting: extra ones are dropped).
    pub fn custodian(mut self, mut o: Organization) -> Self {
        o.standard_industry_class_code = None;
        o.telecoms.truncate(1);
        o.addrs.truncate(1);
        self.h.custodian = Some(Custodian { organization: o });
        self
    }

    /// Adds an intended recipient.
    pub fn information_recipient(mut self, r: InformationRecipient) -> Self {
        self.h.information_recipients.push(r);
        self
    }

    /// The legal authenticator.
    pub fn legal_authenticator(mut self, a: Authenticator) -> Self {
        self.h.legal_authenticator = Some(a);
        self
    }

    /// Adds an authenticator.
    pub fn authenticator(mut self, a: Authenticator) -> Self {
        self.h.authenticators.push(a);
        self
    }

    /// Adds a participant.
    pub fn participant(mut self, p: Participant) -> Self {
        self.h.participants.push(p);
        self
    }

    /// Adds an order this document fulfils (`inFulfillmentOf`).
    pub fn in_fulfillment_of(mut self, o: Order) -> Self {
        self.h.in_fulfillment_of.push(o);
        self
    }

    /// Adds a service event (the first is the main act).
    pub fn documentation_of(mut self, s: ServiceEvent) -> Self {
        self.h.documentation_of.push(s);
        self
    }

    /// Sets the relatedDocument (RPLC / XFRM).
    pub fn related_document(mut self, r: RelatedDocument) -> Self {
        self.h.related_documents = vec![r];
        self
    }

    /// Adds a consent.
    pub fn authorization(mut self, c: Consent) -> Self {
        self.h.authorizations.push(c);
        self
    }

    /// The encounter.
    pub fn encounter(mut self, e: EncompassingEncounter) -> Self {
        self.h.component_of = Some(e);
        self
    }

    /// The header being built (for inspection).
    pub fn header(&self) -> &Header {
        &self.h
    }

    /// The header being built, for volet builders that set their fixed
    /// parts (document code, service event code…) before building.
    pub fn header_mut(&mut self) -> &mut Header {
        &mut self.h
    }

    /// A builder from an existing header (e.g. a parsed document written
    /// again); the templateIds are set by `build_n1` / `build_n3`.
    pub fn from_header(h: Header) -> Self {
        Self {
            h,
            effective_time: None,
        }
    }

    /// Checks the required parts of the header (what `build_n1` and
    /// `build_n3` check first), e.g. before producing a PDF from it.
    pub fn check(&self) -> Result<(), BuildError> {
        let h = &self.h;
        if h.id.is_none() {
            return Err(BuildError::Missing("document id"));
        }
        if h.set_id.is_none() {
            return Err(BuildError::Missing("setId"));
        }
        if h.title.as_deref().is_none_or(|t| t.trim().is_empty()) {
            return Err(BuildError::Missing("title"));
        }
        if self.effective_time.is_none() && h.effective_time.is_none() {
            return Err(BuildError::Missing("effectiveTime"));
        }
        if h.record_targets.is_empty() {
            return Err(BuildError::Missing("patient (recordTarget)"));
        }
        if h.authors.is_empty() {
            return Err(BuildError::Missing("author"));
        }
        if h.custodian.is_none() {
            return Err(BuildError::Missing("custodian"));
        }
        if h.legal_authenticator.is_none() {
            return Err(BuildError::Missing("legalAuthenticator"));
        }
        if h.documentation_of.is_empty() {
            return Err(BuildError::Missing("documentationOf/serviceEvent"));
        }
        if h.component_of.is_none() {
            return Err(BuildError::Missing("componentOf/encompassingEncounter"));
        }
        Ok(())
    }

    fn finish(self, template_ids: Vec<Ii>, body: Body) -> Result<Document, BuildError> {
        self.check()?;
        let mut h = self.h;
        h.template_ids = template_ids;
        let doc = Document::new(h, body);
        if let Some(f) = doc.validate().errors().next() {
            return Err(BuildError::Rule(f.clone()));
        }
        Ok(doc)
    }

    /// An N1 document: the three N1 templateIds exactly, and a base64 body.
    pub fn build_n1(self, body: NonXmlBody) -> Result<Document, BuildError> {
        if body.decoded_len() == 0 {
            return Err(BuildError::Invalid {
                field: "N1 body",
                reason: "empty content".into(),
            });
        }
        let tpl = template::N1.iter().map(Ii::root_only).collect();
        self.finish(tpl, Body::NonXml(body))
    }

    /// An N3 document: the two base templateIds, then the volet's
    /// (`volet_template_ids`, e.g. IHE parents + `1.2.250.1.213.1.1.1.n` with
    /// its version as extension).
    pub fn build_n3(
        self,
        volet_template_ids: Vec<Ii>,
        body: StructuredBody,
    ) -> Result<Document, BuildError> {
        if volet_template_ids
            .iter()
            .any(|t| t.has_root(&template::IHE_XDS_SD))
        {
            return Err(BuildError::Invalid {
                field: "templateId",
                reason: "an N3 document cannot declare XDS-SD".into(),
            });
        }
        let mut tpl: Vec<Ii> = template::BASE.iter().map(Ii::root_only).collect();
        tpl.extend(volet_template_ids);
        self.finish(tpl, Body::Structured(body))
    }
}
