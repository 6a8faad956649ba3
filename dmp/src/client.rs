//! The async DMP client (feature `client`): the thin IO shell over the
//! sans-IO modules, on reqwest with rustls (mutual TLS through segur-ssi).
//!
//! Every call:
//!
//! 1. checks the patient's consent record first and refuses with
//!    [`Error::Consent`] (traced) — nothing is sent;
//! 2. checks the rights the software knows (consultation mode, author-only
//!    deletion, imaging manifests: [`crate::rights`]) and refuses with
//!    [`Error::Rights`] (traced, outcome denied) — nothing is sent;
//! 3. asks the [`VihfSource`] for the VIHF of the user for that patient
//!    (and the [`TokenSource`] for a bearer token when one is configured);
//! 4. sends the SOAP 1.2 message (MTOM for documents) and reads the typed
//!    response, SOAP faults and registry errors included;
//! 5. traces the access in the segur-ssi audit trail and records the
//!    document history.
//!
//! Every method is `async`, takes `&self` and can be cancelled by dropping
//! its future (e.g. `tokio::time::timeout`, `tokio::select!` with a cancel
//! button): nothing blocks the host's UI thread (SC.DMP/UX.10/50). Run the
//! calls on a tokio runtime of their own (`tokio::spawn` them: the futures
//! are `Send`). A cancelled *feed* has an unknown outcome: send through the
//! queue ([`crate::feeding`]), which checks before resending.
//!
//! Retrieved documents are scanned by the antivirus and the access traced
//! before they are handed over (SC.DMP/CONF.14); a scanner failure refuses
//! the document (fail-closed).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use segur_cda::Document;
use segur_cda::Header;
use segur_cda::xds::DocumentEntry;
use segur_ins::Ins;
use segur_psc::{Audience, SharedClock, TokenSource};
use segur_ssi::antivirus::Scanner;
use segur_ssi::audit::{AuditEvent, AuditKind, AuditTrail, Outcome};
use time::OffsetDateTime;

use crate::consent::{ConsentStore, DmpOperation, audit_kinds, enforce, patient_ref};
use crate::dsig::XmlSigner;
use crate::error::{Error, FeedError, ProtocolError, TransportError, TransportErrorKind};
use crate::feed::{Feed, SubmissionContext, Visibility, is_signature_entry, provide_and_register};
use crate::history::{
    Direction, DocumentHistory, HistoryRecord, HistoryStatus, LocalPresence, classify_entry,
    classify_header,
};
use crate::mtom::Part;
use crate::patient::{
    Authorization, AuthorizationAction, DmpStatus, LIST_AUTHORIZATIONS_ACTION,
    SET_AUTHORIZATION_ACTION, TD02_ACTION,
};
use crate::rights::{Professional, RightsError};
use crate::soap::{self, Received};
use crate::update::{StatusChange, status_of};
use crate::vihf::VihfSource;
use crate::web::WebDmpLink;
use crate::xds::{
    self, DocumentRequest, FindDocuments, ITI18_ACTION, ITI41_ACTION, ITI43_ACTION, ITI57_ACTION,
    QueryResult, RetrievedDocument, ReturnType, StoredQuery, error_codes,
};
use crate::xml::Element;

/// Path of the patient (TD0.x) service under the base URL.
pub const SERVICE_PATIENTS: &str = "/patients";
/// Path of the authorisation service.
pub const SERVICE_HABILITATIONS: &str = "/habilitations";
/// Path of the registry (ITI-18, ITI-57).
pub const SERVICE_REGISTRY: &str = "/registry";
/// Path of the repository (ITI-41, ITI-43).
pub const SERVICE_REPOSITORY: &str = "/repository";

/// Largest response read (a DMP response carries at most a few documents).
const MAX_RESPONSE: usize = 256 * 1024 * 1024;

/// The DMP test platform base URL (reference §1).
pub const DEV9_BASE_URL: &str = "https://lps.dev9.dmp.gouv.fr/si-dmp-server/v2/services";

/// The local services every call uses. All are required: there is no
/// default that would silently lose traces or skip the antivirus.
#[derive(Clone)]
pub struct LocalServices {
    /// Consent records (checked first).
    pub consent: Arc<dyn ConsentStore>,
    /// Audit trail (every access traced).
    pub audit: Arc<dyn AuditTrail>,
    /// Antivirus (every retrieved document scanned).
    pub scanner: Arc<dyn Scanner>,
    /// Document history.
    pub history: Arc<dyn DocumentHistory>,
}

