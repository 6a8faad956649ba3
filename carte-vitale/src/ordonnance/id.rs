//! The unique prescription identifier: generation from a configurable
//! template, validation, and the default format.
//!
//! The official format (length, charset, check character, embedded data) is
//! in the CNAM e-prescription specification, which is not public
//! (UNCONFIRMED). The generator is therefore driven by an [`IdTemplate`], and
//! [`PrescriptionId`] itself only enforces what any format needs on a
//! printed, scanned and typed prescription: 1 to 64 characters from
//! `0-9 A-Z -` (the QR *alphanumeric* set, so QR codes stay small, and no
//! lower case to mistype).
//!
//! # Template syntax
//!
//! Literals `0-9 A-Z -` and tokens, each of fixed length:
//!
//! | token | length | content |
//! |---|---|---|
//! | `{time}` | 10 | milliseconds since 1970 (UTC), Crockford base 32 (sorts by time) |
//! | `{rand:N}` | N (1–32) | random Crockford base-32 characters (5 bits each, from the system CSPRNG) |
//! | `{date}` | 8 | `YYYYMMDD` of `now` as given (pass local time for a local date) |
//! | `{seq:N}` | N (1–12) | decimal counter, zero-padded, from a [`SequenceSource`], one counter per rendered prefix (so `{date}{seq:5}` restarts every day) |
//! | `{rpps}` | 11 | the prescriber's RPPS |
//! | `{check}` | 1 | ISO 7064 MOD 37,36 check character over the preceding letters and digits; last token only |
//!
//! # Default format
//!
//! [`IdTemplate::DEFAULT`] = `{time}{rand:16}{check}`: 27 characters, e.g.
//! `01JQ7Z5M3K8D2VFQ4R6T9WXYB0N`. It needs no coordination between
//! workstations (80 random bits per millisecond), sorts by creation time,
//! reveals nothing about the patient nor the prescriber, avoids the
//! ambiguous letters I, L, O, U in its generated part, and its check
//! character catches every single mistyped character and most swaps when
//! a pharmacist types the number of an unreadable code.
//!
//! ```
//! use segur_carte_vitale::ordonnance::{IdContext, IdGenerator, IdTemplate};
//! let generator = IdGenerator::new(IdTemplate::default());
//! let id = generator.generate(&IdContext::new(time::OffsetDateTime::now_utc()))?;
//! assert_eq!(id.as_str().len(), 27);
//! assert_eq!(IdTemplate::default().check(id.as_str())?, id);
//! # Ok::<(), segur_carte_vitale::IdError>(())
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use ring::rand::{SecureRandom, SystemRandom};
use segur_ids::Rpps;
use time::OffsetDateTime;

use crate::error::IdError;

/// Longest identifier.
pub const MAX_ID_LEN: usize = 64;

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const ALNUM36: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

fn truncated(s: &str) -> String {
    s.chars().take(MAX_ID_LEN + 8).collect()
}

/// A prescription identifier: 1 to 64 characters `0-9 A-Z -`.
///
/// [`PrescriptionId::parse`] applies only these generic rules (lenient: an
/// identifier from another software or format is accepted); check an
/// identifier against a format with [`IdTemplate::check`].
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PrescriptionId(String);

impl PrescriptionId {
    /// Checks the generic rules.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let invalid = |reason: &str| IdError::Invalid {
            value: truncated(s),
            reason: reason.to_owned(),
        };
        if s.is_empty() {
            return Err(invalid("empty"));
        }
        if s.len() > MAX_ID_LEN {
            return Err(invalid("longer than 64 characters"));
        }
        if let Some(c) = s
            .chars()
            .find(|c| !(c.is_ascii_digit() || c.is_ascii_uppercase() || *c == '-'))
        {
            return Err(invalid(&format!("character {c:?} is not 0-9, A-Z or -")));
        }
        Ok(Self(s.to_owned()))
    }

    /// The identifier.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PrescriptionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for PrescriptionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrescriptionId({})", self.0)
    }
}

impl std::str::FromStr for PrescriptionId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl serde::Serialize for PrescriptionId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for PrescriptionId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// The ISO 7064 MOD 37,36 check character of the letters and digits of
/// `data` (other characters are skipped); `None` if `data` holds a
/// character outside `0-9 A-Z -`.
pub fn check_character(data: &str) -> Option<char> {
    const M: u32 = 36;
    let mut p = M;
    for c in data.bytes() {
        if c == b'-' {
            continue;
        }
        let v = ALNUM36.iter().position(|a| *a == c)? as u32;
        let mut s = (p + v) % M;
        if s == 0 {
            s = M;
        }
        p = (s * 2) % (M + 1);
    }
    let c = (M + 1 - p) % M;
    Some(char::from(ALNUM36[c as usize]))
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Time,
    Random(usize),
    Date,
    Sequence(usize),
    Rpps,
    Check,
}

