//! One-click qualification (SENTINELLE.07/08) from the file's pending
//! conclusive INSi answer.

use time::OffsetDateTime;

use super::{IndexError, LocalPatientId, PatientRecord, Sentinelle, forbidding_attribute, index};
use crate::insi::TraitsDiff;
use crate::{
    EventContext, IdentityAttribute, IdentityDocumentType, IdentityEvent, RnivException,
    TransitionError,
};

/// How the identity document criterion is met when qualifying.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum QualificationMethod {
    /// A document checked now (never pre-selected: the user says which),
    /// with an RNIV exception when it is not high trust.
    Document {
        /// The document seen.
        document: IdentityDocumentType,
        /// The RNIV exception (EHPAD, minor) when the document is not high trust.
        exception: Option<RnivException>,
    },
    /// RNIV volet 4 (liberal practitioners): the professional knows the
    /// patient and checked a high-trust document at an earlier encounter.
    /// The exact procedure is **UNCONFIRMED** (not public).
    LiberalPractitionerException {
        /// The document checked earlier.
        document: IdentityDocumentType,
        /// When.
        originally_checked_at: OffsetDateTime,
    },
    /// The document check already on the file (identity *validée*).
    ExistingDocumentCheck,
}

/// Why a qualification (or acceptance) was refused. The file is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QualificationError {
    /// The file is unknown.
    #[error("patient file {0} not found")]
    UnknownPatient(LocalPatientId),
    /// The identity is *douteuse* or *fictive*.
    #[error("the identity is {0}: qualification is not allowed")]
    DoubtfulIdentity(IdentityAttribute),
    /// No conclusive INSi answer is pending for the file.
    #[error("no conclusive INSi answer for this file")]
    NoInsiAnswer,
    /// The traits changed since the INSi answer.
    #[error("the traits changed since the INSi answer")]
    AnswerOutdated,
    /// The INS returned is not usable (bad key, unknown OID).
    #[error("the INS returned by INSi is not usable: {0}")]
    InvalidInsInAnswer(String),
    /// The returned traits are not usable.
    #[error("the traits returned by INSi are not usable: {0}")]
    InvalidReturnedTraits(String),
    /// Traits differ and the user did not accept the returned ones.
    #[error("traits differ from the INSi answer: {}", .0.differing_fields().iter().map(|f| f.to_string()).collect::<Vec<_>>().join(", "))]
    DifferingTraits(Box<TraitsDiff>),
    /// [`QualificationMethod::ExistingDocumentCheck`] without a (still valid) document check.
    #[error("no identity document check on the file")]
    NoDocumentCheck,
    /// The identity state machine refused an event (e.g. a document that
    /// is not high trust).
    #[error(transparent)]
    Refused(#[from] TransitionError),
    /// The index failed.
    #[error(transparent)]
    Index(#[from] IndexError),
}

impl QualificationError {
    /// Plain-French explanation with the action to take.
    pub fn explanation(&self) -> &'static str {
        match self {
            Self::UnknownPatient(_) => "Ce dossier patient n'existe plus. Rafraîchissez la liste.",
            Self::DoubtfulIdentity(_) => {
                "L'identité est marquée douteuse ou fictive : elle ne peut pas être qualifiée. \
                 Levez d'abord le doute avec une pièce d'identité."
            }
            Self::NoInsiAnswer => {
                "Aucune réponse concluante du téléservice INSi n'est disponible pour ce dossier. \
                 Lancez la recherche INSi (ou attendez la fin de la vérification en cours), puis \
                 qualifiez."
            }
            Self::AnswerOutdated => {
                "Les traits du dossier ont changé depuis la réponse INSi. Relancez la recherche \
                 INSi avant de qualifier."
            }
            Self::InvalidInsInAnswer(_) => {
                "Le matricule INS renvoyé par INSi est inexploitable : la qualification est \
                 impossible. Signalez-le à votre référent en identitovigilance."
            }
            Self::InvalidReturnedTraits(_) => {
                "Les traits renvoyés par INSi sont incomplets : la qualification est impossible. \
                 Relancez la recherche et, si le problème persiste, contactez l'éditeur."
            }
            Self::DifferingTraits(_) => {
                "Des traits du dossier diffèrent de ceux renvoyés par INSi. Vérifiez-les sur la \
                 pièce d'identité ; si la pièce confirme INSi, acceptez les traits INSi pour \
                 qualifier, sinon ne qualifiez pas."
            }
            Self::NoDocumentCheck => {
                "Aucun contrôle de pièce d'identité valide n'est enregistré. Indiquez la pièce \
                 d'identité à haut niveau de confiance présentée par le patient."
            }
            Self::Refused(TransitionError::DocumentNotHighTrust { .. })
            | Self::Refused(TransitionError::ExceptionNotApplicable { .. }) => {
                "Ce justificatif ne permet pas de qualifier l'identité (pièce à haut niveau de \
                 confiance requise : passeport, carte d'identité, titre de séjour…). Demandez une \
                 autre pièce ; l'identité reste récupérée en attendant."
            }
            Self::Refused(_) => {
                "La qualification a été refusée par les règles d'identitovigilance. Vérifiez \
                 l'identité et ses attributs, puis réessayez."
            }
            Self::Index(_) => {
                "La base des dossiers patients est inaccessible : rien n'a été modifié. Réessayez."
            }
        }
    }
}

