//! Contract of `segur ins …`: exit codes 0 / 1 / 2, one line on stderr for
//! invalid input, and the `--json` shapes.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use std::process::{Command, Output};

use segur_ins::{
    BirthDate, CollectionMethod, EventContext, Identity, IdentityDocumentType, IdentityEvent, Ins,
    InsOid, Nir, Sex, Traits,
};

fn segur(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_segur"))
        .args(args)
        .output()
        .expect("runs segur")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exit code")
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).expect("JSON on stdout")
}

fn stderr_line(o: &Output) -> String {
    let s = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(s.trim_end().lines().count(), 1, "one line on stderr: {s:?}");
    s
}

const LOVELACE: &str = "IS010000000000000000000000S1185057512345673S21.2.250.1.213.1.4.8<GS>S3ADA<GS>S4LOVELACE<GS>S5FS610-12-1815S799100";

#[test]
fn nir_valid() {
    let o = segur(&["ins", "nir", "297022A02077878", "--json"]);
    assert_eq!(code(&o), 0);
    let v = json(&o);
    assert_eq!(v["valid"], true);
    assert_eq!(v["value"], "297022A02077878");
    assert_eq!(v["key"], "78");
    assert_eq!(v["key_computed"], false);
    assert_eq!(v["sex"], "F");
    assert_eq!(v["birth_year"], "97");
    assert_eq!(v["birth_month"], "02");
    assert_eq!(v["place"]["insee_code"], "2A020");
    assert_eq!(v["place"]["department"], "2A");
    assert_eq!(v["order"], "778");

    let human = segur(&["ins", "nir", "1 85 05 75 123 456 73"]);
    assert_eq!(code(&human), 0);
    assert!(String::from_utf8_lossy(&human.stdout).contains("valid: 185057512345673"));
}

#[test]
fn nir_base_gets_its_key() {
    let o = segur(&["--json", "ins", "nir", "1855099123001"]);
    assert_eq!(code(&o), 0);
    let v = json(&o);
    assert_eq!(v["value"], "185509912300118");
    assert_eq!(v["key_computed"], true);
    assert_eq!(v["birth_month_known"], false);
    assert_eq!(v["place"]["kind"], "abroad");
    assert_eq!(v["place"]["country"], "123");
}

#[test]
fn nir_invalid_exits_1() {
    let o = segur(&["ins", "nir", "295109912611199"]);
    assert_eq!(code(&o), 1);
    assert!(stderr_line(&o).contains("expected key 93"));
    assert!(o.stdout.is_empty());

    let o = segur(&["ins", "nir", "253072C07300443", "--json"]);
    assert_eq!(code(&o), 1);
    let v = json(&o);
    assert_eq!(v["valid"], false);
    assert!(v["error"].as_str().unwrap().contains("'C'"));
    stderr_line(&o);

    for bad in ["12345", "597022A02077878", "1851475123456"] {
        assert_eq!(code(&segur(&["ins", "nir", bad])), 1, "{bad}");
    }
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(code(&segur(&["ins", "nir"])), 2);
    assert_eq!(code(&segur(&["ins", "nir", "1", "2"])), 2);
    assert_eq!(code(&segur(&["ins", "datamatrix", "decode"])), 2);
    assert_eq!(
        code(&segur(&[
            "ins",
            "datamatrix",
            "decode",
            "x.png",
            "--payload",
            LOVELACE
        ])),
        2
    );
    assert_eq!(
        code(&segur(&["ins", "datamatrix", "encode", "-o", "x.png"])),
        2
    );
    let o = segur(&["ins", "datamatrix", "decode", "/nonexistent/dir/x.png"]);
    assert_eq!(code(&o), 2);
    stderr_line(&o);
    assert_eq!(code(&segur(&["ins", "--help"])), 0);
}

#[test]
fn decode_payload() {
    let o = segur(&[
        "ins",
        "datamatrix",
        "decode",
        "--payload",
        LOVELACE,
        "--json",
    ]);
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    let v = json(&o);
    assert_eq!(v["matricule"], "185057512345673");
    assert_eq!(v["oid"], "1.2.250.1.213.1.4.8");
    assert_eq!(v["given_names"], "ADA");
    assert_eq!(v["first_given_name"], "ADA");
    assert_eq!(v["birth_family_name"], "LOVELACE");
    assert_eq!(v["sex"], "F");
    assert_eq!(v["birth_date"], "1815-12-10");
    assert_eq!(v["birth_place"], "99100");
    assert_eq!(v["from_datamatrix"], true);

    // Real GS characters work too.
    let real = LOVELACE.replace("<GS>", "\u{1d}");
    assert_eq!(
        code(&segur(&["ins", "datamatrix", "decode", "--payload", &real])),
        0
    );

    let o = segur(&[
        "ins",
        "datamatrix",
        "decode",
        "--payload",
        &LOVELACE.replace("673S2", "674S2"),
    ]);
    assert_eq!(code(&o), 1);
    assert!(stderr_line(&o).contains("S1"));
}