impl Part {
    fn len(&self) -> usize {
        match self {
            Self::Literal(l) => l.len(),
            Self::Time => 10,
            Self::Random(n) | Self::Sequence(n) => *n,
            Self::Date => 8,
            Self::Rpps => 11,
            Self::Check => 1,
        }
    }
}

/// An identifier format (see the [module docs](self) for the syntax).
#[derive(Clone, PartialEq, Eq)]
pub struct IdTemplate {
    source: String,
    parts: Vec<Part>,
}

impl IdTemplate {
    /// The default format's source, `{time}{rand:16}{check}`.
    pub const DEFAULT: &'static str = "{time}{rand:16}{check}";

    /// Parses a template.
    pub fn parse(source: &str) -> Result<Self, IdError> {
        let bad = |reason: String| IdError::BadTemplate {
            template: truncated(source),
            reason,
        };
        let mut parts: Vec<Part> = Vec::new();
        let mut rest = source;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('{') {
                let end = after
                    .find('}')
                    .ok_or_else(|| bad("unclosed {".to_owned()))?;
                let token = &after[..end];
                rest = &after[end + 1..];
                let (name, arg) = match token.split_once(':') {
                    Some((n, a)) => (n, Some(a)),
                    None => (token, None),
                };
                let width = |lo: usize, hi: usize| -> Result<usize, IdError> {
                    let a = arg.ok_or_else(|| bad(format!("{{{name}}} needs a width")))?;
                    match a.parse::<usize>() {
                        Ok(n) if (lo..=hi).contains(&n) => Ok(n),
                        _ => Err(bad(format!("{{{name}:{a}}}: width {lo} to {hi}"))),
                    }
                };
                let part = match (name, arg) {
                    ("time", None) => Part::Time,
                    ("date", None) => Part::Date,
                    ("rpps", None) => Part::Rpps,
                    ("check", None) => Part::Check,
                    ("rand", _) => Part::Random(width(1, 32)?),
                    ("seq", _) => Part::Sequence(width(1, 12)?),
                    _ => return Err(bad(format!("unknown token {{{token}}}"))),
                };
                if parts.last() == Some(&Part::Check) {
                    return Err(bad("{check} must be last".to_owned()));
                }
                parts.push(part);
            } else {
                let c = rest.chars().next().unwrap_or_default();
                if !(c.is_ascii_digit() || c.is_ascii_uppercase() || c == '-') {
                    return Err(bad(format!("literal {c:?} is not 0-9, A-Z or -")));
                }
                if parts.last() == Some(&Part::Check) {
                    return Err(bad("{check} must be last".to_owned()));
                }
                match parts.last_mut() {
                    Some(Part::Literal(l)) => l.push(c),
                    _ => parts.push(Part::Literal(c.to_string())),
                }
                rest = &rest[c.len_utf8()..];
            }
        }
        let len: usize = parts.iter().map(Part::len).sum();
        if len == 0 || len > MAX_ID_LEN {
            return Err(bad(format!(
                "identifiers would be {len} characters (1 to 64)"
            )));
        }
        if parts == [Part::Check] {
            return Err(bad("a check character needs data before it".to_owned()));
        }
        Ok(Self {
            source: source.to_owned(),
            parts,
        })
    }

    /// The template's source text.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Length of every identifier of this format.
    pub fn id_len(&self) -> usize {
        self.parts.iter().map(Part::len).sum()
    }

    /// Whether the format has a check character.
    pub fn has_check(&self) -> bool {
        self.parts.last() == Some(&Part::Check)
    }

    /// Checks an identifier against this format (strict: every token's
    /// content and the check character).
    pub fn check(&self, s: &str) -> Result<PrescriptionId, IdError> {
        let id = PrescriptionId::parse(s)?;
        let wrong = |reason: String| IdError::Template {
            value: truncated(s),
            template: self.source.clone(),
            reason,
        };
        if s.len() != self.id_len() {
            return Err(wrong(format!(
                "{} characters, expected {}",
                s.len(),
                self.id_len()
            )));
        }
        let mut at = 0;
        for part in &self.parts {
            let field = &s[at..at + part.len()];
            let crockford = |f: &str| f.bytes().all(|b| CROCKFORD.contains(&b));
            match part {
                Part::Literal(l) if field != l => {
                    return Err(wrong(format!("expected {l:?} at {at}")));
                }
                Part::Time | Part::Random(_) if !crockford(field) => {
                    return Err(wrong(format!("{field:?} at {at} is not Crockford base 32")));
                }
                Part::Time if field.as_bytes()[0] > b'7' => {
                    return Err(wrong(format!("{field:?} at {at} is not a time")));
                }
                Part::Date => {
                    let ok = field.bytes().all(|b| b.is_ascii_digit())
                        && crate::serde_fmt::parse_date(&format!(
                            "{}-{}-{}",
                            &field[..4],
                            &field[4..6],
                            &field[6..]
                        ))
                        .is_some();
                    if !ok {
                        return Err(wrong(format!("{field:?} at {at} is not a YYYYMMDD date")));
                    }
                }
                Part::Sequence(_) if !field.bytes().all(|b| b.is_ascii_digit()) => {
                    return Err(wrong(format!("{field:?} at {at} is not a counter")));
                }
                Part::Rpps if Rpps::parse(field).is_err() => {
                    return Err(wrong(format!("{field:?} at {at} is not an RPPS")));
                }
                Part::Check => {
                    // Only 0-9 A-Z - reach here (PrescriptionId::parse).
                    let expected = check_character(&s[..at]).unwrap_or('?');
                    let found = field.chars().next().unwrap_or('?');
                    if expected != found {
                        return Err(IdError::CheckCharacter {
                            value: s.to_owned(),
                            expected,
                            found,
                        });
                    }
                }
                _ => {}
            }
            at += part.len();
        }
        Ok(id)
    }
}

