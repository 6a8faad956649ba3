//! The crate error: one `#[non_exhaustive]` [`Error`] wrapping one family enum
//! per area, so a caller can match coarsely (`Error::Xdm(_)`) or precisely.
//!
//! Transport errors answer [`Error::is_connection_lost`] (the session is gone:
//! reconnect and retry) and [`Error::is_transient`] (retrying later may work),
//! like lettre's SMTP error, so a send queue can pick retry or dead-letter.

use std::fmt;

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Every error this crate returns.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An e-mail address is invalid, or is not allowed where it is used.
    #[error(transparent)]
    Address(#[from] AddressError),
    /// The network exchange with the operator failed or the session was closed.
    #[error(transparent)]
    Connection(#[from] ConnectionError),
    /// The server answered something this client cannot read, or refused a command.
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
    /// Authentication failed or is impossible with this server.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// Mailbox autoconfiguration failed.
    #[error(transparent)]
    Autoconfig(#[from] AutoconfigError),
    /// A message would break an MSSanté convention, or could not be read.
    #[error(transparent)]
    Message(#[from] MessageError),
    /// The operator refused the message or a recipient, or bounced it.
    #[error(transparent)]
    Delivery(#[from] DeliveryError),
    /// An XDM package is unsafe, malformed or inconsistent.
    #[error(transparent)]
    Xdm(#[from] XdmError),
    /// The Annuaire Santé call or file failed.
    #[error(transparent)]
    Annuaire(#[from] AnnuaireError),
    /// A received message could not be processed.
    #[error(transparent)]
    Reception(#[from] ReceptionError),
    /// A security building block (TLS configuration, certificate) failed.
    #[error(transparent)]
    Ssi(#[from] segur_ssi::Error),
    /// The Pro Santé Connect session can no longer give a token: the MSSanté
    /// session is ended and the professional must log in again (SC.MSS/CONF.10).
    #[error("the Pro Santé Connect session has ended: the MSSanté session is closed, log in again")]
    SessionEnded,
    /// A token could not be obtained for another reason.
    #[error("cannot obtain a token for MSSanté: {0}")]
    Token(segur_psc::Error),
    /// The persistent send queue failed.
    #[error(transparent)]
    Outbox(#[from] OutboxError),
}

impl Error {
    /// `true` when the session with the operator is gone (network cut, `BYE`,
    /// idle timeout, TLS failure mid-session): reconnecting and retrying the
    /// same operation is the right reaction (SC.MSS/CONF.11).
    pub fn is_connection_lost(&self) -> bool {
        matches!(self, Self::Connection(c) if c.is_connection_lost())
    }

    /// `true` when retrying later may succeed (network failure, 4xx SMTP reply,
    /// operator temporarily unavailable).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Connection(c) => {
                c.is_connection_lost() || matches!(c, ConnectionError::Connect { .. })
            }
            Self::Delivery(d) => d.is_transient(),
            Self::Token(t) => t.is_transient(),
            Self::Annuaire(AnnuaireError::Http { status, .. }) => *status >= 500 || *status == 429,
            Self::Annuaire(AnnuaireError::Transport { .. }) => true,
            _ => false,
        }
    }

    /// `true` when the error is permanent (retrying the same input fails again).
    pub fn is_permanent(&self) -> bool {
        !self.is_transient()
    }

    /// A plain-French explanation for the user, saying what happened and
    /// what to do (the `Display` text is the technical detail, for logs).
    pub fn explanation(&self) -> &str {
        match self {
            Self::Address(e) => e.explanation(),
            Self::Connection(e) => e.explanation(),
            Self::Protocol(e) => e.explanation(),
            Self::Auth(e) => e.explanation(),
            Self::Autoconfig(e) => e.explanation(),
            Self::Message(e) => e.explanation(),
            Self::Delivery(e) => e.explanation(),
            Self::Xdm(e) => e.explanation(),
            Self::Annuaire(e) => e.explanation(),
            Self::Reception(e) => e.explanation(),
            Self::Ssi(_) => {
                "La configuration de sécurité (certificat, TLS) est invalide. Vérifiez la carte \
                 CPS ou le certificat installé, ou contactez votre responsable informatique."
            }
            Self::SessionEnded => {
                "Votre session Pro Santé Connect a expiré : la messagerie est déconnectée. \
                 Reconnectez-vous avec Pro Santé Connect ; les messages en attente partiront \
                 ensuite automatiquement."
            }
            Self::Token(_) => {
                "Aucun jeton Pro Santé Connect n'a pu être obtenu pour la messagerie. Vérifiez \
                 votre connexion Pro Santé Connect ; les messages en attente seront envoyés dès \
                 qu'elle sera rétablie."
            }
            Self::Outbox(OutboxError::Conflict(_)) => {
                "Un autre message porte déjà le même identifiant dans la file d'envoi : ce \
                 message n'a pas été mis en file. Recréez-le."
            }
            Self::Outbox(OutboxError::InvalidTransition { .. }) => {
                "Cette action n'est pas possible pour ce message dans son état actuel (par \
                 exemple annuler un message peut-être déjà parti)."
            }
            Self::Outbox(_) => {
                "La file d'envoi des messages est inaccessible (base de données locale). \
                 Vérifiez l'espace disque puis redémarrez le logiciel ; aucun message en file \
                 n'est perdu."
            }
        }
    }
}

impl From<segur_psc::Error> for Error {
    fn from(e: segur_psc::Error) -> Self {
        match e {
            segur_psc::Error::ReauthenticationRequired => Self::SessionEnded,
            other => Self::Token(other),
        }
    }
}

/// An invalid or disallowed e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AddressError {
    /// The text is not an `local@domain` address this SDK accepts.
    #[error("invalid e-mail address {value:?}: {reason}")]
    Invalid {
        /// The text given.
        value: String,
        /// Why.
        reason: &'static str,
    },
    /// A patient mailbox address (`@patient.mssante.fr`) was given as a plain
    /// address: it may only be built from a qualified INS.
    #[error(
        "{0} is a Mon espace santé patient mailbox: build it from the patient's qualified INS (PatientMailbox::for_patient)"
    )]
    PatientMailboxNotFromIns(String),
    /// The patient mailbox cannot be built from this INS (NIA, test or demo
    /// INS where a production one is needed…).
    #[error("no Mon espace santé mailbox for this INS: {0}")]
    NotAPatientIns(&'static str),
}

impl AddressError {
    /// A plain-French explanation for the user.
    pub fn explanation(&self) -> &'static str {
        match self {
            Self::Invalid { .. } => "Adresse de messagerie invalide : vérifiez sa saisie.",
            Self::PatientMailboxNotFromIns(_) => {
                "L'adresse de la messagerie Mon espace santé d'un patient ne se saisit pas : elle \
                 est construite à partir de son INS qualifiée. Écrivez au patient depuis son \
                 dossier."
            }
            Self::NotAPatientIns(_) => {
                "Ce patient n'a pas d'INS qualifiée utilisable pour Mon espace santé : qualifiez \
                 son identité avant de lui écrire."
            }
        }
    }
}

/// A network or TLS failure, or a session closed by the operator.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectionError {
    /// The TCP connection could not be opened.
    #[error("cannot connect to {endpoint}: {source}")]
    Connect {
        /// `host:port`.
        endpoint: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The TLS handshake failed (untrusted or expired certificate, no common
    /// protocol version or cipher suite…).
    #[error("TLS handshake with {endpoint} failed: {source}")]
    Tls {
        /// `host:port`.
        endpoint: String,
        /// The rustls / IO error.
        #[source]
        source: std::io::Error,
    },
    /// The server name is not a valid DNS name or IP address for TLS.
    #[error("invalid TLS server name {0:?}")]
    ServerName(String),
    /// The server does not offer STARTTLS although the configuration asks for it:
    /// the client refuses to go on in clear text.
    #[error("{endpoint} does not offer STARTTLS: refusing to continue without TLS")]
    StartTlsUnavailable {
        /// `host:port`.
        endpoint: String,
    },
    /// The server sent data after the STARTTLS answer, before the handshake
    /// (command injection attempt): the connection is dropped.
    #[error("{endpoint} sent unexpected data before the TLS handshake")]
    StartTlsInjection {
        /// `host:port`.
        endpoint: String,
    },
    /// The server closed the connection (EOF).
    #[error("the server closed the connection")]
    Closed,
    /// The server ended the session with `BYE` (IMAP) or `421` (SMTP).
    #[error("the server ended the session: {0}")]
    Bye(String),
    /// No answer within the configured time.
    #[error("no answer from the server within {0:?}")]
    Timeout(std::time::Duration),
    /// Reading or writing failed mid-session.
    #[error("network error: {0}")]
    Io(#[source] std::io::Error),
    /// The operation could not be completed after several reconnections.
    #[error("the session was lost {attempts} times; giving up: {last}")]
    RetriesExhausted {
        /// Number of attempts made.
        attempts: u32,
        /// The last failure.
        last: Box<ConnectionError>,
    },
}

impl ConnectionError {
    /// A plain-French explanation for the user.
    pub fn explanation(&self) -> &'static str {
        match self {
            Self::Connect { .. } => {
                "Le serveur de messagerie MSSanté est injoignable (réseau coupé ou opérateur \
                 indisponible). Les messages restent dans la file d'envoi et partiront \
                 automatiquement."
            }
            Self::Tls { .. } => {
                "La connexion sécurisée avec l'opérateur MSSanté a échoué : certificat du \
                 serveur non reconnu ou expiré, ou protocole non admis. Contactez votre \
                 responsable informatique ou l'opérateur."
            }
            Self::ServerName(_) => {
                "Le nom du serveur de messagerie configuré est invalide : corrigez la \
                 configuration."
            }
            Self::StartTlsUnavailable { .. } | Self::StartTlsInjection { .. } => {
                "Le serveur de messagerie ne propose pas de connexion chiffrée fiable : la \
                 connexion a été refusée par sécurité. Vérifiez la configuration ou contactez \
                 l'opérateur."
            }
            Self::Closed | Self::Bye(_) | Self::Io(_) => {
                "L'opérateur MSSanté a fermé la connexion. Elle sera rouverte automatiquement."
            }
            Self::Timeout(_) => {
                "L'opérateur MSSanté ne répond pas. Nouvel essai automatique plus tard."
            }
            Self::RetriesExhausted { .. } => {
                "La connexion avec l'opérateur MSSanté a été coupée plusieurs fois de suite. \
                 Vérifiez le réseau ; les messages en attente partiront automatiquement."
            }
        }
    }

    /// `true` when the session is gone and a reconnection may help.
    pub fn is_connection_lost(&self) -> bool {
        matches!(
            self,
            Self::Closed | Self::Bye(_) | Self::Timeout(_) | Self::Io(_)
        )
    }
}

/// Which protocol an exchange was in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[non_exhaustive]
pub enum Protocol {
    /// IMAP4rev1 / IMAP4rev2.
    Imap,
    /// SMTP submission.
    Smtp,
    /// DNS.
    Dns,
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Imap => "IMAP",
            Self::Smtp => "SMTP",
            Self::Dns => "DNS",
        })
    }
}

/// A malformed answer, or a command refused by the server.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// The bytes received do not follow the protocol grammar.
    #[error("malformed {protocol} data at byte {at}: {reason}")]
    Malformed {
        /// Which protocol.
        protocol: Protocol,
        /// Offset in the response.
        at: usize,
        /// What was expected.
        reason: String,
    },
    /// A line or literal exceeds the client's limit.
    #[error("{protocol} response too large: {size} bytes (limit {limit})")]
    TooLarge {
        /// Which protocol.
        protocol: Protocol,
        /// Size announced or seen.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The server refused a command (IMAP `NO`/`BAD`, SMTP 4xx/5xx outside delivery).
    #[error("{protocol} server refused {command}: {reply}")]
    Refused {
        /// Which protocol.
        protocol: Protocol,
        /// The command (never carries secrets).
        command: String,
        /// The server's answer.
        reply: String,
    },
    /// A value cannot be sent in this protocol (non-ASCII search text, CR/LF in a header…).
    #[error("cannot encode {what} for {protocol}: {reason}")]
    Unencodable {
        /// Which protocol.
        protocol: Protocol,
        /// The value kind.
        what: &'static str,
        /// Why.
        reason: &'static str,
    },
    /// The server lacks a capability the operation needs.
    #[error("the {protocol} server lacks {capability}")]
    MissingCapability {
        /// Which protocol.
        protocol: Protocol,
        /// The capability.
        capability: String,
    },
    /// No message with this UID in the folder.
    #[error("no message with UID {uid} in {folder}")]
    NoSuchMessage {
        /// The folder.
        folder: String,
        /// The UID.
        uid: u32,
    },
}

impl ProtocolError {
    /// A plain-French explanation for the user.
    pub fn explanation(&self) -> &'static str {
        match self {
            Self::Malformed { .. } | Self::TooLarge { .. } => {
                "Le serveur de messagerie a envoyé une réponse illisible ou trop volumineuse. \
                 Réessayez ; si l'erreur persiste, contactez l'opérateur."
            }
            Self::Refused { .. } => {
                "Le serveur de messagerie a refusé l'opération demandée. Réessayez ; si \
                 l'erreur persiste, contactez l'opérateur."
            }
            Self::Unencodable { .. } => {
                "Une valeur saisie contient des caractères non admis par la messagerie : \
                 corrigez-la."
            }
            Self::MissingCapability { .. } => {
                "Le serveur de l'opérateur ne propose pas une fonction nécessaire à cette \
                 opération."
            }
            Self::NoSuchMessage { .. } => {
                "Ce message n'existe plus dans le dossier (déplacé ou supprimé depuis un autre \
                 poste)."
            }
        }
    }
}

