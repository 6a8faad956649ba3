//! Simulators (feature `sim`), for this crate's tests, the host's tests and
//! segur-conformance:
//!
//! - [`SimVitaleReader`]: an in-process Vitale reader (insert / remove a
//!   card, scripted failures);
//! - [`ApcvSimulator`]: a loopback apCV identification service (the phone
//!   side: [`ApcvSimulator::present_qr`], [`ApcvSimulator::present_nfc`]);
//! - [`EPrescriptionSimulator`]: a loopback e-prescription service with
//!   scripted behaviours (accept, delay, HTTP error, refusal);
//! - [`sample_family`]: a fictitious family card (twins, a lunar birth date).
//!
//! The HTTP simulators listen on `127.0.0.1:0`, take an injectable clock
//! (`segur_psc::SharedClock`), record every exchange ([`Exchange`]) and stop
//! when dropped. They speak the assumed wire formats documented in
//! [`crate::apcv`] and [`crate::eprescription`].

mod apcv;
mod eprescription;
mod reader;

pub use apcv::ApcvSimulator;
pub use eprescription::{EPrescriptionSimulator, SimBehaviour};
pub use reader::SimVitaleReader;

use std::net::SocketAddr;

use segur_ins::{BirthDate, Ins, InsOid, Nir, Sex, Traits};
use time::OffsetDateTime;
use time::macros::date;

use crate::vitale::{
    AmoAffiliation, ApcvIdentity, Beneficiary, BirthRank, CardSource, Quality, RightsPeriod,
    VitaleDate, VitaleName, VitaleRead,
};

/// One request a simulator answered.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Exchange {
    /// When it was answered (the simulator's clock).
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// HTTP method.
    pub method: String,
    /// Path.
    pub path: String,
    /// Status answered.
    pub status: u16,
    /// The `Idempotency-Key` header, if any.
    pub idempotency_key: Option<String>,
}

/// An axum router served on `127.0.0.1:0` until dropped: the transport both
/// HTTP simulators share.
#[derive(Debug)]
struct Loopback {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Loopback {
    async fn serve(router: axum::Router) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(Loopback { addr, task })
    }

    fn base_url(&self) -> String {
        format!("http://{}/", self.addr)
    }
}

