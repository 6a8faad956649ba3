//! Problems (pathologies, medical history), allergies and hypersensitivities,
//! procedures (surgical history), and the internal references that link a
//! treatment or a procedure to its reason.

use crate::datatypes::{Ii, IvlTs, Ts};
use crate::error::N3Error;
use crate::n3::codes::{Binding, CodedValue, Terminology};
use crate::n3::entry::*;
use crate::n3::narrative::{Cell, NarrativeIndex};
use crate::n3::templates::{self as tpl, codes};
use crate::n3::types::{check_period, check_ts, fr_date, fr_period};
use crate::n3::value_sets;
use crate::n3::xml::Element;
use crate::write::CdaWriter;

/// Binding of FR-Probleme `code` (kind of problem).
pub static PROBLEM_KIND: Binding = Binding::ValueSet(&value_sets::PROBLEM_CODES);
/// Binding of FR-Probleme `value`: CIM-10 or SNOMED CT.
pub static PROBLEM_VALUE: Binding = Binding::OneOf(&[
    Binding::Terminology(Terminology::Cim10),
    Binding::Terminology(Terminology::SnomedCt),
]);
/// Binding of the allergy type: JDV_HL7_ObservationIntoleranceType_CISIS,
/// or SNOMED CT as the VSM examples code it.
pub static ALLERGY_KIND: Binding = Binding::OneOf(&[
    Binding::ValueSet(&value_sets::OBSERVATION_INTOLERANCE_TYPE),
    Binding::Terminology(Terminology::SnomedCt),
]);
/// Binding of the allergen (`participant/participantRole/playingEntity/code`).
pub static ALLERGEN: Binding = Binding::OneOf(&[
    Binding::Terminology(Terminology::Cis),
    Binding::Terminology(Terminology::Atc),
    Binding::Terminology(Terminology::SnomedCt),
    Binding::Terminology(Terminology::Sms),
    Binding::Terminology(Terminology::Ucd),
]);
/// Binding of the allergy's clinical status.
pub static ALLERGY_STATUS: Binding = Binding::ValueSet(&value_sets::ALLERGY_CLINICAL_STATUS);
/// Binding of FR-Acte `code`: CCAM or SNOMED CT.
pub static PROCEDURE_CODE: Binding = Binding::OneOf(&[
    Binding::Terminology(Terminology::Ccam),
    Binding::Terminology(Terminology::SnomedCt),
]);

/// Status of a concern (`act/statusCode`): whether the problem is still a
/// concern. IHE PCC: an `active` concern has no end, a `completed` one has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ConcernStatus {
    /// `active`: still followed.
    #[default]
    Active,
    /// `suspended`.
    Suspended,
    /// `aborted`.
    Aborted,
    /// `completed`: resolved, no longer a concern (its period has an end).
    Completed,
}

impl ConcernStatus {
    /// The HL7 code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Suspended => "suspended",
            Self::Aborted => "aborted",
            Self::Completed => "completed",
        }
    }

    fn from_code(c: &str) -> Option<Self> {
        Some(match c {
            "active" => Self::Active,
            "suspended" => Self::Suspended,
            "aborted" => Self::Aborted,
            "completed" => Self::Completed,
            _ => return None,
        })
    }

    fn label(self) -> &'static str {
        match self {
            Self::Active => "Actif",
            Self::Suspended => "Suspendu",
            Self::Aborted => "Interrompu",
            Self::Completed => "Résolu",
        }
    }
}

/// A reference to another entry of the document (FR-Reference-interne), e.g.
/// the problem a treatment is for. Its `id` is the id of that entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InternalReference {
    /// The id of the referenced entry.
    pub id: Ii,
    /// Its code (e.g. the CIM-10 code of the problem), optional.
    pub code: Option<CodedValue>,
    /// The text shown.
    pub label: String,
}