/// An authentication failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The server does not offer the mechanism the configuration requires.
    #[error("the {protocol} server does not offer {mechanism} (offered: {offered})")]
    MechanismNotOffered {
        /// Which protocol.
        protocol: Protocol,
        /// Wanted mechanism.
        mechanism: String,
        /// Mechanisms offered, space separated.
        offered: String,
    },
    /// The server refused the credentials (token rejected, certificate not
    /// accepted for this mailbox).
    #[error("{protocol} authentication as {user} with {mechanism} refused: {reply}")]
    Rejected {
        /// Which protocol.
        protocol: Protocol,
        /// The login (mailbox address).
        user: String,
        /// Mechanism used.
        mechanism: String,
        /// The server's answer (the OAuth error status when given).
        reply: String,
    },
    /// Certificate authentication needs a client identity in the TLS configuration.
    #[error("certificate authentication needs a client certificate in the TLS configuration")]
    NoClientCertificate,
    /// Refusing to authenticate over a connection that is not encrypted.
    #[error("refusing to authenticate without TLS")]
    NotEncrypted,
}

impl AuthError {
    /// A plain-French explanation for the user.
    pub fn explanation(&self) -> &'static str {
        match self {
            Self::MechanismNotOffered { .. } => {
                "Le serveur de l'opérateur ne propose pas le mode d'authentification configuré \
                 (Pro Santé Connect ou certificat). Vérifiez la configuration de la boîte aux \
                 lettres auprès de l'opérateur."
            }
            Self::Rejected { .. } => {
                "L'opérateur MSSanté a refusé l'authentification : jeton Pro Santé Connect \
                 refusé ou expiré, ou certificat non autorisé pour cette boîte aux lettres. \
                 Reconnectez-vous avec Pro Santé Connect ou vérifiez vos droits sur cette boîte."
            }
            Self::NoClientCertificate => {
                "Aucun certificat n'est disponible pour s'authentifier : insérez la carte CPS \
                 ou installez le certificat de la structure."
            }
            Self::NotEncrypted => {
                "Authentification refusée sur une connexion non chiffrée : vérifiez la \
                 configuration (TLS obligatoire)."
            }
        }
    }
}

