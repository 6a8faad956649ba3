//! Suite `enfant`: the child health record (theme ENFANT, profile « Suivi
//! de l'enfant »).
//!
//! | scenario | requirements | proves |
//! |---|---|---|
//! | `enfant.certificates.{cs8,cs9,cs24}` | LGC.CSE.09 | the certificate the doctor filled in comes out as a CDA R2 N3 of its 2025.01 volet, for the child of the file (her INS), passing the native CI-SIS validator and the volet's header rules, and reads back into exactly what was filled in |
//! | `enfant.documents.measurements-n3-only` | LGC.CSE.15 | the Mesures de l'enfant document is a CDA R2 N3 (CSE-MDE 2023.01) carrying the measurements, and sharing it sends the N3 alone (no N1 twin) |
//! | `enfant.documents.vaccination-note` | SC.VACC/NOTE.05 | the vaccination note is a CDA R2 N3 (VAC-NOTE 2023.01) carrying the product, lot, date, route and vaccinator |
//! | `enfant.examinations.reports-n1` | LGC.CSE.04 | a report of each of the 20 mandatory examinations of the 2025 calendar is a CDA R2 N1 with a PDF, the report document code and the examination as service event |
//! | `enfant.examinations.prefilled` | LGC.CSE.14 | the report form is pre-filled from the child's file (age, latest measurements, vaccinations, next and overdue examinations, as `segur_enfant::report::ExaminationReport::prefill` computes them) and the report is written for the child of the file |
//! | `enfant.sending.pmi-and-drees` | LGC.CSE.12 | a validated certificate reaches, by MSSanté (IHE XDM), the PMI of the child's department and the DREES — once, even validated twice — and no other PMI (segur-mss operator simulator) |
//! | `enfant.sending.annuaire` | LGC.CSE.12 | with the Annuaire Santé configured (segur-mss FHIR fake: the PMI of the department, FINESS category 223, and the DREES), a validated certificate reaches the PMI's address in the directory — once — not the stale one of the fallback table, and the audit trail says `annuaire`; with the directory down (HTTP 503), the next certificate goes to the table's address and the trail records the fallback and its reason |
//!
//! Every produced document is recorded as evidence; the crate's tests write
//! them for the official XSD and schematrons.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use segur_cda::datatypes::Addr;
use segur_cda::volets::samples::Richness;
use segur_cda::{Document, Level};
use segur_enfant::common::{CertificateVaccination, Measurements};
use segur_enfant::cs8::Cs8Certificate;
use segur_enfant::exams::{CALENDAR_2025, Examination};
use segur_enfant::followup::{Cs9Certificate, Cs24Certificate};
use segur_enfant::measures::ChildMeasurements;
use segur_enfant::recipients::{FINESS_CATEGORY_SYSTEM, PMI_CATEGORY};
use segur_enfant::report::{ChildFile, EXAM_REPORT_CODE, ExaminationReport};
use segur_enfant::samples;
use segur_enfant::sending::RecipientTable;
use segur_enfant::vaccination_note::VaccinationNote;
use segur_enfant::volet::{self, ChildVolet};
use segur_ins::{
    BirthDate, CollectionMethod, EventContext, Identity, IdentityDocumentType, IdentityEvent, Ins,
    InsOid, Nir, Sex, Traits,
};
use segur_mss::config::{Authentication, MailboxConfig, ReconnectPolicy, Security};
use segur_mss::mailbox::INBOX;
use segur_mss::message::parse::parse_message;
use segur_mss::sim::directory::{AnnuaireFake, organization, organization_at};
use segur_mss::sim::{OperatorSimulator, TokenValidator};
use segur_mss::xdm::{XdmLimits, unpack};
use segur_mss::{MailAddress, MailboxKind};
use segur_psc::{AccessToken, StaticTokenSource, TokenSource};
use time::Date;
use time::macros::date;

use crate::evidence::Payload;
use crate::failure::{Failure, OrFail, ScenarioResult, ensure};
use crate::host::PatientFileRef;
use crate::host::enfant::{
    CertificateSendingSetup, ChildFileEntries, ChildHealth, HealthCertificate,
};
use crate::services::{ServiceEnv, SimulatedService};
use crate::{Error, Registry, RunContext, Scenario};

