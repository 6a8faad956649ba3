//! Mon espace santé patient mailboxes: `<matricule INS>@patient.mssante.fr`,
//! built **only** from a [`QualifiedIns`] (ECO.2.2.6), which segur-ins gives
//! only for a qualified identity.

use std::fmt;

use segur_ins::{InsOid, QualifiedIns};

use crate::address::{MailAddress, PATIENT_DOMAIN};
use crate::error::AddressError;

/// The Mon espace santé mailbox of a patient.
///
/// There is no way to build one from a bare address or an unqualified INS:
/// the type is the proof that the INS was qualified. Write to the minor's own
/// mailbox (built from the minor's INS), not the legal representative's.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PatientMailbox {
    address: MailAddress,
    ins: QualifiedIns,
}

impl PatientMailbox {
    /// The mailbox of the patient whose qualified INS is `ins`. An INS-NIA
    /// (temporary identifier) has no Mon espace santé mailbox.
    pub fn for_patient(ins: &QualifiedIns) -> Result<Self, AddressError> {
        if ins.ins().oid() == InsOid::InsNia {
            return Err(AddressError::NotAPatientIns(
                "an INS-NIA (temporary identifier) has no Mon espace santé mailbox",
            ));
        }
        let address = MailAddress::parse(&format!("{}@{PATIENT_DOMAIN}", ins.ins().matricule()))?;
        Ok(Self { address, ins: *ins })
    }

    /// The address.
    pub fn address(&self) -> &MailAddress {
        &self.address
    }

    /// The qualified INS it was built from.
    pub fn ins(&self) -> &QualifiedIns {
        &self.ins
    }
}

impl fmt::Debug for PatientMailbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PatientMailbox(***@patient.mssante.fr)")
    }
}

/// The matricule (NIR) a patient mailbox address carries, when it looks like one
/// (15 digits, or 13 + key with Corsica letters). For display and matching of
/// received patient messages; it is not a verified INS.
pub fn matricule_of(address: &MailAddress) -> Option<&str> {
    if !address.is_patient_mailbox() {
        return None;
    }
    let local = address.local_part();
    (local.len() == 15 && local.bytes().all(|b| b.is_ascii_alphanumeric())).then_some(local)
}

#[cfg(test)]
mod tests {
    use super::*;
    use segur_ins::{
        BirthDate, CollectionMethod, EventContext, Identity, IdentityDocumentType, IdentityEvent,
        Ins, Sex, Traits,
    };

    pub(crate) fn qualified(nir: &str, oid: InsOid) -> QualifiedIns {
        let traits = Traits::builder()
            .birth_family_name("PAT-TROIS")
            .birth_given_names("DOMINIQUE")
            .birth_date(BirthDate::parse("1979-03-28").unwrap())
            .sex(Sex::Female)
            .birth_place("63220")
            .build()
            .unwrap();
        let ctx = EventContext::new(time::OffsetDateTime::UNIX_EPOCH, "test");
        let mut id = Identity::new(traits.clone(), CollectionMethod::SaisieManuelle, &ctx);
        let ins = Ins::new(nir.parse().unwrap(), oid);
        id.apply(IdentityEvent::InsiSuccess { ins, traits }, &ctx)
            .unwrap();
        id.apply(
            IdentityEvent::DocumentChecked {
                document: IdentityDocumentType::Passeport,
                exception: None,
            },
            &ctx,
        )
        .unwrap();
        id.qualified_ins().unwrap()
    }

    #[test]
    fn built_from_a_qualified_ins_only() {
        let q = qualified("279035121518989", InsOid::Test);
        let m = PatientMailbox::for_patient(&q).unwrap();
        assert_eq!(m.address().as_str(), "279035121518989@patient.mssante.fr");
        assert_eq!(matricule_of(m.address()), Some("279035121518989"));
        assert!(!format!("{m:?}").contains("2790"));
        let nia = qualified("279035121518989", InsOid::InsNia);
        assert!(matches!(
            PatientMailbox::for_patient(&nia),
            Err(AddressError::NotAPatientIns(_))
        ));
    }
}
