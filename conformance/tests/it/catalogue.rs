//! The embedded catalogue matches `shared/rem/requirements.csv` exactly.

use segur_conformance::catalogue::{CATALOGUE, REQUIREMENT_COUNT};

fn shared_dir() -> std::path::PathBuf {
    std::env::var_os("SEGUR_SHARED")
        .map(Into::into)
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared").into())
}

/// Splits one CSV line, honouring double-quoted fields with `""` escapes.
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if field.is_empty() => quoted = true,
            (',', false) => fields.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    fields.push(field);
    fields
}

#[test]
fn csv_parser_handles_quotes() {
    assert_eq!(
        csv_fields(r#"a,"b,c","d ""e""",f"#),
        ["a", "b,c", r#"d "e""#, "f"]
    );
}

#[test]
fn embedded_catalogue_matches_the_csv() {
    let path = shared_dir().join("rem/requirements.csv");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {} (set SEGUR_SHARED): {e}", path.display()));
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header = csv_fields(lines.next().expect("header line"));
    assert_eq!(header[..4], ["id", "theme", "crate", "check"]);
    let rows: Vec<Vec<String>> = lines.map(csv_fields).collect();
    assert_eq!(
        rows.len(),
        REQUIREMENT_COUNT,
        "the CSV has {} rows",
        rows.len()
    );
    for (i, (row, r)) in rows.iter().zip(CATALOGUE.iter()).enumerate() {
        let line = i + 2;
        assert_eq!(row[0], r.id, "line {line}: id");
        assert_eq!(row[1], r.theme.code(), "line {line} ({}): theme", r.id);
        assert_eq!(row[2], r.crates_code(), "line {line} ({}): crate", r.id);
        assert_eq!(row[3], r.check.as_str(), "line {line} ({}): check", r.id);
    }
}
