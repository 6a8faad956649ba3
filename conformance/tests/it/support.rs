//! Test-only hosts, services and scenarios exercising the engine, and a tiny
//! XML tree reader for parsing reports back.
//!
//! The scenarios here are tagged with requirement ids only because
//! registration demands it: they prove nothing about those requirements and
//! are never shipped in the built-in registry.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use quick_xml::events::Event;
use segur_conformance::host::{BoxFuture, PatientFileRef, PatientFiles};
use segur_conformance::services::{ServiceEnv, SimulatedService};
use segur_conformance::{
    Failure, Host, HostError, HostInfo, Payload, Registry, RunContext, Scenario, ScenarioResult,
    ensure, ensure_eq,
};

/// The text a failing scenario reports: markup, quotes, an ampersand and a
/// control character, to prove every output escapes it.
pub const NASTY: &str = "expected </failure><script>alert(\"x\")</script> & 'quoted' \u{1} end";

/// What [`NASTY`] reads like once parsed back (the control character is not
/// representable in XML and becomes U+FFFD).
pub const NASTY_PARSED: &str =
    "expected </failure><script>alert(\"x\")</script> & 'quoted' \u{FFFD} end";

/// A host with patient files only, counting resets.
#[derive(Default)]
pub struct FilesHost {
    pub files: Vec<String>,
    pub resets: AtomicU32,
    pub opened: Mutex<Vec<String>>,
}

impl Host for FilesHost {
    fn info(&self) -> HostInfo {
        HostInfo::new("Files <Host> & co", "1.0").editor("Éditeur \"test\"")
    }

    fn reset(&self) -> BoxFuture<'_, Result<(), HostError>> {
        self.resets.fetch_add(1, Ordering::SeqCst);
        Box::pin(async { Ok(()) })
    }

    fn patient_files(&self) -> Option<&dyn PatientFiles> {
        Some(self)
    }
}

impl PatientFiles for FilesHost {
    fn list(&self) -> BoxFuture<'_, Result<Vec<PatientFileRef>, HostError>> {
        Box::pin(async move { Ok(self.files.iter().map(PatientFileRef::new).collect()) })
    }

    fn open<'a>(&'a self, file: &'a PatientFileRef) -> BoxFuture<'a, Result<(), HostError>> {
        Box::pin(async move {
            if self.files.iter().any(|f| f == file.as_str()) {
                self.opened
                    .lock()
                    .expect("test mutex")
                    .push(file.as_str().to_owned());
                Ok(())
            } else {
                Err(HostError::failed(format!("no patient file {file}")))
            }
        })
    }
}

/// A host whose reset always fails.
pub struct BrokenResetHost;

impl Host for BrokenResetHost {
    fn info(&self) -> HostInfo {
        HostInfo::new("broken", "0")
    }

    fn reset(&self) -> BoxFuture<'_, Result<(), HostError>> {
        Box::pin(async { Err(HostError::failed("database is locked")) })
    }
}

/// A faulty host whose `open` blocks its thread (a synchronous call to a
/// national service in the UI path) instead of awaiting.
pub struct BlockingHost;

impl Host for BlockingHost {
    fn info(&self) -> HostInfo {
        HostInfo::new("blocking", "0")
    }

    fn patient_files(&self) -> Option<&dyn PatientFiles> {
        Some(self)
    }
}

impl PatientFiles for BlockingHost {
    fn list(&self) -> BoxFuture<'_, Result<Vec<PatientFileRef>, HostError>> {
        Box::pin(async { Ok(vec![PatientFileRef::new("patient-a")]) })
    }

    fn open<'a>(&'a self, _file: &'a PatientFileRef) -> BoxFuture<'a, Result<(), HostError>> {
        Box::pin(async {
            std::thread::sleep(Duration::from_secs(3));
            Ok(())
        })
    }
}

/// Counts the simulators started, across the whole test binary.
pub static COUNTERS_STARTED: AtomicU32 = AtomicU32::new(0);

/// A toy simulated service: counts calls and records each exchange.
pub struct Counter {
    env: ServiceEnv,
    calls: AtomicU32,
}

impl SimulatedService for Counter {
    const NAME: &'static str = "counter";