impl std::fmt::Debug for LocalServices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalServices")
            .field("scanner", &self.scanner.name())
            .finish_non_exhaustive()
    }
}

/// Builder of [`DmpClient`].
pub struct DmpClientBuilder {
    base_url: String,
    vihf: Arc<dyn VihfSource>,
    signer: Arc<XmlSigner>,
    local: LocalServices,
    context: SubmissionContext,
    tls: Option<rustls::ClientConfig>,
    tokens: Option<Arc<dyn TokenSource>>,
    clock: SharedClock,
    timeout: Duration,
}

impl std::fmt::Debug for DmpClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DmpClientBuilder")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl DmpClientBuilder {
    /// The TLS configuration: the DMP trust anchors and, for mutual TLS, the
    /// structure's certificate (`segur_ssi::tls::ClientTlsBuilder`).
    /// Required for `https` URLs.
    pub fn tls(mut self, config: rustls::ClientConfig) -> Self {
        self.tls = Some(config);
        self
    }

    /// Sends `Authorization: Bearer` with a token for [`Audience::Dmp`]
    /// (Pro Santé Connect session, SC.PSC.08). How the DMP takes a PSC
    /// token is not public (UNCONFIRMED): this is the HTTP bearer scheme.
    pub fn token_source(mut self, tokens: Arc<dyn TokenSource>) -> Self {
        self.tokens = Some(tokens);
        self
    }

    /// The clock (VIHF instants, traces).
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// The clock as a closure (`move || virtual_clock.now()`).
    pub fn clock_fn(self, now: impl Fn() -> OffsetDateTime + Send + Sync + 'static) -> Self {
        self.clock(Arc::new(crate::FnClock::new(now)))
    }

    /// Timeout of one HTTP exchange (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Builds the client. Plain `http` is accepted for loopback hosts only
    /// (simulators).
    pub fn build(self) -> Result<DmpClient, Error> {
        let url = url::Url::parse(&self.base_url)
            .map_err(|e| ProtocolError::Unexpected(format!("DMP base URL: {e}")))?;
        let loopback = matches!(
            url.host(),
            Some(url::Host::Ipv4(ip)) if ip.is_loopback()
        ) || matches!(url.host(), Some(url::Host::Ipv6(ip)) if ip.is_loopback())
            || url.host_str() == Some("localhost");
        let tls = match (url.scheme(), self.tls) {
            ("https", Some(tls)) => tls,
            ("https", None) => {
                return Err(ProtocolError::Unexpected(
                    "an https DMP URL needs a TLS configuration (segur_ssi::tls::ClientTlsBuilder)"
                        .into(),
                )
                .into());
            }
            ("http", tls) if loopback => match tls {
                Some(t) => t,
                None => empty_tls()?,
            },
            (scheme, _) => {
                return Err(ProtocolError::Unexpected(format!(
                    "DMP URL scheme {scheme} refused (https, or http on loopback only)"
                ))
                .into());
            }
        };
        let http = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(self.timeout)
            .build()
            .map_err(|e| ProtocolError::Unexpected(format!("HTTP client: {e}")))?;
        Ok(DmpClient {
            inner: Arc::new(Inner {
                base_url: self.base_url.trim_end_matches('/').to_owned(),
                http,
                vihf: self.vihf,
                signer: self.signer,
                local: self.local,
                context: self.context,
                tokens: self.tokens,
                clock: self.clock,
            }),
        })
    }
}

fn empty_tls() -> Result<rustls::ClientConfig, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ProtocolError::Unexpected(format!("TLS: {e}")))?
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth())
}

struct Inner {
    base_url: String,
    http: reqwest::Client,
    vihf: Arc<dyn VihfSource>,
    signer: Arc<XmlSigner>,
    local: LocalServices,
    context: SubmissionContext,
    tokens: Option<Arc<dyn TokenSource>>,
    clock: SharedClock,
}

/// The DMP client. Cheap to clone (shared state).
#[derive(Clone)]
pub struct DmpClient {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for DmpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DmpClient")
            .field("base_url", &self.inner.base_url)
            .field("actor", &self.inner.vihf.actor_id())
            .finish_non_exhaustive()
    }
}

/// A document found by a search, with how it relates to the local file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FoundDocument {
    /// The metadata.
    pub entry: DocumentEntry,
    /// Already present locally? (SC.CDA/DD.04, UX.27)
    pub local: LocalPresence,
}

