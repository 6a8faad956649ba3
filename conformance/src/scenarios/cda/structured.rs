//! Group `cda.structured`: structured (N3) documents of the CI-SIS content
//! volets produced by the host, with their N1 twin.
//!
//! The medical content is the `segur_cda` fixtures (`volets::samples`,
//! typical richness): the scenario plays the professional who confirms it.
//! Each document is checked with the native header validator, the volet's
//! native rules (`vsm::check`, `eprescription::check`, which mirror the
//! official volet schematrons) and read back into the volet's typed model;
//! the documents are recorded for the official schematrons.

use segur_cda::datatypes::{Addr, Telecom};
use segur_cda::n3::entries::PdfCopy;
use segur_cda::n3::sections::PDF_COPY;
use segur_cda::n3::types::instant;
use segur_cda::volets::eprescription::{self, Prescription, PrescriptionContext};
use segur_cda::volets::samples::{self, Richness};
use segur_cda::volets::vsm::{self, MedicalSummary};
use segur_cda::{Body, Document, Level, vocab};
use segur_ins::IdentityStatus;
use time::Duration;

use super::super::support::{
    ALICE, BRUNO, Held, fetch, ins_text, patient_file, record_and_validate,
};
use crate::checks::pdf_ins_datamatrix;
use crate::failure::{Failure, OrFail, ScenarioResult, ensure, ensure_eq};
use crate::host::{
    Documents, PatientContact, PatientFileRef, ProducedPair, StructuredContent, StructuredRequest,
};
use crate::{Error, Payload, RunContext, Scenario};

/// Registers the group into the `cda` suite.
pub(super) fn register(suite: &mut crate::model::SuiteBuilder<'_>) -> Result<(), Error> {
    let mut g = suite.group("structured", "Structured (N3) documents")?;
    g.add(
        Scenario::new(
            "vsm",
            "A medical summary is produced as a structured VSM (CDA R2 N3)",
            vsm_produced,
        )
        .requirements(["SC.DB/LGC.01", "SC.CDA/DD.21"]),
    )?;
    g.add(
        Scenario::new(
            "eprescription",
            "A prescription of health products is produced as a structured eP-MED-DM (CDA R2 N3)",
            eprescription_produced,
        )
        .requirements(["SC.DOC.03", "SC.CDA/DD.21"]),
    )?;
    g.add(
        Scenario::new(
            "n1-n3-pair",
            "The N1 and N3 forms of a structured document come from the same content and are held as one document",
            n1_n3_pair,
        )
        .requirements(["SC.CDA/DD.23", "SC.CDA/DD.15"]),
    )?;
    Ok(())
}

fn fixture<T>(what: &str, r: Result<T, segur_cda::N3Error>) -> ScenarioResult<T> {
    r.map_err(|e| Failure::internal(format!("{what} fixture: {e}")))
}

async fn produce_structured(
    ctx: &RunContext,
    docs: &dyn Documents,
    file: &PatientFileRef,
    request: &StructuredRequest,
) -> ScenarioResult<ProducedPair> {
    ctx.step(format!("produce \u{ab} {} \u{bb}", request.title), async {
        Ok(docs.produce_structured(file, request).await?)
    })
    .await
}

/// Fails unless `doc` is an N3 document of the volet `template` whose
/// native volet rules all pass.
fn volet_rules(
    doc: &Document,
    volet: &str,
    template: &segur_ids::Oid,
    check: fn(&Document) -> Vec<segur_cda::N3Error>,
) -> ScenarioResult {
    ensure_eq("level", Level::N3, doc.level())?;
    ensure(
        doc.header.has_template(template),
        format!(
            "the document is not a {volet}: no templateId {}",
            template.as_str()
        ),
    )?;
    let breaches: Vec<String> = check(doc).iter().map(ToString::to_string).collect();
    ensure(
        breaches.is_empty(),
        format!(
            "the {volet} breaks {} rule(s) of its volet: {}",
            breaches.len(),
            breaches.join("; ")
        ),
    )
}

/// Records the native volet report as evidence.
fn record_volet_report(
    ctx: &RunContext,
    name: &str,
    doc: &Document,
    check: fn(&Document) -> Vec<segur_cda::N3Error>,
) {
    let breaches: Vec<String> = check(doc).iter().map(ToString::to_string).collect();
    let json = serde_json::to_vec_pretty(&serde_json::json!({ "volet_breaches": breaches }))
        .unwrap_or_default();
    ctx.evidence().validation_report(
        &format!("{name}-volet-validation.json"),
        Payload::json(json),
    );
}