/// Registers the suite.
pub fn register(registry: &mut Registry) -> Result<(), Error> {
    let mut suite = registry.suite("enfant", "Child health record")?;
    let mut certificates = suite.group("certificates", "Health certificates (CS8, CS9, CS24)")?;
    for (name, volet) in [
        ("cs8", ChildVolet::Cs8),
        ("cs9", ChildVolet::Cs9),
        ("cs24", ChildVolet::Cs24),
    ] {
        certificates.add(
            Scenario::new(
                name,
                format!(
                    "The {} certificate is produced as a CDA R2 N3 of its 2025.01 volet",
                    volet.name()
                ),
                move |ctx| certificate(ctx, volet),
            )
            .requirement("LGC.CSE.09"),
        )?;
    }
    let mut documents = suite.group("documents", "Child measurements and vaccination note")?;
    documents.add(
        Scenario::new(
            "measurements-n3-only",
            "The Mesures de l'enfant document is a CDA R2 N3, shared without an N1 twin",
            measurements,
        )
        .requirement("LGC.CSE.15"),
    )?;
    documents.add(
        Scenario::new(
            "vaccination-note",
            "The vaccination note is a CDA R2 N3 with product, lot, date, route and vaccinator",
            vaccination_note,
        )
        .requirement("SC.VACC/NOTE.05"),
    )?;
    let mut examinations = suite.group("examinations", "The 20 mandatory examinations")?;
    examinations.add(
        Scenario::new(
            "reports-n1",
            "The report of each of the 20 mandatory examinations is a CDA R2 N1",
            reports,
        )
        .requirement("LGC.CSE.04"),
    )?;
    examinations.add(
        Scenario::new(
            "prefilled",
            "The examination report is pre-filled from the child's file",
            prefilled,
        )
        .requirement("LGC.CSE.14"),
    )?;
    let mut sending = suite.group("sending", "Sending certificates to the PMI and the DREES")?;
    sending.add(
        Scenario::new(
            "pmi-and-drees",
            "A validated certificate reaches the PMI of the child's department and the DREES by MSSanté, once",
            send_certificate,
        )
        .requirement("LGC.CSE.12"),
    )?;
    sending.add(
        Scenario::new(
            "annuaire",
            "The recipients are looked up in the Annuaire Santé, the table being the fallback when it fails",
            send_with_annuaire,
        )
        .requirement("LGC.CSE.12"),
    )?;
    Ok(())
}

fn child_health(ctx: &RunContext) -> ScenarioResult<&dyn ChildHealth> {
    ctx.host()
        .child_health()
        .ok_or_else(|| Failure::not_implemented_by_host("child health record"))
}

/// What the child's file holds, as entered earlier.
fn entries(richness: Richness) -> ScenarioResult<ChildFileEntries> {
    Ok(ChildFileEntries {
        address: Some(samples::home()),
        mother: Some(samples::mother()),
        measurements: samples::measurements(richness)
            .or_fail("sample measurements")?
            .measurements,
        vaccinations: samples::cs9(Richness::Typical)
            .or_fail("sample vaccinations")?
            .vaccinations,
        examinations_done: Vec::new(),
    })
}

/// A patient file for the sample child (qualified identity, INS under the
/// test root) holding `entries`.
async fn child_file(
    ctx: &RunContext,
    identity: &Identity,
    entries: ChildFileEntries,
) -> ScenarioResult<PatientFileRef> {
    let files = ctx.patient_files()?;
    let child = child_health(ctx)?;
    let file = ctx
        .step("create the child's patient file", async {
            Ok(files.create(identity).await?)
        })
        .await?;
    ctx.step(
        "record the address, the mother, the measurements and vaccinations in the file",
        async { Ok(child.record_entries(&file, entries).await?) },
    )
    .await?;
    Ok(file)
}

/// Steps: the produced document is recorded and validated
/// ([`record_and_check`]), is of `volet` at its level, and is about the
/// child of `identity`; the document as re-read.
async fn validated(
    ctx: &RunContext,
    name: &str,
    doc: &Document,
    volet: ChildVolet,
    identity: &Identity,
) -> ScenarioResult<Document> {
    let doc = ctx
        .step("record and validate the document", async {
            record_and_check(ctx, name, doc, Some(volet))
        })
        .await?;
    ctx.step("check the level and the volet", async {
        check_volet(&doc, volet)
    })
    .await?;
    ctx.step("check the child of the document", async {
        check_child(&doc, identity)
    })
    .await?;
    Ok(doc)
}

/// Records a produced document with its native validation and fails on an
/// error-level finding or a broken volet header rule.
fn record_and_check(
    ctx: &RunContext,
    name: &str,
    doc: &Document,
    volet: Option<ChildVolet>,
) -> ScenarioResult<Document> {
    let xml = doc.to_xml();
    ctx.evidence()
        .document(&format!("{name}.xml"), Payload::xml(xml.clone()));
    let reparsed = Document::parse(xml)
        .map_err(|e| Failure::check(format!("the document {name} does not parse back: {e}")))?;
    let report = reparsed.validate();
    ctx.evidence().validation_report(
        &format!("{name}-native-validation.json"),
        Payload::json(serde_json::to_vec_pretty(&report).unwrap_or_default()),
    );
    let errors: Vec<String> = report.errors().map(|f| f.to_string()).collect();
    ensure(
        errors.is_empty(),
        format!(
            "the document {name} breaks {} CI-SIS rule(s): {}",
            errors.len(),
            errors.join("; ")
        ),
    )?;
    if let Some(v) = volet {
        volet::check_header(v, &reparsed.header).map_err(|e| {
            Failure::check(format!("the {} header breaks a volet rule: {e}", v.name()))
        })?;
    }
    Ok(reparsed)
}

/// Checks the level and volet of a child-health document.
fn check_volet(doc: &Document, volet: ChildVolet) -> ScenarioResult {
    ensure(
        doc.level() == Level::N3,
        format!(
            "the {} is a CDA {:?}: it must be a structured CDA R2 N3",
            volet.name(),
            doc.level()
        ),
    )?;
    match ChildVolet::of(&doc.header) {
        Some(v) if v == volet => Ok(()),
        other => Err(Failure::check(format!(
            "the document declares the volet {:?} instead of {} {} (templateId {})",
            other.map(ChildVolet::name),
            volet.name(),
            volet.version(),
            volet.template()
        ))),
    }
}

