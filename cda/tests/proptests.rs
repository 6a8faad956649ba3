//! Property tests: build → write → parse preserves every header field; the
//! parser never panics on arbitrary bytes.
#![allow(clippy::unwrap_used)]

use proptest::collection::vec;
use proptest::option::of;
use proptest::prelude::*;
use segur_cda::datatypes::*;
use segur_cda::header::*;
use segur_cda::{Body, Document, NonXmlBody};

fn text() -> impl Strategy<Value = String> {
    // XML-special characters, accents, quotes; trimmed and non-empty (the
    // parser trims element text).
    "[a-zA-Z0-9éèàçÉ'&<>\"/ -]{1,16}".prop_filter_map("blank", |s| {
        let t = s.trim().to_owned();
        (!t.is_empty()).then_some(t)
    })
}

fn ii() -> impl Strategy<Value = Ii> {
    (
        of("[0-9]\\.[0-9]{1,3}(\\.[0-9]{1,4}){0,4}"),
        of(text()),
        of(prop_oneof!["UNK", "NASK", "MSK", "OTH"]),
    )
        .prop_map(|(root, extension, null_flavor)| Ii {
            root,
            extension,
            null_flavor,
        })
}

fn code_leaf() -> impl Strategy<Value = Code> {
    (
        of("[A-Z0-9_/-]{1,10}"),
        of("[0-9]\\.[0-9]{1,3}(\\.[0-9]{1,4}){0,3}"),
        of(text()),
        of(text()),
        of(prop_oneof!["UNK", "NA"]),
    )
        .prop_map(
            |(code, code_system, code_system_name, display_name, nf)| Code {
                code,
                code_system,
                code_system_name,
                display_name,
                null_flavor: nf,
                translations: Vec::new(),
            },
        )
}

fn code() -> impl Strategy<Value = Code> {
    (code_leaf(), vec(code_leaf(), 0..2)).prop_map(|(mut c, t)| {
        c.translations = t;
        c
    })
}

fn ts() -> impl Strategy<Value = Ts> {
    (
        of("[0-9]{4,14}(\\+0[0-9]00)?"),
        of(prop_oneof!["UNK", "NAV"]),
    )
        .prop_map(|(value, nf)| Ts {
            value,
            null_flavor: nf,
        })
}

fn ivl() -> impl Strategy<Value = IvlTs> {
    (
        of("[0-9]{8}"),
        of(ts()),
        of(ts()),
        of(prop_oneof!["UNK", "NA"]),
    )
        .prop_map(|(v, low, high, nf)| IvlTs {
            value: v.map(Ts::from_value),
            low,
            high,
            null_flavor: nf,
        })
}

fn name() -> impl Strategy<Value = PersonName> {
    let part = (
        prop_oneof![
            Just(NamePartKind::Family),
            Just(NamePartKind::Given),
            Just(NamePartKind::Prefix),
            Just(NamePartKind::Suffix)
        ],
        of(prop_oneof!["BR", "SP", "CL"]),
        text(),
    )
        .prop_map(|(kind, q, value)| NamePart {
            kind,
            qualifier: q,
            value,
        });
    (of(prop_oneof!["L", "P"]), vec(part, 0..5)).prop_map(|(u, parts)| PersonName {
        use_: u,
        null_flavor: None,
        parts,
    })
}

fn addr() -> impl Strategy<Value = Addr> {
    let part = (prop::sample::select(ADDR_PART_NAMES), text()).prop_map(|(k, v)| AddrPart {
        kind: k.to_owned(),
        value: v,
    });
    (
        of(prop_oneof!["H", "WP"]),
        of(prop_oneof!["MSK"]),
        vec(part, 0..5),
    )
        .prop_map(|(u, nf, parts)| Addr {
            use_: u,
            null_flavor: nf,
            parts,
        })
}

fn telecom() -> impl Strategy<Value = Telecom> {
    (
        of("(tel|mailto):[a-z0-9@.]{1,12}"),
        of(prop_oneof!["H", "WP", "MC"]),
        of(prop_oneof!["NASK"]),
    )
        .prop_map(|(value, u, nf)| Telecom {
            value,
            use_: u,
            null_flavor: nf,
        })
}

fn organization() -> impl Strategy<Value = Organization> {
    (
        vec(ii(), 0..2),
        of(text()),
        vec(telecom(), 0..2),
        vec(addr(), 0..2),
        of(code()),
    )
        .prop_map(|(ids, name, telecoms, addrs, sic)| Organization {
            ids,
            name,
            telecoms,
            addrs,
            standard_industry_class_code: sic,
        })
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    Author,
    Assigned,
    Associated,
    Recipient,
    Related,
}

