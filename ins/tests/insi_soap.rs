//! The sans-IO SOAP core against answers shaped like the recorded INSi ones
//! (prefixes, namespaces and layouts of the CNDA / qualification answers in
//! padoa/tlsi-ins), and against bad input.

use proptest::prelude::*;
use segur_ins::insi::soap::{self, RequestHeaders, SoftwareIdentity};
use segur_ins::insi::{
    FaultCode, InsPosition, InsiError, InsiOutcome, KnownFault, LunarDate, Operation, Query,
    ResponseWarning, ResultCode, TraitsQuery, VitaleQuery,
};
use segur_ins::{BirthDate, FamilyName, GivenName, InsOid, Sex};

fn envelope(body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\">\
         <env:Body xmlns:S=\"http://www.w3.org/2003/05/soap-envelope\" xmlns:env=\"http://www.w3.org/2003/05/soap-envelope\">{body}</env:Body></soap:Envelope>"
    )
}

const CR02: &str = "<ns2:RESULTAT xmlns:ns3=\"http://www.cnamts.fr/INSiRecVit\" xmlns:ns2=\"http://www.cnamts.fr/INSiResultat\" xmlns=\"http://www.cnamts.fr/INSiRecSans\">\
    <ns2:CR><ns2:CodeCR>02</ns2:CodeCR><ns2:LibelleCR>Plusieurs identites trouvees</ns2:LibelleCR></ns2:CR></ns2:RESULTAT>";

const PIERRE_ALAIN: &str = "<RESULTAT xmlns:ns3=\"http://www.cnamts.fr/INSiRecVit\" xmlns:ns2=\"http://www.cnamts.fr/INSiRecSans\" xmlns=\"http://www.cnamts.fr/INSiResultat\">\n\
    \t<CR>\n\t\t<CodeCR>00</CodeCR>\n\t\t<LibelleCR>OK</LibelleCR>\n\t</CR>\n\
    <INDIVIDU><INSACTIF><IdIndividu><NumIdentifiant>1090763220834</NumIdentifiant><Cle>89</Cle></IdIndividu><OID>1.2.250.1.213.1.4.8</OID></INSACTIF>\
    <INSHISTO><IdIndividu><NumIdentifiant>2090763220834</NumIdentifiant><Cle>39</Cle><TypeMatricule>NIR</TypeMatricule></IdIndividu><OID>1.2.250.1.213.1.4.8</OID></INSHISTO>\
    <INSHISTO><DateDeb>2009-07-14</DateDeb><IdIndividu><NumIdentifiant>2090663220123</NumIdentifiant><Cle>55</Cle><TypeMatricule>NIR</TypeMatricule></IdIndividu><OID>1.2.250.1.213.1.4.8</OID><DateFin>2010-01-01</DateFin></INSHISTO>\
    <TIQ><NomNaissance>ECETINSI</NomNaissance><Prenom>PIERRE-ALAIN</Prenom><ListePrenom>PIERRE-ALAIN MURIEL FLORIANT</ListePrenom><Sexe>M</Sexe><DateNaissance>2009-07-14</DateNaissance><LieuNaissance>63220</LieuNaissance></TIQ>\
    </INDIVIDU></RESULTAT>";

const HERMANN: &str = "<RESULTAT xmlns=\"http://www.cnamts.fr/INSiResultat\"><CR><CodeCR>00</CodeCR><LibelleCR>OK</LibelleCR></CR>\
    <INDIVIDU><INSACTIF><IdIndividu><NumIdentifiant>1810363220456</NumIdentifiant><Cle>60</Cle></IdIndividu><OID>1.2.250.1.213.1.4.8</OID></INSACTIF>\
    <INSHISTO><IdIndividu><NumIdentifiant>2810363220456</NumIdentifiant><Cle>10</Cle></IdIndividu><OID>1.2.250.1.213.1.4.8</OID></INSHISTO>\
    <TIQ><NomNaissance>HERMANN</NomNaissance><ListePrenom>GATIEN</ListePrenom><Sexe>M</Sexe><DateNaissance>1981-03-24</DateNaissance><LieuNaissance>63220</LieuNaissance></TIQ>\
    </INDIVIDU></RESULTAT>";