impl InternalReference {
    pub(crate) fn write(&self, w: &mut CdaWriter, reference: &str) -> std::io::Result<()> {
        w.element("entryRelationship", &[("typeCode", Some("RSON"))], |w| {
            w.element(
                "act",
                &[("classCode", Some("ACT")), ("moodCode", Some("EVN"))],
                |w| {
                    templates(w, &tpl::INTERNAL_REFERENCE)?;
                    id(w, &self.id)?;
                    cd_or_text(w, "code", self.code.as_ref(), None, "NA", Some(reference))
                },
            )
        })
    }

    pub(crate) fn read(el: &Element, narrative: &NarrativeIndex) -> Option<Self> {
        let act = related(el, "entryRelationship", tpl::INTERNAL_REFERENCE[1].as_str()).next()?;
        let id = read_id(act)?;
        let code_el = act.child("code");
        let code = code_el.and_then(any_code);
        let label = narrative
            .resolve(code_el)
            .or_else(|| code.as_ref().map(|c| c.label().to_owned()))
            .unwrap_or_default();
        Some(Self { id, code, label })
    }
}

/// A code kept as written when it is only a label of a reference (no binding).
fn any_code(c: &Element) -> Option<CodedValue> {
    let code = c.code();
    let system = code.code_system.clone()?;
    let term = Terminology::from_oid(&system)?;
    term.check(code.code.as_deref()?).ok()?;
    let v = term
        .code(
            code.code.as_deref()?,
            code.display_name.as_deref().unwrap_or(""),
        )
        .ok()?;
    Some(match &code.code_system_name {
        Some(n) => v.with_system_name(n),
        None => v,
    })
}

/// A problem (pathology in progress or medical history): FR-Probleme inside
/// its concern FR-Liste-des-problemes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The concern's id (new when `None`).
    pub concern_id: Option<Ii>,
    /// The observation's id (new when `None`).
    pub id: Option<Ii>,
    /// Kind of problem (JDV_ProblemCodes_CISIS), default "interprétation diagnostique".
    pub kind: CodedValue,
    /// The text shown (e.g. "Angine de poitrine instable").
    pub label: String,
    /// The coded problem (CIM-10 or SNOMED CT), `None` for a text-only problem.
    pub value: Option<CodedValue>,
    /// Onset (`low`) and resolution (`high`).
    pub period: IvlTs,
    /// The concern's status.
    pub status: ConcernStatus,
}

impl Problem {
    /// A diagnosis in progress since `onset`.
    pub fn diagnosis(
        label: &str,
        value: Option<CodedValue>,
        onset: Option<Ts>,
    ) -> Result<Self, N3Error> {
        Ok(Self {
            concern_id: None,
            id: None,
            kind: value_sets::PROBLEM_CODES.code("282291009")?,
            label: label.to_owned(),
            value,
            period: IvlTs {
                low: onset,
                ..IvlTs::default()
            },
            status: ConcernStatus::Active,
        })
    }

    /// A past problem (medical history), resolved at `end` when known.
    pub fn history(
        label: &str,
        value: Option<CodedValue>,
        onset: Option<Ts>,
        end: Option<Ts>,
    ) -> Result<Self, N3Error> {
        let mut p = Self::diagnosis(label, value, onset)?;
        p.period.high = end;
        p.status = ConcernStatus::Completed;
        Ok(p)
    }

    fn validate(&self) -> Result<(), N3Error> {
        non_blank(&self.label, "problem label")?;
        check(&PROBLEM_KIND, &self.kind, "FR-Probleme/code")?;
        if let Some(v) = &self.value {
            check(&PROBLEM_VALUE, v, "FR-Probleme/value")?;
        }
        check_period(&self.period, "problem period")
    }

