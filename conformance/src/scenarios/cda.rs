//! Suite `cda`: health documents produced, received, versioned, listed and
//! shown by the host, checked with `segur-cda` (parser, native validator,
//! version relations) and `segur-ins` (datamatrix).
//!
//! | scenario | requirements | proves |
//! |---|---|---|
//! | `cda.production.segur-n1` | LGC.MDV.01, SC.CDA/DD.20 | three document types of the perimeter produced as CDA R2 N1 with an embedded PDF and a header passing the native CI-SIS validator (documents and reports recorded for the official schematrons) |
//! | `cda.production.prefilled` | SC.CDA/DD.22 | the header carries the patient file's identity traits, and the INS only for a qualified identity |
//! | `cda.production.ins-datamatrix` | SENTINELLE.14 | the PDF of a qualified patient's document carries an INS datamatrix decoding to the patient's INS and traits; none for a non-qualified identity |
//! | `cda.versions.new-version` | SC.CDA/DD.02 | a revision has a new id, the same setId, version + 1 and RPLC to the previous id |
//! | `cda.versions.produced-again` | SC.CDA/DD.17 | producing the same document again gives its next version, never a conflicting duplicate |
//! | `cda.versions.newer-received` | SC.CDA/DD.05, SC.CDA/VISU.02 | a received newer version is detected, the held one shows it and it can be viewed; the same document received twice is not integrated twice |
//! | `cda.pairs.received-pair` | SC.CDA/INT.16, SC.CDA/DD.15, SC.CDA/DD.16 | a received N1/N3 pair (XFRM) is one document offering the PDF and the structured view from either form |
//! | `cda.lists.sorted` | SC.CDA/INT.17 | produced and imported documents listed by type code and act date exactly as `segur_cda::versions::DocumentFilter` orders them |
//! | `cda.links.imaging-request` | SC.DB/TRA.02 | from an imaging request to the report that fulfils it and back |
//! | `cda.display.n3-readable` | SC.CDA/VISU.01 | an N3 document is shown human-readable: header facts and every section's narrative, escaped, no raw XML |
//! | `cda.display.official-stylesheet` | SC.CDA/INT.15 | **only in a run given the official stylesheet** (`--cda-stylesheet`, [`Runner::cda_stylesheet`](crate::Runner::cda_stylesheet)): the host's display of a received N3 document is the official ANS stylesheet's rendering (the runner applies it itself; normalised comparison) and holds the document's key facts. Without the stylesheet: not applicable, naming the option |
//! | `cda.structured.vsm` | SC.DB/LGC.01, SC.CDA/DD.21 | a medical summary produced as a VSM 2023.01 N3 passing the native header validator and the volet's rules, with the patient's INS, holding the confirmed summary |
//! | `cda.structured.eprescription` | SC.DOC.03, SC.CDA/DD.21 | a prescription produced as an eP-MED-DM 2024.01 N3 passing the header and volet rules, with the file's address and phone, holding the confirmed medications, devices, validity and options |
//! | `cda.structured.n1-n3-pair` | SC.CDA/DD.23, SC.CDA/DD.15 | the N1 twin of a produced N3 carries XFRM to it, the same patient, type and act, and the very PDF of the N3's copy section (with the INS datamatrix); the file shows both as one document with two renderings |
//!
//! DMP and MSSanté exchanges of documents (DD.04, DD.12–14, INT.04) are
//! proven by the `dmp` and `mss` suites; the vaccination note
//! (SC.VACC/NOTE.05) by the child-health suite. SC.CDA/INT.15 (the
//! *official* stylesheet) is covered only by a run configured with the
//! official `CDA-FO.xsl` (a third-party file segur-rs never ships; see
//! `segur_cda::stylesheet`): in a run without it, the scenario is not
//! applicable and the requirement stays uncovered.

mod structured;
mod stylesheet;

use segur_cda::body::{Narrative, Section};
use segur_cda::builder::{HeaderBuilder, PatientBuilder, Practitioner, Structure};
use segur_cda::datatypes::{Addr, Code, Telecom};
use segur_cda::header::Order;
use segur_cda::versions::{self, DocumentFilter, DocumentPair, SortOrder, VersionRelation};
use segur_cda::vocab::{self, DocumentType, code_system};
use segur_cda::{Body, Document, Level, NonXmlBody, StructuredBody};
use segur_ids::{Finess, IdNatPs, IdNatStruct, Rpps};
use segur_ins::{Identity, IdentityStatus};
use time::Duration;

use super::support::{ALICE, CLAIRE, Held, fetch, ins_text, patient_file, record_and_validate};
use crate::checks::pdf_ins_datamatrix;
use crate::failure::{Failure, OrFail, ScenarioResult, ensure, ensure_eq};
use crate::host::{DocumentRef, DocumentRequest, Documents, ImportOutcome, ReceivedFile};
use crate::{Error, Payload, Registry, RunContext, Scenario};

