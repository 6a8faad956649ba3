//! Streamed parser of the `Extraction_Correspondance_MSSante` flat file
//! (daily extraction of the Annuaire Santé: UTF-8, `|`-separated, one header
//! line). Columns are found by header name (case, accents, spaces and
//! underscores ignored), so older files with other spellings or orders are
//! read too. Lines are read one at a time: memory stays flat whatever the
//! file size.

use std::collections::HashMap;
use std::io::{BufRead, Read, Seek};

use crate::address::{MailAddress, MailboxKind};
use crate::error::AnnuaireError;

/// One line of the extraction.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct CorrespondanceRecord {
    /// Type de BAL (`PER`, `ORG`…).
    pub kind: Option<MailboxKind>,
    /// Adresse BAL.
    pub address: Option<MailAddress>,
    /// The address as written (kept when invalid).
    pub raw_address: String,
    /// Type Identifiant PP.
    pub pp_id_type: String,
    /// Identifiant PP.
    pub pp_id: String,
    /// Identification nationale PP.
    pub pp_national_id: String,
    /// Type identifiant structure.
    pub structure_id_type: String,
    /// Identification Structure.
    pub structure_id: String,
    /// Service de rattachement.
    pub service: String,
    /// Civilité d'exercice.
    pub civility: String,
    /// Nom d'exercice.
    pub family_name: String,
    /// Prénom d'exercice.
    pub given_name: String,
    /// Code profession.
    pub profession_code: String,
    /// Libellé profession.
    pub profession: String,
    /// Code savoir-faire.
    pub specialty_code: String,
    /// Libellé savoir-faire.
    pub specialty: String,
    /// Dématérialisation.
    pub digitization: String,
    /// Raison sociale structure BAL.
    pub organisation: String,
    /// Code postal.
    pub postal_code: String,
    /// Département.
    pub department: String,
    /// Every column by its header, for the others.
    pub fields: Vec<(String, String)>,
}

fn fold(s: &str) -> String {
    s.chars()
        .filter_map(|c| {
            let c = match c {
                'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' => 'e',
                'à' | 'â' | 'À' => 'a',
                'ô' | 'Ô' => 'o',
                'î' | 'ï' => 'i',
                'ù' | 'û' => 'u',
                'ç' => 'c',
                c => c,
            };
            c.is_alphanumeric().then(|| c.to_ascii_lowercase())
        })
        .collect()
}

/// Streams records from a reader.
pub struct ExtractionReader<R> {
    reader: R,
    columns: Vec<String>,
    index: HashMap<String, usize>,
    line: u64,
    buf: Vec<u8>,
}

impl<R> std::fmt::Debug for ExtractionReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExtractionReader")
            .field("columns", &self.columns)
            .field("line", &self.line)
            .finish()
    }
}

const MAX_LINE: usize = 64 * 1024;

fn read_line<R: BufRead>(r: &mut R, buf: &mut Vec<u8>, line: u64) -> Result<bool, AnnuaireError> {
    buf.clear();
    let n = r
        .by_ref()
        .take(MAX_LINE as u64 + 1)
        .read_until(b'\n', buf)
        .map_err(|e| AnnuaireError::Io(e.to_string()))?;
    if n > MAX_LINE {
        return Err(AnnuaireError::Extraction {
            line,
            reason: "line too long".into(),
        });
    }
    while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        buf.pop();
    }
    Ok(n > 0)
}

impl<R: BufRead> ExtractionReader<R> {
    /// Reads the header line.
    pub fn new(mut reader: R) -> Result<Self, AnnuaireError> {
        let mut buf = Vec::new();
        if !read_line(&mut reader, &mut buf, 1)? {
            return Err(AnnuaireError::Extraction {
                line: 1,
                reason: "empty file".into(),
            });
        }
        let text = std::str::from_utf8(&buf).map_err(|_| AnnuaireError::Extraction {
            line: 1,
            reason: "header is not UTF-8".into(),
        })?;
        let text = text.trim_start_matches('\u{feff}');
        let columns: Vec<String> = text.split('|').map(|c| c.trim().to_owned()).collect();
        let index: HashMap<String, usize> = columns
            .iter()
            .enumerate()
            .map(|(i, c)| (fold(c), i))
            .collect();
        let has = |names: &[&str]| names.iter().any(|n| index.contains_key(&fold(n)));
        if !has(&["Adresse BAL", "adresse_bal"]) {
            return Err(AnnuaireError::Extraction {
                line: 1,
                reason: "no 'Adresse BAL' column".into(),
            });
        }
        Ok(Self {
            reader,
            columns,
            index,
            line: 1,
            buf,
        })
    }

