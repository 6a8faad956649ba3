//! The value sets vendored under `ans-cda/jeuxDeValeurs/`, generated from
//! those files by `SEGUR_REGENERATE_JDV=1 cargo test -p segur-cda --test
//! value_sets` (then `cargo fmt`). Do not edit: the same test checks that
//! this data equals the files.

use crate::n3::codes::{Concept, ValueSet};

/// `JDV_Activite_CISIS` (`1.2.250.1.213.1.1.5.110`), 8 concepts.
pub static ACTIVITE: ValueSet = ValueSet {
    name: "JDV_Activite_CISIS",
    oid: "1.2.250.1.213.1.1.5.110",
    source: "ans-cda/jeuxDeValeurs/JDV_Activite_CISIS.xml",
    concepts: &[
        Concept {
            code: "PAT-040",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Activité salariée",
        },
        Concept {
            code: "PAT-042",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Retraité",
        },
        Concept {
            code: "PAT-043",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Au foyer",
        },
        Concept {
            code: "PAT-044",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Congé parental",
        },
        Concept {
            code: "PAT-045",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Chômeur",
        },
        Concept {
            code: "PAT-046",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Elève, étudiant ou en formation",
        },
        Concept {
            code: "GEN-092.05.06",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Autre inactif",
        },
        Concept {
            code: "GEN-092.05.05",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Autre activité",
        },
    ],
};

/// `JDV_AntecedentsCSE24_CISIS` (`1.2.250.1.213.1.1.5.104`), 2 concepts.
pub static ANTECEDENTS_CSE24: ValueSet = ValueSet {
    name: "JDV_AntecedentsCSE24_CISIS",
    oid: "1.2.250.1.213.1.1.5.104",
    source: "ans-cda/jeuxDeValeurs/JDV_AntecedentsCSE24_CISIS.xml",
    concepts: &[
        Concept {
            code: "MED-183",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Prématurité inf. à 33 semaines",
        },
        Concept {
            code: "MED-185",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Accident(s) domestique(s) depuis le 9ème mois",
        },
    ],
};

/// `JDV_AntecedentsCSE9_CISIS` (`1.2.250.1.213.1.1.5.103`), 2 concepts.
pub static ANTECEDENTS_CSE9: ValueSet = ValueSet {
    name: "JDV_AntecedentsCSE9_CISIS",
    oid: "1.2.250.1.213.1.1.5.103",
    source: "ans-cda/jeuxDeValeurs/JDV_AntecedentsCSE9_CISIS.xml",
    concepts: &[
        Concept {
            code: "MED-183",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Prématurité inf. à 33 semaines",
        },
        Concept {
            code: "MED-186",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Accident(s) domestique(s) avant le 9ème mois",
        },
    ],
};

/// `JDV_AntecedentsObstetricaux_CISIS` (`1.2.250.1.213.1.1.5.122`), 16 concepts.
pub static ANTECEDENTS_OBSTETRICAUX: ValueSet = ValueSet {
    name: "JDV_AntecedentsObstetricaux_CISIS",
    oid: "1.2.250.1.213.1.1.5.122",
    source: "ans-cda/jeuxDeValeurs/JDV_AntecedentsObstetricaux_CISIS.xml",
    concepts: &[
        Concept {
            code: "8348-5",
            code_system: "2.16.840.1.113883.6.1",
            display_name: "Poids corporel avant grossesse",
        },
        Concept {
            code: "8302-2",
            code_system: "2.16.840.1.113883.6.1",
            display_name: "Taille",
        },
        Concept {
            code: "MED-1184",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Nombre d'enfants nés vivants et décédés avant 28 jours",
        },
        Concept {
            code: "11637-6",
            code_system: "2.16.840.1.113883.6.1",
            display_name: "Nombre d'enfants prématurés (nés avant 37 semaines)",
        },
        Concept {
            code: "11977-6",
            code_system: "2.16.840.1.113883.6.1",
            display_name: "Parité (nombre total d'accouchements y compris actuel)",
        },
        Concept {
            code: "11996-6",
            code_system: "2.16.840.1.113883.6.1",
            display_name: "Gestité (nombre total de grossesses y compris actuelle)",
        },
        Concept {
            code: "O13",
            code_system: "2.16.840.1.113883.6.3",
            display_name: "Hypertension gestationnelle [liée à la grossesse]",
        },
        Concept {
            code: "O14.9",
            code_system: "2.16.840.1.113883.6.3",
            display_name: "Prééclampsie, sans précision",
        },
        Concept {
            code: "O82.9",
            code_system: "2.16.840.1.113883.6.3",
            display_name: "Accouchement par césarienne, sans précision",
        },
        Concept {
            code: "O24.4",
            code_system: "2.16.840.1.113883.6.3",
            display_name: "Diabète sucré survenant au cours de la grossesse",
        },
        Concept {
            code: "MED-159",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Nombre d'enfants pesant moins de 2500 g",
        },
        Concept {
            code: "57062-2",
            code_system: "2.16.840.1.113883.6.1",
            display_name: "Nombre d'enfants mort-nés",
        },
        Concept {
            code: "O99",
            code_system: "2.16.840.1.113883.6.3",
            display_name: "Autres maladies de la mère classées ailleurs, mais compliquant la grossesse, l'accouchement et la puerpéralité",
        },
        Concept {
            code: "75200-6",
            code_system: "2.16.840.1.113883.6.1",
            display_name: "Date de la première consultation (déclaration de grossesse)",
        },
        Concept {
            code: "ORG-077",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Hospitalisation (y compris à domicile)",
        },
        Concept {
            code: "ORG-086",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Motif d'hospitalisation",
        },
    ],
};

/// `JDV_CauseAccidentDom_CISIS` (`1.2.250.1.213.1.1.5.121`), 4 concepts.
pub static CAUSE_ACCIDENT_DOM: ValueSet = ValueSet {
    name: "JDV_CauseAccidentDom_CISIS",
    oid: "1.2.250.1.213.1.1.5.121",
    source: "ans-cda/jeuxDeValeurs/JDV_CauseAccidentDom_CISIS.xml",
    concepts: &[
        Concept {
            code: "NF0A.4",
            code_system: "2.16.840.1.113883.6.347",
            display_name: "Choc traumatique, non classé ailleurs",
        },
        Concept {
            code: "NE2Z",
            code_system: "2.16.840.1.113883.6.347",
            display_name: "Brûlures, sans précision",
        },
        Concept {
            code: "NE61",
            code_system: "2.16.840.1.113883.6.347",
            display_name: "Intoxication SAI",
        },
        Concept {
            code: "GEN-092.01.13",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Autre(s) accident(s) domestique(s)",
        },
    ],
};

/// `JDV_CauseCesarienne_CISIS` (`1.2.250.1.213.1.1.5.116`), 3 concepts.
pub static CAUSE_CESARIENNE: ValueSet = ValueSet {
    name: "JDV_CauseCesarienne_CISIS",
    oid: "1.2.250.1.213.1.1.5.116",
    source: "ans-cda/jeuxDeValeurs/JDV_CauseCesarienne_CISIS.xml",
    concepts: &[
        Concept {
            code: "MED-219",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Cause maternelle",
        },
        Concept {
            code: "MED-210",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Cause fœtale",
        },
        Concept {
            code: "MED-1272",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Cause materno-fœtale",
        },
    ],
};

/// `JDV_Contre_indications_CISIS` (`1.2.250.1.213.1.1.5.659`), 22 concepts.
pub static CONTRE_INDICATIONS: ValueSet = ValueSet {
    name: "JDV_Contre_indications_CISIS",
    oid: "1.2.250.1.213.1.1.5.659",
    source: "ans-cda/jeuxDeValeurs/JDV_Contre_indications_CISIS.xml",
    concepts: &[
        Concept {
            code: "77386006",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "enceinte",
        },
        Concept {
            code: "1260078007",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "Allaitement",
        },
        Concept {
            code: "MED-1105",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Hypersensibilité au PDC iodé",
        },
        Concept {
            code: "N18.9",
            code_system: "2.16.840.1.113883.6.3",
            display_name: "Maladie rénale chronique, sans précision",
        },
        Concept {
            code: "MED-1106",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Hyperthyroidie non traitée",
        },
        Concept {
            code: "MED-1107",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Antécédents chirurgicaux digestifs récents contre-indiquant l’usage de produit baryté et nécessitant l’usage d’un produit hydrosoluble",
        },
        Concept {
            code: "MED-1108",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Hypersensibilité au PDC ultrasonore",
        },
        Concept {
            code: "I50.9",
            code_system: "2.16.840.1.113883.6.3",
            display_name: "Insuffisance cardiaque, sans précision",
        },
        Concept {
            code: "MED-1109",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Patient claustrophobe",
        },
        Concept {
            code: "MED-1110",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Patient porteur de corps étranger ferromagnétique (œil ou autre)",
        },
        Concept {
            code: "MED-1111",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Patient porteur de clips métalliques ou coils intracrâniens",
        },
        Concept {
            code: "MED-1112",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Patient porteur d’un implant cochléaire",
        },
        Concept {
            code: "MED-1113",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Patient porteur d’un neurostimulateur",
        },
        Concept {
            code: "MED-1114",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Patient porteur d’une sonde de dérivation du LCS",
        },
        Concept {
            code: "MED-1115",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Patient porteur d’un capteur implanté",
        },
        Concept {
            code: "MED-1116",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Patient porteur d’une pompe implantée",
        },
        Concept {
            code: "MED-1117",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Patient porteur de Pacemaker",
        },
        Concept {
            code: "MED-1118",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Patient porteur d’une valve cardiaque mécanique",
        },
        Concept {
            code: "MED-1119",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Patient porteur d’un matériel d'orthodontie",
        },
        Concept {
            code: "MED-1120",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Patient porteur d’un stent ou un filtre cave",
        },
        Concept {
            code: "MED-1122",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Hypersensibilité au produit de contraste gadoliné",
        },
        Concept {
            code: "GEN-092.01.20",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Autre contre-indication connue",
        },
    ],
};