/// Autoconfiguration failure, with what was tried.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AutoconfigError {
    /// Nothing gave settings for the domain.
    #[error("no mailbox settings found for {domain}: {}", tried.join("; "))]
    NotFound {
        /// The mail domain.
        domain: String,
        /// Each step tried and its outcome.
        tried: Vec<String>,
    },
    /// A DNS answer could not be read.
    #[error("DNS error for {name}: {reason}")]
    Dns {
        /// The name queried.
        name: String,
        /// What went wrong.
        reason: String,
    },
    /// The AutoConfig XML document is malformed or unusable.
    #[error("AutoConfig document from {source_url} unusable: {reason}")]
    Xml {
        /// Where it came from.
        source_url: String,
        /// What is wrong.
        reason: String,
    },
    /// A discovered server would be used without TLS.
    #[error("{service} at {host}:{port} is offered without TLS: refused")]
    Plaintext {
        /// `imap` / `smtp`.
        service: &'static str,
        /// Host.
        host: String,
        /// Port.
        port: u16,
    },
}

impl AutoconfigError {
    /// A plain-French explanation for the user.
    pub fn explanation(&self) -> &'static str {
        match self {
            Self::NotFound { .. } | Self::Dns { .. } | Self::Xml { .. } => {
                "La configuration de la messagerie n'a pas pu être trouvée automatiquement pour \
                 cette adresse. Saisissez les serveurs IMAP et SMTP fournis par votre opérateur \
                 MSSanté."
            }
            Self::Plaintext { .. } => {
                "La configuration trouvée pour cette adresse propose une connexion non chiffrée : \
                 elle a été écartée par sécurité. Saisissez les serveurs sécurisés (TLS) fournis \
                 par votre opérateur MSSanté."
            }
        }
    }
}

/// A message that breaks an MSSanté convention (refused before sending), or
/// an unreadable received message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MessageError {
    /// A required element is missing.
    #[error("the message has no {0}")]
    Missing(&'static str),
    /// Documents of several patients in one message (one patient per message).
    #[error("one patient per message: documents for {first} and {other}")]
    SeveralPatients {
        /// The first patient seen.
        first: String,
        /// Another patient.
        other: String,
    },
    /// One document of an N1/N3 pair is sent without the other.
    #[error(
        "document {present} is sent without its paired document {missing} (N1+N3 pairs go together)"
    )]
    IncompletePair {
        /// The document present.
        present: String,
        /// The partner missing.
        missing: String,
    },
    /// Two documents given (or found) as an N1/N3 pair are not the two
    /// forms of one document (SC.CDA/DD.13).
    #[error("documents {n3} (N3) and {n1} (N1) are not an N1/N3 pair: {reason}")]
    NotAPair {
        /// The document given as the N3 form.
        n3: String,
        /// The document given as the N1 form.
        n1: String,
        /// Why.
        reason: String,
    },
    /// A header value cannot be encoded (CR/LF injection…).
    #[error("invalid header {name}: {reason}")]
    InvalidHeader {
        /// Header name.
        name: String,
        /// Why.
        reason: &'static str,
    },
    /// `X-MSS-MES: FIN` is for patient mailboxes only.
    #[error("X-MSS-MES: FIN is only for messages to a Mon espace santé patient mailbox")]
    CloseOnlyForPatientMailbox,
    /// The total size exceeds the limit (Mon espace santé: 25 MB).
    #[error("the message is {size} bytes, over the {limit}-byte limit of {recipient}")]
    TooLarge {
        /// Encoded size.
        size: u64,
        /// Limit.
        limit: u64,
        /// Which limit.
        recipient: String,
    },
    /// The received bytes are not a readable RFC 5322 message.
    #[error("unreadable message: {0}")]
    Unreadable(String),
    /// A document is invalid for sending.
    #[error("document {document}: {reason}")]
    InvalidDocument {
        /// Document id or name.
        document: String,
        /// Why.
        reason: String,
    },
    /// The reply target has no Message-ID.
    #[error("the message replied to has no Message-ID")]
    NoMessageId,
    /// The message did not ask for a read notification.
    #[error("the message does not request a notification (no Disposition-Notification-To)")]
    NoNotificationRequested,
}

