//! Names in the INSi / datamatrix lexical profile, and the normaliser that
//! brings user input to it.
//!
//! The profile (GIE SESAM-Vitale SEL-MP-043 §3.4.1 and ANS "INS – Format
//! datamatrix", as collected in `shared/reference/ins.md` §3.2):
//!
//! - only `A`–`Z`, space, apostrophe `'` and hyphen `-`;
//! - a family name may contain a double hyphen `--`, a given name may not;
//! - the first character is not a space nor a hyphen (an apostrophe is allowed);
//! - separators are never doubled nor combined (`"  "`, `"''"`, `" '"`, `"' "`,
//!   `" -"`, `"-'"`…), except the `--` of family names;
//! - a name does not end with a space or a hyphen; a given name does not end
//!   with an apostrophe either;
//! - at most 100 characters.
//!
//! [`normalize_family_name`] and friends transliterate what has a defined
//! equivalent (lower case, accents, `Œ`/`Æ` ligatures, `ß`, typographic
//! apostrophes and hyphens, non-breaking spaces, surrounding whitespace) and
//! then apply the strict check. A character without an equivalent (a digit,
//! `_`, `/`, a non-Latin letter…) is **rejected**, never silently dropped: a
//! dropped character would make the identity differ from the INSi one.

use std::fmt;

/// The maximum length of a name or of the list of given names (INSi, datamatrix S3/S4).
pub const MAX_NAME_LEN: usize = 100;

/// Which kind of name a rule was applied to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NameKind {
    /// A family name (birth or used): `--` allowed.
    FamilyName,
    /// One given name (first given name, used given name).
    GivenName,
    /// The space-separated list of birth given names.
    GivenNameList,
}

impl fmt::Display for NameKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::FamilyName => "family name",
            Self::GivenName => "given name",
            Self::GivenNameList => "list of given names",
        })
    }
}

/// Why a name does not fit the INSi lexical profile: one variant per rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NameError {
    /// Empty (or only whitespace).
    #[error("{kind}: empty")]
    Empty {
        /// The kind of name.
        kind: NameKind,
    },
    /// Longer than the maximum length.
    #[error("{kind}: {actual} characters, at most {max} allowed")]
    TooLong {
        /// The kind of name.
        kind: NameKind,
        /// The maximum.
        max: usize,
        /// The length after normalisation.
        actual: usize,
    },
    /// A character that is not allowed and has no defined equivalent.
    #[error(
        "{kind}: character {character:?} at position {position} is not allowed and has no equivalent in A-Z"
    )]
    ForbiddenCharacter {
        /// The kind of name.
        kind: NameKind,
        /// The offending character (as given).
        character: char,
        /// 1-based character position in the input.
        position: usize,
    },
    /// The first character is a space or a hyphen.
    #[error("{kind}: may not start with {character:?}")]
    LeadingSeparator {
        /// The kind of name.
        kind: NameKind,
        /// The first character.
        character: char,
    },
    /// The last character is a space or hyphen (or an apostrophe in a given name).
    #[error("{kind}: may not end with {character:?}")]
    TrailingSeparator {
        /// The kind of name.
        kind: NameKind,
        /// The last character.
        character: char,
    },
    /// Two separators side by side (`"  "`, `"''"`, `" '"`, `"' "`, `" -"`…),
    /// or three hyphens.
    #[error("{kind}: separators {found:?} doubled or combined at position {position}")]
    DoubledSeparator {
        /// The kind of name.
        kind: NameKind,
        /// The offending sequence.
        found: String,
        /// 1-based position of its first character in the normalised value.
        position: usize,
    },
    /// A double hyphen `--` in a given name (allowed in family names only).
    #[error("{kind}: double hyphen \"--\" is only allowed in family names (position {position})")]
    DoubleHyphenInGivenName {
        /// The kind of name.
        kind: NameKind,
        /// 1-based position in the normalised value.
        position: usize,
    },
}

