//! Hardened rustls configurations for national services (and, on the server
//! side, for the simulators).
//!
//! What every configuration built here enforces (ANSSI *Recommandations de
//! sécurité relatives à TLS*, SDE-NT-35 v1.2):
//!
//! - TLS 1.3 and TLS 1.2 only (no SSL, TLS 1.0/1.1; rustls never compresses
//!   nor renegotiates);
//! - the ANSSI-compatible cipher suites only ([`TlsPolicy::anssi`]): AES-GCM and
//!   ChaCha20-Poly1305 with ECDHE; no CBC, no static RSA, no SHA-1;
//! - key exchange on X25519, P-384 and P-256;
//! - an **explicit trust store** ([`TrustStore`]) built from files the host
//!   provides (the IGC-Santé roots): never the webpki / system defaults;
//! - the [`CryptoPolicy`] on the peer's end-entity certificate (RSA ≥ 2048,
//!   no SHA-1…) on top of webpki path validation;
//! - a production trust store refuses test anchors (test IGC-Santé, segur-rs
//!   test PKI) and a production client configuration refuses a test identity.
//!
//! There is no way to disable certificate verification in this module. Tests
//! and simulators use the `test_pki` module (feature `test-pki`), whose root is
//! trusted explicitly.
//!
//! ```
//! # #[cfg(feature = "test-pki")] {
//! use segur_ssi::tls::{ClientTlsBuilder, Identity, TrustEnvironment, TrustStore};
//! # let pki = segur_ssi::test_pki::TestPki::generate().unwrap();
//! # let root_pem = pki.root_pem();
//! # let doctor = pki.issue_personal(&"10003612545".parse().unwrap(), "MARTIN", "JEANNE", "Médecin").unwrap();
//! # let p12 = doctor.pkcs12("secret").unwrap();
//! // The host loads its roots from files it provides (here: PEM bytes).
//! let mut trust = TrustStore::new(TrustEnvironment::Test);
//! trust.add_pem(root_pem.as_bytes()).unwrap();
//! // The practitioner's identity from a PKCS#12 file and its password.
//! let identity = Identity::from_pkcs12(&p12, "secret").unwrap();
//! let config: rustls::ClientConfig = ClientTlsBuilder::new(trust)
//!     .with_identity(identity)
//!     .build()
//!     .unwrap();
//! // reqwest::ClientBuilder::new().use_preconfigured_tls(config)…
//! # let _ = config;
//! # }
//! ```

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::crypto::ring as ring_provider;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{
    CipherSuite, DigitallySignedStruct, DistinguishedName, RootCertStore, SignatureScheme,
};

use crate::cert::{IgcSanteCertificate, parse_x509};
use crate::error::{CertificateError, Error, PolicyViolation, Result, TlsError};
use crate::policy::CryptoPolicy;

/// Which anchors a trust store accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TrustEnvironment {
    /// Production: test IGC-Santé anchors and the segur-rs test PKI are refused.
    Production,
    /// Test platforms and simulators: any anchor passing the crypto policy.
    Test,
}

/// The explicit set of trust anchors for national services.
#[derive(Clone)]
pub struct TrustStore {
    environment: TrustEnvironment,
    policy: CryptoPolicy,
    anchors: Vec<CertificateDer<'static>>,
}

impl fmt::Debug for TrustStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrustStore")
            .field("environment", &self.environment)
            .field("anchors", &self.anchors.len())
            .finish()
    }
}

impl TrustStore {
    /// An empty store for an environment, with the default crypto policy.
    pub fn new(environment: TrustEnvironment) -> Self {
        Self {
            environment,
            policy: CryptoPolicy::default(),
            anchors: Vec::new(),
        }
    }

    /// Replaces the crypto policy applied to anchors and peers.
    pub fn with_policy(mut self, policy: CryptoPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// A store loaded from PEM or DER files.
    pub fn from_files<P: AsRef<Path>>(
        environment: TrustEnvironment,
        files: impl IntoIterator<Item = P>,
    ) -> Result<Self> {
        let mut store = Self::new(environment);
        for f in files {
            store.add_file(f)?;
        }
        Ok(store)
    }

    /// The environment.
    pub fn environment(&self) -> TrustEnvironment {
        self.environment
    }

    /// The crypto policy.
    pub fn policy(&self) -> &CryptoPolicy {
        &self.policy
    }

    /// Number of anchors.
    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    /// True when no anchor was added.
    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }

    /// The anchors, DER.
    pub fn certificates(&self) -> &[CertificateDer<'static>] {
        &self.anchors
    }

