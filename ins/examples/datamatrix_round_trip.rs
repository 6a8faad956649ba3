//! INS datamatrix round trip: a fictitious patient is qualified through the
//! RNIV state machine, its datamatrix is written as a PNG, then read back.
//!
//! ```sh
//! cargo run -p segur-ins --example datamatrix_round_trip [OUT.png]
//! ```
//!
//! It also writes the qualified identity record next to the image
//! (`OUT.png.identity.json`), the input of
//! `segur ins datamatrix encode --identity FILE.json -o OUT.png`.

use segur_ins::datamatrix::{self, Payload, PngOptions};
use segur_ins::{
    BirthDate, CollectionMethod, EventContext, Identity, IdentityDocumentType, IdentityEvent, Ins,
    InsOid, Nir, Sex, Traits,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // ANS test identity PAT-TROIS DOMINIQUE (fictitious, test OID .10).
    let traits = Traits::builder()
        .birth_family_name("Pat-Trois")
        .birth_given_names("Dominique Marie-Louise")
        .birth_date(BirthDate::parse("1979-03-28")?)
        .sex(Sex::Female)
        .birth_place("63220")
        .build()?;
    let now = time::OffsetDateTime::now_utc();
    let ctx = EventContext::new(now, "accueil");
    let mut identity = Identity::new(traits.clone(), CollectionMethod::SaisieManuelle, &ctx);

    // What an INSi client would report, then the passport check at the desk.
    let ins = Ins::new(Nir::parse("279035121518989")?, InsOid::Test);
    identity.apply(IdentityEvent::InsiSuccess { ins, traits }, &ctx)?;
    identity.apply(
        IdentityEvent::DocumentChecked {
            document: IdentityDocumentType::Passeport,
            exception: None,
        },
        &ctx,
    )?;
    println!("status: {}", identity.status().label());

    let payload = Payload::from_identity(&identity)?;
    let png = datamatrix::encode_png(&payload, &PngOptions::default())?;
    let matrix = payload.module_matrix()?;
    let out = std::env::args().nth(1).unwrap_or_else(|| {
        std::env::temp_dir()
            .join("ins-datamatrix.png")
            .display()
            .to_string()
    });
    std::fs::write(&out, &png)?;
    println!(
        "wrote {out}: {} bytes, {}x{} modules",
        png.len(),
        matrix.width(),
        matrix.height()
    );

    let record = format!("{out}.identity.json");
    std::fs::write(&record, serde_json::to_vec_pretty(&identity)?)?;
    println!("wrote {record}");

    let read = datamatrix::decode_image(&std::fs::read(&out)?)?;
    assert_eq!(read, payload);
    let scanned = read.scanned_identity();
    println!(
        "read back: {} {} born {} — INS {} ({}), from datamatrix: {}",
        scanned.traits.birth_family_name(),
        scanned.traits.first_given_name(),
        scanned.traits.birth_date().to_iso(),
        scanned.ins.matricule(),
        scanned.ins.oid().fhir_type_code(),
        scanned.from_datamatrix
    );
    // A scanned identity starts provisional until INSi confirms it.
    let new_record = Identity::from_scanned(scanned, &ctx);
    println!("new record status: {}", new_record.status());
    Ok(())
}
