//! `segur psc`: Pro Santé Connect discovery, desktop login (loopback
//! redirect) and a local simulator.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use segur_psc::{
    AuthorizationRequest, ClientConfig, ClientSecret, Environment, Error as PscError,
    LoopbackRedirect, PscClient,
};

use crate::output::{self, CliError};

/// Pro Santé Connect commands.
#[derive(Debug, clap::Args)]
pub struct PscCommand {
    #[command(subcommand)]
    command: PscSub,
}

#[derive(Debug, clap::Subcommand)]
enum PscSub {
    /// Fetch and check a provider's discovery document
    /// (PSC path `/.well-known/wallet-openid-configuration`).
    Discover {
        /// Issuer URL, or `bas` / `production`.
        issuer: String,
        /// Use the standard `/.well-known/openid-configuration` path.
        #[arg(long)]
        standard: bool,
        /// PEM file of the roots to trust for an https issuer.
        #[arg(long)]
        ca_file: Option<PathBuf>,
    },
    /// Log in with the authorization code flow and a loopback redirect
    /// (prints the URL to open, waits for the browser to come back).
    Login {
        /// Issuer URL, or `bas` / `production`.
        #[arg(long)]
        issuer: String,
        /// The registered client id.
        #[arg(long)]
        client_id: String,
        /// Environment variable holding the client secret (never on the command line).
        #[arg(long, default_value = "SEGUR_PSC_CLIENT_SECRET")]
        client_secret_env: String,
        /// Loopback port (0: random; PSC matches registered redirect URIs exactly).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Seconds to wait for the browser.
        #[arg(long, default_value_t = 300)]
        timeout: u64,
        /// Also fetch and print the userinfo.
        #[arg(long)]
        userinfo: bool,
        /// PEM file of the roots to trust for an https issuer.
        #[arg(long)]
        ca_file: Option<PathBuf>,
    },
    /// Run a PSC simulator on loopback until interrupted.
    Sim {
        /// Client id to register.
        #[arg(long, default_value = "lgc-demo")]
        client_id: String,
        /// Its client secret.
        #[arg(long, default_value = "demo-secret")]
        client_secret: String,
    },
}

fn environment(issuer: &str, standard: bool) -> Result<Environment, CliError> {
    match issuer {
        "bas" => Ok(Environment::Bas),
        "production" | "prod" => Ok(Environment::Production),
        url if url.starts_with("http://") || url.starts_with("https://") => if standard {
            Environment::custom_standard(url)
        } else {
            Environment::custom_psc(url)
        }
        .map_err(CliError::usage),
        other => Err(CliError::usage(format!(
            "issuer must be an http(s) URL, `bas` or `production`, not {other:?}"
        ))),
    }
}

fn tls(env: &Environment, ca_file: Option<&PathBuf>) -> Result<rustls::ClientConfig, CliError> {
    match ca_file {
        Some(path) => {
            let trust = segur_ssi::tls::TrustStore::from_files(
                segur_ssi::tls::TrustEnvironment::Production,
                [path],
            )
            .map_err(|e| CliError::usage(format!("{}: {e}", path.display())))?;
            segur_ssi::tls::ClientTlsBuilder::new(trust)
                .build()
                .map_err(|e| CliError::usage(format!("TLS: {e}")))
        }
        None if env.issuer().starts_with("https://") => Err(CliError::usage(
            "an https issuer needs --ca-file (segur-rs never trusts system roots implicitly)",
        )),
        None => segur_psc::loopback_tls_config().map_err(|e| CliError::Failed(e.into())),
    }
}

fn failed(e: PscError) -> CliError {
    match e {
        PscError::Callback(_) | PscError::Claims(_) | PscError::Jwt(_) => CliError::invalid(e),
        other => CliError::Failed(other.into()),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(e.into()))
}

