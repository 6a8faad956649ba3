//! Display of a CDA document through an XSLT display stylesheet (the ANS
//! official one, SC.CDA/INT.15), run by an external XSLT processor.
//!
//! [`render`](mod@crate::render) is the SDK's own HTML renderer. Some
//! requirements ask for the *official* rendering instead: the ANS display
//! stylesheet `FeuilleDeStyle/CDA-FO.xsl` of the public repository
//! [`ansforge/TestContenuCDA-3-0`](https://github.com/ansforge/TestContenuCDA-3-0)
//! (derived from the HL7 / Alschuler `cda_modular.xsl`, French labels,
//! version history up to 1.7, 2023-06-01). This module applies such a
//! stylesheet to a document with a processor the editor configures
//! ([`XsltProcessor`]) and returns the page it produces
//! ([`StylesheetRendering`]).
//!
//! # Getting the official stylesheet
//! **The SDK never ships it** (it is a third-party file, and its version is
//! the editor's to follow). Take the whole `FeuilleDeStyle/` folder of
//! `ansforge/TestContenuCDA-3-0` — the stylesheet loads its label file
//! `cda_l10n.xml` from its own folder (`document($vocFile)`) — and give
//! [`StylesheetRenderer::new`] the path of `CDA-FO.xsl` in it.
//!
//! Which processor runs it: the stylesheet declares `version="1.0"` but its
//! history says it moved to XSL 2.0 and it declares the `saxon` and EXSLT
//! namespaces. Whether libxslt's `xsltproc` (XSLT 1.0 + EXSLT) renders it
//! completely is UNCONFIRMED: use Saxon-HE for the official file, on a JVM
//! ([`XsltProcessor::Saxon`]) or without one through PyPI's `saxonche` and
//! the script `tools/saxonche_xslt.py` of this crate:
//! `command:python3 …/cda/tools/saxonche_xslt.py {stylesheet} {input} {output} {params}`
//! ([`XsltProcessor::Command`]). `xsltproc` is the light choice for XSLT 1.0
//! stylesheets (the test suites use it, and saxonche, with a stand-in
//! stylesheet of their own).
//!
//! # Safety
//! - The processor is run directly (argv, never through a shell), with its
//!   standard input closed, killed after [`StylesheetRenderer::timeout`].
//! - The document goes to the processor through a file in a fresh private
//!   temporary directory (mode 0700 on Unix), removed afterwards.
//! - The document is checked first: it must be a CDA document our parser
//!   reads (no entity other than the XML ones) and carry no `DOCTYPE` (an
//!   external DTD or entity would make the processor read other files or
//!   the network). `xsltproc` is run with `--nonet`. (So relative
//!   references of a document — a multimedia file next to it — do not
//!   resolve: the processor reads a private copy.)
//! - The page is what the stylesheet makes it: `CDA-FO.xsl` emits
//!   JavaScript unless its `useJavascript` parameter is `'false'`
//!   ([`StylesheetRenderer::with_param`]). Show it in a view that does not
//!   run scripts, or pass that parameter.
//!
//! # N1 documents
//! Any CDA document is accepted, N1 included: the official stylesheet
//! shows an N1's header and embeds its PDF, as the ANS viewer does. The
//! requirement (SC.CDA/INT.15) is about N3 documents; an LGC usually shows
//! an N1 by its PDF (and the SDK's reference host uses this module for N3
//! documents only).
//!
//! # Example
//! ```no_run
//! use segur_cda::samples;
//! use segur_cda::stylesheet::{StylesheetRenderer, XsltProcessor};
//!
//! let renderer = StylesheetRenderer::new(
//!     "/opt/ans/TestContenuCDA-3-0/FeuilleDeStyle/CDA-FO.xsl",
//!     "saxon:/opt/saxon/saxon-he-12.5.jar".parse::<XsltProcessor>()?,
//! )
//! .with_param("useJavascript", "false")?;
//! let xml = samples::n1_document()?.to_xml();
//! let page = renderer.render(&xml)?;
//! assert!(page.html.contains("<html"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::str::FromStr;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use quick_xml::events::Event;

