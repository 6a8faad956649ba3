//! Shared plumbing of the HTTP shells (feature `client`).

use std::net::IpAddr;
use std::sync::Arc;

use url::Url;

/// Checks a service base URL: `https`, or plain `http` on a loopback address
/// only (simulators). Returns it with a trailing slash so that joins append.
pub(crate) fn endpoint(base: &str) -> Result<Url, String> {
    let mut url = Url::parse(base).map_err(|e| format!("endpoint {base:?}: {e}"))?;
    match url.scheme() {
        "https" => {}
        "http" => {
            let loopback = match url.host() {
                Some(url::Host::Ipv4(a)) => IpAddr::V4(a).is_loopback(),
                Some(url::Host::Ipv6(a)) => IpAddr::V6(a).is_loopback(),
                Some(url::Host::Domain(d)) => d == "localhost",
                None => false,
            };
            if !loopback {
                return Err(format!(
                    "endpoint {base:?}: plain http is only allowed on a loopback address"
                ));
            }
        }
        other => return Err(format!("endpoint {base:?}: unsupported scheme {other}")),
    }
    if !url.path().ends_with('/') {
        let p = format!("{}/", url.path());
        url.set_path(&p);
    }
    Ok(url)
}

/// A reqwest client over `tls` (ring provider, no root when `None`: enough
/// for loopback plain-HTTP simulators), no redirects.
pub(crate) fn client(
    tls: Option<rustls::ClientConfig>,
    timeout: std::time::Duration,
) -> Result<reqwest::Client, String> {
    let tls = match tls {
        Some(t) => t,
        None => {
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(|e| format!("TLS: {e}"))?
                .with_root_certificates(rustls::RootCertStore::empty())
                .with_no_client_auth()
        }
    };
    reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .build()
        .map_err(|e| format!("HTTP client: {e}"))
}

/// `{"code": "...", "message": "..."}` error bodies of the assumed wire formats.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct ErrorBody {
    #[serde(default)]
    pub(crate) code: String,
    #[serde(default)]
    pub(crate) message: String,
}

#[cfg(test)]
mod tests {
    #[test]
    fn endpoints() {
        assert!(super::endpoint("http://127.0.0.1:8080/apcv").is_ok());
        assert_eq!(
            super::endpoint("http://[::1]:1/x")
                .expect("v6 loopback")
                .as_str(),
            "http://[::1]:1/x/"
        );
        assert!(super::endpoint("http://service.example.fr/").is_err());
        assert!(super::endpoint("ftp://127.0.0.1/").is_err());
        assert!(super::endpoint("https://service.example.fr/api").is_ok());
        assert!(super::endpoint("not a url").is_err());
    }
}