/// The document is about the child of the file: her INS.
fn check_child(doc: &Document, identity: &Identity) -> ScenarioResult {
    let Some(q) = identity.qualified_ins() else {
        return Err(Failure::internal("the sample child must be qualified"));
    };
    let (root, ext) = q.ins().cda_id();
    match doc.header.patient_ins() {
        Some(id)
            if id.root.as_deref() == Some(root.as_str())
                && id.extension.as_deref() == Some(ext) =>
        {
            Ok(())
        }
        Some(id) => Err(Failure::check(format!(
            "the document is written for the INS {}^{} instead of the child's {}^{ext}",
            id.root.as_deref().unwrap_or(""),
            id.extension.as_deref().unwrap_or(""),
            root
        ))),
        None => Err(Failure::check(
            "the document carries no INS although the child's identity is qualified",
        )),
    }
}

/// The typical sample certificate of `volet` (CS8, CS9 or CS24).
fn sample_certificate(volet: ChildVolet) -> ScenarioResult<HealthCertificate> {
    Ok(match volet {
        ChildVolet::Cs8 => HealthCertificate::Cs8(Box::new(
            samples::cs8(Richness::Typical).or_fail("sample CS8")?,
        )),
        ChildVolet::Cs9 => HealthCertificate::Cs9(Box::new(
            samples::cs9(Richness::Typical).or_fail("sample CS9")?,
        )),
        _ => HealthCertificate::Cs24(Box::new(
            samples::cs24(Richness::Typical).or_fail("sample CS24")?,
        )),
    })
}

/// Step: the doctor fills in `filled` in `file` (`context` completes the
/// step's name); the produced certificate.
async fn fill_in(
    ctx: &RunContext,
    child: &dyn ChildHealth,
    file: &PatientFileRef,
    filled: &HealthCertificate,
    volet: ChildVolet,
    context: &str,
) -> ScenarioResult<Document> {
    ctx.step(
        format!(
            "the doctor fills in the {} certificate{context}",
            volet.name()
        ),
        async {
            Ok(child
                .certificate(file, filled, samples::exam_time(volet))
                .await?)
        },
    )
    .await
}

async fn certificate(ctx: RunContext, volet: ChildVolet) -> ScenarioResult {
    let child = child_health(&ctx)?;
    let identity = samples::child_identity();
    let file = child_file(&ctx, &identity, entries(Richness::Typical)?).await?;
    let filled = sample_certificate(volet)?;
    let doc = fill_in(&ctx, child, &file, &filled, volet, "").await?;
    let doc = validated(&ctx, &volet.name().to_lowercase(), &doc, volet, &identity).await?;
    ctx.step(
        "read the certificate back and compare it with what was filled in",
        async {
            let same = match &filled {
                HealthCertificate::Cs8(c) => Cs8Certificate::from_document(&doc).map(|r| r == **c),
                HealthCertificate::Cs9(c) => Cs9Certificate::from_document(&doc).map(|r| r == **c),
                HealthCertificate::Cs24(c) => {
                    Cs24Certificate::from_document(&doc).map(|r| r == **c)
                }
            };
            match same {
                Ok(true) => Ok(()),
                Ok(false) => Err(Failure::check(format!(
                    "the {} document does not carry exactly what the doctor filled in",
                    volet.name()
                ))),
                Err(e) => Err(Failure::check(format!(
                    "the {} document cannot be read as a certificate: {e}",
                    volet.name()
                ))),
            }
        },
    )
    .await
}

async fn measurements(ctx: RunContext) -> ScenarioResult {
    let child = child_health(&ctx)?;
    let identity = samples::child_identity();
    let file = child_file(&ctx, &identity, entries(Richness::Minimal)?).await?;
    let filled: ChildMeasurements =
        samples::measurements(Richness::Typical).or_fail("sample measurements")?;
    let volet = ChildVolet::Measurements;
    let doc = ctx
        .step("produce the Mesures de l'enfant document", async {
            Ok(child
                .measurements_document(&file, &filled, samples::exam_time(volet))
                .await?)
        })
        .await?;
    let doc = validated(&ctx, "mesures", &doc, volet, &identity).await?;
    ctx.step("read the measurements back", async {
        match ChildMeasurements::from_document(&doc) {
            Ok(m) if m == filled => Ok(()),
            Ok(m) => Err(Failure::check(format!(
                "the document carries {} measurement set(s) that differ from the {} entered",
                m.measurements.len(),
                filled.measurements.len()
            ))),
            Err(e) => Err(Failure::check(format!(
                "the document cannot be read as Mesures de l'enfant: {e}"
            ))),
        }
    })
    .await?;
    let shared = ctx
        .step("share the document (what the host would send)", async {
            Ok(child.shared_forms(&doc).await?)
        })
        .await?;
    ctx.step("check that the N3 alone is shared", async {
        let levels: Vec<String> = shared.iter().map(|d| format!("{:?}", d.level())).collect();
        ensure(
            shared.len() == 1 && shared[0].level() == Level::N3 && shared[0].header.id == doc.header.id,
            format!(
                "sharing the Mesures de l'enfant sends {} document(s) ({}): the volet is shared as N3 only, with no N1 twin",
                shared.len(),
                levels.join(", ")
            ),
        )
    })
    .await
}

