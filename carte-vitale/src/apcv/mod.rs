//! The application carte Vitale (apCV) identification flow.
//!
//! The patient presents the app: a QR code the practice scans, or the phone
//! laid on an NFC reader. Either gives a short-lived, single-use
//! presentation token that the practice software exchanges with the apCV
//! service for the holder's (and beneficiaries') data and INS.
//!
//! - [`ApcvSession`]: the sans-IO flow (open → presented → done), taking
//!   `now`: it refuses a presentation of the other channel, an expired one,
//!   a second use, and an answer that is not an apCV read of this channel.
//! - [`ApcvService`]: the exchange, behind a trait (the addendum-8
//!   transport is not public: a host plugs it in). [`HttpApcvService`]
//!   (feature `client`) speaks the assumed wire format below, which the
//!   simulator ([`crate::sim::ApcvSimulator`], feature `sim`) serves.
//! - [`identify`]: drives a session with a service.
//!
//! # Assumed formats (UNCONFIRMED: not public)
//! - QR code text: `APCV1:<token>`; NFC: the token read from the phone.
//!   Tokens are 16–128 characters `[A-Za-z0-9_-]`.
//! - Lifetime of a presentation: [`DEFAULT_PRESENTATION_TTL`] (2 minutes),
//!   configurable with [`ApcvSession::with_ttl`].
//! - Exchange: `POST {base}/v1/identifications` with JSON
//!   `{"token": "...", "channel": "qr_code" | "nfc"}`; `200` with the
//!   [`VitaleRead`] JSON (its serde form); `404 {"code": "UNKNOWN_TOKEN", ...}`,
//!   `410 {"code": "EXPIRED" | "USED", ...}`, `5xx` unavailable.

use std::fmt;

use time::{Duration, OffsetDateTime};

use crate::BoxFuture;
use crate::error::ApcvError;
use crate::vitale::{ApcvChannel, CardSource, VitaleRead};

/// How long a presentation stays usable (assumed).
pub const DEFAULT_PRESENTATION_TTL: Duration = Duration::minutes(2);

/// The QR code text prefix (assumed).
pub const QR_PREFIX: &str = "APCV1:";

/// A presentation token (secret: redacted in `Debug`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ApcvToken(String);

impl ApcvToken {
    /// Checks a token: 16–128 characters `[A-Za-z0-9_-]`.
    pub fn parse(s: &str) -> Result<Self, ApcvError> {
        let ok = (16..=128).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(ApcvError::BadPresentation(
                "token: 16 to 128 characters A-Z a-z 0-9 _ -".into(),
            ))
        }
    }

    /// The token, to send to the apCV service only.
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApcvToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApcvToken([redacted])")
    }
}

/// What the practice captured from the phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApcvPresentation {
    channel: ApcvChannel,
    token: ApcvToken,
}

impl ApcvPresentation {
    /// The text of a scanned QR code (`APCV1:<token>`).
    pub fn from_qr_text(text: &str) -> Result<Self, ApcvError> {
        let token = text.trim().strip_prefix(QR_PREFIX).ok_or_else(|| {
            ApcvError::BadPresentation(format!("QR code text does not start with {QR_PREFIX}"))
        })?;
        Ok(Self {
            channel: ApcvChannel::QrCode,
            token: ApcvToken::parse(token)?,
        })
    }

    /// The token read over NFC by the host's reader.
    pub fn from_nfc(token: &str) -> Result<Self, ApcvError> {
        Ok(Self {
            channel: ApcvChannel::Nfc,
            token: ApcvToken::parse(token)?,
        })
    }

    /// The channel.
    pub fn channel(&self) -> ApcvChannel {
        self.channel
    }

    /// The token.
    pub fn token(&self) -> &ApcvToken {
        &self.token
    }
}

/// One exchange to make with the apCV service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApcvRequest {
    /// The presentation token.
    pub token: ApcvToken,
    /// How it was captured.
    pub channel: ApcvChannel,
    /// When it was presented.
    pub presented_at: OffsetDateTime,
}

/// The apCV identification service.
pub trait ApcvService: Send + Sync {
    /// Exchanges a presentation for the Vitale data (source
    /// [`CardSource::Apcv`] with the request's channel).
    fn identify<'a>(
        &'a self,
        request: &'a ApcvRequest,
    ) -> BoxFuture<'a, Result<VitaleRead, ApcvError>>;
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum SessionState {
    Waiting,
    Presented { at: OffsetDateTime },
    Done,
    Failed,
}