    /// Writes the observation (also used under other acts, e.g. a reaction
    /// to a vaccination).
    pub(crate) fn write_observation(
        &self,
        w: &mut CdaWriter,
        obs_id: &Ii,
        reference: &str,
        extra_template: Option<&segur_ids::Oid>,
    ) -> std::io::Result<()> {
        w.element(
            "observation",
            &[
                ("classCode", Some("OBS")),
                ("moodCode", Some("EVN")),
                ("negationInd", Some("false")),
            ],
            |w| {
                templates(w, &tpl::PROBLEM[..1])?;
                if let Some(t) = extra_template {
                    templates(w, std::slice::from_ref(t))?;
                }
                templates(w, &tpl::PROBLEM[1..])?;
                id(w, obs_id)?;
                cd(w, "code", &self.kind, None, None)?;
                text_ref(w, reference)?;
                status(w, "completed")?;
                ivl(w, "effectiveTime", &low_or_unknown(&self.period), None)?;
                cd_or_text(
                    w,
                    "value",
                    self.value.as_ref(),
                    Some("CD"),
                    "NI",
                    Some(reference),
                )
            },
        )
    }

    pub(crate) fn read_observation(
        obs: &Element,
        narrative: &NarrativeIndex,
    ) -> Result<Self, N3Error> {
        const W: &str = "FR-Probleme";
        let kind = read_code(&PROBLEM_KIND, need(W, obs, "code")?, "FR-Probleme/code")?;
        let value_el = obs.child("value");
        let value = read_code_opt(&PROBLEM_VALUE, value_el, "FR-Probleme/value")?;
        let label = read_text(obs.child("text"), narrative)
            .or_else(|| narrative.resolve(value_el))
            .or_else(|| value.as_ref().map(|v| v.label().to_owned()))
            .unwrap_or_else(|| kind.label().to_owned());
        Ok(Self {
            concern_id: None,
            id: read_id(obs),
            kind,
            label,
            value,
            period: read_ivl(obs.child("effectiveTime")).unwrap_or_default(),
            status: ConcernStatus::Active,
        })
    }
}

/// `low` present (nullFlavor UNK when unknown): IHE concerns and problems
/// require a start.
fn low_or_unknown(p: &IvlTs) -> IvlTs {
    let mut p = p.clone();
    if p.low.is_none() && p.value.is_none() {
        p.low = Some(Ts::null(crate::datatypes::NullFlavor::Unk));
    }
    p
}

impl SectionEntry for Problem {
    const NAME: &'static str = "FR-Liste-des-problemes";

    fn headers() -> &'static [&'static str] {
        &["Période", "Problème", "Code", "Statut"]
    }

    fn matches(entry: &Element) -> bool {
        entry
            .child("act")
            .is_some_and(|a| a.has_template(tpl::PROBLEM_CONCERN[3].as_str()))
    }

    fn render(&self, ctx: &mut RenderContext<'_>) -> Result<Rendered, N3Error> {
        self.validate()?;
        let (label_cell, r) = Cell::referenced(&mut ctx.ids, "probleme", &self.label);
        let concern_id = ctx.id(&self.concern_id);
        let obs_id = ctx.id(&self.id);
        let mut concern_period = low_or_unknown(&self.period);
        if self.status != ConcernStatus::Completed {
            concern_period.high = None;
        }
        let entry = write_entry(None, |w| {
            w.element(
                "act",
                &[("classCode", Some("ACT")), ("moodCode", Some("EVN"))],
                |w| {
                    templates(w, &tpl::PROBLEM_CONCERN)?;
                    id(w, &concern_id)?;
                    w.empty("code", &[("nullFlavor", Some("NA"))])?;
                    status(w, self.status.code())?;
                    ivl(w, "effectiveTime", &concern_period, None)?;
                    w.element(
                        "entryRelationship",
                        &[("typeCode", Some("SUBJ")), ("inversionInd", Some("false"))],
                        |w| self.write_observation(w, &obs_id, &r, None),
                    )
                },
            )
        });
        let row = vec![
            Cell::text(fr_period(&self.period)),
            label_cell,
            Cell::text(
                self.value
                    .as_ref()
                    .map(|v| format!("{} ({})", v.code(), v.code_system_name().unwrap_or("")))
                    .unwrap_or_default(),
            ),
            Cell::text(self.status.label()),
        ];
        Ok(Rendered::row(row, entry))
    }

    fn read(entry: &Element, narrative: &NarrativeIndex) -> Result<Self, N3Error> {
        let act = need(Self::NAME, entry, "act")?;
        let obs = related(act, "entryRelationship", tpl::PROBLEM[2].as_str())
            .next()
            .ok_or_else(|| read_err(Self::NAME, act, "no FR-Probleme observation"))?;
        let mut p = Problem::read_observation(obs, narrative)?;
        p.concern_id = read_id(act);
        p.status = act
            .child("statusCode")
            .and_then(|s| s.attr("code"))
            .and_then(ConcernStatus::from_code)
            .unwrap_or_default();
        if p.period.low.is_none() && p.period.high.is_none() {
            p.period = read_ivl(act.child("effectiveTime")).unwrap_or_default();
        }
        Ok(p)
    }
}

