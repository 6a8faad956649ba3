//! The configurations over real loopback sockets with tokio-rustls, as the
//! simulators and service clients use them.

#![allow(clippy::unwrap_used)] // tests

use std::sync::Arc;

use rustls::pki_types::ServerName;
use segur_ssi::cert::HolderKind;
use segur_ssi::test_pki::TestPki;
use segur_ssi::tls::{ClientTlsBuilder, ServerTlsBuilder, peer_identity};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::{TlsAcceptor, TlsConnector};

#[tokio::test]
async fn mutual_tls_over_loopback_with_alpn() {
    let pki = TestPki::generate().unwrap();
    let server_cert = pki.issue_localhost_server().unwrap();
    let org = pki
        .issue_organisation(&"1750712184".parse().unwrap(), "CENTRE DE SANTE FICTIF")
        .unwrap();

    let server = ServerTlsBuilder::new(server_cert.identity().unwrap())
        .with_client_auth(segur_ssi::tls::ClientAuth::Required(
            pki.trust_store().unwrap(),
        ))
        .with_alpn([b"http/1.1".to_vec()])
        .build()
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(server));
    let srv = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut tls = acceptor.accept(tcp).await.unwrap();
        let (_, conn) = tls.get_ref();
        let peer = peer_identity(conn.peer_certificates().unwrap())
            .unwrap()
            .unwrap();
        let alpn = conn.alpn_protocol().map(<[u8]>::to_vec);
        let mut buf = [0u8; 4];
        tls.read_exact(&mut buf).await.unwrap();
        tls.write_all(b"pong").await.unwrap();
        tls.shutdown().await.unwrap();
        (peer, alpn, buf)
    });

    let client = ClientTlsBuilder::new(pki.trust_store().unwrap())
        .with_identity(org.identity().unwrap())
        .with_alpn([b"http/1.1".to_vec()])
        .build()
        .unwrap();
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut tls = TlsConnector::from(Arc::new(client))
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap();
    tls.write_all(b"ping").await.unwrap();
    let mut reply = Vec::new();
    tls.read_to_end(&mut reply).await.unwrap();
    assert_eq!(reply, b"pong");

    let (peer, alpn, got) = srv.await.unwrap();
    assert_eq!(&got, b"ping");
    assert_eq!(alpn.as_deref(), Some(&b"http/1.1"[..]));
    assert_eq!(peer.holder(), HolderKind::Organisation);
    assert_eq!(peer.structure_id().unwrap().as_str(), "1750712184");
}
