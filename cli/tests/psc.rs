//! `segur psc` against the PSC simulator.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

use segur_psc::sim::{PscSimulator, SimClient};

fn segur() -> Command {
    Command::new(env!("CARGO_BIN_EXE_segur"))
}

async fn sim() -> PscSimulator {
    PscSimulator::builder()
        .client(SimClient::secret_basic("lgc-cli", "cli-secret"))
        .start()
        .await
        .expect("simulator")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discover_prints_the_metadata_and_maps_errors_to_exit_codes() {
    let sim = sim().await;
    let issuer = sim.issuer();
    let out = tokio::task::spawn_blocking(move || {
        segur()
            .args(["--json", "psc", "discover", &issuer])
            .output()
    })
    .await
    .expect("join")
    .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["issuer"], sim.issuer());

    let usage = segur()
        .args(["psc", "discover", "not-a-url"])
        .output()
        .expect("run");
    assert_eq!(usage.status.code(), Some(2));
    let https = segur()
        .args([
            "psc",
            "discover",
            "https://auth.bas.psc.esante.gouv.fr/auth/realms/esante-wallet",
        ])
        .output()
        .expect("run");
    assert_eq!(https.status.code(), Some(2), "https needs --ca-file");
    let down = segur()
        .args([
            "psc",
            "discover",
            "http://127.0.0.1:9/auth/realms/esante-wallet",
        ])
        .output()
        .expect("run");
    assert_eq!(down.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&down.stderr).lines().count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_with_the_loopback_redirect() {
    let sim = sim().await;
    let mut child = segur()
        .args([
            "--json",
            "psc",
            "login",
            "--issuer",
            &sim.issuer(),
            "--client-id",
            "lgc-cli",
        ])
        .env("SEGUR_PSC_CLIENT_SECRET", "cli-secret")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let stderr = child.stderr.take().expect("stderr");
    let url = tokio::task::spawn_blocking(move || {
        BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
            .find(|l| l.starts_with("http://"))
            .expect("authorization URL on stderr")
    })
    .await
    .expect("join");
    // Play the browser: authorize, then follow the redirect to the loopback.
    let http = reqwest::Client::builder()
        .use_preconfigured_tls(segur_psc::loopback_tls_config().expect("tls"))
        .build()
        .expect("http");
    let page = http.get(&url).send().await.expect("browser");
    assert!(page.status().is_success());
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .expect("join")
        .expect("wait");
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["SubjectNameID"], "810003612545");

    let missing_secret = segur()
        .args([
            "psc",
            "login",
            "--issuer",
            &sim.issuer(),
            "--client-id",
            "lgc-cli",
        ])
        .env_remove("SEGUR_PSC_CLIENT_SECRET")
        .output()
        .expect("run");
    assert_eq!(missing_secret.status.code(), Some(2));
}
