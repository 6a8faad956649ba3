//! Suites, groups, scenarios and the registry that validates them.
//!
//! A scenario's id is `suite.group.name` (e.g. `ins.datamatrix.found`): three
//! segments of lower-case ASCII letters, digits and `-`, each starting with a
//! letter or digit. Ids are stable: reports, JUnit history and evidence packs
//! refer to them, so never rename a released one.

use std::collections::HashSet;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::catalogue::{self, Profile, Requirement, Theme};
use crate::context::RunContext;
use crate::error::{Error, RegistrationError};
use crate::failure::ScenarioResult;
use crate::host::BoxFuture;

/// The full, stable id of a scenario: `suite.group.name`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ScenarioId(String);

impl ScenarioId {
    fn new(suite: &str, group: &str, name: &str) -> Self {
        ScenarioId(format!("{suite}.{group}.{name}"))
    }

    /// The whole id.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The suite segment (`ins`).
    pub fn suite(&self) -> &str {
        self.0.split('.').next().unwrap_or_default()
    }

    /// The suite and group segments (`ins.datamatrix`).
    pub fn group(&self) -> &str {
        self.0.rsplit_once('.').map(|(g, _)| g).unwrap_or_default()
    }

    /// The last segment (`found`).
    pub fn name(&self) -> &str {
        self.0.rsplit('.').next().unwrap_or_default()
    }
}

impl fmt::Display for ScenarioId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn validate_segment(what: &'static str, id: &str) -> Result<(), RegistrationError> {
    let invalid = |reason| RegistrationError::InvalidId {
        what,
        id: id.to_owned(),
        reason,
    };
    let first = id.chars().next().ok_or_else(|| invalid("it is empty"))?;
    if id.len() > 48 {
        return Err(invalid("it is longer than 48 characters"));
    }
    if !(first.is_ascii_lowercase() || first.is_ascii_digit()) {
        return Err(invalid("it must start with a lower-case letter or a digit"));
    }
    if !id
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(invalid(
            "only lower-case ASCII letters, digits and `-` are allowed",
        ));
    }
    Ok(())
}

/// The body of a scenario, type-erased.
trait Body: Send + Sync {
    fn call(&self, ctx: RunContext) -> BoxFuture<'static, ScenarioResult>;
}

impl<F, Fut> Body for F
where
    F: Fn(RunContext) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ScenarioResult> + Send + 'static,
{
    fn call(&self, ctx: RunContext) -> BoxFuture<'static, ScenarioResult> {
        Box::pin(self(ctx))
    }
}

/// A scenario definition, before registration.
///
/// The body is any `async fn(RunContext) -> ScenarioResult` (or a closure
/// returning such a future). It owns its [`RunContext`], a cheap handle.
///
/// ```
/// use segur_conformance::{RunContext, Scenario, ScenarioResult};
///
/// async fn opens(ctx: RunContext) -> ScenarioResult {
///     let files = ctx.patient_files()?;
///     ctx.step("list the patient files", async { Ok(files.list().await?) }).await?;
///     Ok(())
/// }
///
/// let s = Scenario::new("opens", "The host lists its patient files", opens)
///     .requirement("SENTINELLE.17");
/// assert_eq!(s.name(), "opens");
/// ```
pub struct Scenario {
    name: String,
    title: String,
    requirement_ids: Vec<String>,
    timeout: Option<Duration>,
    body: Arc<dyn Body>,
}