impl Default for IdTemplate {
    fn default() -> Self {
        Self {
            source: Self::DEFAULT.to_owned(),
            parts: vec![Part::Time, Part::Random(16), Part::Check],
        }
    }
}

impl fmt::Display for IdTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl fmt::Debug for IdTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdTemplate({})", self.source)
    }
}

impl std::str::FromStr for IdTemplate {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Durable counters for `{seq:N}`. Implementations must never give the same
/// value twice for a scope, across restarts and processes.
pub trait SequenceSource: Send + Sync {
    /// The next value (from 1) of the counter named `scope`.
    fn next(&self, scope: &str) -> Result<u64, IdError>;
}

/// In-memory counters (tests, single-process hosts that persist elsewhere).
#[derive(Debug, Default)]
pub struct MemorySequence(Mutex<HashMap<String, u64>>);

impl SequenceSource for MemorySequence {
    fn next(&self, scope: &str) -> Result<u64, IdError> {
        let mut m = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let v = m.entry(scope.to_owned()).or_insert(0);
        *v += 1;
        Ok(*v)
    }
}

/// SQLite counters (table `segur_ordn_sequence`, one atomic upsert per value).
pub struct SqliteSequence {
    conn: Mutex<rusqlite::Connection>,
}

impl fmt::Debug for SqliteSequence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteSequence").finish_non_exhaustive()
    }
}

impl SqliteSequence {
    /// Opens (or creates) the counters in `path`.
    pub fn open(path: impl AsRef<std::path::Path>) -> Result<Self, IdError> {
        Self::new(rusqlite::Connection::open(path).map_err(gen_err)?)
    }

    /// Uses a connection (e.g. in memory).
    pub fn new(conn: rusqlite::Connection) -> Result<Self, IdError> {
        conn.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;
             CREATE TABLE IF NOT EXISTS segur_ordn_sequence (
                 scope TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL)",
        )
        .map_err(gen_err)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }
}

fn gen_err(e: rusqlite::Error) -> IdError {
    IdError::Generation(e.to_string())
}

impl SequenceSource for SqliteSequence {
    fn next(&self, scope: &str) -> Result<u64, IdError> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let v: i64 = conn
            .query_row(
                "INSERT INTO segur_ordn_sequence (scope, value) VALUES (?1, 1)
                 ON CONFLICT(scope) DO UPDATE SET value = value + 1 RETURNING value",
                [scope],
                |r| r.get(0),
            )
            .map_err(gen_err)?;
        u64::try_from(v).map_err(|_| IdError::Generation("negative counter".into()))
    }
}

/// What a generation may use besides the template.
#[derive(Debug, Clone, Copy)]
pub struct IdContext<'a> {
    /// Now (for `{time}` and `{date}`).
    pub now: OffsetDateTime,
    /// The prescriber (for `{rpps}`).
    pub prescriber: Option<&'a Rpps>,
}

