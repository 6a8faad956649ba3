//! Comparison of the local traits with the traits returned by INSi
//! (SENTINELLE.16): one typed entry per trait, with the INSi equivalence rules.
//!
//! | trait | same | equivalent | different |
//! |---|---|---|---|
//! | birth family name | identical | identical once hyphens and apostrophes count as spaces | otherwise |
//! | birth given names | identical list | identical once hyphens and apostrophes count as spaces | otherwise |
//! | first given name | identical | consistent with the returned list (its first element(s), separators folded) | otherwise |
//! | birth date | identical | same calendar date but the local one is uncertain (day / month unknown, substituted) | otherwise |
//! | sex | identical | — | otherwise |
//! | birth place | identical | — | otherwise; missing on one side is reported as such |
//!
//! Used names are not INS traits and are never compared.

use std::fmt;

use crate::names::first_given_name_consistent;
use crate::{TraitField, Traits};

use super::model::ReturnedTraits;

/// The verdict for one trait.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TraitVerdict {
    /// Identical.
    Same,
    /// Not identical, but equal under the INSi equivalence rules.
    Equivalent,
    /// Different.
    Different,
    /// Known locally, not returned by INSi.
    MissingInAnswer,
    /// Returned by INSi, not known locally.
    MissingLocally,
}

impl TraitVerdict {
    /// Whether the user must look at this trait before qualifying.
    pub fn needs_attention(self) -> bool {
        matches!(self, Self::Different | Self::MissingLocally)
    }
}

/// One compared trait.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TraitComparison {
    /// Which trait.
    pub field: TraitField,
    /// The local value (display form).
    pub local: Option<String>,
    /// The value returned by INSi.
    pub returned: Option<String>,
    /// The verdict.
    pub verdict: TraitVerdict,
}

impl TraitComparison {
    /// A plain-French line for the user, with both values.
    pub fn describe(&self) -> String {
        let name = field_label(self.field);
        let l = self.local.as_deref().unwrap_or("(vide)");
        let r = self.returned.as_deref().unwrap_or("(vide)");
        match self.verdict {
            TraitVerdict::Same => format!("{name} : identique ({l})."),
            TraitVerdict::Equivalent => {
                format!("{name} : équivalent ({l} / {r} selon INSi), aucune action nécessaire.")
            }
            TraitVerdict::Different => format!(
                "{name} : différent — dossier « {l} », INSi « {r} ». Vérifiez sur la pièce \
                 d'identité avant de qualifier."
            ),
            TraitVerdict::MissingInAnswer => {
                format!("{name} : non renvoyé par INSi (dossier « {l} »).")
            }
            TraitVerdict::MissingLocally => format!(
                "{name} : absent du dossier, INSi renvoie « {r} ». Il sera repris d'INSi si vous \
                 acceptez les traits."
            ),
        }
    }
}

/// The French name of a trait.
pub fn field_label(field: TraitField) -> &'static str {
    match field {
        TraitField::BirthFamilyName => "Nom de naissance",
        TraitField::BirthGivenNames => "Prénom(s) de naissance",
        TraitField::FirstGivenName => "Premier prénom de naissance",
        TraitField::BirthDate => "Date de naissance",
        TraitField::Sex => "Sexe",
        TraitField::BirthPlace => "Lieu de naissance",
        TraitField::UsedFamilyName => "Nom utilisé",
        TraitField::UsedGivenName => "Prénom utilisé",
    }
}

/// The per-trait comparison of local and returned traits.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TraitsDiff {
    /// One entry per strict trait, in a fixed order.
    pub entries: Vec<TraitComparison>,
}