impl Drop for Loopback {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn nir(base: &str) -> Nir {
    // Fixture bases are 13 digits with valid fields.
    Nir::from_base(base).unwrap_or_else(|_| unreachable_fixture(base))
}

#[cold]
fn unreachable_fixture(what: &str) -> ! {
    panic!("invalid built-in fixture {what}")
}

fn name(s: &str) -> VitaleName {
    VitaleName::parse(s).unwrap_or_else(|_| unreachable_fixture(s))
}

fn vdate(s: &str) -> VitaleDate {
    VitaleDate::parse(s).unwrap_or_else(|_| unreachable_fixture(s))
}

fn traits(family: &str, given: &str, birth: BirthDate, sex: Sex, place: &str) -> Traits {
    Traits::builder()
        .birth_family_name(family)
        .birth_given_names(given)
        .birth_date(birth)
        .sex(sex)
        .birth_place(place)
        .build()
        .unwrap_or_else(|_| unreachable_fixture(family))
}

fn complete(y: i32, m: u8, d: u8) -> BirthDate {
    BirthDate::from_parts(y, Some(m), Some(d)).unwrap_or_else(|_| unreachable_fixture("date"))
}

/// A fictitious family card (all NIRs are made up, with valid keys; INS under
/// the **test** OID):
///
/// | # | name | quality | birth date | rank | own NIR on card |
/// |---|---|---|---|---|---|
/// | 0 | TESTVITALE PAUL | assuré | 1979-03-28 | 1 | yes (the insured's) |
/// | 1 | TESTVITALE (born TESTNAISSANCE) CLAIRE | conjoint | 1981-07-14 | 1 | yes |
/// | 2 | TESTVITALE LEA | enfant | 2015-06-12 | 1 | no |
/// | 3 | TESTVITALE HUGO | enfant | 2015-06-12 | 2 | no (twin of LEA) |
/// | 4 | TESTAIEULE MARIE | other (1) | 1940-02-30 (lunar) | 1 | yes |
///
/// With an apCV `source`, every beneficiary but the grandmother (lunar
/// date) carries an apCV identity (INS + traits).
pub fn sample_family(source: CardSource, read_at: OffsetDateTime) -> VitaleRead {
    let insured = nir("1790363220123");
    let spouse = nir("2810775111045");
    let apcv = source.is_apcv();
    let rights = RightsPeriod::new(date!(2024 - 01 - 01), Some(date!(2026 - 12 - 31)))
        .unwrap_or_else(|_| unreachable_fixture("rights"));
    let with_ins = |b: Beneficiary, nir: Nir, t: Traits| {
        if apcv {
            b.with_apcv_identity(ApcvIdentity {
                ins: Ins::new(nir, InsOid::Test),
                traits: t,
            })
        } else {
            b
        }
    };
    let rank2 = BirthRank::new(2).unwrap_or_else(|_| unreachable_fixture("rank"));
    let beneficiaries = vec![
        with_ins(
            Beneficiary::new(
                name("TESTVITALE"),
                name("PAUL"),
                vdate("1979-03-28"),
                BirthRank::FIRST,
                Quality::Assure,
            )
            .with_nir(insured)
            .with_rights(rights),
            insured,
            traits(
                "TESTVITALE",
                "PAUL JEAN",
                complete(1979, 3, 28),
                Sex::Male,
                "63220",
            ),
        ),
        with_ins(
            Beneficiary::new(
                name("TESTVITALE"),
                name("CLAIRE"),
                vdate("1981-07-14"),
                BirthRank::FIRST,
                Quality::Conjoint,
            )
            .with_nir(spouse)
            .with_birth_name(name("TESTNAISSANCE"))
            .with_rights(rights),
            spouse,
            traits(
                "TESTNAISSANCE",
                "CLAIRE",
                complete(1981, 7, 14),
                Sex::Female,
                "75111",
            ),
        ),
        with_ins(
            Beneficiary::new(
                name("TESTVITALE"),
                name("LEA"),
                vdate("2015-06-12"),
                BirthRank::FIRST,
                Quality::Enfant,
            )
            .with_rights(rights),
            nir("2150675111201"),
            traits(
                "TESTVITALE",
                "LEA",
                complete(2015, 6, 12),
                Sex::Female,
                "75111",
            ),
        ),
        with_ins(
            Beneficiary::new(
                name("TESTVITALE"),
                name("HUGO"),
                vdate("2015-06-12"),
                rank2,
                Quality::Enfant,
            )
            .with_rights(rights),
            nir("1150675111202"),
            traits(
                "TESTVITALE",
                "HUGO",
                complete(2015, 6, 12),
                Sex::Male,
                "75111",
            ),
        ),
        Beneficiary::new(
            name("TESTAIEULE"),
            name("MARIE"),
            vdate("1940-02-30"),
            BirthRank::FIRST,
            Quality::Autre(1),
        )
        .with_nir(nir("2400299350007"))
        .with_rights(rights),
    ];
    VitaleRead::new(
        source,
        insured,
        AmoAffiliation::parse("01", "751", "0000").unwrap_or_else(|_| unreachable_fixture("amo")),
        beneficiaries,
        read_at,
    )
    .unwrap_or_else(|_| unreachable_fixture("family"))
}

/// A card with a single beneficiary: the insured person of
/// [`sample_family`] alone.
pub fn sample_single(source: CardSource, read_at: OffsetDateTime) -> VitaleRead {
    let family = sample_family(source, read_at);
    VitaleRead::new(
        source,
        *family.insured_nir(),
        *family.amo(),
        family.beneficiaries()[..1].to_vec(),
        read_at,
    )
    .unwrap_or_else(|_| unreachable_fixture("single"))
}
