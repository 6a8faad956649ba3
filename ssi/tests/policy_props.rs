//! Property tests of the password policy checker and the crypto policy.

#![allow(clippy::unwrap_used)] // tests

use proptest::prelude::*;
use segur_ssi::password::{PasswordContext, PasswordPolicy, estimate_entropy};
use segur_ssi::policy::{CryptoPolicy, KeyAlgorithm, SignatureAlgorithm};

const SPECIAL: &str = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ §€£";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Never panics, and "accepted" means "no finding".
    #[test]
    fn check_is_total(pw in "\\PC{0,200}", user in "\\PC{0,20}") {
        let c = PasswordPolicy::default().check(&pw, &PasswordContext::default().with(user));
        prop_assert_eq!(c.is_accepted(), c.findings.is_empty());
        prop_assert!(!c.explain().is_empty());
    }

    /// CNIL case 1: 12+ characters using the four classes reach 80 bits.
    #[test]
    fn four_classes_twelve_chars_reach_80_bits(
        lower in "[a-z]{3,6}", upper in "[A-Z]{3,6}", digits in "[0-9]{3,6}",
        special in prop::collection::vec(prop::sample::select(SPECIAL.chars().collect::<Vec<_>>()), 3..6),
    ) {
        let special: String = special.into_iter().collect();
        let pw = format!("{lower}{special}{upper}{digits}");
        prop_assume!(pw.chars().count() >= 12);
        prop_assert!(estimate_entropy(&pw) >= 80, "{} → {}", pw, estimate_entropy(&pw));
    }

    /// Appending a character never lowers the estimate.
    #[test]
    fn entropy_is_monotonic(pw in "\\PC{0,40}", c in any::<char>()) {
        let longer = format!("{pw}{c}");
        prop_assert!(estimate_entropy(&longer) >= estimate_entropy(&pw));
    }

    /// Below the minimum length (and not a passphrase) is always refused.
    #[test]
    fn short_passwords_are_refused(pw in "[A-Za-z0-9!#%&]{0,11}") {
        prop_assert!(!PasswordPolicy::default().check(&pw, &PasswordContext::default()).is_accepted());
    }

    /// Stricter presets never accept what the default refuses for length or entropy.
    #[test]
    fn privileged_is_never_weaker(pw in "[A-Za-z0-9!#%&]{0,24}") {
        let ctx = PasswordContext::default();
        let d = PasswordPolicy::default().check(&pw, &ctx);
        let p = PasswordPolicy::privileged().check(&pw, &ctx);
        if p.is_accepted() { prop_assert!(d.is_accepted()); }
    }

    /// RSA: refused exactly below 2048 bits or with a small exponent.
    #[test]
    fn rsa_thresholds(bits in 256u32..8192, exponent in prop::sample::select(vec![3u64, 17, 65537, 65539])) {
        let mut w = Vec::new();
        let r = CryptoPolicy::default().check_key(&KeyAlgorithm::Rsa { bits, exponent }, None, &mut w);
        prop_assert_eq!(r.is_ok(), bits >= 2048 && exponent >= 65537);
    }

    /// Arbitrary signature OIDs: only the known strong ones pass.
    #[test]
    fn unknown_signature_algorithms_are_refused(arcs in prop::collection::vec(0u32..100_000, 2..10)) {
        let oid = arcs.iter().map(u32::to_string).collect::<Vec<_>>().join(".");
        let alg = SignatureAlgorithm::from_oid(&oid);
        if matches!(alg, SignatureAlgorithm::Other(_)) {
            prop_assert!(CryptoPolicy::default().check_signature(&alg).is_err());
        }
    }
}

mod parsers {
    use proptest::prelude::*;
    use segur_ssi::audit::AuditKind;
    use segur_ssi::cert::IgcSanteCertificate;
    use segur_ssi::totp::TotpSecret;

    fn fixture() -> Vec<u8> {
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/cps-auth-test-like.der"
        ))
        .unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Corrupted certificates give an error or a value, never a panic.
        #[test]
        fn certificate_parser_survives_corruption(edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8), cut in any::<prop::sample::Index>()) {
            let mut der = fixture();
            for (i, b) in edits {
                let i = i.index(der.len());
                der[i] = b;
            }
            let _ = IgcSanteCertificate::from_der(&der);
            let n = cut.index(der.len());
            let _ = IgcSanteCertificate::from_der(&der[..n]);
        }

        #[test]
        fn pem_parser_is_total(text in "\\PC{0,300}") {
            let _ = IgcSanteCertificate::from_pem(text.as_bytes());
            let _ = IgcSanteCertificate::from_pem(format!("-----BEGIN CERTIFICATE-----\n{text}\n-----END CERTIFICATE-----\n").as_bytes());
        }

        /// Base32 secrets round-trip.
        #[test]
        fn totp_secret_base32_round_trip(bytes in prop::collection::vec(any::<u8>(), 16..64)) {
            let s = TotpSecret::from_bytes(&bytes).unwrap();
            let back = TotpSecret::from_base32(&s.to_base32()).unwrap();
            prop_assert_eq!(back.expose_bytes(), &bytes[..]);
        }

        /// Audit kinds: parse accepts exactly the grammar and round-trips.
        #[test]
        fn audit_kind_grammar(s in "\\PC{0,70}") {
            let valid = !s.is_empty() && s.len() <= 64
                && s.as_bytes()[0].is_ascii_lowercase()
                && s.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'_' | b'.' | b'-'));
            match AuditKind::new(s.clone()) {
                Ok(k) => { prop_assert!(valid); prop_assert_eq!(k.as_str(), s.as_str()); }
                Err(_) => prop_assert!(!valid),
            }
        }
    }
}