    /// Adds one DER certificate after the policy and environment checks.
    ///
    /// The anchor's key is checked against the crypto policy; its own
    /// (self-)signature is not, since trust in an anchor does not come from it.
    pub fn add_der(&mut self, der: &[u8]) -> Result<()> {
        let cert = IgcSanteCertificate::from_der(der)?;
        let mut warnings = Vec::new();
        self.policy
            .check_key(cert.key_algorithm(), Some(cert.not_after()), &mut warnings)?;
        if self.environment == TrustEnvironment::Production {
            cert.check_production()?;
        }
        // webpki must be able to use it as an anchor.
        let der = CertificateDer::from(der.to_vec());
        webpki_anchor_check(&der, self.anchors.len())?;
        self.anchors.push(der);
        Ok(())
    }

    /// Adds every certificate of a PEM text; returns how many were added.
    pub fn add_pem(&mut self, pem: &[u8]) -> Result<usize> {
        let ders = crate::cert::pem_certificates(pem)?;
        for der in &ders {
            self.add_der(der)?;
        }
        Ok(ders.len())
    }

    /// Adds a PEM (one or more certificates) or DER file.
    pub fn add_file(&mut self, path: impl AsRef<Path>) -> Result<usize> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        if bytes.first() == Some(&0x30) {
            self.add_der(&bytes)?;
            Ok(1)
        } else {
            self.add_pem(&bytes)
        }
    }

    /// The rustls root store.
    pub fn root_cert_store(&self) -> Result<RootCertStore> {
        if self.anchors.is_empty() {
            return Err(TlsError::EmptyTrustStore.into());
        }
        let mut roots = RootCertStore::empty();
        for (index, der) in self.anchors.iter().enumerate() {
            roots
                .add(der.clone())
                .map_err(|e| TlsError::BadTrustAnchor {
                    index,
                    reason: e.to_string(),
                })?;
        }
        Ok(roots)
    }
}

fn webpki_anchor_check(der: &CertificateDer<'_>, index: usize) -> Result<()> {
    let mut probe = RootCertStore::empty();
    probe
        .add(der.clone())
        .map_err(|e| TlsError::BadTrustAnchor {
            index,
            reason: e.to_string(),
        })?;
    Ok(())
}

/// A certificate chain with its private key: a client identity for mutual TLS
/// (CPS / organisation certificate) or a server identity (simulators).
pub struct Identity {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    leaf: IgcSanteCertificate,
}

/// The identity a client presents in mutual TLS (alias of [`Identity`]).
pub type ClientIdentity = Identity;

impl Clone for Identity {
    fn clone(&self) -> Self {
        Self {
            chain: self.chain.clone(),
            key: self.key.clone_key(),
            leaf: self.leaf.clone(),
        }
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("leaf", &self.leaf)
            .field("chain_len", &self.chain.len())
            .field("key", &"<redacted>")
            .finish()
    }
}

impl Identity {
    /// From a DER chain (leaf first) and a PKCS#8, PKCS#1 or SEC1 DER key.
    ///
    /// Checks the leaf against the default [`CryptoPolicy`] and that the key
    /// matches the leaf.
    pub fn from_der(chain: Vec<Vec<u8>>, key: PrivateKeyDer<'static>) -> Result<Self> {
        Self::from_der_with_policy(chain, key, &CryptoPolicy::default())
    }

    /// As [`Identity::from_der`] with an explicit policy.
    pub fn from_der_with_policy(
        chain: Vec<Vec<u8>>,
        key: PrivateKeyDer<'static>,
        policy: &CryptoPolicy,
    ) -> Result<Self> {
        let Some(leaf_der) = chain.first() else {
            return Err(CertificateError::PemEmpty {
                expected: "CERTIFICATE",
            }
            .into());
        };
        let leaf = IgcSanteCertificate::from_der(leaf_der)?;
        leaf.check_policy(policy)?;
        for der in chain.iter().skip(1) {
            parse_x509(der)?;
        }
        let chain: Vec<CertificateDer<'static>> =
            chain.into_iter().map(CertificateDer::from).collect();
        check_key_matches(&chain, &key)?;
        Ok(Self { chain, key, leaf })
    }