async fn vaccination_note(ctx: RunContext) -> ScenarioResult {
    let child = child_health(&ctx)?;
    let identity = samples::child_identity();
    let file = child_file(&ctx, &identity, entries(Richness::Minimal)?).await?;
    let filled: VaccinationNote =
        samples::vaccination_note(Richness::Typical).or_fail("sample vaccination note")?;
    let volet = ChildVolet::VaccinationNote;
    let doc = ctx
        .step("produce the vaccination note", async {
            Ok(child
                .vaccination_note(&file, &filled, samples::exam_time(volet))
                .await?)
        })
        .await?;
    let doc = validated(&ctx, "note-de-vaccination", &doc, volet, &identity).await?;
    ctx.step("read the vaccination back", async {
        match VaccinationNote::from_document(&doc) {
            // Without an explicit recording time, the document time is written.
            Ok(n) if filled.recorded_at.is_none() && n == VaccinationNote { recorded_at: n.recorded_at.clone(), ..filled.clone() } || n == filled => Ok(()),
            Ok(_) => Err(Failure::check(
                "the vaccination note does not carry exactly the vaccination entered (product, lot, date, route, vaccinator)",
            )),
            Err(e) => Err(Failure::check(format!(
                "the document cannot be read as a vaccination note: {e}"
            ))),
        }
    })
    .await
}

/// A fictitious child born in 2008, old enough for all 20 examinations to
/// be in the past (valid NIR key, test INS root).
fn older_child(ctx: &RunContext) -> ScenarioResult<Identity> {
    let traits = || {
        Traits::builder()
            .birth_family_name("CONFORMITE-ENFANT")
            .birth_given_names("HUGO")
            .birth_date(BirthDate::new(date!(2008 - 09 - 01)).or_fail("birth date")?)
            .sex(Sex::Male)
            .birth_place("75111")
            .build()
            .map_err(|e| Failure::internal(format!("fictitious traits: {e}")))
    };
    let ev = EventContext::new(ctx.now(), super::support::ACTOR);
    let mut id = Identity::new(traits()?, CollectionMethod::SaisieManuelle, &ev);
    let nir = Nir::from_base("1080975111023")
        .map_err(|e| Failure::internal(format!("fictitious NIR: {e}")))?;
    for event in [
        IdentityEvent::InsiSuccess {
            ins: Ins::new(nir, InsOid::Test),
            traits: traits()?,
        },
        IdentityEvent::DocumentChecked {
            document: IdentityDocumentType::Passeport,
            exception: None,
        },
    ] {
        id.apply(event, &ev)
            .map_err(|e| Failure::internal(format!("fictitious identity: {e}")))?;
    }
    Ok(id)
}

async fn reports(ctx: RunContext) -> ScenarioResult {
    let child = child_health(&ctx)?;
    let identity = older_child(&ctx)?;
    let birth = date!(2008 - 09 - 01);
    let e = ChildFileEntries {
        address: Some(samples::home()),
        ..ChildFileEntries::default()
    };
    let file = child_file(&ctx, &identity, e).await?;
    for exam in CALENDAR_2025 {
        let day = exam
            .window(birth)
            .map_err(|e| Failure::internal(format!("{}: {e}", exam.code)))?
            .0;
        let doc = ctx
            .step(
                format!("write the report of {} ({})", exam.code, exam.label),
                async {
                    Ok(child
                        .examination_report(&file, exam.code, day, "Examen clinique normal.")
                        .await?)
                },
            )
            .await?;
        ctx.step(format!("check the report of {}", exam.code), async {
            let doc = record_and_check(&ctx, &format!("cr-{}", exam.code), &doc, None)?;
            check_report(&doc, &exam)?;
            check_child(&doc, &identity)
        })
        .await?;
    }
    Ok(())
}

fn check_report(doc: &Document, exam: &Examination) -> ScenarioResult {
    ensure(
        doc.level() == Level::N1,
        format!(
            "the report of {} is a CDA {:?}: it must be a CDA R2 N1 (PDF)",
            exam.code,
            doc.level()
        ),
    )?;
    let pdf = doc
        .non_xml_body()
        .map(|b| b.decode().into_owned())
        .unwrap_or_default();
    ensure(
        pdf.starts_with(b"%PDF"),
        format!("the report of {} carries no PDF body", exam.code),
    )?;
    let code = doc
        .header
        .code
        .as_ref()
        .and_then(|c| c.code.as_deref())
        .unwrap_or("");
    ensure(
        code == EXAM_REPORT_CODE.code,
        format!(
            "the report of {} has the document code {code:?} instead of {} ({})",
            exam.code, EXAM_REPORT_CODE.code, EXAM_REPORT_CODE.display
        ),
    )?;
    let event = doc
        .header
        .documentation_of
        .first()
        .and_then(|s| s.code.as_ref())
        .and_then(|c| c.code.as_deref())
        .unwrap_or("");
    ensure(
        event == exam.code,
        format!(
            "the report of {} names the examination {event:?} as its service event",
            exam.code
        ),
    )
}

/// The child's file as the scenario entered it: the truth the pre-filled
/// form is compared with.
struct Entered<'a> {
    birth: Date,
    entries: &'a ChildFileEntries,
}