use crate::document::Document;
use crate::error::ParseError;

/// Default time a processor may take ([`StylesheetRenderer::with_timeout`]):
/// the 1.9 MB official stylesheet on a cold JVM takes seconds.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Default largest page accepted ([`StylesheetRenderer::with_max_output`]):
/// an N1 embeds its PDF in base64.
pub const DEFAULT_MAX_OUTPUT: usize = 64 * 1024 * 1024;

/// How much of the processor's standard error is kept (diagnostics and
/// error messages).
const STDERR_KEPT: usize = 16 * 1024;

/// How much of the standard error an error message quotes.
const STDERR_EXCERPT: usize = 1000;

/// The external XSLT processor that applies the stylesheet.
///
/// Parsed from a string ([`FromStr`], e.g. for a CLI option or an
/// environment variable):
///
/// | string | processor |
/// |---|---|
/// | `xsltproc` | `xsltproc` found on `PATH` |
/// | `xsltproc:/usr/bin/xsltproc` | that `xsltproc` |
/// | `saxon:/opt/saxon-he.jar` | `java -jar /opt/saxon-he.jar …` (`java` on `PATH`) |
/// | `command:PROGRAM ARG…` | a command template, split on whitespace (no quoting): see [`XsltProcessor::Command`] |
///
/// ```
/// use segur_cda::stylesheet::XsltProcessor;
///
/// let p: XsltProcessor = "saxon:/opt/saxon-he.jar".parse()?;
/// assert_eq!(p, XsltProcessor::saxon_jar("/opt/saxon-he.jar"));
/// assert_eq!(p.to_string(), "saxon:/opt/saxon-he.jar");
/// let c: XsltProcessor = "command:python3 render.py {stylesheet} {input} {output} {params}".parse()?;
/// assert!(matches!(c, XsltProcessor::Command { .. }));
/// assert!("saxon:".parse::<XsltProcessor>().is_err());
/// # Ok::<(), segur_cda::stylesheet::StylesheetError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum XsltProcessor {
    /// libxslt's `xsltproc` (XSLT 1.0, EXSLT), run as
    /// `xsltproc --nonet [--stringparam NAME VALUE]… -o OUTPUT STYLESHEET INPUT`.
    Xsltproc {
        /// The program (`xsltproc` is looked up on `PATH`).
        program: PathBuf,
    },
    /// Saxon-HE (XSLT 3.0) on a JVM, run as
    /// `JAVA -jar JAR -xsl:STYLESHEET -s:INPUT -o:OUTPUT [NAME=VALUE]…`.
    Saxon {
        /// The `java` program.
        java: PathBuf,
        /// The Saxon-HE jar.
        jar: PathBuf,
    },
    /// Any processor, as a command template. In each argument,
    /// `{stylesheet}`, `{input}` and `{output}` are replaced by the paths;
    /// an argument that is exactly `{params}` becomes one `NAME=VALUE`
    /// argument per parameter (Saxon's syntax). Without an `{output}`
    /// placeholder, the page is read from the standard output. Parameters
    /// given to a template without `{params}` are refused
    /// ([`StylesheetError::InvalidParam`]).
    Command {
        /// The program.
        program: PathBuf,
        /// Its arguments, with placeholders.
        args: Vec<String>,
    },
}

impl XsltProcessor {
    /// `xsltproc` from `PATH`.
    pub fn xsltproc() -> Self {
        XsltProcessor::Xsltproc {
            program: PathBuf::from("xsltproc"),
        }
    }

    /// Saxon-HE from its jar, with `java` from `PATH`.
    pub fn saxon_jar(jar: impl Into<PathBuf>) -> Self {
        XsltProcessor::Saxon {
            java: PathBuf::from("java"),
            jar: jar.into(),
        }
    }

    /// A command template (see [`XsltProcessor::Command`]).
    pub fn command<I, S>(program: impl Into<PathBuf>, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        XsltProcessor::Command {
            program: program.into(),
            args: args.into_iter().map(Into::into).collect(),
        }
    }

