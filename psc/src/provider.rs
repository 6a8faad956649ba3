//! PSC environments and the provider's discovery document.

use serde::{Deserialize, Serialize};
use url::Url;

use crate::Error;

/// The realm path shared by every PSC environment.
const REALM: &str = "/auth/realms/esante-wallet";
/// PSC's non-standard discovery path, relative to the issuer.
pub const PSC_DISCOVERY_PATH: &str = "/.well-known/wallet-openid-configuration";

/// A Pro Santé Connect environment.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Environment {
    /// The integration environment ("bac à sable"), for CPS test cards and BAS e-CPS.
    Bas,
    /// Production.
    Production,
    /// Any issuer (a simulator, a proxy), with its discovery URL.
    Custom {
        /// The issuer (`iss`).
        issuer: String,
        /// Where to fetch the discovery document.
        discovery_url: Url,
    },
}

impl Environment {
    /// An environment for `issuer` using PSC's discovery path
    /// (`{issuer}/.well-known/wallet-openid-configuration`).
    pub fn custom_psc(issuer: &str) -> Result<Self, Error> {
        let issuer = issuer.trim_end_matches('/').to_owned();
        let discovery_url = Url::parse(&format!("{issuer}{PSC_DISCOVERY_PATH}"))
            .map_err(|e| Error::Config(format!("issuer {issuer:?}: {e}")))?;
        Ok(Self::Custom {
            issuer,
            discovery_url,
        })
    }

    /// An environment for a standard OpenID provider
    /// (`{issuer}/.well-known/openid-configuration`).
    pub fn custom_standard(issuer: &str) -> Result<Self, Error> {
        let issuer = issuer.trim_end_matches('/').to_owned();
        let discovery_url = Url::parse(&format!("{issuer}/.well-known/openid-configuration"))
            .map_err(|e| Error::Config(format!("issuer {issuer:?}: {e}")))?;
        Ok(Self::Custom {
            issuer,
            discovery_url,
        })
    }

    /// The issuer (`iss` of the tokens).
    pub fn issuer(&self) -> String {
        match self {
            Self::Bas => format!("https://auth.bas.psc.esante.gouv.fr{REALM}"),
            Self::Production => format!("https://auth.esw.esante.gouv.fr{REALM}"),
            Self::Custom { issuer, .. } => issuer.clone(),
        }
    }

    /// The discovery document URL.
    pub fn discovery_url(&self) -> Result<Url, Error> {
        match self {
            Self::Custom { discovery_url, .. } => Ok(discovery_url.clone()),
            _ => Url::parse(&format!("{}{PSC_DISCOVERY_PATH}", self.issuer()))
                .map_err(|e| Error::Config(e.to_string())),
        }
    }

    /// The documented endpoints of BAS and production, for use without a
    /// discovery round trip (`None` for a custom issuer). Discovery stays the
    /// reference: prefer it when the network allows.
    ///
    /// The production CIBA endpoint is derived from the BAS one by host
    /// (not published by ANS at the time of writing).
    pub fn documented_metadata(&self) -> Option<ProviderMetadata> {
        let (auth_host, wallet_host) = match self {
            Self::Bas => (
                "auth.bas.psc.esante.gouv.fr",
                "wallet.bas.psc.esante.gouv.fr",
            ),
            Self::Production => ("auth.esw.esante.gouv.fr", "wallet.esw.esante.gouv.fr"),
            Self::Custom { .. } => return None,
        };
        let base = format!("https://{auth_host}{REALM}/protocol/openid-connect");
        let url = |s: String| Url::parse(&s).ok();
        Some(ProviderMetadata {
            issuer: self.issuer(),
            authorization_endpoint: url(format!("https://{wallet_host}/auth"))?,
            token_endpoint: url(format!("{base}/token"))?,
            userinfo_endpoint: url(format!("{base}/userinfo")),
            jwks_uri: url(format!("{base}/certs"))?,
            end_session_endpoint: url(format!("{base}/logout")),
            introspection_endpoint: url(format!("{base}/token/introspect")),
            revocation_endpoint: url(format!("{base}/revoke")),
            backchannel_authentication_endpoint: url(format!("{base}/ext/ciba/auth")),
            ..ProviderMetadata::default()
        })
    }
}