/// `JDV_CouvertureSociale_CISIS` (`1.2.250.1.213.1.1.5.125`), 3 concepts.
pub static COUVERTURE_SOCIALE: ValueSet = ValueSet {
    name: "JDV_CouvertureSociale_CISIS",
    oid: "1.2.250.1.213.1.1.5.125",
    source: "ans-cda/jeuxDeValeurs/JDV_CouvertureSociale_CISIS.xml",
    concepts: &[
        Concept {
            code: "GEN-105",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Protection universelle maladie (PUMa)",
        },
        Concept {
            code: "GEN-107",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Aide médicale de l’état (AME)",
        },
        Concept {
            code: "GEN-108",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Aucune",
        },
    ],
};

/// `JDV_DateCons_CISIS` (`1.2.250.1.213.1.1.5.111`), 4 concepts.
pub static DATE_CONS: ValueSet = ValueSet {
    name: "JDV_DateCons_CISIS",
    oid: "1.2.250.1.213.1.1.5.111",
    source: "ans-cda/jeuxDeValeurs/JDV_DateCons_CISIS.xml",
    concepts: &[
        Concept {
            code: "GEN-109",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Non suivie",
        },
        Concept {
            code: "57630001",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "premier trimestre de la grossesse",
        },
        Concept {
            code: "59466002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "deuxième trimestre de la grossesse",
        },
        Concept {
            code: "41587001",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "troisième trimestre de la grossesse",
        },
    ],
};

/// `JDV_DeveloppementPsychomoteur_CS24_CISIS` (`1.2.250.1.213.1.1.5.712`), 3 concepts.
pub static DEVELOPPEMENT_PSYCHOMOTEUR_CS24: ValueSet = ValueSet {
    name: "JDV_DeveloppementPsychomoteur_CS24_CISIS",
    oid: "1.2.250.1.213.1.1.5.712",
    source: "ans-cda/jeuxDeValeurs/JDV_DeveloppementPsychomoteur_CS24_CISIS.xml",
    concepts: &[
        Concept {
            code: "MED-200",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Marche acquise",
        },
        Concept {
            code: "MED-201",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Age de la marche acquise (mois)",
        },
        Concept {
            code: "MED-1274",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Repérage troubles du neurodéveloppement",
        },
    ],
};

/// `JDV_EnfantExposeAuxEcrans_CS24_CISIS` (`1.2.250.1.213.1.1.5.760`), 3 concepts.
pub static ENFANT_EXPOSE_AUX_ECRANS_CS24: ValueSet = ValueSet {
    name: "JDV_EnfantExposeAuxEcrans_CS24_CISIS",
    oid: "1.2.250.1.213.1.1.5.760",
    source: "ans-cda/jeuxDeValeurs/JDV_EnfantExposeAuxEcrans_CS24_CISIS.xml",
    concepts: &[
        Concept {
            code: "GEN-311",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Jamais",
        },
        Concept {
            code: "GEN-312",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "< 1 fois/semaine",
        },
        Concept {
            code: "GEN-313",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: ">= 1 fois/semaine",
        },
    ],
};

/// `JDV_EvenementsAccouchement_CISIS` (`1.2.250.1.213.1.1.5.527`), 9 concepts.
pub static EVENEMENTS_ACCOUCHEMENT: ValueSet = ValueSet {
    name: "JDV_EvenementsAccouchement_CISIS",
    oid: "1.2.250.1.213.1.1.5.527",
    source: "ans-cda/jeuxDeValeurs/JDV_EvenementsAccouchement_CISIS.xml",
    concepts: &[
        Concept {
            code: "55281-0",
            code_system: "2.16.840.1.113883.6.1",
            display_name: "Nombre de fœtus",
        },
        Concept {
            code: "11885-1",
            code_system: "2.16.840.1.113883.6.1",
            display_name: "Age gestationnel (semaines d'amenorrhées révolues)",
        },
        Concept {
            code: "MED-1248",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Présentation fœtale",
        },
        Concept {
            code: "73771-8",
            code_system: "2.16.840.1.113883.6.1",
            display_name: "Rang de naissance",
        },
        Concept {
            code: "MED-166",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Rupture membranaire plus de 12 h avant l'accouchement",
        },
        Concept {
            code: "73813-8",
            code_system: "2.16.840.1.113883.6.1",
            display_name: "Caractéristiques du travail",
        },
        Concept {
            code: "MED-168",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Analgésie au cours du travail",
        },
        Concept {
            code: "57071-3",
            code_system: "2.16.840.1.113883.6.1",
            display_name: "Méthode d'accouchement",
        },
        Concept {
            code: "MED-600",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Cause de la césarienne",
        },
    ],
};

/// `JDV_HL7_ObservationInterpretation_CISIS` (`2.16.840.1.113883.1.11.78`), 39 concepts.
pub static HL7_OBSERVATION_INTERPRETATION: ValueSet = ValueSet {
    name: "JDV_HL7_ObservationInterpretation_CISIS",
    oid: "2.16.840.1.113883.1.11.78",
    source: "ans-cda/jeuxDeValeurs/JDV_HL7_ObservationInterpretation_CISIS.xml",
    concepts: &[
        Concept {
            code: "<",
            code_system: "2.16.840.1.113883.5.83",
            display_name: "Inférieur à la limite de détection",
        },
        Concept {
            code: ">",
            code_system: "2.16.840.1.113883.5.83",
            display_name: "Supérieur à la limite maximale de mesure",
        },
        Concept {
            code: "A",
            code_system: "2.16.840.1.113883.5.83",
            display_name: "Anormal",
        },
        Concept {
            code: "AA",
            code_system: "2.16.840.1.113883.5.83",
            display_name: "Très anormal, alerte",
        },
        Concept {
            code: "B",
            code_system: "2.16.840.1.113883.5.83",
            display_name: "Amélioration",
        },
        Concept {
            code: "CAR",
            code_system: "2.16.840.1.113883.5.83",
            display_name: "Porteur d'une forme altérée d'un gène",
        },
        Concept {
            code: "D",
            code_system: "2.16.840.1.113883.5.83",
            display_name: "Diminution significative par rapport au résultat antérieur",
        },
        Concept {
            code: "DET",
            code_system: "2.16.840.1.113883.5.83",
            display_name: "Détecté",
        },
        Concept {
            code: "E",
            code_system: "2.16.840.1.113883.5.83",
            display_name: "Équivoque",
        },
        Concept {
            code: "EX",
            code_system: "2.16.840.1.113883.5.83",
            display_name: "Hors seuils",
        },
        Concept {
            code: "EXP",
            code_system: "2.16.840.1.113883.5.83",
            display_name: "Attendu",
        },
        Concept {
            code: "H",
            code_system: "2.16.840.1.113883.5.83",
            display_name: "Anormalement haut",
        },
        Concept {
            code: "HH",
            code_system: "2.16.840.1.113883.5.83",
            display_name: "Très anormalement haut, alerte",
        },
        Concept {
            code: "HU",
            code_system: "2.16.840.1.113883.5.83",
            display_name: "Significativement haut",
        },
        Concept {
            code: "HX",
            code_system: "2.16.840.1.113883.5.83",
            display_name: "Hors seuil supérieur",
        },
        Concept {
            code: "I",
            code_system: "2.16.840.1.113883.5.83",
            display_name: "Intermédiaire",
        },
        Concept {
            code: "IE",
            code_system: "2.16.840.1.113883.5.83",
            display_name: "Preuves insuffisantes",
        },
        Concept {
            code: "IND",
            code_system: "2.16.840.1.113883.5.83",
            display_name: "Indéterminé",
        },
        Concept {
            code: "L",
            code_system: "2.16.840.1.113883.5.83",
            display_name: "Anormalement bas",
        },
        Concept {
            code: "LL",
            code_system: "2.16.840.1.113883.5.83",
            display_name: "Très anormalement bas, alerte",
        },
        Concept {
            code: "LU",
            code_system: "2.16.840.1.113883.5.83",
            display_name: "Significativement bas",
        },
        Concept {
            code: "LX",
            code_system: "2.16.840.1.113883.5.83",
            display_name: "Hors seuil inférieur",
        },
        Concept {
            code: "N",
            code_system: "2.16.840.1.113883.5.83",
            display_name: "Normal",
        },
        Concept {
            code: "NCL",
            code_system: "2.16.840.1.113883.5.83",
            display_name: "Pas de standard défini",
        },
        Concept {
            code: "ND",
            code_system: "2.16.840.1.113883.5.83",
            display_name: "Non détecté",
        },
        Concept {
            code: "NEG",
            code_system: "2.16.840.1.113883.5.83",
            display_name: "Négatif",
        },
        Concept {
            code: "NR",
            code_system: "2.16.840.1.113883.5.83",
            display_name: "Non réactif",
        },
        Concept {
            code: "NS",
            code_system: "2.16.840.1.113883.5.83",
            display_name: "Non sensible",
        },
        Concept {
            code: "POS",
            code_system: "2.16.840.1.113883.5.83",
            display_name: "Positif",
        },
        Concept {
            code: "R",
            code_system: "2.16.840.1.113883.5.83",
            display_name: "Résistant",
        },
        Concept {
            code: "RR",
            code_system: "2.16.840.1.113883.5.83",
            display_name: "Réactif",
        },
        Concept {
            code: "S",
            code_system: "2.16.840.1.113883.5.83",
            display_name: "Sensible",
        },
        Concept {
            code: "SDD",
            code_system: "2.16.840.1.113883.5.83",
            display_name: "Sensible à forte dose",
        },
        Concept {
            code: "SYN-R",
            code_system: "2.16.840.1.113883.5.83",
            display_name: "Synergie - résistant",
        },
        Concept {
            code: "SYN-S",
            code_system: "2.16.840.1.113883.5.83",
            display_name: "Synergie - sensible",
        },
        Concept {
            code: "U",
            code_system: "2.16.840.1.113883.5.83",
            display_name: "Augmentation significative par rapport au résultat antérieur",
        },
        Concept {
            code: "UNE",
            code_system: "2.16.840.1.113883.5.83",
            display_name: "Inattendu",
        },
        Concept {
            code: "W",
            code_system: "2.16.840.1.113883.5.83",
            display_name: "Dégradation",
        },
        Concept {
            code: "WR",
            code_system: "2.16.840.1.113883.5.83",
            display_name: "Faiblement réactif",
        },
    ],
};

