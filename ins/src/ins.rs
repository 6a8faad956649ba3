//! The INS: matricule (NIR or NIA) + assigning authority OID, and its forms in
//! CDA, HL7 v2 / XDS and FHIR.

use std::fmt;

use segur_ids::{Oid, oid};

use crate::{Nir, NirError};

/// OID of the INS-NIR assigning authority (production).
pub const OID_INS_NIR: Oid = oid!("1.2.250.1.213.1.4.8");
/// OID of the INS-NIA assigning authority (production).
pub const OID_INS_NIA: Oid = oid!("1.2.250.1.213.1.4.9");
/// OID of INS-NIR **test** identities (fictitious test patients).
pub const OID_INS_TEST: Oid = oid!("1.2.250.1.213.1.4.10");
/// OID of INS-NIR **demonstration** identities.
pub const OID_INS_DEMO: Oid = oid!("1.2.250.1.213.1.4.11");

/// Why an INS (or one of its serialised forms) is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InsError {
    /// The matricule is not a valid NIR / NIA.
    #[error("INS matricule: {0}")]
    Matricule(#[from] NirError),
    /// The OID is not one of the four INS authorities (`1.2.250.1.213.1.4.8` to `.11`).
    #[error("{found:?} is not an INS OID (expected 1.2.250.1.213.1.4.8, .9, .10 or .11)")]
    UnknownOid {
        /// The OID or system found.
        found: String,
    },
    /// A CX / FHIR / CDA form is malformed.
    #[error("malformed {form}: {reason}")]
    Malformed {
        /// `"CX"`, `"FHIR identifier"`, `"CDA id"`.
        form: &'static str,
        /// What is wrong.
        reason: String,
    },
}

/// The four INS assigning authorities.
///
/// NIR vs NIA is told by this OID only. Test (`.10`) and demonstration (`.11`)
/// identities are NIR-type domains but are never merged with production records.
/// The set is closed (the datamatrix S2 field and the CI-SIS know these four),
/// so the enum can be matched exhaustively.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InsOid {
    /// INS-NIR, `1.2.250.1.213.1.4.8` (production).
    InsNir,
    /// INS-NIA, `1.2.250.1.213.1.4.9` (production).
    InsNia,
    /// INS-NIR of test, `1.2.250.1.213.1.4.10`.
    Test,
    /// INS-NIR of demonstration, `1.2.250.1.213.1.4.11`.
    Demo,
}

impl InsOid {
    /// Every INS authority.
    pub const ALL: [InsOid; 4] = [Self::InsNir, Self::InsNia, Self::Test, Self::Demo];

    /// The OID.
    pub fn oid(self) -> Oid {
        match self {
            Self::InsNir => OID_INS_NIR,
            Self::InsNia => OID_INS_NIA,
            Self::Test => OID_INS_TEST,
            Self::Demo => OID_INS_DEMO,
        }
    }

    /// The dotted OID as a static string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InsNir => "1.2.250.1.213.1.4.8",
            Self::InsNia => "1.2.250.1.213.1.4.9",
            Self::Test => "1.2.250.1.213.1.4.10",
            Self::Demo => "1.2.250.1.213.1.4.11",
        }
    }

    /// The authority for an OID, if it is one of the four.
    pub fn from_oid(oid: &Oid) -> Option<Self> {
        Self::from_oid_str(oid.as_str())
    }

    /// The authority for a dotted OID string, if it is one of the four.
    pub fn from_oid_str(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == s)
    }

    /// Whether this is a production authority (NIR or NIA), as opposed to test / demo.
    pub fn is_production(self) -> bool {
        matches!(self, Self::InsNir | Self::InsNia)
    }

    /// The FHIR identifier system: `urn:oid:<OID>`.
    pub fn fhir_system(self) -> String {
        format!("urn:oid:{}", self.as_str())
    }

    /// The identifier type code of FR Core (`fr-core-cs-v2-0203`): `INS-NIR`,
    /// `INS-NIA`, `INS-NIR-TEST`, `INS-NIR-DEMO`.
    pub fn fhir_type_code(self) -> &'static str {
        match self {
            Self::InsNir => "INS-NIR",
            Self::InsNia => "INS-NIA",
            Self::Test => "INS-NIR-TEST",
            Self::Demo => "INS-NIR-DEMO",
        }
    }

    /// The FHIR `identifier.use` of FR Core: `temp` for a NIA, `official` otherwise.
    pub fn fhir_use(self) -> &'static str {
        match self {
            Self::InsNia => "temp",
            _ => "official",
        }
    }
}