impl ChildFile for Entered<'_> {
    fn birth_date(&self) -> Date {
        self.birth
    }
    fn measurements(&self) -> Vec<Measurements> {
        self.entries.measurements.clone()
    }
    fn vaccinations(&self) -> Vec<CertificateVaccination> {
        self.entries.vaccinations.clone()
    }
    fn examinations_done(&self) -> Vec<String> {
        self.entries.examinations_done.clone()
    }
}

async fn prefilled(ctx: RunContext) -> ScenarioResult {
    let child = child_health(&ctx)?;
    let identity = samples::child_identity();
    let mut e = entries(Richness::Typical)?;
    // Done: the first three examinations; the one of the 2nd month missed.
    e.examinations_done = vec!["MED-1224".into(), "MED-1225".into()];
    let file = child_file(&ctx, &identity, e.clone()).await?;
    let exam = CALENDAR_2025
        .iter()
        .find(|x| x.certificate == Some(ChildVolet::Cs9))
        .or_fail("the 9th-month examination")?;
    let day = samples::exam_time(ChildVolet::Cs9).date();
    let expected = ExaminationReport::prefill(
        &Entered {
            birth: samples::BIRTH_DATE,
            entries: &e,
        },
        exam.code,
        day,
    )
    .map_err(|e| Failure::internal(format!("expected pre-fill: {e}")))?;
    let shown = ctx
        .step(
            format!("open the report form of {} ({})", exam.code, exam.label),
            async { Ok(child.prefill_examination(&file, exam.code, day).await?) },
        )
        .await?;
    ctx.evidence().note(
        "prefilled-form",
        format!(
            "expected:\n{}\n\nshown:\n{}",
            expected.lines().join("\n"),
            shown.lines().join("\n")
        ),
    );
    ctx.step("compare the pre-filled form with the child's file", async {
        let mut wrong = Vec::new();
        if shown.exam != expected.exam || shown.date != expected.date {
            wrong.push(format!("examination {} on {}", shown.exam.code, shown.date));
        }
        if shown.age != expected.age {
            wrong.push(format!("age {:?} instead of {:?}", shown.age, expected.age));
        }
        if shown.measurements != expected.measurements {
            wrong.push("latest measurements".to_owned());
        }
        if shown.vaccinations != expected.vaccinations {
            wrong.push(format!(
                "{} vaccination(s) instead of {}",
                shown.vaccinations.len(),
                expected.vaccinations.len()
            ));
        }
        if shown.next.map(|n| n.exam.code) != expected.next.map(|n| n.exam.code) {
            wrong.push("next examination".to_owned());
        }
        let codes = |r: &ExaminationReport| -> Vec<&str> {
            r.overdue.iter().map(|o| o.exam.code).collect()
        };
        if codes(&shown) != codes(&expected) {
            wrong.push(format!(
                "overdue examinations {:?} instead of {:?}",
                codes(&shown),
                codes(&expected)
            ));
        }
        ensure(
            wrong.is_empty(),
            format!(
                "the report form is not pre-filled from the child's file: {}",
                wrong.join("; ")
            ),
        )
    })
    .await?;
    let doc = ctx
        .step("the doctor completes and saves the report", async {
            Ok(child
                .examination_report(&file, exam.code, day, "Développement harmonieux.")
                .await?)
        })
        .await?;
    ctx.step(
        "check the report is written for the child of the file",
        async {
            let doc = record_and_check(&ctx, "cr-prefilled", &doc, None)?;
            check_report(&doc, exam)?;
            check_child(&doc, &identity)
        },
    )
    .await
}

const PRACTICE: &str = "pediatre@conformite.mssante.fr";
const PMI_75: &str = "pmi75@conformite.mssante.fr";
const PMI_13: &str = "pmi13@conformite.mssante.fr";
const DREES: &str = "certificats@drees.conformite.mssante.fr";
/// The PMI of Paris and of the Bouches-du-Rhône as the Annuaire Santé
/// lists them (the table's `PMI_75` is then stale).
const PMI_75_ANNUAIRE: &str = "pmi@cd75.conformite.mssante.fr";
const PMI_13_ANNUAIRE: &str = "pmi@cd13.conformite.mssante.fr";
const ANNUAIRE_API_KEY: &str = "conformance-annuaire-key";
const TOKEN: &str = "conformance-mss-token";

fn address(s: &str) -> ScenarioResult<MailAddress> {
    s.parse()
        .map_err(|e| Failure::internal(format!("address {s}: {e}")))
}

/// segur-mss's loopback MSSanté operator, with the practice's mailbox, the
/// PMI of Paris and of the Bouches-du-Rhône (at their table and Annuaire
/// addresses), and the DREES.
pub struct MssOperator {
    sim: OperatorSimulator,
    env: ServiceEnv,
}

impl SimulatedService for MssOperator {
    const NAME: &'static str = "mss-operator";