    /// The program that is started.
    pub fn program(&self) -> &Path {
        match self {
            XsltProcessor::Xsltproc { program } | XsltProcessor::Command { program, .. } => program,
            XsltProcessor::Saxon { java, .. } => java,
        }
    }

    /// The arguments for one run, and whether the page comes on stdout.
    fn arguments(
        &self,
        stylesheet: &Path,
        input: &Path,
        output: &Path,
        params: &[(String, String)],
    ) -> Result<(Vec<OsString>, bool), StylesheetError> {
        match self {
            XsltProcessor::Xsltproc { .. } => {
                let mut args: Vec<OsString> = vec!["--nonet".into()];
                for (name, value) in params {
                    args.extend(["--stringparam".into(), name.into(), value.into()]);
                }
                args.extend(["-o".into(), output.into(), stylesheet.into(), input.into()]);
                Ok((args, false))
            }
            XsltProcessor::Saxon { jar, .. } => {
                let mut args: Vec<OsString> = vec!["-jar".into(), jar.into()];
                args.push(prefixed("-xsl:", stylesheet));
                args.push(prefixed("-s:", input));
                args.push(prefixed("-o:", output));
                args.extend(
                    params
                        .iter()
                        .map(|(n, v)| OsString::from(format!("{n}={v}"))),
                );
                Ok((args, false))
            }
            XsltProcessor::Command { args: template, .. } => {
                let has_params = template.iter().any(|a| a == "{params}");
                if let Some((name, _)) = params.first().filter(|_| !has_params) {
                    return Err(StylesheetError::InvalidParam {
                        name: name.clone(),
                        reason: "the command template has no {params} argument to pass it".into(),
                    });
                }
                let stdout = !template.iter().any(|a| a.contains("{output}"));
                let mut args = Vec::with_capacity(template.len() + params.len());
                for arg in template {
                    if arg == "{params}" {
                        args.extend(
                            params
                                .iter()
                                .map(|(n, v)| OsString::from(format!("{n}={v}"))),
                        );
                    } else {
                        args.push(substitute(
                            arg,
                            &[
                                ("{stylesheet}", stylesheet.as_os_str()),
                                ("{input}", input.as_os_str()),
                                ("{output}", output.as_os_str()),
                            ],
                        ));
                    }
                }
                Ok((args, stdout))
            }
        }
    }
}

fn prefixed(prefix: &str, path: &Path) -> OsString {
    let mut s = OsString::from(prefix);
    s.push(path);
    s
}

/// Replaces the placeholders of one template argument (paths may not be UTF-8).
fn substitute(arg: &str, values: &[(&str, &OsStr)]) -> OsString {
    let mut out = OsString::new();
    let mut rest = arg;
    'scan: while !rest.is_empty() {
        if let Some(i) = rest.find('{') {
            out.push(&rest[..i]);
            rest = &rest[i..];
            for (placeholder, value) in values {
                if let Some(after) = rest.strip_prefix(placeholder) {
                    out.push(value);
                    rest = after;
                    continue 'scan;
                }
            }
            out.push("{");
            rest = &rest[1..];
        } else {
            out.push(rest);
            break;
        }
    }
    out
}

impl FromStr for XsltProcessor {
    type Err = StylesheetError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let invalid = |reason: &str| StylesheetError::InvalidProcessor {
            spec: s.to_owned(),
            reason: reason.to_owned(),
        };
        if s == "xsltproc" {
            return Ok(XsltProcessor::xsltproc());
        }
        if let Some(path) = s.strip_prefix("xsltproc:") {
            return match path.trim() {
                "" => Err(invalid("no path after `xsltproc:`")),
                p => Ok(XsltProcessor::Xsltproc {
                    program: PathBuf::from(p),
                }),
            };
        }
        if let Some(jar) = s.strip_prefix("saxon:") {
            return match jar.trim() {
                "" => Err(invalid("no jar path after `saxon:`")),
                j => Ok(XsltProcessor::saxon_jar(j)),
            };
        }
        if let Some(command) = s.strip_prefix("command:") {
            let mut words = command.split_whitespace();
            return match words.next() {
                None => Err(invalid("no program after `command:`")),
                Some(program) => Ok(XsltProcessor::command(program, words)),
            };
        }
        Err(invalid(
            "expected `xsltproc`, `xsltproc:PATH`, `saxon:JAR` or `command:PROGRAM ARG…`",
        ))
    }
}

