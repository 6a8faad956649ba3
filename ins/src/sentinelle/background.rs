//! Background verification on file opening (SENTINELLE.05/06): see the
//! module docs of [`super`] for the design (non-blocking, debounce, delivery).

use std::sync::Arc;

use time::OffsetDateTime;
use tokio::sync::{broadcast, watch};

use super::{
    AnswerSource, CallResult, CallTrigger, IdentityDisplay, InsComparison, InsiCallRecord,
    LocalPatientId, PatientRecord, PendingInsiAnswer, Sentinelle, SentinelleError,
    forbidding_attribute, lock,
};
use crate::IdentityAttribute;
use crate::insi::{InsiError, InsiOutcome};
use crate::{IdentityStatus, Traits};

/// The result of a background verification.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
#[non_exhaustive]
pub enum VerificationOutcome {
    /// INSi returned one identity, stored as the file's pending answer.
    Conclusive {
        /// The answer (traits comparison included).
        answer: Box<PendingInsiAnswer>,
        /// How the returned INS compares with the file's.
        ins: Option<InsComparison>,
    },
    /// `01`.
    NotFound,
    /// `02`.
    Several,
    /// The call failed.
    Failed {
        /// The error.
        #[serde(serialize_with = "serialize_display")]
        error: InsiError,
    },
    /// The check could not complete (index error, file deleted meanwhile).
    Abandoned {
        /// Why.
        reason: String,
    },
}

fn serialize_display<S: serde::Serializer>(e: &InsiError, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(e)
}

impl VerificationOutcome {
    /// Plain-French explanation with the action to take.
    pub fn explanation(&self) -> &'static str {
        match self {
            Self::Conclusive { answer, ins } => {
                let other_ins = matches!(ins, Some(InsComparison::Different { .. }));
                match (
                    answer.identity.ins().is_some(),
                    answer.diff.is_match(),
                    other_ins,
                ) {
                    (false, _, _) => {
                        "INSi a trouvé l'identité, mais son matricule est inexploitable (clé ou \
                         OID incorrect) : la qualification est impossible, signalez-le à votre \
                         référent en identitovigilance."
                    }
                    (true, true, false) => {
                        "INSi a trouvé l'identité et ses traits concordent avec le dossier. \
                         Contrôlez une pièce d'identité à haut niveau de confiance puis qualifiez \
                         l'identité en un clic."
                    }
                    (true, false, false) => {
                        "INSi a trouvé l'identité mais des traits diffèrent du dossier. \
                         Contrôlez-les sur une pièce d'identité à haut niveau de confiance ; \
                         n'acceptez les traits INSi que s'ils correspondent à la pièce."
                    }
                    (true, _, true) => {
                        "INSi a trouvé l'identité, mais son INS diffère de celui enregistré dans \
                         le dossier (doublon ou erreur de dossier possible). Vérifiez l'identité \
                         sur une pièce d'identité et signalez-le à votre référent en \
                         identitovigilance avant toute qualification."
                    }
                }
            }
            Self::NotFound => crate::insi::ResultCode::NotFound.explanation(),
            Self::Several => crate::insi::ResultCode::Several.explanation(),
            Self::Failed { error } => error.explanation(),
            Self::Abandoned { .. } => {
                "La vérification INSi n'a pas pu aboutir (dossier modifié ou base indisponible). \
                 Elle sera relancée à la prochaine ouverture du dossier."
            }
        }
    }
}

/// A finished background verification.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VerificationReport {
    /// The file.
    pub patient: LocalPatientId,
    /// When the call started.
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    /// When the outcome was recorded.
    #[serde(with = "time::serde::rfc3339")]
    pub finished_at: OffsetDateTime,
    /// The outcome.
    pub outcome: VerificationOutcome,
    /// The file's display data after the outcome was recorded.
    pub display: Option<IdentityDisplay>,
}

/// A running (or finished) background verification.
#[derive(Debug, Clone)]
pub struct VerificationTicket {
    patient: LocalPatientId,
    rx: watch::Receiver<Option<Arc<VerificationReport>>>,
}

impl VerificationTicket {
    /// The file.
    pub fn patient(&self) -> &LocalPatientId {
        &self.patient
    }

    /// The report, if the check has finished (never waits).
    pub fn try_outcome(&self) -> Option<Arc<VerificationReport>> {
        self.rx.borrow().clone()
    }

