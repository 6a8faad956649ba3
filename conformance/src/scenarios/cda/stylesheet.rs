//! Scenario `cda.display.official-stylesheet` (SC.CDA/INT.15): the host
//! displays an N3 document through the official ANS display stylesheet.
//!
//! The run must be given the official stylesheet (`FeuilleDeStyle/CDA-FO.xsl`
//! of `ansforge/TestContenuCDA-3-0`, never shipped with segur-rs) and an XSLT
//! processor ([`crate::Runner::cda_stylesheet`]; `segur conformance run
//! --cda-stylesheet PATH [--xslt-processor SPEC]`). Without it the scenario
//! is *not applicable* with a one-line reason naming the option: it never
//! passes, and the requirement is not covered by that run.
//!
//! With it, the scenario:
//! 1. applies the stylesheet itself to a received N3 document (a runner-side
//!    failure, e.g. a processor missing, fails the scenario) and records the
//!    stylesheet's SHA-256, the processor and the page as evidence;
//! 2. gives the host the document, asks for its display through the official
//!    stylesheet ([`Observations::stylesheet_rendering`](crate::host::Observations::stylesheet_rendering)),
//!    and records it;
//! 3. checks the display holds the document's key facts (title, patient,
//!    author, every section's title and narrative);
//! 4. checks the display *is* the official rendering, after normalising the
//!    serialisation only ([`tokens`]): comments, doctype, XML declaration,
//!    `meta` charset declarations and namespace declarations dropped;
//!    element and attribute names compared without prefix and case;
//!    attributes in any order; `<br>`, `<br/>` and `<br></br>` alike; text
//!    with entities decoded and white space collapsed. Anything else — the
//!    native renderer's page, another version of the stylesheet, other
//!    stylesheet parameters — differs, and the message shows where.

use segur_cda::body::{Narrative, Section};
use segur_cda::builder::{HeaderBuilder, PatientBuilder};
use segur_cda::datatypes::Code;
use segur_cda::stylesheet::StylesheetRenderer;
use segur_cda::vocab::code_system;
use segur_cda::{Document, StructuredBody};
use segur_ins::IdentityStatus;
use sha2::{Digest, Sha256};
use time::Duration;

use super::super::support::{CLAIRE, patient_file};
use super::{as_received, consultation, correspondent, import, integrated};
use crate::failure::{Failure, OrFail, ScenarioResult, ensure};
use crate::{RunContext, Scenario};

/// The reason given when the run has no stylesheet configured.
pub(crate) const NOT_CONFIGURED: &str = "no official CDA display stylesheet configured: run with \
     --cda-stylesheet <TestContenuCDA-3-0>/FeuilleDeStyle/CDA-FO.xsl [--xslt-processor saxon:JAR] \
     (or SEGUR_CDA_STYLESHEET; Runner::cda_stylesheet in code)";

/// The scenario, for the `cda.display` group.
pub(super) fn scenario() -> Scenario {
    Scenario::new(
        "official-stylesheet",
        "An N3 document is displayed through the official ANS stylesheet rendering",
        official_stylesheet,
    )
    .requirement("SC.CDA/INT.15")
    // Two runs of the processor (the runner's, the host's): the official
    // 1.9 MB stylesheet on a cold JVM takes seconds each.
    .timeout(std::time::Duration::from_secs(150))
}

const TITLE: &str = "Compte rendu de consultation de cardiologie";

/// The texts of the document the display must hold.
const FACTS: [&str; 12] = [
    TITLE,
    "TESTIDENTITE",
    "CLAIRE",
    "RADIO-TEST",
    "Motif de la consultation",
    "Douleurs thoraciques à l'effort depuis trois semaines.",
    "Traitements en cours",
    "Bisoprolol 2,5 mg",
    "Aspirine 75 mg",
    "Examens",
    "Troponine",
    "< 14 ng/L",
];

