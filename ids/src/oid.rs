//! ISO object identifiers.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use crate::IdError;

/// An ISO object identifier in dotted-decimal form (`1.2.250.1.213.1.4.8`).
///
/// Grammar (as in the HL7 `oid` datatype): arcs of digits separated by single
/// dots, no leading zero in an arc (except `0` itself), first arc `0`, `1` or
/// `2`, at least two arcs, at most 64 characters.
///
/// Constants are checked at compile time with [`oid!`](crate::oid!):
///
/// ```
/// use segur_ids::{oid, Oid};
/// const MY_OID: Oid = oid!("1.2.250.1.213.1.4.8");
/// assert_eq!(MY_OID.arcs().count(), 8);
/// assert!("1.02.3".parse::<Oid>().is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Oid(Cow<'static, str>);

/// Builds an [`Oid`] constant from a literal, refusing an invalid literal at
/// compile time.
#[macro_export]
macro_rules! oid {
    ($s:literal) => {{
        const _: () = assert!($crate::Oid::is_valid_const($s), "invalid OID literal");
        $crate::Oid::from_static_unchecked($s)
    }};
}

impl Oid {
    /// Parses an OID.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        validate(s)?;
        Ok(Self(Cow::Owned(s.to_owned())))
    }

    /// Grammar check usable in `const` context (used by [`oid!`](crate::oid!)).
    pub const fn is_valid_const(s: &str) -> bool {
        let b = s.as_bytes();
        if b.is_empty() || b.len() > 64 {
            return false;
        }
        if !(b[0] == b'0' || b[0] == b'1' || b[0] == b'2') {
            return false;
        }
        let mut arcs = 1;
        let mut arc_start = 0;
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            if c == b'.' {
                if i == arc_start {
                    return false;
                }
                arcs += 1;
                arc_start = i + 1;
            } else if c.is_ascii_digit() {
                if c == b'0' && i == arc_start && i + 1 < b.len() && b[i + 1] != b'.' {
                    return false;
                }
            } else {
                return false;
            }
            i += 1;
        }
        arc_start < b.len() && arcs >= 2
    }

    /// Wraps a literal already checked by [`Oid::is_valid_const`]. Use the
    /// [`oid!`](crate::oid!) macro instead of calling this directly.
    #[doc(hidden)]
    pub const fn from_static_unchecked(s: &'static str) -> Self {
        Self(Cow::Borrowed(s))
    }

    /// The dotted form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The arcs as text (each a run of digits).
    pub fn arcs(&self) -> impl Iterator<Item = &str> {
        self.0.split('.')
    }

    /// Whether `self` is `other` or lies under it.
    pub fn starts_with(&self, other: &Oid) -> bool {
        self.0 == other.0
            || (self.0.starts_with(other.as_str())
                && self.0.as_bytes().get(other.0.len()) == Some(&b'.'))
    }

    /// The `urn:oid:` form used by FHIR and XDS.
    pub fn to_urn(&self) -> String {
        format!("urn:oid:{}", self.0)
    }
}

fn validate(s: &str) -> Result<(), IdError> {
    const KIND: &str = "OID";
    if s.is_empty() {
        return Err(IdError::Empty { kind: KIND });
    }
    if let Some((position, character)) = s
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == '.'))
    {
        return Err(IdError::Character {
            kind: KIND,
            character,
            position,
        });
    }
    if s.len() > 64 {
        return Err(IdError::Length {
            kind: KIND,
            expected: "at most 64",
            actual: s.len(),
        });
    }
    if Oid::is_valid_const(s) {
        Ok(())
    } else {
        Err(IdError::Format {
            kind: KIND,
            reason: "expected dotted arcs, first arc 0, 1 or 2, no empty arc, no leading zero",
        })
    }
}

impl fmt::Debug for Oid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Oid({})", self.0)
    }
}

impl fmt::Display for Oid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Oid {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Oid {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        validate(&s)?;
        Ok(Self(Cow::Owned(s)))
    }
}

impl AsRef<str> for Oid {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl serde::Serialize for Oid {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Oid {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Oid::try_from(s).map_err(serde::de::Error::custom)
    }
}

/// OIDs of identifier authorities shared by several crates. Code-system and
/// templateId OIDs live next to the code that uses them.
pub mod oids {
    use super::Oid;

    /// National professional identifiers (idNat_PS: `8`+RPPS…), ASIP/ANS.
    pub const ID_NAT_PS: Oid = oid!("1.2.250.1.71.4.2.1");
    /// National structure identifiers (idNat_Struct).
    pub const ID_NAT_STRUCT: Oid = oid!("1.2.250.1.71.4.2.2");
    /// RPPS (as an identifier system in FHIR directories).
    pub const RPPS: Oid = oid!("1.2.250.1.71.4.2.1");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grammar() {
        for ok in ["1.2", "0.0", "2.999", "1.2.250.1.213.1.4.8", "1.0.3"] {
            assert!(Oid::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "", "1", "3.1", "1..2", "1.2.", ".1.2", "1.02", "1.2a", "1 .2", "01.2",
        ] {
            assert!(Oid::parse(bad).is_err(), "{bad}");
        }
        assert!(Oid::parse(&format!("1.{}", "1".repeat(70))).is_err());
    }

    #[test]
    fn prefix() {
        let a = Oid::parse("1.2.250.1.213.1.4.8").unwrap();
        let b = Oid::parse("1.2.250.1.213.1.4").unwrap();
        let c = Oid::parse("1.2.250.1.213.1.4.80").unwrap();
        assert!(a.starts_with(&b));
        assert!(!c.starts_with(&a));
        assert!(a.starts_with(&a));
        assert_eq!(a.to_urn(), "urn:oid:1.2.250.1.213.1.4.8");
        assert_eq!(oids::ID_NAT_PS.as_str(), "1.2.250.1.71.4.2.1");
    }

    proptest::proptest! {
        #[test]
        fn parse_display_round_trip(first in 0u8..3, rest in proptest::collection::vec(0u32..100000, 1..8)) {
            let s = std::iter::once(first.to_string()).chain(rest.iter().map(|a| a.to_string())).collect::<Vec<_>>().join(".");
            let oid = Oid::parse(&s).unwrap();
            proptest::prop_assert_eq!(oid.to_string(), s);
        }

        #[test]
        fn never_panics(s in ".{0,80}") {
            let _ = Oid::parse(&s);
        }
    }
}