    /// From PKCS#12 bytes and their password (modern AES/PBKDF2 exports as well
    /// as legacy 3DES / RC2 exports of older CPS tools).
    pub fn from_pkcs12(bytes: &[u8], password: &str) -> Result<Self> {
        let store = p12_keystore::KeyStore::from_pkcs12(
            bytes,
            password,
            p12_keystore::Pkcs12ImportPolicy::Strict,
        )
        .map_err(|e| CertificateError::Pkcs12 {
            reason: e.to_string(),
        })?;
        let (_alias, chain) = store
            .private_key_chain()
            .ok_or(CertificateError::Pkcs12NoKey)?;
        let certs: Vec<Vec<u8>> = chain.certs().iter().map(|c| c.as_der().to_vec()).collect();
        let key = PrivateKeyDer::Pkcs8(chain.key().as_der().to_vec().into());
        Self::from_der(certs, key)
    }

    /// From a PKCS#12 file.
    pub fn from_pkcs12_file(path: impl AsRef<Path>, password: &str) -> Result<Self> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_pkcs12(&bytes, password)
    }

    /// From a PEM certificate chain (leaf first) and a PEM private key.
    pub fn from_pem(chain_pem: &[u8], key_pem: &[u8]) -> Result<Self> {
        let chain = crate::cert::pem_certificates(chain_pem)?;
        let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| match e {
            rustls::pki_types::pem::Error::NoItemsFound => CertificateError::PemEmpty {
                expected: "PRIVATE KEY",
            },
            other => CertificateError::PemMalformed {
                reason: other.to_string(),
            },
        })?;
        Self::from_der(chain, key)
    }

    /// From PEM files.
    pub fn from_pem_files(chain: impl AsRef<Path>, key: impl AsRef<Path>) -> Result<Self> {
        let read = |p: &Path| {
            std::fs::read(p).map_err(|source| Error::Io {
                path: p.to_path_buf(),
                source,
            })
        };
        let chain_pem = read(chain.as_ref())?;
        let key_pem = zeroize::Zeroizing::new(read(key.as_ref())?);
        Self::from_pem(&chain_pem, &key_pem)
    }

    /// The parsed leaf certificate (holder kind, national id…).
    pub fn certificate(&self) -> &IgcSanteCertificate {
        &self.leaf
    }

    /// The chain, leaf first.
    pub fn chain(&self) -> &[CertificateDer<'static>] {
        &self.chain
    }

    /// The private key (for signing with ring, e.g. the DMP VIHF).
    pub fn private_key(&self) -> &PrivateKeyDer<'static> {
        &self.key
    }
}

fn check_key_matches(
    chain: &[CertificateDer<'static>],
    key: &PrivateKeyDer<'static>,
) -> Result<()> {
    let provider = ring_provider::default_provider();
    let signing = provider
        .key_provider
        .load_private_key(key.clone_key())
        .map_err(|e| CertificateError::Key {
            reason: e.to_string(),
        })?;
    rustls::sign::CertifiedKey::new(chain.to_vec(), signing)
        .keys_match()
        .map_err(|e| CertificateError::Key {
            reason: format!("the private key does not match the certificate ({e})"),
        })?;
    Ok(())
}

/// TLS versions and cipher suites allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TlsPolicy {
    /// Allow TLS 1.3 (default true).
    pub tls13: bool,
    /// Allow TLS 1.2 (default true: several national endpoints are 1.2 only).
    pub tls12: bool,
    /// Cipher suites in preference order; anything not in the ANSSI list is
    /// ignored.
    pub cipher_suites: Vec<CipherSuite>,
}

/// The ANSSI-compatible suites rustls offers, strongest first.
pub const ANSSI_CIPHER_SUITES: [CipherSuite; 9] = [
    CipherSuite::TLS13_AES_256_GCM_SHA384,
    CipherSuite::TLS13_AES_128_GCM_SHA256,
    CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
];

impl Default for TlsPolicy {
    fn default() -> Self {
        Self::anssi()
    }
}

impl TlsPolicy {
    /// TLS 1.2 + 1.3 with the [`ANSSI_CIPHER_SUITES`].
    pub fn anssi() -> Self {
        Self {
            tls13: true,
            tls12: true,
            cipher_suites: ANSSI_CIPHER_SUITES.to_vec(),
        }
    }

    /// TLS 1.3 only.
    pub fn tls13_only() -> Self {
        Self {
            tls12: false,
            ..Self::anssi()
        }
    }

    /// TLS 1.2 only (for endpoints that cannot negotiate 1.3; prefer [`TlsPolicy::anssi`]).
    pub fn tls12_only() -> Self {
        Self {
            tls13: false,
            ..Self::anssi()
        }
    }