/// `JDV_ImagerieObjectifsReference_CISIS` (`1.2.250.1.213.1.1.5.672`), 4 concepts.
pub static IMAGERIE_OBJECTIFS_REFERENCE: ValueSet = ValueSet {
    name: "JDV_ImagerieObjectifsReference_CISIS",
    oid: "1.2.250.1.213.1.1.5.672",
    source: "ans-cda/jeuxDeValeurs/JDV_ImagerieObjectifsReference_CISIS.xml",
    concepts: &[
        Concept {
            code: "121079",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "préliminaire",
        },
        Concept {
            code: "121080",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Meilleure illustration de résultat",
        },
        Concept {
            code: "121112",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Source de mesure",
        },
        Concept {
            code: "121200",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Illustration de la ROI",
        },
    ],
};

/// `JDV_LateraliteTechniqueImagerie_CISIS` (`1.2.250.1.213.1.1.5.617`), 2 concepts.
pub static LATERALITE_TECHNIQUE_IMAGERIE: ValueSet = ValueSet {
    name: "JDV_LateraliteTechniqueImagerie_CISIS",
    oid: "1.2.250.1.213.1.1.5.617",
    source: "ans-cda/jeuxDeValeurs/JDV_LateraliteTechniqueImagerie_CISIS.xml",
    concepts: &[
        Concept {
            code: "66459002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "unilatéral",
        },
        Concept {
            code: "51440002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "bilatéral",
        },
    ],
};