const FAULT_550: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\"><env:Body xmlns:env=\"http://www.w3.org/2003/05/soap-envelope\"><soap:Fault><soap:Code><soap:Value>soap:Sender</soap:Value><soap:Subcode><soap:Value>soap:siram_100</soap:Value></soap:Subcode></soap:Code><soap:Reason><soap:Text xml:lang=\"fr\">L'accès par ce progiciel au service n'est pas autorisé. Contactez l'éditeur du progiciel ou votre responsable informatique.</soap:Text></soap:Reason><soap:Detail><siram:Erreur code=\"desir_550\" messageID=\"uuid:b3549edd-4ae9-472a-b26f-fd2fb4ef397f\" severite=\"erreur\" xmlns:siram=\"urn:siram\">Numéro d'autorisation du logiciel inconnu.</siram:Erreur></soap:Detail></soap:Fault></env:Body></soap:Envelope>";

#[test]
fn code_02_with_prefixed_namespaces() {
    let r = soap::parse_response(200, envelope(CR02).as_bytes()).expect("parses");
    assert_eq!(r.outcome, InsiOutcome::Several);
    assert!(r.warnings.is_empty());
    assert!(r.explanation().contains("plusieurs identités"));
}

#[test]
fn code_00_with_history_and_dates_in_any_order() {
    let r = soap::parse_response(200, envelope(PIERRE_ALAIN).as_bytes()).expect("parses");
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    let id = r.outcome.identity().expect("identity");
    let ins = id.ins().expect("checked INS");
    assert_eq!(ins.matricule().to_string(), "109076322083489");
    assert_eq!(ins.oid(), InsOid::InsNir);
    assert_eq!(id.history.len(), 2);
    assert_eq!(id.history[0].type_matricule.as_deref(), Some("NIR"));
    assert_eq!(id.history[1].matricule.as_str(), "209066322012355");
    assert_eq!(
        id.history[1].valid_from.map(|d| d.to_string()).as_deref(),
        Some("2009-07-14")
    );
    assert!(id.history[1].valid_until.is_some());
    let traits = id.traits.to_traits().expect("traits");
    assert_eq!(traits.first_given_name().as_str(), "PIERRE-ALAIN");
    assert_eq!(traits.birth_given_names().len(), 3);
    assert_eq!(traits.birth_place().map(|p| p.as_str()), Some("63220"));
}

#[test]
fn bad_keys_are_warnings_not_errors() {
    let r = soap::parse_response(200, envelope(HERMANN).as_bytes()).expect("parses");
    let id = r.outcome.identity().expect("identity");
    assert!(id.ins().is_none(), "a wrong key never gives a checked INS");
    assert_eq!(id.active.matricule.as_str(), "181036322045660");
    assert_eq!(
        r.warnings,
        vec![
            ResponseWarning::KeyMismatch {
                position: InsPosition::Active,
                matricule: "181036322045660".into(),
                expected_key: 76
            },
            ResponseWarning::KeyMismatch {
                position: InsPosition::History(0),
                matricule: "281036322045610".into(),
                expected_key: 26
            },
        ]
    );
    assert!(r.warnings[0].explanation().contains("clé"));
    // The traits are still usable (first given name from the list).
    assert_eq!(
        id.traits
            .to_traits()
            .expect("traits")
            .first_given_name()
            .as_str(),
        "GATIEN"
    );
}