/// One identification, from "show your app" to the read (sans-IO).
#[derive(Debug, Clone)]
pub struct ApcvSession {
    channel: ApcvChannel,
    opened_at: OffsetDateTime,
    ttl: Duration,
    state: SessionState,
}

impl ApcvSession {
    /// Opens a session waiting for a presentation on `channel`.
    pub fn open(channel: ApcvChannel, now: OffsetDateTime) -> Self {
        Self {
            channel,
            opened_at: now,
            ttl: DEFAULT_PRESENTATION_TTL,
            state: SessionState::Waiting,
        }
    }

    /// Another presentation lifetime.
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// The channel.
    pub fn channel(&self) -> ApcvChannel {
        self.channel
    }

    /// When the session was opened.
    pub fn opened_at(&self) -> OffsetDateTime {
        self.opened_at
    }

    /// Whether the session ended with a read.
    pub fn is_done(&self) -> bool {
        self.state == SessionState::Done
    }

    /// Records the presentation and gives the request to send.
    pub fn present(
        &mut self,
        presentation: ApcvPresentation,
        now: OffsetDateTime,
    ) -> Result<ApcvRequest, ApcvError> {
        match self.state {
            SessionState::Waiting => {}
            SessionState::Presented { .. } | SessionState::Done => {
                return Err(ApcvError::AlreadyUsed);
            }
            SessionState::Failed => return Err(ApcvError::Session("the session failed")),
        }
        if presentation.channel != self.channel {
            return Err(ApcvError::Session("presentation on another channel"));
        }
        self.state = SessionState::Presented { at: now };
        Ok(ApcvRequest {
            token: presentation.token,
            channel: self.channel,
            presented_at: now,
        })
    }

    /// Takes the service's answer. The session ends either way.
    pub fn complete(
        &mut self,
        answer: Result<VitaleRead, ApcvError>,
        now: OffsetDateTime,
    ) -> Result<VitaleRead, ApcvError> {
        let SessionState::Presented { at } = self.state else {
            return Err(ApcvError::Session("no presentation to complete"));
        };
        self.state = SessionState::Failed;
        if now - at > self.ttl {
            return Err(ApcvError::Expired);
        }
        let read = answer?;
        if read.source()
            != (CardSource::Apcv {
                channel: self.channel,
            })
        {
            return Err(ApcvError::Answer(
                "the read is not an apCV read of this channel".into(),
            ));
        }
        self.state = SessionState::Done;
        Ok(read)
    }
}

/// Drives `session` with a presentation through `service`.
pub async fn identify(
    service: &dyn ApcvService,
    session: &mut ApcvSession,
    presentation: ApcvPresentation,
    clock: &dyn segur_psc::Clock,
) -> Result<VitaleRead, ApcvError> {
    let request = session.present(presentation, clock.now())?;
    let answer = service.identify(&request).await;
    session.complete(answer, clock.now())
}

#[cfg(feature = "client")]
mod client;
#[cfg(feature = "client")]
pub use client::HttpApcvService;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presentations() {
        let p = ApcvPresentation::from_qr_text("APCV1:abcdefghijklmnop-_42").expect("qr");
        assert_eq!(p.channel(), ApcvChannel::QrCode);
        assert_eq!(format!("{:?}", p.token()), "ApcvToken([redacted])");
        assert!(ApcvPresentation::from_qr_text("https://x/abcdefghijklmnop").is_err());
        assert!(ApcvPresentation::from_qr_text("APCV1:short").is_err());
        assert!(ApcvPresentation::from_qr_text("APCV1:abcdefghijklmnop qr").is_err());
        assert!(ApcvPresentation::from_nfc("abcdefghijklmnopq").is_ok());
    }

    #[test]
    fn session_rules() {
        let t0 = OffsetDateTime::UNIX_EPOCH;
        let qr = || ApcvPresentation::from_qr_text("APCV1:abcdefghijklmnop").expect("qr");
        let mut s = ApcvSession::open(ApcvChannel::Nfc, t0);
        assert!(matches!(s.present(qr(), t0), Err(ApcvError::Session(_))));
        let mut s = ApcvSession::open(ApcvChannel::QrCode, t0);
        assert!(matches!(
            s.complete(Err(ApcvError::Expired), t0),
            Err(ApcvError::Session(_))
        ));
        s.present(qr(), t0).expect("present");
        assert!(matches!(s.present(qr(), t0), Err(ApcvError::AlreadyUsed)));
        let late = t0 + DEFAULT_PRESENTATION_TTL + Duration::seconds(1);
        assert!(matches!(
            s.complete(Err(ApcvError::Unavailable("x".into())), late),
            Err(ApcvError::Expired)
        ));
        assert!(!s.is_done());
    }
}
