//! Patient files: each holds a `segur_ins::Identity` (traits, RNIV status,
//! INS, evidence). The banner of an open file shows the status and, for a
//! qualified identity only, the INS (SENTINELLE.17). The file also holds
//! the patient's contact details, written in the documents whose volet
//! requires them.

use segur_conformance::host::{
    BoxFuture, HostError, IdentityDisplay, PatientContact, PatientFileRef, PatientFiles,
};
use segur_ins::Identity;
use segur_ssi::audit::Outcome;

use super::{Core, ReferenceLgc, lock};

/// One patient file.
#[derive(Debug, Clone)]
pub(super) struct PatientFile {
    pub reference: PatientFileRef,
    pub identity: Identity,
    pub contact: PatientContact,
}

/// Every patient file of the practice.
#[derive(Debug, Default)]
pub(super) struct PatientStore {
    files: std::sync::Mutex<Vec<PatientFile>>,
}

impl PatientStore {
    /// The file, or an adapter error naming it.
    pub fn get(&self, reference: &PatientFileRef) -> Result<PatientFile, HostError> {
        lock(&self.files)
            .iter()
            .find(|f| f.reference == *reference)
            .cloned()
            .ok_or_else(|| HostError::failed(format!("no patient file {reference}")))
    }

    /// The files whose identity satisfies `matches`.
    pub fn find(&self, matches: impl Fn(&Identity) -> bool) -> Vec<(PatientFileRef, Identity)> {
        lock(&self.files)
            .iter()
            .filter(|f| matches(&f.identity))
            .map(|f| (f.reference.clone(), f.identity.clone()))
            .collect()
    }

    /// Every file, in creation order.
    pub fn all(&self) -> Vec<PatientFile> {
        lock(&self.files).clone()
    }

    /// Adds a file.
    pub fn insert(&self, file: PatientFile) {
        lock(&self.files).push(file);
    }

    /// Replaces the identity of a file.
    pub fn set_identity(
        &self,
        reference: &PatientFileRef,
        identity: Identity,
    ) -> Result<(), HostError> {
        let mut files = lock(&self.files);
        let file = files
            .iter_mut()
            .find(|f| f.reference == *reference)
            .ok_or_else(|| HostError::failed(format!("no patient file {reference}")))?;
        file.identity = identity;
        Ok(())
    }
}

impl Core {
    /// What the banner of the file shows: the status, and the INS only when
    /// the identity is qualified (the only case where it may be used).
    pub(super) fn identity_display(
        &self,
        file: &PatientFileRef,
    ) -> Result<IdentityDisplay, HostError> {
        let identity = self.patients.get(file)?.identity;
        Ok(IdentityDisplay::new(
            identity.status(),
            identity.qualified_ins().map(|q| *q.ins()),
        ))
    }
}

impl PatientFiles for ReferenceLgc {
    fn list(&self) -> BoxFuture<'_, Result<Vec<PatientFileRef>, HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            let files = lock(&core.patients.files);
            Ok(files.iter().map(|f| f.reference.clone()).collect())
        })
    }

    fn open<'a>(&'a self, file: &'a PatientFileRef) -> BoxFuture<'a, Result<(), HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            core.patients.get(file)?;
            // The DMP banner refreshes in the background (SC.DMP/UX.50).
            core.dmp_file_opened(file);
            core.trace(
                core.event("patient.file.opened", "user", Outcome::Success)?
                    .with_patient(file.as_str()),
            )?;
            // Not qualified: INSi is asked in the background (SENTINELLE.05/06).
            core.file_opened(file)
        })
    }

    fn create<'a>(
        &'a self,
        identity: &'a Identity,
    ) -> BoxFuture<'a, Result<PatientFileRef, HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            let reference = PatientFileRef::new(core.ids.name("patient"));
            lock(&core.patients.files).push(PatientFile {
                reference: reference.clone(),
                identity: identity.clone(),
                contact: PatientContact::default(),
            });
            core.trace(
                core.event("patient.file.created", "user", Outcome::Success)?
                    .with_patient(reference.as_str())
                    .with_detail("identity_status", identity.status().code()),
            )?;
            Ok(reference)
        })
    }

    fn set_contact<'a>(
        &'a self,
        file: &'a PatientFileRef,
        contact: &'a PatientContact,
    ) -> BoxFuture<'a, Result<(), HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            {
                let mut files = lock(&core.patients.files);
                let f = files
                    .iter_mut()
                    .find(|f| f.reference == *file)
                    .ok_or_else(|| HostError::failed(format!("no patient file {file}")))?;
                f.contact = contact.clone();
            }
            core.trace(
                core.event("patient.file.updated", "user", Outcome::Success)?
                    .with_patient(file.as_str()),
            )
        })
    }
}