fn document(ctx: &RunContext, patient: PatientBuilder) -> ScenarioResult<Document> {
    let patient = patient
        .build()
        .or_fail("patient of the received document")?;
    HeaderBuilder::for_practice(
        consultation()?,
        TITLE,
        &correspondent()?,
        patient,
        ctx.now() - Duration::days(2),
        ctx.clock(),
        ctx.ids(),
    )
    .build_n3(
        vec![],
        StructuredBody {
            sections: vec![
                Section {
                    code: Some(Code::new("29299-5", &code_system::LOINC, "Motif")),
                    title: Some("Motif de la consultation".into()),
                    text: Some(
                        Narrative::new()
                            .paragraph("Douleurs thoraciques à l'effort depuis trois semaines.")
                            .build(),
                    ),
                    ..Section::default()
                },
                Section {
                    code: Some(Code::new("10160-0", &code_system::LOINC, "Traitements")),
                    title: Some("Traitements en cours".into()),
                    text: Some(
                        Narrative::new()
                            .list(&["Bisoprolol 2,5 mg", "Aspirine 75 mg"])
                            .build(),
                    ),
                    ..Section::default()
                },
                Section {
                    code: Some(Code::new("30954-2", &code_system::LOINC, "Examens")),
                    title: Some("Examens".into()),
                    text: Some(
                        Narrative::new()
                            .table(
                                &["Examen", "Résultat"],
                                &[vec!["Troponine".to_owned(), "< 14 ng/L".to_owned()]],
                            )
                            .build(),
                    ),
                    ..Section::default()
                },
            ],
        },
    )
    .map_err(|e| Failure::internal(format!("N3 fixture: {e}")))
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn official_stylesheet(ctx: RunContext) -> ScenarioResult {
    let Some(renderer) = ctx.cda_stylesheet().cloned() else {
        return Err(Failure::not_applicable(NOT_CONFIGURED));
    };
    let docs = ctx.documents()?;
    let observations = ctx.observations()?;
    let (file, identity) = patient_file(&ctx, &CLAIRE, IdentityStatus::Qualifiee).await?;
    let n3 = document(&ctx, PatientBuilder::from_identity(&identity))?;
    let xml = n3.to_xml();

    let stylesheet = renderer
        .stylesheet_bytes()
        .map_err(|e| Failure::internal(format!("the configured display stylesheet: {e}")))?;
    let sha = sha256_hex(&stylesheet);
    let expected = ctx
        .step(
            format!(
                "apply the official stylesheet {} (SHA-256 {}…) with {}",
                renderer.stylesheet().display(),
                &sha[..16],
                renderer.processor()
            ),
            apply(&renderer, xml.clone()),
        )
        .await?;
    ctx.evidence().note(
        "official-stylesheet.txt",
        format!(
            "stylesheet: {}\nsha256: {sha}\nprocessor: {}\nparameters: {:?}\nprocessor time: {} ms\nprocessor diagnostics: {}\n",
            renderer.stylesheet().display(),
            renderer.processor(),
            renderer.params(),
            expected.elapsed.as_millis(),
            expected.diagnostics
        ),
    );
    ctx.evidence()
        .rendering("official-stylesheet-rendering.html", expected.html.clone());
    ctx.step("the official rendering holds the document's key facts", async {
        missing_facts(&expected.html).map_err(|m| {
            Failure::internal(format!(
                "the configured stylesheet's own rendering lacks {m}: is it the official CDA-FO.xsl?"
            ))
        })
    })
    .await?;

    let doc_ref = integrated(
        "the N3 document",
        import(
            &ctx,
            docs,
            &file,
            &as_received("compte-rendu-cardiologie-n3.xml", &n3),
        )
        .await?,
    )?;
    let shown = ctx
        .step(
            "display the N3 document through the official stylesheet",
            async { Ok(observations.stylesheet_rendering(&doc_ref).await?) },
        )
        .await?;
    ctx.evidence()
        .rendering("host-stylesheet-rendering.html", shown.clone());
    ctx.step("the display holds the document's key facts", async {
        missing_facts(&shown).map_err(|m| Failure::check(format!("the host's display lacks {m}")))
    })
    .await?;
    ctx.step(
        "the display is the official stylesheet's rendering",
        async { same_rendering(&expected.html, &shown) },
    )
    .await
}

/// Runs the (blocking) processor off the async workers.
async fn apply(
    renderer: &StylesheetRenderer,
    xml: Vec<u8>,
) -> ScenarioResult<segur_cda::stylesheet::StylesheetRendering> {
    let renderer = renderer.clone();
    tokio::task::spawn_blocking(move || renderer.render(&xml))
        .await
        .map_err(|e| Failure::internal(format!("the stylesheet rendering task failed: {e}")))?
        .map_err(|e| {
            Failure::internal(format!(
                "the runner could not apply the configured stylesheet: {e}"
            ))
        })
}

/// `Err("« fact »")` naming the first fact the page's text lacks.
fn missing_facts(html: &str) -> Result<(), String> {
    let text = visible_text(html);
    match FACTS.iter().find(|f| !text.contains(*f)) {
        Some(f) => Err(format!("\u{ab} {f} \u{bb}")),
        None => Ok(()),
    }
}

fn same_rendering(expected: &str, shown: &str) -> ScenarioResult {
    let (e, s) = (tokens(expected), tokens(shown));
    let Some(at) = (0..e.len().max(s.len())).find(|&i| e.get(i) != s.get(i)) else {
        return Ok(());
    };
    let around = |t: &[Token]| -> String {
        let from = at.saturating_sub(2);
        let to = (at + 3).min(t.len());
        let mut out = String::new();
        for tok in t.get(from..to).unwrap_or_default() {
            out.push_str(&tok.to_string());
        }
        if out.is_empty() {
            out.push_str("(end of page)");
        }
        let mut short: String = out.chars().take(240).collect();
        if short.len() < out.len() {
            short.push('…');
        }
        short
    };
    ensure(
        false,
        format!(
            "the host's display is not the official stylesheet's rendering: they differ at item {} of {} \
             (after normalising the serialisation); official: {} — host: {}",
            at + 1,
            e.len(),
            around(&e),
            around(&s)
        ),
    )
}

/// One item of a normalised page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token {
    /// A start tag: local name (lower case), attributes sorted.
    Start(String, Vec<(String, String)>),
    /// An end tag (never for void elements).
    End(String),
    /// Text, entities decoded, white space collapsed, never empty.
    Text(String),
}