/// Uppercase ASCII transliteration of one (already upper-cased) character, or
/// `None` when it has no defined equivalent.
fn transliterate(c: char) -> Option<&'static str> {
    Some(match c {
        'A' => "A",
        'B' => "B",
        'C' => "C",
        'D' => "D",
        'E' => "E",
        'F' => "F",
        'G' => "G",
        'H' => "H",
        'I' => "I",
        'J' => "J",
        'K' => "K",
        'L' => "L",
        'M' => "M",
        'N' => "N",
        'O' => "O",
        'P' => "P",
        'Q' => "Q",
        'R' => "R",
        'S' => "S",
        'T' => "T",
        'U' => "U",
        'V' => "V",
        'W' => "W",
        'X' => "X",
        'Y' => "Y",
        'Z' => "Z",
        ' ' | '\u{a0}' | '\u{202f}' => " ",
        '\'' | '\u{2019}' | '\u{2018}' | '\u{2bc}' => "'",
        '-' | '\u{2010}' | '\u{2011}' | '\u{2013}' => "-",
        'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' | 'Ā' | 'Ă' | 'Ą' => "A",
        'Æ' => "AE",
        'Ç' | 'Ć' | 'Ĉ' | 'Ċ' | 'Č' => "C",
        'Ď' | 'Đ' | 'Ð' => "D",
        'È' | 'É' | 'Ê' | 'Ë' | 'Ē' | 'Ĕ' | 'Ė' | 'Ę' | 'Ě' => "E",
        'Ĝ' | 'Ğ' | 'Ġ' | 'Ģ' => "G",
        'Ĥ' | 'Ħ' => "H",
        'Ì' | 'Í' | 'Î' | 'Ï' | 'Ĩ' | 'Ī' | 'Ĭ' | 'Į' | 'İ' => "I",
        'Ĵ' => "J",
        'Ķ' => "K",
        'Ĺ' | 'Ļ' | 'Ľ' | 'Ŀ' | 'Ł' => "L",
        'Ñ' | 'Ń' | 'Ņ' | 'Ň' => "N",
        'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' | 'Ō' | 'Ŏ' | 'Ő' => "O",
        'Œ' => "OE",
        'Ŕ' | 'Ŗ' | 'Ř' => "R",
        'Ś' | 'Ŝ' | 'Ş' | 'Š' | 'Ș' => "S",
        'Ţ' | 'Ť' | 'Ŧ' | 'Ț' => "T",
        'Þ' => "TH",
        'Ù' | 'Ú' | 'Û' | 'Ü' | 'Ũ' | 'Ū' | 'Ŭ' | 'Ů' | 'Ű' | 'Ų' => "U",
        'Ŵ' => "W",
        'Ý' | 'Ÿ' | 'Ŷ' => "Y",
        'Ź' | 'Ż' | 'Ž' => "Z",
        _ => return None,
    })
}

/// Combining diacritical marks (decomposed input such as `E` + U+0301): the
/// accent of the previous letter, removed by transliteration.
fn is_combining_mark(c: char) -> bool {
    ('\u{300}'..='\u{36f}').contains(&c)
}

fn normalize(kind: NameKind, input: &str) -> Result<String, NameError> {
    let trimmed = input.trim();
    let offset = input[..input.len() - input.trim_start().len()]
        .chars()
        .count();
    let mut out = String::with_capacity(trimmed.len());
    for (i, c) in trimmed.chars().enumerate() {
        if is_combining_mark(c) && !out.is_empty() {
            continue;
        }
        let mut mapped = false;
        // `to_uppercase` handles lower case, `ß` -> `SS`, `ÿ` -> `Ÿ`, `ı` -> `I`…
        let upper: Vec<char> = c.to_uppercase().collect();
        let mut piece = String::new();
        for u in &upper {
            match transliterate(*u) {
                Some(t) => {
                    piece.push_str(t);
                    mapped = true;
                }
                None => {
                    mapped = false;
                    break;
                }
            }
        }
        if !mapped {
            return Err(NameError::ForbiddenCharacter {
                kind,
                character: c,
                position: offset + i + 1,
            });
        }
        out.push_str(&piece);
    }
    check(kind, &out)?;
    Ok(out)
}

