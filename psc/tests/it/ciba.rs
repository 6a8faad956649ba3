use std::time::Duration as StdDuration;

use segur_ids::IdNatPs;
use segur_psc::sim::CibaOutcome;
use segur_psc::*;

use crate::*;

fn doctor() -> IdNatPs {
    IdNatPs::parse("810003612545").expect("id")
}

fn request() -> CibaRequest {
    CibaRequest::new(doctor())
        .binding_message("00")
        .channel(CibaChannel::Mobile)
}

#[tokio::test]
async fn pending_slow_down_then_approved() {
    let sim = sim_builder().start().await.expect("sim");
    sim.script_ciba(
        &doctor(),
        vec![
            CibaOutcome::Pending,
            CibaOutcome::SlowDown,
            CibaOutcome::Approve,
        ],
    );
    let client = client_for(&sim, None);
    let mut auth = client.ciba_start(&request()).await.expect("ack");
    assert_eq!(auth.poller().interval(), time::Duration::seconds(1));
    assert!(matches!(
        auth.poll_once().await.expect("pending"),
        CibaPollOutcome::Pending { .. }
    ));
    assert!(matches!(
        auth.poll_once().await.expect("slow down"),
        CibaPollOutcome::Pending { .. }
    ));
    assert_eq!(
        auth.poller().interval(),
        time::Duration::seconds(6),
        "slow_down adds 5 s"
    );
    match auth.poll_once().await.expect("approved") {
        CibaPollOutcome::Approved(login) => {
            assert_eq!(login.id_token.claims().national_id(), Some(doctor()));
        }
        CibaPollOutcome::Pending { .. } => panic!("should be approved"),
    }
}

#[tokio::test]
async fn wait_honours_the_interval_and_succeeds() {
    let sim = sim_builder().start().await.expect("sim");
    sim.script_ciba(&doctor(), vec![CibaOutcome::Pending, CibaOutcome::Approve]);
    let client = client_for(&sim, None);
    let auth = client.ciba_start(&request()).await.expect("ack");
    let started = std::time::Instant::now();
    let login = auth.wait().await.expect("approved");
    // Two polls, each after the 1 s interval.
    assert!(started.elapsed() >= StdDuration::from_millis(1900));
    assert!(login.tokens.refresh_token.is_some());
}

#[tokio::test]
async fn denial_expiry_and_unknown_user() {
    let sim = sim_builder().start().await.expect("sim");
    let client = client_for(&sim, None);
    sim.script_ciba(&doctor(), vec![CibaOutcome::Deny]);
    let mut auth = client.ciba_start(&request()).await.expect("ack");
    assert!(matches!(
        auth.poll_once().await,
        Err(Error::Ciba(CibaError::AccessDenied))
    ));
    assert!(matches!(
        auth.poll_once().await,
        Err(Error::Ciba(CibaError::Finished))
    ));

    sim.script_ciba(&doctor(), vec![CibaOutcome::Pending, CibaOutcome::Expire]);
    let auth = client.ciba_start(&request()).await.expect("ack");
    assert!(matches!(
        auth.wait().await,
        Err(Error::Ciba(CibaError::Expired))
    ));

    let unknown = CibaRequest::new(IdNatPs::parse("899700218896").expect("id"));
    assert!(matches!(
        client.ciba_start(&unknown).await,
        Err(Error::OAuth {
            error: OAuthErrorCode::UnknownUserId,
            ..
        })
    ));
    let long = request().binding_message("a message far too long to display");
    assert!(matches!(
        client.ciba_start(&long).await,
        Err(Error::OAuth {
            error: OAuthErrorCode::InvalidBindingMessage,
            ..
        })
    ));
}

#[tokio::test]
async fn provider_expiry_is_enforced_locally() {
    let sim = sim_builder().ciba_timing(1, 2).start().await.expect("sim");
    sim.script_ciba(&doctor(), vec![CibaOutcome::Pending; 10]);
    let client = client_for(&sim, None);
    let auth = client.ciba_start(&request()).await.expect("ack");
    let err = auth.wait().await.expect_err("expires");
    assert!(matches!(err, Error::Ciba(CibaError::Expired)), "{err}");
}

#[tokio::test]
async fn wait_is_cancellable() {
    let sim = sim_builder().start().await.expect("sim");
    sim.script_ciba(&doctor(), vec![CibaOutcome::Pending; 100]);
    let client = client_for(&sim, None);
    let auth = client.ciba_start(&request()).await.expect("ack");
    let cancel = auth.cancel_handle();
    let started = std::time::Instant::now();
    let task = tokio::spawn(auth.wait());
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    cancel.cancel();
    let err = task.await.expect("join").expect_err("cancelled");
    assert!(matches!(err, Error::Ciba(CibaError::Cancelled)), "{err}");
    assert!(started.elapsed() < StdDuration::from_secs(5));
}