impl std::fmt::Display for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Token::Start(n, attrs) => {
                write!(f, "<{n}")?;
                for (k, v) in attrs {
                    write!(f, " {k}=\"{v}\"")?;
                }
                f.write_str(">")
            }
            Token::End(n) => write!(f, "</{n}>"),
            Token::Text(t) => write!(f, "\u{ab}{t}\u{bb}"),
        }
    }
}

const VOID: [&str; 14] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

fn local_lower(name: &str) -> String {
    name.rsplit(':').next().unwrap_or(name).to_ascii_lowercase()
}

/// The page as a list of [`Token`]s, serialisation details normalised.
pub(crate) fn tokens(html: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut rest = html.strip_prefix('\u{feff}').unwrap_or(html);
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            push_text(&mut out, rest);
            break;
        };
        push_text(&mut out, &rest[..lt]);
        rest = &rest[lt..];
        if let Some(r) = rest.strip_prefix("<!--") {
            rest = r.split_once("-->").map_or("", |(_, a)| a);
        } else if rest.starts_with("<!") || rest.starts_with("<?") {
            rest = rest.split_once('>').map_or("", |(_, a)| a);
        } else if let Some(r) = rest.strip_prefix("</") {
            let (name, after) = r.split_once('>').unwrap_or((r, ""));
            let name = local_lower(name.trim());
            if !VOID.contains(&name.as_str()) {
                out.push(Token::End(name));
            }
            rest = after;
        } else {
            let (name, attrs, self_closing, after) = start_tag(&rest[1..]);
            rest = after;
            let is_meta_charset = name == "meta"
                && attrs.iter().any(|(k, v)| {
                    k == "charset" || (k == "http-equiv" && v.eq_ignore_ascii_case("content-type"))
                });
            if is_meta_charset {
                continue;
            }
            let raw_text = name == "script" || name == "style";
            let void = VOID.contains(&name.as_str());
            out.push(Token::Start(name.clone(), attrs));
            if self_closing && !void {
                out.push(Token::End(name));
            } else if raw_text {
                let close = format!("</{name}");
                let end = rest.to_ascii_lowercase().find(&close).unwrap_or(rest.len());
                push_text(&mut out, &rest[..end]);
                rest = &rest[end..];
            }
        }
    }
    out
}