/// Compares two lists of labels, naming what is missing or extra.
fn same_labels(what: &str, expected: Vec<String>, found: Vec<String>) -> ScenarioResult {
    ensure(
        expected == found,
        format!("{what}: the professional confirmed {expected:?}, the document says {found:?}"),
    )
}

async fn vsm_produced(ctx: RunContext) -> ScenarioResult {
    let docs = ctx.documents()?;
    let (file, identity) = patient_file(&ctx, &ALICE, IdentityStatus::Qualifiee).await?;
    let summary = fixture(
        "medical summary",
        samples::medical_summary(Richness::Typical),
    )?;
    let request = StructuredRequest::new(
        "Synthèse médicale",
        ctx.now() - Duration::minutes(15),
        StructuredContent::MedicalSummary(summary.clone()),
    );
    let pair = produce_structured(&ctx, docs, &file, &request).await?;
    let held = fetch(docs, &pair.n3).await?;
    ctx.step("native CI-SIS header validation", async {
        record_and_validate(&ctx, "vsm-n3", &held).map(|_| ())
    })
    .await?;
    ctx.step("a VSM 2023.01 passing the volet's rules", async {
        record_volet_report(&ctx, "vsm-n3", &held.document, vsm::check);
        volet_rules(&held.document, "VSM", &vsm::TEMPLATE, vsm::check)
    })
    .await?;
    ctx.step(
        "the header names the patient of the file with the INS",
        async {
            let written = held.document.header.patient_ins();
            let q = identity
                .qualified_ins()
                .or_fail("qualified INS of the fixture")?;
            let (root, ext) = q.ins().cda_id();
            ensure(
                written.is_some_and(|i| {
                    i.root.as_deref() == Some(root.as_str()) && i.extension.as_deref() == Some(ext)
                }),
                format!(
                    "the VSM of a qualified identity must carry its INS {}, it carries {:?}",
                    ins_text(q.ins()),
                    written.map(ToString::to_string)
                ),
            )
        },
    )
    .await?;
    ctx.step(
        "the VSM holds the summary the professional confirmed",
        async {
            let read = MedicalSummary::from_document(&held.document)
                .map_err(|e| Failure::check(format!("the VSM cannot be read back: {e}")))?;
            let labels = |p: &[segur_cda::n3::entries::Problem]| -> Vec<String> {
                p.iter().map(|x| x.label.clone()).collect()
            };
            same_labels(
                "pathologies in progress",
                labels(&summary.active_problems),
                labels(&read.active_problems),
            )?;
            same_labels(
                "medical history",
                labels(&summary.medical_history),
                labels(&read.medical_history),
            )?;
            same_labels(
                "allergies",
                summary.allergies.iter().map(|a| a.label.clone()).collect(),
                read.allergies.iter().map(|a| a.label.clone()).collect(),
            )?;
            same_labels(
                "long-term treatments",
                summary
                    .treatments
                    .iter()
                    .map(|m| m.product.label.clone())
                    .collect(),
                read.treatments
                    .iter()
                    .map(|m| m.product.label.clone())
                    .collect(),
            )?;
            ensure_eq(
                "comment",
                summary.comment.as_deref(),
                read.comment.as_deref(),
            )
        },
    )
    .await
}

/// The fixture prescription, valid from the act for three months.
fn prescription_at(
    act: time::OffsetDateTime,
) -> ScenarioResult<(Prescription, PrescriptionContext)> {
    let (prescription, sample) = fixture("prescription", samples::prescription(Richness::Typical))?;
    let mut context = PrescriptionContext::new(instant(act), instant(act + Duration::days(90)));
    context.options = sample.options;
    Ok((prescription, context))
}

fn patient_contact() -> PatientContact {
    PatientContact::new(
        vec![Addr::street("12", "Rue des Tests", "69003", "LYON")],
        vec![Telecom::phone("0600000000", Some("MC"))],
    )
}