/// Runs `segur psc …`.
pub fn run(cmd: &PscCommand, json: bool) -> Result<(), CliError> {
    match &cmd.command {
        PscSub::Discover {
            issuer,
            standard,
            ca_file,
        } => {
            let env = environment(issuer, *standard)?;
            let shell =
                segur_psc::HttpShell::new(tls(&env, ca_file.as_ref())?, Duration::from_secs(30))
                    .map_err(failed)?;
            let md = runtime()?
                .block_on(segur_psc::discover(&env, &shell))
                .map_err(failed)?;
            let value = serde_json::to_value(&md).map_err(|e| CliError::Failed(e.into()))?;
            output::print(json, &value, || {
                format!(
                    "issuer: {}\nauthorization: {}\ntoken: {}\nuserinfo: {}\nend_session: {}\nciba: {}\njwks: {}",
                    md.issuer,
                    md.authorization_endpoint,
                    md.token_endpoint,
                    opt(md.userinfo_endpoint.as_ref()),
                    opt(md.end_session_endpoint.as_ref()),
                    opt(md.backchannel_authentication_endpoint.as_ref()),
                    md.jwks_uri
                )
            })
        }
        PscSub::Login {
            issuer,
            client_id,
            client_secret_env,
            port,
            timeout,
            userinfo,
            ca_file,
        } => {
            let secret = std::env::var(client_secret_env).map_err(|_| {
                CliError::usage(format!("set the client secret in ${client_secret_env}"))
            })?;
            let env = environment(issuer, false)?;
            let client = Arc::new(
                PscClient::builder(
                    env.clone(),
                    ClientConfig::secret_basic(client_id.clone(), ClientSecret::new(secret)),
                )
                .tls_config(tls(&env, ca_file.as_ref())?)
                .build()
                .map_err(failed)?,
            );
            runtime()?.block_on(async {
                let loopback = LoopbackRedirect::bind_port(*port, "/callback")
                    .await
                    .map_err(failed)?;
                let pending = client
                    .authorize(loopback.redirect_uri(), &AuthorizationRequest::default())
                    .await
                    .map_err(failed)?;
                eprintln!("Open this URL in your browser to log in with Pro Santé Connect:");
                eprintln!("{}", pending.url());
                let response = loopback
                    .wait(Duration::from_secs(*timeout))
                    .await
                    .map_err(failed)?;
                let code = pending.complete(&response).map_err(|e| failed(e.into()))?;
                let login = client.exchange_code(code).await.map_err(failed)?;
                let claims = login.id_token.claims();
                let mut value = serde_json::json!({
                    "sub": claims.sub,
                    "SubjectNameID": claims.subject_name_id,
                    "given_name": claims.given_name,
                    "family_name": claims.family_name,
                    "acr": claims.acr,
                });
                if *userinfo {
                    let info = client
                        .userinfo(&login.tokens.access_token, &login.id_token)
                        .await
                        .map_err(failed)?;
                    value["userinfo"] =
                        serde_json::to_value(&info).map_err(|e| CliError::Failed(e.into()))?;
                }
                output::print(json, &value, || {
                    format!(
                        "logged in: {} {} (idNat_PS {})",
                        opt(claims.given_name.as_ref()),
                        opt(claims.family_name.as_ref()),
                        opt(claims.subject_name_id.as_ref()),
                    )
                })
            })
        }
        PscSub::Sim {
            client_id,
            client_secret,
        } => runtime()?.block_on(async {
            let sim = segur_psc::sim::PscSimulator::builder()
                .client(segur_psc::sim::SimClient::secret_basic(
                    client_id,
                    client_secret,
                ))
                .start()
                .await
                .map_err(failed)?;
            output::print(
                json,
                &serde_json::json!({"issuer": sim.issuer(), "client_id": client_id}),
                || {
                    format!(
                        "PSC simulator issuer: {} (client {client_id})",
                        sim.issuer()
                    )
                },
            )?;
            std::future::pending::<()>().await;
            Ok(())
        }),
    }
}

fn opt(v: Option<&impl std::fmt::Display>) -> String {
    v.map(ToString::to_string).unwrap_or_else(|| "-".into())
}