    /// The ring crypto provider restricted to this policy.
    pub fn provider(&self) -> Result<CryptoProvider> {
        let base = ring_provider::default_provider();
        let mut suites = Vec::new();
        for wanted in &self.cipher_suites {
            if !ANSSI_CIPHER_SUITES.contains(wanted) {
                continue;
            }
            if let Some(s) = base.cipher_suites.iter().find(|s| s.suite() == *wanted) {
                let is13 = s.tls13().is_some();
                if (is13 && self.tls13) || (!is13 && self.tls12) {
                    suites.push(*s);
                }
            }
        }
        if suites.is_empty() {
            return Err(TlsError::EmptyPolicy {
                what: "cipher suite",
            }
            .into());
        }
        Ok(CryptoProvider {
            cipher_suites: suites,
            kx_groups: vec![
                ring_provider::kx_group::X25519,
                ring_provider::kx_group::SECP384R1,
                ring_provider::kx_group::SECP256R1,
            ],
            ..base
        })
    }

    fn versions(&self) -> Result<Vec<&'static rustls::SupportedProtocolVersion>> {
        let mut v = Vec::new();
        if self.tls13 {
            v.push(&rustls::version::TLS13);
        }
        if self.tls12 {
            v.push(&rustls::version::TLS12);
        }
        if v.is_empty() {
            return Err(TlsError::EmptyPolicy {
                what: "protocol version",
            }
            .into());
        }
        Ok(v)
    }
}

fn policy_error(v: PolicyViolation) -> rustls::Error {
    rustls::Error::InvalidCertificate(rustls::CertificateError::Other(rustls::OtherError(
        Arc::new(v),
    )))
}

fn check_peer(policy: &CryptoPolicy, end_entity: &CertificateDer<'_>) -> Result<(), rustls::Error> {
    let cert = parse_x509(end_entity)
        .map_err(|_| rustls::Error::InvalidCertificate(rustls::CertificateError::BadEncoding))?;
    policy.check_x509(&cert).map_err(policy_error)?;
    Ok(())
}

/// webpki verification followed by the crypto policy on the end-entity certificate.
#[derive(Debug)]
struct PolicyServerVerifier {
    inner: Arc<WebPkiServerVerifier>,
    policy: CryptoPolicy,
}

impl ServerCertVerifier for PolicyServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let ok = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        )?;
        check_peer(&self.policy, end_entity)?;
        Ok(ok)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

#[derive(Debug)]
struct PolicyClientVerifier {
    inner: Arc<dyn ClientCertVerifier>,
    policy: CryptoPolicy,
}

impl ClientCertVerifier for PolicyClientVerifier {
    fn offer_client_auth(&self) -> bool {
        self.inner.offer_client_auth()
    }

    fn client_auth_mandatory(&self) -> bool {
        self.inner.client_auth_mandatory()
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.inner.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let ok = self
            .inner
            .verify_client_cert(end_entity, intermediates, now)?;
        check_peer(&self.policy, end_entity)?;
        Ok(ok)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// Builds a hardened [`rustls::ClientConfig`].
#[derive(Debug, Clone)]
pub struct ClientTlsBuilder {
    trust: TrustStore,
    identity: Option<Identity>,
    policy: TlsPolicy,
    alpn: Vec<Vec<u8>>,
}

impl ClientTlsBuilder {
    /// A client trusting exactly `trust`, without client certificate.
    pub fn new(trust: TrustStore) -> Self {
        Self {
            trust,
            identity: None,
            policy: TlsPolicy::default(),
            alpn: Vec::new(),
        }
    }

    /// Presents `identity` when the server asks for a client certificate.
    pub fn with_identity(mut self, identity: Identity) -> Self {
        self.identity = Some(identity);
        self
    }

    /// Replaces the TLS policy (versions, suites).
    pub fn with_tls_policy(mut self, policy: TlsPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// ALPN protocols to offer (e.g. `b"http/1.1"`); none by default.
    pub fn with_alpn(mut self, protocols: impl IntoIterator<Item = Vec<u8>>) -> Self {
        self.alpn = protocols.into_iter().collect();
        self
    }

    /// Builds the configuration.
    pub fn build(self) -> Result<rustls::ClientConfig> {
        let provider = Arc::new(self.policy.provider()?);
        let roots = Arc::new(self.trust.root_cert_store()?);
        let inner = WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
            .build()
            .map_err(|e| TlsError::Verifier(e.to_string()))?;
        let verifier = Arc::new(PolicyServerVerifier {
            inner,
            policy: self.trust.policy().clone(),
        });
        // `dangerous()` only installs our verifier, which runs webpki first.
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&self.policy.versions()?)
            .map_err(TlsError::from)?
            .dangerous()
            .with_custom_certificate_verifier(verifier);
        let mut config = match self.identity {
            Some(identity) => {
                if self.trust.environment() == TrustEnvironment::Production {
                    identity.certificate().check_production()?;
                }
                builder
                    .with_client_auth_cert(identity.chain, identity.key)
                    .map_err(TlsError::from)?
            }
            None => builder.with_no_client_auth(),
        };
        config.alpn_protocols = self.alpn;
        Ok(config)
    }
}

/// Whether a server asks for client certificates.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ClientAuth {
    /// No client certificate requested.
    None,
    /// Requested and verified when presented; anonymous clients accepted.
    Optional(TrustStore),
    /// Mandatory (mutual TLS).
    Required(TrustStore),
}

/// Builds a hardened [`rustls::ServerConfig`] (simulators, host services).
#[derive(Debug, Clone)]
pub struct ServerTlsBuilder {
    identity: Identity,
    client_auth: ClientAuth,
    policy: TlsPolicy,
    alpn: Vec<Vec<u8>>,
}

impl ServerTlsBuilder {
    /// A server presenting `identity`, without client authentication.
    pub fn new(identity: Identity) -> Self {
        Self {
            identity,
            client_auth: ClientAuth::None,
            policy: TlsPolicy::default(),
            alpn: Vec::new(),
        }
    }

