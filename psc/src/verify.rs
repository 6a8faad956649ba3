//! ID token and signed userinfo verification (sans-IO: takes `now`).

use time::{Duration, OffsetDateTime};

use crate::claims::{IdTokenClaims, PscUserInfo};
use crate::jose::{JwkSet, JwsAlgorithm, UnverifiedJws};
use crate::{ClaimsError, ClientSecret, Error, JwtError, RawIdToken};

/// The only eIDAS level PSC's connector supports.
pub const ACR_EIDAS1: &str = "eidas1";

/// The largest clock skew a verifier accepts: a larger setting is capped, so
/// a misconfiguration cannot turn expiry checks off.
pub const MAX_CLOCK_SKEW: Duration = Duration::minutes(5);

/// The nonce sent in an authorization or CIBA request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nonce(String);

impl Nonce {
    /// 32 random bytes, hex-encoded (as the ANS connector does).
    pub fn random() -> Self {
        Self(crate::random_hex(32))
    }

    /// A given nonce (e.g. restored from a web session store).
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Verifies ID tokens (and signed userinfo) for one client of one provider.
///
/// Claims are only reachable through the [`VerifiedIdToken`] it returns:
/// there is no way to read an unverified token's claims in this crate.
#[derive(Debug, Clone)]
pub struct IdTokenVerifier {
    issuer: String,
    client_id: String,
    jwks: JwkSet,
    client_secret: Option<ClientSecret>,
    algorithms: Vec<JwsAlgorithm>,
    skew: Duration,
    acr_values: Vec<String>,
    accept_missing_acr: bool,
}

impl IdTokenVerifier {
    /// A verifier for tokens issued by `issuer` to `client_id`, signed with a
    /// key of `jwks` (RS256 or ES256). Defaults: 60 s skew, `acr` must be
    /// `eidas1` or absent (PSC's connector treats absent as `eidas1`).
    pub fn new(issuer: impl Into<String>, client_id: impl Into<String>, jwks: JwkSet) -> Self {
        Self {
            issuer: issuer.into(),
            client_id: client_id.into(),
            jwks,
            client_secret: None,
            algorithms: vec![JwsAlgorithm::Rs256, JwsAlgorithm::Es256],
            skew: Duration::seconds(60),
            acr_values: vec![ACR_EIDAS1.to_owned()],
            accept_missing_acr: true,
        }
    }

    /// Also accept HS256 tokens keyed with the client secret (when the PSC
    /// registration signs ID tokens that way).
    pub fn with_client_secret(mut self, secret: ClientSecret) -> Self {
        self.client_secret = Some(secret);
        if !self.algorithms.contains(&JwsAlgorithm::Hs256) {
            self.algorithms.push(JwsAlgorithm::Hs256);
        }
        self
    }

    /// Restricts the accepted algorithms.
    pub fn with_algorithms(mut self, algorithms: &[JwsAlgorithm]) -> Self {
        self.algorithms = algorithms.to_vec();
        self
    }

    /// The allowed clock skew, capped at [`MAX_CLOCK_SKEW`] (negative values count as zero).
    pub fn with_clock_skew(mut self, skew: Duration) -> Self {
        self.skew = skew.clamp(Duration::ZERO, MAX_CLOCK_SKEW);
        self
    }

    /// The accepted `acr` values and whether an absent `acr` is accepted.
    pub fn with_acr_values(mut self, values: &[&str], accept_missing: bool) -> Self {
        self.acr_values = values.iter().map(|s| (*s).to_owned()).collect();
        self.accept_missing_acr = accept_missing;
        self
    }

    /// Replaces the key set (after a JWKS refresh).
    pub fn set_jwks(&mut self, jwks: JwkSet) {
        self.jwks = jwks;
    }

    /// The expected issuer.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Checks the signature only and returns the payload bytes.
    pub(crate) fn verify_signature(&self, token: &str) -> Result<Vec<u8>, JwtError> {
        UnverifiedJws::decode(token)?.verify(
            &self.algorithms,
            &self.jwks,
            self.client_secret.as_ref(),
        )
    }

    /// Verifies an ID token: signature, `iss`, `aud` (and `azp`), `exp`/`iat`
    /// with the bounded skew, `nonce` (when `expected_nonce` is given: always
    /// for a fresh login, not for a refresh response) and `acr`.
    pub fn verify(
        &self,
        token: &RawIdToken,
        expected_nonce: Option<&Nonce>,
        now: OffsetDateTime,
    ) -> Result<VerifiedIdToken, Error> {
        let payload = self.verify_signature(token.secret())?;
        let claims: IdTokenClaims =
            serde_json::from_slice(&payload).map_err(|e| ClaimsError::Malformed(e.to_string()))?;
        self.check_claims(&claims, expected_nonce, now)?;
        Ok(VerifiedIdToken {
            claims,
            raw: token.clone(),
        })
    }