/// A retrieved document, scanned and traced.
#[derive(Debug, Clone, PartialEq)]
pub struct Retrieved {
    /// The document.
    pub document: RetrievedDocument,
    /// Its CDA header, when it is a CDA document.
    pub header: Option<Header>,
    /// How it relates to the local file (duplicate, newer version).
    pub local: LocalPresence,
}

/// What a successful feed returns.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FeedReceipt {
    /// uniqueId of the submission set.
    pub submission_set_unique_id: String,
    /// uniqueIds of the documents sent (signature document excluded).
    pub unique_ids: Vec<String>,
}

fn transport(url: &str, e: &reqwest::Error) -> Error {
    let kind = if e.is_connect() {
        TransportErrorKind::Connect
    } else if e.is_timeout() {
        TransportErrorKind::Timeout
    } else {
        TransportErrorKind::Io
    };
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    TransportError {
        kind,
        url: url.to_owned(),
        message,
    }
    .into()
}

fn is_soap_content_type(ct: &str) -> bool {
    let media = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    matches!(
        media.as_str(),
        "multipart/related" | "application/soap+xml" | "text/xml" | "application/xml"
    )
}

impl DmpClient {
    /// A builder: the DMP base URL (services `/patients`, `/habilitations`,
    /// `/registry`, `/repository` under it), the user's VIHF source, the
    /// structure's signer (signature documents of feeds), the local
    /// services, and the submission choices of the software.
    pub fn builder(
        base_url: &str,
        vihf: Arc<dyn VihfSource>,
        signer: Arc<XmlSigner>,
        local: LocalServices,
        context: SubmissionContext,
    ) -> DmpClientBuilder {
        DmpClientBuilder {
            base_url: base_url.to_owned(),
            vihf,
            signer,
            local,
            context,
            tls: None,
            tokens: None,
            clock: Arc::new(segur_psc::SystemClock),
            timeout: Duration::from_secs(60),
        }
    }

    /// The base URL.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The national id of the user.
    pub fn actor_id(&self) -> &str {
        self.inner.vihf.actor_id()
    }

    /// The local services.
    pub fn local(&self) -> &LocalServices {
        &self.inner.local
    }

    fn now(&self) -> OffsetDateTime {
        self.inner.clock.now()
    }

    fn trace(
        &self,
        kind: AuditKind,
        outcome: Outcome,
        patient: &Ins,
        document: Option<&str>,
        details: &[(&str, String)],
    ) -> Result<(), Error> {
        let mut event = AuditEvent::new(kind, self.actor_id(), outcome, self.now())
            .with_patient(patient_ref(patient))
            .with_target("dmp");
        if let Some(d) = document {
            event = event.with_document(d);
        }
        for (k, v) in details {
            event = event.with_detail(*k, v.clone());
        }
        self.inner
            .local
            .audit
            .append(event)
            .map(|_| ())
            .map_err(Error::Audit)
    }

    /// Traces a failed access, keeping the original error.
    fn trace_failure(&self, kind: AuditKind, patient: &Ins, document: Option<&str>, e: &Error) {
        // The call already failed; a trace failure must not hide its cause.
        let _ = self.trace(
            kind,
            Outcome::Failure,
            patient,
            document,
            &[("error", e.to_string())],
        );
    }

    /// The user as the VIHF source describes them (imaging-manifest rights).
    fn professional(&self) -> Option<Professional> {
        self.inner.vihf.actor().map(Professional::from_actor)
    }

    /// Traces a refusal by a rights rule (outcome denied) and returns it.
    fn rights_refused(&self, patient: &Ins, operation: &str, refusal: RightsError) -> Error {
        let document = match &refusal {
            RightsError::Kos { unique_id, .. } | RightsError::NotAuthor { unique_id } => {
                Some(unique_id.as_str())
            }
            _ => None,
        };
        let mut details = vec![
            ("operation", operation.to_owned()),
            ("reason", refusal.to_string()),
        ];
        if let RightsError::Kos { rule, .. } = &refusal {
            details.push(("rule", rule.code().to_owned()));
        }
        // A trace failure must not turn the refusal into something else.
        let _ = self.trace(
            audit_kinds::RIGHTS_REFUSED,
            Outcome::Denied,
            patient,
            document,
            &details,
        );
        Error::Rights(refusal)
    }