/// What an allergy is to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allergen {
    /// The coded agent (CIS, ATC, SNOMED CT, SMS substance), `None` when only named.
    pub code: Option<CodedValue>,
    /// The text shown (e.g. "Pénicilline").
    pub label: String,
}

/// An allergy or hypersensitivity: FR-Allergie-ou-hypersensibilite inside
/// its concern FR-Liste-des-allergies-et-hypersensibilites.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allergy {
    /// The concern's id.
    pub concern_id: Option<Ii>,
    /// The observation's id.
    pub id: Option<Ii>,
    /// Type of allergy (JDV_HL7_ObservationIntoleranceType_CISIS, e.g. `DALG`).
    pub kind: CodedValue,
    /// The text shown for the allergy (e.g. "Allergie médicamenteuse").
    pub label: String,
    /// The agent.
    pub allergen: Option<Allergen>,
    /// The reaction (clinical manifestation), coded (SNOMED CT / CIM-10) or text.
    pub reaction: Option<String>,
    /// Coded reaction.
    pub reaction_code: Option<CodedValue>,
    /// Onset.
    pub onset: Option<Ts>,
    /// Clinical status (active, inactive, resolved).
    pub clinical_status: Option<CodedValue>,
    /// The concern's status.
    pub status: ConcernStatus,
}

impl Allergy {
    /// An active allergy of type `kind` (`DALG`, `FALG`…) to `allergen`.
    pub fn new(kind: &str, allergen: Allergen) -> Result<Self, N3Error> {
        let kind = value_sets::OBSERVATION_INTOLERANCE_TYPE.code(kind)?;
        Ok(Self {
            concern_id: None,
            id: None,
            label: kind.label().to_owned(),
            kind,
            allergen: Some(allergen),
            reaction: None,
            reaction_code: None,
            onset: None,
            clinical_status: None,
            status: ConcernStatus::Active,
        })
    }

    fn validate(&self) -> Result<(), N3Error> {
        non_blank(&self.label, "allergy label")?;
        check(
            &ALLERGY_KIND,
            &self.kind,
            "FR-Allergie-ou-hypersensibilite/code",
        )?;
        if let Some(a) = &self.allergen {
            non_blank(&a.label, "allergen")?;
            if let Some(c) = &a.code {
                check(&ALLERGEN, c, "allergen")?;
            }
        }
        if let Some(r) = &self.reaction_code {
            check(&PROBLEM_VALUE, r, "allergy reaction")?;
        }
        if let Some(s) = &self.clinical_status {
            check(&ALLERGY_STATUS, s, "allergy clinical status")?;
        }
        if let Some(o) = &self.onset {
            check_ts(o, "allergy onset")?;
        }
        Ok(())
    }
}

impl SectionEntry for Allergy {
    const NAME: &'static str = "FR-Liste-des-allergies-et-hypersensibilites";