/// Registers the suite.
pub fn register(registry: &mut Registry) -> Result<(), Error> {
    let mut suite = registry.suite("cda", "Health documents (CDA R2)")?;
    {
        let mut g = suite.group("production", "Document production")?;
        g.add(
            Scenario::new(
                "segur-n1",
                "Documents of the Ségur perimeter are produced as valid CDA R2 N1 with an embedded PDF",
                segur_n1,
            )
            .requirements(["LGC.MDV.01", "SC.CDA/DD.20"]),
        )?;
        g.add(
            Scenario::new(
                "prefilled",
                "The header is pre-filled from the patient file; the INS only for a qualified identity",
                prefilled,
            )
            .requirement("SC.CDA/DD.22"),
        )?;
        g.add(
            Scenario::new(
                "ins-datamatrix",
                "The INS datamatrix is printed on the documents of a qualified identity only",
                ins_datamatrix,
            )
            .requirement("SENTINELLE.14"),
        )?;
    }
    {
        let mut g = suite.group("versions", "Versions and duplicates")?;
        g.add(
            Scenario::new(
                "new-version",
                "A revised document is a new version: same setId, version + 1, RPLC",
                new_version,
            )
            .requirement("SC.CDA/DD.02"),
        )?;
        g.add(
            Scenario::new(
                "produced-again",
                "Producing the same document again gives its next version, not a conflicting duplicate",
                produced_again,
            )
            .requirement("SC.CDA/DD.17"),
        )?;
        g.add(
            Scenario::new(
                "newer-received",
                "A received newer version is detected and shown; a document received twice is held once",
                newer_received,
            )
            .requirements(["SC.CDA/DD.05", "SC.CDA/VISU.02"]),
        )?;
    }
    suite.group("pairs", "N1/N3 pairs")?.add(
        Scenario::new(
            "received-pair",
            "A received N1/N3 pair is one document with the PDF and the structured view",
            received_pair,
        )
        .requirements(["SC.CDA/INT.16", "SC.CDA/DD.15", "SC.CDA/DD.16"]),
    )?;
    suite.group("lists", "Document lists")?.add(
        Scenario::new(
            "sorted",
            "Documents are listed by type code and act date",
            sorted,
        )
        .requirement("SC.CDA/INT.17"),
    )?;
    suite.group("links", "Request and report")?.add(
        Scenario::new(
            "imaging-request",
            "From an imaging request to its report and back",
            imaging_request,
        )
        .requirement("SC.DB/TRA.02"),
    )?;
    suite
        .group("display", "Display")?
        .add(
            Scenario::new(
                "n3-readable",
                "An N3 document is shown in a human-readable form",
                n3_readable,
            )
            .requirement("SC.CDA/VISU.01"),
        )?
        .add(stylesheet::scenario())?;
    structured::register(&mut suite)?;
    Ok(())
}

fn doc_type(code: &str, system: &segur_ids::Oid) -> ScenarioResult<Code> {
    DocumentType::lookup(code, system.as_str())
        .map(DocumentType::to_code)
        .or_fail(&format!("document type {code}"))
}

fn consultation() -> ScenarioResult<Code> {
    doc_type("11488-4", &code_system::LOINC)
}

/// A correspondent radiologist (fictitious RPPS and FINESS with valid keys).
fn correspondent() -> ScenarioResult<Practitioner> {
    let rpps = Rpps::parse("10009999995").or_fail("fictitious RPPS")?;
    let finess = Finess::parse("690001110").or_fail("fictitious FINESS")?;
    Ok(Practitioner {
        id: IdNatPs::from(rpps),
        prefix: Some("MME".into()),
        given: "Nadia".into(),
        family: "RADIO-TEST".into(),
        suffix: Some("DR".into()),
        specialty: Code::new(
            "G15_10/SM44",
            &code_system::AUTHOR_SPECIALTY,
            "Médecin - Radio-diagnostic et imagerie médicale (SM)",
        ),
        telecoms: vec![Telecom::phone("0400000000", Some("WP"))],
        structure: Structure {
            id: IdNatStruct::from_finess(&finess),
            name: "Centre d'imagerie de test".into(),
            telecoms: vec![Telecom::phone("0400000000", Some("WP"))],
            addr: Some(Addr::street("5", "Avenue des Essais", "69003", "LYON")),
            facility_type: vocab::facility_cabinet_groupe(),
            practice_setting: vocab::practice_setting_ambulatoire(),
        },
    })
}

/// A document a correspondent sends about the patient: N1 with a small PDF.
fn received_n1(
    ctx: &RunContext,
    identity: &Identity,
    document_type: Code,
    title: &str,
    act: time::OffsetDateTime,
    fulfils: Option<Order>,
) -> ScenarioResult<Document> {
    let patient = PatientBuilder::from_identity(identity)
        .build()
        .or_fail("patient of the received document")?;
    let mut b = HeaderBuilder::for_practice(
        document_type,
        title,
        &correspondent()?,
        patient,
        act,
        ctx.clock(),
        ctx.ids(),
    );
    if let Some(order) = fulfils {
        b = b.in_fulfillment_of(order);
    }
    let pdf =
        segur_cda::samples::simple_pdf(&[title, "Document recu d'un correspondant (fictif)."]);
    b.build_n1(NonXmlBody::pdf(pdf))
        .map_err(|e| Failure::internal(format!("received document fixture: {e}")))
}