impl fmt::Debug for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scenario")
            .field("name", &self.name)
            .field("title", &self.title)
            .field("requirement_ids", &self.requirement_ids)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Scenario {
    /// A scenario with its short `name` (last id segment), a one-line `title`
    /// saying what it proves, and its body.
    pub fn new<F, Fut>(name: impl Into<String>, title: impl Into<String>, body: F) -> Self
    where
        F: Fn(RunContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ScenarioResult> + Send + 'static,
    {
        Scenario {
            name: name.into(),
            title: title.into(),
            requirement_ids: Vec::new(),
            timeout: None,
            body: Arc::new(body),
        }
    }

    /// Tags the scenario with a requirement id it proves (checked against
    /// the catalogue at registration).
    pub fn requirement(mut self, id: impl Into<String>) -> Self {
        self.requirement_ids.push(id.into());
        self
    }

    /// Tags the scenario with several requirement ids.
    pub fn requirements<I, S>(mut self, ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.requirement_ids.extend(ids.into_iter().map(Into::into));
        self
    }

    /// Overrides the run's default per-scenario timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The short name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// A registered scenario: validated id and requirements.
#[derive(Clone)]
pub struct RegisteredScenario {
    id: ScenarioId,
    title: String,
    requirements: Vec<&'static Requirement>,
    timeout: Option<Duration>,
    body: Arc<dyn Body>,
}

impl fmt::Debug for RegisteredScenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegisteredScenario")
            .field("id", &self.id)
            .field("title", &self.title)
            .field(
                "requirements",
                &self.requirements.iter().map(|r| r.id).collect::<Vec<_>>(),
            )
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl RegisteredScenario {
    /// The full id.
    pub fn id(&self) -> &ScenarioId {
        &self.id
    }

    /// The one-line title.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// The requirements it proves, in tagging order.
    pub fn requirements(&self) -> &[&'static Requirement] {
        &self.requirements
    }

    /// Its own timeout, if it overrides the run's default.
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    pub(crate) fn call(&self, ctx: RunContext) -> BoxFuture<'static, ScenarioResult> {
        self.body.call(ctx)
    }
}

/// A group of scenarios inside a suite (e.g. `ins.datamatrix`).
#[derive(Debug, Clone)]
pub struct Group {
    id: String,
    title: String,
    scenarios: Vec<RegisteredScenario>,
}

impl Group {
    /// `suite.group`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Its title.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// Its scenarios, in registration order.
    pub fn scenarios(&self) -> &[RegisteredScenario] {
        &self.scenarios
    }
}

/// A suite (usually one per crate: `ins`, `dmp`, `evidence`…).
#[derive(Debug, Clone)]
pub struct Suite {
    id: String,
    title: String,
    groups: Vec<Group>,
}

impl Suite {
    /// Its id (first id segment).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Its title.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// Its groups, in registration order.
    pub fn groups(&self) -> &[Group] {
        &self.groups
    }
}

/// Every registered scenario, validated against the catalogue.
///
/// ```
/// use segur_conformance::{Registry, RunContext, Scenario, ScenarioResult};
///
/// async fn noop(_ctx: RunContext) -> ScenarioResult { Ok(()) }
///
/// let mut registry = Registry::new();
/// let mut suite = registry.suite("demo", "Demonstration")?;
/// let mut group = suite.group("basics", "Basics")?;
/// group.add(Scenario::new("noop", "Does nothing", noop).requirement("SC.PSC.01"))?;
/// // An unknown requirement id is refused at registration.
/// assert!(group.add(Scenario::new("bad", "Bad", noop).requirement("SC.PSC.99")).is_err());
/// assert_eq!(registry.len(), 1);
/// # Ok::<(), segur_conformance::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Registry {
    suites: Vec<Suite>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Registry::default()
    }

    /// The scenarios shipped with this crate (see [`crate::scenarios`]).
    pub fn builtin() -> Result<Self, Error> {
        let mut registry = Registry::new();
        crate::scenarios::register_all(&mut registry)?;
        Ok(registry)
    }

    /// Opens a new suite for registration.
    pub fn suite(&mut self, id: &str, title: &str) -> Result<SuiteBuilder<'_>, Error> {
        validate_segment("suite", id)?;
        if self.suites.iter().any(|s| s.id == id) {
            return Err(RegistrationError::Duplicate {
                what: "suite",
                id: id.to_owned(),
            }
            .into());
        }
        self.suites.push(Suite {
            id: id.to_owned(),
            title: title.to_owned(),
            groups: Vec::new(),
        });
        let index = self.suites.len() - 1;
        Ok(SuiteBuilder {
            suite: &mut self.suites[index],
        })
    }

    /// The suites, in registration order.
    pub fn suites(&self) -> &[Suite] {
        &self.suites
    }

    /// Every scenario, in registration order.
    pub fn scenarios(&self) -> impl Iterator<Item = &RegisteredScenario> {
        self.suites
            .iter()
            .flat_map(|s| &s.groups)
            .flat_map(|g| &g.scenarios)
    }

    /// Number of scenarios.
    pub fn len(&self) -> usize {
        self.scenarios().count()
    }

    /// Whether no scenario is registered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The scenario with this full id.
    pub fn get(&self, id: &str) -> Option<&RegisteredScenario> {
        self.scenarios().find(|s| s.id.as_str() == id)
    }

    /// The scenarios tagged with requirement `id`.
    pub fn for_requirement<'a>(
        &'a self,
        id: &'a str,
    ) -> impl Iterator<Item = &'a RegisteredScenario> + 'a {
        self.scenarios()
            .filter(move |s| s.requirements.iter().any(|r| r.id == id))
    }

    /// The scenarios the filter selects, in registration order.
    pub fn select<'a>(&'a self, filter: &Filter) -> Vec<&'a RegisteredScenario> {
        self.scenarios().filter(|s| filter.matches(s)).collect()
    }
}