/// `JDV_LocalisationAnatomique_CISIS` (`1.2.250.1.213.1.1.5.694`), 357 concepts.
pub static LOCALISATION_ANATOMIQUE: ValueSet = ValueSet {
    name: "JDV_LocalisationAnatomique_CISIS",
    oid: "1.2.250.1.213.1.1.5.694",
    source: "ans-cda/jeuxDeValeurs/JDV_LocalisationAnatomique_CISIS.xml",
    concepts: &[
        Concept {
            code: "302553009",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "abdomen entier",
        },
        Concept {
            code: "244231007",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "aorte abdominale entière",
        },
        Concept {
            code: "897132006",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "segment transverse abdominal entier du tronc",
        },
        Concept {
            code: "822978001",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "cavité abdominopelvienne entière",
        },
        Concept {
            code: "182166001",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "articulation acromioclaviculaire entière",
        },
        Concept {
            code: "181127006",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "glande suprarénale entière",
        },
        Concept {
            code: "361292008",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "région entière de la cheville",
        },
        Concept {
            code: "399978003",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "veine cubitale antérieure entière",
        },
        Concept {
            code: "43967001",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "veine cardiaque antérieure entière",
        },
        Concept {
            code: "181309000",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère cérébrale antérieure entière",
        },
        Concept {
            code: "181311009",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère communicante antérieure entière",
        },
        Concept {
            code: "181329004",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère vertébrale antérieure entière",
        },
        Concept {
            code: "181357006",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère tibiale antérieure entière",
        },
        Concept {
            code: "181262009",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "anus entier",
        },
        Concept {
            code: "181298001",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "aorte entière",
        },
        Concept {
            code: "181300001",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "arc aortique entier",
        },
        Concept {
            code: "264843009",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "apex entier du ventricule gauche",
        },
        Concept {
            code: "314790003",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "apex pulmonaire entier",
        },
        Concept {
            code: "264913008",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "apex entier du ventricule droit",
        },
        Concept {
            code: "181255000",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "appendice entier",
        },
        Concept {
            code: "730364005",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "zone entière du conduit auditif interne",
        },
        Concept {
            code: "362877004",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère entière",
        },
        Concept {
            code: "244324006",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère entière d'un membre inférieur",
        },
        Concept {
            code: "244310007",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère entière d'un membre supérieur",
        },
        Concept {
            code: "181299009",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "aorte ascendante entière",
        },
        Concept {
            code: "362162009",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "côlon ascendant entier",
        },
        Concept {
            code: "261405004",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "oreillette cardiaque entière",
        },
        Concept {
            code: "181321001",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère axillaire entière",
        },
        Concept {
            code: "362732006",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "région axillaire entière",
        },
        Concept {
            code: "181389002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "veine axillaire entière",
        },
        Concept {
            code: "244407004",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "veine azygos entière",
        },
        Concept {
            code: "244215004",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère basilaire entière",
        },
        Concept {
            code: "276157007",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "conduit biliaire entier",
        },
        Concept {
            code: "181267003",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "voies biliaires entières",
        },
        Concept {
            code: "361097006",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "vaisseau sanguin entier",
        },
        Concept {
            code: "38266002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "corps entier",
        },
        Concept {
            code: "346902003",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "conduit corporel entier",
        },
        Concept {
            code: "731691008",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "coccyx entier",
        },
        Concept {
            code: "731717004",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "crâne entier",
        },
        Concept {
            code: "731698002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "fémur entier",
        },
        Concept {
            code: "731660002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "ilion entier",
        },
        Concept {
            code: "361370006",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "os entier du membre inférieur",
        },
        Concept {
            code: "731690009",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "patella entière",
        },
        Concept {
            code: "368532003",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "os entier du membre supérieur",
        },
        Concept {
            code: "731684005",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "sacrum entier",
        },
        Concept {
            code: "730852007",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "veine perforante de Boyd entière",
        },
        Concept {
            code: "181322008",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère brachiale entière",
        },
        Concept {
            code: "181002002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "plexus brachial entier",
        },
        Concept {
            code: "181390006",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "veine brachiale entière",
        },
        Concept {
            code: "244244002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "tronc artériel brachiocéphalique entier",
        },
        Concept {
            code: "181371003",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "veine brachiocéphalique entière",
        },
        Concept {
            code: "258335003",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "encéphale entier",
        },
        Concept {
            code: "181131000",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "sein entier",
        },
        Concept {
            code: "362723009",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "ligament large entier",
        },
        Concept {
            code: "181215002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "bronche entière",
        },
        Concept {
            code: "244247009",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère bronchique entière",
        },
        Concept {
            code: "362677002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "fesse entière",
        },
        Concept {
            code: "182099002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "calcanéum entier",
        },
        Concept {
            code: "244015008",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "mollet entier",
        },
        Concept {
            code: "276832000",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "calice rénal entier",
        },
        Concept {
            code: "277699000",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "ventricule cardiaque entier",
        },
        Concept {
            code: "362040006",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère carotide entière",
        },
        Concept {
            code: "281137000",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "sinus carotidien entier",
        },
        Concept {
            code: "897047000",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "cavité entière du grand bassin",
        },
        Concept {
            code: "818953007",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "cavité entière du petit bassin",
        },
        Concept {
            code: "181340007",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "tronc cœliaque entier",
        },
        Concept {
            code: "181391005",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "veine céphalique entière",
        },
        Concept {
            code: "180924008",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "cervelet entier",
        },
        Concept {
            code: "181308008",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère cérébrale entière",
        },
        Concept {
            code: "278251007",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "hémisphère cérébral entier",
        },
        Concept {
            code: "870632003",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère cervicale entière",
        },
        Concept {
            code: "361684008",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "colonne vertébrale cervicale entière",
        },
        Concept {
            code: "1145015006",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "jonction cervicothoracique vertébrale entière",
        },
        Concept {
            code: "181453009",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "col utérin entier",
        },
        Concept {
            code: "182325008",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "joue entière",
        },
        Concept {
            code: "181608004",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "paroi thoracique entière",
        },
        Concept {
            code: "264450003",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "plexus choroïde entier",
        },
        Concept {
            code: "362047009",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "cercle de Willis entier",
        },
        Concept {
            code: "181910004",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "clavicule entière",
        },
        Concept {
            code: "302508007",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "côlon entier",
        },
        Concept {
            code: "362199009",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "conduit biliaire commun entier",
        },
        Concept {
            code: "362041005",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère carotide commune entière",
        },
        Concept {
            code: "727608008",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère fémorale commune entière",
        },
        Concept {
            code: "732146000",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "veine fémorale commune entière",
        },
        Concept {
            code: "362050007",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère iliaque commune entière",
        },
        Concept {
            code: "181398004",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "veine iliaque commune entière",
        },
        Concept {
            code: "181162001",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "cornée entière",
        },
        Concept {
            code: "181294004",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère coronaire entière",
        },
        Concept {
            code: "244386006",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "sinus coronaire entier",
        },
        Concept {
            code: "264452006",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "cavité crânienne entière",
        },
        Concept {
            code: "728315009",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "denture entière",
        },
        Concept {
            code: "362165006",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "côlon descendant entier",
        },
        Concept {
            code: "181301002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "aorte thoracique descendante entière",
        },
        Concept {
            code: "731977000",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "tube digestif entier",
        },
        Concept {
            code: "730855009",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "veine perforante de Dodd entière",
        },
        Concept {
            code: "181247007",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "duodénum entier",
        },
        Concept {
            code: "1910005",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "oreille entière",
        },
        Concept {
            code: "76248009",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "région entière du coude",
        },
        Concept {
            code: "362257002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "cavité utérine entière",
        },
        Concept {
            code: "278867007",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "endomètre entier",
        },
        Concept {
            code: "181432000",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "épididyme entier",
        },
        Concept {
            code: "362693006",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "région épigastrique entière",
        },
        Concept {
            code: "181245004",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "œsophage entier",
        },
        Concept {
            code: "181178004",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "conduit auditif externe entier",
        },
        Concept {
            code: "362044002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère carotide externe entière",
        },
        Concept {
            code: "181352000",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère iliaque externe entière",
        },
        Concept {
            code: "181400000",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "veine iliaque externe entière",
        },
        Concept {
            code: "181373000",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "veine jugulaire externe entière",
        },
        Concept {
            code: "244486005",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "œil entier",
        },
        Concept {
            code: "732141005",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "région oculaire entière",
        },
        Concept {
            code: "265782007",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "paupière entière",
        },
        Concept {
            code: "302549007",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "face entière",
        },
        Concept {
            code: "181328007",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère faciale entière",
        },
        Concept {
            code: "181799005",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "ossature entière de la face",
        },
        Concept {
            code: "181463001",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "salpinx entier",
        },
        Concept {
            code: "244332003",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère fémorale entière",
        },
        Concept {
            code: "362071002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "veine fémorale entière",
        },
        Concept {
            code: "302529003",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "fibula entière",
        },
        Concept {
            code: "302541005",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "doigt entier de la main, sauf le pouce",
        },
        Concept {
            code: "362673003",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "flanc entier",
        },
        Concept {
            code: "272681004",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "fontanelle crânienne entière",
        },
        Concept {
            code: "302545001",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "pied entier",
        },
        Concept {
            code: "362741001",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "avant-bras entier",
        },
        Concept {
            code: "180932000",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "quatrième ventricule cérébral entier",
        },
        Concept {
            code: "181269000",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "vésicule biliaire entière",
        },
        Concept {
            code: "281060006",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "veine gastrique entière",
        },
        Concept {
            code: "244333008",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère géniculée entière",
        },
        Concept {
            code: "277728005",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "grande veine cardiaque entière",
        },
        Concept {
            code: "302546000",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "hallux entier",
        },
        Concept {
            code: "302539009",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "main entière",
        },
        Concept {
            code: "302548004",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "tête entière",
        },
        Concept {
            code: "302509004",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "cœur entier",
        },
        Concept {
            code: "727223007",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère entière du foie",
        },
        Concept {
            code: "278191001",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "veine hépatique entière",
        },
        Concept {
            code: "302543008",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "région entière de la hanche",
        },
        Concept {
            code: "181923006",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "humérus entier",
        },
        Concept {
            code: "730856005",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "veine perforante hunterienne entière",
        },
        Concept {
            code: "182339008",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "région entière de l'hypochondre",
        },
        Concept {
            code: "182348003",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "région hypogastrique entière",
        },
        Concept {
            code: "281490009",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "partie laryngée entière du pharynx",
        },
        Concept {
            code: "181249005",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "iléon entier",
        },
        Concept {
            code: "244330006",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère iliaque entière",
        },
        Concept {
            code: "732003000",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "veine iliaque entière",
        },
        Concept {
            code: "278013002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "veine pulmonaire inférieure gauche entière",
        },
        Concept {
            code: "181341006",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère mésentérique inférieure entière",
        },
        Concept {
            code: "278012007",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "veine pulmonaire inférieure droite entière",
        },
        Concept {
            code: "181369003",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "veine cave inférieure entière",
        },
        Concept {
            code: "278960008",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "voie afférente entière du ventricule gauche",
        },
        Concept {
            code: "278950004",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "voie afférente entière du ventricule droit",
        },
        Concept {
            code: "204747008",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "angle infrasternal entier",
        },
        Concept {
            code: "243962005",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "région inguinale entière",
        },
        Concept {
            code: "181189006",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "oreille interne entière",
        },
        Concept {
            code: "182176003",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "articulation entière du carpe",
        },
        Concept {
            code: "361734005",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "conduit auditif interne entier de l'os temporal",
        },
        Concept {
            code: "362045001",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère carotide interne entière",
        },
        Concept {
            code: "181346001",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère iliaque interne entière",
        },
        Concept {
            code: "181372005",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "veine jugulaire interne entière",
        },
        Concept {
            code: "361929003",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "partie interne entière du nez",
        },
        Concept {
            code: "244239009",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère thoracique interne entière",
        },
        Concept {
            code: "182221001",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "articulation entière du tarse",
        },
        Concept {
            code: "244391007",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "veine intracrânienne entière",
        },
        Concept {
            code: "181811001",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "région entière de la mâchoire",
        },
        Concept {
            code: "181248002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "jéjunum entier",
        },
        Concept {
            code: "302536002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "articulation entière",
        },
        Concept {
            code: "279160004",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "incisure jugulaire du sternum entière",
        },
        Concept {
            code: "181414000",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "rein entier",
        },
        Concept {
            code: "361291001",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "région entière du genou",
        },
        Concept {
            code: "369324002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère lacrymale entière",
        },
        Concept {
            code: "181254001",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "gros intestin entier",
        },
        Concept {
            code: "181212004",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "larynx entier",
        },
        Concept {
            code: "180930008",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "ventricule latéral entier",
        },
        Concept {
            code: "244387002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "atrium gauche entier",
        },
        Concept {
            code: "277930000",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "appendice atrial gauche entier",
        },
        Concept {
            code: "244385005",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "ventricule cardiaque gauche entier",
        },
        Concept {
            code: "55188000",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "veine hépatique gauche entière",
        },
        Concept {
            code: "304374005",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "branche principale gauche entière de la veine porte",
        },
        Concept {
            code: "243972008",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "bourse omentale entière",
        },
        Concept {
            code: "243996003",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "membre entier",
        },
        Concept {
            code: "181327002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère linguale entière",
        },
        Concept {
            code: "181268008",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "foie entier",
        },
        Concept {
            code: "181402008",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "veine saphène interne entière",
        },
        Concept {
            code: "243406001",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "quadrant abdominal inférieur entier",
        },
        Concept {
            code: "181135009",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "quadrant mammaire inféro-interne entier",
        },
        Concept {
            code: "362793004",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "partie inférieure entière de la jambe, du genou à la cheville",
        },
        Concept {
            code: "182281004",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "membre inférieur entier",
        },
        Concept {
            code: "181136005",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "quadrant mammaire inféroexterne entier",
        },
        Concept {
            code: "181420004",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "voies urinaires inférieures entières",
        },
        Concept {
            code: "244285007",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère lombaire entière",
        },
        Concept {
            code: "1017226003",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "région lombaire entière",
        },
        Concept {
            code: "302506006",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "plexus lombaire entier",
        },
        Concept {
            code: "361686005",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "colonne vertébrale lombaire entière",
        },
        Concept {
            code: "1145016007",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "jonction lombosacrée vertébrale entière",
        },
        Concept {
            code: "727322004",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "lumière entière d'un vaisseau sanguin",
        },
        Concept {
            code: "181216001",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "poumon entier",
        },
        Concept {
            code: "181756000",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "nœud lymphatique entier",
        },
        Concept {
            code: "362715007",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "grand bassin entier",
        },
        Concept {
            code: "181812008",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "mandibule entière",
        },
        Concept {
            code: "265784008",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "mastoïde entière",
        },
        Concept {
            code: "181813003",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "maxillaire entier",
        },
        Concept {
            code: "181217005",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "médiastin entier",
        },
        Concept {
            code: "281084003",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère mésentérique entière",
        },
        Concept {
            code: "304045008",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "veine mésentérique entière",
        },
        Concept {
            code: "280995004",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "articulation métacarpophalangienne entière",
        },
        Concept {
            code: "302535003",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "articulation métatarsophalangienne entière",
        },
        Concept {
            code: "181312002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère cérébrale moyenne entière",
        },
        Concept {
            code: "54895000",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "veine hépatique moyenne entière",
        },
        Concept {
            code: "362717004",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "petit bassin entier",
        },
        Concept {
            code: "21082005",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "région entière de la bouche",
        },
        Concept {
            code: "770866008",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "matrice entière de l'ongle",
        },
        Concept {
            code: "770803002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "ongle entier",
        },
        Concept {
            code: "181801008",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "os nasal entier",
        },
        Concept {
            code: "181203001",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "sinus paranasal entier",
        },
        Concept {
            code: "179072008",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "cavité nasopharyngée entière",
        },
        Concept {
            code: "181200003",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "nasopharynx entier",
        },
        Concept {
            code: "302550007",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "cou entier",
        },
        Concept {
            code: "256864008",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "nerf entier",
        },
        Concept {
            code: "181195007",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "nez entier",
        },
        Concept {
            code: "244219005",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère occipitale entière",
        },
        Concept {
            code: "150289003",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "veine occipitale entière",
        },
        Concept {
            code: "362710002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "omentum entier",
        },
        Concept {
            code: "181310005",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère ophtalmique entière",
        },
        Concept {
            code: "361732009",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "canal optique entier",
        },
        Concept {
            code: "363657000",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "orbite entière proprement dite",
        },
        Concept {
            code: "272683001",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "os zygomatique entier",
        },
        Concept {
            code: "264070001",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "voie efférente entière du ventricule gauche",
        },
        Concept {
            code: "264183003",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "voie efférente entière du ventricule droit",
        },
        Concept {
            code: "181464007",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "ovaire entier",
        },
        Concept {
            code: "181277001",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "pancréas entier",
        },
        Concept {
            code: "181278006",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "conduit pancréatique entier",
        },
        Concept {
            code: "279232005",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "région parasternale entière",
        },
        Concept {
            code: "181121007",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "glande parathyroïde entière",
        },
        Concept {
            code: "181234002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "glande parotide entière",
        },
        Concept {
            code: "816977005",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "segment transverse pelvien entier du tronc",
        },
        Concept {
            code: "229765004",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "pelvis entier",
        },
        Concept {
            code: "731160001",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère pénienne entière",
        },
        Concept {
            code: "265793009",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "pénis entier",
        },
        Concept {
            code: "243990009",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "périnée entier",
        },
        Concept {
            code: "181359009",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère péronière entière",
        },
        Concept {
            code: "181211006",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "pharynx entier",
        },
        Concept {
            code: "264194004",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "fosse hypophysaire entière",
        },
        Concept {
            code: "181125003",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "hypophyse entière",
        },
        Concept {
            code: "181455002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "placenta entier",
        },
        Concept {
            code: "181350008",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère poplitée entière",
        },
        Concept {
            code: "731976009",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "fosse poplitée entière",
        },
        Concept {
            code: "281065001",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "veine poplitée entière",
        },
        Concept {
            code: "362064007",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "veine porte entière",
        },
        Concept {
            code: "181313007",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère cérébrale postérieure entière",
        },
        Concept {
            code: "181314001",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère communicante postérieure entière",
        },
        Concept {
            code: "727505000",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "affluent médial postérieur entier du système veineux superficiel du membre inférieur",
        },
        Concept {
            code: "181358001",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère tibiale postérieure entière",
        },
        Concept {
            code: "60477001",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "veine postérieure entière du ventricule gauche",
        },
        Concept {
            code: "361317000",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "aorte primitive entière",
        },
        Concept {
            code: "198813007",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère pulmonaire primitive entière",
        },
        Concept {
            code: "181348000",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère fémorale profonde entière",
        },
        Concept {
            code: "302640003",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "veine fémorale profonde entière",
        },
        Concept {
            code: "181422007",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "prostate entière",
        },
        Concept {
            code: "181380003",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère pulmonaire entière",
        },
        Concept {
            code: "181332001",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère radiale entière",
        },
        Concept {
            code: "182178002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "articulation radiocarpienne entière",
        },
        Concept {
            code: "181940002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "radius entier",
        },
        Concept {
            code: "181447009",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "cul-de-sac recto-utérin entier",
        },
        Concept {
            code: "181261002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "rectum entier",
        },
        Concept {
            code: "243984005",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "région de l'espace rétropéritonéal en entier",
        },
        Concept {
            code: "181339005",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère rénale entière",
        },
        Concept {
            code: "362221007",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "pelvis rénal entier",
        },
        Concept {
            code: "181370002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "veine rénale entière",
        },
        Concept {
            code: "302523002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "côte entière",
        },
        Concept {
            code: "244383003",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "oreillette droite entière",
        },
        Concept {
            code: "277713005",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "appendice auriculaire droit entier",
        },
        Concept {
            code: "244384009",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "ventricule cardiaque droit entier",
        },
        Concept {
            code: "18135006",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "veine hépatique droite entière",
        },
        Concept {
            code: "304375006",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "branche principale droite entière de la veine porte",
        },
        Concept {
            code: "730859003",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "poche de Rutherford Morison entière",
        },
        Concept {
            code: "182199004",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "articulation sacro-iliaque entière",
        },
        Concept {
            code: "244414002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "jonction saphénofémorale entière",
        },
        Concept {
            code: "732135003",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "veine saphène entière",
        },
        Concept {
            code: "181480002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "cuir chevelu entier",
        },
        Concept {
            code: "302517007",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "scapula entière",
        },
        Concept {
            code: "181163006",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "sclère entière",
        },
        Concept {
            code: "265794003",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "scrotum entier",
        },
        Concept {
            code: "181434004",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "vésicule séminale entière",
        },
        Concept {
            code: "1163304004",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "ganglion sentinelle entier",
        },
        Concept {
            code: "244675002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "os sésamoïde entier du pied",
        },
        Concept {
            code: "361103004",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "région entière de l'épaule",
        },
        Concept {
            code: "362166007",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "côlon sigmoïde entier",
        },
        Concept {
            code: "245012000",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "muscle squelettique entier du membre inférieur",
        },
        Concept {
            code: "244978002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "muscle squelettique entier du membre supérieur",
        },
        Concept {
            code: "361378004",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "squelette entier",
        },
        Concept {
            code: "181250005",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "intestin grêle entier",
        },
        Concept {
            code: "180959008",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "moelle spinale entière",
        },
        Concept {
            code: "181279003",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "rate entière",
        },
        Concept {
            code: "244266009",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère splénique entière",
        },
        Concept {
            code: "278029005",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "veine splénique entière",
        },
        Concept {
            code: "182165002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "articulation sternoclaviculaire entière",
        },
        Concept {
            code: "302522007",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "sternum entier",
        },
        Concept {
            code: "181246003",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "estomac entier",
        },
        Concept {
            code: "265790007",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère subclavière entière",
        },
        Concept {
            code: "181388005",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "veine subclavière entière",
        },
        Concept {
            code: "361357002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "zone sous-mandibulaire entière",
        },
        Concept {
            code: "727093009",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "appareil salivaire sous-maxillaire entier",
        },
        Concept {
            code: "362635002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "trigone submental entier",
        },
        Concept {
            code: "727609000",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère fémorale superficielle entière",
        },
        Concept {
            code: "732147009",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "veine fémorale superficielle entière",
        },
        Concept {
            code: "181325005",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère temporale superficielle entière",
        },
        Concept {
            code: "278014008",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "veine pulmonaire supérieure gauche entière",
        },
        Concept {
            code: "362048004",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère mésentérique supérieure entière",
        },
        Concept {
            code: "278011000",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "veine pulmonaire supérieure droite entière",
        },
        Concept {
            code: "244218002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère thyroïdienne supérieure entière",
        },
        Concept {
            code: "181368006",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "veine cave supérieure entière",
        },
        Concept {
            code: "362656000",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "région supraclaviculaire entière du cou",
        },
        Concept {
            code: "181795004",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "os temporal entier",
        },
        Concept {
            code: "181814009",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "articulation temporomandibulaire entière",
        },
        Concept {
            code: "181431007",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "testicule entier",
        },
        Concept {
            code: "244433007",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "thalamus entier",
        },
        Concept {
            code: "302544002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "cuisse entière",
        },
        Concept {
            code: "180931007",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "troisième ventricule cérébral entier",
        },
        Concept {
            code: "302510009",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "aorte thoracique entière",
        },
        Concept {
            code: "243949006",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "cavité thoracique entière",
        },
        Concept {
            code: "243931006",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "colonne thoracique entière",
        },
        Concept {
            code: "1145018008",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "jonction thoracolombaire vertébrale entière",
        },
        Concept {
            code: "302551006",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "thorax entier",
        },
        Concept {
            code: "302540006",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "pouce entier",
        },
        Concept {
            code: "118507000",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "thymus entier",
        },
        Concept {
            code: "181117000",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "glande thyroïde entière",
        },
        Concept {
            code: "182061009",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "tibia entier",
        },
        Concept {
            code: "302547009",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "orteil entier",
        },
        Concept {
            code: "181226008",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "langue entière",
        },
        Concept {
            code: "302214001",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "dent entière",
        },
        Concept {
            code: "181213009",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "trachée entière",
        },
        Concept {
            code: "362163004",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "côlon transverse entier",
        },
        Concept {
            code: "181948009",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "ulna entier",
        },
        Concept {
            code: "181333006",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère ulnaire entière",
        },
        Concept {
            code: "261404000",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère ombilicale entière",
        },
        Concept {
            code: "61660003",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "portion ombilicale entière de la veine porte",
        },
        Concept {
            code: "243961003",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "région ombilicale entière",
        },
        Concept {
            code: "243382001",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "quadrant abdominal supérieur entier",
        },
        Concept {
            code: "302538001",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "partie supérieure entière du bras, de l'épaule au coude",
        },
        Concept {
            code: "181132007",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "quadrant mammaire supéro-interne entier",
        },
        Concept {
            code: "182245002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "membre supérieur entier",
        },
        Concept {
            code: "181134008",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "quadrant mammaire supéroexterne entier",
        },
        Concept {
            code: "731430002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "voies urinaires supérieures entières proprement dites",
        },
        Concept {
            code: "302511008",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "uretère entier",
        },
        Concept {
            code: "302513006",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "urètre entier",
        },
        Concept {
            code: "302512001",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "vessie entière",
        },
        Concept {
            code: "279405003",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "cavité entière de la vessie",
        },
        Concept {
            code: "181452004",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "utérus entier",
        },
        Concept {
            code: "181441005",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "vagin entier",
        },
        Concept {
            code: "181367001",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "veine entière",
        },
        Concept {
            code: "430160002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "veine pulmonaire entière",
        },
        Concept {
            code: "322151008",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "réseau veineux entier",
        },
        Concept {
            code: "181323003",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "artère vertébrale entière",
        },
        Concept {
            code: "44300000",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "colonne vertébrale entière",
        },
        Concept {
            code: "265796001",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "vulve entière",
        },
        Concept {
            code: "822993002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "paroi abdominale entière",
        },
        Concept {
            code: "361289009",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "région entière du poignet",
        },
        Concept {
            code: "127962001",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "diverticule de l'iléon",
        },
        Concept {
            code: "39937001",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "peau",
        },
    ],
};