fn role(kind: Kind) -> impl Strategy<Value = RoleEntity> {
    (
        of(prop_oneof!["PROV", "AGNT"]),
        vec(ii(), 0..2),
        of(code()),
        vec(addr(), 0..2),
        vec(telecom(), 0..2),
        vec(name(), 0..2),
        any::<bool>(),
        of((of(text()), of(text()))),
        of(organization()),
    )
        .prop_map(
            move |(
                class_code,
                ids,
                code,
                addrs,
                telecoms,
                names,
                person_flag,
                device,
                organization,
            )| {
                let mut r = RoleEntity {
                    class_code,
                    ids,
                    code,
                    addrs,
                    telecoms,
                    has_person: person_flag || !names.is_empty(),
                    person_names: names,
                    device: None,
                    organization,
                };
                match kind {
                    Kind::Author => {
                        if let Some((m, s)) = device.filter(|_| !r.has_person) {
                            r.device = Some(AuthoringDevice {
                                manufacturer_model_name: m,
                                software_name: s,
                            });
                        }
                    }
                    Kind::Recipient => r.code = None,
                    Kind::Related => {
                        r.ids.clear();
                        r.organization = None;
                    }
                    Kind::Assigned | Kind::Associated => {}
                }
                r
            },
        )
}

fn patient() -> impl Strategy<Value = Patient> {
    (
        vec(name(), 0..2),
        of(code()),
        of(ts()),
        vec(
            (
                of(code()),
                vec(addr(), 0..2),
                vec(telecom(), 0..2),
                vec(name(), 0..2),
                of(organization()),
            )
                .prop_map(|(code, addrs, telecoms, names, org)| Guardian {
                    code,
                    addrs,
                    telecoms,
                    person_names: if org.is_some() { Vec::new() } else { names },
                    organization: org,
                }),
            0..2,
        ),
        of(addr()),
    )
        .prop_map(|(names, g, b, guardians, birthplace)| Patient {
            names,
            administrative_gender_code: g,
            birth_time: b,
            guardians,
            birthplace,
        })
}