fn qualified_identity() -> Identity {
    let traits = Traits::builder()
        .birth_family_name("PAT-TROIS")
        .birth_given_names("DOMINIQUE MARIE-LOUISE")
        .birth_date(BirthDate::parse("1979-03-28").unwrap())
        .sex(Sex::Female)
        .birth_place("63220")
        .build()
        .unwrap();
    let ctx = EventContext::new(time::OffsetDateTime::UNIX_EPOCH, "cli-test");
    let mut id = Identity::new(traits.clone(), CollectionMethod::SaisieManuelle, &ctx);
    let ins = Ins::new(Nir::parse("279035121518989").unwrap(), InsOid::Test);
    id.apply(IdentityEvent::InsiSuccess { ins, traits }, &ctx)
        .unwrap();
    id.apply(
        IdentityEvent::DocumentChecked {
            document: IdentityDocumentType::CarteNationaleIdentite,
            exception: None,
        },
        &ctx,
    )
    .unwrap();
    id
}

#[test]
fn encode_then_decode_image() {
    let dir = tempfile::tempdir().unwrap();
    let id_path = dir.path().join("identity.json");
    let png_path = dir.path().join("ins.png");
    std::fs::write(&id_path, serde_json::to_vec(&qualified_identity()).unwrap()).unwrap();
    let (id_s, png_s) = (id_path.to_str().unwrap(), png_path.to_str().unwrap());

    let o = segur(&[
        "ins",
        "datamatrix",
        "encode",
        "--identity",
        id_s,
        "-o",
        png_s,
        "--json",
    ]);
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    let v = json(&o);
    assert_eq!(v["modules"], 36);
    assert!(v["payload"].as_str().unwrap().starts_with("IS01"));
    assert!(std::fs::read(&png_path).unwrap().starts_with(b"\x89PNG"));

    let o = segur(&["ins", "datamatrix", "decode", png_s, "--json"]);
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    let v = json(&o);
    assert_eq!(v["matricule"], "279035121518989");
    assert_eq!(v["oid"], "1.2.250.1.213.1.4.10");
    assert_eq!(v["production"], false);
    assert_eq!(v["given_names"], "DOMINIQUE MARIE-LOUISE");
    assert_eq!(v["birth_date"], "1979-03-28");

    // Not an image / no symbol: invalid input.
    let o = segur(&["ins", "datamatrix", "decode", id_s]);
    assert_eq!(code(&o), 1);
    stderr_line(&o);
}

#[test]
fn encode_refuses_non_qualified_or_forged_identities() {
    let dir = tempfile::tempdir().unwrap();
    let id_path = dir.path().join("identity.json");
    let png_path = dir.path().join("ins.png");
    let (id_s, png_s) = (id_path.to_str().unwrap(), png_path.to_str().unwrap());
    let encode = || {
        segur(&[
            "ins",
            "datamatrix",
            "encode",
            "--identity",
            id_s,
            "-o",
            png_s,
        ])
    };

    let ctx = EventContext::new(time::OffsetDateTime::UNIX_EPOCH, "cli-test");
    let provisional = Identity::new(
        qualified_identity().traits().clone(),
        CollectionMethod::SaisieManuelle,
        &ctx,
    );
    std::fs::write(&id_path, serde_json::to_vec(&provisional).unwrap()).unwrap();
    let o = encode();
    assert_eq!(code(&o), 1);
    assert!(stderr_line(&o).contains("not qualified"));

    // A record claiming QUAL without its document check.
    let mut forged = serde_json::to_value(qualified_identity()).unwrap();
    forged.as_object_mut().unwrap().remove("document_check");
    std::fs::write(&id_path, serde_json::to_vec(&forged).unwrap()).unwrap();
    assert_eq!(code(&encode()), 1);

    std::fs::write(&id_path, b"{not json").unwrap();
    assert_eq!(code(&encode()), 1);
    assert!(!png_path.exists());

    std::fs::remove_file(&id_path).unwrap();
    assert_eq!(code(&encode()), 2);
}