    /// Sets client authentication.
    pub fn with_client_auth(mut self, client_auth: ClientAuth) -> Self {
        self.client_auth = client_auth;
        self
    }

    /// Replaces the TLS policy.
    pub fn with_tls_policy(mut self, policy: TlsPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// ALPN protocols accepted (e.g. `b"http/1.1"`).
    pub fn with_alpn(mut self, protocols: impl IntoIterator<Item = Vec<u8>>) -> Self {
        self.alpn = protocols.into_iter().collect();
        self
    }

    /// Builds the configuration.
    pub fn build(self) -> Result<rustls::ServerConfig> {
        let provider = Arc::new(self.policy.provider()?);
        let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&self.policy.versions()?)
            .map_err(TlsError::from)?;
        let (trust, optional) = match self.client_auth {
            ClientAuth::None => (None, false),
            ClientAuth::Optional(t) => (Some(t), true),
            ClientAuth::Required(t) => (Some(t), false),
        };
        let builder = match trust {
            None => builder.with_no_client_auth(),
            Some(trust) => {
                let roots = Arc::new(trust.root_cert_store()?);
                let mut vb = WebPkiClientVerifier::builder_with_provider(roots, provider);
                if optional {
                    vb = vb.allow_unauthenticated();
                }
                let inner = vb.build().map_err(|e| TlsError::Verifier(e.to_string()))?;
                builder.with_client_cert_verifier(Arc::new(PolicyClientVerifier {
                    inner,
                    policy: trust.policy().clone(),
                }))
            }
        };
        let mut config = builder
            .with_single_cert(self.identity.chain, self.identity.key)
            .map_err(TlsError::from)?;
        config.alpn_protocols = self.alpn;
        Ok(config)
    }
}

/// Parses the end-entity certificate a peer presented (e.g.
/// `ServerConnection::peer_certificates()`), to read its holder and national id.
pub fn peer_identity(
    peer_certificates: &[CertificateDer<'_>],
) -> Option<Result<IgcSanteCertificate>> {
    peer_certificates
        .first()
        .map(|c| IgcSanteCertificate::from_der(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_provider_is_restricted() {
        let p = TlsPolicy::anssi().provider().unwrap();
        assert_eq!(p.cipher_suites.len(), 9);
        let only13 = TlsPolicy::tls13_only().provider().unwrap();
        assert!(only13.cipher_suites.iter().all(|s| s.tls13().is_some()));
        let none = TlsPolicy {
            cipher_suites: vec![CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA],
            ..TlsPolicy::anssi()
        };
        assert!(matches!(
            none.provider(),
            Err(Error::Tls(TlsError::EmptyPolicy { .. }))
        ));
        let no_version = TlsPolicy {
            tls12: false,
            tls13: false,
            ..TlsPolicy::anssi()
        };
        assert!(no_version.versions().is_err());
    }

    #[test]
    fn empty_trust_store_is_refused() {
        let r = ClientTlsBuilder::new(TrustStore::new(TrustEnvironment::Production)).build();
        assert!(matches!(r, Err(Error::Tls(TlsError::EmptyTrustStore))));
    }
}