    /// The header names.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    fn get<'a>(&self, values: &'a [&'a str], names: &[&str]) -> &'a str {
        names
            .iter()
            .find_map(|n| {
                self.index
                    .get(&fold(n))
                    .and_then(|&i| values.get(i).copied())
            })
            .unwrap_or("")
            .trim()
    }

    fn record(&self, text: &str) -> Result<CorrespondanceRecord, AnnuaireError> {
        let values: Vec<&str> = text.split('|').collect();
        if values.len() != self.columns.len() {
            return Err(AnnuaireError::Extraction {
                line: self.line,
                reason: format!("{} fields, {} expected", values.len(), self.columns.len()),
            });
        }
        let raw_address = self
            .get(&values, &["Adresse BAL", "adresse_bal"])
            .to_owned();
        let kind = self.get(&values, &["Type de BAL", "type_bal"]);
        Ok(CorrespondanceRecord {
            kind: (!kind.is_empty()).then(|| MailboxKind::from_code(kind)),
            address: MailAddress::parse(&raw_address).ok(),
            raw_address,
            pp_id_type: self
                .get(&values, &["Type Identifiant PP", "type_identifiant_pp"])
                .to_owned(),
            pp_id: self
                .get(&values, &["Identifiant PP", "identifiant_pp"])
                .to_owned(),
            pp_national_id: self
                .get(
                    &values,
                    &["Identification nationale PP", "identification_nationale_pp"],
                )
                .to_owned(),
            structure_id_type: self
                .get(&values, &["Type identifiant structure"])
                .to_owned(),
            structure_id: self
                .get(
                    &values,
                    &["Identification Structure", "identifiant_structure"],
                )
                .to_owned(),
            service: self.get(&values, &["Service de rattachement"]).to_owned(),
            civility: self.get(&values, &["Civilité d'exercice"]).to_owned(),
            family_name: self.get(&values, &["Nom d'exercice", "nom"]).to_owned(),
            given_name: self
                .get(&values, &["Prénom d'exercice", "prenom"])
                .to_owned(),
            profession_code: self.get(&values, &["Code Profession"]).to_owned(),
            profession: self.get(&values, &["Libellé Profession"]).to_owned(),
            specialty_code: self.get(&values, &["Code savoir-faire"]).to_owned(),
            specialty: self.get(&values, &["Libellé savoir-faire"]).to_owned(),
            digitization: self.get(&values, &["Dématérialisation"]).to_owned(),
            organisation: self
                .get(&values, &["Raison Sociale structure BAL"])
                .to_owned(),
            postal_code: self.get(&values, &["Code postal"]).to_owned(),
            department: self.get(&values, &["Département"]).to_owned(),
            fields: self
                .columns
                .iter()
                .cloned()
                .zip(values.iter().map(|v| v.trim().to_owned()))
                .collect(),
        })
    }
}

impl<R: BufRead> Iterator for ExtractionReader<R> {
    type Item = Result<CorrespondanceRecord, AnnuaireError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            self.line += 1;
            let mut buf = std::mem::take(&mut self.buf);
            let more = match read_line(&mut self.reader, &mut buf, self.line) {
                Ok(m) => m,
                Err(e) => return Some(Err(e)),
            };
            if !more {
                self.buf = buf;
                return None;
            }
            let r = match std::str::from_utf8(&buf) {
                Ok(t) if t.trim().is_empty() => {
                    self.buf = buf;
                    continue;
                }
                Ok(t) => self.record(t),
                Err(_) => Err(AnnuaireError::Extraction {
                    line: self.line,
                    reason: "not UTF-8".into(),
                }),
            };
            self.buf = buf;
            return Some(r);
        }
    }
}

