//! INSi errors: invalid queries, SOAP faults, transport failures, malformed
//! answers — each with a plain-French explanation and the action to take
//! (SENTINELLE.15).

use std::fmt;
use std::time::Duration;

/// Why a query cannot be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// The sex is unknown: INSi only knows `M` and `F`.
    #[error("INSi query: the sex must be M or F")]
    UnknownSex,
    /// A carte Vitale query without any matricule.
    #[error("INSi carte Vitale query: neither the beneficiary's nor the ouvrant droit's matricule")]
    VitaleWithoutMatricule,
    /// A carte Vitale query with only the ouvrant droit's matricule and no birth date.
    #[error(
        "INSi carte Vitale query: the birth date is required with the ouvrant droit's matricule"
    )]
    VitaleWithoutBirthDate,
    /// Not a `YYYY-MM-DD` lunar date.
    #[error("INSi carte Vitale query: {0:?} is not a YYYY-MM-DD date")]
    LunarDate(String),
    /// The local traits have no given name to send.
    #[error("INSi query: no given name to send")]
    NoGivenName,
}

impl QueryError {
    /// Plain-French explanation with the action to take.
    pub fn explanation(&self) -> &'static str {
        match self {
            Self::UnknownSex => {
                "Le téléservice INSi ne connaît que les sexes masculin et féminin. \
                 Renseignez le sexe de l'usager (M ou F) avant d'interroger INSi."
            }
            Self::VitaleWithoutMatricule => {
                "La carte Vitale lue ne contient aucun numéro exploitable. \
                 Relisez la carte ou recherchez l'usager par ses traits d'identité."
            }
            Self::VitaleWithoutBirthDate => {
                "La date de naissance du bénéficiaire manque sur la carte Vitale. \
                 Relisez la carte ou recherchez l'usager par ses traits d'identité."
            }
            Self::LunarDate(_) => {
                "La date de naissance lue sur la carte Vitale est illisible. \
                 Relisez la carte ou recherchez l'usager par ses traits d'identité."
            }
            Self::NoGivenName => {
                "Aucun prénom de naissance n'est renseigné. \
                 Saisissez au moins le premier prénom de naissance puis relancez la recherche."
            }
        }
    }
}

/// The SOAP 1.2 fault code (`Code/Value`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum FaultCode {
    /// `Sender`: the request is at fault (authorisation, content).
    Sender,
    /// `Receiver`: the service failed; a later retry may succeed.
    Receiver,
    /// `VersionMismatch`, `MustUnderstand`, `DataEncodingUnknown` or another value.
    Other(String),
}

impl FaultCode {
    /// Reads the local part of a `Code/Value` QName (`soap:Sender` → `Sender`).
    pub fn from_value(value: &str) -> Self {
        let local = value.rsplit(':').next().unwrap_or(value);
        match local {
            "Sender" => Self::Sender,
            "Receiver" => Self::Receiver,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The local name (`Sender`, `Receiver`, …).
    pub fn as_str(&self) -> &str {
        match self {
            Self::Sender => "Sender",
            Self::Receiver => "Receiver",
            Self::Other(s) => s,
        }
    }
}

/// The `siram:Erreur` detail of an INSi fault.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SiramError {
    /// `code`, e.g. `desir_550`.
    pub code: String,
    /// `severite`: `information`, `avertissement`, `erreur`, `fatale`.
    pub severity: String,
    /// `messageID`: the id of the request in error.
    pub message_id: Option<String>,
    /// The text.
    pub text: String,
}

/// Fault codes whose meaning is known (compared case-insensitively: the
/// service writes `desir_550`, documentation writes `DESIR_560`).
///
/// The full catalogue of SEL-MP-043 is not public: other codes are kept as
/// received and explained generically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum KnownFault {
    /// `desir_550`: the software authorisation number (IDAM) is unknown.
    UnknownSoftware,
    /// `desir_560`: insufficient access level (certificate CN not `INSI-AUTO` / `INSI-MANU`,
    /// or the professional may not use the service).
    InsufficientAccess,
}

impl KnownFault {
    /// The code as the service writes it.
    pub fn code(self) -> &'static str {
        match self {
            Self::UnknownSoftware => "desir_550",
            Self::InsufficientAccess => "desir_560",
        }
    }

    /// Recognises a code.
    pub fn from_code(code: &str) -> Option<Self> {
        [Self::UnknownSoftware, Self::InsufficientAccess]
            .into_iter()
            .find(|k| k.code().eq_ignore_ascii_case(code))
    }
}