impl MessageError {
    /// A plain-French explanation for the user.
    pub fn explanation(&self) -> &'static str {
        match self {
            Self::Missing("X-MSS-NIL product reference") => {
                "Le logiciel n'est pas configuré avec son numéro de référencement MSSanté \
                 (X-MSS-NIL) : contactez l'éditeur."
            }
            Self::Missing(_) => {
                "Le message est incomplet (destinataire, objet ou document manquant)."
            }
            Self::SeveralPatients { .. } => {
                "Un message ne peut concerner qu'un seul patient : envoyez un message par \
                 patient."
            }
            Self::IncompletePair { .. } => {
                "Un document structuré et sa version PDF (paire N1/N3) doivent partir \
                 ensemble : joignez les deux."
            }
            Self::NotAPair { .. } => {
                "Les deux documents joints ne sont pas les deux formes (structurée et PDF) \
                 d'un même document : vérifiez la paire N1/N3 envoyée."
            }
            Self::InvalidHeader { .. } => {
                "Un champ du message contient des caractères interdits : corrigez-le."
            }
            Self::CloseOnlyForPatientMailbox => {
                "La clôture de l'échange ne s'applique qu'aux messages adressés à la \
                 messagerie Mon espace santé d'un patient."
            }
            Self::TooLarge { .. } => {
                "Le message est trop volumineux (Mon espace santé accepte 25 Mo au total) : \
                 réduisez ou retirez des pièces jointes."
            }
            Self::Unreadable(_) => "Le message reçu est illisible.",
            Self::InvalidDocument { .. } => {
                "Un document joint est invalide : il ne peut pas être envoyé."
            }
            Self::NoMessageId => {
                "Le message auquel vous répondez n'a pas d'identifiant : la réponse ne pourra \
                 pas lui être rattachée."
            }
            Self::NoNotificationRequested => {
                "L'expéditeur n'a pas demandé d'accusé de lecture pour ce message."
            }
        }
    }
}

/// Why the operator refused a submission (from the SMTP reply code and
/// enhanced status code, RFC 5321 / RFC 3463).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[non_exhaustive]
pub enum RefusalKind {
    /// 4xx: temporary (operator overloaded, greylisting, rate limit).
    Temporary,
    /// Authentication required or refused at submission (530, 535, 5.7.0, 5.7.8).
    AuthenticationRequired,
    /// Our own address is refused as sender (`MAIL FROM`: 5.1.7, 5.1.8, 5.7.1).
    SenderRefused,
    /// A recipient is refused (unknown, closed, invalid, not allowed…).
    Recipient(BounceReason),
    /// The message is too large (552, 5.3.4, 5.2.3).
    TooLarge,
    /// The content is refused (virus, policy, media: 5.6.x, 554 at end of data).
    ContentRefused,
    /// Another permanent refusal.
    Other,
}

impl RefusalKind {
    /// Classifies a refusal at `stage` (`MAIL FROM`, `RCPT TO <…>`, `DATA`,
    /// `end of DATA`).
    pub fn classify(stage: &str, code: u16, enhanced: Option<&str>) -> Self {
        if (400..500).contains(&code) {
            return Self::Temporary;
        }
        let detail = enhanced.map(|e| {
            let mut p = e.split('.').skip(1);
            (
                p.next().unwrap_or("").to_owned(),
                p.next().unwrap_or("").to_owned(),
            )
        });
        let d = detail.as_ref().map(|(a, b)| (a.as_str(), b.as_str()));
        if matches!(code, 530 | 535) || matches!(d, Some(("7", "0")) | Some(("7", "8"))) {
            return Self::AuthenticationRequired;
        }
        if code == 552 || matches!(d, Some(("3", "4")) | Some(("2", "3"))) {
            return Self::TooLarge;
        }
        if stage.starts_with("MAIL") {
            return Self::SenderRefused;
        }
        if stage.starts_with("RCPT") {
            return Self::Recipient(match enhanced {
                Some(e) => match BounceReason::from_status(e) {
                    BounceReason::Other => BounceReason::UnknownMailbox,
                    r => r,
                },
                None if code == 553 => BounceReason::InvalidAddress,
                None => BounceReason::UnknownMailbox,
            });
        }
        if matches!(d, Some(("6", _))) || matches!(d, Some(("7", "1"))) || code == 554 {
            return Self::ContentRefused;
        }
        Self::Other
    }

    /// A plain-French explanation for the user.
    pub fn explanation(self) -> &'static str {
        match self {
            Self::Temporary => {
                "L'opérateur MSSanté refuse temporairement le message : il reste dans la file \
                 d'envoi et sera renvoyé automatiquement."
            }
            Self::AuthenticationRequired => {
                "L'opérateur MSSanté exige une authentification valide pour envoyer : \
                 reconnectez-vous avec Pro Santé Connect ou vérifiez le certificat."
            }
            Self::SenderRefused => {
                "L'opérateur refuse votre adresse comme expéditeur : vous n'êtes pas autorisé à \
                 envoyer depuis cette boîte aux lettres. Vérifiez vos droits auprès de \
                 l'opérateur."
            }
            Self::Recipient(r) => r.explanation(),
            Self::TooLarge => {
                "Message trop volumineux pour l'opérateur : réduisez ou retirez des pièces \
                 jointes."
            }
            Self::ContentRefused => {
                "L'opérateur a refusé le contenu du message (pièce jointe interdite ou \
                 détectée comme dangereuse). Vérifiez les pièces jointes."
            }
            Self::Other => {
                "L'opérateur MSSanté a refusé le message. Le détail technique est joint ; \
                 réessayez, puis contactez votre opérateur si le refus se répète."
            }
        }
    }
}