    /// Waits for the report.
    pub async fn outcome(mut self) -> Arc<VerificationReport> {
        loop {
            if let Some(r) = self.rx.borrow_and_update().clone() {
                return r;
            }
            if self.rx.changed().await.is_err() {
                // The task ended without publishing (runtime shut down).
                return Arc::new(VerificationReport {
                    patient: self.patient.clone(),
                    started_at: OffsetDateTime::UNIX_EPOCH,
                    finished_at: OffsetDateTime::UNIX_EPOCH,
                    outcome: VerificationOutcome::Abandoned {
                        reason: "the check was cancelled".into(),
                    },
                    display: None,
                });
            }
        }
    }
}

/// What [`Sentinelle::open_file`] did about INSi.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum BackgroundCheck {
    /// A check was started.
    Started(VerificationTicket),
    /// A check was already running: this ticket follows it.
    Joined(VerificationTicket),
    /// INSi was called recently: no new call.
    Debounced {
        /// The last call.
        last_call_at: OffsetDateTime,
    },
    /// The identity is qualified: nothing to verify.
    NotNeeded,
    /// The identity is *douteuse* or *fictive*: INSi may not be called.
    NotAllowed(IdentityAttribute),
}

impl BackgroundCheck {
    /// Plain-French explanation for the user.
    pub fn explanation(&self) -> &'static str {
        match self {
            Self::Started(_) | Self::Joined(_) => {
                "Vérification de l'identité auprès du téléservice INSi en cours ; vous pouvez \
                 continuer à travailler, le résultat s'affichera dès qu'il sera disponible."
            }
            Self::Debounced { .. } => {
                "Le téléservice INSi a été interrogé il y a peu pour ce dossier ; le dernier \
                 résultat est affiché."
            }
            Self::NotNeeded => {
                "L'identité est qualifiée : aucune vérification INSi n'est nécessaire."
            }
            Self::NotAllowed(_) => {
                "L'identité est marquée douteuse ou fictive : le téléservice INSi n'est pas \
                 interrogé. Levez le doute avec une pièce d'identité."
            }
        }
    }

    /// The ticket, when a check runs.
    pub fn ticket(&self) -> Option<&VerificationTicket> {
        match self {
            Self::Started(t) | Self::Joined(t) => Some(t),
            _ => None,
        }
    }
}

/// The result of opening a file.
#[derive(Debug, Clone)]
pub struct OpenedFile {
    /// The file as opened.
    pub record: PatientRecord,
    /// What to show right away (SENTINELLE.17).
    pub display: IdentityDisplay,
    /// The background verification.
    pub check: BackgroundCheck,
}

impl Sentinelle {
    // --- background verification ----------------------------------------

