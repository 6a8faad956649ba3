//! The INS datamatrix (ANS "INS – Format datamatrix", v2).
//!
//! # Payload
//!
//! ```text
//! IS01 + 22 x "0"            header (26 characters, not signed)
//! S1 matricule               fixed 15
//! S2 OID                     19-20
//! S3 birth given names       <= 100, space-separated
//! S4 birth family name       <= 100
//! S5 sex                     fixed 1 (M / F)
//! S6 birth date              fixed 10, DD-MM-YYYY
//! S7 birth place (COG)       fixed 5, optional
//! ```
//!
//! A variable-length field shorter than its maximum and not last is followed
//! by GS (0x1D). [`Payload::serialize`] writes S1..S7 in order with exactly
//! that rule. [`Payload::parse`] accepts fields in any order, and tolerates a
//! missing GS (keyboard-wedge scanners often drop it): a field then ends where
//! the next `S1`..`S7` identifier starts, which is unambiguous because names
//! hold no digits and OIDs no `S`. A leading AIM symbology identifier (`]d1`)
//! and a trailing CR/LF are ignored.
//!
//! The datamatrix may only be produced for a **qualified** identity: a
//! [`Payload`] is built from a [`QualifiedIns`] ([`Payload::new`],
//! [`Payload::from_identity`]).
//!
//! # Symbol
//!
//! [`Payload::module_matrix`] gives the ECC200 square symbol as a
//! [`ModuleMatrix`] (to draw it in a PDF); with the `datamatrix-image` feature,
//! [`encode_png`] rasterises it and [`decode_image`] reads PNG / JPEG images,
//! robust to rotation, scale and a symbol placed on a larger page.
//!
//! ```
//! use segur_ins::datamatrix::Payload;
//! let text = "IS010000000000000000000000S1185057512345673S21.2.250.1.213.1.4.8\u{1d}\
//!             S3ADA\u{1d}S4LOVELACE\u{1d}S5FS610-12-1815S799100";
//! let payload = Payload::parse(text)?;
//! assert_eq!(payload.birth_family_name().as_str(), "LOVELACE");
//! assert_eq!(payload.serialize(), text);
//! let scanned = payload.scanned_identity();
//! assert!(scanned.from_datamatrix);
//! # Ok::<(), segur_ins::datamatrix::DatamatrixError>(())
//! ```

use std::fmt;

use crate::names::{self, FamilyName, GivenName, NameError};
use crate::{
    BirthDate, Identity, InsError, InsOid, InseeCode, Nir, NirError, QualifiedIns, ScannedIdentity,
    Sex, Traits, TraitsError,
};

#[cfg(feature = "datamatrix-image")]
mod image;
#[cfg(feature = "datamatrix-image")]
pub use image::{
    MAX_PIXELS, PngOptions, decode_image, decode_image_text, decode_luma, encode_png, load_luma,
};

/// The group separator (ASCII 29) ending a short variable-length field.
pub const GS: u8 = 0x1d;
/// The 26-character header: marker `IS`, version `01`, 22 reserved zeros.
pub const HEADER: &str = "IS010000000000000000000000";

/// The fields of the payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FieldId {
    /// `S1`: matricule INS.
    S1,
    /// `S2`: OID of the INS.
    S2,
    /// `S3`: list of birth given names.
    S3,
    /// `S4`: birth family name.
    S4,
    /// `S5`: sex.
    S5,
    /// `S6`: birth date `DD-MM-YYYY`.
    S6,
    /// `S7`: birth place INSEE code (optional).
    S7,
}

impl FieldId {
    /// All fields, in writing order.
    pub const ALL: [FieldId; 7] = [
        Self::S1,
        Self::S2,
        Self::S3,
        Self::S4,
        Self::S5,
        Self::S6,
        Self::S7,
    ];

    /// The 2-character identifier.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::S1 => "S1",
            Self::S2 => "S2",
            Self::S3 => "S3",
            Self::S4 => "S4",
            Self::S5 => "S5",
            Self::S6 => "S6",
            Self::S7 => "S7",
        }
    }

    fn from_digit(d: u8) -> Option<Self> {
        Self::ALL.get(usize::from(d.checked_sub(b'1')?)).copied()
    }

    /// (minimum, maximum) length; equal for fixed-length fields.
    pub fn length(self) -> (usize, usize) {
        match self {
            Self::S1 => (15, 15),
            Self::S2 => (19, 20),
            Self::S3 | Self::S4 => (1, 100),
            Self::S5 => (1, 1),
            Self::S6 => (10, 10),
            Self::S7 => (5, 5),
        }
    }

    /// Whether the field has a variable length.
    pub fn is_variable(self) -> bool {
        let (min, max) = self.length();
        min != max
    }
}