/// A SOAP 1.2 fault returned by INSi.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SoapFault {
    /// `Code/Value`.
    pub code: FaultCode,
    /// `Code/Subcode/Value` (e.g. `siram_100`), prefix removed.
    pub subcode: Option<String>,
    /// `Reason/Text`.
    pub reason: String,
    /// `Detail/siram:Erreur`.
    pub detail: Option<SiramError>,
}

impl SoapFault {
    /// The known meaning of the detail code, if any.
    pub fn known(&self) -> Option<KnownFault> {
        self.detail
            .as_ref()
            .and_then(|d| KnownFault::from_code(&d.code))
    }

    /// Plain-French explanation with the action to take.
    pub fn explanation(&self) -> &'static str {
        match self.known() {
            Some(KnownFault::UnknownSoftware) => {
                "Le téléservice INSi ne reconnaît pas ce logiciel (numéro d'autorisation \
                 CNDA inconnu). Aucune recherche n'est possible : contactez l'éditeur du \
                 logiciel ou votre responsable informatique."
            }
            Some(KnownFault::InsufficientAccess) => {
                "Le téléservice INSi refuse l'accès : le certificat ou la carte utilisé n'a pas \
                 les droits nécessaires (le certificat de la structure doit être INSI-AUTO ou \
                 INSI-MANU). Vérifiez la carte CPS ou le certificat installé, ou contactez \
                 votre responsable informatique."
            }
            None => match self.code {
                FaultCode::Receiver => {
                    "Le téléservice INSi a rencontré une erreur interne. Réessayez dans \
                     quelques minutes ; si l'erreur persiste, poursuivez la prise en charge \
                     avec l'identité provisoire et relancez la recherche plus tard."
                }
                _ => {
                    "Le téléservice INSi a refusé la demande. Notez le message affiché et le \
                     code d'erreur, puis contactez votre responsable informatique ou l'éditeur \
                     du logiciel ; en attendant, poursuivez avec l'identité provisoire."
                }
            },
        }
    }
}

impl fmt::Display for SoapFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SOAP fault {}", self.code.as_str())?;
        if let Some(s) = &self.subcode {
            write!(f, "/{s}")?;
        }
        write!(f, ": {}", self.reason)?;
        if let Some(d) = &self.detail {
            write!(f, " ({} {}: {})", d.severity, d.code, d.text)?;
        }
        Ok(())
    }
}

/// What went wrong at the transport level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum TransportKind {
    /// The connection could not be established.
    Connect,
    /// TLS failed (server certificate not trusted, client certificate refused).
    Tls,
    /// Sending the request or reading the answer failed.
    Io,
}

/// Any INSi error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InsiError {
    /// The query cannot be sent.
    #[error(transparent)]
    Query(#[from] QueryError),
    /// INSi returned a SOAP fault.
    #[error("INSi: {0}")]
    Fault(Box<SoapFault>),
    /// An HTTP error without a SOAP fault.
    #[error("INSi: HTTP status {status}{}", if .excerpt.is_empty() { String::new() } else { format!(": {}", .excerpt) })]
    HttpStatus {
        /// The status code.
        status: u16,
        /// The start of the body (for logs; never contains patient data sent by us).
        excerpt: String,
    },
    /// No answer within the configured timeout (after every retry).
    #[error("INSi: no answer within {timeout:?} ({attempts} attempt(s))")]
    Timeout {
        /// The per-attempt timeout.
        timeout: Duration,
        /// How many attempts were made.
        attempts: u32,
    },
    /// The service could not be reached.
    #[error("INSi: {kind:?} error: {message}")]
    Transport {
        /// What failed.
        kind: TransportKind,
        /// Details.
        message: String,
    },
    /// The answer is not a readable INSi answer.
    #[error("INSi: malformed answer: {reason}")]
    MalformedResponse {
        /// Why.
        reason: String,
    },
    /// `CodeCR` is none of `00`, `01`, `02`.
    #[error("INSi: unknown result code {code:?} ({label})")]
    UnknownResultCode {
        /// The code.
        code: String,
        /// The label.
        label: String,
    },
    /// No credential could be obtained (token source, CPS card signer).
    #[error("INSi authentication: {reason}")]
    Authentication {
        /// Why.
        reason: String,
    },
    /// The client is misconfigured (endpoint, certificate, trust store).
    #[error("INSi configuration: {reason}")]
    Configuration {
        /// Why.
        reason: String,
    },
}