    fn headers() -> &'static [&'static str] {
        &["Date", "Type", "Agent", "Réaction", "Statut"]
    }

    fn matches(entry: &Element) -> bool {
        entry
            .child("act")
            .is_some_and(|a| a.has_template(tpl::ALLERGY_CONCERN[3].as_str()))
    }

    fn render(&self, ctx: &mut RenderContext<'_>) -> Result<Rendered, N3Error> {
        self.validate()?;
        let (type_cell, type_ref) = Cell::referenced(&mut ctx.ids, "allergie", &self.label);
        let (agent_cell, agent_ref) = match &self.allergen {
            Some(a) => {
                let (c, r) = Cell::referenced(&mut ctx.ids, "allergie-agent", &a.label);
                (c, Some(r))
            }
            None => (Cell::text("-"), None),
        };
        let reaction_text = self
            .reaction
            .clone()
            .or_else(|| self.reaction_code.as_ref().map(|c| c.label().to_owned()))
            .unwrap_or_else(|| "-".into());
        let (reaction_cell, reaction_ref) =
            Cell::referenced(&mut ctx.ids, "allergie-reaction", &reaction_text);
        let status_text = self
            .clinical_status
            .as_ref()
            .map(|s| s.label().to_owned())
            .unwrap_or_else(|| self.status.label().to_owned());
        let (status_cell, status_ref) =
            Cell::referenced(&mut ctx.ids, "allergie-statut", &status_text);
        let concern_id = ctx.id(&self.concern_id);
        let obs_id = ctx.id(&self.id);
        let onset = self
            .onset
            .clone()
            .unwrap_or_else(|| Ts::null(crate::datatypes::NullFlavor::Unk));
        let entry = write_entry(None, |w| {
            w.element(
                "act",
                &[("classCode", Some("ACT")), ("moodCode", Some("EVN"))],
                |w| {
                    templates(w, &tpl::ALLERGY_CONCERN)?;
                    id(w, &concern_id)?;
                    w.empty("code", &[("nullFlavor", Some("NA"))])?;
                    status(w, self.status.code())?;
                    ivl(w, "effectiveTime", &IvlTs::from_low(onset.clone()), None)?;
                    w.element(
                        "entryRelationship",
                        &[("typeCode", Some("SUBJ")), ("inversionInd", Some("false"))],
                        |w| {
                            w.element(
                                "observation",
                                &[
                                    ("classCode", Some("OBS")),
                                    ("moodCode", Some("EVN")),
                                    ("negationInd", Some("false")),
                                ],
                                |w| {
                                    templates(w, &tpl::ALLERGY)?;
                                    id(w, &obs_id)?;
                                    cd(w, "code", &self.kind, None, None)?;
                                    text_ref(w, &type_ref)?;
                                    status(w, "completed")?;
                                    ivl(
                                        w,
                                        "effectiveTime",
                                        &IvlTs::from_low(onset.clone()),
                                        Some("IVL_TS"),
                                    )?;
                                    cd_or_text(
                                        w,
                                        "value",
                                        self.reaction_code.as_ref(),
                                        Some("CD"),
                                        "NI",
                                        Some(&reaction_ref),
                                    )?;
                                    if let (Some(a), Some(r)) = (&self.allergen, &agent_ref) {
                                        w.element(
                                            "participant",
                                            &[("typeCode", Some("CSM"))],
                                            |w| {
                                                w.element(
                                                    "participantRole",
                                                    &[("classCode", Some("MANU"))],
                                                    |w| {
                                                        w.element(
                                                            "playingEntity",
                                                            &[("classCode", Some("MMAT"))],
                                                            |w| {
                                                                cd_or_text(
                                                                    w,
                                                                    "code",
                                                                    a.code.as_ref(),
                                                                    None,
                                                                    "NI",
                                                                    Some(r),
                                                                )?;
                                                                w.text_element(
                                                                    "name",
                                                                    &[],
                                                                    &a.label,
                                                                )
                                                            },
                                                        )
                                                    },
                                                )
                                            },
                                        )?;
                                    }
                                    if let Some(s) = &self.clinical_status {
                                        w.element(
                                            "entryRelationship",
                                            &[
                                                ("typeCode", Some("REFR")),
                                                ("inversionInd", Some("false")),
                                            ],
                                            |w| {
                                                w.element(
                                                    "observation",
                                                    &[
                                                        ("classCode", Some("OBS")),
                                                        ("moodCode", Some("EVN")),
                                                    ],
                                                    |w| {
                                                        templates(w, &tpl::PROBLEM_STATUS)?;
                                                        cd(
                                                            w,
                                                            "code",
                                                            &codes::problem_status(),
                                                            None,
                                                            None,
                                                        )?;
                                                        text_ref(w, &status_ref)?;
                                                        status(w, "completed")?;
                                                        cd(w, "value", s, Some("CE"), None)
                                                    },
                                                )
                                            },
                                        )?;
                                    }
                                    Ok(())
                                },
                            )
                        },
                    )
                },
            )
        });
        let row = vec![
            Cell::text(self.onset.as_ref().map(fr_date).unwrap_or_default()),
            type_cell,
            agent_cell,
            reaction_cell,
            status_cell,
        ];
        Ok(Rendered::row(row, entry))
    }

    fn read(entry: &Element, narrative: &NarrativeIndex) -> Result<Self, N3Error> {
        const W: &str = "FR-Allergie-ou-hypersensibilite";
        let act = need(Self::NAME, entry, "act")?;
        let obs = related(act, "entryRelationship", tpl::ALLERGY[4].as_str())
            .next()
            .ok_or_else(|| read_err(Self::NAME, act, "no FR-Allergie-ou-hypersensibilite"))?;
        let kind = read_code(
            &ALLERGY_KIND,
            need(W, obs, "code")?,
            "FR-Allergie-ou-hypersensibilite/code",
        )?;
        let label =
            read_text(obs.child("text"), narrative).unwrap_or_else(|| kind.label().to_owned());
        let value_el = obs.child("value");
        let reaction_code = read_code_opt(&PROBLEM_VALUE, value_el, "allergy reaction")?;
        let reaction = narrative.resolve(value_el);
        let allergen = match obs.path(&["participant", "participantRole", "playingEntity"]) {
            Some(pe) => {
                let code_el = pe.child("code");
                let code = read_code_opt(&ALLERGEN, code_el, "allergen")?;
                let label = narrative
                    .resolve(code_el)
                    .or_else(|| {
                        pe.child("name")
                            .map(Element::text)
                            .filter(|t| !t.is_empty())
                    })
                    .or_else(|| code.as_ref().map(|c| c.label().to_owned()))
                    .unwrap_or_else(|| "-".into());
                Some(Allergen { code, label })
            }
            None => None,
        };
        let clinical_status = related(obs, "entryRelationship", tpl::PROBLEM_STATUS[3].as_str())
            .next()
            .and_then(|s| s.child("value"))
            .map(|v| read_code(&ALLERGY_STATUS, v, "allergy clinical status"))
            .transpose()?;
        let onset = obs
            .child("effectiveTime")
            .and_then(|e| e.child("low"))
            .map(Element::ts)
            .filter(|t| t.value.is_some());
        Ok(Self {
            concern_id: read_id(act),
            id: read_id(obs),
            kind,
            label,
            allergen,
            reaction,
            reaction_code,
            onset,
            clinical_status,
            status: act
                .child("statusCode")
                .and_then(|s| s.attr("code"))
                .and_then(ConcernStatus::from_code)
                .unwrap_or_default(),
        })
    }
}