impl fmt::Display for XsltProcessor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            XsltProcessor::Xsltproc { program } if program == Path::new("xsltproc") => {
                f.write_str("xsltproc")
            }
            XsltProcessor::Xsltproc { program } => write!(f, "xsltproc:{}", program.display()),
            XsltProcessor::Saxon { java, jar } if java == Path::new("java") => {
                write!(f, "saxon:{}", jar.display())
            }
            // The same run as a command template, which parses back.
            XsltProcessor::Saxon { java, jar } => write!(
                f,
                "command:{} -jar {} -xsl:{{stylesheet}} -s:{{input}} -o:{{output}} {{params}}",
                java.display(),
                jar.display()
            ),
            XsltProcessor::Command { program, args } => {
                write!(f, "command:{}", program.display())?;
                for a in args {
                    write!(f, " {a}")?;
                }
                Ok(())
            }
        }
    }
}

/// Why a document could not be shown through the stylesheet.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StylesheetError {
    /// The stylesheet file does not exist or cannot be read.
    #[error("display stylesheet {path} cannot be read: {reason}")]
    StylesheetMissing {
        /// The path given.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A processor description (`xsltproc`, `saxon:JAR`…) is malformed.
    #[error("invalid XSLT processor {spec:?}: {reason}")]
    InvalidProcessor {
        /// The description.
        spec: String,
        /// Why.
        reason: String,
    },
    /// A stylesheet parameter cannot be passed.
    #[error("stylesheet parameter {name:?}: {reason}")]
    InvalidParam {
        /// The parameter.
        name: String,
        /// Why.
        reason: String,
    },
    /// The input is not a CDA document (checked before running anything).
    #[error("not a displayable CDA document: {0}")]
    NotCda(#[source] ParseError),
    /// The input declares a `DOCTYPE` (external DTDs and entities would make
    /// the processor read other files or the network).
    #[error("the document declares a DOCTYPE: refused (a CDA document has none)")]
    Doctype,
    /// The processor program was not found.
    #[error("XSLT processor `{program}` not found (install it or configure its path): {source}")]
    ProcessorMissing {
        /// The program.
        program: PathBuf,
        /// The spawn error.
        #[source]
        source: std::io::Error,
    },
    /// The processor could not be started (permissions…).
    #[error("XSLT processor `{program}` could not be started: {source}")]
    ProcessorStart {
        /// The program.
        program: PathBuf,
        /// The spawn error.
        #[source]
        source: std::io::Error,
    },
    /// The processor ended with a failure status.
    #[error("XSLT processor `{program}` failed ({status}): {stderr}")]
    ProcessorFailed {
        /// The program.
        program: PathBuf,
        /// Its exit status, as the system describes it.
        status: String,
        /// The start of its standard error (the processor's message).
        stderr: String,
    },
    /// The processor did not finish in time; it was killed.
    #[error("XSLT processor `{program}` did not finish within {} ms: killed", timeout.as_millis())]
    Timeout {
        /// The program.
        program: PathBuf,
        /// The time allowed.
        timeout: Duration,
    },
    /// The processor's output is not a usable page (empty, too large, not
    /// UTF-8 / Latin-1, not HTML).
    #[error("the stylesheet's output is not a usable page: {0}")]
    Output(String),
    /// The temporary files could not be written or read.
    #[error("temporary files of the stylesheet rendering: {0}")]
    Io(#[from] std::io::Error),
}

/// A page produced by the stylesheet.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StylesheetRendering {
    /// The page (HTML or XHTML), decoded.
    pub html: String,
    /// What the processor wrote on its standard error (warnings,
    /// `xsl:message` output), trimmed; empty when it said nothing.
    pub diagnostics: String,
    /// How long the processor ran.
    pub elapsed: Duration,
}

/// Renders CDA documents through one stylesheet with one processor.
///
/// Cheap to clone; `render` blocks the calling thread while the processor
/// runs (from async code, call it in `spawn_blocking`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StylesheetRenderer {
    stylesheet: PathBuf,
    processor: XsltProcessor,
    params: Vec<(String, String)>,
    timeout: Duration,
    max_output: usize,
}