async fn eprescription_produced(ctx: RunContext) -> ScenarioResult {
    let docs = ctx.documents()?;
    let files = ctx.patient_files()?;
    let (file, _) = patient_file(&ctx, &BRUNO, IdentityStatus::Qualifiee).await?;
    let contact = patient_contact();
    ctx.step(
        "record the patient's address and phone in the file",
        async { Ok(files.set_contact(&file, &contact).await?) },
    )
    .await?;
    let act = ctx.now() - Duration::minutes(10);
    let (prescription, context) = prescription_at(act)?;
    let request = StructuredRequest::new(
        "Prescription de médicaments et de dispositifs médicaux",
        act,
        StructuredContent::Prescription {
            prescription: prescription.clone(),
            context: context.clone(),
        },
    );
    let pair = produce_structured(&ctx, docs, &file, &request).await?;
    let held = fetch(docs, &pair.n3).await?;
    ctx.step("native CI-SIS header validation", async {
        record_and_validate(&ctx, "eprescription-n3", &held).map(|_| ())
    })
    .await?;
    ctx.step("an eP-MED-DM 2024.01 passing the volet's rules", async {
        record_volet_report(
            &ctx,
            "eprescription-n3",
            &held.document,
            eprescription::check,
        );
        volet_rules(
            &held.document,
            "eP-MED-DM prescription",
            &eprescription::TEMPLATE,
            eprescription::check,
        )
    })
    .await?;
    ctx.step(
        "the patient's address and phone come from the file",
        async {
            let role = held
                .document
                .header
                .patient_role()
                .or_fail("recordTarget/patientRole")?;
            for a in &contact.addrs {
                ensure(
                    role.addrs.contains(a),
                    format!("the patient's address {a:?} is not in the header"),
                )?;
            }
            for t in &contact.telecoms {
                ensure(
                    role.telecoms.contains(t),
                    format!("the patient's telecom {t:?} is not in the header"),
                )?;
            }
            Ok(())
        },
    )
    .await?;
    ctx.step(
        "the document holds the prescription the professional confirmed",
        async {
            let read = Prescription::from_document(&held.document).map_err(|e| {
                Failure::check(format!("the prescription cannot be read back: {e}"))
            })?;
            same_labels(
                "prescribed medications",
                prescription
                    .medications
                    .iter()
                    .map(|m| m.medication.product.label.clone())
                    .collect(),
                read.medications
                    .iter()
                    .map(|m| m.medication.product.label.clone())
                    .collect(),
            )?;
            ensure_eq(
                "renewals of each medication",
                prescription
                    .medications
                    .iter()
                    .map(|m| m.renewals)
                    .collect::<Vec<_>>(),
                read.medications.iter().map(|m| m.renewals).collect(),
            )?;
            same_labels(
                "prescribed devices",
                prescription
                    .devices
                    .iter()
                    .map(|d| d.label.clone())
                    .collect(),
                read.devices.iter().map(|d| d.label.clone()).collect(),
            )?;
            let written = PrescriptionContext::from_header(&held.document.header)
                .map_err(|e| Failure::check(format!("validity of the prescription: {e}")))?;
            ensure_eq(
                "start of validity",
                context.valid_from.value.as_deref(),
                written.valid_from.value.as_deref(),
            )?;
            ensure_eq(
                "end of validity",
                context.valid_until.value.as_deref(),
                written.valid_until.value.as_deref(),
            )?;
            ensure_eq("options", context.options, written.options)
        },
    )
    .await
}

/// The PDF of the FR-Document-PDF-copie section of an N3 document.
fn pdf_copy(doc: &Document) -> ScenarioResult<Vec<u8>> {
    let Body::Structured(body) = &doc.body else {
        return Err(Failure::check("the N3 form has no structured body"));
    };
    let section = PDF_COPY
        .find(&body.sections)
        .or_fail("the FR-Document-PDF-copie section of the N3 form")?;
    let copies = PDF_COPY
        .read_entries::<PdfCopy>(section, &doc.namespaces)
        .map_err(|e| Failure::check(format!("the PDF copy of the N3 form: {e}")))?;
    Ok(copies
        .into_iter()
        .next()
        .or_fail("the PDF in the FR-Document-PDF-copie section")?
        .pdf
        .to_vec())
}

