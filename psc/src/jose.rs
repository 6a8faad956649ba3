//! Compact JWS (RFC 7515) decoding and verification with `ring`, and JWK /
//! JWK Set (RFC 7517) types.
//!
//! Accepted algorithms: RS256, ES256 (keys from the provider's JWKS) and HS256
//! (keyed with the client secret, as PSC does for some clients). `none` and
//! every other algorithm are refused; encrypted tokens (JWE) are refused with
//! a clear error.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::{ClientSecret, JwtError};

/// A JWS signature algorithm we accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JwsAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (2048 to 8192-bit keys).
    Rs256,
    /// ECDSA P-256 with SHA-256.
    Es256,
    /// HMAC SHA-256 keyed with the client secret.
    Hs256,
}

impl JwsAlgorithm {
    /// Parses the `alg` header value.
    pub fn parse(alg: &str) -> Option<Self> {
        match alg {
            "RS256" => Some(Self::Rs256),
            "ES256" => Some(Self::Es256),
            "HS256" => Some(Self::Hs256),
            _ => None,
        }
    }

    /// The `alg` header value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rs256 => "RS256",
            Self::Es256 => "ES256",
            Self::Hs256 => "HS256",
        }
    }
}

/// A JSON Web Key (public parts only: we never hold the provider's private keys).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    /// Key type: `RSA`, `EC`…
    pub kty: String,
    /// Key id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// Intended use (`sig`, `enc`).
    #[serde(default, rename = "use", skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    /// Algorithm the key is meant for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    /// RSA modulus (base64url).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    /// RSA public exponent (base64url).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
    /// EC curve (`P-256`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
    /// EC x coordinate (base64url).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    /// EC y coordinate (base64url).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
}

impl Jwk {
    /// The JWK of a P-256 public key given as an uncompressed SEC1 point
    /// (`04 || x || y`, as `ring` exposes it).
    pub fn from_p256_uncompressed(kid: impl Into<String>, point: &[u8]) -> Result<Self, JwtError> {
        if point.len() != 65 || point[0] != 4 {
            return Err(JwtError::BadKey("not an uncompressed P-256 point".into()));
        }
        Ok(Self {
            kty: "EC".into(),
            kid: Some(kid.into()),
            use_: Some("sig".into()),
            alg: Some("ES256".into()),
            n: None,
            e: None,
            crv: Some("P-256".into()),
            x: Some(URL_SAFE_NO_PAD.encode(&point[1..33])),
            y: Some(URL_SAFE_NO_PAD.encode(&point[33..])),
        })
    }

    /// The JWK of an RSA public key from its big-endian modulus and exponent.
    pub fn from_rsa_components(kid: impl Into<String>, n: &[u8], e: &[u8]) -> Self {
        Self {
            kty: "RSA".into(),
            kid: Some(kid.into()),
            use_: Some("sig".into()),
            alg: Some("RS256".into()),
            n: Some(URL_SAFE_NO_PAD.encode(n)),
            e: Some(URL_SAFE_NO_PAD.encode(e)),
            crv: None,
            x: None,
            y: None,
        }
    }

    fn usable_for(&self, alg: JwsAlgorithm) -> bool {
        let kty_ok = match alg {
            JwsAlgorithm::Rs256 => self.kty == "RSA",
            JwsAlgorithm::Es256 => self.kty == "EC" && self.crv.as_deref() == Some("P-256"),
            JwsAlgorithm::Hs256 => false,
        };
        kty_ok
            && self.use_.as_deref().is_none_or(|u| u == "sig")
            && self.alg.as_deref().is_none_or(|a| a == alg.as_str())
    }