impl fmt::Display for FieldId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a datamatrix payload or image could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DatamatrixError {
    /// A byte outside printable ASCII (other than GS).
    #[error(
        "datamatrix: byte 0x{byte:02x} at offset {offset} is not allowed (printable ASCII and GS only)"
    )]
    Character {
        /// The byte.
        byte: u8,
        /// Its offset in the payload.
        offset: usize,
    },
    /// The header is not `IS01` + 22 zeros.
    #[error("datamatrix: header {found:?} is not IS01 followed by 22 zeros")]
    Header {
        /// What was found (up to 26 characters).
        found: String,
    },
    /// An identifier other than `S1`..`S7` where a field should start.
    #[error("datamatrix: unknown field identifier {found:?} at offset {offset}")]
    UnknownField {
        /// What was found.
        found: String,
        /// Its offset in the payload.
        offset: usize,
    },
    /// A field appears twice.
    #[error("datamatrix: field {0} appears twice")]
    DuplicateField(FieldId),
    /// A mandatory field (S1–S6) is missing.
    #[error("datamatrix: mandatory field {0} is missing")]
    MissingField(FieldId),
    /// A field has a wrong length.
    #[error("datamatrix: field {field} has {actual} characters, expected {min}..={max}")]
    FieldLength {
        /// The field.
        field: FieldId,
        /// Its length.
        actual: usize,
        /// Minimum length.
        min: usize,
        /// Maximum length.
        max: usize,
    },
    /// S1 is not a valid matricule (including a wrong key).
    #[error("datamatrix: S1: {0}")]
    Matricule(NirError),
    /// S2 is not an INS OID.
    #[error("datamatrix: S2: {0}")]
    Oid(InsError),
    /// S3 or S4 breaks the INSi lexical profile.
    #[error("datamatrix: {field}: {source}")]
    Name {
        /// S3 or S4.
        field: FieldId,
        /// The rule broken.
        source: NameError,
    },
    /// S5 is not `M` nor `F`.
    #[error("datamatrix: S5: sex {found:?} is not M nor F")]
    Sex {
        /// The value.
        found: String,
    },
    /// S6 is not a `DD-MM-YYYY` date, or S7 not an INSEE code.
    #[error("datamatrix: {field}: {source}")]
    Trait {
        /// S6 or S7.
        field: FieldId,
        /// Why.
        source: TraitsError,
    },
    /// The datamatrix cannot be written for these traits (sex unknown).
    #[error("datamatrix: sex must be M or F to write an INS datamatrix")]
    SexUnknown,
    /// The identity is not qualified: no datamatrix may be produced.
    #[error("datamatrix: the identity is not qualified (status {status})")]
    NotQualified {
        /// The status of the identity.
        status: crate::IdentityStatus,
    },
    /// The symbol could not be encoded.
    #[error("datamatrix: cannot encode the symbol: {0}")]
    Encode(String),
    /// The image is not a PNG nor a JPEG, or is corrupt.
    #[error("datamatrix: unreadable image: {0}")]
    Image(String),
    /// The image is too large to be scanned safely.
    #[error(
        "datamatrix: image of {width}x{height} pixels exceeds the limit of {max_pixels} pixels"
    )]
    ImageTooLarge {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// The limit.
        max_pixels: u64,
    },
    /// No DataMatrix symbol was found in the image.
    #[error("datamatrix: no DataMatrix symbol found in the image")]
    NoSymbol,
}

impl From<DatamatrixError> for crate::Error {
    fn from(e: DatamatrixError) -> Self {
        crate::Error::Datamatrix(e)
    }
}

/// The fields of a payload, split but not interpreted: header checked, field
/// identifiers, duplicates and lengths checked. Values borrow from the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawFields<'a> {
    fields: [Option<&'a str>; 7],
    order: Vec<FieldId>,
    missing_gs: bool,
}