#[test]
fn other_warnings() {
    let body = PIERRE_ALAIN
        .replace(
            "<OID>1.2.250.1.213.1.4.8</OID></INSACTIF>",
            "<OID>1.2.250.1.213.1.4.2</OID></INSACTIF>",
        )
        .replace("<LibelleCR>OK</LibelleCR>", "<LibelleCR>Trouve</LibelleCR>")
        .replace("<Sexe>M</Sexe>", "<Sexe>X</Sexe>")
        .replace(
            "<NumIdentifiant>2090763220834</NumIdentifiant>",
            "<NumIdentifiant>20907632208</NumIdentifiant>",
        );
    let r = soap::parse_response(200, envelope(&body).as_bytes()).expect("parses");
    let kinds: Vec<&str> = r
        .warnings
        .iter()
        .map(|w| match w {
            ResponseWarning::UnexpectedLabel { .. } => "label",
            ResponseWarning::UnknownOid { .. } => "oid",
            ResponseWarning::InvalidTraits { .. } => "traits",
            ResponseWarning::UnreadableHistory { .. } => "history",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, ["label", "oid", "history", "traits"]);
    let id = r.outcome.identity().expect("identity");
    assert!(id.ins().is_none());
    assert_eq!(id.history.len(), 1);
}

#[test]
fn missing_key_is_computed() {
    let body = HERMANN.replace("<Cle>60</Cle>", "");
    let r = soap::parse_response(200, envelope(&body).as_bytes()).expect("parses");
    let id = r.outcome.identity().expect("identity");
    assert_eq!(id.active.matricule.as_str(), "181036322045676");
    assert!(id.ins().is_some());
}

#[test]
fn faults() {
    let e = soap::parse_response(500, FAULT_550.as_bytes()).expect_err("fault");
    let InsiError::Fault(f) = &e else {
        panic!("expected a fault, got {e:?}")
    };
    assert_eq!(f.code, FaultCode::Sender);
    assert_eq!(f.subcode.as_deref(), Some("siram_100"));
    assert!(f.reason.starts_with("L'accès par ce progiciel"));
    let d = f.detail.as_ref().expect("detail");
    assert_eq!(d.severity, "erreur");
    assert_eq!(
        d.message_id.as_deref(),
        Some("uuid:b3549edd-4ae9-472a-b26f-fd2fb4ef397f")
    );
    assert_eq!(d.text, "Numéro d'autorisation du logiciel inconnu.");
    assert_eq!(f.known(), Some(KnownFault::UnknownSoftware));
    assert!(!e.is_transient());
    assert!(e.explanation().contains("éditeur"));
    // A fault with a 200 status is still a fault.
    assert!(matches!(
        soap::parse_response(200, FAULT_550.as_bytes()),
        Err(InsiError::Fault(_))
    ));
}

#[test]
fn bad_answers_are_typed_errors() {
    let malformed = |status: u16, body: &str| soap::parse_response(status, body.as_bytes());
    assert!(matches!(
        malformed(503, "<html><body>Service Unavailable</body></html>"),
        Err(InsiError::HttpStatus { status: 503, .. })
    ));
    assert!(matches!(
        malformed(502, "Bad gateway"),
        Err(InsiError::HttpStatus { status: 502, .. })
    ));
    assert!(matches!(
        malformed(200, "not xml"),
        Err(InsiError::MalformedResponse { .. })
    ));
    assert!(matches!(
        malformed(200, ""),
        Err(InsiError::MalformedResponse { .. })
    ));
    let soap11 =
        "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body/></s:Envelope>";
    let e = malformed(200, soap11).expect_err("soap 1.1");
    assert!(e.to_string().contains("SOAP 1.1"), "{e}");
    let unknown = envelope(&CR02.replace(">02<", ">07<"));
    assert!(matches!(
        malformed(200, &unknown),
        Err(InsiError::UnknownResultCode { code, .. }) if code == "07"
    ));
    let no_individu = envelope(&CR02.replace(">02<", ">00<"));
    assert!(matches!(
        malformed(200, &no_individu),
        Err(InsiError::MalformedResponse { reason }) if reason.contains("INDIVIDU")
    ));
    let bad_active = envelope(&PIERRE_ALAIN.replace(
        "<NumIdentifiant>1090763220834</NumIdentifiant>",
        "<NumIdentifiant>X</NumIdentifiant>",
    ));
    assert!(matches!(
        malformed(200, &bad_active),
        Err(InsiError::MalformedResponse { reason }) if reason.contains("INSACTIF")
    ));
    let xxe = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\"><soap:Body>&e;</soap:Body></soap:Envelope>";
    assert!(matches!(
        malformed(200, xxe),
        Err(InsiError::MalformedResponse { reason }) if reason.contains("document type")
    ));
    let other = envelope("<x:Other xmlns:x=\"urn:x\"/>");
    assert!(matches!(
        malformed(200, &other),
        Err(InsiError::MalformedResponse { .. })
    ));
}

fn headers_for(software: &SoftwareIdentity) -> RequestHeaders<'_> {
    RequestHeaders {
        software,
        emitter: "10003612545",
        message_id: "uuid:11111111-2222-4333-8444-555555555555",
        lps_context_id: "lps-id",
        bam_context_id: "bam-id",
        now: time::macros::datetime!(2025-03-04 05:06:07.089 +01:00),
        security: Some(
            "<Assertion xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_x\" IssueInstant=\"2025-03-04T04:06:07.089Z\" Version=\"2.0\"><Issuer>i</Issuer><Subject><NameID NameQualifier=\"PSC\">810003612545</NameID></Subject></Assertion>",
        ),
    }
}