fn as_received(name: &str, doc: &Document) -> ReceivedFile {
    ReceivedFile::new(name, "text/xml", doc.to_xml())
}

async fn produce(
    ctx: &RunContext,
    docs: &dyn Documents,
    file: &crate::host::PatientFileRef,
    request: &DocumentRequest,
) -> ScenarioResult<Held> {
    let reference = ctx
        .step(format!("produce \u{ab} {} \u{bb}", request.title), async {
            Ok(docs.produce(file, request).await?)
        })
        .await?;
    fetch(docs, &reference).await
}

async fn import(
    ctx: &RunContext,
    docs: &dyn Documents,
    file: &crate::host::PatientFileRef,
    received: &ReceivedFile,
) -> ScenarioResult<ImportOutcome> {
    ctx.step(
        format!("give the host the received file {}", received.name),
        async { Ok(docs.import(file, received).await?) },
    )
    .await
}

fn integrated(what: &str, outcome: ImportOutcome) -> ScenarioResult<DocumentRef> {
    match outcome {
        ImportOutcome::Integrated(d) => Ok(d),
        other => Err(Failure::check(format!(
            "{what}: expected the document to be integrated, the host answered {other:?}"
        ))),
    }
}

async fn segur_n1(ctx: RunContext) -> ScenarioResult {
    let docs = ctx.documents()?;
    let (file, _) = patient_file(&ctx, &ALICE, IdentityStatus::Qualifiee).await?;
    let act = ctx.now() - Duration::hours(1);
    let requests = [
        DocumentRequest::new(consultation()?, "Compte rendu de consultation", act)
            .paragraph("Motif : douleurs abdominales depuis trois jours.")
            .paragraph("Conclusion : pas de signe de gravité, échographie demandée."),
        DocumentRequest::new(
            doc_type("CERT_DECL", &code_system::TRE_A05)?,
            "Certificat médical de non contre-indication",
            act,
        )
        .paragraph("Absence de contre-indication à la pratique de la course à pied."),
        DocumentRequest::new(
            doc_type("57828-6", &code_system::LOINC)?,
            "Prescription de séances de rééducation",
            act,
        )
        .paragraph("Dix séances de rééducation de la cheville droite."),
    ];
    for (i, request) in requests.iter().enumerate() {
        let held = produce(&ctx, docs, &file, request).await?;
        let name = format!("produced-n1-{}", i + 1);
        ctx.step(
            format!("{}: native CI-SIS validation", request.title),
            async { record_and_validate(&ctx, &name, &held).map(|_| ()) },
        )
        .await?;
        ctx.step(
            format!("{}: an N1 document of the requested type", request.title),
            async {
                let h = &held.document.header;
                ensure_eq("level", Level::N1, held.document.level())?;
                let tpl: Vec<Option<&str>> =
                    h.template_ids.iter().map(|t| t.root.as_deref()).collect();
                let n1_oids = vocab::template::N1;
                let n1: Vec<Option<&str>> = n1_oids.iter().map(|t| Some(t.as_str())).collect();
                ensure_eq("templateIds", n1, tpl)?;
                ensure_eq(
                    "document type",
                    Some(request.document_type.code_str()),
                    h.code.as_ref().map(Code::code_str),
                )?;
                ensure_eq("title", Some(request.title.as_str()), h.title.as_deref())?;
                ensure(h.set_id.is_some(), "the document has no setId")?;
                ensure_eq("versionNumber", Some(1), h.version())?;
                let act_in_doc = h.act_time().and_then(|t| t.to_offset_datetime());
                ensure_eq(
                    "act date",
                    Some(request.act_time.unix_timestamp()),
                    act_in_doc.map(|t| t.unix_timestamp()),
                )
            },
        )
        .await?;
        ctx.step(
            format!("{}: the body is the PDF of the report", request.title),
            async {
                let body = held
                    .document
                    .non_xml_body()
                    .or_fail("nonXMLBody of the N1 document")?;
                ensure_eq("body media type", "application/pdf", body.media_type())?;
                let pdf = body.decode();
                ensure(
                    pdf.starts_with(b"%PDF-"),
                    "the N1 body does not decode to a PDF file",
                )?;
                ctx.evidence().document(
                    &format!("{name}.pdf"),
                    Payload::new("application/pdf", pdf.into_owned()),
                );
                Ok(())
            },
        )
        .await?;
    }
    Ok(())
}