    fn check_claims(
        &self,
        claims: &IdTokenClaims,
        expected_nonce: Option<&Nonce>,
        now: OffsetDateTime,
    ) -> Result<(), ClaimsError> {
        if claims.iss != self.issuer {
            return Err(ClaimsError::Issuer {
                expected: self.issuer.clone(),
                actual: claims.iss.clone(),
            });
        }
        if !claims.aud.contains(&self.client_id) {
            return Err(ClaimsError::Audience {
                client_id: self.client_id.clone(),
            });
        }
        if (claims.aud.len() > 1 || claims.azp.is_some())
            && claims.azp.as_deref() != Some(self.client_id.as_str())
        {
            // OIDC core §3.1.3.7: with several audiences azp must be us; a
            // present azp must be us in any case.
            return Err(ClaimsError::AuthorizedParty {
                azp: claims.azp.clone(),
            });
        }
        let exp = timestamp(claims.exp)?;
        if now > exp + self.skew {
            return Err(ClaimsError::Expired { exp, now });
        }
        if let Some(iat) = claims.iat {
            let iat = timestamp(iat)?;
            if iat > now + self.skew {
                return Err(ClaimsError::IssuedInFuture { iat, now });
            }
        }
        if let Some(expected) = expected_nonce {
            let matches = claims
                .nonce
                .as_deref()
                .is_some_and(|n| crate::constant_time_eq(n.as_bytes(), expected.0.as_bytes()));
            if !matches {
                return Err(ClaimsError::Nonce);
            }
        }
        match claims.acr.as_deref() {
            None if self.accept_missing_acr => {}
            None => return Err(ClaimsError::Acr(String::new())),
            Some(acr) if self.acr_values.iter().any(|a| a == acr) => {}
            Some(acr) => return Err(ClaimsError::Acr(acr.to_owned())),
        }
        Ok(())
    }

    /// Verifies a signed userinfo response (`application/jwt`): signature,
    /// and `iss`/`aud` when present, and that `sub` is the ID token's.
    pub fn verify_userinfo_jwt(&self, jwt: &str, expected_sub: &str) -> Result<PscUserInfo, Error> {
        let payload = self.verify_signature(jwt)?;
        let value: serde_json::Value =
            serde_json::from_slice(&payload).map_err(|e| ClaimsError::Malformed(e.to_string()))?;
        if let Some(iss) = value.get("iss").and_then(|v| v.as_str()) {
            if iss != self.issuer {
                return Err(ClaimsError::Issuer {
                    expected: self.issuer.clone(),
                    actual: iss.to_owned(),
                }
                .into());
            }
        }
        if let Some(aud) = value.get("aud") {
            let ok = match aud {
                serde_json::Value::String(s) => *s == self.client_id,
                serde_json::Value::Array(a) => {
                    a.iter().any(|v| v.as_str() == Some(&self.client_id))
                }
                _ => false,
            };
            if !ok {
                return Err(ClaimsError::Audience {
                    client_id: self.client_id.clone(),
                }
                .into());
            }
        }
        let info: PscUserInfo =
            serde_json::from_value(value).map_err(|e| ClaimsError::Malformed(e.to_string()))?;
        check_userinfo_subject(&info, expected_sub)?;
        Ok(info)
    }
}

pub(crate) fn check_userinfo_subject(info: &PscUserInfo, expected_sub: &str) -> Result<(), Error> {
    if info.sub != expected_sub {
        return Err(ClaimsError::SubjectMismatch.into());
    }
    Ok(())
}

fn timestamp(secs: i64) -> Result<OffsetDateTime, ClaimsError> {
    OffsetDateTime::from_unix_timestamp(secs)
        .map_err(|_| ClaimsError::Malformed(format!("timestamp {secs} out of range")))
}

/// An ID token whose signature and claims were checked.
#[derive(Debug, Clone)]
pub struct VerifiedIdToken {
    claims: IdTokenClaims,
    raw: RawIdToken,
}

impl VerifiedIdToken {
    /// The verified claims.
    pub fn claims(&self) -> &IdTokenClaims {
        &self.claims
    }

    /// The compact token, for `id_token_hint` at logout or silent re-authentication.
    pub fn raw(&self) -> &RawIdToken {
        &self.raw
    }
}

#[cfg(test)]
mod tests;