impl<'a> IdContext<'a> {
    /// A context at `now`, without prescriber.
    pub fn new(now: OffsetDateTime) -> Self {
        Self {
            now,
            prescriber: None,
        }
    }

    /// With the prescriber's RPPS.
    pub fn with_prescriber(mut self, rpps: &'a Rpps) -> Self {
        self.prescriber = Some(rpps);
        self
    }
}

/// Generates identifiers of a template.
#[derive(Clone)]
pub struct IdGenerator {
    template: IdTemplate,
    sequence: Option<Arc<dyn SequenceSource>>,
    rng: SystemRandom,
}

impl fmt::Debug for IdGenerator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdGenerator")
            .field("template", &self.template)
            .finish_non_exhaustive()
    }
}

impl IdGenerator {
    /// A generator of `template` (with `{seq:N}`, give a sequence source).
    pub fn new(template: IdTemplate) -> Self {
        Self {
            template,
            sequence: None,
            rng: SystemRandom::new(),
        }
    }

    /// The counters for `{seq:N}`.
    pub fn with_sequence(mut self, sequence: Arc<dyn SequenceSource>) -> Self {
        self.sequence = Some(sequence);
        self
    }

    /// The template.
    pub fn template(&self) -> &IdTemplate {
        &self.template
    }

    /// A new identifier.
    pub fn generate(&self, ctx: &IdContext<'_>) -> Result<PrescriptionId, IdError> {
        let mut out = String::with_capacity(self.template.id_len());
        for part in &self.template.parts {
            match part {
                Part::Literal(l) => out.push_str(l),
                Part::Time => {
                    let ms = ctx.now.unix_timestamp_nanos().max(0) / 1_000_000;
                    let ms = u64::try_from(ms).unwrap_or(0);
                    for i in (0..10).rev() {
                        out.push(char::from(CROCKFORD[((ms >> (5 * i)) & 31) as usize]));
                    }
                }
                Part::Random(n) => {
                    let mut bytes = vec![0u8; *n];
                    self.rng
                        .fill(&mut bytes)
                        .map_err(|_| IdError::Generation("random source failed".into()))?;
                    // 256 is a multiple of 32: the low 5 bits are uniform.
                    out.extend(
                        bytes
                            .iter()
                            .map(|b| char::from(CROCKFORD[(b & 31) as usize])),
                    );
                }
                Part::Date => out.push_str(&format!(
                    "{:04}{:02}{:02}",
                    ctx.now.year(),
                    u8::from(ctx.now.month()),
                    ctx.now.day()
                )),
                Part::Sequence(n) => {
                    let source = self
                        .sequence
                        .as_ref()
                        .ok_or(IdError::MissingInput("a sequence source for {seq:N}"))?;
                    let v = source.next(&format!("{}|{}", self.template.source, out))?;
                    let s = format!("{v:0n$}");
                    if s.len() > *n {
                        return Err(IdError::Generation(format!(
                            "counter {out}… exceeded {n} digits"
                        )));
                    }
                    out.push_str(&s);
                }
                Part::Rpps => out.push_str(
                    ctx.prescriber
                        .ok_or(IdError::MissingInput("the prescriber's RPPS for {rpps}"))?
                        .as_str(),
                ),
                Part::Check => {
                    let c = check_character(&out)
                        .ok_or_else(|| IdError::Generation("unexpected character".into()))?;
                    out.push(c);
                }
            }
        }
        PrescriptionId::parse(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    #[test]
    fn default_format() {
        let g = IdGenerator::new(IdTemplate::default());
        let now = datetime!(2025-03-01 08:00 UTC);
        let a = g.generate(&IdContext::new(now)).expect("id");
        let b = g.generate(&IdContext::new(now)).expect("id");
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 27);
        assert_eq!(&a.as_str()[..10], &b.as_str()[..10], "same millisecond");
        let t = IdTemplate::default();
        assert_eq!(t, IdTemplate::parse(IdTemplate::DEFAULT).expect("parse"));
        t.check(a.as_str()).expect("valid");
        let later = g
            .generate(&IdContext::new(now + time::Duration::milliseconds(1)))
            .expect("id");
        assert!(later.as_str()[..10] > a.as_str()[..10], "sorts by time");
        // One mistyped character is caught.
        let mut typo = a.as_str().to_owned().into_bytes();
        typo[12] = if typo[12] == b'A' { b'B' } else { b'A' };
        let typo = String::from_utf8(typo).expect("ascii");
        assert!(t.check(&typo).is_err());
    }

    #[test]
    fn templates() {
        let seq = Arc::new(MemorySequence::default());
        let t = IdTemplate::parse("ORD-{date}-{rpps}-{seq:4}{check}").expect("template");
        assert_eq!(t.id_len(), 4 + 8 + 1 + 11 + 1 + 4 + 1);
        let g = IdGenerator::new(t.clone()).with_sequence(seq);
        let rpps = Rpps::parse("10003612545").expect("rpps");
        let ctx = IdContext::new(datetime!(2025-03-01 08:00 UTC)).with_prescriber(&rpps);
        let a = g.generate(&ctx).expect("a");
        assert_eq!(&a.as_str()[..29], "ORD-20250301-10003612545-0001");
        let b = g.generate(&ctx).expect("b");
        assert_eq!(&b.as_str()[25..29], "0002");
        t.check(b.as_str()).expect("valid");
        let next_day = IdContext::new(datetime!(2025-03-02 08:00 UTC)).with_prescriber(&rpps);
        assert_eq!(&g.generate(&next_day).expect("c").as_str()[25..29], "0001");
        assert!(matches!(
            g.generate(&IdContext::new(datetime!(2025-03-01 08:00 UTC))),
            Err(IdError::MissingInput(_))
        ));
        assert!(t.check("ORD-20250231-10003612545-0001X").is_err());
        assert!(matches!(
            IdGenerator::new(IdTemplate::parse("{seq:2}").expect("t"))
                .generate(&IdContext::new(datetime!(2025-03-01 08:00 UTC))),
            Err(IdError::MissingInput(_))
        ));
        let small = IdGenerator::new(IdTemplate::parse("S{seq:1}").expect("t"))
            .with_sequence(Arc::new(MemorySequence::default()));
        for _ in 0..9 {
            small
                .generate(&IdContext::new(datetime!(2025-03-01 08:00 UTC)))
                .expect("fits");
        }
        assert!(
            small
                .generate(&IdContext::new(datetime!(2025-03-01 08:00 UTC)))
                .is_err()
        );
        for bad in [
            "",
            "{check}",
            "{nope}",
            "{rand}",
            "{rand:0}",
            "{rand:33}",
            "{seq:13}",
            "a{time}",
            "{check}A",
            "{time",
            "{rand:32}{rand:32}{time}",
        ] {
            assert!(IdTemplate::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sqlite_sequence_survives_reopen() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("seq.db");
        {
            let s = SqliteSequence::open(&path).expect("open");
            assert_eq!(s.next("a").expect("1"), 1);
            assert_eq!(s.next("a").expect("2"), 2);
            assert_eq!(s.next("b").expect("1"), 1);
        }
        let s = SqliteSequence::open(&path).expect("reopen");
        assert_eq!(s.next("a").expect("3"), 3);
    }

    #[test]
    fn generic_rules() {
        assert!(PrescriptionId::parse("ABC-123").is_ok());
        assert!(PrescriptionId::parse("").is_err());
        assert!(PrescriptionId::parse("abc").is_err());
        assert!(PrescriptionId::parse("A B").is_err());
        assert!(PrescriptionId::parse(&"A".repeat(65)).is_err());
        assert!(serde_json::from_str::<PrescriptionId>("\"a\"").is_err());
    }

    proptest! {
        #[test]
        fn parse_and_check_never_panic(s in "\\PC{0,80}") {
            let _ = PrescriptionId::parse(&s);
            let _ = IdTemplate::default().check(&s);
            let _ = IdTemplate::parse(&s);
            let _ = check_character(&s);
        }

        #[test]
        fn template_parse_never_panics(s in "[{}a-z0-9:A-Z-]{0,40}") {
            if let Ok(t) = IdTemplate::parse(&s) {
                prop_assert!(t.id_len() >= 1 && t.id_len() <= MAX_ID_LEN);
                prop_assert_eq!(IdTemplate::parse(t.as_str()).ok(), Some(t));
            }
        }

        #[test]
        fn generated_ids_check_and_typos_are_caught(
            ms in 0i64..4_000_000_000_000,
            pos in 0usize..27,
            replacement in "[0-9A-Z]",
        ) {
            let now = OffsetDateTime::UNIX_EPOCH + time::Duration::milliseconds(ms);
            let t = IdTemplate::default();
            let id = IdGenerator::new(t.clone()).generate(&IdContext::new(now)).expect("id");
            prop_assert_eq!(t.check(id.as_str()).ok(), Some(id.clone()));
            let mut typo = id.as_str().to_owned();
            typo.replace_range(pos..pos + 1, &replacement);
            if typo != id.as_str() {
                prop_assert!(t.check(&typo).is_err());
            }
        }
    }
}