async fn prefilled(ctx: RunContext) -> ScenarioResult {
    let docs = ctx.documents()?;
    for (person, status) in [
        (ALICE, IdentityStatus::Qualifiee),
        (CLAIRE, IdentityStatus::Recuperee),
    ] {
        let (file, identity) = patient_file(&ctx, &person, status).await?;
        let request = DocumentRequest::new(
            consultation()?,
            "Compte rendu de consultation",
            ctx.now() - Duration::minutes(30),
        )
        .paragraph("Consultation de suivi.");
        let held = produce(&ctx, docs, &file, &request).await?;
        let name = format!("prefilled-{}", status.code().to_ascii_lowercase());
        record_and_validate(&ctx, &name, &held)?;
        ctx.step(
            format!(
                "{}: the patient's traits come from the file",
                status.label()
            ),
            async {
                let h = &held.document.header;
                let p = h
                    .patient_role()
                    .and_then(|r| r.patient.as_ref())
                    .or_fail("recordTarget/patientRole/patient")?;
                let t = identity.traits();
                ensure_eq(
                    "birth family name",
                    Some(t.birth_family_name().as_str()),
                    p.birth_name(),
                )?;
                ensure_eq(
                    "birth given names",
                    Some(t.birth_given_names_joined().as_str()),
                    p.given_names(),
                )?;
                ensure_eq(
                    "first birth given name",
                    Some(t.first_given_name().as_str()),
                    p.first_given_name(),
                )?;
                ensure_eq(
                    "sex",
                    Some(t.sex().cda_code()),
                    p.administrative_gender_code.as_ref().map(Code::code_str),
                )?;
                ensure_eq(
                    "birth date",
                    Some(t.birth_date().to_cda()),
                    p.birth_time.as_ref().and_then(|b| b.value.clone()),
                )?;
                ensure_eq(
                    "birth place (COG)",
                    t.birth_place().map(|c| c.as_str()),
                    p.birthplace.as_ref().and_then(|a| a.part("county")),
                )
            },
        )
        .await?;
        ctx.step(
            format!("{}: the INS is written only when qualified", status.label()),
            async {
                let written = held.document.header.patient_ins();
                match identity.qualified_ins() {
                    Some(q) => {
                        let (root, ext) = q.ins().cda_id();
                        let ok = written.is_some_and(|i| {
                            i.root.as_deref() == Some(root.as_str())
                                && i.extension.as_deref() == Some(ext)
                        });
                        ensure(
                            ok,
                            format!(
                                "the document of a qualified identity must carry its INS {}, it carries {:?}",
                                ins_text(q.ins()),
                                written.map(ToString::to_string)
                            ),
                        )
                    }
                    None => ensure(
                        written.is_none(),
                        format!(
                            "the document carries the INS {} of a non-qualified identity ({}): the INS may only be shared once qualified",
                            written.map(ToString::to_string).unwrap_or_default(),
                            identity.status().label()
                        ),
                    ),
                }
            },
        )
        .await?;
        ctx.step(
            format!(
                "{}: author and custodian come from the practice",
                status.label()
            ),
            async {
                let h = &held.document.header;
                let author = h.authors.first().or_fail("author")?;
                let id = author
                    .assigned_author
                    .ids
                    .iter()
                    .find(|i| i.has_root(&vocab::id_root::ID_NAT_PS))
                    .and_then(|i| i.extension.as_deref())
                    .or_fail("author id under the idNat_PS root")?;
                IdNatPs::parse(id).or_fail("author idNat_PS")?;
                ensure(h.custodian.is_some(), "no custodian")
            },
        )
        .await?;
    }
    Ok(())
}

async fn ins_datamatrix(ctx: RunContext) -> ScenarioResult {
    let docs = ctx.documents()?;
    for (person, status) in [
        (ALICE, IdentityStatus::Qualifiee),
        (CLAIRE, IdentityStatus::Recuperee),
    ] {
        let (file, identity) = patient_file(&ctx, &person, status).await?;
        let request = DocumentRequest::new(
            consultation()?,
            "Compte rendu de consultation",
            ctx.now() - Duration::minutes(20),
        )
        .paragraph("Examen clinique sans particularité.");
        let held = produce(&ctx, docs, &file, &request).await?;
        let name = format!("datamatrix-{}", status.code().to_ascii_lowercase());
        record_and_validate(&ctx, &name, &held)?;
        ctx.step(format!("{}: read the datamatrix of the PDF", status.label()), async {
            let pdf = held
                .document
                .non_xml_body()
                .or_fail("nonXMLBody of the N1 document")?
                .decode()
                .into_owned();
            ctx.evidence()
                .document(&format!("{name}.pdf"), Payload::new("application/pdf", pdf.clone()));
            let found = pdf_ins_datamatrix(&pdf)
                .map_err(|e| Failure::check(format!("the PDF of the document: {e}")))?;
            match (identity.qualified_ins(), found) {
                (Some(q), Some(payload)) => {
                    ctx.evidence().note(&format!("{name}-payload"), format!("{payload:?}"));
                    ensure_eq("INS in the datamatrix", *q.ins(), *payload.ins())?;
                    let t = identity.traits();
                    ensure_eq(
                        "birth family name in the datamatrix",
                        t.birth_family_name().as_str(),
                        payload.birth_family_name().as_str(),
                    )?;
                    ensure_eq(
                        "birth given names in the datamatrix",
                        t.birth_given_names_joined(),
                        payload.birth_given_names_joined(),
                    )?;
                    ensure_eq("sex in the datamatrix", t.sex(), payload.sex())?;
                    ensure_eq(
                        "birth date in the datamatrix",
                        t.birth_date().to_iso(),
                        payload.birth_date().to_iso(),
                    )
                }
                (Some(q), None) => Err(Failure::check(format!(
                    "the identity is qualified (INS {}) but no INS datamatrix was found on the document's PDF",
                    ins_text(q.ins())
                ))),
                (None, Some(payload)) => Err(Failure::check(format!(
                    "an INS datamatrix ({}) is printed for a non-qualified identity ({})",
                    ins_text(payload.ins()),
                    identity.status().label()
                ))),
                (None, None) => Ok(()),
            }
        })
        .await?;
    }
    Ok(())
}

