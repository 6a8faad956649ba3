//! Integration tests of every flow and rejection against the PSC simulator.

mod auth_code;
mod ciba;
mod mtls;
mod session;

use std::sync::Arc;

use segur_psc::sim::{PscSimulator, PscSimulatorBuilder, SimClient};
use segur_psc::{ClientConfig, ClientSecret, PscClient, SharedClock};

/// The simulated client id.
pub const CLIENT_ID: &str = "lgc-test";
/// Its secret (with characters that need form-encoding in Basic auth).
pub const SECRET: &str = "s3cret:with/odd chars";

/// A simulator builder with the test client registered.
pub fn sim_builder() -> PscSimulatorBuilder {
    PscSimulator::builder().client(SimClient::secret_basic(CLIENT_ID, SECRET))
}

/// A client of `sim`, optionally on a given clock.
pub fn client_for(sim: &PscSimulator, clock: Option<SharedClock>) -> Arc<PscClient> {
    let mut b = PscClient::builder(
        sim.environment().expect("env"),
        ClientConfig::secret_basic(CLIENT_ID, ClientSecret::new(SECRET)),
    );
    if let Some(c) = clock {
        b = b.clock(c);
    }
    Arc::new(b.build().expect("client"))
}

/// Plays the browser: follows the authorization URL to the redirect and
/// returns the redirect URL (without calling it).
pub async fn browser_redirect(url: &url::Url) -> url::Url {
    let http = reqwest::Client::builder()
        .use_preconfigured_tls(segur_psc::loopback_tls_config().expect("tls"))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http");
    let resp = http.get(url.clone()).send().await.expect("authorize");
    assert_eq!(resp.status().as_u16(), 302, "authorize must redirect");
    let loc = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("location");
    url::Url::parse(loc).expect("redirect url")
}

/// Follows the redirect to the loopback listener.
pub async fn deliver(redirect: &url::Url) {
    let http = reqwest::Client::builder()
        .use_preconfigured_tls(segur_psc::loopback_tls_config().expect("tls"))
        .build()
        .expect("http");
    let resp = http.get(redirect.clone()).send().await.expect("loopback");
    assert_eq!(resp.status().as_u16(), 200);
}
