//! Typed Pro Santé Connect claims: the ID token's and the userinfo's.
//!
//! Parsing is lenient as the ANS code is (fields may be empty strings, arrays
//! may be missing, `SubjectRole` may be a single string) and keeps every
//! claim it does not know in `additional`, so nothing the provider sends is
//! lost. Claims are only handed out by a verifier
//! ([`IdTokenVerifier`](crate::IdTokenVerifier)) or by the userinfo call.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use segur_ids::{IdNatPs, Oid, Rpps};

/// One string or an array of strings (`aud`, `amr`, `SubjectRole`).
fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
        Null(()),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) if s.is_empty() => Vec::new(),
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
        OneOrMany::Null(()) => Vec::new(),
    })
}

/// Empty strings are absent values.
fn non_empty<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.filter(|s| !s.is_empty()))
}

/// A `code^OID` value (`SubjectRole`, `Secteur_Activite`, `Palier_Authentification`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodedValue {
    /// The code.
    pub code: String,
    /// The code system, when present and a valid OID.
    pub system: Option<Oid>,
}

impl CodedValue {
    /// Parses `code^OID` (or a bare code).
    pub fn parse(s: &str) -> Self {
        match s.split_once('^') {
            Some((code, oid)) => Self {
                code: code.to_owned(),
                system: Oid::parse(oid).ok(),
            },
            None => Self {
                code: s.to_owned(),
                system: None,
            },
        }
    }
}

/// Claims of a verified ID token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IdTokenClaims {
    /// Issuer.
    pub iss: String,
    /// PSC subject (not the national id: do not key accounts on it).
    pub sub: String,
    /// Audiences.
    #[serde(deserialize_with = "one_or_many")]
    pub aud: Vec<String>,
    /// Expiry (seconds since the epoch).
    pub exp: i64,
    /// Issue time (seconds since the epoch).
    #[serde(default)]
    pub iat: Option<i64>,
    /// Time of the user's authentication.
    #[serde(default)]
    pub auth_time: Option<i64>,
    /// The nonce sent in the authorization request.
    #[serde(default)]
    pub nonce: Option<String>,
    /// Authentication context class (`eidas1`).
    #[serde(default)]
    pub acr: Option<String>,
    /// Authentication methods.
    #[serde(default, deserialize_with = "one_or_many")]
    pub amr: Vec<String>,
    /// Authorized party.
    #[serde(default)]
    pub azp: Option<String>,
    /// Keycloak session id.
    #[serde(default)]
    pub sid: Option<String>,
    /// Keycloak session state.
    #[serde(default)]
    pub session_state: Option<String>,
    /// National professional identifier (idNat_PS) as text.
    #[serde(default, rename = "SubjectNameID", deserialize_with = "non_empty")]
    pub subject_name_id: Option<String>,
    /// Usually equal to `SubjectNameID`.
    #[serde(default)]
    pub preferred_username: Option<String>,
    /// Given name (civil status).
    #[serde(default)]
    pub given_name: Option<String>,
    /// Family name (civil status).
    #[serde(default)]
    pub family_name: Option<String>,
    /// Every other claim, kept verbatim.
    #[serde(flatten)]
    pub additional: Map<String, Value>,
}

impl IdTokenClaims {
    /// Expiry as a date.
    pub fn expires_at(&self) -> Option<OffsetDateTime> {
        OffsetDateTime::from_unix_timestamp(self.exp).ok()
    }

    /// The national professional identifier, if present and valid.
    pub fn national_id(&self) -> Option<IdNatPs> {
        self.subject_name_id
            .as_deref()
            .and_then(|s| IdNatPs::parse(s).ok())
    }
}

/// One entry of `otherIds`: another identifier of the same professional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OtherId {
    /// The identifier.
    #[serde(default)]
    pub identifiant: String,
    /// Where it comes from (`RPPS`, `ADELI`, `PSI`, `EDIT`…).
    #[serde(default)]
    pub origine: String,
    /// Quality (1 or 2).
    #[serde(default)]
    pub qualite: Option<Value>,
}