async fn new_version(ctx: RunContext) -> ScenarioResult {
    let docs = ctx.documents()?;
    let (file, _) = patient_file(&ctx, &ALICE, IdentityStatus::Qualifiee).await?;
    let act = ctx.now() - Duration::hours(2);
    let first = produce(
        &ctx,
        docs,
        &file,
        &DocumentRequest::new(consultation()?, "Compte rendu de consultation", act)
            .paragraph("Conclusion provisoire."),
    )
    .await?;
    record_and_validate(&ctx, "version-1", &first)?;
    ctx.clock().advance(std::time::Duration::from_secs(600));
    let request = DocumentRequest::new(consultation()?, "Compte rendu de consultation", act)
        .paragraph("Conclusion corrigée après réception des résultats.");
    let second_ref = ctx
        .step("revise the document", async {
            Ok(docs.revise(&first.reference, &request).await?)
        })
        .await?;
    let second = fetch(docs, &second_ref).await?;
    record_and_validate(&ctx, "version-2", &second)?;
    ctx.step(
        "the revision is the next version of the same document",
        async {
            let (a, b) = (&first.document.header, &second.document.header);
            let (Some(a_id), Some(b_id)) = (&a.id, &b.id) else {
                return Err(Failure::check("a version has no id"));
            };
            ensure(
                !a_id.same_as(b_id),
                format!("the new version reuses the id {a_id}"),
            )?;
            ensure(
                matches!((&a.set_id, &b.set_id), (Some(x), Some(y)) if x.same_as(y)),
                format!(
                    "the new version has setId {:?}, the first {:?}: it must be the same",
                    b.set_id.as_ref().map(ToString::to_string),
                    a.set_id.as_ref().map(ToString::to_string)
                ),
            )?;
            ensure_eq(
                "versionNumber of the revision",
                a.version().map(|v| v + 1),
                b.version(),
            )?;
            ensure(
                b.replaces().is_some_and(|r| r.same_as(a_id)),
                format!(
                    "the revision must carry relatedDocument RPLC to {a_id}, it carries {:?}",
                    b.replaces().map(ToString::to_string)
                ),
            )?;
            ensure_eq(
                "relation of the revision to the first version",
                VersionRelation::NewerVersion,
                versions::compare(a, b),
            )
        },
    )
    .await
}

async fn produced_again(ctx: RunContext) -> ScenarioResult {
    let docs = ctx.documents()?;
    let (file, _) = patient_file(&ctx, &ALICE, IdentityStatus::Qualifiee).await?;
    let act = ctx.now() - Duration::hours(3);
    let request = DocumentRequest::new(consultation()?, "Compte rendu de consultation", act)
        .paragraph("Compte rendu initial.");
    let first = produce(&ctx, docs, &file, &request).await?;
    ctx.clock().advance(std::time::Duration::from_secs(300));
    let again = DocumentRequest::new(consultation()?, "Compte rendu de consultation", act)
        .paragraph("Compte rendu complété.");
    let second = produce(&ctx, docs, &file, &again).await?;
    record_and_validate(&ctx, "produced-again", &second)?;
    let other_act = produce(
        &ctx,
        docs,
        &file,
        &DocumentRequest::new(
            consultation()?,
            "Compte rendu de consultation",
            act - Duration::days(7),
        )
        .paragraph("Consultation précédente."),
    )
    .await?;
    ctx.step("the second production is the next version of the first", async {
        ensure_eq(
            "relation of the second production to the first",
            VersionRelation::NewerVersion,
            versions::compare(&first.document.header, &second.document.header),
        )
        .map_err(|f| Failure::check(format!("{} (producing the same document again must give its next version with the same setId and RPLC, not a second document)", f.message())))
    })
    .await?;
    ctx.step(
        "a document for another act stays a separate document",
        async {
            ensure_eq(
                "relation of the document of another act",
                VersionRelation::Unrelated,
                versions::compare(&first.document.header, &other_act.document.header),
            )
        },
    )
    .await?;
    ctx.step("the file holds no conflicting duplicate", async {
        let refs = docs.list(&file).await?;
        let mut headers = Vec::new();
        for r in &refs {
            headers.push(fetch(docs, r).await?.document.header);
        }
        let dups = versions::find_duplicates(&headers);
        ensure(
            dups.is_empty(),
            format!("documents with the same id: {dups:?}"),
        )?;
        for (i, a) in headers.iter().enumerate() {
            for b in &headers[i + 1..] {
                if versions::compare(a, b) == VersionRelation::Conflict {
                    return Err(Failure::check(format!(
                        "two documents claim version {:?} of set {:?}",
                        a.version(),
                        a.set_id.as_ref().map(ToString::to_string)
                    )));
                }
            }
        }
        Ok(())
    })
    .await
}