    async fn start(env: ServiceEnv) -> Result<Self, Failure> {
        COUNTERS_STARTED.fetch_add(1, Ordering::SeqCst);
        Ok(Counter {
            env,
            calls: AtomicU32::new(0),
        })
    }
}

impl Counter {
    pub fn call(&self, body: &str) -> u32 {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        self.env.record_exchange(
            "POST /count",
            Payload::text(body),
            Some(Payload::json(format!("{{\"count\":{n}}}").into_bytes())),
        );
        n
    }
}

/// A service that cannot start.
pub struct Unstartable;

impl SimulatedService for Unstartable {
    const NAME: &'static str = "unstartable";

    async fn start(_env: ServiceEnv) -> Result<Self, Failure> {
        Err(Failure::service("port already in use"))
    }
}

async fn passes(ctx: RunContext) -> ScenarioResult {
    let first_uuid = ctx.ids().uuid();
    ctx.step("read the virtual clock", async {
        ensure_eq("epoch year", 2025, ctx.now().year())
    })
    .await?;
    ctx.step("call the counter simulator twice", async {
        let a = ctx.service::<Counter>().await?;
        let b = ctx.service::<Counter>().await?;
        ensure(Arc::ptr_eq(&a, &b), "one instance per scenario")?;
        ensure_eq("first call", 1, a.call("one"))?;
        ensure_eq("second call", 2, b.call("two"))
    })
    .await?;
    ctx.clock().advance(Duration::from_secs(3600));
    ctx.evidence().document(
        "produced.xml",
        Payload::xml(format!("<doc id=\"{first_uuid}\"/>").into_bytes()),
    );
    ctx.evidence()
        .validation_report("validation", Payload::text("0 errors"));
    ctx.evidence().rendering("rendering", "<p>rendered</p>");
    ctx.evidence().note("ids", ctx.ids().name("patient"));
    Ok(())
}

async fn fresh_service(ctx: RunContext) -> ScenarioResult {
    ctx.step("a new scenario gets a new simulator", async {
        ensure(!ctx.has_service::<Counter>().await, "not started yet")?;
        let c = ctx.service::<Counter>().await?;
        ensure_eq("first call", 1, c.call("again"))
    })
    .await
}

async fn fails(ctx: RunContext) -> ScenarioResult {
    ctx.step("first step passes", async { Ok(()) }).await?;
    ctx.step("second step fails", async { Err(Failure::check(NASTY)) })
        .await?;
    ctx.step("never reached", async { Ok(()) }).await
}

async fn panics(ctx: RunContext) -> ScenarioResult {
    ctx.step("step that panics", async {
        let v: Vec<u8> = Vec::new();
        // An out-of-bounds index: a real bug in a scenario or host adapter.
        let _ = v[3];
        Ok(())
    })
    .await
}

async fn times_out(ctx: RunContext) -> ScenarioResult {
    ctx.step("wait for an answer that never comes", async {
        tokio::time::sleep(Duration::from_secs(600)).await;
        Ok(())
    })
    .await
}

async fn needs_dmp(ctx: RunContext) -> ScenarioResult {
    let _dmp = ctx.dmp()?;
    Err(Failure::check("unreachable with a host without DMP"))
}

async fn opens_files(ctx: RunContext) -> ScenarioResult {
    let files = ctx.patient_files()?;
    let list = ctx
        .step("list the patient files", async { Ok(files.list().await?) })
        .await?;
    ensure(!list.is_empty(), "the host holds no patient file")?;
    for f in &list {
        ctx.step(format!("open {f}"), async { Ok(files.open(f).await?) })
            .await?;
    }
    let missing = PatientFileRef::new("no-such-file");
    let err = files.open(&missing).await;
    ensure(err.is_err(), "opening an unknown file must fail")
}

async fn service_fails(ctx: RunContext) -> ScenarioResult {
    ctx.service::<Unstartable>().await?;
    Ok(())
}