/// Registers groups into one suite.
#[derive(Debug)]
pub struct SuiteBuilder<'r> {
    suite: &'r mut Suite,
}

impl SuiteBuilder<'_> {
    /// Opens a new group (`name` is the second id segment).
    pub fn group(&mut self, name: &str, title: &str) -> Result<GroupBuilder<'_>, Error> {
        validate_segment("group", name)?;
        let id = format!("{}.{name}", self.suite.id);
        if self.suite.groups.iter().any(|g| g.id == id) {
            return Err(RegistrationError::Duplicate { what: "group", id }.into());
        }
        self.suite.groups.push(Group {
            id,
            title: title.to_owned(),
            scenarios: Vec::new(),
        });
        let index = self.suite.groups.len() - 1;
        Ok(GroupBuilder {
            suite_id: &self.suite.id,
            group: &mut self.suite.groups[index],
        })
    }
}

/// Registers scenarios into one group.
#[derive(Debug)]
pub struct GroupBuilder<'s> {
    suite_id: &'s str,
    group: &'s mut Group,
}

impl GroupBuilder<'_> {
    /// Validates and registers a scenario: its name must be a valid, unique
    /// segment and it must name at least one requirement, every one in the
    /// catalogue.
    pub fn add(&mut self, scenario: Scenario) -> Result<&mut Self, Error> {
        validate_segment("scenario", &scenario.name)?;
        let group_name = self.group.id.rsplit('.').next().unwrap_or_default();
        let id = ScenarioId::new(self.suite_id, group_name, &scenario.name);
        if self.group.scenarios.iter().any(|s| s.id == id) {
            return Err(RegistrationError::Duplicate {
                what: "scenario",
                id: id.0,
            }
            .into());
        }
        if scenario.requirement_ids.is_empty() {
            return Err(RegistrationError::NoRequirement(id.0).into());
        }
        let mut requirements = Vec::with_capacity(scenario.requirement_ids.len());
        let mut seen = HashSet::new();
        for rid in &scenario.requirement_ids {
            let r = catalogue::requirement(rid).ok_or_else(|| {
                RegistrationError::UnknownRequirement {
                    scenario: id.0.clone(),
                    requirement: rid.clone(),
                }
            })?;
            if seen.insert(r.id) {
                requirements.push(r);
            }
        }
        self.group.scenarios.push(RegisteredScenario {
            id,
            title: scenario.title,
            requirements,
            timeout: scenario.timeout,
            body: scenario.body,
        });
        Ok(self)
    }
}