/// A procedure undergone (surgical history): FR-Acte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Procedure {
    /// The id.
    pub id: Option<Ii>,
    /// The act (CCAM or SNOMED CT), `None` for a text-only act.
    pub code: Option<CodedValue>,
    /// The text shown.
    pub label: String,
    /// When.
    pub date: Option<Ts>,
    /// Who performed it (shown in the narrative only).
    pub performer: Option<String>,
    /// Why (reference to a problem of the document).
    pub reason: Option<InternalReference>,
}

impl Procedure {
    /// A procedure on `date`.
    pub fn new(label: &str, code: Option<CodedValue>, date: Option<Ts>) -> Self {
        Self {
            id: None,
            code,
            label: label.to_owned(),
            date,
            performer: None,
            reason: None,
        }
    }
}

impl SectionEntry for Procedure {
    const NAME: &'static str = "FR-Acte";

    fn headers() -> &'static [&'static str] {
        &["Date", "Acte", "Code", "Réalisé par", "Motif"]
    }

    fn matches(entry: &Element) -> bool {
        entry
            .child("procedure")
            .is_some_and(|a| a.has_template(tpl::PROCEDURE[2].as_str()))
    }

    fn render(&self, ctx: &mut RenderContext<'_>) -> Result<Rendered, N3Error> {
        non_blank(&self.label, "procedure label")?;
        if let Some(c) = &self.code {
            check(&PROCEDURE_CODE, c, "FR-Acte/code")?;
        }
        if let Some(d) = &self.date {
            check_ts(d, "procedure date")?;
        }
        let (label_cell, r) = Cell::referenced(&mut ctx.ids, "acte", &self.label);
        let (reason_cell, reason_ref) = match &self.reason {
            Some(rs) => {
                let (c, r) = Cell::referenced(&mut ctx.ids, "acte-motif", &rs.label);
                (c, Some(r))
            }
            None => (Cell::text("-"), None),
        };
        let pid = ctx.id(&self.id);
        let entry = write_entry(None, |w| {
            w.element(
                "procedure",
                &[("classCode", Some("PROC")), ("moodCode", Some("EVN"))],
                |w| {
                    templates(w, &tpl::PROCEDURE)?;
                    id(w, &pid)?;
                    cd_or_text(w, "code", self.code.as_ref(), None, "NI", Some(&r))?;
                    text_ref(w, &r)?;
                    status(w, "completed")?;
                    match &self.date {
                        Some(d) => w.ts("effectiveTime", d)?,
                        None => w.empty("effectiveTime", &[("nullFlavor", Some("UNK"))])?,
                    }
                    if let Some(p) = &self.performer {
                        w.element("performer", &[("typeCode", Some("PRF"))], |w| {
                            w.element("assignedEntity", &[], |w| {
                                w.empty("id", &[("nullFlavor", Some("UNK"))])?;
                                w.element("assignedPerson", &[], |w| w.text_element("name", &[], p))
                            })
                        })?;
                    }
                    if let (Some(rs), Some(rr)) = (&self.reason, &reason_ref) {
                        rs.write(w, rr)?;
                    }
                    Ok(())
                },
            )
        });
        let row = vec![
            Cell::text(self.date.as_ref().map(fr_date).unwrap_or_default()),
            label_cell,
            Cell::text(
                self.code
                    .as_ref()
                    .map(|c| c.code().to_owned())
                    .unwrap_or_default(),
            ),
            Cell::text(self.performer.clone().unwrap_or_default()),
            reason_cell,
        ];
        Ok(Rendered::row(row, entry))
    }

    fn read(entry: &Element, narrative: &NarrativeIndex) -> Result<Self, N3Error> {
        let p = need(Self::NAME, entry, "procedure")?;
        let code_el = p.child("code");
        let code = read_code_opt(&PROCEDURE_CODE, code_el, "FR-Acte/code")?;
        let label = read_text(p.child("text"), narrative)
            .or_else(|| narrative.resolve(code_el))
            .or_else(|| code.as_ref().map(|c| c.label().to_owned()))
            .unwrap_or_else(|| "-".into());
        let date = p
            .child("effectiveTime")
            .map(|e| e.child("low").map(Element::ts).unwrap_or_else(|| e.ts()))
            .filter(|t| t.value.is_some());
        let performer = p
            .path(&["author", "assignedAuthor", "assignedPerson", "name"])
            .or_else(|| p.path(&["performer", "assignedEntity", "assignedPerson", "name"]))
            .map(|n| n.text().replace('\n', " "))
            .filter(|t| !t.is_empty());
        Ok(Self {
            id: read_id(p),
            code,
            label,
            date,
            performer,
            reason: InternalReference::read(p, narrative),
        })
    }
}