/// `JDV_MethodeAccouchement_CISIS` (`1.2.250.1.213.1.1.5.115`), 4 concepts.
pub static METHODE_ACCOUCHEMENT: ValueSet = ValueSet {
    name: "JDV_MethodeAccouchement_CISIS",
    oid: "1.2.250.1.213.1.1.5.115",
    source: "ans-cda/jeuxDeValeurs/JDV_MethodeAccouchement_CISIS.xml",
    concepts: &[
        Concept {
            code: "700000006",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "voie basse spontanée",
        },
        Concept {
            code: "MED-1273",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Césarienne programmée",
        },
        Concept {
            code: "MED-1253",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Césarienne pendant travail",
        },
        Concept {
            code: "236974004",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "voie basse instrumentale",
        },
    ],
};

/// `JDV_ModaliteAcquisition_CISIS` (`1.2.250.1.213.1.1.5.618`), 49 concepts.
pub static MODALITE_ACQUISITION: ValueSet = ValueSet {
    name: "JDV_ModaliteAcquisition_CISIS",
    oid: "1.2.250.1.213.1.1.5.618",
    source: "ans-cda/jeuxDeValeurs/JDV_ModaliteAcquisition_CISIS.xml",
    concepts: &[
        Concept {
            code: "AR",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Autoréfraction",
        },
        Concept {
            code: "BDUS",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Échodensitométrie osseuse",
        },
        Concept {
            code: "BI",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Imagerie biomagnétique",
        },
        Concept {
            code: "BMD",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Ostéodensitométrie",
        },
        Concept {
            code: "CR",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Radiographie assistée par ordinateur",
        },
        Concept {
            code: "CT",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Tomodensitométrie",
        },
        Concept {
            code: "DG",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Diaphanographie",
        },
        Concept {
            code: "DMS",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Dermoscopie",
        },
        Concept {
            code: "DX",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Radiographie numérique",
        },
        Concept {
            code: "ECG",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Électrocardiographie",
        },
        Concept {
            code: "EEG",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Électroencéphalographie",
        },
        Concept {
            code: "EMG",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Électromyographie",
        },
        Concept {
            code: "EOG",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Électrooculographie",
        },
        Concept {
            code: "EPS",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Électrophysiologie cardiaque",
        },
        Concept {
            code: "ES",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Endoscopie",
        },
        Concept {
            code: "GM",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Microscopie générale",
        },
        Concept {
            code: "HD",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Onde hémodynamique",
        },
        Concept {
            code: "IO",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Radiographie intrabuccale",
        },
        Concept {
            code: "IVOCT",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Tomographie par cohérence optique intravasculaire",
        },
        Concept {
            code: "IVUS",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Ultrasonore intravasculaire",
        },
        Concept {
            code: "KER",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Kératométrie",
        },
        Concept {
            code: "LEN",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Lensométrie",
        },
        Concept {
            code: "LS",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Scan laser",
        },
        Concept {
            code: "MG",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Mammographie",
        },
        Concept {
            code: "MR",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Résonance magnétique",
        },
        Concept {
            code: "NM",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Médecine nucléaire",
        },
        Concept {
            code: "OAM",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Mesures axiales ophtalmiques",
        },
        Concept {
            code: "OCT",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Tomographie à cohérence optique",
        },
        Concept {
            code: "OP",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Photographique ophtalmique",
        },
        Concept {
            code: "OPM",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Cartographie ophtalmique",
        },
        Concept {
            code: "OPT",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Tomographie ophtalmique",
        },
        Concept {
            code: "OPTBSV",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Tomographie ophtalmique B-scan analyse de volume",
        },
        Concept {
            code: "OPTENF",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Tomographie ophtalmique en face",
        },
        Concept {
            code: "OPV",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Champ visuel ophtalmique",
        },
        Concept {
            code: "OSS",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Scanner optique de surface",
        },
        Concept {
            code: "POS",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Détecteur de position",
        },
        Concept {
            code: "PT",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "TEP : Tomographie par émission de positons",
        },
        Concept {
            code: "PX",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Panaromique X-Ray",
        },
        Concept {
            code: "RESP",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Onde respiratoire",
        },
        Concept {
            code: "RF",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Radio-fluoroscopie",
        },
        Concept {
            code: "RG",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Imagerie radiographique",
        },
        Concept {
            code: "RTIMAGE",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Image RT",
        },
        Concept {
            code: "SM",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Microscopie à lames",
        },
        Concept {
            code: "SRF",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Réfraction subjective",
        },
        Concept {
            code: "TG",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Thermographie",
        },
        Concept {
            code: "US",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Échographie",
        },
        Concept {
            code: "VA",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Acuité visuelle",
        },
        Concept {
            code: "XA",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Angiographie X-Ray",
        },
        Concept {
            code: "XC",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Caméra de photographie externe",
        },
    ],
};

