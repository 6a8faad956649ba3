//! Rights on documents that the software checks before asking the DMP
//! (the DMP checks them too; the simulator does):
//!
//! - only an author of a document may delete it (reference §4, TD3.3c);
//! - imaging manifests (KOS, DICOM Key Object Selection referencing an
//!   imaging study, SC.DMP/CONF.05) are fed and deleted only by imaging
//!   professionals: the host declares whether its user is one
//!   ([`DocumentRights::imaging`]), and a KOS is deleted only by its author.
//!
//! The exact DMP rule for KOS (which professions, whether a KOS may be
//! replaced by another structure) is not public (UNCONFIRMED): this module
//! implements the conservative reading above. [`kos_entry`] derives the
//! metadata of a KOS from the imaging report it comes with (codes as
//! DRIMbox sends them).

use segur_cda::Document;
use segur_cda::xds::{DocumentEntry, EntryOptions, XdsCode};

use crate::error::Error;
use crate::feed::PreparedFeed;

/// MIME type of a KOS.
pub const KOS_MIME_TYPE: &str = "application/dicom";
/// formatCode of a KOS (IHE RAD XDS-I manifest).
pub const KOS_FORMAT_CODE: &str = "1.2.840.10008.5.1.4.1.1.88.59";
/// Coding scheme of the KOS formatCode.
pub const KOS_FORMAT_CODE_SYSTEM: &str = "1.2.840.10008.2.6.1";

/// Whether an entry is an imaging manifest.
pub fn is_kos(e: &DocumentEntry) -> bool {
    e.mime_type == KOS_MIME_TYPE || e.format_code.code == KOS_FORMAT_CODE
}

/// Metadata of a KOS sent with its imaging report `reference` (patient,
/// authors, facility and practice setting from the report's header; the
/// KOS's own uniqueId is its DICOM SOP Instance UID).
pub fn kos_entry(
    reference: &Document,
    kos: &[u8],
    sop_instance_uid: &str,
    study_instance_uid: Option<&str>,
) -> Result<DocumentEntry, Error> {
    let options = EntryOptions {
        class_code: Some(XdsCode::new(
            "31",
            "1.2.250.1.213.1.1.4.1",
            "Imagerie médicale",
        )),
        format_code: Some(XdsCode::new(
            KOS_FORMAT_CODE,
            KOS_FORMAT_CODE_SYSTEM,
            "Document de Références d'objets d'imagerie selon profil IHE RAD XDS-I",
        )),
        comments: Some("KOS".into()),
        ..EntryOptions::default()
    };
    let mut e = DocumentEntry::from_document(reference, kos, &options)
        .map_err(|e| Error::Cda(segur_cda::Error::Xds(e)))?;
    e.mime_type = KOS_MIME_TYPE.into();
    e.unique_id = sop_instance_uid.to_owned();
    e.type_code = XdsCode::new(
        "IMG-KOS",
        "1.2.250.1.213.1.1.4.12",
        "Référence d'objets d'un examen d'imagerie",
    );
    e.title = Some("Référence d'objets d'un examen d'imagerie".into());
    if let Some(study) = study_instance_uid {
        e.reference_ids
            .push(format!("{study}^^^^urn:ihe:iti:xds:2016:studyInstanceUID"));
    }
    Ok(e)
}

/// A right the software refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RightsError {
    /// Imaging manifests are fed / deleted by imaging professionals only.
    #[error("imaging manifests (KOS) are reserved to imaging professionals")]
    KosReserved,
    /// Only an author of a document may delete it.
    #[error("only an author of document {unique_id} may delete it")]
    NotAuthor {
        /// The document.
        unique_id: String,
    },
}

/// The user's rights on documents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DocumentRights {
    /// The user is an imaging professional (may feed and delete KOS).
    pub imaging: bool,
}

/// The national id (first XCN component) of each author person of `e`.
pub fn author_ids(e: &DocumentEntry) -> Vec<&str> {
    e.authors
        .iter()
        .filter_map(|a| a.person.as_deref())
        .map(|p| p.split('^').next().unwrap_or(p))
        .filter(|id| !id.is_empty())
        .collect()
}

impl DocumentRights {
    /// Checks a feed.
    pub fn check_feed(&self, feed: &PreparedFeed) -> Result<(), RightsError> {
        if feed.has_kos() && !self.imaging {
            return Err(RightsError::KosReserved);
        }
        Ok(())
    }

    /// Checks the deletion of `entry` by `actor` (its national id, the VIHF
    /// `NameID`).
    pub fn check_delete(&self, entry: &DocumentEntry, actor: &str) -> Result<(), RightsError> {
        if is_kos(entry) && !self.imaging {
            return Err(RightsError::KosReserved);
        }
        if !author_ids(entry).contains(&actor) {
            return Err(RightsError::NotAuthor {
                unique_id: entry.unique_id.clone(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delete_by_author_only_and_kos_reserved() {
        let doc = segur_cda::samples::n1_document().expect("sample");
        let bytes = doc.to_xml();
        let entry =
            DocumentEntry::from_document(&doc, &bytes, &EntryOptions::default()).expect("entry");
        let gp = DocumentRights::default();
        assert_eq!(author_ids(&entry), ["810003612545"]);
        assert!(gp.check_delete(&entry, "810003612545").is_ok());
        assert!(matches!(
            gp.check_delete(&entry, "810000000058"),
            Err(RightsError::NotAuthor { .. })
        ));
        let kos =
            kos_entry(&doc, b"DICM", "1.2.826.0.1.3680043.2.1125.1", Some("1.2.3")).expect("kos");
        assert!(is_kos(&kos));
        assert_eq!(kos.mime_type, KOS_MIME_TYPE);
        assert_eq!(kos.unique_id, "1.2.826.0.1.3680043.2.1125.1");
        assert_eq!(
            gp.check_delete(&kos, "810003612545"),
            Err(RightsError::KosReserved)
        );
        let radiologist = DocumentRights { imaging: true };
        assert!(radiologist.check_delete(&kos, "810003612545").is_ok());
    }
}