/// An activity (`SubjectRefPro.exercices[].activities[]`): where and how the
/// professional practises.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Activity {
    /// Mode of practice (`L` libéral, `S` salarié…).
    #[serde(default, deserialize_with = "non_empty")]
    pub code_mode_exercice: Option<String>,
    /// Sector (`SAxx`).
    #[serde(default, deserialize_with = "non_empty")]
    pub code_secteur_dactivite: Option<String>,
    /// Pharmacist section.
    #[serde(default, deserialize_with = "non_empty")]
    pub code_section_pharmacien: Option<String>,
    /// Role.
    #[serde(default, deserialize_with = "non_empty")]
    pub code_role: Option<String>,
    /// Activity kind (`GENR01`).
    #[serde(default, deserialize_with = "non_empty")]
    pub code_genre_activite: Option<String>,
    /// SIRET of the site.
    #[serde(default, deserialize_with = "non_empty")]
    pub numero_siret_site: Option<String>,
    /// SIREN of the site.
    #[serde(default, deserialize_with = "non_empty")]
    pub numero_siren_site: Option<String>,
    /// FINESS of the site.
    #[serde(default, deserialize_with = "non_empty")]
    pub numero_finess_site: Option<String>,
    /// FINESS of the legal entity.
    #[serde(
        default,
        rename = "numeroFinessetablissementJuridique",
        deserialize_with = "non_empty"
    )]
    pub numero_finess_etablissement_juridique: Option<String>,
    /// Technical structure id (as in `SubjectOrganizationID`).
    #[serde(default, deserialize_with = "non_empty")]
    pub identifiant_technique_de_la_structure: Option<String>,
    /// Name of the site.
    #[serde(default, deserialize_with = "non_empty")]
    pub raison_sociale_site: Option<String>,
    /// Trade name of the site.
    #[serde(default, deserialize_with = "non_empty")]
    pub enseigne_commerciale_site: Option<String>,
    /// Street number.
    #[serde(default, deserialize_with = "non_empty")]
    pub numero_voie: Option<String>,
    /// Street name.
    #[serde(default, deserialize_with = "non_empty")]
    pub libelle_voie: Option<String>,
    /// Postcode.
    #[serde(default, deserialize_with = "non_empty")]
    pub code_postal: Option<String>,
    /// INSEE commune code.
    #[serde(default, deserialize_with = "non_empty")]
    pub code_commune: Option<String>,
    /// Telephone.
    #[serde(default, deserialize_with = "non_empty")]
    pub telephone: Option<String>,
    /// E-mail.
    #[serde(default, rename = "adresseEMail", deserialize_with = "non_empty")]
    pub adresse_email: Option<String>,
    /// Other keys (address complements, fax, department…), kept verbatim.
    #[serde(flatten)]
    pub additional: Map<String, Value>,
}

/// A professional practice (`SubjectRefPro.exercices[]`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Exercice {
    /// Profession code (OID 1.2.250.1.71.1.2.7: `10` médecin, `21` pharmacien…).
    #[serde(default, deserialize_with = "non_empty")]
    pub code_profession: Option<String>,
    /// Professional category (`C` civil…).
    #[serde(default, deserialize_with = "non_empty")]
    pub code_categorie_professionnelle: Option<String>,
    /// Civility used in practice (`DR`…).
    #[serde(default, deserialize_with = "non_empty")]
    pub code_civilite_dexercice: Option<String>,
    /// Practice family name.
    #[serde(default, deserialize_with = "non_empty")]
    pub nom_dexercice: Option<String>,
    /// Practice given name.
    #[serde(default, deserialize_with = "non_empty")]
    pub prenom_dexercice: Option<String>,
    /// Kind of know-how (`S` specialty…).
    #[serde(default, deserialize_with = "non_empty")]
    pub code_type_savoir_faire: Option<String>,
    /// Know-how code (OID 1.2.250.1.71.4.2.5, e.g. `SM54`).
    #[serde(default, deserialize_with = "non_empty")]
    pub code_savoir_faire: Option<String>,
    /// Activities.
    #[serde(default)]
    pub activities: Vec<Activity>,
    /// Other keys, kept verbatim.
    #[serde(flatten)]
    pub additional: Map<String, Value>,
}

/// `SubjectRefPro`: the professional's practices from the national directory.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubjectRefPro {
    /// Civility (`M`, `MME`).
    #[serde(default, deserialize_with = "non_empty")]
    pub code_civilite: Option<String>,
    /// Practices.
    #[serde(default)]
    pub exercices: Vec<Exercice>,
    /// Other keys, kept verbatim.
    #[serde(flatten)]
    pub additional: Map<String, Value>,
}

