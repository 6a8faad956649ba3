//! Audit trail: queries, exports, tamper detection, concurrent writers, crash
//! mid-write, and a proptest on the hash chain.

#![allow(clippy::unwrap_used)] // tests

use std::path::Path;

use proptest::prelude::*;
use rusqlite::Connection;
use segur_ssi::audit::{
    AuditEvent, AuditFilter, AuditKind, AuditTrail, ChainIssue, Checkpoint, MemoryAuditTrail,
    Outcome, SqliteAuditTrail, kinds, verify_records,
};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const T0: OffsetDateTime = datetime!(2026-03-01 08:00 UTC);

fn event(i: u64) -> AuditEvent {
    let kind: AuditKind = if i % 3 == 0 {
        kinds::LOGIN_SUCCESS
    } else {
        "dmp.document.consult".parse().unwrap()
    };
    AuditEvent::new(
        kind,
        format!("user-{}", i % 4),
        if i % 5 == 0 {
            Outcome::Failure
        } else {
            Outcome::Success
        },
        T0 + Duration::minutes(i as i64),
    )
    .with_patient(format!("PAT-{}", i % 2))
    .with_document(format!("1.2.250.1.999^DOC{i}"))
    .with_request_id(format!("req-{i}"))
    .with_detail("n", i.to_string())
}

fn filled(path: &Path, n: u64) -> SqliteAuditTrail {
    let t = SqliteAuditTrail::open(path).unwrap();
    for i in 1..=n {
        t.append(event(i)).unwrap();
    }
    t
}

/// Raw access, as an attacker with the file would have.
fn raw(path: &Path) -> Connection {
    let c = Connection::open(path).unwrap();
    c.execute_batch("DROP TRIGGER IF EXISTS audit_records_no_update; DROP TRIGGER IF EXISTS audit_records_no_delete;").unwrap();
    c
}

#[test]
fn append_query_export() {
    let dir = tempfile::tempdir().unwrap();
    let t = filled(&dir.path().join("a.db"), 12);
    assert_eq!(t.query(&AuditFilter::new()).unwrap().len(), 12);
    let p0 = t.query(&AuditFilter::new().patient("PAT-0")).unwrap();
    assert_eq!(p0.len(), 6);
    assert!(
        p0.iter()
            .all(|r| r.event.patient_ref.as_deref() == Some("PAT-0"))
    );
    assert_eq!(
        t.query(&AuditFilter::new().actor("user-1")).unwrap().len(),
        3
    );
    assert_eq!(
        t.query(&AuditFilter::new().kind(kinds::LOGIN_SUCCESS))
            .unwrap()
            .len(),
        4
    );
    assert_eq!(
        t.query(&AuditFilter::new().kind_prefix("dmp."))
            .unwrap()
            .len(),
        8
    );
    assert_eq!(
        t.query(&AuditFilter::new().kind_prefix("%")).unwrap().len(),
        0
    );
    assert_eq!(
        t.query(&AuditFilter::new().outcome(Outcome::Failure))
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        t.query(&AuditFilter::new().request_id("req-7")).unwrap()[0].seq,
        7
    );
    let period = t
        .query(&AuditFilter::new().period(T0 + Duration::minutes(3), T0 + Duration::minutes(6)))
        .unwrap();
    assert_eq!(period.iter().map(|r| r.seq).collect::<Vec<_>>(), [3, 4, 5]);
    let page = t.query(&AuditFilter::new().after_seq(10).limit(5)).unwrap();
    assert_eq!(page.iter().map(|r| r.seq).collect::<Vec<_>>(), [11, 12]);
    // Same semantics in memory.
    let mem = MemoryAuditTrail::new();
    for i in 1..=12 {
        mem.append(event(i)).unwrap();
    }
    for f in [
        AuditFilter::new()
            .patient("PAT-1")
            .outcome(Outcome::Success),
        AuditFilter::new().kind_prefix("auth.").limit(2),
    ] {
        let a: Vec<_> = t
            .query(&f)
            .unwrap()
            .into_iter()
            .map(|r| (r.seq, r.hash))
            .collect();
        let b: Vec<_> = mem
            .query(&f)
            .unwrap()
            .into_iter()
            .map(|r| (r.seq, r.hash))
            .collect();
        assert_eq!(a, b, "{f:?}");
    }

    let mut jsonl = Vec::new();
    assert_eq!(
        t.export_jsonl(&AuditFilter::new().patient("PAT-1"), &mut jsonl)
            .unwrap(),
        6
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(jsonl)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 6);
    assert_eq!(lines[0]["seq"], 1);
    assert_eq!(lines[0]["patient_ref"], "PAT-1");
    assert_eq!(lines[0]["occurred_at"], "2026-03-01T08:01:00Z");
    assert_eq!(lines[0]["hash"].as_str().unwrap().len(), 64);

    let mut csv = Vec::new();
    t.append(
        AuditEvent::new(
            kinds::HEALTH_DATA_EXPORT,
            "=HYPERLINK(\"x\")",
            Outcome::Success,
            T0,
        )
        .with_target("a,b"),
    )
    .unwrap();
    t.export_csv(&AuditFilter::new().after_seq(12), &mut csv)
        .unwrap();
    let csv = String::from_utf8(csv).unwrap();
    let mut lines = csv.split("\r\n");
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("seq,occurred_at,kind,actor,")
    );
    let row = lines.next().unwrap();
    assert!(
        row.starts_with(
            "13,2026-03-01T08:00:00Z,data.export,\"'=HYPERLINK(\"\"x\"\")\",success,,,,\"a,b\","
        ),
        "{row}"
    );

    let report = t.verify().unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.records, 13);
    assert_eq!(report.head.as_ref().unwrap().seq, 13);
}