impl StylesheetRenderer {
    /// A renderer applying the stylesheet at `stylesheet` (checked at each
    /// [`render`](Self::render), or with [`check`](Self::check)).
    pub fn new(stylesheet: impl Into<PathBuf>, processor: XsltProcessor) -> Self {
        StylesheetRenderer {
            stylesheet: stylesheet.into(),
            processor,
            params: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
            max_output: DEFAULT_MAX_OUTPUT,
        }
    }

    /// Passes a string parameter to the stylesheet (e.g. `useJavascript` =
    /// `false` for `CDA-FO.xsl`). The name must be an XML NCName; a value
    /// holding both quote characters is refused (`xsltproc` cannot pass it).
    pub fn with_param(
        mut self,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Result<Self, StylesheetError> {
        let (name, value) = (name.into(), value.into());
        let invalid = |reason: &str| StylesheetError::InvalidParam {
            name: name.clone(),
            reason: reason.to_owned(),
        };
        let mut chars = name.chars();
        let first_ok = chars.next().is_some_and(|c| c.is_alphabetic() || c == '_');
        if !first_ok || !chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.')) {
            return Err(invalid("not an XML name (letters, digits, `_`, `-`, `.`)"));
        }
        if value.contains('\0') {
            return Err(invalid("the value contains a NUL character"));
        }
        if value.contains('\'') && value.contains('"') {
            return Err(invalid("the value contains both quote characters"));
        }
        self.params.retain(|(n, _)| *n != name);
        self.params.push((name, value));
        Ok(self)
    }

    /// Sets how long the processor may run (default [`DEFAULT_TIMEOUT`]).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the largest page accepted, in bytes (default [`DEFAULT_MAX_OUTPUT`]).
    pub fn with_max_output(mut self, bytes: usize) -> Self {
        self.max_output = bytes;
        self
    }

    /// The stylesheet path.
    pub fn stylesheet(&self) -> &Path {
        &self.stylesheet
    }

    /// The processor.
    pub fn processor(&self) -> &XsltProcessor {
        &self.processor
    }

    /// The stylesheet parameters, in the order given.
    pub fn params(&self) -> &[(String, String)] {
        &self.params
    }

    /// The time the processor may take.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Checks that the stylesheet is a readable file; returns its absolute
    /// path.
    pub fn check(&self) -> Result<PathBuf, StylesheetError> {
        let missing = |reason: String| StylesheetError::StylesheetMissing {
            path: self.stylesheet.clone(),
            reason,
        };
        let path = std::fs::canonicalize(&self.stylesheet).map_err(|e| missing(e.to_string()))?;
        if !path.is_file() {
            return Err(missing("not a file".into()));
        }
        std::fs::File::open(&path).map_err(|e| missing(e.to_string()))?;
        Ok(path)
    }

    /// The stylesheet's bytes (e.g. to record its SHA-256 with a rendering).
    pub fn stylesheet_bytes(&self) -> Result<Vec<u8>, StylesheetError> {
        let path = self.check()?;
        std::fs::read(&path).map_err(|e| StylesheetError::StylesheetMissing {
            path: self.stylesheet.clone(),
            reason: e.to_string(),
        })
    }