/// The userinfo of a professional (scope `openid scope_all`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PscUserInfo {
    /// PSC subject.
    pub sub: String,
    /// National professional identifier (idNat_PS) as text.
    #[serde(default, rename = "SubjectNameID", deserialize_with = "non_empty")]
    pub subject_name_id: Option<String>,
    /// Usually equal to `SubjectNameID`.
    #[serde(default, deserialize_with = "non_empty")]
    pub preferred_username: Option<String>,
    /// Given name.
    #[serde(default, deserialize_with = "non_empty")]
    pub given_name: Option<String>,
    /// Family name.
    #[serde(default, deserialize_with = "non_empty")]
    pub family_name: Option<String>,
    /// Whether the e-mail is verified.
    #[serde(default)]
    pub email_verified: Option<bool>,
    /// Current organisation label.
    #[serde(
        default,
        rename = "SubjectOrganization",
        deserialize_with = "non_empty"
    )]
    pub subject_organization: Option<String>,
    /// Current organisation technical id.
    #[serde(
        default,
        rename = "SubjectOrganizationID",
        deserialize_with = "non_empty"
    )]
    pub subject_organization_id: Option<String>,
    /// Roles as `code^OID` (profession codes).
    #[serde(default, rename = "SubjectRole", deserialize_with = "one_or_many")]
    pub subject_role: Vec<String>,
    /// Activity sector as `code^OID`.
    #[serde(default, rename = "Secteur_Activite", deserialize_with = "non_empty")]
    pub secteur_activite: Option<String>,
    /// Authentication level as `code^OID`.
    #[serde(
        default,
        rename = "Palier_Authentification",
        deserialize_with = "non_empty"
    )]
    pub palier_authentification: Option<String>,
    /// PSI locale OID.
    #[serde(default, rename = "PSI_Locale", deserialize_with = "non_empty")]
    pub psi_locale: Option<String>,
    /// Userinfo format version.
    #[serde(default, rename = "UITVersion", deserialize_with = "non_empty")]
    pub uit_version: Option<String>,
    /// `VRAI`/`FAUX`.
    #[serde(
        default,
        rename = "Acces_Regulation_Medicale",
        deserialize_with = "non_empty"
    )]
    pub acces_regulation_medicale: Option<String>,
    /// Access reason.
    #[serde(default, rename = "Mode_Acces_Raison", deserialize_with = "non_empty")]
    pub mode_acces_raison: Option<String>,
    /// Other identifiers of the same person (RPPS, ADELI, PSI…).
    #[serde(default, rename = "otherIds")]
    pub other_ids: Vec<OtherId>,
    /// Practices from the national directory.
    #[serde(default, rename = "SubjectRefPro")]
    pub subject_ref_pro: Option<SubjectRefPro>,
    /// Every other claim, kept verbatim.
    #[serde(flatten)]
    pub additional: Map<String, Value>,
}

impl PscUserInfo {
    /// The national professional identifier, if present and valid.
    pub fn national_id(&self) -> Option<IdNatPs> {
        self.subject_name_id
            .as_deref()
            .and_then(|s| IdNatPs::parse(s).ok())
    }

    /// The RPPS number: from `SubjectNameID` (`8` + RPPS) or an `otherIds`
    /// entry of origin `RPPS`.
    pub fn rpps(&self) -> Option<Rpps> {
        self.national_id().and_then(|id| id.rpps()).or_else(|| {
            self.other_ids
                .iter()
                .filter(|o| o.origine.eq_ignore_ascii_case("RPPS"))
                .find_map(|o| {
                    Rpps::parse(&o.identifiant)
                        .ok()
                        .or_else(|| IdNatPs::parse(&o.identifiant).ok().and_then(|i| i.rpps()))
                })
        })
    }

    /// Every national identifier this person is known by: `SubjectNameID`
    /// and the valid `otherIds` (used to match local accounts).
    pub fn national_ids(&self) -> Vec<IdNatPs> {
        let mut out: Vec<IdNatPs> = self.national_id().into_iter().collect();
        for o in &self.other_ids {
            let parsed = if o.origine.eq_ignore_ascii_case("RPPS") {
                Rpps::parse(&o.identifiant)
                    .map(|r| r.id_nat_ps())
                    .or_else(|_| IdNatPs::parse(&o.identifiant))
                    .ok()
            } else {
                IdNatPs::parse(&o.identifiant).ok()
            };
            if let Some(id) = parsed {
                if !out.contains(&id) {
                    out.push(id);
                }
            }
        }
        out
    }