/// The OpenID provider metadata (the fields we use; others are kept).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProviderMetadata {
    /// Issuer.
    pub issuer: String,
    /// Authorization endpoint (on the `wallet.*` host for PSC, not the issuer's).
    pub authorization_endpoint: Url,
    /// Token endpoint.
    pub token_endpoint: Url,
    /// Userinfo endpoint.
    #[serde(default)]
    pub userinfo_endpoint: Option<Url>,
    /// JWKS URI.
    pub jwks_uri: Url,
    /// RP-initiated logout endpoint.
    #[serde(default)]
    pub end_session_endpoint: Option<Url>,
    /// Token introspection (RFC 7662).
    #[serde(default)]
    pub introspection_endpoint: Option<Url>,
    /// Token revocation (RFC 7009).
    #[serde(default)]
    pub revocation_endpoint: Option<Url>,
    /// CIBA backchannel authentication endpoint.
    #[serde(default)]
    pub backchannel_authentication_endpoint: Option<Url>,
    /// Supported scopes.
    #[serde(default)]
    pub scopes_supported: Vec<String>,
    /// Supported grant types.
    #[serde(default)]
    pub grant_types_supported: Vec<String>,
    /// Supported PKCE methods.
    #[serde(default)]
    pub code_challenge_methods_supported: Vec<String>,
    /// Supported ID token signing algorithms.
    #[serde(default)]
    pub id_token_signing_alg_values_supported: Vec<String>,
    /// Supported client authentication methods at the token endpoint.
    #[serde(default)]
    pub token_endpoint_auth_methods_supported: Vec<String>,
    /// CIBA delivery modes.
    #[serde(default)]
    pub backchannel_token_delivery_modes_supported: Vec<String>,
    /// Whether the `iss` authorization response parameter is sent (RFC 9207).
    #[serde(default)]
    pub authorization_response_iss_parameter_supported: bool,
    /// RFC 8705 mTLS endpoint aliases.
    #[serde(default)]
    pub mtls_endpoint_aliases: Option<MtlsEndpointAliases>,
    /// Every other member, kept verbatim.
    #[serde(flatten)]
    pub additional: serde_json::Map<String, serde_json::Value>,
}

impl Default for ProviderMetadata {
    fn default() -> Self {
        // Placeholder URLs are never used: `default()` is only a base for
        // struct update syntax with every URL field set.
        let local = Url::parse("http://127.0.0.1/").expect("static URL parses");
        Self {
            issuer: String::new(),
            authorization_endpoint: local.clone(),
            token_endpoint: local.clone(),
            userinfo_endpoint: None,
            jwks_uri: local,
            end_session_endpoint: None,
            introspection_endpoint: None,
            revocation_endpoint: None,
            backchannel_authentication_endpoint: None,
            scopes_supported: Vec::new(),
            grant_types_supported: Vec::new(),
            code_challenge_methods_supported: Vec::new(),
            id_token_signing_alg_values_supported: Vec::new(),
            token_endpoint_auth_methods_supported: Vec::new(),
            backchannel_token_delivery_modes_supported: Vec::new(),
            authorization_response_iss_parameter_supported: false,
            mtls_endpoint_aliases: None,
            additional: serde_json::Map::new(),
        }
    }
}

/// RFC 8705 §5 endpoint aliases to use with a client certificate.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MtlsEndpointAliases {
    /// Token endpoint for mTLS clients.
    #[serde(default)]
    pub token_endpoint: Option<Url>,
    /// Userinfo endpoint for mTLS clients.
    #[serde(default)]
    pub userinfo_endpoint: Option<Url>,
    /// Introspection endpoint for mTLS clients.
    #[serde(default)]
    pub introspection_endpoint: Option<Url>,
    /// Revocation endpoint for mTLS clients.
    #[serde(default)]
    pub revocation_endpoint: Option<Url>,
    /// CIBA endpoint for mTLS clients.
    #[serde(default)]
    pub backchannel_authentication_endpoint: Option<Url>,
}