impl<'a> RawFields<'a> {
    /// Splits a payload.
    pub fn parse(input: &'a [u8]) -> Result<Self, DatamatrixError> {
        let mut data = input;
        for aim in [&b"]d1"[..], b"]d2", b"]d0"] {
            if let Some(rest) = data.strip_prefix(aim) {
                data = rest;
                break;
            }
        }
        let base = input.len() - data.len();
        while let Some((&last, rest)) = data.split_last() {
            if last == b'\r' || last == b'\n' {
                data = rest;
            } else {
                break;
            }
        }
        if let Some((offset, &byte)) = data
            .iter()
            .enumerate()
            .find(|(_, b)| !(**b == GS || (0x20..0x7f).contains(*b)))
        {
            return Err(DatamatrixError::Character {
                byte,
                offset: base + offset,
            });
        }
        // Only ASCII from here on.
        let text = std::str::from_utf8(data).map_err(|e| DatamatrixError::Character {
            byte: data.get(e.valid_up_to()).copied().unwrap_or(0),
            offset: base + e.valid_up_to(),
        })?;
        if !text.starts_with(HEADER) {
            return Err(DatamatrixError::Header {
                found: text.chars().take(26).collect(),
            });
        }
        let b = text.as_bytes();
        let mut fields: [Option<&'a str>; 7] = [None; 7];
        let mut order = Vec::with_capacity(7);
        let mut missing_gs = false;
        let mut pos = HEADER.len();
        let is_id_at = |i: usize| {
            b.get(i) == Some(&b'S') && b.get(i + 1).is_some_and(|d| (b'1'..=b'7').contains(d))
        };
        while pos < b.len() {
            if b[pos] == GS {
                pos += 1;
                continue;
            }
            let id = match (b[pos], b.get(pos + 1)) {
                (b'S', Some(&d)) => FieldId::from_digit(d),
                _ => None,
            }
            .ok_or_else(|| DatamatrixError::UnknownField {
                found: text[pos..(pos + 2).min(b.len())].to_owned(),
                offset: base + pos,
            })?;
            pos += 2;
            let (min, max) = id.length();
            let end = if id.is_variable() {
                let mut end = pos;
                while end < b.len() && b[end] != GS && !is_id_at(end) {
                    end += 1;
                }
                end
            } else {
                // A fixed-length field: exactly `max` characters, unless the
                // payload ends or another field starts earlier (then the length
                // is wrong). No fixed field can contain an `S`.
                let mut end = pos;
                while end < b.len() && end - pos < max && b[end] != GS && !is_id_at(end) {
                    end += 1;
                }
                end
            };
            let value = &text[pos..end];
            if !(min..=max).contains(&value.len()) {
                return Err(DatamatrixError::FieldLength {
                    field: id,
                    actual: value.len(),
                    min,
                    max,
                });
            }
            let slot = &mut fields[id as usize];
            if slot.is_some() {
                return Err(DatamatrixError::DuplicateField(id));
            }
            *slot = Some(value);
            order.push(id);
            pos = end;
            if id.is_variable() && value.len() < max && pos < b.len() && b[pos] != GS {
                missing_gs = true;
            }
        }
        for id in [
            FieldId::S1,
            FieldId::S2,
            FieldId::S3,
            FieldId::S4,
            FieldId::S5,
            FieldId::S6,
        ] {
            if fields[id as usize].is_none() {
                return Err(DatamatrixError::MissingField(id));
            }
        }
        Ok(Self {
            fields,
            order,
            missing_gs,
        })
    }

    /// The value of a field.
    pub fn get(&self, id: FieldId) -> Option<&'a str> {
        self.fields[id as usize]
    }

    /// The fields in the order they appeared.
    pub fn order(&self) -> &[FieldId] {
        &self.order
    }

    /// Whether a GS separator the format requires was missing (tolerated on reading).
    pub fn missing_gs(&self) -> bool {
        self.missing_gs
    }
}

/// A validated INS datamatrix payload.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Payload {
    ins: crate::Ins,
    birth_given_names: Vec<GivenName>,
    /// The first element of `birth_given_names` (the list is never empty).
    first_given_name: GivenName,
    birth_family_name: FamilyName,
    sex: Sex,
    birth_date: BirthDate,
    birth_place: Option<InseeCode>,
}

