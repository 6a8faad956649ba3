//! Desktop login with the loopback redirect, against the PSC simulator.
//!
//! ```text
//! cargo run -p segur-psc --example desktop_login --features sim
//! cargo run -p segur-psc --example desktop_login --features sim -- --browser
//! ```
//!
//! Without `--browser` the example plays the browser itself (follows the
//! authorization URL and the redirect); with it, it prints the URL to open in
//! a real browser and waits up to 5 minutes.

use std::sync::Arc;
use std::time::Duration;

use segur_psc::sim::{PscSimulator, SimClient};
use segur_psc::*;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let real_browser = std::env::args().any(|a| a == "--browser");

    let sim = PscSimulator::builder()
        .client(SimClient::secret_basic("lgc-demo", "demo-secret"))
        .start()
        .await?;
    println!("PSC simulator: issuer {}", sim.issuer());

    let client = Arc::new(
        PscClient::builder(
            sim.environment()?,
            ClientConfig::secret_basic("lgc-demo", ClientSecret::new("demo-secret")),
        )
        .build()?,
    );

    // 1. Listen on 127.0.0.1:<random>/callback and build the authorization URL.
    let loopback = LoopbackRedirect::bind().await?;
    let pending = client
        .authorize(loopback.redirect_uri(), &AuthorizationRequest::default())
        .await?;
    println!("redirect URI: {}", loopback.redirect_uri());
    println!("authorization URL: {}", pending.url());

    // 2. The professional authenticates in the browser; PSC redirects to the loopback.
    let waiting = tokio::spawn(loopback.wait(Duration::from_secs(300)));
    if !real_browser {
        play_browser(pending.url()).await?;
    }
    let response = waiting.await??;

    // 3. Check state, exchange the code (PKCE), verify the ID token (nonce, acr…).
    let login = client.exchange_code(pending.complete(&response)?).await?;
    let claims = login.id_token.claims();
    println!(
        "logged in: {} {} (idNat_PS {}, acr {})",
        claims.given_name.as_deref().unwrap_or("?"),
        claims.family_name.as_deref().unwrap_or("?"),
        claims.subject_name_id.as_deref().unwrap_or("?"),
        claims.acr.as_deref().unwrap_or("eidas1"),
    );

    // 4. Userinfo and first-login account linking.
    let info = client
        .userinfo(&login.tokens.access_token, &login.id_token)
        .await?;
    let identity = PscIdentity::from_userinfo(&sim.issuer(), &info)?;
    let mut store = InMemoryAccountStore::default();
    store.add_account(
        LocalAccountId::new("dr-medecin-test"),
        vec![identity.national_id.clone()],
    );
    let mut linker = AccountLinker::new(&mut store);
    if let LinkDecision::ConfirmMatch(account) = linker.resolve(&identity)? {
        // A real LGC asks for the local password once here.
        linker.confirm_link(&identity, &account)?;
        println!("linked to local account {}", account.as_str());
    }

    // 5. A token source for the other service crates; tokens never printed.
    let id_token = login.id_token.clone();
    let session: Arc<dyn TokenSource> = Arc::new(PscSession::new(client.clone(), login));
    let bearer = session.token(&Audience::ProSanteConnect).await?;
    println!("bearer token for PSC: {bearer:?}");

    // 6. Logout.
    client.logout(&id_token).await?;
    println!("logged out");
    Ok(())
}

/// Follows the authorization URL and the redirect like a browser would.
async fn play_browser(url: &url::Url) -> Result<(), Box<dyn std::error::Error>> {
    let http = reqwest::Client::builder()
        .use_preconfigured_tls(loopback_tls_config()?)
        .redirect(reqwest::redirect::Policy::limited(2))
        .build()?;
    let page = http.get(url.clone()).send().await?;
    println!("browser: {} {}", page.status(), page.url());
    Ok(())
}