/// `JDV_ModaliteEntree_CISIS` (`1.2.250.1.213.1.1.5.73`), 4 concepts.
pub static MODALITE_ENTREE: ValueSet = ValueSet {
    name: "JDV_ModaliteEntree_CISIS",
    oid: "1.2.250.1.213.1.1.5.73",
    source: "ans-cda/jeuxDeValeurs/JDV_ModaliteEntree_CISIS.xml",
    concepts: &[
        Concept {
            code: "183452005",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "hospitalisation en urgence",
        },
        Concept {
            code: "8715000",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "hospitalisation programmée",
        },
        Concept {
            code: "107724000",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "transfert du patient",
        },
        Concept {
            code: "GEN-092.06.07",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Autre modalité d'entrée",
        },
    ],
};

/// `JDV_ModeDebutTravail_CISIS` (`1.2.250.1.213.1.1.5.113`), 3 concepts.
pub static MODE_DEBUT_TRAVAIL: ValueSet = ValueSet {
    name: "JDV_ModeDebutTravail_CISIS",
    oid: "1.2.250.1.213.1.1.5.113",
    source: "ans-cda/jeuxDeValeurs/JDV_ModeDebutTravail_CISIS.xml",
    concepts: &[
        Concept {
            code: "84457005",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "déclenchement spontané du travail",
        },
        Concept {
            code: "112070001",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "déclenchement provoqué du travail",
        },
        Concept {
            code: "11466000",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "césarienne",
        },
    ],
};

/// `JDV_MotifHospitalisationCSE_CISIS` (`1.2.250.1.213.1.1.5.681`), 4 concepts.
pub static MOTIF_HOSPITALISATION_CSE: ValueSet = ValueSet {
    name: "JDV_MotifHospitalisationCSE_CISIS",
    oid: "1.2.250.1.213.1.1.5.681",
    source: "ans-cda/jeuxDeValeurs/JDV_MotifHospitalisationCSE_CISIS.xml",
    concepts: &[
        Concept {
            code: "P05.0",
            code_system: "2.16.840.1.113883.6.3",
            display_name: "Faible poids pour l'âge gestationnel",
        },
        Concept {
            code: "O13",
            code_system: "2.16.840.1.113883.6.3",
            display_name: "Hypertension gestationnelle [liée à la grossesse]",
        },
        Concept {
            code: "O47.0",
            code_system: "2.16.840.1.113883.6.3",
            display_name: "Faux travail avant 37 semaines révolues de gestation",
        },
        Concept {
            code: "GEN-092.01.08",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Autre motif d'hospitalisation",
        },
    ],
};

/// `JDV_NiveauEtude_CISIS` (`1.2.250.1.213.1.1.5.108`), 5 concepts.
pub static NIVEAU_ETUDE: ValueSet = ValueSet {
    name: "JDV_NiveauEtude_CISIS",
    oid: "1.2.250.1.213.1.1.5.108",
    source: "ans-cda/jeuxDeValeurs/JDV_NiveauEtude_CISIS.xml",
    concepts: &[
        Concept {
            code: "PAT-035",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Ecole primaire",
        },
        Concept {
            code: "PAT-036",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Collège",
        },
        Concept {
            code: "PAT-037",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Lycée",
        },
        Concept {
            code: "PAT-038",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Bac +1 ou +2",
        },
        Concept {
            code: "PAT-039",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Bac +3 et +",
        },
    ],
};