#[test]
fn the_sdk_connection_cannot_update_or_delete() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db");
    filled(&path, 2);
    let c = Connection::open(&path).unwrap();
    assert!(
        c.execute("UPDATE audit_records SET actor = 'x'", [])
            .is_err()
    );
    assert!(c.execute("DELETE FROM audit_records", []).is_err());
}

#[test]
fn tamper_modify_is_pinpointed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db");
    let t = filled(&path, 10);
    raw(&path)
        .execute(
            "UPDATE audit_records SET actor = 'intrus' WHERE seq = 7",
            [],
        )
        .unwrap();
    assert_eq!(
        t.verify().unwrap().issues,
        [ChainIssue::Modified { seq: 7 }]
    );
}

#[test]
fn tamper_modify_with_recomputed_hash_breaks_the_next_link() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db");
    let t = filled(&path, 10);
    let rec7 = t
        .query(&AuditFilter::new().after_seq(6).limit(1))
        .unwrap()
        .remove(0);
    let mut forged = rec7.event.clone();
    forged.actor = "intrus".into();
    let prev: [u8; 32] = (0..32)
        .map(|i| u8::from_str_radix(&rec7.prev_hash[2 * i..2 * i + 2], 16).unwrap())
        .collect::<Vec<_>>()
        .try_into()
        .unwrap();
    let h: String = segur_ssi::audit::chain_hash(&prev, &forged)
        .unwrap()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    raw(&path)
        .execute(
            "UPDATE audit_records SET actor = 'intrus', hash = ?1 WHERE seq = 7",
            [&h],
        )
        .unwrap();
    assert_eq!(
        t.verify().unwrap().issues,
        [ChainIssue::BrokenLink { seq: 8 }]
    );
}

