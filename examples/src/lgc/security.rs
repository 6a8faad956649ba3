//! Security controls: the audit trail export and the TLS client used for
//! national services (explicit trust store of `segur_ssi::tls`, ANSSI
//! suites, TLS 1.2+).

use segur_conformance::host::{BoxFuture, HostError, Security};
use segur_ssi::audit::{AuditFilter, AuditRecord, AuditTrail};
use segur_ssi::tls::{ClientTlsBuilder, TrustEnvironment, TrustStore};

use super::{ReferenceLgc, lock};

/// The trust store for national services, loaded by the administrator.
#[derive(Default)]
pub(super) struct SecurityState {
    trust: std::sync::Mutex<Option<TrustStore>>,
}

impl Security for ReferenceLgc {
    fn audit_trail(&self) -> BoxFuture<'_, Result<Vec<AuditRecord>, HostError>> {
        Box::pin(async move {
            self.core()?
                .audit
                .query(&AuditFilter::new())
                .map_err(|e| HostError::failed(format!("audit trail: {e}")))
        })
    }

    fn trust_national_roots<'a>(&'a self, pem: &'a [u8]) -> BoxFuture<'a, Result<(), HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            // Test platforms: the IGC-Santé test roots. In production,
            // `TrustEnvironment::Production` refuses any test anchor.
            let mut trust = TrustStore::new(TrustEnvironment::Test);
            trust
                .add_pem(pem)
                .map_err(|e| HostError::failed(format!("trust store: {e}")))?;
            *lock(&core.security.trust) = Some(trust);
            Ok(())
        })
    }

    fn national_tls_config(&self) -> BoxFuture<'_, Result<rustls::ClientConfig, HostError>> {
        Box::pin(async move {
            let core = self.core()?;
            let trust = lock(&core.security.trust).clone().ok_or_else(|| {
                HostError::failed("no trust store configured for national services")
            })?;
            ClientTlsBuilder::new(trust)
                .build()
                .map_err(|e| HostError::failed(format!("TLS configuration: {e}")))
        })
    }
}
