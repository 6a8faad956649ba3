//! Which `Prenom` values to send when the patient has several birth given
//! names, and the combined result of the successive searches.
//!
//! INSi matches the `Prenom` sent strictly. The documented practice
//! (padoa/tlsi-ins, driven by the CNDA test cases; whether it is *mandated*
//! is UNCONFIRMED, see `shared/reference/ins.md` §3.4) is one search per given
//! name, then one with the full list, stopping at the first conclusive
//! answer (`00`). That is [`GivenNameStrategy::EachThenAll`], the default.

use time::OffsetDateTime;

use crate::Traits;
use crate::names::GivenName;

use super::error::QueryError;
use super::model::{InsiOutcome, InsiResponse, ResultCode};

/// The sequence of `Prenom` values tried for a traits search.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum GivenNameStrategy {
    /// The declared first given name (when it is not itself an element of the
    /// list, e.g. `JEAN PIERRE` for `JEAN PIERRE LUC`), then each birth given
    /// name in order, then the full space-separated list.
    #[default]
    EachThenAll,
    /// The first given name only.
    FirstOnly,
    /// The first given name, then the full list.
    FirstThenAll,
    /// The full list only.
    AllOnly,
}

impl GivenNameStrategy {
    /// The `Prenom` values to try, in order, without duplicates.
    pub fn given_names(self, traits: &Traits) -> Result<Vec<GivenName>, QueryError> {
        let list = traits.birth_given_names();
        if list.is_empty() {
            return Err(QueryError::NoGivenName);
        }
        let first = traits.first_given_name().clone();
        // The joined list is in the profile: its elements are, separated by single spaces.
        let all = GivenName::parse(&traits.birth_given_names_joined())
            .map_err(|_| QueryError::NoGivenName)?;
        let mut out: Vec<GivenName> = Vec::new();
        let mut push = |g: GivenName| {
            if !out.contains(&g) {
                out.push(g);
            }
        };
        match self {
            Self::EachThenAll => {
                push(first);
                for g in list {
                    push(g.clone());
                }
                push(all);
            }
            Self::FirstOnly => push(first),
            Self::FirstThenAll => {
                push(first);
                push(all);
            }
            Self::AllOnly => push(all),
        }
        Ok(out)
    }
}

/// One search of a strategy.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SearchAttempt {
    /// The `Prenom` sent.
    pub given_name: GivenName,
    /// The `wsa:MessageID` of the request.
    pub message_id: String,
    /// The result code received.
    pub code: ResultCode,
}

/// The combined result of a traits search with a [`GivenNameStrategy`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SearchReport {
    /// The conclusive answer (`00`) if one came; else the last answer,
    /// turned into `02` when any attempt answered `02` (refining the traits
    /// is then the action to take), `01` otherwise.
    pub response: InsiResponse,
    /// Every search made, in order.
    pub attempts: Vec<SearchAttempt>,
    /// When the first request was sent.
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
}

impl SearchReport {
    /// Whether INSi returned exactly one identity.
    pub fn is_conclusive(&self) -> bool {
        matches!(self.response.outcome, InsiOutcome::Found(_))
    }

    /// The `Prenom` of the conclusive search.
    pub fn conclusive_given_name(&self) -> Option<&GivenName> {
        self.attempts
            .iter()
            .find(|a| a.code == ResultCode::Found)
            .map(|a| &a.given_name)
    }

    /// Combines the answers of a strategy (at least one).
    pub(crate) fn combine(
        answers: Vec<(SearchAttempt, InsiResponse)>,
        started_at: OffsetDateTime,
    ) -> Option<Self> {
        let mut attempts = Vec::with_capacity(answers.len());
        let mut found = None;
        let mut several = None;
        let mut last = None;
        for (attempt, response) in answers {
            attempts.push(attempt);
            match response.outcome {
                InsiOutcome::Found(_) => {
                    found.get_or_insert(response);
                }
                InsiOutcome::Several => {
                    several.get_or_insert(response);
                }
                InsiOutcome::NotFound => last = Some(response),
            }
        }
        let response = found.or(several).or(last)?;
        Some(Self {
            response,
            attempts,
            started_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{BirthDate, Sex};

    fn traits(list: &str, first: Option<&str>) -> Traits {
        let mut b = Traits::builder()
            .birth_family_name("HOUILLES")
            .birth_given_names(list)
            .birth_date(BirthDate::parse("1989-06-01").expect("date"))
            .sex(Sex::Male);
        if let Some(f) = first {
            b = b.first_given_name(f);
        }
        b.build().expect("traits")
    }

    fn names(v: Vec<GivenName>) -> Vec<String> {
        v.into_iter().map(|g| g.to_string()).collect()
    }

    #[test]
    fn strategies() {
        let t = traits("PIERRE PAUL JACQUES", None);
        assert_eq!(
            names(GivenNameStrategy::EachThenAll.given_names(&t).expect("ok")),
            ["PIERRE", "PAUL", "JACQUES", "PIERRE PAUL JACQUES"]
        );
        assert_eq!(
            names(GivenNameStrategy::FirstOnly.given_names(&t).expect("ok")),
            ["PIERRE"]
        );
        assert_eq!(
            names(GivenNameStrategy::FirstThenAll.given_names(&t).expect("ok")),
            ["PIERRE", "PIERRE PAUL JACQUES"]
        );
        assert_eq!(
            names(GivenNameStrategy::AllOnly.given_names(&t).expect("ok")),
            ["PIERRE PAUL JACQUES"]
        );
        let single = traits("ZOE", None);
        assert_eq!(
            names(
                GivenNameStrategy::EachThenAll
                    .given_names(&single)
                    .expect("ok")
            ),
            ["ZOE"]
        );
        let compound = traits("JEAN PIERRE LUC", Some("JEAN PIERRE"));
        assert_eq!(
            names(
                GivenNameStrategy::EachThenAll
                    .given_names(&compound)
                    .expect("ok")
            ),
            ["JEAN PIERRE", "JEAN", "PIERRE", "LUC", "JEAN PIERRE LUC"]
        );
        let hyphen = traits("PIERRE-ALAIN MURIEL", None);
        assert_eq!(
            names(
                GivenNameStrategy::EachThenAll
                    .given_names(&hyphen)
                    .expect("ok")
            ),
            ["PIERRE-ALAIN", "MURIEL", "PIERRE-ALAIN MURIEL"]
        );
    }
}