    async fn start(env: ServiceEnv) -> Result<Self, Failure> {
        let practice = address(PRACTICE)?;
        let validator: TokenValidator =
            Arc::new(|t: &str| (t == TOKEN).then(|| PRACTICE.to_owned()));
        let sim = OperatorSimulator::builder()
            .account(practice, MailboxKind::Personal)
            .account(address(PMI_75)?, MailboxKind::Organisational)
            .account(address(PMI_13)?, MailboxKind::Organisational)
            .account(address(DREES)?, MailboxKind::Organisational)
            .account(address(PMI_75_ANNUAIRE)?, MailboxKind::Organisational)
            .account(address(PMI_13_ANNUAIRE)?, MailboxKind::Organisational)
            .token_validator(validator)
            .start()
            .await
            .map_err(|e| Failure::service(format!("MSSanté operator simulator: {e}")))?;
        Ok(MssOperator { sim, env })
    }
}

impl MssOperator {
    /// The practice's mailbox configuration, pointed at the simulator.
    fn practice_mailbox(&self) -> ScenarioResult<MailboxConfig> {
        let tokens: Arc<dyn TokenSource> =
            Arc::new(StaticTokenSource::for_all(AccessToken::new(TOKEN)));
        let mut c = MailboxConfig::new(
            address(PRACTICE)?,
            MailboxKind::Personal,
            self.sim.settings(Security::StartTls),
            Authentication::xoauth2(tokens),
            self.sim
                .client_tls(None)
                .map_err(|e| Failure::service(format!("simulator TLS: {e}")))?,
        );
        c.reconnect = ReconnectPolicy {
            delays: vec![Duration::ZERO, Duration::from_millis(50)],
        };
        Ok(c)
    }

    /// The certificates received by `mailbox`: `(subject, CDA documents)`
    /// per message, each message recorded as evidence.
    fn received(&self, mailbox: &str) -> ScenarioResult<Vec<(String, Vec<Document>)>> {
        let mut out = Vec::new();
        for m in self.sim.messages(&address(mailbox)?, INBOX) {
            self.env.record_exchange(
                &format!("message delivered to {mailbox}"),
                Payload::new("message/rfc822", m.raw.clone()),
                None,
            );
            let parsed = parse_message(&m.raw)
                .map_err(|e| Failure::check(format!("message to {mailbox} unreadable: {e}")))?;
            let mut docs = Vec::new();
            for a in &parsed.attachments {
                if a.filename.as_deref() != Some("IHE_XDM.zip") {
                    continue;
                }
                let unpacked = unpack(&a.data, &XdmLimits::default()).map_err(|e| {
                    Failure::check(format!("IHE_XDM.zip sent to {mailbox} unreadable: {e}"))
                })?;
                for d in unpacked.documents {
                    docs.push(Document::parse(d.data).map_err(|e| {
                        Failure::check(format!("CDA document sent to {mailbox} unreadable: {e}"))
                    })?);
                }
            }
            out.push((parsed.subject.unwrap_or_default(), docs));
        }
        Ok(out)
    }
}

async fn send_certificate(ctx: RunContext) -> ScenarioResult {
    let child = child_health(&ctx)?;
    let operator = ctx.service::<MssOperator>().await?;
    let identity = samples::child_identity();
    let file = child_file(&ctx, &identity, entries(Richness::Typical)?).await?;
    let recipients = RecipientTable {
        pmi: BTreeMap::from([
            ("75".to_owned(), PMI_75.to_owned()),
            ("13".to_owned(), PMI_13.to_owned()),
        ]),
        drees: Some(DREES.to_owned()),
    };
    let setup = CertificateSendingSetup::new(operator.practice_mailbox()?, recipients);
    ctx.step(
        "configure the practice's MSSanté mailbox and the recipients (PMI per department, DREES)",
        async { Ok(child.configure_certificate_sending(setup).await?) },
    )
    .await?;
    let filled = sample_certificate(ChildVolet::Cs8)?;
    let doc = fill_in(&ctx, child, &file, &filled, ChildVolet::Cs8, "").await?;
    record_and_check(&ctx, "cs8-sent", &doc, Some(ChildVolet::Cs8))?;
    ctx.step("the doctor validates the certificate", async {
        Ok(child.validate_certificate(&doc).await?)
    })
    .await?;
    ctx.step("the doctor validates it again (double click)", async {
        Ok(child.validate_certificate(&doc).await?)
    })
    .await?;
    let id = doc.header.id.clone();
    for (mailbox, whom) in [(PMI_75, "the PMI of Paris (75)"), (DREES, "the DREES")] {
        ctx.step(format!("check what {whom} received"), async {
            let received = operator.received(mailbox)?;
            ensure(
                received.len() == 1,
                format!(
                    "{whom} received {} message(s) for one validated certificate (expected exactly one)",
                    received.len()
                ),
            )?;
            let (subject, docs) = &received[0];
            ensure(
                subject.starts_with("XDM/1.0/DDM"),
                format!("the message to {whom} is not an XDM message (subject {subject:?})"),
            )?;
            ensure(
                docs.iter().any(|d| d.header.id == id && ChildVolet::of(&d.header) == Some(ChildVolet::Cs8)),
                format!("the message to {whom} does not carry the validated CS8 certificate"),
            )
        })
        .await?;
    }
    ctx.step("check that no other PMI received it", async {
        let other = operator.received(PMI_13)?;
        ensure(
            other.is_empty(),
            format!(
                "the PMI of another department (13) received {} message(s): the certificate goes to the PMI of the child's department only",
                other.len()
            ),
        )
    })
    .await
}