#[test]
fn tamper_delete_is_pinpointed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db");
    let t = filled(&path, 10);
    raw(&path)
        .execute("DELETE FROM audit_records WHERE seq IN (4, 5)", [])
        .unwrap();
    assert_eq!(
        t.verify().unwrap().issues,
        [ChainIssue::Missing {
            from_seq: 4,
            to_seq: 5
        }]
    );

    // Deleting the tail is caught by the head.
    raw(&path)
        .execute("DELETE FROM audit_records WHERE seq = 10", [])
        .unwrap();
    let issues = t.verify().unwrap().issues;
    assert_eq!(
        issues.last(),
        Some(&ChainIssue::HeadMismatch {
            head_seq: 10,
            last_seq: 9
        })
    );

    // Appending after a truncation keeps the evidence: the chain goes on from the head.
    let r = t.append(event(11)).unwrap();
    assert_eq!(r.seq, 11);
    let issues = t.verify().unwrap().issues;
    assert_eq!(
        issues,
        [
            ChainIssue::Missing {
                from_seq: 4,
                to_seq: 5
            },
            ChainIssue::Missing {
                from_seq: 10,
                to_seq: 10
            }
        ]
    );
}

#[test]
fn tamper_delete_and_renumber_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db");
    let t = filled(&path, 6);
    let c = raw(&path);
    c.execute("DELETE FROM audit_records WHERE seq = 3", [])
        .unwrap();
    c.execute("UPDATE audit_records SET seq = seq - 1 WHERE seq > 3", [])
        .unwrap();
    c.execute("UPDATE audit_head SET seq = 5", []).unwrap();
    assert_eq!(
        t.verify().unwrap().issues,
        [ChainIssue::BrokenLink { seq: 3 }]
    );
}

#[test]
fn tamper_reorder_is_pinpointed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db");
    let t = filled(&path, 8);
    let c = raw(&path);
    c.execute_batch("UPDATE audit_records SET seq = -1 WHERE seq = 3; UPDATE audit_records SET seq = 3 WHERE seq = 4; UPDATE audit_records SET seq = 4 WHERE seq = -1;").unwrap();
    let issues = t.verify().unwrap().issues;
    assert_eq!(
        issues.first(),
        Some(&ChainIssue::Reordered {
            seq: 3,
            links_to_seq: 4
        }),
        "{issues:?}"
    );
}

#[test]
fn checkpoints_catch_a_rewritten_trail() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db");
    let t = filled(&path, 5);
    let cp: Checkpoint = t.checkpoint().unwrap().unwrap();
    assert!(t.verify_from(&cp).unwrap().is_intact());
    t.append(event(6)).unwrap();
    assert!(t.verify_from(&cp).unwrap().is_intact());
    // Rewrite the whole trail consistently: only the checkpoint notices.
    drop(t);
    std::fs::remove_file(&path).unwrap();
    let _ = std::fs::remove_file(path.with_extension("db-wal"));
    let t = SqliteAuditTrail::open(&path).unwrap();
    for i in 1..=6 {
        t.append(event(i).with_detail("forged", "yes")).unwrap();
    }
    assert!(t.verify().unwrap().is_intact());
    assert_eq!(
        t.verify_from(&cp).unwrap().issues,
        [ChainIssue::CheckpointNotFound { seq: 5 }]
    );
}

#[test]
fn concurrent_writers_keep_a_linear_chain() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db");
    SqliteAuditTrail::open(&path).unwrap();
    let shared = std::sync::Arc::new(SqliteAuditTrail::open(&path).unwrap());
    let mut handles = Vec::new();
    for w in 0..4u64 {
        let path = path.clone();
        let shared = shared.clone();
        handles.push(std::thread::spawn(move || {
            // Two writers with their own connection, two sharing one.
            let own = SqliteAuditTrail::open(&path).unwrap();
            for i in 0..25 {
                let e = event(w * 100 + i);
                if w % 2 == 0 {
                    own.append(e).unwrap()
                } else {
                    shared.append(e).unwrap()
                };
            }
        }));
    }
    for h in handles {
        h.join().unwrap();
    }
    let t = SqliteAuditTrail::open(&path).unwrap();
    let report = t.verify().unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.records, 100);
    let seqs: Vec<u64> = t
        .query(&AuditFilter::new())
        .unwrap()
        .iter()
        .map(|r| r.seq)
        .collect();
    assert_eq!(seqs, (1..=100).collect::<Vec<_>>());
}