impl Payload {
    /// Builds the payload of a qualified identity's INS and traits.
    ///
    /// The birth date written is the transmitted one (unknown parts
    /// substituted); the first given name and the used names are not part of
    /// the format.
    pub fn new(ins: &QualifiedIns, traits: &Traits) -> Result<Self, DatamatrixError> {
        if traits.sex() == Sex::Unknown {
            return Err(DatamatrixError::SexUnknown);
        }
        let birth_date = BirthDate::new(traits.birth_date().date()).map_err(|source| {
            DatamatrixError::Trait {
                field: FieldId::S6,
                source,
            }
        })?;
        let first_given_name = traits
            .birth_given_names()
            .first()
            .cloned()
            .ok_or(DatamatrixError::MissingField(FieldId::S3))?;
        Ok(Self {
            ins: *ins.ins(),
            first_given_name,
            birth_given_names: traits.birth_given_names().to_vec(),
            birth_family_name: traits.birth_family_name().clone(),
            sex: traits.sex(),
            birth_date,
            birth_place: traits.birth_place().copied(),
        })
    }

    /// The payload of a qualified identity; refused for any other status.
    pub fn from_identity(identity: &Identity) -> Result<Self, DatamatrixError> {
        let ins = identity
            .qualified_ins()
            .ok_or(DatamatrixError::NotQualified {
                status: identity.status(),
            })?;
        Self::new(&ins, identity.traits())
    }

    /// Parses and validates a payload (bytes or text).
    pub fn parse(input: impl AsRef<[u8]>) -> Result<Self, DatamatrixError> {
        let raw = RawFields::parse(input.as_ref())?;
        Self::from_raw(&raw)
    }

    /// Validates split fields.
    pub fn from_raw(raw: &RawFields<'_>) -> Result<Self, DatamatrixError> {
        let get = |id: FieldId| raw.get(id).ok_or(DatamatrixError::MissingField(id));
        let matricule = Nir::parse(get(FieldId::S1)?).map_err(DatamatrixError::Matricule)?;
        let oid: InsOid = get(FieldId::S2)?.parse().map_err(DatamatrixError::Oid)?;
        let birth_given_names =
            names::parse_given_name_list(get(FieldId::S3)?).map_err(|source| {
                DatamatrixError::Name {
                    field: FieldId::S3,
                    source,
                }
            })?;
        let first_given_name = birth_given_names
            .first()
            .cloned()
            .ok_or(DatamatrixError::MissingField(FieldId::S3))?;
        let birth_family_name =
            FamilyName::parse(get(FieldId::S4)?).map_err(|source| DatamatrixError::Name {
                field: FieldId::S4,
                source,
            })?;
        let sex = match get(FieldId::S5)? {
            "M" => Sex::Male,
            "F" => Sex::Female,
            other => {
                return Err(DatamatrixError::Sex {
                    found: other.to_owned(),
                });
            }
        };
        let birth_date = BirthDate::parse_datamatrix(get(FieldId::S6)?).map_err(|source| {
            DatamatrixError::Trait {
                field: FieldId::S6,
                source,
            }
        })?;
        let birth_place = raw
            .get(FieldId::S7)
            .map(InseeCode::parse)
            .transpose()
            .map_err(|source| DatamatrixError::Trait {
                field: FieldId::S7,
                source,
            })?;
        Ok(Self {
            ins: crate::Ins::new(matricule, oid),
            birth_given_names,
            first_given_name,
            birth_family_name,
            sex,
            birth_date,
            birth_place,
        })
    }

    /// The payload text: header, S1..S7 in order, GS after a variable field
    /// shorter than its maximum (never after the last field).
    pub fn serialize(&self) -> String {
        let given = self.birth_given_names_joined();
        let date = self.birth_date.to_datamatrix();
        let mut fields: Vec<(FieldId, &str)> = vec![
            (FieldId::S1, self.ins.matricule().as_str()),
            (FieldId::S2, self.ins.oid().as_str()),
            (FieldId::S3, &given),
            (FieldId::S4, self.birth_family_name.as_str()),
            (FieldId::S5, self.sex.code()),
            (FieldId::S6, &date),
        ];
        if let Some(p) = &self.birth_place {
            fields.push((FieldId::S7, p.as_str()));
        }
        let mut out = String::with_capacity(HEADER.len() + 200);
        out.push_str(HEADER);
        let last = fields.len() - 1;
        for (i, (id, value)) in fields.into_iter().enumerate() {
            out.push_str(id.as_str());
            out.push_str(value);
            if id.is_variable() && value.len() < id.length().1 && i != last {
                out.push(char::from(GS));
            }
        }
        out
    }