    /// Applies the stylesheet to the CDA document `cda_xml` (its bytes as
    /// received or produced) and returns the page.
    ///
    /// Blocks until the processor ends or the timeout kills it.
    pub fn render(&self, cda_xml: &[u8]) -> Result<StylesheetRendering, StylesheetError> {
        let stylesheet = self.check()?;
        check_input(cda_xml)?;
        let dir = tempfile::Builder::new()
            .prefix("segur-cda-xslt-")
            .tempdir()?;
        let input = dir.path().join("document.xml");
        let output = dir.path().join("rendering.html");
        std::fs::write(&input, cda_xml)?;
        let (args, from_stdout) =
            self.processor
                .arguments(&stylesheet, &input, &output, &self.params)?;
        let started = Instant::now();
        let run = run_process(
            self.processor.program(),
            &args,
            self.timeout,
            self.max_output,
        )?;
        let elapsed = started.elapsed();
        let program = self.processor.program().to_path_buf();
        if !run.status.success() {
            return Err(StylesheetError::ProcessorFailed {
                program,
                status: run.status.to_string(),
                stderr: excerpt(&run.stderr),
            });
        }
        let bytes = if from_stdout {
            if run.stdout_truncated {
                return Err(too_large(self.max_output));
            }
            run.stdout
        } else {
            match std::fs::metadata(&output) {
                Ok(m) if m.len() > self.max_output as u64 => {
                    return Err(too_large(self.max_output));
                }
                Ok(_) => std::fs::read(&output)?,
                Err(_) => {
                    return Err(StylesheetError::Output(format!(
                        "`{}` ended successfully but wrote no page",
                        program.display()
                    )));
                }
            }
        };
        let html = decode(&bytes)?;
        check_html(&html)?;
        Ok(StylesheetRendering {
            html,
            diagnostics: String::from_utf8_lossy(&run.stderr).trim().to_owned(),
            elapsed,
        })
    }
}

fn too_large(max: usize) -> StylesheetError {
    StylesheetError::Output(format!("larger than {max} bytes"))
}

/// The document must be a CDA document our parser reads, without DOCTYPE.
fn check_input(xml: &[u8]) -> Result<(), StylesheetError> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    loop {
        match reader.read_event() {
            Ok(Event::DocType(_)) => return Err(StylesheetError::Doctype),
            // The prolog ends at the root element; errors are the parser's to report.
            Ok(Event::Start(_) | Event::Empty(_) | Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    Document::parse_header(xml).map_err(StylesheetError::NotCda)?;
    Ok(())
}

/// UTF-8, or Latin-1 when the page declares it.
fn decode(bytes: &[u8]) -> Result<String, StylesheetError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(StylesheetError::Output("the page is empty".into()));
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.strip_prefix('\u{feff}').unwrap_or(s).to_owned()),
        Err(e) => {
            let head =
                String::from_utf8_lossy(&bytes[..bytes.len().min(1024)]).to_ascii_lowercase();
            if ["iso-8859-1", "latin1", "latin-1"]
                .iter()
                .any(|enc| head.contains(enc))
            {
                Ok(bytes.iter().map(|&b| char::from(b)).collect())
            } else {
                Err(StylesheetError::Output(format!(
                    "not UTF-8 (and no ISO-8859-1 declaration): {e}"
                )))
            }
        }
    }
}

/// The first element must be `html` (any prefix, any case).
fn check_html(page: &str) -> Result<(), StylesheetError> {
    let mut rest = page.trim_start();
    loop {
        if let Some(r) = rest.strip_prefix("<?") {
            rest = r.split_once("?>").map_or("", |(_, a)| a).trim_start();
        } else if let Some(r) = rest.strip_prefix("<!--") {
            rest = r.split_once("-->").map_or("", |(_, a)| a).trim_start();
        } else if rest.starts_with("<!") {
            rest = rest.split_once('>').map_or("", |(_, a)| a).trim_start();
        } else {
            break;
        }
    }
    let name: String = rest
        .strip_prefix('<')
        .unwrap_or_default()
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '>' && *c != '/')
        .collect();
    let local = name.rsplit(':').next().unwrap_or_default();
    if local.eq_ignore_ascii_case("html") {
        Ok(())
    } else {
        let start: String = page.trim_start().chars().take(80).collect();
        Err(StylesheetError::Output(format!(
            "not an HTML page (it starts with {start:?})"
        )))
    }
}