/// Parses a start tag after its `<`: name, sorted attributes (namespace
/// declarations dropped), whether it closes itself, and what follows.
fn start_tag(s: &str) -> (String, Vec<(String, String)>, bool, &str) {
    let name_end = s
        .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .unwrap_or(s.len());
    let name = local_lower(&s[..name_end]);
    let mut rest = &s[name_end..];
    let mut attrs = Vec::new();
    let mut self_closing = false;
    loop {
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix("/>") {
            self_closing = true;
            rest = r;
            break;
        }
        if let Some(r) = rest.strip_prefix('>') {
            rest = r;
            break;
        }
        if let Some(r) = rest.strip_prefix('/') {
            rest = r;
            continue;
        }
        if rest.is_empty() {
            break;
        }
        let n_end = rest
            .find(|c: char| c.is_whitespace() || c == '=' || c == '>' || c == '/')
            .unwrap_or(rest.len());
        let attr = rest[..n_end].to_ascii_lowercase();
        rest = rest[n_end..].trim_start();
        let mut value = String::new();
        if let Some(r) = rest.strip_prefix('=') {
            let r = r.trim_start();
            if let Some(q) = r.chars().next().filter(|c| *c == '"' || *c == '\'') {
                let body = &r[1..];
                let end = body.find(q).unwrap_or(body.len());
                value = body[..end].to_owned();
                rest = body.get(end + 1..).unwrap_or("");
            } else {
                let end = r
                    .find(|c: char| c.is_whitespace() || c == '>')
                    .unwrap_or(r.len());
                value = r[..end].to_owned();
                rest = &r[end..];
            }
        }
        if attr == "xmlns" || attr.starts_with("xmlns:") || attr.is_empty() {
            continue;
        }
        attrs.push((local_lower(&attr), collapse(&decode_entities(&value))));
    }
    attrs.sort();
    (name, attrs, self_closing, rest)
}

fn push_text(out: &mut Vec<Token>, raw: &str) {
    let text = collapse(&decode_entities(raw));
    if !text.is_empty() {
        out.push(Token::Text(text));
    }
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Decodes the XML entities, `&nbsp;` and character references; leaves
/// anything else as written.
fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let Some(semi) = rest[1..].find(';').map(|i| i + 1).filter(|&i| i <= 12) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some('\u{a0}'),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The text a reader sees: tags, comments, scripts and styles removed,
/// entities decoded, white space collapsed.
pub(crate) fn visible_text(html: &str) -> String {
    let mut parts = Vec::new();
    let mut hidden = 0usize;
    for t in tokens(html) {
        match t {
            Token::Start(n, _) if n == "script" || n == "style" || n == "title" => hidden += 1,
            Token::End(n) if n == "script" || n == "style" || n == "title" => {
                hidden = hidden.saturating_sub(1);
            }
            Token::Text(s) if hidden == 0 => parts.push(s),
            _ => {}
        }
    }
    collapse(&parts.join(" ").replace('\u{a0}', " "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialisation_differences_are_normalised() {
        let xml = "<html xmlns=\"http://www.w3.org/1999/xhtml\"><head><meta charset=\"utf-8\"/>\
                   <title>T</title></head><body><p class='a'   id=\"x\">Synth&#232;se &amp; co<br/>\n  fin</p>\
                   <div/><!-- c --></body></html>";
        let html = "<!DOCTYPE html>\n<HTML><head><META http-equiv=\"Content-Type\" content=\"text/html; charset=UTF-8\">\
                    <title>T</title></head>\n<body>\n<p id=x class=\"a\">Synthèse &amp; co<br>fin</p><div></div></body></html>";
        assert_eq!(tokens(xml), tokens(html));
        let other = html.replace("fin", "FIN");
        assert_ne!(tokens(xml), tokens(&other));
        assert!(same_rendering(xml, html).is_ok());
        let f = same_rendering(xml, &other).unwrap_err();
        assert!(f.message().contains("\u{ab}fin\u{bb}"), "{}", f.message());
        assert!(f.message().contains("\u{ab}FIN\u{bb}"), "{}", f.message());
    }

    #[test]
    fn visible_text_skips_markup_scripts_and_title() {
        let html = "<html><head><title>Hidden</title><script>var a = '<p>x</p>';</script>\
                    <style>p{}</style></head><body><h1>Compte&nbsp;rendu</h1><p>&lt; 14 ng/L</p></body></html>";
        assert_eq!(visible_text(html), "Compte rendu < 14 ng/L");
    }

    #[test]
    fn entities() {
        assert_eq!(
            decode_entities("a &amp; b &#x3C; &#60; &eacute; & c"),
            "a & b < < &eacute; & c"
        );
        assert_eq!(decode_entities("&#xD800;"), "&#xD800;");
    }
}