    /// Roles parsed as `code^OID`.
    pub fn roles(&self) -> Vec<CodedValue> {
        self.subject_role
            .iter()
            .map(|s| CodedValue::parse(s))
            .collect()
    }

    /// The authentication level parsed as `code^OID`.
    pub fn palier(&self) -> Option<CodedValue> {
        self.palier_authentification
            .as_deref()
            .map(CodedValue::parse)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"{
        "sub": "f:550dc1c8-d97b-4b1e-ac8c-8eb4471cf9dd:ANS20210107161422",
        "SubjectNameID": "810003612545",
        "preferred_username": "810003612545",
        "given_name": "JEAN",
        "family_name": "MEDECIN-TEST",
        "email_verified": false,
        "SubjectOrganization": "CABINET TEST",
        "SubjectOrganizationID": "R81311",
        "SubjectRole": ["10^1.2.250.1.213.1.1.5.5"],
        "Secteur_Activite": "SA07^1.2.250.1.71.4.2.4",
        "Palier_Authentification": "APPPRIP3^1.2.250.1.213.1.5.1.1.1",
        "PSI_Locale": "1.2.250.1.213.1.3.1.1",
        "UITVersion": "1.0",
        "Acces_Regulation_Medicale": "FAUX",
        "Mode_Acces_Raison": "",
        "otherIds": [{"identifiant": "10003612545", "origine": "RPPS", "qualite": 1}],
        "SubjectRefPro": {
            "codeCivilite": "M",
            "exercices": [{
                "codeProfession": "10",
                "codeCategorieProfessionnelle": "C",
                "nomDexercice": "MEDECIN-TEST",
                "prenomDexercice": "JEAN",
                "codeSavoirFaire": "",
                "activities": [{
                    "codeModeExercice": "L",
                    "codeSecteurDactivite": "SA07",
                    "numeroFinessSite": "",
                    "raisonSocialeSite": "CABINET TEST",
                    "codePostal": "75012",
                    "bureauCedex": "75012 PARIS"
                }]
            }]
        },
        "brandNewClaim": {"x": 1}
    }"#;

    #[test]
    fn parses_psc_userinfo_and_keeps_unknown_claims() {
        let ui: PscUserInfo = serde_json::from_str(SAMPLE).expect("userinfo");
        assert_eq!(ui.national_id().expect("id").as_str(), "810003612545");
        assert_eq!(ui.rpps().expect("rpps").as_str(), "10003612545");
        assert_eq!(ui.mode_acces_raison, None, "empty string is absent");
        assert_eq!(ui.roles()[0].code, "10");
        assert_eq!(
            ui.roles()[0].system.as_ref().map(|o| o.as_str()),
            Some("1.2.250.1.213.1.1.5.5")
        );
        assert_eq!(ui.palier().expect("palier").code, "APPPRIP3");
        let ex = &ui.subject_ref_pro.as_ref().expect("refpro").exercices[0];
        assert_eq!(ex.code_profession.as_deref(), Some("10"));
        assert_eq!(ex.code_savoir_faire, None);
        let act = &ex.activities[0];
        assert_eq!(act.code_mode_exercice.as_deref(), Some("L"));
        assert_eq!(act.numero_finess_site, None);
        assert_eq!(act.additional["bureauCedex"], "75012 PARIS");
        assert_eq!(ui.additional["brandNewClaim"]["x"], 1);
        assert_eq!(
            ui.national_ids().len(),
            1,
            "otherIds RPPS is the same person"
        );
    }

    #[test]
    fn lenient_on_missing_and_single_values() {
        let ui: PscUserInfo =
            serde_json::from_str(r#"{"sub":"s","SubjectRole":"60^1.2.250.1.213.1.1.5.5"}"#)
                .expect("minimal");
        assert_eq!(ui.subject_role.len(), 1);
        assert!(ui.other_ids.is_empty());
        assert!(ui.national_id().is_none());
        assert!(serde_json::from_str::<PscUserInfo>(r#"{"no_sub":1}"#).is_err());
    }
}