/// Child half of `crash_mid_write_leaves_a_verifiable_trail`: does nothing
/// unless run by it.
#[test]
fn crash_child_writer() {
    let Ok(db) = std::env::var("SEGUR_SSI_CRASH_CHILD_DB") else {
        return;
    };
    let t = filled(Path::new(&db), 3);
    drop(t);
    let mut c = Connection::open(&db).unwrap();
    let tx = c
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .unwrap();
    tx.execute(
        "INSERT INTO audit_records (seq, occurred_at_ns, kind, actor, outcome, details, prev_hash, hash) VALUES (4, 0, 'x', 'y', 'success', '{}', 'aa', 'bb')",
        [],
    )
    .unwrap();
    tx.execute("UPDATE audit_head SET seq = 4, hash = 'bb'", [])
        .unwrap();
    // Die in the middle of the transaction, as on a power cut or kill -9.
    std::process::abort();
}

#[test]
fn crash_mid_write_leaves_a_verifiable_trail() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "crash_child_writer",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("SEGUR_SSI_CRASH_CHILD_DB", &db)
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(!status.success(), "the child must have aborted");
    let t = SqliteAuditTrail::open(&db).unwrap();
    let report = t.verify().unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.records, 3);
    assert_eq!(t.append(event(4)).unwrap().seq, 4);
    assert!(t.verify().unwrap().is_intact());
}

#[derive(Debug, Clone)]
enum Tamper {
    Modify(usize),
    Delete(usize),
    Swap(usize, usize),
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn chain_detects_any_single_tampering(
        actors in prop::collection::vec("[a-z0-9]{0,8}", 2..16),
        pick in any::<prop::sample::Index>(),
        pick2 in any::<prop::sample::Index>(),
        op in 0u8..3,
    ) {
        let mem = MemoryAuditTrail::new();
        for (i, a) in actors.iter().enumerate() {
            mem.append(AuditEvent::new(kinds::LOGOUT, a.clone(), Outcome::Success, T0 + Duration::seconds(i as i64))).unwrap();
        }
        let original = mem.records();
        let head = mem.checkpoint().unwrap();
        prop_assert!(verify_records(&original, head.as_ref()).is_intact());
        let n = original.len();
        let i = pick.index(n);
        let tamper = match op {
            0 => Tamper::Modify(i),
            1 => Tamper::Delete(i),
            _ => {
                let j = pick2.index(n);
                if i == j { Tamper::Modify(i) } else { Tamper::Swap(i.min(j), i.max(j)) }
            }
        };
        let mut recs = original.clone();
        match tamper {
            Tamper::Modify(i) => recs[i].event.actor.push('!'),
            Tamper::Delete(i) => { recs.remove(i); }
            Tamper::Swap(i, j) => {
                recs.swap(i, j);
                recs[i].seq = i as u64 + 1;
                recs[j].seq = j as u64 + 1;
            }
        }
        let report = verify_records(&recs, head.as_ref());
        let first = report.first_issue().cloned();
        let expected = match tamper {
            Tamper::Modify(i) => ChainIssue::Modified { seq: i as u64 + 1 },
            Tamper::Delete(i) if i + 1 == n => ChainIssue::HeadMismatch { head_seq: n as u64, last_seq: n as u64 - 1 },
            Tamper::Delete(i) => ChainIssue::Missing { from_seq: i as u64 + 1, to_seq: i as u64 + 1 },
            Tamper::Swap(i, j) => ChainIssue::Reordered { seq: i as u64 + 1, links_to_seq: if j == i + 1 { j as u64 + 1 } else { j as u64 } },
        };
        prop_assert_eq!(first, Some(expected), "{:?}", tamper);
    }
}

#[test]
fn tamper_making_a_record_unreadable_is_pinpointed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db");
    let t = filled(&path, 6);
    raw(&path)
        .execute(
            "UPDATE audit_records SET outcome = 'approved', details = 'not json' WHERE seq = 4",
            [],
        )
        .unwrap();
    assert_eq!(
        t.verify().unwrap().issues,
        [ChainIssue::Modified { seq: 4 }]
    );
}