fn fold(s: &str) -> String {
    s.chars()
        .map(|c| if c == '-' || c == '\'' { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn compare_names(local: Option<&str>, returned: Option<&str>) -> TraitVerdict {
    match (local, returned) {
        (Some(l), Some(r)) if l == r => TraitVerdict::Same,
        (Some(l), Some(r)) if fold(l) == fold(r) => TraitVerdict::Equivalent,
        (Some(_), Some(_)) => TraitVerdict::Different,
        (Some(_), None) => TraitVerdict::MissingInAnswer,
        (None, Some(_)) => TraitVerdict::MissingLocally,
        (None, None) => TraitVerdict::Same,
    }
}

impl TraitsDiff {
    /// Compares `local` with `returned`.
    pub fn compare(local: &Traits, returned: &ReturnedTraits) -> Self {
        let mut entries = Vec::with_capacity(6);
        let family = local.birth_family_name().as_str();
        entries.push(TraitComparison {
            field: TraitField::BirthFamilyName,
            local: Some(family.to_owned()),
            returned: returned.birth_family_name.clone(),
            verdict: compare_names(Some(family), returned.birth_family_name.as_deref()),
        });

        let list = local.birth_given_names_joined();
        entries.push(TraitComparison {
            field: TraitField::BirthGivenNames,
            local: Some(list.clone()),
            returned: returned.given_names.clone(),
            verdict: compare_names(Some(&list), returned.given_names.as_deref()),
        });

        let first = local.first_given_name().as_str();
        let returned_first = returned.first_given_name.clone().or_else(|| {
            returned
                .given_names
                .as_deref()
                .and_then(|l| l.split(' ').next())
                .map(str::to_owned)
        });
        let first_verdict = match (&returned_first, &returned.given_names) {
            (Some(r), _) if r == first => TraitVerdict::Same,
            (_, Some(l)) if first_given_name_consistent(first, l) => TraitVerdict::Equivalent,
            (Some(r), _) if fold(r) == fold(first) => TraitVerdict::Equivalent,
            (None, None) => TraitVerdict::MissingInAnswer,
            _ => TraitVerdict::Different,
        };
        entries.push(TraitComparison {
            field: TraitField::FirstGivenName,
            local: Some(first.to_owned()),
            returned: returned_first,
            verdict: first_verdict,
        });

        let date = local.birth_date();
        let date_verdict = match &returned.birth_date {
            None => TraitVerdict::MissingInAnswer,
            Some(r) if *r == date.to_iso() && !date.is_uncertain() => TraitVerdict::Same,
            Some(r) if *r == date.to_iso() => TraitVerdict::Equivalent,
            Some(_) => TraitVerdict::Different,
        };
        entries.push(TraitComparison {
            field: TraitField::BirthDate,
            local: Some(date.to_string()),
            returned: returned.birth_date.clone(),
            verdict: date_verdict,
        });

        let sex = local.sex().code();
        entries.push(TraitComparison {
            field: TraitField::Sex,
            local: Some(sex.to_owned()),
            returned: returned.sex.clone(),
            verdict: match &returned.sex {
                None => TraitVerdict::MissingInAnswer,
                Some(r) if r == sex => TraitVerdict::Same,
                Some(_) => TraitVerdict::Different,
            },
        });

        let place = local.birth_place().map(|p| p.as_str().to_owned());
        let place_verdict = match (&place, &returned.birth_place) {
            (Some(l), Some(r)) if l.eq_ignore_ascii_case(r) => TraitVerdict::Same,
            (Some(_), Some(_)) => TraitVerdict::Different,
            (Some(_), None) => TraitVerdict::MissingInAnswer,
            (None, Some(_)) => TraitVerdict::MissingLocally,
            (None, None) => TraitVerdict::Same,
        };
        entries.push(TraitComparison {
            field: TraitField::BirthPlace,
            local: place,
            returned: returned.birth_place.clone(),
            verdict: place_verdict,
        });
        Self { entries }
    }

    /// The entry for `field`.
    pub fn get(&self, field: TraitField) -> Option<&TraitComparison> {
        self.entries.iter().find(|e| e.field == field)
    }

    /// The traits that differ (verdict [`TraitVerdict::Different`]).
    pub fn differing_fields(&self) -> Vec<TraitField> {
        self.entries
            .iter()
            .filter(|e| e.verdict == TraitVerdict::Different)
            .map(|e| e.field)
            .collect()
    }

    /// Whether no trait differs (equivalences and missing values accepted).
    pub fn is_match(&self) -> bool {
        self.entries
            .iter()
            .all(|e| e.verdict != TraitVerdict::Different)
    }

    /// Whether anything needs the user's attention ([`TraitVerdict::needs_attention`]).
    pub fn needs_attention(&self) -> bool {
        self.entries.iter().any(|e| e.verdict.needs_attention())
    }

    /// Plain-French explanation with the action to take.
    pub fn explanation(&self) -> &'static str {
        match (self.is_match(), self.needs_attention()) {
            (true, false) => {
                "Les traits d'identité du dossier concordent avec ceux renvoyés par INSi."
            }
            (true, true) => {
                "Les traits d'identité du dossier concordent avec ceux renvoyés par INSi ; des \
                 traits absents du dossier seront complétés depuis INSi."
            }
            (false, _) => {
                "Des traits d'identité diffèrent entre le dossier et INSi. Contrôlez-les sur une \
                 pièce d'identité à haut niveau de confiance ; n'acceptez les traits INSi que \
                 s'ils correspondent à la pièce."
            }
        }
    }

    /// The explanation followed by the names of the differing traits.
    pub fn summary(&self) -> String {
        let names: Vec<&str> = self
            .differing_fields()
            .into_iter()
            .map(field_label)
            .collect();
        if names.is_empty() {
            self.explanation().to_owned()
        } else {
            format!(
                "{} Traits concernés : {}.",
                self.explanation(),
                names.join(", ")
            )
        }
    }
}

impl fmt::Display for TraitsDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for e in &self.entries {
            writeln!(f, "{}", e.describe())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{BirthDate, Sex};

    fn local(
        family: &str,
        given: &str,
        first: Option<&str>,
        date: &str,
        place: Option<&str>,
    ) -> Traits {
        let mut b = Traits::builder()
            .birth_family_name(family)
            .birth_given_names(given)
            .birth_date(BirthDate::parse(date).expect("date"))
            .sex(Sex::Male);
        if let Some(f) = first {
            b = b.first_given_name(f);
        }
        if let Some(p) = place {
            b = b.birth_place(p);
        }
        b.build().expect("traits")
    }

    fn returned(
        family: &str,
        first: Option<&str>,
        list: &str,
        date: &str,
        place: Option<&str>,
    ) -> ReturnedTraits {
        ReturnedTraits {
            birth_family_name: Some(family.into()),
            first_given_name: first.map(Into::into),
            given_names: Some(list.into()),
            sex: Some("M".into()),
            birth_date: Some(date.into()),
            birth_place: place.map(Into::into),
        }
    }

    #[test]
    fn identical_traits() {
        let d = TraitsDiff::compare(
            &local(
                "ECETINSI",
                "PIERRE-ALAIN MURIEL FLORIANT",
                None,
                "2009-07-14",
                Some("63220"),
            ),
            &returned(
                "ECETINSI",
                Some("PIERRE-ALAIN"),
                "PIERRE-ALAIN MURIEL FLORIANT",
                "2009-07-14",
                Some("63220"),
            ),
        );
        assert!(d.is_match());
        assert!(!d.needs_attention());
        assert!(d.entries.iter().all(|e| e.verdict == TraitVerdict::Same));
        assert_eq!(d.entries.len(), 6);
    }

    #[test]
    fn separators_are_equivalent() {
        let d = TraitsDiff::compare(
            &local(
                "DE VINCI",
                "PIERRE ALAIN",
                Some("PIERRE ALAIN"),
                "2009-07-14",
                None,
            ),
            &returned(
                "DE-VINCI",
                Some("PIERRE-ALAIN"),
                "PIERRE-ALAIN",
                "2009-07-14",
                Some("63220"),
            ),
        );
        assert_eq!(
            d.get(TraitField::BirthFamilyName).map(|e| e.verdict),
            Some(TraitVerdict::Equivalent)
        );
        assert_eq!(
            d.get(TraitField::BirthGivenNames).map(|e| e.verdict),
            Some(TraitVerdict::Equivalent)
        );
        assert_eq!(
            d.get(TraitField::FirstGivenName).map(|e| e.verdict),
            Some(TraitVerdict::Equivalent)
        );
        assert_eq!(
            d.get(TraitField::BirthPlace).map(|e| e.verdict),
            Some(TraitVerdict::MissingLocally)
        );
        assert!(d.is_match());
        assert!(d.needs_attention());
        assert!(d.explanation().contains("complétés"));
        assert_eq!(d.summary(), d.explanation());
    }

    #[test]
    fn differences_and_uncertain_dates() {
        let d = TraitsDiff::compare(
            &local("DUPONT", "JEAN", None, "1980-00-00", Some("75056")),
            &returned("DUPOND", None, "JEAN LUC", "1980-12-31", Some("75115")),
        );
        assert_eq!(
            d.get(TraitField::BirthFamilyName).map(|e| e.verdict),
            Some(TraitVerdict::Different)
        );
        assert_eq!(
            d.get(TraitField::BirthGivenNames).map(|e| e.verdict),
            Some(TraitVerdict::Different)
        );
        // JEAN is the first element of JEAN LUC.
        assert_eq!(
            d.get(TraitField::FirstGivenName).map(|e| e.verdict),
            Some(TraitVerdict::Same)
        );
        // Unknown day and month are substituted with 31/12.
        assert_eq!(
            d.get(TraitField::BirthDate).map(|e| e.verdict),
            Some(TraitVerdict::Equivalent)
        );
        assert_eq!(
            d.get(TraitField::BirthPlace).map(|e| e.verdict),
            Some(TraitVerdict::Different)
        );
        assert_eq!(
            d.differing_fields(),
            vec![
                TraitField::BirthFamilyName,
                TraitField::BirthGivenNames,
                TraitField::BirthPlace
            ]
        );
        assert!(!d.is_match());
        assert!(d.explanation().contains("diffèrent"));
        assert!(
            d.summary()
                .contains("Nom de naissance, Prénom(s) de naissance, Lieu de naissance")
        );
        assert!(
            d.get(TraitField::BirthFamilyName)
                .expect("entry")
                .describe()
                .contains("DUPOND")
        );
        let sex = TraitsDiff::compare(
            &local("DUPONT", "JEAN", None, "1980-01-01", None),
            &ReturnedTraits {
                sex: Some("F".into()),
                ..returned("DUPONT", None, "JEAN", "1980-01-02", None)
            },
        );
        assert_eq!(
            sex.differing_fields(),
            vec![TraitField::BirthDate, TraitField::Sex]
        );
    }
}