/// Why a known Mon espace santé / operator bounce happened (from the DSN
/// enhanced status code, RFC 3463).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[non_exhaustive]
pub enum BounceReason {
    /// The mailbox does not exist (X.1.1): for a patient, unknown INS or no
    /// Mon espace santé account.
    UnknownMailbox,
    /// The address is malformed (X.1.3).
    InvalidAddress,
    /// The mailbox is disabled / closed (X.2.1): the patient closed Mon espace
    /// santé or opposed it.
    MailboxClosed,
    /// The mailbox is full (X.2.2).
    MailboxFull,
    /// The message is too large (X.2.3, X.3.4): Mon espace santé accepts 25 MB.
    MessageTooLarge,
    /// The sender is not allowed to write to this mailbox (X.7.1), e.g. the
    /// patient closed the exchange.
    NotAuthorized,
    /// The domain of the address does not exist or receives no mail (X.1.2
    /// bad destination system, X.4.4 unable to route): often a typo, or an
    /// address outside the MSSanté trust space.
    UnknownDomain,
    /// The recipient's server could not be reached, or delivery took too
    /// long (the other X.4.x: network or routing failure, X.4.7 expired).
    Unreachable,
    /// The receiving side refused the message for a security reason (the
    /// other X.7.x: encryption, certificate or signature required).
    SecurityRefused,
    /// The receiving side refused the content (X.6.x: format or conversion).
    ContentRefused,
    /// Another reason; see the status and diagnostic.
    Other,
}

impl BounceReason {
    /// Classifies an enhanced status code `class.subject.detail`.
    pub fn from_status(status: &str) -> Self {
        let mut parts = status.split('.');
        let _class = parts.next();
        match (parts.next(), parts.next()) {
            (Some("1"), Some("1")) | (Some("1"), Some("6")) => Self::UnknownMailbox,
            (Some("1"), Some("3")) => Self::InvalidAddress,
            (Some("2"), Some("1")) => Self::MailboxClosed,
            (Some("2"), Some("2")) => Self::MailboxFull,
            (Some("2"), Some("3")) | (Some("3"), Some("4")) => Self::MessageTooLarge,
            (Some("7"), Some("1")) => Self::NotAuthorized,
            (Some("1"), Some("2")) | (Some("4"), Some("4")) => Self::UnknownDomain,
            (Some("4"), Some(_)) => Self::Unreachable,
            (Some("7"), Some(_)) => Self::SecurityRefused,
            (Some("6"), Some(_)) => Self::ContentRefused,
            _ => Self::Other,
        }
    }

    /// A plain-French explanation for the user.
    pub fn explanation(self) -> &'static str {
        match self {
            Self::UnknownMailbox => {
                "Message non distribué : la boîte aux lettres du destinataire n'existe pas. Pour \
                 un patient, son INS ne correspond à aucun profil Mon espace santé actif ; pour \
                 un professionnel, vérifiez son adresse dans l'Annuaire Santé."
            }
            Self::InvalidAddress => {
                "Message non distribué : l'adresse du destinataire est mal formée. Corrigez-la \
                 ou reprenez-la dans l'Annuaire Santé."
            }
            Self::MailboxClosed => {
                "Message non distribué : la boîte aux lettres du destinataire est fermée (pour \
                 un patient : profil Mon espace santé clôturé ou opposition). Transmettez le \
                 document par un autre moyen."
            }
            Self::MailboxFull => {
                "Message non distribué : la boîte aux lettres du destinataire est pleine. \
                 Renvoyez-le plus tard ou prévenez le destinataire."
            }
            Self::MessageTooLarge => {
                "Message non distribué car trop volumineux (Mon espace santé accepte 25 Mo au \
                 total) : réduisez ou retirez des pièces jointes, puis renvoyez-le."
            }
            Self::NotAuthorized => {
                "Message non distribué : vous n'êtes pas autorisé à écrire à cette boîte aux \
                 lettres (par exemple, échange clôturé par le patient ou boîte réservée)."
            }
            Self::UnknownDomain => {
                "Message non distribué : le domaine de l'adresse du destinataire n'existe pas \
                 ou ne reçoit pas de messages MSSanté. Vérifiez l'adresse dans l'Annuaire \
                 Santé."
            }
            Self::Unreachable => {
                "Message non distribué : le serveur du destinataire est resté injoignable. \
                 Renvoyez-le plus tard ; si le problème persiste, contactez le destinataire ou \
                 votre opérateur."
            }
            Self::SecurityRefused => {
                "Message non distribué : le serveur du destinataire l'a refusé pour une raison \
                 de sécurité (chiffrement ou certificat exigé). Contactez votre opérateur \
                 MSSanté."
            }
            Self::ContentRefused => {
                "Message non distribué : le serveur du destinataire a refusé son contenu \
                 (format de pièce jointe non accepté). Vérifiez les pièces jointes."
            }
            Self::Other => {
                "Message non distribué : le serveur du destinataire l'a refusé. Le détail \
                 technique est joint ; vérifiez l'adresse dans l'Annuaire Santé et renvoyez-le, \
                 ou contactez votre opérateur MSSanté si le refus se répète."
            }
        }
    }
}

/// The operator refused a message or recipient, or returned a bounce.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DeliveryError {
    /// The server refused the sender, a recipient, or the message.
    #[error("{stage} refused with {code}{}: {text}", enhanced.as_deref().map(|e| format!(" ({e})")).unwrap_or_default())]
    Rejected {
        /// `MAIL FROM`, `RCPT TO <addr>`, `DATA`…
        stage: String,
        /// SMTP reply code.
        code: u16,
        /// Enhanced status code, if given.
        enhanced: Option<String>,
        /// Reply text.
        text: String,
    },
    /// The connection was lost after the whole message was sent but before
    /// the operator's answer: it may or may not have been accepted. Never
    /// retried blindly (it could be delivered twice).
    #[error(
        "connection lost after sending message {message_id}, before the operator's answer: {reason}"
    )]
    OutcomeUnknown {
        /// The `Message-ID`.
        message_id: String,
        /// The network failure.
        reason: String,
    },
    /// A bounce (DSN) came back for a recipient.
    #[error("message to {recipient} not delivered ({status}): {}", reason.explanation())]
    Bounced {
        /// Failed recipient.
        recipient: String,
        /// Enhanced status code.
        status: String,
        /// Classified reason.
        reason: BounceReason,
        /// The remote server's diagnostic, if any.
        diagnostic: Option<String>,
    },
}