/// Strict check of a value that should already be in the profile.
fn check(kind: NameKind, s: &str) -> Result<(), NameError> {
    if s.is_empty() {
        return Err(NameError::Empty { kind });
    }
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !(c.is_ascii_uppercase() || c == ' ' || c == '\'' || c == '-') {
            return Err(NameError::ForbiddenCharacter {
                kind,
                character: c,
                position: i + 1,
            });
        }
    }
    let first = chars[0];
    if first == ' ' || first == '-' {
        return Err(NameError::LeadingSeparator {
            kind,
            character: first,
        });
    }
    let is_sep = |c: char| c == ' ' || c == '\'' || c == '-';
    let mut i = 0;
    while i + 1 < chars.len() {
        let (a, b) = (chars[i], chars[i + 1]);
        if is_sep(a) && is_sep(b) {
            if a == '-' && b == '-' {
                if kind != NameKind::FamilyName {
                    return Err(NameError::DoubleHyphenInGivenName {
                        kind,
                        position: i + 1,
                    });
                }
                // `--` is one separator in a family name; what follows must be a letter.
                if let Some(&c) = chars.get(i + 2).filter(|c| is_sep(**c)) {
                    return Err(NameError::DoubledSeparator {
                        kind,
                        found: format!("--{c}"),
                        position: i + 1,
                    });
                }
                i += 2;
                continue;
            }
            return Err(NameError::DoubledSeparator {
                kind,
                found: format!("{a}{b}"),
                position: i + 1,
            });
        }
        i += 1;
    }
    let last = chars[chars.len() - 1];
    let bad_end = match kind {
        NameKind::FamilyName => last == ' ' || last == '-',
        NameKind::GivenName | NameKind::GivenNameList => is_sep(last),
    };
    if bad_end {
        return Err(NameError::TrailingSeparator {
            kind,
            character: last,
        });
    }
    if chars.len() > MAX_NAME_LEN {
        return Err(NameError::TooLong {
            kind,
            max: MAX_NAME_LEN,
            actual: chars.len(),
        });
    }
    Ok(())
}