impl ProviderMetadata {
    /// Parses a discovery document and checks that it is the expected
    /// issuer's (OIDC Discovery §4.3: the `issuer` must match exactly).
    pub fn parse(body: &[u8], expected_issuer: &str) -> Result<Self, Error> {
        let md: Self = serde_json::from_slice(body)
            .map_err(|e| Error::invalid_response("discovery", e.to_string()))?;
        if md.issuer.trim_end_matches('/') != expected_issuer.trim_end_matches('/') {
            return Err(Error::invalid_response(
                "discovery",
                format!(
                    "issuer {:?} is not the expected {expected_issuer:?}",
                    md.issuer
                ),
            ));
        }
        Ok(md)
    }

    /// The token endpoint to use: the mTLS alias when the client
    /// authenticates with a certificate and the provider advertises one.
    pub fn token_endpoint_for(&self, mtls: bool) -> &Url {
        self.mtls_endpoint_aliases
            .as_ref()
            .filter(|_| mtls)
            .and_then(|a| a.token_endpoint.as_ref())
            .unwrap_or(&self.token_endpoint)
    }

    /// The CIBA endpoint to use (mTLS alias when relevant).
    pub fn ciba_endpoint_for(&self, mtls: bool) -> Option<&Url> {
        self.mtls_endpoint_aliases
            .as_ref()
            .filter(|_| mtls)
            .and_then(|a| a.backchannel_authentication_endpoint.as_ref())
            .or(self.backchannel_authentication_endpoint.as_ref())
    }

    /// The userinfo endpoint to use (mTLS alias when relevant).
    pub fn userinfo_endpoint_for(&self, mtls: bool) -> Option<&Url> {
        self.mtls_endpoint_aliases
            .as_ref()
            .filter(|_| mtls)
            .and_then(|a| a.userinfo_endpoint.as_ref())
            .or(self.userinfo_endpoint.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environments() {
        assert_eq!(
            Environment::Bas.discovery_url().expect("url").as_str(),
            "https://auth.bas.psc.esante.gouv.fr/auth/realms/esante-wallet/.well-known/wallet-openid-configuration"
        );
        let md = Environment::Production
            .documented_metadata()
            .expect("documented");
        assert_eq!(
            md.authorization_endpoint.as_str(),
            "https://wallet.esw.esante.gouv.fr/auth"
        );
        assert_eq!(
            md.token_endpoint.as_str(),
            "https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet/protocol/openid-connect/token"
        );
        let c = Environment::custom_psc("http://127.0.0.1:8080/realm/").expect("custom");
        assert_eq!(c.issuer(), "http://127.0.0.1:8080/realm");
        assert!(c.documented_metadata().is_none());
    }

    #[test]
    fn discovery_checks_issuer() {
        let doc = serde_json::json!({
            "issuer": "https://i.test/r",
            "authorization_endpoint": "https://wallet.test/auth",
            "token_endpoint": "https://i.test/r/token",
            "jwks_uri": "https://i.test/r/certs",
            "mtls_endpoint_aliases": {"token_endpoint": "https://mtls.i.test/r/token"},
            "frontchannel_logout_supported": true
        })
        .to_string();
        let md = ProviderMetadata::parse(doc.as_bytes(), "https://i.test/r").expect("ok");
        assert_eq!(
            md.token_endpoint_for(true).as_str(),
            "https://mtls.i.test/r/token"
        );
        assert_eq!(
            md.token_endpoint_for(false).as_str(),
            "https://i.test/r/token"
        );
        assert_eq!(md.additional["frontchannel_logout_supported"], true);
        assert!(ProviderMetadata::parse(doc.as_bytes(), "https://other.test/r").is_err());
        assert!(ProviderMetadata::parse(b"{}", "https://i.test/r").is_err());
    }
}
