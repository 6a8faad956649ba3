//! The crate's error, by family.

use crate::vitale::BeneficiaryKey;

/// Any error of this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Invalid Vitale data, or an identity transition refused.
    #[error(transparent)]
    Vitale(#[from] VitaleError),
    /// The Vitale reader failed.
    #[error(transparent)]
    Reader(#[from] ReaderError),
    /// The apCV identification failed.
    #[error(transparent)]
    Apcv(#[from] ApcvError),
    /// Invalid prescription identifier or identifier template.
    #[error(transparent)]
    PrescriptionId(#[from] IdError),
    /// Invalid 2D code payload, or the code could not be written or read.
    #[error(transparent)]
    Code(#[from] CodeError),
    /// The e-prescription service failed.
    #[error(transparent)]
    EPrescription(#[from] EPrescriptionError),
    /// The prescription document could not be produced.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// The "envoi en Y" journal, the DMP queue or the audit trail failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// segur-dmp refused the DMP leg's document (the patient opposed
    /// feeding, unusable metadata…); the e-prescription decision is kept.
    #[error("DMP: {0}")]
    Dmp(segur_dmp::Error),
    /// segur-ins' Sentinelle workflows failed (patient index, INSi).
    #[cfg(feature = "sentinelle")]
    #[error("patient lookup: {0}")]
    Sentinelle(#[from] segur_ins::sentinelle::SentinelleError),
}

/// Invalid Vitale data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VitaleError {
    /// A date that is not `YYYY-MM-DD` / `YYYYMMDD` with month 00–12 and day 00–31.
    #[error("Vitale date {value:?}: {reason}")]
    Date {
        /// The value (truncated).
        value: String,
        /// What is expected.
        reason: &'static str,
    },
    /// A lunar date with a day that does not exist cannot become an INS
    /// birth date: the user enters the date of the identity document.
    #[error(
        "birth date {value} does not exist in the calendar (lunar date): enter it from an identity document"
    )]
    LunarDate {
        /// The date as read.
        value: String,
    },
    /// A malformed code.
    #[error("{what} {value:?}: expected {expected}")]
    Code {
        /// Which code.
        what: &'static str,
        /// The value (truncated).
        value: String,
        /// What is expected.
        expected: &'static str,
    },
    /// An empty or malformed name.
    #[error("name {value:?}: 1 to 100 characters without control characters")]
    Name {
        /// The value (truncated).
        value: String,
    },
    /// A rights period ending before it starts.
    #[error("rights period ends ({end}) before it starts ({start})")]
    RightsPeriod {
        /// Start.
        start: String,
        /// End.
        end: String,
    },
    /// A read without beneficiary.
    #[error("the read has no beneficiary")]
    NoBeneficiary,
    /// Too many beneficiaries.
    #[error("{count} beneficiaries on one read (at most {max})")]
    TooManyBeneficiaries {
        /// How many.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// Two beneficiaries share a birth date and rank.
    #[error("two beneficiaries share the birth date and rank {key}")]
    AmbiguousBeneficiaries {
        /// The shared key.
        key: BeneficiaryKey,
    },
    /// The beneficiary of quality *assuré* carries another NIR than the insured's.
    #[error("the insured beneficiary's NIR differs from the card's insured NIR")]
    InsuredNirMismatch,
    /// A physical-card read carrying an apCV identity.
    #[error("only an apCV read carries an apCV identity (INS)")]
    ApcvIdentityOnPhysicalCard,
    /// No beneficiary with this key on the read.
    #[error("no beneficiary {key} on this read")]
    NoSuchBeneficiary {
        /// The key asked for.
        key: BeneficiaryKey,
    },
    /// The beneficiary has no apCV identity (physical card, or not given).
    #[error("this beneficiary has no identity from the application carte Vitale")]
    NoApcvIdentity,
    /// A value read that the INS lexical rules cannot take (a name without
    /// any letter, a birth year out of range): search the file by traits.
    #[error("the {field} read cannot be used for an INS lookup: search the patient by traits")]
    NotInsCompatible {
        /// Which value.
        field: &'static str,
    },
    /// A creation draft that is not the chosen apCV beneficiary's identity.
    #[error("the creation draft does not hold the apCV identity of the chosen beneficiary")]
    DraftMismatch,
    /// segur-ins refused the identity transition.
    #[error("identity: {0}")]
    Identity(#[from] segur_ins::TransitionError),
}

/// A Vitale reader failure (the host's SESAM-Vitale stack, or the simulator).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReaderError {
    /// No card in the reader.
    #[error("no carte Vitale in the reader")]
    NoCard,
    /// The reader is absent or not responding.
    #[error("Vitale reader unavailable: {0}")]
    Unavailable(String),
    /// The card is blocked, invalid or expired.
    #[error("carte Vitale refused: {0}")]
    CardRefused(String),
    /// The read did not complete in time.
    #[error("Vitale read timed out")]
    Timeout,
    /// The card data did not make a valid read.
    #[error("Vitale data: {0}")]
    Data(#[from] VitaleError),
    /// Any other error of the host's stack, with its code.
    #[error("SESAM-Vitale stack error {code}: {message}")]
    Stack {
        /// The stack's code.
        code: String,
        /// Its message.
        message: String,
    },
}

/// An apCV identification failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApcvError {
    /// The scanned QR code or NFC data is not an apCV presentation.
    #[error("not an apCV presentation: {0}")]
    BadPresentation(String),
    /// The presentation expired before the exchange completed (short-lived tokens).
    #[error("the apCV presentation expired: ask the patient to present the app again")]
    Expired,
    /// The presentation was already used (single use).
    #[error("the apCV presentation was already used")]
    AlreadyUsed,
    /// The session is not in a state allowing this step.
    #[error("apCV session: {0}")]
    Session(&'static str),
    /// The apCV service refused the identification.
    #[error("apCV service refused the identification: {code}: {message}")]
    Refused {
        /// Code.
        code: String,
        /// Message.
        message: String,
    },
    /// The apCV service could not be reached, or answered badly.
    #[error("apCV service unavailable: {0}")]
    Unavailable(String),
    /// The answer was not a valid Vitale read, or does not fit the session.
    #[error("apCV answer: {0}")]
    Answer(String),
}

/// Invalid prescription identifier or identifier template.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    /// The identifier breaks the generic rules (1–64 characters `0-9A-Z-`).
    #[error("prescription identifier {value:?}: {reason}")]
    Invalid {
        /// The value (truncated).
        value: String,
        /// What is wrong.
        reason: String,
    },
    /// The identifier does not follow the configured template.
    #[error("prescription identifier {value:?} does not follow {template}: {reason}")]
    Template {
        /// The value (truncated).
        value: String,
        /// The template.
        template: String,
        /// What is wrong.
        reason: String,
    },
    /// The check character does not match (typing error).
    #[error(
        "prescription identifier {value:?}: check character {found} does not match (expected {expected})"
    )]
    CheckCharacter {
        /// The value.
        value: String,
        /// Expected.
        expected: char,
        /// Found.
        found: char,
    },
    /// A malformed template.
    #[error("identifier template {template:?}: {reason}")]
    BadTemplate {
        /// The template (truncated).
        template: String,
        /// What is wrong.
        reason: String,
    },
    /// A value the template needs was not given (e.g. `{rpps}`).
    #[error("identifier template needs {0}")]
    MissingInput(&'static str),
    /// The sequence store or the random source failed.
    #[error("identifier generation: {0}")]
    Generation(String),
}

/// A 2D code payload, encoding or decoding failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CodeError {
    /// The payload is not a valid 2D code content.
    #[error("2D code payload: {0}")]
    Payload(String),
    /// The payload does not fit the symbology.
    #[error("cannot encode {len} bytes as {symbology}: {reason}")]
    Encode {
        /// Symbology.
        symbology: &'static str,
        /// Payload length.
        len: usize,
        /// Why.
        reason: String,
    },
    /// The image could not be read.
    #[error("image: {0}")]
    Image(String),
    /// No QR code nor DataMatrix found in the image.
    #[error("no QR code nor DataMatrix symbol found in the image")]
    NoSymbol,
}

/// An e-prescription service failure, classified for the "envoi en Y".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EPrescriptionError {
    /// No answer in time.
    #[error("e-prescription service: no answer within {0:?}")]
    Timeout(std::time::Duration),
    /// Network failure or server error (5xx): worth retrying later.
    #[error("e-prescription service unavailable: {0}")]
    Unavailable(String),
    /// The prescription was refused (4xx with a code).
    #[error("e-prescription service refused the prescription: {code}: {message}")]
    Rejected {
        /// Service code.
        code: String,
        /// Message.
        message: String,
    },
    /// The identifier is already registered with another content.
    #[error("prescription {id} is already registered with another content")]
    Conflict {
        /// The identifier.
        id: String,
    },
    /// The answer could not be understood.
    #[error("e-prescription service answer: {0}")]
    Protocol(String),
    /// Client configuration (endpoint, TLS).
    #[error("e-prescription client configuration: {0}")]
    Config(String),
}

impl EPrescriptionError {
    /// Whether the same submission may succeed later (timeout, unavailable).
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Timeout(_) | Self::Unavailable(_))
    }

    /// A short stable code for traces: `timeout`, `unavailable`, `rejected`,
    /// `conflict`, `protocol`, `config`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Timeout(_) => "timeout",
            Self::Unavailable(_) => "unavailable",
            Self::Rejected { .. } => "rejected",
            Self::Conflict { .. } => "conflict",
            Self::Protocol(_) => "protocol",
            Self::Config(_) => "config",
        }
    }
}

/// The prescription document could not be produced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// This renderer does not produce this kind of prescription.
    #[error("no document renderer for {0}")]
    Unsupported(&'static str),
    /// segur-cda refused the document.
    #[error("CDA document: {0}")]
    Cda(String),
    /// The rendered document does not carry the identifier the orchestrator set.
    #[error("the rendered document id {found} is not the expected {expected}")]
    WrongDocumentId {
        /// Expected `root^extension`.
        expected: String,
        /// Found.
        found: String,
    },
    /// Any other failure of a host renderer.
    #[error("prescription rendering: {0}")]
    Other(String),
}

/// Persistence failures: the "envoi en Y" journal, the DMP queue, the audit trail.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite.
    #[error("SQLite: {0}")]
    Sqlite(String),
    /// A stored record could not be read back.
    #[error("stored record: {0}")]
    Corrupt(String),
    /// The DMP send queue.
    #[error("DMP queue: {0}")]
    Dmp(#[from] segur_dmp::Error),
    /// The audit trail.
    #[error("audit trail: {0}")]
    Audit(#[from] segur_ssi::Error),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Sqlite(e.to_string())
    }
}