    /// The INS read. It is **not** verified: call INSi before trusting it.
    pub fn ins(&self) -> &crate::Ins {
        &self.ins
    }

    /// S3 as a list.
    pub fn birth_given_names(&self) -> &[GivenName] {
        &self.birth_given_names
    }

    /// S3 as written (space-separated).
    pub fn birth_given_names_joined(&self) -> String {
        self.birth_given_names
            .iter()
            .map(GivenName::as_str)
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// S4.
    pub fn birth_family_name(&self) -> &FamilyName {
        &self.birth_family_name
    }

    /// S5 (`Male` or `Female`).
    pub fn sex(&self) -> Sex {
        self.sex
    }

    /// S6.
    pub fn birth_date(&self) -> &BirthDate {
        &self.birth_date
    }

    /// S7, when present.
    pub fn birth_place(&self) -> Option<&InseeCode> {
        self.birth_place.as_ref()
    }

    /// The traits carried: the first given name is the first element of S3
    /// (the datamatrix does not carry it separately); no used names.
    pub fn traits(&self) -> Traits {
        Traits::from_checked_parts(
            self.birth_family_name.clone(),
            self.birth_given_names.clone(),
            self.first_given_name.clone(),
            self.birth_date,
            self.sex,
            self.birth_place,
        )
    }

    /// The INS and traits read, flagged as coming from a datamatrix. Feed it
    /// to [`Identity::from_scanned`], then verify with INSi.
    pub fn scanned_identity(&self) -> ScannedIdentity {
        ScannedIdentity {
            ins: self.ins,
            traits: self.traits(),
            from_datamatrix: true,
        }
    }

    /// The ECC200 square symbol of this payload.
    pub fn module_matrix(&self) -> Result<ModuleMatrix, DatamatrixError> {
        ModuleMatrix::encode(self.serialize().as_bytes())
    }
}

impl fmt::Debug for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Payload")
            .field("ins", &self.ins)
            .field("birth_given_names", &self.birth_given_names)
            .field("birth_family_name", &self.birth_family_name)
            .field("sex", &self.sex)
            .field("birth_date", &self.birth_date.to_string())
            .field("birth_place", &self.birth_place)
            .finish()
    }
}

/// The modules of a DataMatrix symbol, without quiet zone: row-major, `true`
/// for a dark module. Draw at least one light module of quiet zone around it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ModuleMatrix {
    width: usize,
    height: usize,
    dark: Vec<bool>,
}

impl ModuleMatrix {
    /// Encodes bytes as an ECC200 **square** symbol.
    pub fn encode(data: &[u8]) -> Result<Self, DatamatrixError> {
        let symbols = ::datamatrix::SymbolList::default().enforce_square();
        let code = ::datamatrix::DataMatrix::encode(data, symbols)
            .map_err(|e| DatamatrixError::Encode(format!("{e:?}")))?;
        let bitmap = code.bitmap();
        Ok(Self {
            width: bitmap.width(),
            height: bitmap.height(),
            dark: bitmap.bits().to_vec(),
        })
    }

    /// Width in modules.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Height in modules.
    pub fn height(&self) -> usize {
        self.height
    }

    /// Whether the module at column `x`, row `y` is dark (`false` outside).
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.width && y < self.height && self.dark[y * self.width + x]
    }

    /// The modules, row-major.
    pub fn modules(&self) -> &[bool] {
        &self.dark
    }

    /// The (column, row) of every dark module.
    pub fn dark_modules(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.dark
            .iter()
            .enumerate()
            .filter(|(_, d)| **d)
            .map(|(i, _)| (i % self.width, i / self.width))
    }

    /// Decodes the modules back to bytes (a clean matrix, no image detection).
    pub fn decode(&self) -> Result<Vec<u8>, DatamatrixError> {
        ::datamatrix::DataMatrix::decode(&self.dark, self.width)
            .map_err(|e| DatamatrixError::Encode(format!("{e:?}")))
    }
}

impl fmt::Debug for ModuleMatrix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ModuleMatrix({}x{})", self.width, self.height)
    }
}

#[cfg(test)]
mod tests;
