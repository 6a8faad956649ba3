//! Suite `evidence`: one scenario per `evidence` requirement of the
//! catalogue, checking the files the editor declared for it in the evidence
//! config (see [`crate::evidence`]).
//!
//! Ids: `evidence.<theme>.<last id part>` in lower case with `.` → `-`, e.g.
//! `SC.SSI/GEN.18` → `evidence.ssi.gen-18`, `SC.DMP/CONF.08` →
//! `evidence.dmp.conf-08`.
//!
//! - nothing declared → not applicable ("no evidence file declared");
//! - every declared file provided (readable, non-empty; SHA-256 recorded) → passed;
//! - a declared file missing, empty or unreadable → failed, naming each one.
//!
//! This is all a run can verify for these requirements: the catalogue marks
//! them as organisational, proven by documents the ANS reviews.

use crate::catalogue::{CATALOGUE, CheckKind, Requirement, Theme};
use crate::evidence::EvidenceFileStatus;
use crate::failure::{Failure, ScenarioResult};
use crate::{Error, Registry, RunContext, Scenario};

/// The scenario name of an evidence requirement (`SC.SSI/GEN.18` → `gen-18`).
pub fn scenario_name(requirement: &Requirement) -> String {
    let last = requirement.id.rsplit('/').next().unwrap_or(requirement.id);
    last.to_ascii_lowercase().replace('.', "-")
}

/// Registers the suite.
pub fn register(registry: &mut Registry) -> Result<(), Error> {
    let mut suite = registry.suite("evidence", "Editor evidence (organisational requirements)")?;
    for theme in Theme::ALL {
        let requirements: Vec<&'static Requirement> = CATALOGUE
            .iter()
            .filter(|r| r.theme == theme && r.check == CheckKind::Evidence)
            .collect();
        if requirements.is_empty() {
            continue;
        }
        let mut group = suite.group(
            &theme.code().to_ascii_lowercase(),
            &format!("{} evidence", theme.label()),
        )?;
        for requirement in requirements {
            group.add(
                Scenario::new(
                    scenario_name(requirement),
                    format!(
                        "The editor provides evidence for {}: {}",
                        requirement.id, requirement.summary
                    ),
                    move |ctx| check_declared(ctx, requirement),
                )
                .requirement(requirement.id),
            )?;
        }
    }
    Ok(())
}

async fn check_declared(ctx: RunContext, requirement: &'static Requirement) -> ScenarioResult {
    let declared = ctx.editor_evidence(requirement.id);
    if declared.is_empty() {
        return Err(Failure::not_applicable(format!(
            "no evidence file declared for {} in the evidence config",
            requirement.id
        )));
    }
    let mut problems = Vec::new();
    for check in declared {
        let name = format!("{} is provided", check.path);
        let outcome = ctx
            .step(name, async {
                match check.status {
                    EvidenceFileStatus::Provided => Ok(()),
                    _ => Err(Failure::check(format!(
                        "declared evidence file {} is {}{}",
                        check.path,
                        check.status.as_str(),
                        check
                            .message
                            .as_deref()
                            .map(|m| format!(": {m}"))
                            .unwrap_or_default()
                    ))),
                }
            })
            .await;
        if let Err(f) = outcome {
            problems.push(f.message().to_owned());
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Failure::check(problems.join("; ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_scenario_per_evidence_requirement() {
        let registry = Registry::builtin().unwrap();
        let evidence: Vec<_> = CATALOGUE
            .iter()
            .filter(|r| r.check == CheckKind::Evidence)
            .collect();
        assert_eq!(evidence.len(), 8);
        for r in evidence {
            let scenarios: Vec<_> = registry.for_requirement(r.id).collect();
            assert_eq!(scenarios.len(), 1, "{}", r.id);
            assert!(scenarios[0].id().as_str().starts_with("evidence."));
        }
        assert!(registry.get("evidence.ssi.gen-18").is_some());
        assert!(registry.get("evidence.dmp.conf-08").is_some());
    }
}