impl DeliveryError {
    /// `true` for 4xx replies (retry later).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Rejected { code, .. } => (400..500).contains(code),
            Self::Bounced { status, .. } => status.starts_with('4'),
            // Retrying blindly could deliver the message twice: the send
            // queue checks first (see `outbox`).
            Self::OutcomeUnknown { .. } => true,
        }
    }
}

/// A failure of the persistent send queue ([`crate::outbox`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OutboxError {
    /// The database failed (disk full, locked, corrupted…).
    #[error("send queue database: {0}")]
    Storage(String),
    /// No queued message with this id.
    #[error("no queued message {0}")]
    NotFound(String),
    /// The same `Message-ID` was queued with a different content.
    #[error("Message-ID {0} is already queued with a different content")]
    Conflict(String),
    /// A stored row cannot be read back.
    #[error("send queue row {id}: {reason}")]
    Corrupt {
        /// Row id.
        id: i64,
        /// What is wrong.
        reason: String,
    },
    /// The action does not apply to the message in its current state.
    #[error("queued message {message_id}: cannot {action} a message that is {status}")]
    InvalidTransition {
        /// The `Message-ID`.
        message_id: String,
        /// What was attempted.
        action: &'static str,
        /// Its status.
        status: &'static str,
    },
}

impl DeliveryError {
    /// The kind of refusal, for a host that reacts per case (`None` for
    /// bounces and unknown outcomes).
    pub fn refusal_kind(&self) -> Option<RefusalKind> {
        match self {
            Self::Rejected {
                stage,
                code,
                enhanced,
                ..
            } => Some(RefusalKind::classify(stage, *code, enhanced.as_deref())),
            _ => None,
        }
    }

    /// A plain-French explanation for the user.
    pub fn explanation(&self) -> &'static str {
        match self {
            Self::Rejected { .. } => self
                .refusal_kind()
                .map_or(RefusalKind::Other.explanation(), |k| k.explanation()),
            Self::OutcomeUnknown { .. } => {
                "La connexion a été coupée juste après l'envoi : le logiciel vérifiera auprès \
                 de l'opérateur si le message est parti avant de le renvoyer."
            }
            Self::Bounced { reason, .. } => reason.explanation(),
        }
    }
}

/// An unsafe, malformed or inconsistent XDM package.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum XdmError {
    /// Not a readable zip archive.
    #[error("malformed XDM archive: {0}")]
    Malformed(String),
    /// An entry is encrypted (password protected).
    #[error("XDM entry {0:?} is encrypted: refused")]
    Encrypted(String),
    /// An entry path escapes the archive (`..`, absolute path, drive letter,
    /// backslash, control characters).
    #[error("XDM entry {name:?} refused: {reason} (path traversal)")]
    UnsafePath {
        /// The raw entry name.
        name: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// An entry is a symbolic link.
    #[error("XDM entry {0:?} is a symbolic link: refused")]
    Symlink(String),
    /// Two entries have the same name (case-insensitively).
    #[error("XDM entry {0:?} appears twice")]
    DuplicateEntry(String),
    /// Too many entries.
    #[error("XDM archive has more than {limit} entries")]
    TooManyEntries {
        /// The limit.
        limit: usize,
    },
    /// An entry or the whole archive decompresses beyond the limits (zip bomb).
    #[error("XDM archive refused as a zip bomb: {reason}")]
    Bomb {
        /// Which limit was exceeded.
        reason: String,
    },
    /// The compression method is not supported.
    #[error("XDM entry {name:?} uses unsupported compression method {method}")]
    UnsupportedCompression {
        /// Entry.
        name: String,
        /// Method name.
        method: String,
    },
    /// The archive has no `IHE_XDM/<subset>/METADATA.XML`.
    #[error("XDM archive has no IHE_XDM/<subset>/METADATA.XML")]
    MissingMetadata,
    /// The metadata is malformed or inconsistent with the archive.
    #[error("XDM metadata {path}: {reason}")]
    BadMetadata {
        /// The METADATA.XML path.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A document listed in the metadata is missing from the archive.
    #[error("document {uri} listed in {metadata} is missing from the archive")]
    MissingDocument {
        /// URI slot value.
        uri: String,
        /// METADATA.XML path.
        metadata: String,
    },
    /// A document's hash or size differs from its metadata.
    #[error("document {path}: {what} mismatch (metadata {expected}, archive {actual})")]
    IntegrityMismatch {
        /// Entry path.
        path: String,
        /// `hash` or `size`.
        what: &'static str,
        /// From metadata.
        expected: String,
        /// Computed.
        actual: String,
    },
    /// Packing failed (no document, bad name…).
    #[error("cannot build the XDM package: {0}")]
    Pack(String),
}

impl XdmError {
    /// A plain-French explanation for the user: the documents were not
    /// opened, and why in words a secretary can repeat to the sender.
    pub fn explanation(&self) -> &'static str {
        match self {
            Self::UnsafePath { .. } | Self::Symlink(_) => {
                "La pièce jointe IHE_XDM.zip contient des chemins de fichiers dangereux : elle a \
                 été refusée par sécurité et n'a pas été ouverte. Prévenez l'expéditeur."
            }
            Self::Bomb { .. } | Self::TooManyEntries { .. } => {
                "La pièce jointe IHE_XDM.zip est anormalement volumineuse une fois décompressée : \
                 elle a été refusée par sécurité. Demandez à l'expéditeur de renvoyer les \
                 documents."
            }
            Self::Encrypted(_) => {
                "La pièce jointe IHE_XDM.zip est protégée par un mot de passe : elle ne peut pas \
                 être intégrée. Demandez à l'expéditeur de la renvoyer sans mot de passe (la \
                 messagerie MSSanté est déjà sécurisée)."
            }
            Self::IntegrityMismatch { .. } => {
                "Un document de la pièce jointe IHE_XDM.zip ne correspond pas à sa description \
                 (empreinte ou taille) : il a pu être altéré et n'a pas été intégré. Demandez à \
                 l'expéditeur de le renvoyer."
            }
            Self::MissingMetadata
            | Self::BadMetadata { .. }
            | Self::MissingDocument { .. }
            | Self::DuplicateEntry(_) => {
                "La pièce jointe IHE_XDM.zip est incomplète ou mal construite (fichier \
                 METADATA.XML absent ou incohérent) : les documents n'ont pas été intégrés. \
                 Demandez à l'expéditeur de les renvoyer."
            }
            Self::Malformed(_) | Self::UnsupportedCompression { .. } => {
                "La pièce jointe IHE_XDM.zip est illisible (archive endommagée ou format non \
                 pris en charge) : elle n'a pas été ouverte. Demandez à l'expéditeur de renvoyer \
                 les documents."
            }
            Self::Pack(_) => {
                "Les documents n'ont pas pu être mis en forme pour l'envoi MSSanté (IHE_XDM.zip) : \
                 vérifiez qu'au moins un document valide est joint."
            }
        }
    }
}

