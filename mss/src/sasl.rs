//! SASL mechanisms used by MSSanté clients (sans-IO): the client messages and,
//! for the simulator, their decoding.
//!
//! - `XOAUTH2` (Google's protocol, used by MSSanté operators with a Pro Santé
//!   Connect token): `user=<address>^Aauth=Bearer <token>^A^A`;
//! - `OAUTHBEARER` (RFC 7628): `n,a=<address>,^Ahost=<h>^Aport=<p>^Aauth=Bearer <token>^A^A`;
//! - `EXTERNAL` (RFC 4422 appendix A): the identity comes from the TLS client
//!   certificate; the message is the optional authorisation identity.
//!
//! When the server refuses an OAuth token it sends a challenge carrying a JSON
//! error; the client must answer it ([`Mechanism::error_ack`]) to get the
//! final failure.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

/// A SASL mechanism this client can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum Mechanism {
    /// `XOAUTH2`.
    Xoauth2,
    /// `OAUTHBEARER` (RFC 7628).
    OAuthBearer,
    /// `EXTERNAL`: TLS client certificate.
    External,
}

impl Mechanism {
    /// The IANA name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Xoauth2 => "XOAUTH2",
            Self::OAuthBearer => "OAUTHBEARER",
            Self::External => "EXTERNAL",
        }
    }

    /// From an IANA name (case-insensitive).
    pub fn from_name(s: &str) -> Option<Self> {
        match s.to_ascii_uppercase().as_str() {
            "XOAUTH2" => Some(Self::Xoauth2),
            "OAUTHBEARER" => Some(Self::OAuthBearer),
            "EXTERNAL" => Some(Self::External),
            _ => None,
        }
    }

    /// What the client answers to an error challenge (raw bytes, before base64):
    /// empty for XOAUTH2, `^A` for OAUTHBEARER (RFC 7628 §3.2.3).
    pub fn error_ack(self) -> &'static [u8] {
        match self {
            Self::OAuthBearer => b"\x01",
            _ => b"",
        }
    }
}

/// The XOAUTH2 initial client response (raw bytes, before base64).
pub fn xoauth2(user: &str, token: &str) -> Vec<u8> {
    format!("user={user}\x01auth=Bearer {token}\x01\x01").into_bytes()
}

/// The OAUTHBEARER initial client response (raw bytes, before base64).
pub fn oauthbearer(user: &str, host: &str, port: u16, token: &str) -> Vec<u8> {
    // RFC 7628 §3.1: gs2-header with the authzid; ',' and '=' are escaped.
    let authzid = user.replace('=', "=3D").replace(',', "=2C");
    format!("n,a={authzid},\x01host={host}\x01port={port}\x01auth=Bearer {token}\x01\x01")
        .into_bytes()
}

/// The EXTERNAL initial response: the authorisation identity, or empty to use
/// the identity the certificate maps to.
pub fn external(authzid: Option<&str>) -> Vec<u8> {
    authzid.unwrap_or("").as_bytes().to_vec()
}

/// Base64 of a SASL message; an empty message is `=` (RFC 4959 / RFC 4954).
pub fn encode_initial(raw: &[u8]) -> String {
    if raw.is_empty() {
        "=".to_owned()
    } else {
        B64.encode(raw)
    }
}

/// Base64 of a SASL continuation answer (an empty answer is an empty line).
pub fn encode_response(raw: &[u8]) -> String {
    B64.encode(raw)
}

/// Decodes a base64 SASL message (`=` or empty → no bytes).
pub fn decode(b64: &str) -> Option<Vec<u8>> {
    let t = b64.trim();
    if t.is_empty() || t == "=" {
        return Some(Vec::new());
    }
    B64.decode(t).ok()
}

/// The OAuth error a server put in a challenge (`{"status":"invalid_token",…}`),
/// or the raw text when it is not JSON.
pub fn challenge_error(challenge_b64: &str) -> String {
    let Some(raw) = decode(challenge_b64) else {
        return challenge_b64.to_owned();
    };
    let text = String::from_utf8_lossy(&raw).into_owned();
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(v) => v
            .get("status")
            .and_then(|s| s.as_str())
            .map(|s| s.to_owned())
            .unwrap_or(text),
        Err(_) => text,
    }
}

/// Credentials decoded from an OAuth SASL message (simulator side).
#[derive(Clone, PartialEq, Eq)]
pub struct OAuthCredentials {
    /// The user / authzid.
    pub user: String,
    /// The bearer token.
    pub token: String,
}