async fn newer_received(ctx: RunContext) -> ScenarioResult {
    let docs = ctx.documents()?;
    let observations = ctx.observations()?;
    let (file, identity) = patient_file(&ctx, &ALICE, IdentityStatus::Qualifiee).await?;
    let imaging = doc_type("18748-4", &code_system::LOINC)?;
    let act = ctx.now() - Duration::days(2);
    let v1 = received_n1(
        &ctx,
        &identity,
        imaging,
        "Échographie abdominale",
        act,
        None,
    )?;
    ctx.clock().advance(std::time::Duration::from_secs(3600));
    let v2 = versions::new_version(
        &v1,
        Body::NonXml(NonXmlBody::pdf(segur_cda::samples::simple_pdf(&[
            "Echographie abdominale - compte rendu complete",
        ]))),
        ctx.ids(),
        ctx.clock(),
    )
    .map_err(|e| Failure::internal(format!("second version fixture: {e}")))?;
    let v1_ref = integrated(
        "the first version",
        import(&ctx, docs, &file, &as_received("echo-v1.xml", &v1)).await?,
    )?;
    let outcome = import(&ctx, docs, &file, &as_received("echo-v2.xml", &v2)).await?;
    let v2_ref = ctx
        .step("the host detects the newer version", async {
            match outcome {
                ImportOutcome::NewerVersion { document, replaces } if replaces == v1_ref => {
                    Ok(document)
                }
                other => Err(Failure::check(format!(
                    "the second version (RPLC to the first) must be recognised as the newer version of {v1_ref}; the host answered {other:?}"
                ))),
            }
        })
        .await?;
    ctx.step("the first version shows that a newer one exists", async {
        let view = observations.document_view(&v1_ref).await?;
        ensure_eq(
            "newer version shown on the first version",
            Some(&v2_ref),
            view.newer_version.as_ref(),
        )
    })
    .await?;
    ctx.step("the user can view the newer version", async {
        let html = observations.rendering(&v2_ref, Level::N1).await?;
        ctx.evidence().rendering("newer-version.html", html.clone());
        ensure(
            html.contains("application/pdf"),
            "the rendering of the newer version does not show its PDF",
        )
    })
    .await?;
    let again = import(&ctx, docs, &file, &as_received("echo-v1-again.xml", &v1)).await?;
    ctx.step("the same document received again is not integrated twice", async {
        match again {
            ImportOutcome::AlreadyHeld(d) if d == v1_ref => Ok(()),
            other => Err(Failure::check(format!(
                "the first version received again must be recognised as already held ({v1_ref}); the host answered {other:?}"
            ))),
        }
    })
    .await
}

/// A consultation report as N3 with its N1 form (XFRM), as a correspondent sends it.
fn pair_fixture(ctx: &RunContext, identity: &Identity) -> ScenarioResult<DocumentPair> {
    let patient = PatientBuilder::from_identity(identity)
        .build()
        .or_fail("patient of the received document")?;
    let act = ctx.now() - Duration::days(1);
    let sections = vec![
        Section {
            code: Some(Code::new(
                "29299-5",
                &code_system::LOINC,
                "Motif de consultation",
            )),
            title: Some("Motif".into()),
            text: Some(
                Narrative::new()
                    .paragraph("Bilan de douleurs thoraciques.")
                    .build(),
            ),
            ..Section::default()
        },
        Section {
            code: Some(Code::new("29545-1", &code_system::LOINC, "Examen physique")),
            title: Some("Examen".into()),
            text: Some(
                Narrative::new()
                    .table(
                        &["Mesure", "Valeur"],
                        &[vec!["Tension artérielle".into(), "13/8".into()]],
                    )
                    .build(),
            ),
            ..Section::default()
        },
    ];
    let n3 = HeaderBuilder::for_practice(
        consultation()?,
        "Compte rendu de consultation de cardiologie",
        &correspondent()?,
        patient,
        act,
        ctx.clock(),
        ctx.ids(),
    )
    .build_n3(vec![], StructuredBody { sections })
    .map_err(|e| Failure::internal(format!("N3 fixture: {e}")))?;
    let pdf = segur_cda::samples::simple_pdf(&[
        "Compte rendu de consultation de cardiologie",
        "Motif : bilan de douleurs thoraciques.",
    ]);
    DocumentPair::from_n3(n3, NonXmlBody::pdf(pdf), None, ctx.ids())
        .map_err(|e| Failure::internal(format!("N1 form fixture: {e}")))
}

async fn received_pair_scenario_checks(
    ctx: &RunContext,
    from: &DocumentRef,
    n1: &DocumentRef,
    n3: &DocumentRef,
) -> ScenarioResult {
    let observations = ctx.observations()?;
    let view = observations.document_view(from).await?;
    ensure(
        view.forms.contains(n1) && view.forms.contains(n3) && view.forms.len() == 2,
        format!(
            "the document opened from {from} must be one document made of both forms {n1} and {n3}; the host shows {:?}",
            view.forms
        ),
    )?;
    ensure(
        view.renderings.contains(&Level::N1) && view.renderings.contains(&Level::N3),
        format!(
            "the document must offer the PDF (N1) and the structured view (N3); the host offers {:?}",
            view.renderings
        ),
    )?;
    let pdf = observations.rendering(from, Level::N1).await?;
    ensure(
        pdf.contains("application/pdf"),
        format!("the N1 rendering opened from {from} does not show the PDF"),
    )?;
    let structured = observations.rendering(from, Level::N3).await?;
    ensure(
        structured.contains("Bilan de douleurs thoraciques.")
            && structured.contains("Tension artérielle"),
        format!("the structured rendering opened from {from} does not show the N3 narrative"),
    )?;
    ctx.evidence()
        .rendering(&format!("pair-from-{from}-n3.html"), structured);
    Ok(())
}