/// An Annuaire Santé failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AnnuaireError {
    /// The HTTP call failed.
    #[error("Annuaire Santé call to {url} failed: {message}")]
    Transport {
        /// The URL (never carries the API key: it is a header).
        url: String,
        /// What failed.
        message: String,
    },
    /// The API answered an HTTP error.
    #[error("Annuaire Santé answered HTTP {status} for {url}: {body}")]
    Http {
        /// HTTP status.
        status: u16,
        /// The URL.
        url: String,
        /// Start of the body (OperationOutcome diagnostics when present).
        body: String,
    },
    /// The answer is not the expected FHIR JSON.
    #[error("invalid Annuaire Santé answer: {0}")]
    InvalidResponse(String),
    /// A `next` link points outside the configured base URL.
    #[error("paging link {0} leaves the Annuaire Santé base URL: refused")]
    ForeignLink(String),
    /// More pages than the configured limit.
    #[error("more than {0} pages: refine the search")]
    TooManyPages(usize),
    /// The flat extraction file is malformed.
    #[error("Extraction_Correspondance_MSSante line {line}: {reason}")]
    Extraction {
        /// 1-based line number.
        line: u64,
        /// What is wrong.
        reason: String,
    },
    /// The flat file could not be read.
    #[error("cannot read the extraction file: {0}")]
    Io(String),
}

impl AnnuaireError {
    /// A plain-French explanation for the user.
    pub fn explanation(&self) -> &'static str {
        match self {
            Self::Http {
                status: 401 | 403, ..
            } => {
                "L'Annuaire Santé a refusé l'accès : la clé d'API (ESANTE-API-KEY) du logiciel \
                 est absente ou invalide. Contactez votre éditeur ou votre responsable \
                 informatique."
            }
            Self::Http { status: 429, .. } => {
                "L'Annuaire Santé reçoit trop de demandes : réessayez dans quelques instants."
            }
            Self::Transport { .. } | Self::Http { .. } => {
                "L'Annuaire Santé n'a pas pu être interrogé. Réessayez plus tard ou saisissez \
                 l'adresse MSSanté du correspondant."
            }
            Self::InvalidResponse(_) | Self::ForeignLink(_) => {
                "L'Annuaire Santé a renvoyé une réponse inattendue, qui a été écartée. Réessayez \
                 plus tard ou saisissez l'adresse MSSanté du correspondant."
            }
            Self::TooManyPages(_) => {
                "Trop de résultats dans l'Annuaire Santé : précisez la recherche (nom, prénom, \
                 commune, RPPS)."
            }
            Self::Extraction { .. } | Self::Io(_) => {
                "Le fichier d'extraction des adresses MSSanté est illisible ou incomplet : \
                 téléchargez-le à nouveau depuis l'Annuaire Santé."
            }
        }
    }
}

/// A received message that could not be processed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReceptionError {
    /// The antivirus found a threat in an attachment: it is not integrated.
    #[error("attachment {attachment:?} is infected ({threat}): quarantined")]
    Infected {
        /// File name.
        attachment: String,
        /// Threat name.
        threat: String,
    },
    /// The antivirus could not scan an attachment: it is not integrated.
    #[error("attachment {attachment:?} could not be scanned: {reason}")]
    ScanFailed {
        /// File name.
        attachment: String,
        /// Why.
        reason: String,
    },
    /// The patient index failed.
    #[error("patient lookup failed: {0}")]
    PatientIndex(String),
}