/// segur-mss's loopback Annuaire Santé FHIR fake with the PMI of Paris and
/// of the Bouches-du-Rhône (FINESS category 223, organisational MSSanté
/// mailboxes) and the DREES; the requests it received are recorded as
/// evidence.
pub struct AnnuaireDirectory {
    fake: AnnuaireFake,
    env: ServiceEnv,
    recorded: std::sync::Mutex<usize>,
}

impl SimulatedService for AnnuaireDirectory {
    const NAME: &'static str = "annuaire-sante";

    async fn start(env: ServiceEnv) -> Result<Self, Failure> {
        let org = |a: &str| -> ScenarioResult<(MailAddress, MailboxKind)> {
            Ok((address(a)?, MailboxKind::Organisational))
        };
        let pmi = |id: &str, name: &str, postal: &str, mailbox: &str| -> ScenarioResult<_> {
            Ok(organization_at(
                id,
                name,
                &[(FINESS_CATEGORY_SYSTEM, PMI_CATEGORY)],
                postal,
                &[org(mailbox)?],
            ))
        };
        let resources = vec![
            pmi(
                "pmi-75",
                "Département de Paris - Service départemental de PMI",
                "75013",
                PMI_75_ANNUAIRE,
            )?,
            pmi(
                "pmi-13",
                "Département des Bouches-du-Rhône - Service de PMI",
                "13006",
                PMI_13_ANNUAIRE,
            )?,
            organization(
                "drees",
                "DREES - Direction de la recherche, des études, de l'évaluation et des statistiques",
                &[org(DREES)?],
            ),
        ];
        let fake = AnnuaireFake::start(ANNUAIRE_API_KEY, resources, 20)
            .await
            .map_err(|e| Failure::service(format!("Annuaire Santé fake: {e}")))?;
        Ok(AnnuaireDirectory {
            fake,
            env,
            recorded: std::sync::Mutex::new(0),
        })
    }
}

impl AnnuaireDirectory {
    /// The requests received since the last call, recorded as evidence;
    /// returns every request received so far.
    fn requests(&self) -> Vec<String> {
        let all = self.fake.requests();
        let mut done = self.recorded.lock().unwrap_or_else(|p| p.into_inner());
        for q in all.iter().skip(*done) {
            self.env
                .record_exchange(&format!("GET /fhir/v2/{q}"), Payload::text(q.clone()), None);
        }
        *done = all.len();
        all
    }
}

/// The audit record of the queueing of a certificate for `target`.
fn queued_for<'r>(
    records: &'r [segur_ssi::audit::AuditRecord],
    target: &str,
) -> Option<&'r segur_ssi::audit::AuditRecord> {
    records.iter().find(|r| {
        r.event.kind.as_str() == segur_enfant::sending::audit_kind::QUEUED
            && r.event.target.as_deref() == Some(target)
    })
}

/// Checks that `mailbox` received exactly one message carrying the
/// certificate `id` of `volet`.
fn received_once(
    operator: &MssOperator,
    mailbox: &str,
    whom: &str,
    id: &Option<segur_cda::datatypes::Ii>,
    volet: ChildVolet,
) -> ScenarioResult {
    let received = operator.received(mailbox)?;
    let carrying = received
        .iter()
        .filter(|(_, docs)| {
            docs.iter()
                .any(|d| &d.header.id == id && ChildVolet::of(&d.header) == Some(volet))
        })
        .count();
    ensure(
        carrying == 1,
        format!(
            "{whom} received the validated {} certificate {carrying} time(s) (expected exactly once)",
            volet.name()
        ),
    )
}