    fn verify(&self, alg: JwsAlgorithm, message: &[u8], signature: &[u8]) -> Result<(), JwtError> {
        use ring::signature;
        let field = |v: &Option<String>, name: &str| -> Result<Vec<u8>, JwtError> {
            let v = v
                .as_deref()
                .ok_or_else(|| JwtError::BadKey(format!("missing {name}")))?;
            URL_SAFE_NO_PAD
                .decode(v)
                .map_err(|_| JwtError::BadKey(format!("{name} is not base64url")))
        };
        match alg {
            JwsAlgorithm::Rs256 => {
                let n = field(&self.n, "n")?;
                let e = field(&self.e, "e")?;
                signature::RsaPublicKeyComponents { n: &n, e: &e }
                    .verify(&signature::RSA_PKCS1_2048_8192_SHA256, message, signature)
                    .map_err(|_| JwtError::BadSignature)
            }
            JwsAlgorithm::Es256 => {
                let x = field(&self.x, "x")?;
                let y = field(&self.y, "y")?;
                if x.len() != 32 || y.len() != 32 {
                    return Err(JwtError::BadKey(
                        "P-256 coordinates must be 32 bytes".into(),
                    ));
                }
                let mut point = Vec::with_capacity(65);
                point.push(4);
                point.extend_from_slice(&x);
                point.extend_from_slice(&y);
                signature::UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, &point)
                    .verify(message, signature)
                    .map_err(|_| JwtError::BadSignature)
            }
            JwsAlgorithm::Hs256 => Err(JwtError::UnsupportedAlgorithm("HS256 with a JWK".into())),
        }
    }
}

/// A JWK Set, as served on the provider's `jwks_uri`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JwkSet {
    /// The keys.
    pub keys: Vec<Jwk>,
}

/// The JOSE header of a JWS.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct JwsHeader {
    pub alg: String,
    #[serde(default)]
    pub kid: Option<String>,
    #[serde(default)]
    pub crit: Option<serde_json::Value>,
}

/// A decoded, not yet verified, compact JWS.
#[derive(Debug)]
pub(crate) struct UnverifiedJws<'a> {
    pub header: JwsHeader,
    signing_input: &'a str,
    payload: Vec<u8>,
    signature: Vec<u8>,
}

impl<'a> UnverifiedJws<'a> {
    /// Splits and decodes a compact JWS.
    pub fn decode(token: &'a str) -> Result<Self, JwtError> {
        let parts: Vec<&str> = token.split('.').collect();
        match parts.len() {
            3 => {}
            5 => return Err(JwtError::Encrypted),
            _ => return Err(JwtError::Malformed("expected three dot-separated parts")),
        }
        let b64 = |s: &str, what: &'static str| {
            URL_SAFE_NO_PAD
                .decode(s)
                .map_err(|_| JwtError::Malformed(what))
        };
        let header_bytes = b64(parts[0], "header is not base64url")?;
        let header: JwsHeader = serde_json::from_slice(&header_bytes)
            .map_err(|_| JwtError::Malformed("header is not a JSON object with alg"))?;
        if header.crit.is_some() {
            return Err(JwtError::Malformed(
                "critical header extensions not supported",
            ));
        }
        let payload = b64(parts[1], "payload is not base64url")?;
        let signature = b64(parts[2], "signature is not base64url")?;
        let signing_input_len = parts[0].len() + 1 + parts[1].len();
        Ok(Self {
            header,
            signing_input: &token[..signing_input_len],
            payload,
            signature,
        })
    }

    /// The algorithm, if one we support and allow.
    pub fn algorithm(&self, allowed: &[JwsAlgorithm]) -> Result<JwsAlgorithm, JwtError> {
        JwsAlgorithm::parse(&self.header.alg)
            .filter(|a| allowed.contains(a))
            .ok_or_else(|| JwtError::UnsupportedAlgorithm(self.header.alg.clone()))
    }

    /// Verifies the signature and returns the payload.
    ///
    /// For RS256/ES256 the key is chosen by `kid` when the token has one, else
    /// every suitable key is tried. [`JwtError::UnknownKey`] tells the caller
    /// to refresh the JWKS once and retry.
    pub fn verify(
        self,
        allowed: &[JwsAlgorithm],
        jwks: &JwkSet,
        secret: Option<&ClientSecret>,
    ) -> Result<Vec<u8>, JwtError> {
        let alg = self.algorithm(allowed)?;
        let message = self.signing_input.as_bytes();
        if alg == JwsAlgorithm::Hs256 {
            let secret = secret.ok_or(JwtError::NoSecret)?;
            let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.secret().as_bytes());
            ring::hmac::verify(&key, message, &self.signature)
                .map_err(|_| JwtError::BadSignature)?;
            return Ok(self.payload);
        }
        let candidates: Vec<&Jwk> = jwks
            .keys
            .iter()
            .filter(|k| k.usable_for(alg))
            .filter(|k| match (&self.header.kid, &k.kid) {
                (Some(want), Some(have)) => want == have,
                (Some(_), None) => false,
                (None, _) => true,
            })
            .collect();
        if candidates.is_empty() {
            return Err(JwtError::UnknownKey {
                kid: self.header.kid.clone(),
            });
        }
        let mut last = JwtError::BadSignature;
        for key in candidates {
            match key.verify(alg, message, &self.signature) {
                Ok(()) => return Ok(self.payload),
                Err(e) => last = e,
            }
        }
        Err(last)
    }
}