async fn received_pair(ctx: RunContext) -> ScenarioResult {
    let docs = ctx.documents()?;
    ctx.observations()?;
    let (file, identity) = patient_file(&ctx, &ALICE, IdentityStatus::Qualifiee).await?;
    let pair = pair_fixture(&ctx, &identity)?;
    let n3_ref = integrated(
        "the N3 form",
        import(
            &ctx,
            docs,
            &file,
            &as_received("cr-cardio-n3.xml", pair.n3()),
        )
        .await?,
    )?;
    let n1_ref = integrated(
        "the N1 form",
        import(
            &ctx,
            docs,
            &file,
            &as_received("cr-cardio-n1.xml", pair.n1()),
        )
        .await?,
    )?;
    ctx.step(
        "opened from the N1 form: one document, PDF and structured view",
        async { received_pair_scenario_checks(&ctx, &n1_ref, &n1_ref, &n3_ref).await },
    )
    .await?;
    ctx.step("opened from the N3 form: the same document", async {
        received_pair_scenario_checks(&ctx, &n3_ref, &n1_ref, &n3_ref).await
    })
    .await
}

async fn sorted(ctx: RunContext) -> ScenarioResult {
    let docs = ctx.documents()?;
    let (file, identity) = patient_file(&ctx, &ALICE, IdentityStatus::Qualifiee).await?;
    let now = ctx.now();
    let consult = consultation()?;
    produce(
        &ctx,
        docs,
        &file,
        &DocumentRequest::new(
            consult.clone(),
            "Consultation de janvier",
            now - Duration::days(40),
        )
        .paragraph("Suivi."),
    )
    .await?;
    produce(
        &ctx,
        docs,
        &file,
        &DocumentRequest::new(
            consult.clone(),
            "Consultation de février",
            now - Duration::days(10),
        )
        .paragraph("Suivi."),
    )
    .await?;
    for (name, code, title, days) in [
        ("imagerie.xml", "18748-4", "Radiographie du thorax", 25),
        ("biologie.xml", "11502-2", "Bilan sanguin", 5),
        ("imagerie-ancienne.xml", "18748-4", "Échographie", 60),
    ] {
        let doc = received_n1(
            &ctx,
            &identity,
            doc_type(code, &code_system::LOINC)?,
            title,
            now - Duration::days(days),
            None,
        )?;
        integrated(
            title,
            import(&ctx, docs, &file, &as_received(name, &doc)).await?,
        )?;
    }
    let refs = ctx
        .step("list the file's documents", async {
            Ok(docs.list(&file).await?)
        })
        .await?;
    let mut held = Vec::new();
    for r in &refs {
        held.push(fetch(docs, r).await?);
    }
    struct Keyed<'a>(&'a Held);
    impl AsRef<segur_cda::header::Header> for Keyed<'_> {
        fn as_ref(&self) -> &segur_cda::header::Header {
            &self.0.document.header
        }
    }
    let keyed: Vec<Keyed<'_>> = held.iter().map(Keyed).collect();
    let cases = [
        (
            "every document, latest act first",
            DocumentFilter::default(),
            SortOrder::LatestFirst,
        ),
        (
            "consultation reports, oldest first",
            DocumentFilter {
                type_codes: vec!["11488-4".into()],
                ..DocumentFilter::default()
            },
            SortOrder::OldestFirst,
        ),
        (
            "imaging reports, latest first",
            DocumentFilter {
                type_codes: vec!["18748-4".into()],
                ..DocumentFilter::default()
            },
            SortOrder::LatestFirst,
        ),
        (
            "acts of the last 30 days, oldest first",
            DocumentFilter {
                from: Some(now - Duration::days(30)),
                until: Some(now),
                ..DocumentFilter::default()
            },
            SortOrder::OldestFirst,
        ),
    ];
    for (what, filter, order) in cases {
        ctx.step(format!("list {what}"), async {
            let expected: Vec<&DocumentRef> = filter
                .apply(&keyed, order)
                .into_iter()
                .map(|k| &k.0.reference)
                .collect();
            let shown = docs.list_sorted(&file, &filter, order).await?;
            let shown: Vec<&DocumentRef> = shown.iter().collect();
            if shown == expected {
                Ok(())
            } else {
                let titles = |v: &[&DocumentRef]| -> Vec<String> {
                    v.iter()
                        .map(|r| {
                            held.iter()
                                .find(|h| &h.reference == *r)
                                .and_then(|h| h.document.header.title.clone())
                                .unwrap_or_else(|| r.to_string())
                        })
                        .collect()
                };
                Err(Failure::check(format!(
                    "{what}: expected {:?}, the host lists {:?}",
                    titles(&expected),
                    titles(&shown)
                )))
            }
        })
        .await?;
    }
    Ok(())
}