/// `JDV_Profession_CISIS` (`1.2.250.1.213.1.1.5.109`), 6 concepts.
pub static PROFESSION: ValueSet = ValueSet {
    name: "JDV_Profession_CISIS",
    oid: "1.2.250.1.213.1.1.5.109",
    source: "ans-cda/jeuxDeValeurs/JDV_Profession_CISIS.xml",
    concepts: &[
        Concept {
            code: "1",
            code_system: "1.2.250.1.213.2.13",
            display_name: "Agriculteur exploitant",
        },
        Concept {
            code: "2",
            code_system: "1.2.250.1.213.2.13",
            display_name: "Artisan, commerçant ou chef d'entreprise",
        },
        Concept {
            code: "3",
            code_system: "1.2.250.1.213.2.13",
            display_name: "Cadre ou profession intellectuelle supérieure",
        },
        Concept {
            code: "4",
            code_system: "1.2.250.1.213.2.13",
            display_name: "Profession intermédiaire",
        },
        Concept {
            code: "5",
            code_system: "1.2.250.1.213.2.13",
            display_name: "Employé",
        },
        Concept {
            code: "6",
            code_system: "1.2.250.1.213.2.13",
            display_name: "Ouvrier",
        },
    ],
};

/// `JDV_QuantiteExpositionRayonnements_CISIS` (`1.2.250.1.213.1.1.5.620`), 11 concepts.
pub static QUANTITE_EXPOSITION_RAYONNEMENTS: ValueSet = ValueSet {
    name: "JDV_QuantiteExpositionRayonnements_CISIS",
    oid: "1.2.250.1.213.1.1.5.620",
    source: "ans-cda/jeuxDeValeurs/JDV_QuantiteExpositionRayonnements_CISIS.xml",
    concepts: &[
        Concept {
            code: "111636",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Dose dans l'air à l'entrée du patient (Kerma dans l'air)",
        },
        Concept {
            code: "111637",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "DGM total : Dose Glandulaire Moyenne Total",
        },
        Concept {
            code: "113722",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "PDS Total : Produit Dose Surface Total",
        },
        Concept {
            code: "113726",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "PDS de Scopie Total : Produit Dose Surface de Scopie Total",
        },
        Concept {
            code: "113727",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "PDS de Graphie Total : Produit Dose Surface de Graphie Total",
        },
        Concept {
            code: "113730",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Temps total de scopie",
        },
        Concept {
            code: "113731",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Nombre total d’images radiographiques",
        },
        Concept {
            code: "113507",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "Activité administrée",
        },
        Concept {
            code: "113813",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "PDL Total : Produit Dose Longueur Total",
        },
        Concept {
            code: "113830",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "IDSV Moyen : Indice de Dose Scanographique Volumique",
        },
        Concept {
            code: "113839",
            code_system: "1.2.840.10008.2.16.4",
            display_name: "E : Dose efficace",
        },
    ],
};

/// `JDV_RechAgHbS_CISIS` (`1.2.250.1.213.1.1.5.112`), 3 concepts.
pub static RECH_AG_HB_S: ValueSet = ValueSet {
    name: "JDV_RechAgHbS_CISIS",
    oid: "1.2.250.1.213.1.1.5.112",
    source: "ans-cda/jeuxDeValeurs/JDV_RechAgHbS_CISIS.xml",
    concepts: &[
        Concept {
            code: "406117000",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "dosage immuno-enzymatique de l'antigène de surface de l'hépatite B positif",
        },
        Concept {
            code: "406118005",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "dosage immuno-enzymatique de l'antigène de surface de l'hépatite B négatif",
        },
        Concept {
            code: "261665006",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "inconnu",
        },
    ],
};

/// `JDV_Rencontre_CS9_CS24_CISIS` (`1.2.250.1.213.1.1.5.759`), 3 concepts.
pub static RENCONTRE_CS9_CS24: ValueSet = ValueSet {
    name: "JDV_Rencontre_CS9_CS24_CISIS",
    oid: "1.2.250.1.213.1.1.5.759",
    source: "ans-cda/jeuxDeValeurs/JDV_Rencontre_CS9_CS24_CISIS.xml",
    concepts: &[
        Concept {
            code: "ORG-196",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Lien avec le médecin de PMI après accord des parents",
        },
        Concept {
            code: "ORG-194",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Orientation vers un autre professionnel de santé",
        },
        Concept {
            code: "ORG-195",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Orientation vers une structure pluridisciplinaire (CAMPS centre de référence, réseau…)",
        },
    ],
};

/// `JDV_ReperageTroubleNeurodeveloppement_CISIS` (`1.2.250.1.213.1.1.5.758`), 2 concepts.
pub static REPERAGE_TROUBLE_NEURODEVELOPPEMENT: ValueSet = ValueSet {
    name: "JDV_ReperageTroubleNeurodeveloppement_CISIS",
    oid: "1.2.250.1.213.1.1.5.758",
    source: "ans-cda/jeuxDeValeurs/JDV_ReperageTroubleNeurodeveloppement_CISIS.xml",
    concepts: &[
        Concept {
            code: "860642002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "absence de trouble neurodéveloppemental",
        },
        Concept {
            code: "ORG-197",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Orientation vers une plateforme de coordination et d'orientation",
        },
    ],
};

/// `JDV_ResultatDepistageSurdite_CISIS` (`1.2.250.1.213.1.1.5.814`), 2 concepts.
pub static RESULTAT_DEPISTAGE_SURDITE: ValueSet = ValueSet {
    name: "JDV_ResultatDepistageSurdite_CISIS",
    oid: "1.2.250.1.213.1.1.5.814",
    source: "ans-cda/jeuxDeValeurs/JDV_ResultatDepistageSurdite_CISIS.xml",
    concepts: &[
        Concept {
            code: "MED-178",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Test auditif normal",
        },
        Concept {
            code: "MED-179",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Audition à recontrôler",
        },
    ],
};

/// `JDV_SocialHistoryCodes_CISIS` (`1.2.250.1.213.1.1.4.2.283.4`), 11 concepts.
pub static SOCIAL_HISTORY_CODES: ValueSet = ValueSet {
    name: "JDV_SocialHistoryCodes_CISIS",
    oid: "1.2.250.1.213.1.1.4.2.283.4",
    source: "ans-cda/jeuxDeValeurs/JDV_SocialHistoryCodes_CISIS.xml",
    concepts: &[
        Concept {
            code: "72166-2",
            code_system: "2.16.840.1.113883.6.1",
            display_name: "Statut tabagique",
        },
        Concept {
            code: "74011-8",
            code_system: "2.16.840.1.113883.6.1",
            display_name: "Consommation tabagique",
        },
        Concept {
            code: "74013-4",
            code_system: "2.16.840.1.113883.6.1",
            display_name: "Consommation d'alcool",
        },
        Concept {
            code: "11343-1",
            code_system: "2.16.840.1.113883.6.1",
            display_name: "Consommation de drogue non médicales",
        },
        Concept {
            code: "73985-4",
            code_system: "2.16.840.1.113883.6.1",
            display_name: "Exercice physique",
        },
        Concept {
            code: "81663-7",
            code_system: "2.16.840.1.113883.6.1",
            display_name: "Régime",
        },
        Concept {
            code: "92944-8",
            code_system: "2.16.840.1.113883.6.1",
            display_name: "Exposition à risque",
        },
        Concept {
            code: "8683-5",
            code_system: "2.16.840.1.113883.6.1",
            display_name: "Exposition professionnelle",
        },
        Concept {
            code: "67875-5",
            code_system: "2.16.840.1.113883.6.1",
            display_name: "Statut d'emploi",
        },
        Concept {
            code: "29556-8",
            code_system: "2.16.840.1.113883.6.1",
            display_name: "Trouble du comportement",
        },
        Concept {
            code: "11345-6",
            code_system: "2.16.840.1.113883.6.1",
            display_name: "Autre élément social",
        },
    ],
};

/// `JDV_StatutGrossesse_CISIS` (`1.2.250.1.213.1.1.5.671`), 3 concepts.
pub static STATUT_GROSSESSE: ValueSet = ValueSet {
    name: "JDV_StatutGrossesse_CISIS",
    oid: "1.2.250.1.213.1.1.5.671",
    source: "ans-cda/jeuxDeValeurs/JDV_StatutGrossesse_CISIS.xml",
    concepts: &[
        Concept {
            code: "60001007",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "absence de grossesse",
        },
        Concept {
            code: "77386006",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "enceinte",
        },
        Concept {
            code: "261665006",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "inconnu",
        },
    ],
};

/// `JDV_Traite_NonTraite_CISIS` (`1.2.250.1.213.1.1.5.682`), 2 concepts.
pub static TRAITE_NON_TRAITE: ValueSet = ValueSet {
    name: "JDV_Traite_NonTraite_CISIS",
    oid: "1.2.250.1.213.1.1.5.682",
    source: "ans-cda/jeuxDeValeurs/JDV_Traite_NonTraite_CISIS.xml",
    concepts: &[
        Concept {
            code: "MED-1155",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "traité",
        },
        Concept {
            code: "MED-1156",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "non traité",
        },
    ],
};

/// `JDV_TypeAllaitementNouveauNe_CISIS` (`1.2.250.1.213.1.1.5.753`), 3 concepts.
pub static TYPE_ALLAITEMENT_NOUVEAU_NE: ValueSet = ValueSet {
    name: "JDV_TypeAllaitementNouveauNe_CISIS",
    oid: "1.2.250.1.213.1.1.5.753",
    source: "ans-cda/jeuxDeValeurs/JDV_TypeAllaitementNouveauNe_CISIS.xml",
    concepts: &[
        Concept {
            code: "MED-1256",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Alimentation lait maternel exclusif",
        },
        Concept {
            code: "MED-1257",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Alimentation mixte",
        },
        Concept {
            code: "MED-1258",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Alimentation lait artificiel exclusif",
        },
    ],
};

/// `JDV_TypeGarde_CISIS` (`1.2.250.1.213.1.1.5.128`), 3 concepts.
pub static TYPE_GARDE: ValueSet = ValueSet {
    name: "JDV_TypeGarde_CISIS",
    oid: "1.2.250.1.213.1.1.5.128",
    source: "ans-cda/jeuxDeValeurs/JDV_TypeGarde_CISIS.xml",
    concepts: &[
        Concept {
            code: "PAT-050",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Accueil collectif",
        },
        Concept {
            code: "PAT-051",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Assistance maternelle",
        },
        Concept {
            code: "312385000",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "service de garde d'enfants à domicile",
        },
    ],
};

/// `JDV_TypePres_CISIS` (`1.2.250.1.213.1.1.5.117`), 3 concepts.
pub static TYPE_PRES: ValueSet = ValueSet {
    name: "JDV_TypePres_CISIS",
    oid: "1.2.250.1.213.1.1.5.117",
    source: "ans-cda/jeuxDeValeurs/JDV_TypePres_CISIS.xml",
    concepts: &[
        Concept {
            code: "70028003",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "présentation du sommet",
        },
        Concept {
            code: "6096002",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "présentation en siège du fœtus",
        },
        Concept {
            code: "GEN-092.01.21",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Autre présentation foetale",
        },
    ],
};

/// `JDV_TypeService_CISIS` (`1.2.250.1.213.1.1.5.127`), 5 concepts.
pub static TYPE_SERVICE: ValueSet = ValueSet {
    name: "JDV_TypeService_CISIS",
    oid: "1.2.250.1.213.1.1.5.127",
    source: "ans-cda/jeuxDeValeurs/JDV_TypeService_CISIS.xml",
    concepts: &[
        Concept {
            code: "309904001",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "unité de soins intensifs",
        },
        Concept {
            code: "1279968000",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "service de néonatalogie",
        },
        Concept {
            code: "ORG-141",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Unité Kangourou",
        },
        Concept {
            code: "405269005",
            code_system: "2.16.840.1.113883.6.96",
            display_name: "unité de soins intensifs néonatals",
        },
        Concept {
            code: "GEN-092.06.05",
            code_system: "1.2.250.1.213.1.1.4.322",
            display_name: "Autre type de service",
        },
    ],
};

/// `JDV_VaccinCSE24_CISIS` (`1.2.250.1.213.1.1.5.107`), 12 concepts.
pub static VACCIN_CSE24: ValueSet = ValueSet {
    name: "JDV_VaccinCSE24_CISIS",
    oid: "1.2.250.1.213.1.1.5.107",
    source: "ans-cda/jeuxDeValeurs/JDV_VaccinCSE24_CISIS.xml",
    concepts: &[
        Concept {
            code: "J07CA01",
            code_system: "2.16.840.1.113883.6.73",
            display_name: "diphtérie-poliomyélite-tétanos",
        },
        Concept {
            code: "J07AJ",
            code_system: "2.16.840.1.113883.6.73",
            display_name: "vaccins coquelucheux",
        },
        Concept {
            code: "J07AG",
            code_system: "2.16.840.1.113883.6.73",
            display_name: "vaccins de l'Haemophilus influenzae B",
        },
        Concept {
            code: "J07BC01",
            code_system: "2.16.840.1.113883.6.73",
            display_name: "hépatite B, antigène purifié",
        },
        Concept {
            code: "J07AL",
            code_system: "2.16.840.1.113883.6.73",
            display_name: "vaccins pneumococciques",
        },
        Concept {
            code: "J07AH07",
            code_system: "2.16.840.1.113883.6.73",
            display_name: "méningocoque C, antigène polysaccharidique purifié conjugué",
        },
        Concept {
            code: "J07AH08",
            code_system: "2.16.840.1.113883.6.73",
            display_name: "méningocoques A,C,Y, W-135, antigènes polysaccharidiques tétravalents purifiés conjugués",
        },
        Concept {
            code: "J07AH09",
            code_system: "2.16.840.1.113883.6.73",
            display_name: "méningocoque B, vaccin multicomposant",
        },
        Concept {
            code: "J07BD52",
            code_system: "2.16.840.1.113883.6.73",
            display_name: "rougeole en association aux oreillons et à la rubéole, virus vivants atténués",
        },
        Concept {
            code: "J07BH",
            code_system: "2.16.840.1.113883.6.73",
            display_name: "vaccins des diarrhées à Rotavirus",
        },
        Concept {
            code: "J07AN",
            code_system: "2.16.840.1.113883.6.73",
            display_name: "vaccins de la tuberculose",
        },
        Concept {
            code: "J07BL",
            code_system: "2.16.840.1.113883.6.73",
            display_name: "vaccins de la fièvre jaune",
        },
    ],
};

/// `JDV_VaccinCSE8_CISIS` (`1.2.250.1.213.1.1.5.105`), 2 concepts.
pub static VACCIN_CSE8: ValueSet = ValueSet {
    name: "JDV_VaccinCSE8_CISIS",
    oid: "1.2.250.1.213.1.1.5.105",
    source: "ans-cda/jeuxDeValeurs/JDV_VaccinCSE8_CISIS.xml",
    concepts: &[
        Concept {
            code: "J07BC01",
            code_system: "2.16.840.1.113883.6.73",
            display_name: "hépatite B, antigène purifié",
        },
        Concept {
            code: "J07AN",
            code_system: "2.16.840.1.113883.6.73",
            display_name: "vaccins de la tuberculose",
        },
    ],
};

/// `JDV_VaccinCSE9_CISIS` (`1.2.250.1.213.1.1.5.106`), 10 concepts.
pub static VACCIN_CSE9: ValueSet = ValueSet {
    name: "JDV_VaccinCSE9_CISIS",
    oid: "1.2.250.1.213.1.1.5.106",
    source: "ans-cda/jeuxDeValeurs/JDV_VaccinCSE9_CISIS.xml",
    concepts: &[
        Concept {
            code: "J07CA01",
            code_system: "2.16.840.1.113883.6.73",
            display_name: "diphtérie-poliomyélite-tétanos",
        },
        Concept {
            code: "J07AJ",
            code_system: "2.16.840.1.113883.6.73",
            display_name: "vaccins coquelucheux",
        },
        Concept {
            code: "J07AG",
            code_system: "2.16.840.1.113883.6.73",
            display_name: "vaccins de l'Haemophilus influenzae B",
        },
        Concept {
            code: "J07BC01",
            code_system: "2.16.840.1.113883.6.73",
            display_name: "hépatite B, antigène purifié",
        },
        Concept {
            code: "J07AL",
            code_system: "2.16.840.1.113883.6.73",
            display_name: "vaccins pneumococciques",
        },
        Concept {
            code: "J07AH07",
            code_system: "2.16.840.1.113883.6.73",
            display_name: "méningocoque C, antigène polysaccharidique purifié conjugué",
        },
        Concept {
            code: "J07AH08",
            code_system: "2.16.840.1.113883.6.73",
            display_name: "méningocoques A,C,Y, W-135, antigènes polysaccharidiques tétravalents purifiés conjugués",
        },
        Concept {
            code: "J07AH09",
            code_system: "2.16.840.1.113883.6.73",
            display_name: "méningocoque B, vaccin multicomposant",
        },
        Concept {
            code: "J07BH",
            code_system: "2.16.840.1.113883.6.73",
            display_name: "vaccins des diarrhées à Rotavirus",
        },
        Concept {
            code: "J07AN",
            code_system: "2.16.840.1.113883.6.73",
            display_name: "vaccins de la tuberculose",
        },
    ],
};

/// Every vendored value set.
pub static ALL: &[&ValueSet] = &[
    &ACTIVITE,
    &ANTECEDENTS_CSE24,
    &ANTECEDENTS_CSE9,
    &ANTECEDENTS_OBSTETRICAUX,
    &CAUSE_ACCIDENT_DOM,
    &CAUSE_CESARIENNE,
    &CONTRE_INDICATIONS,
    &COUVERTURE_SOCIALE,
    &DATE_CONS,
    &DEVELOPPEMENT_PSYCHOMOTEUR_CS24,
    &ENFANT_EXPOSE_AUX_ECRANS_CS24,
    &EVENEMENTS_ACCOUCHEMENT,
    &HL7_OBSERVATION_INTERPRETATION,
    &IMAGERIE_OBJECTIFS_REFERENCE,
    &LATERALITE_TECHNIQUE_IMAGERIE,
    &LOCALISATION_ANATOMIQUE,
    &METHODE_ACCOUCHEMENT,
    &MODALITE_ACQUISITION,
    &MODALITE_ENTREE,
    &MODE_DEBUT_TRAVAIL,
    &MOTIF_HOSPITALISATION_CSE,
    &NIVEAU_ETUDE,
    &PROFESSION,
    &QUANTITE_EXPOSITION_RAYONNEMENTS,
    &RECH_AG_HB_S,
    &RENCONTRE_CS9_CS24,
    &REPERAGE_TROUBLE_NEURODEVELOPPEMENT,
    &RESULTAT_DEPISTAGE_SURDITE,
    &SOCIAL_HISTORY_CODES,
    &STATUT_GROSSESSE,
    &TRAITE_NON_TRAITE,
    &TYPE_ALLAITEMENT_NOUVEAU_NE,
    &TYPE_GARDE,
    &TYPE_PRES,
    &TYPE_SERVICE,
    &VACCIN_CSE24,
    &VACCIN_CSE8,
    &VACCIN_CSE9,
];