impl fmt::Display for InsOid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for InsOid {
    type Err = InsError;
    fn from_str(s: &str) -> Result<Self, InsError> {
        Self::from_oid_str(s).ok_or_else(|| InsError::UnknownOid {
            found: s.to_owned(),
        })
    }
}

impl serde::Serialize for InsOid {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for InsOid {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// An INS: the matricule (the person's own NIR or NIA) and its assigning authority.
///
/// Holding an `Ins` does not allow sharing it: documents, DMP and MSSanté take
/// a [`crate::QualifiedIns`], which only a qualified [`crate::Identity`] gives.
///
/// ```
/// use segur_ins::{Ins, InsOid, Nir};
/// let ins = Ins::new("279035121518989".parse::<Nir>()?, InsOid::Test);
/// assert_eq!(ins.to_cx(), "279035121518989^^^&1.2.250.1.213.1.4.10&ISO^NH");
/// assert_eq!(Ins::from_cx(&ins.to_cx())?, ins);
/// let (root, extension) = ins.cda_id();
/// assert_eq!((root.as_str(), extension), ("1.2.250.1.213.1.4.10", "279035121518989"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Ins {
    matricule: Nir,
    oid: InsOid,
}

impl Ins {
    /// An INS from its matricule and authority.
    pub fn new(matricule: Nir, oid: InsOid) -> Self {
        Self { matricule, oid }
    }

    /// The matricule (NIR or NIA, as told by [`Ins::oid`]).
    pub fn matricule(&self) -> &Nir {
        &self.matricule
    }

    /// The assigning authority.
    pub fn oid(&self) -> InsOid {
        self.oid
    }

    /// Whether the matricule is a NIA (told by the OID only).
    pub fn is_nia(&self) -> bool {
        self.oid == InsOid::InsNia
    }

    /// The CDA `id` as (`@root`, `@extension`): `<id root="OID" extension="matricule"/>`.
    pub fn cda_id(&self) -> (Oid, &str) {
        (self.oid.oid(), self.matricule.as_str())
    }

    /// Reads a CDA `id` (`@root`, `@extension`).
    pub fn from_cda_id(root: &str, extension: &str) -> Result<Self, InsError> {
        let oid = root.trim().parse::<InsOid>()?;
        Ok(Self::new(Nir::parse(extension.trim())?, oid))
    }

    /// The HL7 v2 / XDS CX form used as patient id in XDS metadata:
    /// `<matricule>^^^&<OID>&ISO^NH`.
    pub fn to_cx(&self) -> String {
        format!("{}^^^&{}&ISO^NH", self.matricule, self.oid.as_str())
    }

    /// Reads a CX value: `<matricule>^^^<namespace>&<OID>&ISO[^<type>[^...]]`.
    ///
    /// The namespace id (e.g. `ASIP-SANTE-INS-NIR` in PID-3) may be empty, the
    /// identifier type code (CX.5) may be `NH` (XDS), `INS` (PAM) or absent,
    /// and later components (CX.7 effective date…) are ignored.
    pub fn from_cx(cx: &str) -> Result<Self, InsError> {
        let malformed = |reason: &str| InsError::Malformed {
            form: "CX",
            reason: reason.to_owned(),
        };
        let comps: Vec<&str> = cx.trim().split('^').collect();
        if comps.len() < 4 {
            return Err(malformed(
                "expected <matricule>^^^<namespace>&<OID>&ISO (at least 4 components)",
            ));
        }
        let authority: Vec<&str> = comps[3].split('&').collect();
        if authority.len() != 3 {
            return Err(malformed(
                "assigning authority (CX.4) must be <namespace>&<OID>&ISO",
            ));
        }
        if authority[2] != "ISO" {
            return Err(malformed("universal id type (CX.4.3) must be ISO"));
        }
        match comps.get(4) {
            None | Some(&"") | Some(&"NH") | Some(&"INS") => {}
            Some(t) => {
                return Err(malformed(&format!(
                    "identifier type code (CX.5) {t:?} is not NH nor INS"
                )));
            }
        }
        let oid = authority[1].parse::<InsOid>()?;
        Ok(Self::new(Nir::parse(comps[0])?, oid))
    }

    /// The FHIR `Identifier` (`system`, `value`) pair.
    pub fn fhir_identifier(&self) -> (String, &str) {
        (self.oid.fhir_system(), self.matricule.as_str())
    }