impl Sentinelle {
    // --- qualification -------------------------------------------------------

    /// Qualifies the identity in one click (SENTINELLE.07/08) from the
    /// file's pending conclusive INSi answer and the identity document
    /// criterion given by `method`. With `accept_returned_traits`, the user
    /// confirms that the identity document matches the INSi traits where they
    /// differ from the file's; they then replace them. Refused with a typed
    /// error when a precondition fails; the file is then unchanged.
    pub fn qualify(
        &self,
        id: &LocalPatientId,
        method: QualificationMethod,
        accept_returned_traits: bool,
        user: &str,
    ) -> Result<PatientRecord, QualificationError> {
        self.apply_answer(id, Some(method), accept_returned_traits, user)
    }

    /// Accepts the pending INSi answer without a document check: the INS is
    /// *récupéré* (or the identity becomes qualified when a document check is
    /// already on the file).
    pub fn accept_insi_answer(
        &self,
        id: &LocalPatientId,
        accept_returned_traits: bool,
        user: &str,
    ) -> Result<PatientRecord, QualificationError> {
        self.apply_answer(id, None, accept_returned_traits, user)
    }

    fn apply_answer(
        &self,
        id: &LocalPatientId,
        method: Option<QualificationMethod>,
        accept_returned_traits: bool,
        user: &str,
    ) -> Result<PatientRecord, QualificationError> {
        let mut record = self
            .inner
            .index
            .get(id)?
            .ok_or_else(|| QualificationError::UnknownPatient(id.clone()))?;
        if let Some(a) = forbidding_attribute(&record.identity) {
            return Err(QualificationError::DoubtfulIdentity(a));
        }
        let answer = record
            .pending_answer
            .clone()
            .ok_or(QualificationError::NoInsiAnswer)?;
        if &answer.traits_at_call != record.identity.traits() {
            return Err(QualificationError::AnswerOutdated);
        }
        let ins = answer.identity.ins().ok_or_else(|| {
            QualificationError::InvalidInsInAnswer(format!(
                "{} (OID {})",
                answer.identity.active.matricule, answer.identity.active.oid
            ))
        })?;
        let returned = index::returned_traits(&answer.identity)
            .map_err(|e| QualificationError::InvalidReturnedTraits(e.to_string()))?;
        let differing = !answer.diff.is_match();
        if differing && !accept_returned_traits {
            return Err(QualificationError::DifferingTraits(Box::new(answer.diff)));
        }
        let ctx =
            EventContext::new(self.now(), user).with_policy(self.inner.config.document_policy);
        let mut identity = record.identity.clone();
        if differing {
            if matches!(method, Some(QualificationMethod::ExistingDocumentCheck)) {
                // Changing strict traits invalidates the earlier document check.
                return Err(QualificationError::NoDocumentCheck);
            }
            let mut b = returned.to_builder();
            if let Some(n) = identity.traits().used_family_name() {
                b = b.used_family_name(n.to_string());
            }
            if let Some(n) = identity.traits().used_given_name() {
                b = b.used_given_name(n.to_string());
            }
            if returned.birth_place().is_none() {
                if let Some(p) = identity.traits().birth_place() {
                    b = b.birth_place(p.to_string());
                }
            }
            let traits = b
                .build()
                .map_err(|e| QualificationError::InvalidReturnedTraits(e.to_string()))?;
            identity.apply(IdentityEvent::TraitsModified { traits }, &ctx)?;
        }
        identity.apply(
            IdentityEvent::InsiSuccess {
                ins,
                traits: returned,
            },
            &ctx,
        )?;
        match method {
            None => {}
            Some(QualificationMethod::Document {
                document,
                exception,
            }) => {
                identity.apply(
                    IdentityEvent::DocumentChecked {
                        document,
                        exception,
                    },
                    &ctx,
                )?;
            }
            Some(QualificationMethod::LiberalPractitionerException {
                document,
                originally_checked_at,
            }) => {
                identity.apply(
                    IdentityEvent::LiberalPractitionerException {
                        document,
                        originally_checked_at,
                    },
                    &ctx,
                )?;
            }
            Some(QualificationMethod::ExistingDocumentCheck)
                if identity.document_check().is_none() =>
            {
                return Err(QualificationError::NoDocumentCheck);
            }
            Some(QualificationMethod::ExistingDocumentCheck) => {}
        }
        record.identity = identity;
        record.pending_answer = None;
        self.inner.index.update(&record)?;
        Ok(record)
    }
}