impl ReceptionError {
    /// A plain-French explanation for the user.
    pub fn explanation(&self) -> &'static str {
        match self {
            Self::Infected { .. } => {
                "Une pièce jointe contient un virus : elle a été mise en quarantaine et n'est \
                 pas intégrée. Prévenez l'expéditeur."
            }
            Self::ScanFailed { .. } => {
                "L'antivirus n'a pas pu analyser une pièce jointe : elle n'est pas intégrée. \
                 Vérifiez l'antivirus puis relancez la réception."
            }
            Self::PatientIndex(_) => {
                "Le dossier patient n'a pas pu être consulté pour rattacher le message. \
                 Réessayez ; si l'erreur persiste, contactez votre responsable informatique."
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejected(stage: &str, code: u16, enhanced: Option<&str>) -> DeliveryError {
        DeliveryError::Rejected {
            stage: stage.into(),
            code,
            enhanced: enhanced.map(str::to_owned),
            text: "refused".into(),
        }
    }

    #[test]
    fn operator_refusals_are_classified() {
        use RefusalKind::*;
        for (stage, code, enhanced, kind) in [
            ("RCPT TO <a@b.fr>", 450, Some("4.2.1"), Temporary),
            ("MAIL FROM", 421, None, Temporary),
            ("MAIL FROM", 530, Some("5.7.0"), AuthenticationRequired),
            ("MAIL FROM", 535, None, AuthenticationRequired),
            ("MAIL FROM", 553, Some("5.7.1"), SenderRefused),
            ("MAIL FROM", 550, Some("5.1.8"), SenderRefused),
            (
                "RCPT TO <a@b.fr>",
                550,
                Some("5.1.1"),
                Recipient(BounceReason::UnknownMailbox),
            ),
            (
                "RCPT TO <a@b.fr>",
                550,
                Some("5.2.1"),
                Recipient(BounceReason::MailboxClosed),
            ),
            (
                "RCPT TO <a@b.fr>",
                550,
                Some("5.7.1"),
                Recipient(BounceReason::NotAuthorized),
            ),
            (
                "RCPT TO <a@b.fr>",
                553,
                None,
                Recipient(BounceReason::InvalidAddress),
            ),
            (
                "RCPT TO <a@b.fr>",
                550,
                Some("5.9.9"),
                Recipient(BounceReason::UnknownMailbox),
            ),
            ("MAIL FROM", 552, Some("5.3.4"), TooLarge),
            ("end of DATA", 552, None, TooLarge),
            ("end of DATA", 554, Some("5.6.0"), ContentRefused),
            ("end of DATA", 554, None, ContentRefused),
            ("end of DATA", 550, Some("5.7.1"), ContentRefused),
            ("DATA", 503, Some("5.5.1"), Other),
        ] {
            let e = rejected(stage, code, enhanced);
            assert_eq!(e.refusal_kind(), Some(kind), "{stage} {code} {enhanced:?}");
            assert_eq!(e.explanation(), kind.explanation());
        }
    }

    #[test]
    fn bounces_are_classified_and_explained() {
        use BounceReason::*;
        let mut seen = std::collections::HashSet::new();
        for (status, reason) in [
            ("5.1.1", UnknownMailbox),
            ("5.1.6", UnknownMailbox),
            ("5.1.3", InvalidAddress),
            ("5.2.1", MailboxClosed),
            ("4.2.2", MailboxFull),
            ("5.3.4", MessageTooLarge),
            ("5.7.1", NotAuthorized),
            ("5.1.2", UnknownDomain),
            ("5.4.4", UnknownDomain),
            ("4.4.7", Unreachable),
            ("5.4.1", Unreachable),
            ("5.7.10", SecurityRefused),
            ("5.6.1", ContentRefused),
            ("5.0.0", Other),
            ("not a status", Other),
            ("", Other),
        ] {
            assert_eq!(BounceReason::from_status(status), reason, "{status}");
            let x = reason.explanation();
            assert!(x.starts_with("Message non distribué"), "{x}");
            seen.insert(x);
        }
        assert_eq!(seen.len(), 11, "one explanation per reason");
        // A refused recipient whose status names the domain says so.
        assert_eq!(
            RefusalKind::classify("RCPT TO <a@nulle-part.fr>", 550, Some("5.1.2")),
            RefusalKind::Recipient(UnknownDomain)
        );
    }

    #[test]
    fn every_error_has_a_french_explanation() {
        let io = || std::io::Error::other("x");
        let errors: Vec<Error> = vec![
            AddressError::PatientMailboxNotFromIns("x".into()).into(),
            ConnectionError::Connect {
                endpoint: "h:1".into(),
                source: io(),
            }
            .into(),
            ConnectionError::Tls {
                endpoint: "h:1".into(),
                source: io(),
            }
            .into(),
            ConnectionError::StartTlsUnavailable {
                endpoint: "h:1".into(),
            }
            .into(),
            ConnectionError::Bye("bye".into()).into(),
            ConnectionError::Timeout(std::time::Duration::from_secs(1)).into(),
            ConnectionError::RetriesExhausted {
                attempts: 3,
                last: Box::new(ConnectionError::Closed),
            }
            .into(),
            AuthError::Rejected {
                protocol: Protocol::Imap,
                user: "u".into(),
                mechanism: "XOAUTH2".into(),
                reply: "NO".into(),
            }
            .into(),
            AuthError::MechanismNotOffered {
                protocol: Protocol::Smtp,
                mechanism: "XOAUTH2".into(),
                offered: "PLAIN".into(),
            }
            .into(),
            AuthError::NoClientCertificate.into(),
            MessageError::Missing("X-MSS-NIL product reference").into(),
            MessageError::TooLarge {
                size: 2,
                limit: 1,
                recipient: "x".into(),
            }
            .into(),
            rejected("RCPT TO <a@b.fr>", 550, Some("5.1.1")).into(),
            DeliveryError::OutcomeUnknown {
                message_id: "<a@b>".into(),
                reason: "reset".into(),
            }
            .into(),
            DeliveryError::Bounced {
                recipient: "a".into(),
                status: "5.2.1".into(),
                reason: BounceReason::MailboxClosed,
                diagnostic: None,
            }
            .into(),
            XdmError::MissingMetadata.into(),
            XdmError::UnsafePath {
                name: "../x".into(),
                reason: "parent",
            }
            .into(),
            XdmError::Bomb {
                reason: "ratio".into(),
            }
            .into(),
            XdmError::Encrypted("DOC0001.XML".into()).into(),
            XdmError::IntegrityMismatch {
                path: "p".into(),
                what: "hash",
                expected: "a".into(),
                actual: "b".into(),
            }
            .into(),
            XdmError::Malformed("eof".into()).into(),
            AnnuaireError::Http {
                status: 401,
                url: "u".into(),
                body: String::new(),
            }
            .into(),
            AnnuaireError::Http {
                status: 503,
                url: "u".into(),
                body: String::new(),
            }
            .into(),
            AnnuaireError::TooManyPages(10).into(),
            AnnuaireError::Extraction {
                line: 3,
                reason: "r".into(),
            }
            .into(),
            AutoconfigError::Plaintext {
                service: "imap",
                host: "h".into(),
                port: 143,
            }
            .into(),
            AutoconfigError::NotFound {
                domain: "d".into(),
                tried: vec![],
            }
            .into(),
            ReceptionError::PatientIndex("down".into()).into(),
            ReceptionError::Infected {
                attachment: "a".into(),
                threat: "t".into(),
            }
            .into(),
            Error::SessionEnded,
            OutboxError::Storage("disk full".into()).into(),
            OutboxError::Conflict("<a@b>".into()).into(),
        ];
        let mut seen = std::collections::HashSet::new();
        for e in &errors {
            let x = e.explanation();
            assert!(x.len() > 20 && x.ends_with('.'), "{e}: {x}");
            // French, not the technical message.
            assert_ne!(x, e.to_string());
            seen.insert(x.to_owned());
        }
        assert!(seen.len() >= errors.len() - 2, "explanations are specific");
        // Every explanation is French prose a user can act on, never the
        // technical detail (which stays in Display, for the logs).
        for e in &errors {
            let x = e.explanation();
            assert!(
                x.chars().any(|c| "éèàêç".contains(c)) || x.contains(" : "),
                "{x}"
            );
        }
        assert!(
            Error::SessionEnded
                .explanation()
                .contains("Pro Santé Connect")
        );
    }
}