    /// Reads a FHIR identifier (`system` = `urn:oid:<INS OID>`, `value`).
    pub fn from_fhir(system: &str, value: &str) -> Result<Self, InsError> {
        let oid = system
            .strip_prefix("urn:oid:")
            .ok_or_else(|| InsError::Malformed {
                form: "FHIR identifier",
                reason: format!("system {system:?} is not an urn:oid: URI"),
            })?
            .parse::<InsOid>()?;
        Ok(Self::new(Nir::parse(value)?, oid))
    }
}

impl fmt::Debug for Ins {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ins")
            .field("matricule", &self.matricule)
            .field("oid", &self.oid)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ins(oid: InsOid) -> Ins {
        Ins::new(Nir::parse("279035121518989").unwrap(), oid)
    }

    #[test]
    fn oids() {
        for o in InsOid::ALL {
            assert_eq!(o.oid().as_str(), o.as_str());
            assert_eq!(InsOid::from_oid(&o.oid()), Some(o));
            assert_eq!(o.as_str().parse::<InsOid>().unwrap(), o);
        }
        assert!(InsOid::InsNir.is_production() && InsOid::InsNia.is_production());
        assert!(!InsOid::Test.is_production() && !InsOid::Demo.is_production());
        assert_eq!(InsOid::from_oid_str("1.2.250.1.213.1.4.2"), None);
        assert!(matches!(
            "1.2.250.1.213.1.4.5".parse::<InsOid>(),
            Err(InsError::UnknownOid { .. })
        ));
        assert_eq!(InsOid::InsNia.fhir_use(), "temp");
        assert_eq!(InsOid::Demo.fhir_type_code(), "INS-NIR-DEMO");
    }

    #[test]
    fn cx_round_trip_and_variants() {
        for o in InsOid::ALL {
            let i = ins(o);
            assert_eq!(Ins::from_cx(&i.to_cx()).unwrap(), i);
        }
        assert_eq!(
            ins(InsOid::InsNir).to_cx(),
            "279035121518989^^^&1.2.250.1.213.1.4.8&ISO^NH"
        );
        // HL7 v2 PID-3 repetition from the ANS examples.
        let pid3 = "274075176079430^^^ASIP-SANTE-INS-NIR&1.2.250.1.213.1.4.8&ISO^INS^^20101207";
        let i = Ins::from_cx(pid3).unwrap();
        assert_eq!(i.matricule().as_str(), "274075176079430");
        assert_eq!(i.oid(), InsOid::InsNir);
        assert!(Ins::from_cx("279035121518989^^^&1.2.250.1.213.1.4.8&ISO").is_ok());
        for bad in [
            "279035121518989",
            "279035121518989^^^1.2.250.1.213.1.4.8^NH",
            "279035121518989^^^&1.2.250.1.213.1.4.8&DNS^NH",
            "279035121518989^^^&1.2.250.1.213.1.4.8&ISO^PI",
        ] {
            assert!(
                matches!(Ins::from_cx(bad), Err(InsError::Malformed { .. })),
                "{bad}"
            );
        }
        assert!(matches!(
            Ins::from_cx("279035121518988^^^&1.2.250.1.213.1.4.8&ISO^NH"),
            Err(InsError::Matricule(NirError::KeyMismatch { .. }))
        ));
        assert!(matches!(
            Ins::from_cx("279035121518989^^^&1.2.250.1.213.1.4.2&ISO^NH"),
            Err(InsError::UnknownOid { .. })
        ));
    }

    #[test]
    fn cda_and_fhir() {
        let i = ins(InsOid::Test);
        let (root, ext) = i.cda_id();
        assert_eq!(Ins::from_cda_id(root.as_str(), ext).unwrap(), i);
        let (system, value) = i.fhir_identifier();
        assert_eq!(system, "urn:oid:1.2.250.1.213.1.4.10");
        assert_eq!(Ins::from_fhir(&system, value).unwrap(), i);
        assert!(Ins::from_fhir("1.2.250.1.213.1.4.10", value).is_err());
        assert!(Ins::from_cda_id("1.2.250.1.213.1.4.13", ext).is_err());
    }

    #[test]
    fn serde_and_debug() {
        let i = ins(InsOid::InsNia);
        let j = serde_json::to_string(&i).unwrap();
        assert_eq!(
            j,
            r#"{"matricule":"279035121518989","oid":"1.2.250.1.213.1.4.9"}"#
        );
        assert_eq!(serde_json::from_str::<Ins>(&j).unwrap(), i);
        assert!(i.is_nia());
        assert!(!format!("{i:?}").contains("9035121518"));
        assert!(
            serde_json::from_str::<Ins>(
                r#"{"matricule":"279035121518989","oid":"1.2.250.1.213.1.4.2"}"#
            )
            .is_err()
        );
    }
}