async fn n1_n3_pair(ctx: RunContext) -> ScenarioResult {
    let docs = ctx.documents()?;
    let observations = ctx.observations()?;
    let (file, identity) = patient_file(&ctx, &ALICE, IdentityStatus::Qualifiee).await?;
    let summary = fixture(
        "medical summary",
        samples::medical_summary(Richness::Minimal),
    )?;
    let request = StructuredRequest::new(
        "Synthèse médicale",
        ctx.now() - Duration::minutes(5),
        StructuredContent::MedicalSummary(summary),
    );
    let pair = produce_structured(&ctx, docs, &file, &request).await?;
    let n3: Held = fetch(docs, &pair.n3).await?;
    let n1: Held = fetch(docs, &pair.n1).await?;
    ctx.step("native CI-SIS validation of both forms", async {
        record_and_validate(&ctx, "pair-n3", &n3)?;
        record_and_validate(&ctx, "pair-n1", &n1).map(|_| ())
    })
    .await?;
    ctx.step("the N1 form is an N1 document pointing to the N3 by XFRM", async {
        ensure_eq("level of the N1 form", Level::N1, n1.document.level())?;
        ensure_eq("level of the N3 form", Level::N3, n3.document.level())?;
        let tpl: Vec<Option<&str>> = n1
            .document
            .header
            .template_ids
            .iter()
            .map(|t| t.root.as_deref())
            .collect();
        let n1_oids = vocab::template::N1;
        let n1_tpl: Vec<Option<&str>> = n1_oids.iter().map(|t| Some(t.as_str())).collect();
        ensure_eq("templateIds of the N1 form", n1_tpl, tpl)?;
        let n3_id = n3.document.header.id.as_ref().or_fail("id of the N3 form")?;
        ensure(
            n1.document
                .header
                .transformed_from()
                .is_some_and(|src| src.same_as(n3_id)),
            format!(
                "the N1 form must carry relatedDocument XFRM to the N3 id {n3_id}, it carries {:?}",
                n1.document.header.transformed_from().map(ToString::to_string)
            ),
        )
    })
    .await?;
    ctx.step(
        "both forms describe the same act for the same patient",
        async {
            let (h1, h3) = (&n1.document.header, &n3.document.header);
            ensure_eq(
                "patient ids",
                h3.patient_role().map(|p| &p.ids),
                h1.patient_role().map(|p| &p.ids),
            )?;
            ensure_eq(
                "document type",
                h3.code.as_ref().map(|c| c.code_str()),
                h1.code.as_ref().map(|c| c.code_str()),
            )?;
            ensure_eq("act date", h3.act_time(), h1.act_time())
        },
    )
    .await?;
    ctx.step(
        "the N1 PDF is the N3's PDF copy: one content, two forms",
        async {
            let copy = pdf_copy(&n3.document)?;
            let body = n1
                .document
                .non_xml_body()
                .or_fail("nonXMLBody of the N1 form")?
                .decode()
                .into_owned();
            ctx.evidence()
                .document("pair-n1.pdf", Payload::new("application/pdf", body.clone()));
            ensure(
                body == copy,
                format!(
                    "the N1 form's PDF ({} bytes) differs from the PDF copy of the N3 form ({} bytes): both forms must render the same medical information",
                    body.len(),
                    copy.len()
                ),
            )?;
            let q = identity.qualified_ins().or_fail("qualified INS of the fixture")?;
            let payload = pdf_ins_datamatrix(&body)
                .map_err(|e| Failure::check(format!("the PDF of the N1 form: {e}")))?
                .or_fail("the INS datamatrix on the PDF of a qualified patient's document")?;
            ensure_eq("INS in the datamatrix", *q.ins(), *payload.ins())
        },
    )
    .await?;
    ctx.step(
        "the file shows one document offering both renderings",
        async {
            let view = observations.document_view(&pair.n3).await?;
            ensure(
                view.forms.contains(&pair.n3) && view.forms.contains(&pair.n1),
                format!(
                    "the N3 {} and the N1 {} must show as one document, the view holds {:?}",
                    pair.n3, pair.n1, view.forms
                ),
            )?;
            ensure(
                view.renderings.contains(&Level::N1) && view.renderings.contains(&Level::N3),
                format!(
                    "the document must offer the PDF and the structured view, it offers {:?}",
                    view.renderings
                ),
            )?;
            let listed = docs.list(&file).await?;
            ensure(
                listed.contains(&pair.n3) && listed.contains(&pair.n1),
                "the file does not hold both forms",
            )
        },
    )
    .await
}