fn excerpt(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let text = text.trim();
    if text.is_empty() {
        return "no message on standard error".to_owned();
    }
    let mut out: String = text.chars().take(STDERR_EXCERPT).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

struct ProcessRun {
    status: ExitStatus,
    stdout: Vec<u8>,
    stdout_truncated: bool,
    stderr: Vec<u8>,
}

/// Reads a pipe to its end on its own thread, keeping the first `keep`
/// bytes (the rest is drained so the process never blocks on a full pipe).
fn drain<R: Read + Send + 'static>(mut pipe: R, keep: usize) -> mpsc::Receiver<(Vec<u8>, bool)> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut truncated = false;
        let mut buf = [0u8; 8192];
        loop {
            match pipe.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let room = keep.saturating_sub(kept.len());
                    kept.extend_from_slice(&buf[..n.min(room)]);
                    truncated |= n > room;
                }
            }
        }
        // The receiver may be gone (timeout): nothing to do then.
        let _ = tx.send((kept, truncated));
    });
    rx
}

fn run_process(
    program: &Path,
    args: &[OsString],
    timeout: Duration,
    max_output: usize,
) -> Result<ProcessRun, StylesheetError> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                StylesheetError::ProcessorMissing {
                    program: program.to_path_buf(),
                    source,
                }
            } else {
                StylesheetError::ProcessorStart {
                    program: program.to_path_buf(),
                    source,
                }
            }
        })?;
    let stdout = child.stdout.take().map(|p| drain(p, max_output));
    let stderr = child.stderr.take().map(|p| drain(p, STDERR_KEPT));
    let started = Instant::now();
    let mut pause = Duration::from_millis(2);
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() >= timeout {
            // Already exited between the two calls: the kill error is moot.
            let _ = child.kill();
            let _ = child.wait();
            return Err(StylesheetError::Timeout {
                program: program.to_path_buf(),
                timeout,
            });
        }
        std::thread::sleep(pause.min(timeout.saturating_sub(started.elapsed())));
        pause = (pause * 2).min(Duration::from_millis(50));
    };
    // A grandchild may keep a pipe open after the processor exited: wait a
    // little for the readers, never forever.
    let collect = |rx: Option<mpsc::Receiver<(Vec<u8>, bool)>>| {
        rx.and_then(|rx| rx.recv_timeout(Duration::from_secs(2)).ok())
            .unwrap_or_default()
    };
    let (stdout, stdout_truncated) = collect(stdout);
    let (stderr, _) = collect(stderr);
    Ok(ProcessRun {
        status,
        stdout,
        stdout_truncated,
        stderr,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn processor_specs_round_trip() {
        for spec in [
            "xsltproc",
            "xsltproc:/usr/local/bin/xsltproc",
            "saxon:/opt/saxon-he.jar",
            "command:python3 render.py {stylesheet} {input} {output} {params}",
        ] {
            let p: XsltProcessor = spec.parse().unwrap();
            assert_eq!(p.to_string(), spec);
        }
        for bad in [
            "",
            "saxon",
            "saxon: ",
            "xsltproc:",
            "command:",
            "java -jar x",
        ] {
            assert!(
                matches!(
                    bad.parse::<XsltProcessor>(),
                    Err(StylesheetError::InvalidProcessor { .. })
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn arguments_per_processor() {
        let (s, i, o) = (
            Path::new("/s/CDA-FO.xsl"),
            Path::new("/t/in.xml"),
            Path::new("/t/out.html"),
        );
        let params = vec![("useJavascript".to_owned(), "false".to_owned())];
        let (args, stdout) = XsltProcessor::xsltproc()
            .arguments(s, i, o, &params)
            .unwrap();
        assert!(!stdout);
        assert_eq!(
            args,
            [
                "--nonet",
                "--stringparam",
                "useJavascript",
                "false",
                "-o",
                "/t/out.html",
                "/s/CDA-FO.xsl",
                "/t/in.xml"
            ]
            .map(OsString::from)
        );
        let (args, _) = XsltProcessor::saxon_jar("/opt/s.jar")
            .arguments(s, i, o, &params)
            .unwrap();
        assert_eq!(
            args,
            [
                "-jar",
                "/opt/s.jar",
                "-xsl:/s/CDA-FO.xsl",
                "-s:/t/in.xml",
                "-o:/t/out.html",
                "useJavascript=false"
            ]
            .map(OsString::from)
        );
        let t = XsltProcessor::command("x", ["--in={input}", "{stylesheet}", "{params}", "{x}"]);
        let (args, stdout) = t.arguments(s, i, o, &params).unwrap();
        assert!(stdout, "no {{output}}: the page is read from stdout");
        assert_eq!(
            args,
            [
                "--in=/t/in.xml",
                "/s/CDA-FO.xsl",
                "useJavascript=false",
                "{x}"
            ]
            .map(OsString::from)
        );
        let no_params = XsltProcessor::command("x", ["{stylesheet}", "{output}"]);
        assert!(matches!(
            no_params.arguments(s, i, o, &params),
            Err(StylesheetError::InvalidParam { .. })
        ));
        assert!(!no_params.arguments(s, i, o, &[]).unwrap().1);
    }

    #[test]
    fn params_are_validated() {
        let r = StylesheetRenderer::new("x.xsl", XsltProcessor::xsltproc());
        assert!(r.clone().with_param("useJavascript", "false").is_ok());
        for bad in ["", "1a", "a b", "a=b", "a'"] {
            assert!(r.clone().with_param(bad, "v").is_err(), "{bad:?}");
        }
        assert!(r.clone().with_param("a", "it's \"x\"").is_err());
        assert!(r.clone().with_param("a", "\0").is_err());
        let twice = r
            .with_param("a", "1")
            .and_then(|r| r.with_param("a", "2"))
            .unwrap();
        assert_eq!(twice.params(), [("a".to_owned(), "2".to_owned())]);
    }

    #[test]
    fn pages_are_checked() {
        assert!(check_html("<html><body/></html>").is_ok());
        assert!(check_html("\n<!DOCTYPE html>\n<!-- c --><HTML lang=\"fr\">").is_ok());
        assert!(check_html("<?xml version=\"1.0\"?><xhtml:html xmlns:xhtml=\"x\">").is_ok());
        assert!(check_html("<fo:root>").is_err());
        assert!(check_html("plain text").is_err());
        assert!(decode(b"  \n").is_err());
        assert_eq!(decode(b"\xef\xbb\xbf<html>").unwrap(), "<html>");
        let latin1 = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><html>Synth\xe8se</html>";
        assert!(decode(latin1).unwrap().contains("Synthèse"));
        assert!(decode(b"<html>\xe8</html>").is_err());
    }

    #[test]
    fn input_is_checked_before_running() {
        let doctype = b"<?xml version=\"1.0\"?><!DOCTYPE ClinicalDocument SYSTEM \"http://x/cda.dtd\"><ClinicalDocument xmlns=\"urn:hl7-org:v3\"/>";
        assert!(matches!(
            check_input(doctype),
            Err(StylesheetError::Doctype)
        ));
        assert!(matches!(
            check_input(b"<html/>"),
            Err(StylesheetError::NotCda(_))
        ));
    }

    #[test]
    fn placeholders_substitute() {
        let v = OsStr::new("/p");
        assert_eq!(substitute("a{b}c", &[("{b}", v)]), OsString::from("a/pc"));
        assert_eq!(substitute("{{b}", &[("{b}", v)]), OsString::from("{/p"));
        assert_eq!(substitute("{", &[("{b}", v)]), OsString::from("{"));
        assert_eq!(substitute("é{b}é", &[("{b}", v)]), OsString::from("é/pé"));
    }
}