#[test]
fn request_round_trip_through_the_service_side() {
    let software = SoftwareIdentity::new("IDAM&<1>", "2.1", "Logiciel \"Test\"", "poste-7");
    let q = TraitsQuery::new(
        FamilyName::parse("D'ARTAGNAN--DE LA TOUR").expect("name"),
        GivenName::parse("JEAN PIERRE").expect("given"),
        Sex::Male,
        BirthDate::parse("1980-00-00").expect("date"),
        Some("2B020".parse().expect("place")),
    )
    .expect("query");
    let xml = soap::build_request(&Query::Traits(q), &headers_for(&software));
    let p = soap::parse_request(xml.as_bytes()).expect("parses");
    assert!(p.header_problems().is_empty(), "{:?}", p.header_problems());
    assert_eq!(
        p.action.as_deref(),
        Some(Operation::SearchByTraits.action())
    );
    let lps = p.lps.as_ref().expect("lps");
    assert_eq!(lps.idam.as_deref(), Some("IDAM&<1>"));
    assert_eq!(lps.name.as_deref(), Some("Logiciel \"Test\""));
    assert_eq!(lps.temps.as_deref(), Some("2025-03-04T04:06:07.089Z"));
    assert_eq!(lps.emitter.as_deref(), Some("10003612545"));
    let bam = p.bam.as_ref().expect("bam");
    assert!(bam.has_coverage);
    let a = p.assertion.as_ref().expect("assertion");
    assert_eq!(a.name_qualifier.as_deref(), Some("PSC"));
    assert!(!a.signed);
    match &p.query {
        soap::ReceivedQuery::Traits {
            birth_family_name,
            given_names,
            sex,
            birth_date,
            birth_place,
        } => {
            assert_eq!(birth_family_name.as_deref(), Some("D'ARTAGNAN--DE LA TOUR"));
            assert_eq!(given_names, &vec!["JEAN PIERRE".to_owned()]);
            assert_eq!(sex.as_deref(), Some("M"));
            // Unknown day and month: the substituted date is sent.
            assert_eq!(birth_date.as_deref(), Some("1980-12-31"));
            assert_eq!(birth_place.as_deref(), Some("2B020"));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(
        soap::content_type(Operation::SearchByTraits),
        "application/soap+xml; charset=utf-8; action=\"urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecTraitsIdentite\""
    );
}

#[test]
fn vitale_request() {
    let software = SoftwareIdentity::new("IDAM", "1", "n", "i");
    let q = VitaleQuery {
        individual: None,
        ouvrant_droit: Some("185057512345673".parse().expect("nir")),
        birth_family_name: None,
        birth_date: Some(LunarDate::parse("2015-00-31").expect("lunar")),
        birth_rank: Some(2),
    };
    q.check().expect("complete");
    let mut h = headers_for(&software);
    h.security = None;
    let xml = soap::build_request(&Query::Vitale(q), &h);
    assert!(!xml.contains("Security"));
    let p = soap::parse_request(xml.as_bytes()).expect("parses");
    assert_eq!(
        p.action.as_deref(),
        Some(Operation::SearchWithVitale.action())
    );
    match p.query {
        soap::ReceivedQuery::Vitale {
            individual,
            ouvrant_droit,
            birth_date,
            birth_rank,
            ..
        } => {
            assert!(individual.is_none());
            assert_eq!(ouvrant_droit.expect("od").joined(), "185057512345673");
            assert_eq!(birth_date.as_deref(), Some("2015-00-31"));
            assert_eq!(birth_rank.as_deref(), Some("2"));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(VitaleQuery::default().check().is_err());
    assert!(
        VitaleQuery {
            ouvrant_droit: Some("185057512345673".parse().expect("nir")),
            ..Default::default()
        }
        .check()
        .is_err()
    );
    assert!(LunarDate::parse("2015-13-01").is_err());
    assert!(LunarDate::parse("15-01-01").is_err());
}

#[test]
fn incomplete_requests_are_reported() {
    let body = "<soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\"><soap:Header>\
        <wsa:Action xmlns:wsa=\"http://www.w3.org/2005/08/addressing\">urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecCarteVitale</wsa:Action></soap:Header>\
        <soap:Body><r:RECSANSVITALE xmlns:r=\"http://www.cnamts.fr/INSiRecSans\"><r:NomNaissance>X</r:NomNaissance></r:RECSANSVITALE></soap:Body></soap:Envelope>";
    let p = soap::parse_request(body.as_bytes()).expect("parses");
    let problems = p.header_problems().join("; ");
    assert!(problems.contains("does not match the body"), "{problems}");
    assert!(problems.contains("MessageID"));
    assert!(problems.contains("ContexteLPS"));
    assert!(problems.contains("ContexteBAM"));
    assert!(soap::parse_request(b"<x/>").is_err());
    let other = "<soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\"><soap:Body><x/></soap:Body></soap:Envelope>";
    assert!(soap::parse_request(other.as_bytes()).is_err());
}

#[test]
fn service_side_round_trip_of_answers_and_faults() {
    let r = soap::parse_response(200, envelope(PIERRE_ALAIN).as_bytes()).expect("parses");
    let again = soap::build_result(&r.outcome, None);
    let r2 = soap::parse_response(200, again.as_bytes()).expect("reparses");
    assert_eq!(r.outcome, r2.outcome);
    let f = match soap::parse_response(500, FAULT_550.as_bytes()) {
        Err(InsiError::Fault(f)) => f,
        other => panic!("{other:?}"),
    };
    let again = soap::build_fault(&f);
    assert_eq!(
        soap::parse_response(500, again.as_bytes()),
        Err(InsiError::Fault(f))
    );
    for code in [ResultCode::NotFound, ResultCode::Several] {
        let outcome = match code {
            ResultCode::NotFound => InsiOutcome::NotFound,
            _ => InsiOutcome::Several,
        };
        let xml = soap::build_result(&outcome, None);
        let r = soap::parse_response(200, xml.as_bytes()).expect("parses");
        assert_eq!(r.outcome.code(), code);
        assert!(r.warnings.is_empty());
    }
}

proptest! {
    /// Whatever the traits, the request the client writes is read back
    /// identically by the service side.
    #[test]
    fn traits_requests_round_trip(
        family in "[A-Z]{1,10}( [A-Z]{1,10})?",
        given in "[A-Z]{1,10}(-[A-Z]{1,10})?",
        day in 1u8..=28, month in 1u8..=12, year in 1900i32..2020,
        female in any::<bool>(),
    ) {
        let software = SoftwareIdentity::new("IDAM", "1", "n", "i");
        let date = BirthDate::from_parts(year, Some(month), Some(day)).expect("date");
        let q = TraitsQuery::new(
            FamilyName::parse(&family).expect("family"),
            GivenName::parse(&given).expect("given"),
            if female { Sex::Female } else { Sex::Male },
            date,
            None,
        ).expect("query");
        let xml = soap::build_request(&Query::Traits(q), &headers_for(&software));
        let p = soap::parse_request(xml.as_bytes()).expect("parses");
        match p.query {
            soap::ReceivedQuery::Traits { birth_family_name, given_names, birth_date, .. } => {
                prop_assert_eq!(birth_family_name, Some(family));
                prop_assert_eq!(given_names, vec![given]);
                prop_assert_eq!(birth_date, Some(date.to_iso()));
            }
            _ => prop_assert!(false),
        }
    }

    /// Arbitrary bytes never panic the response parser.
    #[test]
    fn response_parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512), status in 100u16..600) {
        let _ = soap::parse_response(status, &bytes);
        let _ = soap::parse_request(&bytes);
    }
}