/// Which scenarios a run selects.
///
/// Every criterion that is set must hold (criteria of one kind are
/// alternatives): a scenario is selected when its id matches one of the
/// globs, and one of its requirements is in the requirement list, in one of
/// the themes and in one of the profiles.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    requirements: Vec<&'static Requirement>,
    themes: Vec<Theme>,
    profiles: Vec<Profile>,
    scenarios: Vec<String>,
}

impl Filter {
    /// Selects everything.
    pub fn new() -> Self {
        Filter::default()
    }

    /// Adds a requirement id (fails on an id not in the catalogue).
    pub fn requirement(mut self, id: &str) -> Result<Self, Error> {
        self.requirements.push(catalogue::lookup(id)?);
        Ok(self)
    }

    /// Adds a requirement taken from the catalogue (cannot fail).
    pub fn catalogue_requirement(mut self, requirement: &'static Requirement) -> Self {
        self.requirements.push(requirement);
        self
    }

    /// Adds a theme.
    pub fn theme(mut self, theme: Theme) -> Self {
        self.themes.push(theme);
        self
    }

    /// Adds a profile.
    pub fn profile(mut self, profile: Profile) -> Self {
        self.profiles.push(profile);
        self
    }

    /// Adds a scenario-id glob: `*` matches any run of characters (dots
    /// included), `?` any one character; `ins.*` selects the INS suite.
    pub fn scenario(mut self, glob: impl Into<String>) -> Self {
        self.scenarios.push(glob.into());
        self
    }

    /// The requirement ids of the filter.
    pub fn requirement_ids(&self) -> Vec<&'static str> {
        self.requirements.iter().map(|r| r.id).collect()
    }

    /// The themes of the filter.
    pub fn themes(&self) -> &[Theme] {
        &self.themes
    }

    /// The profiles of the filter.
    pub fn profiles(&self) -> &[Profile] {
        &self.profiles
    }

    /// The scenario globs of the filter.
    pub fn scenario_globs(&self) -> &[String] {
        &self.scenarios
    }

    /// Whether it selects everything.
    pub fn is_empty(&self) -> bool {
        *self == Filter::default()
    }

    /// Whether a requirement passes the requirement, theme and profile criteria.
    pub fn matches_requirement(&self, r: &Requirement) -> bool {
        (self.requirements.is_empty() || self.requirements.iter().any(|q| q.id == r.id))
            && (self.themes.is_empty() || self.themes.contains(&r.theme))
            && (self.profiles.is_empty() || self.profiles.iter().any(|p| r.in_profile(*p)))
    }

    /// Whether the filter selects the scenario.
    pub fn matches(&self, scenario: &RegisteredScenario) -> bool {
        (self.scenarios.is_empty()
            || self
                .scenarios
                .iter()
                .any(|g| glob_match(g, scenario.id.as_str())))
            && scenario
                .requirements
                .iter()
                .any(|r| self.matches_requirement(r))
    }
}