async fn imaging_request(ctx: RunContext) -> ScenarioResult {
    let docs = ctx.documents()?;
    let (file, identity) = patient_file(&ctx, &ALICE, IdentityStatus::Qualifiee).await?;
    let request = produce(
        &ctx,
        docs,
        &file,
        &DocumentRequest::new(
            doc_type("57828-6", &code_system::LOINC)?,
            "Demande d'échographie abdominale",
            ctx.now() - Duration::days(3),
        )
        .paragraph("Échographie abdominale : douleurs de l'hypocondre droit."),
    )
    .await?;
    record_and_validate(&ctx, "imaging-request", &request)?;
    ctx.clock().advance(std::time::Duration::from_secs(86_400));
    let order = versions::order_for(&request.document.header)
        .map_err(|e| Failure::check(format!("the request document cannot be referenced: {e}")))?;
    let report = received_n1(
        &ctx,
        &identity,
        doc_type("18748-4", &code_system::LOINC)?,
        "Échographie abdominale",
        ctx.now() - Duration::hours(2),
        Some(order),
    )?;
    let report_ref = integrated(
        "the imaging report",
        import(
            &ctx,
            docs,
            &file,
            &as_received("cr-echographie.xml", &report),
        )
        .await?,
    )?;
    ctx.step("from the request to its report", async {
        let links = docs.links(&request.reference).await?;
        ensure_eq(
            "reports of the request",
            vec![report_ref.clone()],
            links.reports,
        )
    })
    .await?;
    ctx.step("from the report back to its request", async {
        let links = docs.links(&report_ref).await?;
        ensure_eq(
            "requests of the report",
            vec![request.reference.clone()],
            links.requests,
        )
    })
    .await
}

async fn n3_readable(ctx: RunContext) -> ScenarioResult {
    let docs = ctx.documents()?;
    let observations = ctx.observations()?;
    let (file, identity) = patient_file(&ctx, &ALICE, IdentityStatus::Qualifiee).await?;
    let patient = PatientBuilder::from_identity(&identity)
        .build()
        .or_fail("patient of the received document")?;
    let injected = "<script>alert('x')</script> & \"guillemets\"";
    let n3 = HeaderBuilder::for_practice(
        consultation()?,
        "Synthèse de consultation spécialisée",
        &correspondent()?,
        patient,
        ctx.now() - Duration::days(1),
        ctx.clock(),
        ctx.ids(),
    )
    .build_n3(
        vec![],
        StructuredBody {
            sections: vec![
                Section {
                    code: Some(Code::new("29299-5", &code_system::LOINC, "Motif")),
                    title: Some("Motif de la consultation".into()),
                    text: Some(
                        Narrative::new()
                            .paragraph("Contrôle annuel.")
                            .paragraph(injected)
                            .build(),
                    ),
                    ..Section::default()
                },
                Section {
                    code: Some(Code::new("10160-0", &code_system::LOINC, "Traitements")),
                    title: Some("Traitements en cours".into()),
                    text: Some(
                        Narrative::new()
                            .list(&["Amlodipine 5 mg", "Atorvastatine 10 mg"])
                            .build(),
                    ),
                    ..Section::default()
                },
            ],
        },
    )
    .map_err(|e| Failure::internal(format!("N3 fixture: {e}")))?;
    let doc_ref = integrated(
        "the N3 document",
        import(&ctx, docs, &file, &as_received("synthese-n3.xml", &n3)).await?,
    )?;
    let html = ctx
        .step("open the N3 document", async {
            Ok(observations.rendering(&doc_ref, Level::N3).await?)
        })
        .await?;
    ctx.evidence().rendering("n3-rendering.html", html.clone());
    ctx.step("the header facts are shown", async {
        for fact in [
            "Synthèse de consultation spécialisée",
            "CONFORMITE",
            "RADIO-TEST",
        ] {
            ensure(
                html.contains(fact),
                format!("the rendering does not show \u{ab} {fact} \u{bb}"),
            )?;
        }
        Ok(())
    })
    .await?;
    ctx.step("every section is shown with its narrative", async {
        for text in [
            "Motif de la consultation",
            "Contrôle annuel.",
            "Traitements en cours",
            "Amlodipine 5 mg",
            "Atorvastatine 10 mg",
        ] {
            ensure(
                html.contains(text),
                format!("the rendering does not show \u{ab} {text} \u{bb}"),
            )?;
        }
        Ok(())
    })
    .await?;
    ctx.step(
        "the document's text is shown as text, not markup or raw XML",
        async {
            ensure(
                !html.contains("<script>alert"),
                "text of the document is rendered as markup (script injection)",
            )?;
            ensure(
                html.contains("&lt;script&gt;"),
                "the text that looks like markup is not shown escaped",
            )?;
            for raw in [
                "urn:hl7-org:v3",
                "<ClinicalDocument",
                "<structuredBody",
                "<paragraph>",
                "<component>",
            ] {
                ensure(
                    !html.contains(raw),
                    format!("the rendering shows raw CDA XML ({raw})"),
                )?;
            }
            Ok(())
        },
    )
    .await
}