impl std::fmt::Debug for OAuthCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthCredentials")
            .field("user", &self.user)
            .field("token", &"[redacted]")
            .finish()
    }
}

fn kv_fields(s: &str) -> impl Iterator<Item = (&str, &str)> {
    s.split('\x01').filter_map(|f| f.split_once('='))
}

fn bearer(v: &str) -> Option<String> {
    let (scheme, tok) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| tok.trim().to_owned())
}

/// Decodes an XOAUTH2 message (raw bytes).
pub fn parse_xoauth2(raw: &[u8]) -> Option<OAuthCredentials> {
    let s = std::str::from_utf8(raw).ok()?;
    if !s.ends_with("\x01\x01") {
        return None;
    }
    let mut user = None;
    let mut token = None;
    for (k, v) in kv_fields(s) {
        match k {
            "user" => user = Some(v.to_owned()),
            "auth" => token = bearer(v),
            _ => {}
        }
    }
    Some(OAuthCredentials {
        user: user?,
        token: token?,
    })
}

/// Decodes an OAUTHBEARER message (raw bytes).
pub fn parse_oauthbearer(raw: &[u8]) -> Option<OAuthCredentials> {
    let s = std::str::from_utf8(raw).ok()?;
    let (gs2, rest) = s.split_once('\x01')?;
    // gs2-header: "n,a=<authzid>," (or "y,…"/"n,,").
    let mut parts = gs2.split(',');
    let cb = parts.next()?;
    if cb != "n" && cb != "y" {
        return None;
    }
    let user = parts
        .next()
        .and_then(|a| a.strip_prefix("a="))
        .map(|a| a.replace("=2C", ",").replace("=3D", "="))
        .unwrap_or_default();
    if !rest.ends_with("\x01\x01") {
        return None;
    }
    let token = kv_fields(rest)
        .find(|(k, _)| *k == "auth")
        .and_then(|(_, v)| bearer(v))?;
    Some(OAuthCredentials { user, token })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xoauth2_matches_the_documented_form() {
        let raw = xoauth2(
            "someuser@example.com",
            "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg",
        );
        // The example of Google's XOAUTH2 protocol documentation.
        assert_eq!(
            encode_initial(&raw),
            "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ=="
        );
        let c = parse_xoauth2(&raw).unwrap();
        assert_eq!(c.user, "someuser@example.com");
        assert!(!format!("{c:?}").contains("ya29"));
    }

    #[test]
    fn oauthbearer_matches_rfc7628() {
        let raw = oauthbearer(
            "user@example.com",
            "server.example.com",
            143,
            "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==",
        );
        assert_eq!(
            String::from_utf8(raw.clone()).unwrap(),
            "n,a=user@example.com,\x01host=server.example.com\x01port=143\x01auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01"
        );
        let c = parse_oauthbearer(&raw).unwrap();
        assert_eq!(c.user, "user@example.com");
        assert_eq!(c.token, "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==");
        let tricky = oauthbearer("a,b=c@x.fr", "h", 1, "t");
        assert_eq!(parse_oauthbearer(&tricky).unwrap().user, "a,b=c@x.fr");
    }

    #[test]
    fn malformed_messages_are_refused() {
        for raw in [
            &b""[..],
            b"user=a\x01",
            b"user=a\x01auth=Basic x\x01\x01",
            b"\xff\xfe",
        ] {
            assert!(parse_xoauth2(raw).is_none());
        }
        for raw in [
            &b""[..],
            b"p=x,a=b,\x01auth=Bearer t\x01\x01",
            b"n,a=b,\x01auth=Bearer t",
        ] {
            assert!(parse_oauthbearer(raw).is_none());
        }
    }

    #[test]
    fn challenge_errors_are_read() {
        let ch = B64.encode(br#"{"status":"invalid_token","schemes":"bearer"}"#);
        assert_eq!(challenge_error(&ch), "invalid_token");
        assert_eq!(challenge_error("!!"), "!!");
        assert_eq!(encode_initial(b""), "=");
        assert_eq!(decode("=").unwrap(), b"");
        assert_eq!(Mechanism::from_name("xoauth2"), Some(Mechanism::Xoauth2));
        assert_eq!(Mechanism::OAuthBearer.error_ack(), b"\x01");
    }
}