/// `*` / `?` wildcard match over characters (no character classes).
pub(crate) fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    // Position of the last `*` in the pattern and the text index it matched up to.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn noop(_ctx: RunContext) -> ScenarioResult {
        Ok(())
    }

    #[test]
    fn globs() {
        assert!(glob_match("ins.*", "ins.datamatrix.found"));
        assert!(glob_match("*.found", "ins.datamatrix.found"));
        assert!(glob_match("ins.*.found", "ins.datamatrix.found"));
        assert!(glob_match("ins.datamatrix.f?und", "ins.datamatrix.found"));
        assert!(glob_match("*", ""));
        assert!(glob_match("ins.datamatrix.found", "ins.datamatrix.found"));
        assert!(!glob_match("ins.datamatrix", "ins.datamatrix.found"));
        assert!(!glob_match("dmp.*", "ins.datamatrix.found"));
        assert!(!glob_match("?", ""));
        assert!(glob_match("a*b*c", "aXXbYYc"));
        assert!(!glob_match("a*b*c", "aXXbYY"));
    }

    #[test]
    fn registration_validates() -> Result<(), Error> {
        let mut r = Registry::new();
        assert!(r.suite("Bad", "x").is_err());
        assert!(r.suite("", "x").is_err());
        let mut s = r.suite("ins", "INS")?;
        assert!(s.group("data matrix", "x").is_err());
        let mut g = s.group("datamatrix", "Datamatrix")?;
        g.add(Scenario::new("found", "t", noop).requirement("SENTINELLE.02"))?;
        let dup = g.add(Scenario::new("found", "t", noop).requirement("SENTINELLE.02"));
        assert!(matches!(
            dup,
            Err(Error::Registration(RegistrationError::Duplicate { .. }))
        ));
        let none = g.add(Scenario::new("none", "t", noop));
        assert!(matches!(
            none,
            Err(Error::Registration(RegistrationError::NoRequirement(_)))
        ));
        let unknown = g.add(
            Scenario::new("unknown", "t", noop).requirements(["SENTINELLE.02", "SENTINELLE.99"]),
        );
        match unknown {
            Err(Error::Registration(RegistrationError::UnknownRequirement {
                scenario,
                requirement,
            })) => {
                assert_eq!(scenario, "ins.datamatrix.unknown");
                assert_eq!(requirement, "SENTINELLE.99");
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(
            g.add(Scenario::new("-x", "t", noop).requirement("SENTINELLE.02"))
                .is_err()
        );
        assert!(s.group("datamatrix", "again").is_err());
        assert!(r.suite("ins", "again").is_err());
        assert_eq!(r.len(), 1);
        let sc = r
            .get("ins.datamatrix.found")
            .ok_or(Error::Report("missing".into()))?;
        assert_eq!(sc.id().suite(), "ins");
        assert_eq!(sc.id().group(), "ins.datamatrix");
        assert_eq!(sc.id().name(), "found");
        Ok(())
    }

    #[test]
    fn duplicate_tags_are_merged() -> Result<(), Error> {
        let mut r = Registry::new();
        r.suite("a", "A")?
            .group("b", "B")?
            .add(Scenario::new("c", "t", noop).requirements(["SC.PSC.01", "SC.PSC.01"]))?;
        assert_eq!(
            r.scenarios().next().map(|s| s.requirements().len()),
            Some(1)
        );
        Ok(())
    }

    #[test]
    fn filters() -> Result<(), Error> {
        let mut r = Registry::new();
        {
            let mut s = r.suite("x", "X")?;
            let mut g = s.group("g", "G")?;
            g.add(Scenario::new("ins", "t", noop).requirement("SENTINELLE.02"))?;
            g.add(Scenario::new("enfant", "t", noop).requirement("LGC.CSE.04"))?;
            g.add(Scenario::new("mixed", "t", noop).requirements(["SC.PSC.13", "SC.SSI/GEN.16"]))?;
        }
        let ids = |f: &Filter| -> Vec<String> {
            r.select(f)
                .iter()
                .map(|s| s.id().name().to_owned())
                .collect()
        };
        assert_eq!(ids(&Filter::new()), ["ins", "enfant", "mixed"]);
        assert_eq!(ids(&Filter::new().theme(Theme::Ins)), ["ins"]);
        assert_eq!(
            ids(&Filter::new().profile(Profile::SuiviEnfant)),
            ["enfant"]
        );
        assert_eq!(ids(&Filter::new().profile(Profile::CentreSante)), ["mixed"]);
        assert_eq!(
            ids(&Filter::new()
                .profile(Profile::ConnexionPscCiba)
                .theme(Theme::Ssi)),
            Vec::<String>::new(),
            "theme and profile must hold on the same requirement"
        );
        assert_eq!(ids(&Filter::new().requirement("SC.SSI/GEN.16")?), ["mixed"]);
        assert_eq!(ids(&Filter::new().scenario("*.e*")), ["enfant"]);
        assert_eq!(
            ids(&Filter::new().scenario("x.g.*").theme(Theme::Enfant)),
            ["enfant"]
        );
        assert!(Filter::new().requirement("nope").is_err());
        assert!(Filter::new().is_empty());
        assert!(!Filter::new().theme(Theme::Dmp).is_empty());
        Ok(())
    }
}