async fn send_with_annuaire(ctx: RunContext) -> ScenarioResult {
    let child = child_health(&ctx)?;
    let operator = ctx.service::<MssOperator>().await?;
    let directory = ctx.service::<AnnuaireDirectory>().await?;
    let identity = samples::child_identity();
    let file = child_file(&ctx, &identity, entries(Richness::Typical)?).await?;
    // The fallback table: a stale address for the PMI of Paris.
    let recipients = RecipientTable {
        pmi: BTreeMap::from([
            ("75".to_owned(), PMI_75.to_owned()),
            ("13".to_owned(), PMI_13.to_owned()),
        ]),
        drees: Some(DREES.to_owned()),
    };
    let tls = operator
        .sim
        .client_tls(None)
        .map_err(|e| Failure::service(format!("test TLS configuration: {e}")))?;
    let setup = CertificateSendingSetup::new(operator.practice_mailbox()?, recipients)
        .with_annuaire(
            directory.fake.base_url(),
            ANNUAIRE_API_KEY,
            tls.as_ref().clone(),
        );
    ctx.step(
        "configure the practice's mailbox, the Annuaire Santé and a fallback table (stale PMI address for Paris)",
        async { Ok(child.configure_certificate_sending(setup).await?) },
    )
    .await?;

    // 1. The directory answers: its address wins over the table's.
    let filled = sample_certificate(ChildVolet::Cs8)?;
    let cs8 = fill_in(
        &ctx,
        child,
        &file,
        &filled,
        ChildVolet::Cs8,
        " (child living in Paris)",
    )
    .await?;
    record_and_check(&ctx, "cs8-annuaire", &cs8, Some(ChildVolet::Cs8))?;
    ctx.step("the doctor validates the certificate", async {
        Ok(child.validate_certificate(&cs8).await?)
    })
    .await?;
    ctx.step(
        "check that the PMI of Paris received it at its Annuaire Santé address",
        async {
            let stale = operator.received(PMI_75)?.len();
            let listed = operator.received(PMI_75_ANNUAIRE)?.len();
            ensure(
                stale == 0 && listed > 0,
                format!(
                    "the certificate went {stale} time(s) to the fallback table's stale \
                     address {PMI_75} and {listed} time(s) to the PMI's address in the \
                     Annuaire Santé {PMI_75_ANNUAIRE}: the recipients must be looked up \
                     through the Annuaire Santé when possible"
                ),
            )?;
            received_once(
                &operator,
                PMI_75_ANNUAIRE,
                "the PMI of Paris (75)",
                &cs8.header.id,
                ChildVolet::Cs8,
            )
        },
    )
    .await?;
    ctx.step("check that the DREES received it", async {
        received_once(
            &operator,
            DREES,
            "the DREES",
            &cs8.header.id,
            ChildVolet::Cs8,
        )
    })
    .await?;
    ctx.step("check that the Annuaire Santé was consulted", async {
        // Every request is recorded as evidence; the search itself is the
        // host's choice (segur-enfant: FINESS category and postal code).
        let requests = directory.requests();
        ensure(
            !requests.is_empty(),
            "the host did not consult the Annuaire Santé for the recipients of the certificate",
        )
    })
    .await?;
    let security = ctx.security().ok();
    if let Some(security) = security {
        ctx.step(
            "check that the audit trail records the Annuaire Santé as source",
            async {
                let records = security.audit_trail().await?;
                let r = queued_for(&records, PMI_75_ANNUAIRE).ok_or_else(|| {
                    Failure::check(format!(
                        "the audit trail has no queueing of the certificate for {PMI_75_ANNUAIRE}"
                    ))
                })?;
                let source = r.event.details.get("source").map(String::as_str);
                ensure(
                    source == Some("annuaire"),
                    format!(
                        "the audit trail records the source {source:?} for the PMI address \
                     found in the Annuaire Santé (expected \"annuaire\")"
                    ),
                )
            },
        )
        .await?;
    }

    // 2. The directory is down: the table, with the reason.
    directory.fake.fail_with(Some(503));
    let mut moved = entries(Richness::Typical)?;
    moved.address = Some(Addr::street("12", "Rue des Essais", "13006", "MARSEILLE"));
    ctx.step(
        "the family moves to Marseille (13): record the new address",
        async { Ok(child.record_entries(&file, moved).await?) },
    )
    .await?;
    let filled = sample_certificate(ChildVolet::Cs9)?;
    let cs9 = fill_in(&ctx, child, &file, &filled, ChildVolet::Cs9, "").await?;
    record_and_check(&ctx, "cs9-fallback", &cs9, Some(ChildVolet::Cs9))?;
    ctx.step(
        "the doctor validates it while the Annuaire Santé is down (HTTP 503)",
        async { Ok(child.validate_certificate(&cs9).await?) },
    )
    .await?;
    directory.requests();
    let whom = "the fallback table's address of the PMI of the Bouches-du-Rhône (13)";
    ctx.step(
        "check that the PMI of the Bouches-du-Rhône received it at the table's address",
        async {
            received_once(&operator, PMI_13, whom, &cs9.header.id, ChildVolet::Cs9)?;
            let listed = operator.received(PMI_13_ANNUAIRE)?.len();
            ensure(
                listed == 0,
                format!(
                    "{PMI_13_ANNUAIRE} received {listed} message(s) \
                 although the Annuaire Santé was down"
                ),
            )
        },
    )
    .await?;
    ctx.step("check that the DREES received it", async {
        received_once(
            &operator,
            DREES,
            "the DREES",
            &cs9.header.id,
            ChildVolet::Cs9,
        )
    })
    .await?;
    ctx.step(
        "check that the first certificate was not sent again",
        async {
            received_once(
                &operator,
                PMI_75_ANNUAIRE,
                "the PMI of Paris (75)",
                &cs8.header.id,
                ChildVolet::Cs8,
            )?;
            let stale = operator.received(PMI_75)?.len();
            ensure(
                stale == 0,
                format!("the fallback table's stale address {PMI_75} received {stale} message(s)"),
            )
        },
    )
    .await?;
    if let Some(security) = security {
        ctx.step(
            "check that the audit trail records the fallback and its reason",
            async {
                let records = security.audit_trail().await?;
                let r = queued_for(&records, PMI_13).ok_or_else(|| {
                    Failure::check(format!(
                        "the audit trail has no queueing of the certificate for {PMI_13}"
                    ))
                })?;
                let source = r.event.details.get("source").map(String::as_str);
                let reason = r
                    .event
                    .details
                    .get("table_reason")
                    .cloned()
                    .unwrap_or_default();
                ensure(
                    source == Some("table") && reason.contains("503"),
                    format!(
                        "the audit trail records the source {source:?} and the reason \
                         {reason:?} for the table's address used while the Annuaire Santé \
                         was down (expected \"table\" and a reason naming the failure, HTTP 503)"
                    ),
                )
            },
        )
        .await?;
    }
    Ok(())
}