impl InsiError {
    /// Whether retrying later may succeed (time-outs, connection failures,
    /// 502/503/504/429, `Receiver` faults).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Timeout { .. } => true,
            Self::Transport { kind, .. } => *kind != TransportKind::Tls,
            Self::HttpStatus { status, .. } => matches!(status, 429 | 502 | 503 | 504),
            Self::Fault(f) => f.code == FaultCode::Receiver,
            _ => false,
        }
    }

    /// The SOAP fault, if INSi returned one.
    pub fn fault(&self) -> Option<&SoapFault> {
        match self {
            Self::Fault(f) => Some(f.as_ref()),
            _ => None,
        }
    }

    /// Plain-French explanation with the action to take (SENTINELLE.15).
    pub fn explanation(&self) -> &'static str {
        match self {
            Self::Query(q) => q.explanation(),
            Self::Fault(f) => f.explanation(),
            Self::HttpStatus {
                status: 401 | 403, ..
            } => {
                "Le téléservice INSi a refusé l'authentification. Vérifiez que la carte CPS \
                 est insérée ou reconnectez-vous à Pro Santé Connect, puis relancez la recherche."
            }
            Self::HttpStatus {
                status: 429 | 502 | 503 | 504,
                ..
            } => {
                "Le téléservice INSi est momentanément indisponible. Poursuivez la prise en \
                 charge avec l'identité provisoire ; la recherche sera relancée à la prochaine \
                 ouverture du dossier, ou relancez-la dans quelques minutes."
            }
            Self::HttpStatus { .. } => {
                "Le téléservice INSi a répondu par une erreur inattendue. Relancez la recherche ; \
                 si l'erreur persiste, contactez votre responsable informatique."
            }
            Self::Timeout { .. } => {
                "Le téléservice INSi n'a pas répondu à temps. Poursuivez la prise en charge avec \
                 l'identité provisoire ; la recherche sera relancée à la prochaine ouverture du \
                 dossier, ou relancez-la dans quelques minutes."
            }
            Self::Transport {
                kind: TransportKind::Tls,
                ..
            } => {
                "La connexion sécurisée au téléservice INSi a échoué (certificat refusé ou non \
                 reconnu). Contactez votre responsable informatique pour vérifier le certificat \
                 installé."
            }
            Self::Transport { .. } => {
                "Le téléservice INSi est injoignable. Vérifiez la connexion Internet du poste ; \
                 en attendant, poursuivez avec l'identité provisoire et relancez la recherche \
                 plus tard."
            }
            Self::MalformedResponse { .. } | Self::UnknownResultCode { .. } => {
                "La réponse du téléservice INSi est inexploitable. Aucune donnée n'a été \
                 modifiée ; relancez la recherche et, si le problème persiste, contactez \
                 l'éditeur du logiciel."
            }
            Self::Authentication { .. } => {
                "Impossible de s'authentifier auprès du téléservice INSi. Vérifiez que la carte \
                 CPS est insérée et déverrouillée, ou reconnectez-vous à Pro Santé Connect, puis \
                 relancez la recherche."
            }
            Self::Configuration { .. } => {
                "Le logiciel n'est pas correctement paramétré pour appeler le téléservice INSi \
                 (adresse, certificat). Contactez votre responsable informatique."
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_faults_are_case_insensitive() {
        assert_eq!(
            KnownFault::from_code("DESIR_560"),
            Some(KnownFault::InsufficientAccess)
        );
        assert_eq!(
            KnownFault::from_code("desir_550"),
            Some(KnownFault::UnknownSoftware)
        );
        assert_eq!(KnownFault::from_code("desir_999"), None);
        assert_eq!(FaultCode::from_value("soap:Sender"), FaultCode::Sender);
        assert_eq!(FaultCode::from_value("env:Receiver"), FaultCode::Receiver);
        assert_eq!(
            FaultCode::from_value("x:MustUnderstand"),
            FaultCode::Other("MustUnderstand".into())
        );
    }

    #[test]
    fn transient_classification_and_explanations() {
        let t = InsiError::Timeout {
            timeout: Duration::from_secs(5),
            attempts: 2,
        };
        assert!(t.is_transient());
        assert!(t.explanation().contains("identité provisoire"));
        let h = InsiError::HttpStatus {
            status: 503,
            excerpt: String::new(),
        };
        assert!(h.is_transient());
        assert!(
            !InsiError::HttpStatus {
                status: 400,
                excerpt: String::new()
            }
            .is_transient()
        );
        let tls = InsiError::Transport {
            kind: TransportKind::Tls,
            message: "x".into(),
        };
        assert!(!tls.is_transient());
        assert!(tls.explanation().contains("certificat"));
        let fault = SoapFault {
            code: FaultCode::Sender,
            subcode: Some("siram_100".into()),
            reason: "r".into(),
            detail: Some(SiramError {
                code: "desir_550".into(),
                severity: "erreur".into(),
                message_id: None,
                text: "Numéro d'autorisation du logiciel inconnu.".into(),
            }),
        };
        assert!(fault.explanation().contains("CNDA"));
        assert!(!InsiError::Fault(Box::new(fault)).is_transient());
    }
}