fn header() -> impl Strategy<Value = Header> {
    let a = (
        vec("[A-Z]{2}", 0..2),
        of(ii()),
        vec(ii(), 0..4),
        of(ii()),
        of(code()),
        of(text()),
        of(ts()),
        of(code()),
        of("[a-z]{2}-[A-Z]{2}"),
        of(ii()),
        of("[0-9]{1,3}"),
    );
    let b = (
        vec(
            (
                vec(ii(), 0..3),
                vec(addr(), 0..2),
                vec(telecom(), 0..2),
                of(patient()),
            )
                .prop_map(|(ids, addrs, telecoms, patient)| RecordTarget {
                    patient_role: PatientRole {
                        ids,
                        addrs,
                        telecoms,
                        patient,
                    },
                }),
            0..2,
        ),
        vec(
            (of(code()), of(ts()), role(Kind::Author)).prop_map(|(f, t, r)| Author {
                function_code: f,
                time: t,
                assigned_author: r,
            }),
            0..3,
        ),
        vec(
            prop_oneof![
                role(Kind::Assigned).prop_map(|r| Informant {
                    assigned_entity: Some(r),
                    related_entity: None
                }),
                role(Kind::Related).prop_map(|r| Informant {
                    assigned_entity: None,
                    related_entity: Some(r)
                }),
            ],
            0..2,
        ),
        of(organization().prop_map(|mut o| {
            o.standard_industry_class_code = None;
            o.telecoms.truncate(1);
            o.addrs.truncate(1);
            Custodian { organization: o }
        })),
        vec(
            (of(prop_oneof!["PRCP", "TRC"]), role(Kind::Recipient)).prop_map(|(t, r)| {
                InformationRecipient {
                    type_code: t,
                    intended_recipient: r,
                }
            }),
            0..2,
        ),
    );
    let auth = || {
        (of(ts()), of(prop_oneof!["S", "X"]), role(Kind::Assigned)).prop_map(|(t, s, r)| {
            Authenticator {
                time: t,
                signature_code: s,
                assigned_entity: r,
            }
        })
    };
    let c = (
        of(auth()),
        vec(auth(), 0..2),
        vec(
            (
                of(prop_oneof!["REF", "PRF"]),
                of(code()),
                of(ivl()),
                role(Kind::Associated),
            )
                .prop_map(|(t, f, time, r)| Participant {
                    type_code: t,
                    function_code: f,
                    time,
                    associated_entity: r,
                }),
            0..2,
        ),
        vec(
            (vec(ii(), 0..2), of(code())).prop_map(|(ids, code)| Order { ids, code }),
            0..2,
        ),
        vec(
            (
                of("ACT"),
                vec(ii(), 0..2),
                of(code()),
                of(ivl()),
                vec(
                    (of("PRF"), of(code()), of(ivl()), role(Kind::Assigned)).prop_map(
                        |(t, f, time, r)| Performer {
                            type_code: t,
                            function_code: f,
                            time,
                            assigned_entity: r,
                        },
                    ),
                    0..2,
                ),
            )
                .prop_map(|(class_code, ids, code, effective_time, performers)| {
                    ServiceEvent {
                        class_code,
                        ids,
                        code,
                        effective_time,
                        performers,
                    }
                }),
            0..2,
        ),
        vec(
            (
                of(prop_oneof!["RPLC", "XFRM"]),
                vec(ii(), 0..2),
                of(ii()),
                of("[0-9]{1,2}"),
            )
                .prop_map(|(t, ids, s, v)| RelatedDocument {
                    type_code: t,
                    parent_ids: ids,
                    parent_set_id: s,
                    parent_version_number: v,
                }),
            0..2,
        ),
        vec(
            (vec(ii(), 0..2), of(code()), of("completed")).prop_map(|(ids, code, st)| Consent {
                ids,
                code,
                status_code: st,
            }),
            0..2,
        ),
        of((
            vec(ii(), 0..2),
            of(code()),
            of(ivl()),
            of(role(Kind::Assigned)),
            vec(
                (
                    of(prop_oneof!["ATND", "REF"]),
                    of(ivl()),
                    role(Kind::Assigned),
                )
                    .prop_map(|(t, time, r)| EncounterParticipant {
                        type_code: t,
                        time,
                        assigned_entity: r,
                    }),
                0..2,
            ),
            of((
                vec(ii(), 0..2),
                of(code()),
                of(text()),
                of(addr()),
                of(organization()),
            )
                .prop_map(|(ids, code, n, a, o)| HealthCareFacility {
                    ids,
                    code,
                    location_name: n,
                    location_addr: a,
                    service_provider_organization: o,
                })),
        )
            .prop_map(
                |(
                    ids,
                    code,
                    effective_time,
                    responsible_party,
                    encounter_participants,
                    health_care_facility,
                )| EncompassingEncounter {
                    ids,
                    code,
                    effective_time,
                    responsible_party,
                    encounter_participants,
                    health_care_facility,
                },
            )),
    );
    (a, b, c).prop_map(|(a, b, c)| Header {
        realm_codes: a.0,
        type_id: a.1,
        template_ids: a.2,
        id: a.3,
        code: a.4,
        title: a.5,
        effective_time: a.6,
        confidentiality_code: a.7,
        language_code: a.8,
        set_id: a.9,
        version_number: a.10,
        record_targets: b.0,
        authors: b.1,
        informants: b.2,
        custodian: b.3,
        information_recipients: b.4,
        legal_authenticator: c.0,
        authenticators: c.1,
        participants: c.2,
        in_fulfillment_of: c.3,
        documentation_of: c.4,
        related_documents: c.5,
        authorizations: c.6,
        component_of: c.7,
        repeated_elements: Vec::new(),
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    #[test]
    fn built_documents_round_trip(title in text(), given in text()) {
        // The builder path: typed inputs, validated document, exact round trip.
        let mut p = segur_cda::samples::practitioner();
        p.given = given;
        let patient = segur_cda::samples::patient().build().unwrap();
        let doc = segur_cda::samples::consultation_header(patient, &segur_cda::samples::clock(), &segur_cda::samples::ids())
            .title(&title)
            .author(p.author(segur_cda::clock::Clock::now(&segur_cda::samples::clock())))
            .build_n1(NonXmlBody::pdf(segur_cda::samples::simple_pdf(&[&title])))
            .unwrap();
        let back = Document::parse(doc.to_xml()).unwrap();
        prop_assert_eq!(back, doc);
    }

    #[test]
    fn parser_never_panics_on_arbitrary_bytes(bytes in vec(any::<u8>(), 0..2000)) {
        let _ = Document::parse(bytes.clone());
        let _ = Document::parse_header(&bytes);
    }

    #[test]
    fn parser_never_panics_on_mutated_documents(cut in 0usize..6000, at in 0usize..6000, byte in any::<u8>()) {
        let xml = segur_cda::samples::n1_document().unwrap().to_xml();
        let mut m = xml[..cut.min(xml.len())].to_vec();
        if !m.is_empty() {
            let i = at % m.len();
            m[i] = byte;
        }
        let _ = Document::parse(m.clone());
        let _ = Document::parse_header(&m);
    }
}

/// The header strategy is a deeply nested type: run it on a thread with a
/// large stack (debug builds keep big strategy values on the stack).
#[test]
fn write_then_parse_preserves_every_header_field() {
    std::thread::Builder::new()
        .stack_size(256 * 1024 * 1024)
        .spawn(|| {
            let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
                cases: 200,
                ..ProptestConfig::default()
            });
            runner
                .run(&(header(), vec(any::<u8>(), 1..300)), |(h, body)| {
                    let doc = Document::new(h, Body::NonXml(NonXmlBody::pdf(body)));
                    let xml = doc.to_xml();
                    let back = Document::parse(xml.clone()).unwrap();
                    prop_assert_eq!(&back.header, &doc.header);
                    prop_assert_eq!(&back.body, &doc.body);
                    prop_assert_eq!(Document::parse_header(&xml).unwrap(), doc.header);
                    Ok(())
                })
                .unwrap();
        })
        .unwrap()
        .join()
        .unwrap();
}
