//! Property tests of the MTOM/XOP encoder and decoder.

use proptest::prelude::*;
use segur_dmp::mtom::{self, Part};

fn part() -> impl Strategy<Value = Part> {
    (
        "[a-zA-Z0-9._ /-]{1,24}@[a-z]{1,8}",
        prop_oneof![
            Just("text/xml".to_owned()),
            Just("application/pdf".to_owned()),
            Just("application/octet-stream".to_owned())
        ],
        // Binary content, with CRLF and boundary-like sequences in it.
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..2048),
            proptest::collection::vec(
                prop_oneof![
                    Just(b"\r\n--".to_vec()),
                    Just(b"MIMEBoundary_".to_vec()),
                    Just(b"--\r\n\r\n".to_vec()),
                    proptest::collection::vec(any::<u8>(), 0..8)
                ],
                0..64
            )
            .prop_map(|v| v.concat()),
        ],
    )
        .prop_map(|(id, ct, body)| Part::new(id, ct, body))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn round_trip(root in "[ -~]{0,512}", parts in proptest::collection::vec(part(), 0..6)) {
        // Distinct content ids.
        let mut parts = parts;
        for (i, p) in parts.iter_mut().enumerate() {
            p.content_id = format!("{i}.{}", p.content_id);
        }
        let msg = mtom::encode(root.as_bytes(), &parts, Some("urn:ihe:iti:2007:RetrieveDocumentSet"));
        let back = mtom::decode(&msg.content_type, &msg.body).expect("decode what we encoded");
        prop_assert_eq!(&back.root, &root.as_bytes().to_vec());
        prop_assert_eq!(back.parts.len(), parts.len());
        for p in &parts {
            let got = back.part(&p.cid_url()).expect("part by cid url");
            prop_assert_eq!(&got.body, &p.body);
            prop_assert_eq!(&got.content_type, &p.content_type);
        }
    }

    #[test]
    fn decode_never_panics(ct in "multipart/related; boundary=[a-z]{1,6}( ; start=\"<[a-z]{1,4}>\")?", body in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = mtom::decode(&ct, &body);
    }

    #[test]
    fn decode_never_panics_on_mutated_messages(cut in 0usize..400, flip in 0usize..400) {
        let parts = vec![Part::new("a@x", "text/xml", b"<doc>content</doc>".to_vec())];
        let msg = mtom::encode(b"<soap/>", &parts, None);
        let mut body = msg.body.clone();
        if flip < body.len() { body[flip] ^= 0x5a; }
        body.truncate(cut.min(body.len()));
        let _ = mtom::decode(&msg.content_type, &body);
    }
}
