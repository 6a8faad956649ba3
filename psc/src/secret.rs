//! Secret values (tokens, client secrets, PKCE verifiers): redacted in `Debug`,
//! zeroized on drop, readable only through an explicitly named `secret()` call.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

macro_rules! secret_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        ///
        /// `Debug` prints `[redacted]`; the memory is zeroized on drop. There is
        /// deliberately no `Display`, `Serialize` or `PartialEq`: read the value
        /// with [`secret`](Self::secret) only where it goes on the wire.
        #[derive(Clone, Zeroize, ZeroizeOnDrop)]
        pub struct $name(String);

        impl $name {
            /// Wraps a secret value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The secret value. Never log it.
            pub fn secret(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "([redacted])"))
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                String::deserialize(d).map(Self)
            }
        }
    };
}

secret_type!(
    /// An OAuth 2.0 access token (a PSC access token or a service token
    /// obtained by token exchange).
    AccessToken
);
secret_type!(
    /// An OAuth 2.0 refresh token.
    RefreshToken
);
secret_type!(
    /// The compact serialization of an ID token (a signed JWT), kept to be sent
    /// back as `id_token_hint` at logout. Its claims are read only through
    /// [`IdTokenVerifier`](crate::IdTokenVerifier).
    RawIdToken
);
secret_type!(
    /// An OAuth 2.0 client secret (`client_secret_basic`, and HS256 ID token key).
    ClientSecret
);
secret_type!(
    /// An authorization code returned on the redirect URI.
    AuthorizationCode
);
secret_type!(
    /// A PKCE code verifier (RFC 7636), sent only with the code exchange.
    PkceVerifier
);
secret_type!(
    /// A CIBA `auth_req_id`, which lets its holder collect the tokens.
    AuthReqId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let t = AccessToken::new("eyJhbGciOiJFUzI1NiJ9.secret.sig");
        let shown = format!("{t:?}");
        assert_eq!(shown, "AccessToken([redacted])");
        assert!(!shown.contains("secret"));
        assert_eq!(t.secret(), "eyJhbGciOiJFUzI1NiJ9.secret.sig");
    }

    #[test]
    fn deserializes_from_json_string() {
        let s: ClientSecret = serde_json::from_str("\"abc\"").expect("json string");
        assert_eq!(s.secret(), "abc");
    }
}