/// Signs a compact JWS. Used by the simulator and by tests; an SDK user never
/// signs tokens.
#[cfg(any(test, feature = "sim"))]
pub(crate) enum SigningKey {
    Es256 {
        kid: String,
        pair: ring::signature::EcdsaKeyPair,
    },
    Rs256 {
        kid: String,
        pair: ring::signature::RsaKeyPair,
    },
    Hs256(Vec<u8>),
}

#[cfg(any(test, feature = "sim"))]
impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Es256 { .. } => "SigningKey::Es256",
            Self::Rs256 { .. } => "SigningKey::Rs256",
            Self::Hs256(_) => "SigningKey::Hs256([redacted])",
        })
    }
}

#[cfg(any(test, feature = "sim"))]
impl SigningKey {
    /// A fresh P-256 key.
    pub fn generate_es256(kid: &str) -> Result<Self, ring::error::Unspecified> {
        use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)?;
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
            .map_err(|_| ring::error::Unspecified)?;
        Ok(Self::Es256 {
            kid: kid.to_owned(),
            pair,
        })
    }

    /// An RSA key from PKCS#8 DER (ring cannot generate RSA keys).
    pub fn rs256_from_pkcs8(kid: &str, der: &[u8]) -> Result<Self, ring::error::KeyRejected> {
        Ok(Self::Rs256 {
            kid: kid.to_owned(),
            pair: ring::signature::RsaKeyPair::from_pkcs8(der)?,
        })
    }

    /// The public JWK (none for HS256).
    pub fn public_jwk(&self) -> Option<Jwk> {
        use ring::signature::KeyPair as _;
        match self {
            Self::Es256 { kid, pair } => {
                Jwk::from_p256_uncompressed(kid.clone(), pair.public_key().as_ref()).ok()
            }
            Self::Rs256 { kid, pair } => {
                let pk = pair.public();
                let comps: ring::rsa::PublicKeyComponents<Vec<u8>> = pk.into();
                Some(Jwk::from_rsa_components(kid.clone(), &comps.n, &comps.e))
            }
            Self::Hs256(_) => None,
        }
    }

    /// Signs `payload` (a JSON value) with an optional `typ`.
    pub fn sign(
        &self,
        payload: &serde_json::Value,
        typ: Option<&str>,
    ) -> Result<String, ring::error::Unspecified> {
        let (alg, kid) = match self {
            Self::Es256 { kid, .. } => ("ES256", Some(kid.as_str())),
            Self::Rs256 { kid, .. } => ("RS256", Some(kid.as_str())),
            Self::Hs256(_) => ("HS256", None),
        };
        let mut header = serde_json::json!({ "alg": alg });
        if let Some(kid) = kid {
            header["kid"] = kid.into();
        }
        if let Some(typ) = typ {
            header["typ"] = typ.into();
        }
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(payload.to_string())
        );
        let rng = ring::rand::SystemRandom::new();
        let sig = match self {
            Self::Es256 { pair, .. } => pair.sign(&rng, input.as_bytes())?.as_ref().to_vec(),
            Self::Rs256 { pair, .. } => {
                let mut sig = vec![0; pair.public().modulus_len()];
                pair.sign(
                    &ring::signature::RSA_PKCS1_SHA256,
                    &rng,
                    input.as_bytes(),
                    &mut sig,
                )?;
                sig
            }
            Self::Hs256(secret) => {
                let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
                ring::hmac::sign(&key, input.as_bytes()).as_ref().to_vec()
            }
        };
        Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig)))
    }
}

#[cfg(test)]
mod tests;
