//! Plain-French explanations of INSi answers, with the action to take
//! (SENTINELLE.15). Errors have theirs in [`super::error`].

use super::model::{InsiOutcome, InsiResponse, ResponseWarning, ResultCode};
use super::strategy::SearchReport;

impl ResultCode {
    /// Plain-French explanation with the action to take.
    pub fn explanation(self) -> &'static str {
        match self {
            Self::Found => {
                "INSi a trouvé une identité unique. Comparez les traits renvoyés avec ceux du \
                 dossier et avec la pièce d'identité de l'usager, puis validez pour récupérer \
                 l'INS (ou qualifiez l'identité si une pièce à haut niveau de confiance a été \
                 contrôlée)."
            }
            Self::NotFound => {
                "INSi n'a trouvé aucune identité correspondant à ces traits. Vérifiez l'orthographe \
                 du nom et des prénoms de naissance, la date et le lieu de naissance sur une pièce \
                 d'identité, corrigez-les puis relancez la recherche ; sinon, conservez l'identité \
                 provisoire."
            }
            Self::Several => {
                "INSi a trouvé plusieurs identités possibles. Complétez la recherche (tous les \
                 prénoms de naissance, lieu de naissance) à partir d'une pièce d'identité, ou \
                 utilisez la carte Vitale de l'usager, puis relancez la recherche."
            }
        }
    }
}

impl InsiOutcome {
    /// Plain-French explanation with the action to take.
    pub fn explanation(&self) -> &'static str {
        self.code().explanation()
    }
}

impl InsiResponse {
    /// Plain-French explanation with the action to take.
    pub fn explanation(&self) -> &'static str {
        self.outcome.explanation()
    }
}

impl SearchReport {
    /// Plain-French explanation with the action to take.
    pub fn explanation(&self) -> &'static str {
        self.response.explanation()
    }
}

impl ResponseWarning {
    /// Plain-French explanation with the action to take.
    pub fn explanation(&self) -> &'static str {
        match self {
            Self::KeyMismatch { .. } => {
                "Un matricule INS renvoyé par INSi a une clé de contrôle incorrecte. Il est \
                 conservé tel quel dans l'historique mais ne peut pas servir à qualifier \
                 l'identité : signalez-le à votre référent en identitovigilance."
            }
            Self::UnknownOid { .. } => {
                "INSi a renvoyé un identifiant d'autorité (OID) inconnu pour un matricule INS. \
                 Ce matricule ne peut pas être utilisé : signalez-le à l'éditeur du logiciel."
            }
            Self::UnexpectedLabel { .. } => {
                "Le libellé de la réponse INSi est inhabituel ; le code de retour reste \
                 exploitable. Aucune action n'est nécessaire."
            }
            Self::InvalidTraits { .. } => {
                "Les traits renvoyés par INSi sont incomplets ou mal formés : ils ne peuvent pas \
                 être repris automatiquement. Vérifiez l'identité sur une pièce d'identité."
            }
            Self::UnreadableHistory { .. } => {
                "Un matricule de l'historique INS renvoyé par INSi est illisible ; il est ignoré. \
                 Aucune action n'est nécessaire."
            }
        }
    }
}
