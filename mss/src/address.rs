//! E-mail addresses and mailbox types.
//!
//! [`MailAddress`] is a validated RFC 5321 `local@domain` path (ASCII
//! dot-atom local part, LDH domain). Addresses of Mon espace santé patient
//! mailboxes (`@patient.mssante.fr`) can be *read* (received messages, replies)
//! but a message can only be *sent* to one through
//! [`PatientMailbox`](crate::PatientMailbox), which is built from a qualified
//! INS only.

use std::fmt;
use std::str::FromStr;

use crate::error::AddressError;

/// The domain of Mon espace santé patient mailboxes.
pub const PATIENT_DOMAIN: &str = "patient.mssante.fr";

/// A validated e-mail address (`local@domain`).
///
/// The domain is kept in lower case; the local part as given.
///
/// ```
/// use segur_mss::MailAddress;
/// let a: MailAddress = "Jean.Dupont@Medecin.MSSante.fr".parse()?;
/// assert_eq!(a.to_string(), "Jean.Dupont@medecin.mssante.fr");
/// assert_eq!(a.domain(), "medecin.mssante.fr");
/// assert!(a.is_mssante());
/// assert!("no-at-sign".parse::<MailAddress>().is_err());
/// # Ok::<(), segur_mss::AddressError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MailAddress {
    full: String,
    at: usize,
}

fn invalid(value: &str, reason: &'static str) -> AddressError {
    AddressError::Invalid {
        value: value.to_owned(),
        reason,
    }
}

fn is_atext(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~-".contains(&b)
}

/// Checks an LDH domain name (labels of letters, digits and hyphens).
pub(crate) fn valid_domain(domain: &str) -> Result<(), &'static str> {
    if domain.is_empty() || domain.len() > 253 {
        return Err("the domain must have 1 to 253 characters");
    }
    let mut labels = 0;
    for label in domain.split('.') {
        labels += 1;
        if label.is_empty() || label.len() > 63 {
            return Err("a domain label must have 1 to 63 characters");
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err("a domain label may only hold letters, digits and hyphens");
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err("a domain label may not start or end with a hyphen");
        }
    }
    if labels < 2 {
        return Err("the domain must have at least two labels");
    }
    Ok(())
}

impl MailAddress {
    /// Parses and validates an address (surrounding spaces and one pair of
    /// angle brackets are accepted).
    pub fn parse(s: &str) -> Result<Self, AddressError> {
        let t = s.trim();
        let t = t
            .strip_prefix('<')
            .and_then(|x| x.strip_suffix('>'))
            .unwrap_or(t);
        if t.len() > 254 {
            return Err(invalid(s, "longer than 254 characters"));
        }
        let Some((local, domain)) = t.rsplit_once('@') else {
            return Err(invalid(s, "no @"));
        };
        if local.is_empty() || local.len() > 64 {
            return Err(invalid(s, "the local part must have 1 to 64 characters"));
        }
        if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
            return Err(invalid(s, "misplaced dot in the local part"));
        }
        if !local.bytes().all(|b| b == b'.' || is_atext(b)) {
            return Err(invalid(s, "forbidden character in the local part"));
        }
        let domain = domain.to_ascii_lowercase();
        valid_domain(&domain).map_err(|r| invalid(s, r))?;
        Ok(Self {
            full: format!("{local}@{domain}"),
            at: local.len(),
        })
    }

    /// The local part (before `@`).
    pub fn local_part(&self) -> &str {
        &self.full[..self.at]
    }

    /// The domain, lower case.
    pub fn domain(&self) -> &str {
        &self.full[self.at + 1..]
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.full
    }

    /// Whether this is a Mon espace santé patient mailbox.
    pub fn is_patient_mailbox(&self) -> bool {
        self.domain() == PATIENT_DOMAIN
    }

    /// Whether the domain belongs to the MSSanté space (`mssante.fr` or a
    /// sub-domain). Operators may use other domains: this is a hint only.
    pub fn is_mssante(&self) -> bool {
        let d = self.domain();
        d == "mssante.fr" || d.ends_with(".mssante.fr")
    }
}

impl fmt::Display for MailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.full)
    }
}

impl fmt::Debug for MailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_patient_mailbox() {
            // The local part of a patient mailbox is the patient's INS.
            write!(f, "MailAddress(***@{PATIENT_DOMAIN})")
        } else {
            write!(f, "MailAddress({})", self.full)
        }
    }
}

impl FromStr for MailAddress {
    type Err = AddressError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<&str> for MailAddress {
    type Error = AddressError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

impl serde::Serialize for MailAddress {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.full)
    }
}

impl<'de> serde::Deserialize<'de> for MailAddress {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// The type of an MSSanté mailbox (nomenclature TRE_R257-TypeBAL).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum MailboxKind {
    /// `PER`: personal mailbox of a professional.
    Personal,
    /// `ORG`: organisational mailbox (a service, a secretariat).
    Organisational,
    /// `APP`: applicative mailbox (software sending automatically).
    Applicative,
    /// `CAB`: mailbox of a practice (cabinet).
    Cabinet,
    /// Another code.
    Other(String),
}

impl MailboxKind {
    /// The TRE_R257 code.
    pub fn code(&self) -> &str {
        match self {
            Self::Personal => "PER",
            Self::Organisational => "ORG",
            Self::Applicative => "APP",
            Self::Cabinet => "CAB",
            Self::Other(c) => c,
        }
    }

    /// From a TRE_R257 code (case-insensitive); unknown codes are kept.
    pub fn from_code(code: &str) -> Self {
        match code.trim().to_ascii_uppercase().as_str() {
            "PER" => Self::Personal,
            "ORG" => Self::Organisational,
            "APP" => Self::Applicative,
            "CAB" => Self::Cabinet,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for MailboxKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_of_addresses() {
        let ok = [
            ("a@b.fr", "a@b.fr"),
            (
                " <Jean.DUPONT@MEDECIN.mssante.fr> ",
                "Jean.DUPONT@medecin.mssante.fr",
            ),
            ("x+tag@test.mssante.local", "x+tag@test.mssante.local"),
            (
                "279035121518989@patient.mssante.fr",
                "279035121518989@patient.mssante.fr",
            ),
        ];
        for (input, shown) in ok {
            let a = MailAddress::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(a.to_string(), shown);
        }
        let bad = [
            "",
            "plain",
            "@b.fr",
            "a@",
            "a@b",
            ".a@b.fr",
            "a..b@b.fr",
            "a b@b.fr",
            "a@b_c.fr",
            "a@-b.fr",
            "é@b.fr",
            "a@b.fr\r\nBcc: x@y.fr",
        ];
        for input in bad {
            assert!(MailAddress::parse(input).is_err(), "{input:?} accepted");
        }
    }

    #[test]
    fn patient_mailbox_is_masked_in_debug() {
        let a = MailAddress::parse("279035121518989@patient.mssante.fr").unwrap();
        assert!(a.is_patient_mailbox());
        assert!(!format!("{a:?}").contains("2790"));
    }

    #[test]
    fn kinds_round_trip() {
        for k in ["PER", "ORG", "APP", "CAB"] {
            assert_eq!(MailboxKind::from_code(k).code(), k);
        }
        assert_eq!(
            MailboxKind::from_code("xyz"),
            MailboxKind::Other("XYZ".into())
        );
    }
}