macro_rules! name_type {
    ($(#[$doc:meta])* $ty:ident, $kind:expr, $normalize:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $ty(String);

        impl $ty {
            /// Strictly checks a value already in the INSi profile (as
            /// returned by INSi or read from a datamatrix). Nothing is transformed.
            pub fn parse(s: &str) -> Result<Self, NameError> {
                check($kind, s)?;
                Ok(Self(s.to_owned()))
            }

            /// Normalises user input (see the [module docs](crate::names)), then checks it.
            pub fn normalize(s: &str) -> Result<Self, NameError> {
                $normalize(s)
            }

            /// The value.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($ty), self.0)
            }
        }

        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::str::FromStr for $ty {
            type Err = NameError;
            fn from_str(s: &str) -> Result<Self, NameError> {
                Self::parse(s)
            }
        }

        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Self::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

name_type!(
    /// A family name (birth or used) in the INSi profile; `--` allowed.
    FamilyName,
    NameKind::FamilyName,
    normalize_family_name
);
name_type!(
    /// A given name in the INSi profile (may contain spaces for compound
    /// first given names; no `--`).
    GivenName,
    NameKind::GivenName,
    normalize_given_name
);

/// Normalises a family name: transliteration, upper case, then the strict rules.
///
/// ```
/// use segur_ins::names::normalize_family_name;
/// assert_eq!(normalize_family_name("  Lefèvre--Œuvray ")?.as_str(), "LEFEVRE--OEUVRAY");
/// assert!(normalize_family_name("Dupont2").is_err());
/// # Ok::<(), segur_ins::names::NameError>(())
/// ```
pub fn normalize_family_name(s: &str) -> Result<FamilyName, NameError> {
    normalize(NameKind::FamilyName, s).map(FamilyName)
}

/// Normalises one given name.
pub fn normalize_given_name(s: &str) -> Result<GivenName, NameError> {
    normalize(NameKind::GivenName, s).map(GivenName)
}

/// Normalises the space-separated list of birth given names and splits it
/// into its elements (which then contain no space).
pub fn normalize_given_name_list(s: &str) -> Result<Vec<GivenName>, NameError> {
    let joined = normalize(NameKind::GivenNameList, s)?;
    Ok(joined.split(' ').map(|w| GivenName(w.to_owned())).collect())
}

/// Strictly checks a space-separated list of given names already in the
/// profile, and splits it.
pub fn parse_given_name_list(s: &str) -> Result<Vec<GivenName>, NameError> {
    check(NameKind::GivenNameList, s)?;
    Ok(s.split(' ').map(|w| GivenName(w.to_owned())).collect())
}

/// Folds a name for comparisons where hyphen and apostrophe count as a space.
pub(crate) fn fold_separators(s: &str) -> String {
    s.chars()
        .map(|c| if c == '-' || c == '\'' { ' ' } else { c })
        .collect::<String>()
        .split(' ')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether `first` is consistent with the list of birth given names: it must
/// be the first element(s) of the list, hyphen and apostrophe counting as a
/// space (so `PIERRE-ALAIN` is consistent with `PIERRE ALAIN MARIE`, and
/// `JEAN PIERRE` with `JEAN-PIERRE LUC`).
pub fn first_given_name_consistent(first: &str, list: &str) -> bool {
    let f = fold_separators(first);
    let l = fold_separators(list);
    !f.is_empty() && (l == f || l.starts_with(&format!("{f} ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fam(s: &str) -> Result<String, NameError> {
        normalize_family_name(s).map(|n| n.0)
    }
    fn giv(s: &str) -> Result<String, NameError> {
        normalize_given_name(s).map(|n| n.0)
    }

    #[test]
    fn transliteration() {
        assert_eq!(fam("Lefèvre").unwrap(), "LEFEVRE");
        assert_eq!(fam("Œuvray").unwrap(), "OEUVRAY");
        assert_eq!(fam("lætitia").unwrap(), "LAETITIA");
        assert_eq!(fam("Strauß").unwrap(), "STRAUSS");
        assert_eq!(fam("Ñúñez Çà").unwrap(), "NUNEZ CA");
        assert_eq!(fam("D’Artagnan").unwrap(), "D'ARTAGNAN");
        assert_eq!(fam("ÿvon").unwrap(), "YVON");
        // Decomposed accent (E + combining acute).
        assert_eq!(fam("Le\u{301}a").unwrap(), "LEA");
        assert_eq!(fam("  Martin\u{a0}Dupont ").unwrap(), "MARTIN DUPONT");
        assert_eq!(fam("'T HOOFT").unwrap(), "'T HOOFT");
        assert_eq!(fam("PAT-TROIS").unwrap(), "PAT-TROIS");
        assert_eq!(fam("MARTIN--DUPONT").unwrap(), "MARTIN--DUPONT");
        assert_eq!(giv("Marie-Louise").unwrap(), "MARIE-LOUISE");
    }

    #[test]
    fn one_error_per_rule() {
        assert_eq!(
            fam("   "),
            Err(NameError::Empty {
                kind: NameKind::FamilyName
            })
        );
        assert_eq!(
            fam("Dupont2"),
            Err(NameError::ForbiddenCharacter {
                kind: NameKind::FamilyName,
                character: '2',
                position: 7
            })
        );
        assert_eq!(
            fam(" Du_pont"),
            Err(NameError::ForbiddenCharacter {
                kind: NameKind::FamilyName,
                character: '_',
                position: 4
            })
        );
        assert!(matches!(
            fam("Иванов"),
            Err(NameError::ForbiddenCharacter {
                character: 'И', ..
            })
        ));
        assert_eq!(
            fam("-DUPONT"),
            Err(NameError::LeadingSeparator {
                kind: NameKind::FamilyName,
                character: '-'
            })
        );
        assert_eq!(
            FamilyName::parse(" DUPONT").unwrap_err(),
            NameError::LeadingSeparator {
                kind: NameKind::FamilyName,
                character: ' '
            }
        );
        for (input, found) in [
            ("DU  PONT", "  "),
            ("D''ARC", "''"),
            ("D 'ARC", " '"),
            ("D' ARC", "' "),
            ("JEAN - PIERRE", " -"),
            ("D'-ARC", "'-"),
        ] {
            assert_eq!(
                fam(input),
                Err(NameError::DoubledSeparator {
                    kind: NameKind::FamilyName,
                    found: found.to_owned(),
                    position: input.find(found).unwrap() + 1
                }),
                "{input}"
            );
        }
        assert!(matches!(
            fam("A---B"),
            Err(NameError::DoubledSeparator { found, .. }) if found == "---"
        ));
        assert_eq!(
            giv("JEAN--PIERRE"),
            Err(NameError::DoubleHyphenInGivenName {
                kind: NameKind::GivenName,
                position: 5
            })
        );
        assert_eq!(
            giv("JEAN-"),
            Err(NameError::TrailingSeparator {
                kind: NameKind::GivenName,
                character: '-'
            })
        );
        assert_eq!(
            giv("JEAN'"),
            Err(NameError::TrailingSeparator {
                kind: NameKind::GivenName,
                character: '\''
            })
        );
        assert_eq!(
            fam("DUPONT-"),
            Err(NameError::TrailingSeparator {
                kind: NameKind::FamilyName,
                character: '-'
            })
        );
        assert!(FamilyName::parse("DUPONT ").is_err());
        assert_eq!(
            fam(&"A".repeat(101)),
            Err(NameError::TooLong {
                kind: NameKind::FamilyName,
                max: 100,
                actual: 101
            })
        );
        assert!(fam(&"A".repeat(100)).is_ok());
        // Strict parse refuses what the normaliser would fix.
        assert!(FamilyName::parse("Dupont").is_err());
        assert!(FamilyName::parse("DUPONT").is_ok());
    }

    #[test]
    fn given_name_lists() {
        let l = normalize_given_name_list("Dominique  Marie-Louise");
        assert!(matches!(l, Err(NameError::DoubledSeparator { .. })));
        let l = normalize_given_name_list("Dominique Marie-Louise").unwrap();
        assert_eq!(
            l.iter().map(|g| g.as_str()).collect::<Vec<_>>(),
            ["DOMINIQUE", "MARIE-LOUISE"]
        );
        assert!(parse_given_name_list("DOMINIQUE MARIE-LOUISE").is_ok());
        assert!(parse_given_name_list("JEAN--LUC").is_err());
    }

    #[test]
    fn first_given_name_consistency() {
        assert!(first_given_name_consistent(
            "DOMINIQUE",
            "DOMINIQUE MARIE-LOUISE"
        ));
        assert!(first_given_name_consistent("PIERRE-ALAIN", "PIERRE ALAIN"));
        assert!(first_given_name_consistent(
            "JEAN PIERRE",
            "JEAN-PIERRE LUC"
        ));
        assert!(!first_given_name_consistent(
            "MARIE",
            "DOMINIQUE MARIE-LOUISE"
        ));
        assert!(!first_given_name_consistent("DOM", "DOMINIQUE"));
        assert!(!first_given_name_consistent("", "DOMINIQUE"));
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn normalise_is_idempotent(s in "[ a-zA-Z'\\-éèêàçœæÉÈÔÖüß’]{0,40}") {
                if let Ok(once) = normalize_family_name(&s) {
                    let twice = normalize_family_name(once.as_str()).unwrap();
                    prop_assert_eq!(&twice, &once);
                    prop_assert!(FamilyName::parse(once.as_str()).is_ok());
                }
                if let Ok(once) = normalize_given_name(&s) {
                    prop_assert_eq!(normalize_given_name(once.as_str()).unwrap(), once);
                }
            }

            #[test]
            fn output_is_in_profile(s in "\\PC{0,40}") {
                if let Ok(n) = normalize_family_name(&s) {
                    prop_assert!(n.as_str().chars().all(|c| c.is_ascii_uppercase() || " '-".contains(c)));
                }
            }
        }
    }
}