/// Opens the extraction inside the zip the Annuaire serves
/// (`Extraction_Correspondance_MSSante_*.txt`) and calls `f` for each record,
/// streaming the decompression.
pub fn for_each_in_zip<R: Read + Seek>(
    zip: R,
    mut f: impl FnMut(Result<CorrespondanceRecord, AnnuaireError>) -> bool,
) -> Result<u64, AnnuaireError> {
    let mut archive = zip::ZipArchive::new(zip).map_err(|e| AnnuaireError::Io(e.to_string()))?;
    let index = (0..archive.len())
        .find(|&i| {
            archive
                .by_index_raw(i)
                .map(|e| e.name().to_ascii_lowercase().ends_with(".txt"))
                .unwrap_or(false)
        })
        .ok_or_else(|| AnnuaireError::Io("no .txt file in the extraction zip".into()))?;
    let entry = archive
        .by_index(index)
        .map_err(|e| AnnuaireError::Io(e.to_string()))?;
    let reader = ExtractionReader::new(std::io::BufReader::new(entry))?;
    let mut n = 0;
    for r in reader {
        n += 1;
        if !f(r) {
            break;
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "Type de BAL|Adresse BAL|Type Identifiant PP|Identifiant PP|Identification nationale PP|Type identifiant structure|Identification Structure|Service de rattachement|Civilité d'exercice|Nom d'exercice|Prénom d'exercice|Catégorie profession|Libellé de catégorie profession|Code Profession|Libellé Profession|Code savoir-faire|Libellé savoir-faire|Dématérialisation|Raison Sociale structure BAL|Enseigne commerciale structure BAL|L2COMPLEMENTLOCALISATION|L3COMPLEMENTDISTRIBUTION|L4NUMEROVOIE|L4COMPLEMENTNUMEROVOIE|NL4TYPEVOIE|L4LIBELLEVOIE|L5LIEUDITMENTION|L6LIGNEACHEMINEMENT|Code postal|Département|Pays";

    fn line(kind: &str, addr: &str, name: &str) -> String {
        format!(
            "{kind}|{addr}|8|10003612545|810003612545|||| DR|{name}|JEANNE|C|Civil|10|Médecin|SM54|Médecine générale|O|Cabinet X||||1||RUE|DE LA PAIX||75001 PARIS|75001|75|FRANCE"
        )
    }

    #[test]
    fn reads_the_current_format() {
        let text = format!(
            "\u{feff}{HEADER}\r\n{}\r\n\r\n{}\n",
            line("PER", "jeanne.martin@medecin.mssante.fr", "MARTIN"),
            line("ORG", "secretariat@hopital.mssante.fr", "")
        );
        let r = ExtractionReader::new(text.as_bytes()).unwrap();
        assert_eq!(r.columns().len(), 31);
        let recs: Vec<_> = r.collect::<Result<_, _>>().unwrap();
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].kind, Some(MailboxKind::Personal));
        assert_eq!(
            recs[0].address.as_ref().unwrap().as_str(),
            "jeanne.martin@medecin.mssante.fr"
        );
        assert_eq!(recs[0].pp_national_id, "810003612545");
        assert_eq!(recs[0].family_name, "MARTIN");
        assert_eq!(recs[0].profession, "Médecin");
        assert_eq!(recs[0].postal_code, "75001");
        assert_eq!(recs[1].kind, Some(MailboxKind::Organisational));
    }

    #[test]
    fn reads_an_older_lower_case_format() {
        let text = "adresse_bal|identifiant_pp|type_bal\nx@y.mssante.fr|123|PER\n";
        let recs: Vec<_> = ExtractionReader::new(text.as_bytes())
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(recs[0].pp_id, "123");
        assert_eq!(recs[0].kind, Some(MailboxKind::Personal));
    }

    #[test]
    fn bad_lines_have_their_number() {
        let text = format!(
            "{HEADER}\n{}\nonly|three|fields\n",
            line("PER", "a@b.fr", "X")
        );
        let mut r = ExtractionReader::new(text.as_bytes()).unwrap();
        assert!(r.next().unwrap().is_ok());
        match r.next().unwrap() {
            Err(AnnuaireError::Extraction { line, .. }) => assert_eq!(line, 3),
            other => panic!("{other:?}"),
        }
        assert!(ExtractionReader::new(&b""[..]).is_err());
        assert!(ExtractionReader::new(&b"a|b|c\n"[..]).is_err());
        let long = format!("{HEADER}\n{}\n", "x".repeat(MAX_LINE + 10));
        let mut r = ExtractionReader::new(long.as_bytes()).unwrap();
        assert!(r.next().unwrap().is_err());
    }

    #[test]
    fn streams_from_the_zip() {
        use std::io::Write;
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        w.start_file(
            "Extraction_Correspondance_MSSante_202601010000.txt",
            zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated),
        )
        .unwrap();
        writeln!(w, "{HEADER}").unwrap();
        for i in 0..1000 {
            writeln!(
                w,
                "{}",
                line("PER", &format!("dr{i}@medecin.mssante.fr"), "X")
            )
            .unwrap();
        }
        let zip = w.finish().unwrap();
        let mut count = 0;
        let n = for_each_in_zip(std::io::Cursor::new(zip.into_inner()), |r| {
            assert!(r.unwrap().address.is_some());
            count += 1;
            true
        })
        .unwrap();
        assert_eq!((n, count), (1000, 1000));
    }
}