/// The engine's test registry: suite `engine`, group `basic`.
pub fn engine_registry() -> Registry {
    let mut registry = Registry::new();
    let mut suite = registry.suite("engine", "Engine tests").expect("suite");
    let mut g = suite.group("basic", "Basic behaviours").expect("group");
    g.add(
        Scenario::new("passes", "Passes, with steps and artefacts", passes)
            .requirement("SENTINELLE.02"),
    )
    .expect("add");
    g.add(
        Scenario::new("fresh-service", "Services are per scenario", fresh_service)
            .requirement("SENTINELLE.03"),
    )
    .expect("add");
    g.add(
        Scenario::new("fails", "Fails in its second step", fails)
            .requirements(["SENTINELLE.02", "SC.CDA/DD.20"]),
    )
    .expect("add");
    g.add(Scenario::new("panics", "Panics", panics).requirement("SC.DMP/CONF.06"))
        .expect("add");
    g.add(
        Scenario::new("times-out", "Never finishes", times_out)
            .requirement("SC.DMP/CONF.09")
            .timeout(Duration::from_millis(200)),
    )
    .expect("add");
    g.add(Scenario::new("needs-dmp", "Needs the DMP area", needs_dmp).requirement("SC.DMP/UX.08"))
        .expect("add");
    g.add(
        Scenario::new("opens-files", "Opens every patient file", opens_files)
            .requirement("SENTINELLE.05"),
    )
    .expect("add");
    g.add(
        Scenario::new("service-fails", "Its simulator cannot start", service_fails)
            .requirement("SC.MSS/CONF.01"),
    )
    .expect("add");
    registry
}

/// A parsed XML element.
#[derive(Debug, Default, Clone)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: String,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every descendant (and self) named `name`, in document order.
    pub fn find_all<'a>(&'a self, name: &str, out: &mut Vec<&'a Element>) {
        if self.name == name {
            out.push(self);
        }
        for c in &self.children {
            c.find_all(name, out);
        }
    }

    pub fn all(&self, name: &str) -> Vec<&Element> {
        let mut v = Vec::new();
        self.find_all(name, &mut v);
        v
    }

    /// The text of self and every descendant, concatenated.
    pub fn deep_text(&self) -> String {
        let mut s = self.text.clone();
        for c in &self.children {
            s.push_str(&c.deep_text());
        }
        s
    }
}

/// Parses a whole document into its root element, failing on any
/// well-formedness error.
pub fn parse_xml(text: &str) -> Element {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut stack: Vec<Element> = vec![Element::default()];
    let open = |e: &quick_xml::events::BytesStart<'_>| Element {
        name: String::from_utf8_lossy(e.name().as_ref()).into_owned(),
        attrs: e
            .attributes()
            .map(|a| {
                let a = a.expect("well-formed attribute");
                (
                    String::from_utf8_lossy(a.key.as_ref()).into_owned(),
                    a.unescape_value().expect("attribute value").into_owned(),
                )
            })
            .collect(),
        ..Element::default()
    };
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => stack.push(open(&e)),
            Event::Empty(e) => {
                let el = open(&e);
                stack.last_mut().expect("parent").children.push(el);
            }
            Event::End(_) => {
                let el = stack.pop().expect("open element");
                stack.last_mut().expect("parent").children.push(el);
            }
            Event::Text(t) => stack
                .last_mut()
                .expect("element")
                .text
                .push_str(&t.xml10_content().expect("utf-8 text")),
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref().expect("char ref") {
                    Some(c) => c.to_string(),
                    None => {
                        let name = r.decode().expect("utf-8 ref").into_owned();
                        quick_xml::escape::resolve_predefined_entity(&name)
                            .unwrap_or_else(|| panic!("undefined entity &{name};"))
                            .to_owned()
                    }
                };
                stack.last_mut().expect("element").text.push_str(&resolved);
            }
            Event::CData(c) => stack
                .last_mut()
                .expect("element")
                .text
                .push_str(&String::from_utf8_lossy(&c)),
            Event::Eof => break,
            Event::Decl(_) | Event::DocType(_) | Event::Comment(_) | Event::PI(_) => {}
        }
    }
    assert_eq!(stack.len(), 1, "unclosed elements");
    let mut doc = stack.pop().expect("document");
    assert_eq!(doc.children.len(), 1, "exactly one root element");
    doc.children.remove(0)
}