    /// Every background verification report, as they finish.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<VerificationReport>> {
        self.inner.reports.subscribe()
    }

    /// Opens a file (SENTINELLE.05/06): returns at once with the display
    /// data and, when the identity is not qualified, a background INSi
    /// verification (see the module docs for debounce and delivery).
    pub fn open_file(&self, id: &LocalPatientId) -> Result<OpenedFile, SentinelleError> {
        let record = self.get(id)?;
        let display = record.display();
        let check = self.background_check(&record);
        Ok(OpenedFile {
            record,
            display,
            check,
        })
    }

    fn background_check(&self, record: &PatientRecord) -> BackgroundCheck {
        if let Some(a) = forbidding_attribute(&record.identity) {
            return BackgroundCheck::NotAllowed(a);
        }
        if record.identity.status() == IdentityStatus::Qualifiee {
            return BackgroundCheck::NotNeeded;
        }
        let mut in_flight = lock(&self.inner.in_flight);
        if let Some(rx) = in_flight.get(&record.id) {
            return BackgroundCheck::Joined(VerificationTicket {
                patient: record.id.clone(),
                rx: rx.clone(),
            });
        }
        let now = self.now();
        if let Some(last) = &record.last_insi_call {
            if now - last.at < self.inner.config.debounce {
                return BackgroundCheck::Debounced {
                    last_call_at: last.at,
                };
            }
        }
        let (tx, rx) = watch::channel(None);
        in_flight.insert(record.id.clone(), rx.clone());
        drop(in_flight);
        let this = self.clone();
        let id = record.id.clone();
        let traits = record.identity.traits().clone();
        self.inner.runtime.spawn(async move {
            let report = this
                .verify(id.clone(), traits, now, CallTrigger::Background)
                .await;
            let report = Arc::new(report);
            lock(&this.inner.in_flight).remove(&id);
            let _ = tx.send(Some(report.clone()));
            let _ = this.inner.reports.send(report);
        });
        BackgroundCheck::Started(VerificationTicket {
            patient: record.id.clone(),
            rx,
        })
    }

    /// A verification requested by the user (no debounce; uses the manual
    /// INSi service). The outcome is also broadcast to subscribers.
    pub async fn verify_now(
        &self,
        id: &LocalPatientId,
    ) -> Result<Arc<VerificationReport>, SentinelleError> {
        let record = self.get(id)?;
        if let Some(a) = forbidding_attribute(&record.identity) {
            return Err(SentinelleError::InsiForbidden(a));
        }
        let report = Arc::new(
            self.verify(
                id.clone(),
                record.identity.traits().clone(),
                self.now(),
                CallTrigger::Manual,
            )
            .await,
        );
        let _ = self.inner.reports.send(report.clone());
        Ok(report)
    }

    async fn verify(
        &self,
        id: LocalPatientId,
        traits: Traits,
        started_at: OffsetDateTime,
        trigger: CallTrigger,
    ) -> VerificationReport {
        let insi = match trigger {
            CallTrigger::Background => self.inner.background.clone(),
            _ => self.inner.manual.clone(),
        };
        let result = insi.search(&traits, self.inner.config.strategy).await;
        let this = self.clone();
        let rid = id.clone();
        // Record the call on the file (blocking index calls off the runtime).
        let recorded = tokio::task::spawn_blocking(move || {
            this.record_call(&rid, &traits, started_at, trigger, result)
        })
        .await
        .unwrap_or_else(|e| {
            (
                VerificationOutcome::Abandoned {
                    reason: e.to_string(),
                },
                None,
            )
        });
        VerificationReport {
            patient: id,
            started_at,
            finished_at: self.now(),
            outcome: recorded.0,
            display: recorded.1,
        }
    }

    fn record_call(
        &self,
        id: &LocalPatientId,
        traits_at_call: &Traits,
        at: OffsetDateTime,
        trigger: CallTrigger,
        result: Result<crate::insi::SearchReport, InsiError>,
    ) -> (VerificationOutcome, Option<IdentityDisplay>) {
        let mut record = match self.inner.index.get(id) {
            Ok(Some(r)) => r,
            Ok(None) => {
                return (
                    VerificationOutcome::Abandoned {
                        reason: format!("patient file {id} not found"),
                    },
                    None,
                );
            }
            Err(e) => {
                return (
                    VerificationOutcome::Abandoned {
                        reason: e.to_string(),
                    },
                    None,
                );
            }
        };
        let (outcome, call) = match result {
            Ok(report) => {
                let call = CallResult::of(&report.response.outcome);
                let outcome = match report.response.outcome {
                    InsiOutcome::Found(identity) => {
                        let answer = PendingInsiAnswer::new(
                            at,
                            *identity,
                            traits_at_call,
                            AnswerSource::TraitsSearch,
                        );
                        let ins = answer
                            .identity
                            .ins()
                            .map(|i| InsComparison::of(record.identity.recorded_ins(), &i));
                        VerificationOutcome::Conclusive {
                            answer: Box::new(answer),
                            ins,
                        }
                    }
                    InsiOutcome::NotFound => VerificationOutcome::NotFound,
                    InsiOutcome::Several => VerificationOutcome::Several,
                };
                (outcome, call)
            }
            Err(e) => {
                let call = CallResult::Failed {
                    error: e.to_string(),
                    transient: e.is_transient(),
                };
                (VerificationOutcome::Failed { error: e }, call)
            }
        };
        record.last_insi_call = Some(InsiCallRecord {
            at,
            trigger,
            result: call,
        });
        match &outcome {
            VerificationOutcome::Conclusive { answer, .. } => {
                record.pending_answer = Some((**answer).clone());
            }
            VerificationOutcome::NotFound | VerificationOutcome::Several => {
                record.pending_answer = None;
            }
            // A failure keeps an earlier conclusive answer.
            _ => {}
        }
        if let Err(e) = self.inner.index.update(&record) {
            return (
                VerificationOutcome::Abandoned {
                    reason: e.to_string(),
                },
                None,
            );
        }
        (outcome, Some(record.display()))
    }
}