    fn consent(&self, patient: &Ins, op: DmpOperation) -> Result<(), Error> {
        enforce(
            self.inner.local.consent.as_ref(),
            self.inner.local.audit.as_ref(),
            patient,
            op,
            self.actor_id(),
            self.now(),
        )
        .map(|_| ())
    }

    fn require_consultation_mode(&self) -> Result<(), Error> {
        let mode = self.inner.vihf.mode();
        if mode.allows_consultation() {
            Ok(())
        } else {
            Err(Error::ConsultationNotAllowed(mode.as_str()))
        }
    }

    /// One SOAP exchange with a service.
    async fn call(
        &self,
        service: &str,
        action: &str,
        body: Element,
        parts: Vec<Part>,
        patient: Option<&Ins>,
    ) -> Result<Received, Error> {
        let url = format!("{}{service}", self.inner.base_url);
        let assertion = self.inner.vihf.assertion(patient, self.now()).await?;
        let message_id = soap::new_message_id();
        let envelope = soap::request_envelope(action, &url, &message_id, Some(&assertion), body);
        let msg = soap::frame(&envelope, action, &parts, false);
        let mut request = self
            .inner
            .http
            .post(&url)
            .header(reqwest::header::CONTENT_TYPE, msg.content_type)
            .body(msg.body);
        if let Some(tokens) = &self.inner.tokens {
            let token = tokens.token(&Audience::Dmp).await.map_err(Error::Token)?;
            request = request.header(reqwest::header::AUTHORIZATION, token.authorization_header());
        }
        let response = request.send().await.map_err(|e| transport(&url, &e))?;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let mut response = response;
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| transport(&url, &e))? {
            if body.len() + chunk.len() > MAX_RESPONSE {
                return Err(ProtocolError::Unexpected(format!(
                    "response larger than {MAX_RESPONSE} bytes"
                ))
                .into());
            }
            body.extend_from_slice(&chunk);
        }
        tracing::debug!(%url, action, status, "DMP exchange");
        if !is_soap_content_type(&content_type) {
            return Err(ProtocolError::HttpStatus { status }.into());
        }
        let received = Received::decode(&content_type, &body)?;
        if let Some(f) = received.fault() {
            return Err(Error::Fault(f));
        }
        if !(200..300).contains(&status) {
            return Err(ProtocolError::HttpStatus { status }.into());
        }
        if let Some(r) = received.relates_to() {
            if r != message_id {
                return Err(ProtocolError::Unexpected(format!(
                    "response relates to {r}, not to the request {message_id}"
                ))
                .into());
            }
        }
        Ok(received)
    }

    // ---------------------------------------------------------------
    // TD0.2 and authorisations

    /// TD0.2: does the patient have an active DMP, and may this user access
    /// it (SC.DMP/UX.08).
    pub async fn status(&self, patient: &Ins) -> Result<DmpStatus, Error> {
        self.consent(patient, DmpOperation::ExistenceCheck)?;
        let body =
            crate::patient::td02_request(patient, self.inner.vihf.software_name(), self.now());
        let result = async {
            let r = self
                .call(
                    SERVICE_PATIENTS,
                    TD02_ACTION,
                    body,
                    Vec::new(),
                    Some(patient),
                )
                .await?;
            crate::patient::td02_parse(r.body()?)
        }
        .await;
        match &result {
            Ok(s) => self.trace(
                audit_kinds::STATUS,
                Outcome::Success,
                patient,
                None,
                &[
                    ("exists", s.exists.to_string()),
                    ("authorization", s.authorization.as_str().to_owned()),
                ],
            )?,
            Err(e) => self.trace_failure(audit_kinds::STATUS, patient, None, e),
        }
        result
    }

    async fn habilitation(
        &self,
        patient: &Ins,
        op: DmpOperation,
        action: &str,
        body: Element,
    ) -> Result<Vec<Authorization>, Error> {
        self.consent(patient, op)?;
        let result = async {
            let r = self
                .call(
                    SERVICE_HABILITATIONS,
                    action,
                    body,
                    Vec::new(),
                    Some(patient),
                )
                .await?;
            crate::patient::habilitations_parse(r.body()?)
        }
        .await;
        match &result {
            Ok(_) => self.trace(
                audit_kinds::AUTHORIZATION,
                Outcome::Success,
                patient,
                None,
                &[("operation", op.as_str().to_owned())],
            )?,
            Err(e) => self.trace_failure(audit_kinds::AUTHORIZATION, patient, None, e),
        }
        result
    }

    /// Declares the user authorised on the patient's DMP (after collecting
    /// the patient's consent), optionally as "médecin traitant DMP".
    pub async fn set_authorization(
        &self,
        patient: &Ins,
        treating_physician: bool,
    ) -> Result<(), Error> {
        let body = crate::patient::set_authorization_request(
            patient,
            AuthorizationAction::Add,
            treating_physician,
        );
        self.habilitation(
            patient,
            DmpOperation::SetAuthorization,
            SET_AUTHORIZATION_ACTION,
            body,
        )
        .await
        .map(|_| ())
    }

    /// Removes the user's authorisation.
    pub async fn remove_authorization(&self, patient: &Ins) -> Result<(), Error> {
        let body =
            crate::patient::set_authorization_request(patient, AuthorizationAction::Remove, false);
        self.habilitation(
            patient,
            DmpOperation::RemoveAuthorization,
            SET_AUTHORIZATION_ACTION,
            body,
        )
        .await
        .map(|_| ())
    }

    /// Lists the authorisations on the patient's DMP.
    pub async fn list_authorizations(&self, patient: &Ins) -> Result<Vec<Authorization>, Error> {
        let body = crate::patient::list_authorizations_request(patient);
        self.habilitation(
            patient,
            DmpOperation::ListAuthorizations,
            LIST_AUTHORIZATIONS_ACTION,
            body,
        )
        .await
    }

    // ---------------------------------------------------------------
    // TD3.1 search

    async fn query(&self, patient: &Ins, query: &StoredQuery) -> Result<QueryResult, Error> {
        let r = self
            .call(
                SERVICE_REGISTRY,
                ITI18_ACTION,
                query.to_element(),
                Vec::new(),
                Some(patient),
            )
            .await?;
        xds::read_query_response(&r)
    }

    /// TD3.1a: the patient's documents matching `filter` (type, dates,
    /// status, author, format…: SC.DMP/UX.12/17), each with its local
    /// presence. Signature documents are left out.
    pub async fn search(
        &self,
        patient: &Ins,
        filter: &FindDocuments,
    ) -> Result<Vec<FoundDocument>, Error> {
        self.require_consultation_mode()?;
        self.consent(patient, DmpOperation::Search)?;
        let query = StoredQuery::find_documents(&patient.to_cx(), filter);
        let result = self.query(patient, &query).await;
        let result = match result {
            Ok(r) => r,
            Err(e) => {
                self.trace_failure(audit_kinds::SEARCH, patient, None, &e);
                return Err(e);
            }
        };
        let mut found = Vec::new();
        for entry in result.entries {
            if is_signature_entry(&entry) {
                continue;
            }
            let local = classify_entry(self.inner.local.history.as_ref(), &entry)?;
            found.push(FoundDocument { entry, local });
        }
        self.trace(
            audit_kinds::SEARCH,
            Outcome::Success,
            patient,
            None,
            &[("results", found.len().to_string())],
        )?;
        Ok(found)
    }

    /// The synthetic view of the patient's DMP (SC.DMP/UX.14/15/50): the
    /// latest approved documents of the configured types and the date of the
    /// last feeding from this software. Spawn it to refresh in the background.
    pub async fn synthetic_view(
        &self,
        patient: &Ins,
        config: &crate::history::SyntheticViewConfig,
    ) -> Result<crate::history::SyntheticView, Error> {
        let found = self.search(patient, &FindDocuments::new()).await?;
        let entries: Vec<DocumentEntry> = found.into_iter().map(|f| f.entry).collect();
        crate::history::synthetic_view(self.inner.local.history.as_ref(), patient, &entries, config)
    }

    /// GetDocuments by uniqueId with full metadata: the current entries of
    /// documents (own documents before an update; any status).
    pub async fn get_documents(
        &self,
        patient: &Ins,
        unique_ids: &[String],
    ) -> Result<Vec<DocumentEntry>, Error> {
        self.consent(patient, DmpOperation::LookupOwnDocument)?;
        let query = StoredQuery::get_documents_by_unique_id(unique_ids, ReturnType::LeafClass);
        Ok(self.query(patient, &query).await?.entries)
    }

    /// TD3.1b: the entryUUID of a document from its uniqueId (`None` when
    /// the DMP does not have it). Used before replacing a version and by
    /// the queue to check whether an order whose outcome is unknown already
    /// reached the DMP.
    pub async fn entry_uuid_of(
        &self,
        patient: &Ins,
        unique_id: &str,
    ) -> Result<Option<String>, Error> {
        self.consent(patient, DmpOperation::LookupOwnDocument)?;
        let query =
            StoredQuery::get_documents_by_unique_id(&[unique_id.to_owned()], ReturnType::ObjectRef);
        let r = self.query(patient, &query).await?;
        Ok(r.references.into_iter().next())
    }

    // ---------------------------------------------------------------
    // TD3.2 retrieve

    /// TD3.2: retrieves a document found by a search; scans it with the
    /// antivirus and traces the access before returning it (SC.DMP/CONF.14).
    pub async fn retrieve(&self, patient: &Ins, entry: &DocumentEntry) -> Result<Retrieved, Error> {
        let repository = entry.repository_unique_id.clone().ok_or_else(|| {
            ProtocolError::Unexpected(format!(
                "entry {} has no repositoryUniqueId",
                entry.unique_id
            ))
        })?;
        self.retrieve_by_id(patient, &repository, &entry.unique_id)
            .await
    }

    /// TD3.2 by repository and document uniqueIds.
    pub async fn retrieve_by_id(
        &self,
        patient: &Ins,
        repository_unique_id: &str,
        unique_id: &str,
    ) -> Result<Retrieved, Error> {
        self.require_consultation_mode()?;
        self.consent(patient, DmpOperation::Retrieve)?;
        let body = xds::retrieve_request(&[DocumentRequest {
            repository_unique_id: repository_unique_id.to_owned(),
            document_unique_id: unique_id.to_owned(),
            home_community_id: None,
        }]);
        let result = async {
            let r = self
                .call(
                    SERVICE_REPOSITORY,
                    ITI43_ACTION,
                    body,
                    Vec::new(),
                    Some(patient),
                )
                .await?;
            let (docs, failure) = xds::read_retrieve_response(&r)?;
            match docs.into_iter().find(|d| d.document_unique_id == unique_id) {
                Some(d) => Ok(d),
                None => Err(match failure {
                    Some(f) => Error::Registry(f),
                    None => Error::NotFound(unique_id.to_owned()),
                }),
            }
        }
        .await;
        let doc = match result {
            Ok(d) => d,
            Err(e) => {
                self.trace_failure(audit_kinds::RETRIEVE, patient, Some(unique_id), &e);
                return Err(e);
            }
        };
        // Fail-closed: malware and scanner failures refuse the document.
        if let Err(e) =
            segur_ssi::antivirus::require_clean(self.inner.local.scanner.as_ref(), &doc.content)
                .await
        {
            let _ = self.trace(
                audit_kinds::RETRIEVE,
                Outcome::Denied,
                patient,
                Some(unique_id),
                &[
                    ("antivirus", self.inner.local.scanner.name().to_owned()),
                    ("reason", e.to_string()),
                ],
            );
            return Err(Error::Antivirus(e));
        }
        self.trace(
            audit_kinds::RETRIEVE,
            Outcome::Success,
            patient,
            Some(unique_id),
            &[
                ("antivirus", self.inner.local.scanner.name().to_owned()),
                ("mime_type", doc.mime_type.clone()),
                ("size", doc.content.len().to_string()),
            ],
        )?;
        let header = if doc.mime_type.contains("xml") {
            Document::parse_header(&doc.content).ok()
        } else {
            None
        };
        let history = self.inner.local.history.as_ref();
        let local = match &header {
            Some(h) => classify_header(history, patient, h)?,
            None => classify_entry(
                history,
                &DocumentEntry {
                    unique_id: unique_id.to_owned(),
                    ..DocumentEntry::default()
                },
            )?,
        };
        if history.get(unique_id, Direction::Received)?.is_none() {
            let entry = DocumentEntry {
                unique_id: unique_id.to_owned(),
                patient_id: patient.to_cx(),
                mime_type: doc.mime_type.clone(),
                title: header.as_ref().and_then(|h| h.title.clone()),
                type_code: header
                    .as_ref()
                    .and_then(|h| h.code.as_ref())
                    .map(|c| {
                        segur_cda::xds::XdsCode::new(
                            c.code_str(),
                            c.code_system.as_deref().unwrap_or(""),
                            c.display_name.as_deref().unwrap_or(""),
                        )
                    })
                    .unwrap_or_default(),
                creation_time: header
                    .as_ref()
                    .and_then(|h| h.effective_time.as_ref())
                    .and_then(|t| t.to_xds_utc()),
                ..DocumentEntry::default()
            };
            history.upsert(&HistoryRecord::from_entry(
                &entry,
                header.as_ref(),
                Direction::Received,
                HistoryStatus::Received,
                self.now(),
            ))?;
        }
        Ok(Retrieved {
            document: doc,
            header,
            local,
        })
    }

    // ---------------------------------------------------------------
    // TD2.1/2.2 feed

    /// TD2.1/2.2: sends one document or both forms of a pair in one
    /// submission, with the signature document, RPLC to the versions they
    /// replace (looked up by TD3.1b) and XFRM between the forms of a pair.
    /// Prefer the send queue ([`crate::feeding`]) for systematic feeding.
    pub async fn feed(&self, feed: &Feed) -> Result<FeedReceipt, Error> {
        let prepared = feed.prepare()?;
        let patient = *prepared.patient();
        self.consent(&patient, DmpOperation::Feed)?;
        if let Err(e) = crate::rights::check_feed(self.professional().as_ref(), &prepared) {
            return Err(self.rights_refused(&patient, "feed", e));
        }
        let result = async {
            let mut replaced = BTreeMap::new();
            for (_, parent) in prepared.replaces() {
                let uuid = self
                    .entry_uuid_of(&patient, parent)
                    .await?
                    .ok_or_else(|| FeedError::ReplacedNotFound(parent.clone()))?;
                replaced.insert(parent.clone(), uuid);
            }
            let request = provide_and_register(
                &prepared,
                &replaced,
                &self.inner.context,
                &self.inner.signer,
                self.now(),
            )?;
            let set_uid = request.submission_set_unique_id().to_owned();
            let (body, parts) = request.into_parts();
            let r = self
                .call(
                    SERVICE_REPOSITORY,
                    ITI41_ACTION,
                    body,
                    parts,
                    Some(&patient),
                )
                .await?;
            let rr = r.body()?;
            xds::check_status(rr)?;
            Ok(set_uid)
        }
        .await;
        let set_uid = match result {
            Ok(s) => s,
            Err(e) => {
                for uid in prepared.unique_ids() {
                    self.trace_failure(audit_kinds::FEED, &patient, Some(&uid), &e);
                }
                return Err(e);
            }
        };
        let now = self.now();
        let history = self.inner.local.history.as_ref();
        for (i, entry) in prepared.entries().iter().enumerate() {
            self.trace(
                audit_kinds::FEED,
                Outcome::Success,
                &patient,
                Some(&entry.unique_id),
                &[("submission_set", set_uid.clone())],
            )?;
            let header = prepared
                .bytes(i)
                .and_then(|b| Document::parse_header(b).ok());
            history.upsert(&HistoryRecord::from_entry(
                entry,
                header.as_ref(),
                Direction::Sent,
                HistoryStatus::Sent,
                now,
            ))?;
        }
        for (_, parent) in prepared.replaces() {
            history.set_status(parent, Direction::Sent, HistoryStatus::Replaced, None, now)?;
        }
        Ok(FeedReceipt {
            submission_set_unique_id: set_uid,
            unique_ids: prepared.unique_ids(),
        })
    }

    // ---------------------------------------------------------------
    // TD3.3 updates

    async fn current_entries(
        &self,
        patient: &Ins,
        unique_ids: &[String],
    ) -> Result<Vec<DocumentEntry>, Error> {
        let query = StoredQuery::get_documents_by_unique_id(unique_ids, ReturnType::LeafClass);
        let entries = self.query(patient, &query).await?.entries;
        let mut current = Vec::new();
        for uid in unique_ids {
            // The live version (a metadata update deprecates the previous one).
            let e = entries
                .iter()
                .filter(|e| e.unique_id == *uid)
                .find(|e| status_of(e) != crate::xds::Availability::Deprecated)
                .ok_or_else(|| Error::NotFound(uid.clone()))?;
            current.push(e.clone());
        }
        Ok(current)
    }

    async fn update(
        &self,
        patient: &Ins,
        unique_ids: &[String],
        operation: &str,
        body: Element,
    ) -> Result<(), Error> {
        let result = async {
            let r = self
                .call(
                    SERVICE_REGISTRY,
                    ITI57_ACTION,
                    body,
                    Vec::new(),
                    Some(patient),
                )
                .await?;
            xds::check_status(r.body()?)
        }
        .await;
        for uid in unique_ids {
            match &result {
                Ok(()) => self.trace(
                    audit_kinds::UPDATE,
                    Outcome::Success,
                    patient,
                    Some(uid),
                    &[("operation", operation.to_owned())],
                )?,
                Err(e) => self.trace_failure(audit_kinds::UPDATE, patient, Some(uid), e),
            }
        }
        result
    }

    /// TD3.3a/b: changes the visibility of documents (give both uniqueIds
    /// of a pair: [`crate::feed::pair_unique_ids`]), in one request.
    pub async fn set_visibility(
        &self,
        patient: &Ins,
        unique_ids: &[String],
        visibility: Visibility,
    ) -> Result<(), Error> {
        self.consent(patient, DmpOperation::UpdateMetadata)?;
        let entries = self.current_entries(patient, unique_ids).await?;
        for e in &entries {
            if let Err(r) =
                crate::rights::check_change(self.professional().as_ref(), self.actor_id(), e, false)
            {
                return Err(self.rights_refused(patient, "visibility", r));
            }
        }
        let body = crate::update::visibility_update_request(
            &entries,
            visibility,
            &self.inner.context.source_id,
            &self.inner.context.content_type_code,
            self.now(),
        )?;
        self.update(patient, unique_ids, "visibility", body).await
    }

    /// TD3.3c/d: deletes (author only), archives or unarchives documents
    /// (give both uniqueIds of a pair), in one request. Documents already in
    /// the target status are left as they are.
    pub async fn change_status(
        &self,
        patient: &Ins,
        unique_ids: &[String],
        change: StatusChange,
    ) -> Result<(), Error> {
        let op = match change {
            StatusChange::Delete => DmpOperation::Delete,
            _ => DmpOperation::UpdateMetadata,
        };
        self.consent(patient, op)?;
        let entries = self.current_entries(patient, unique_ids).await?;
        let mut todo = Vec::new();
        for e in entries {
            let deletion = change == StatusChange::Delete;
            if let Err(r) = crate::rights::check_change(
                self.professional().as_ref(),
                self.actor_id(),
                &e,
                deletion,
            ) {
                return Err(self.rights_refused(patient, change.as_str(), r));
            }
            let from = status_of(&e);
            if from == change.target() {
                continue;
            }
            if !change.applies_to(from) {
                return Err(ProtocolError::Unexpected(format!(
                    "cannot {} document {} in status {from:?}",
                    change.as_str(),
                    e.unique_id
                ))
                .into());
            }
            todo.push(e);
        }
        if todo.is_empty() {
            return Ok(());
        }
        let body = crate::update::status_update_request(
            &todo,
            change,
            &self.inner.context.source_id,
            &self.inner.context.content_type_code,
            self.now(),
        )?;
        let uids: Vec<String> = todo.iter().map(|e| e.unique_id.clone()).collect();
        self.update(patient, &uids, change.as_str(), body).await?;
        let status = match change {
            StatusChange::Delete => HistoryStatus::Deleted,
            StatusChange::Archive => HistoryStatus::Archived,
            StatusChange::Unarchive => HistoryStatus::Sent,
        };
        for uid in &uids {
            self.inner
                .local
                .history
                .set_status(uid, Direction::Sent, status, None, self.now())?;
        }
        Ok(())
    }

    // ---------------------------------------------------------------
    // Web DMP

    /// The contextual link to the web DMP of `patient` (SC.DMP/UX.31):
    /// a form carrying a VIHF signed for that patient.
    pub async fn web_link(&self, patient: &Ins, url: &str) -> Result<WebDmpLink, Error> {
        self.consent(patient, DmpOperation::Search)?;
        let assertion = self.inner.vihf.assertion(Some(patient), self.now()).await?;
        self.trace(
            audit_kinds::SEARCH,
            Outcome::Success,
            patient,
            None,
            &[("web_dmp", url.to_owned())],
        )?;
        Ok(crate::web::contextual_link(url, patient, &assertion))
    }

    /// Maps a feed error to the queue's classification (used by the queue
    /// sender).
    pub(crate) fn is_duplicate(e: &Error) -> bool {
        matches!(e, Error::Registry(f) if f.has_code(error_codes::DUPLICATE_UNIQUE_ID))
    }
}
