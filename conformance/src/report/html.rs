//! The self-contained HTML report (inline CSS, no script, no external
//! resource), written by hand with every value escaped.
//!
//! The page is also well-formed XML (every element closed, attributes
//! quoted, no named entity but the five XML ones), so tests and tools can
//! parse it with an XML reader.
//!
//! Sections: run metadata, coverage per theme and per profile, every
//! requirement grouped by theme (status, scenarios, editor evidence), and
//! every scenario run (failure, steps, artefacts). When the evidence pack is
//! written too, requirement ids, artefacts and evidence files link into it.

use std::fmt::Write;

use super::junit::rfc3339;
use super::pack;
use super::{
    BucketCoverage, EvidenceReport, RequirementCoverage, RunReport, ScenarioReport, escape_attr,
    escape_markup,
};
use crate::catalogue::Theme;
use crate::context::StepStatus;

/// Link options.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct HtmlOptions {
    /// URL (usually relative) of the evidence pack's root directory, ending
    /// with `/`; `None` when no pack is written: then nothing links into it.
    pub pack_base: Option<String>,
}

impl HtmlOptions {
    /// No link into an evidence pack.
    pub fn standalone() -> Self {
        HtmlOptions::default()
    }

    /// Links into the evidence pack at `base`: a relative path with `/`
    /// separators from the page's folder to the pack's (`""` when the page
    /// is the pack's own `report.html`). It is percent-encoded here.
    pub fn with_pack(base: impl AsRef<str>) -> Self {
        let mut base = url_path(base.as_ref());
        if !base.is_empty() && !base.ends_with('/') {
            base.push('/');
        }
        HtmlOptions {
            pack_base: Some(base),
        }
    }
}

/// Percent-encodes a URL path, keeping `/` and the unreserved characters.
pub(crate) fn url_path(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

const STYLE: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2rem;color:#1c1c1c;line-height:1.4}
h1{font-size:1.6rem}h2{margin-top:2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5rem 0}
td,th{border:1px solid #ddd;padding:.25rem .5rem;vertical-align:top;text-align:left}
th{background:#f3f3f3}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em}
pre{background:#f7f7f7;padding:.5rem;white-space:pre-wrap;overflow-wrap:anywhere}
.badge{display:inline-block;padding:0 .4rem;border-radius:.3rem;font-size:.85em;font-weight:600}
.st-passed,.st-covered,.st-provided{background:#d6f5d6;color:#135e13}
.st-failed,.st-missing,.st-empty,.st-unreadable,.st-interrupted{background:#fadbd8;color:#8a1c12}
.st-not_applicable,.st-not_run{background:#fdf1cf;color:#6b5200}
.st-no_scenario{background:#eee;color:#555}
.bar{width:10rem;height:.8rem;background:#eee;border-radius:.2rem}
.bar div{height:100%;background:#3c9d3c;border-radius:.2rem}
.muted{color:#666}
section.scenario{border-left:4px solid #ddd;padding-left:1rem;margin:1rem 0}
";

fn badge(class: &str, label: &str) -> String {
    format!(
        r#"<span class="badge st-{}">{}</span>"#,
        escape_attr(class),
        escape_markup(label)
    )
}

fn status_label(s: &str) -> String {
    s.replace('_', " ")
}

fn head(out: &mut String, title: &str) {
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape_markup(title)
    );
}

fn meta_table(out: &mut String, report: &RunReport) {
    let f = &report.filter;
    let mut filter = Vec::new();
    if !f.requirements.is_empty() {
        filter.push(format!("requirements: {}", f.requirements.join(", ")));
    }
    if !f.themes.is_empty() {
        let t: Vec<&str> = f.themes.iter().map(|t| t.code()).collect();
        filter.push(format!("themes: {}", t.join(", ")));
    }
    if !f.profiles.is_empty() {
        let p: Vec<&str> = f.profiles.iter().map(|p| p.label()).collect();
        filter.push(format!("profiles: {}", p.join(", ")));
    }
    if !f.scenarios.is_empty() {
        filter.push(format!("scenarios: {}", f.scenarios.join(", ")));
    }
    let rows = [
        ("Host", report.host.to_string()),
        ("SDK", format!("{} {}", report.sdk.name, report.sdk.version)),
        ("Started", rfc3339(report.started_at)),
        ("Finished", rfc3339(report.finished_at)),
        ("Duration", format!("{:.3} s", report.duration_ms / 1000.0)),
        ("Virtual clock start", rfc3339(report.virtual_epoch)),
        (
            "Filter",
            if filter.is_empty() {
                "none (every scenario)".to_owned()
            } else {
                filter.join("; ")
            },
        ),
        (
            "Scenarios",
            format!(
                "{} run: {} passed, {} failed, {} not applicable",
                report.summary.total,
                report.summary.passed,
                report.summary.failed,
                report.summary.not_applicable
            ),
        ),
        (
            "Coverage",
            format!(
                "{} / {} requirements ({} %) with at least one passing scenario",
                report.coverage.covered, report.coverage.total, report.coverage.percent
            ),
        ),
    ];
    key_value_table(out, &rows);
}

fn key_value_table(out: &mut String, rows: &[(&str, String)]) {
    out.push_str("<table class=\"meta\">\n");
    for (k, v) in rows {
        let _ = writeln!(
            out,
            "<tr><th>{}</th><td>{}</td></tr>",
            escape_markup(k),
            escape_markup(v)
        );
    }
    out.push_str("</table>\n");
}

fn bucket_table(out: &mut String, first: &str, buckets: &[BucketCoverage], anchor_themes: bool) {
    let _ = writeln!(
        out,
        "<table>\n<tr><th>{}</th><th>Covered</th><th>Total</th><th>%</th><th></th></tr>",
        escape_markup(first)
    );
    for b in buckets {
        let name = if anchor_themes {
            format!(
                "<a href=\"#theme-{}\">{}</a> <span class=\"muted\">{}</span>",
                escape_attr(&b.key),
                escape_markup(&b.key),
                escape_markup(&b.label)
            )
        } else {
            escape_markup(&b.label)
        };
        let _ = writeln!(
            out,
            "<tr><td>{name}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td><div class=\"bar\"><div style=\"width:{}%\"></div></div></td></tr>",
            b.covered, b.total, b.percent, b.percent
        );
    }
    out.push_str("</table>\n");
}

/// Where links point, relative to the page being rendered.
struct Links<'a> {
    report: &'a RunReport,
    /// Prefix to reach the pack root, or `None` without a pack.
    pack: Option<&'a str>,
    /// Whether requirement and scenario ids link to anchors on this page.
    local_anchors: bool,
}

impl Links<'_> {
    fn requirement_page(&self, id: &str) -> Option<String> {
        if !pack::has_folder(self.report, id) {
            return None;
        }
        self.pack.map(|base| {
            format!(
                "{}{}",
                base,
                url_path(&format!(
                    "requirements/{}/index.html",
                    pack::requirement_dir(id)
                ))
            )
        })
    }

    fn artefact(&self, requirement: &str, scenario: &str, file: &str) -> Option<String> {
        self.pack.map(|base| {
            format!(
                "{}{}",
                base,
                url_path(&format!(
                    "requirements/{}/scenarios/{}/{}",
                    pack::requirement_dir(requirement),
                    scenario,
                    file
                ))
            )
        })
    }

    fn editor_file(&self, requirement: &str, file: &str) -> Option<String> {
        self.pack.map(|base| {
            format!(
                "{}{}",
                base,
                url_path(&format!(
                    "requirements/{}/editor-evidence/{}",
                    pack::requirement_dir(requirement),
                    file
                ))
            )
        })
    }
}

fn link(href: Option<String>, text_html: &str) -> String {
    match href {
        Some(h) => format!("<a href=\"{}\">{}</a>", escape_attr(&h), text_html),
        None => text_html.to_owned(),
    }
}

fn evidence_items(out: &mut String, report: &RunReport, requirement: &str, links: &Links<'_>) {
    let files: Vec<&EvidenceReport> = report
        .evidence
        .iter()
        .filter(|e| e.requirement == requirement)
        .collect();
    if files.is_empty() {
        return;
    }
    out.push_str("<ul>");
    for (i, e) in files.iter().enumerate() {
        let name = pack::editor_evidence_file_name(i, &e.path);
        let href = if e.status == crate::EvidenceFileStatus::Provided {
            links.editor_file(requirement, &name)
        } else {
            None
        };
        let _ = write!(
            out,
            "<li>{} {}",
            badge(e.status.as_str(), &status_label(e.status.as_str())),
            link(href, &format!("<code>{}</code>", escape_markup(&e.path)))
        );
        if let Some(d) = &e.description {
            let _ = write!(out, " — {}", escape_markup(d));
        }
        if let Some(sha) = &e.sha256 {
            let _ = write!(
                out,
                " <span class=\"muted\">sha256 <code>{}</code>, {} bytes</span>",
                escape_markup(sha),
                e.size.unwrap_or_default()
            );
        }
        if let Some(m) = &e.message {
            let _ = write!(out, " <span class=\"muted\">{}</span>", escape_markup(m));
        }
        out.push_str("</li>");
    }
    out.push_str("</ul>");
}

fn requirement_row(
    out: &mut String,
    report: &RunReport,
    r: &RequirementCoverage,
    links: &Links<'_>,
) {
    let id_html = format!("<code>{}</code>", escape_markup(&r.id));
    let _ = write!(
        out,
        "<tr id=\"req-{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>",
        escape_attr(&pack::requirement_dir(&r.id)),
        link(links.requirement_page(&r.id), &id_html),
        escape_markup(r.check.as_str()),
        escape_markup(
            &r.profiles
                .iter()
                .map(|p| p.label())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        escape_markup(&r.summary),
        badge(r.status.as_str(), &status_label(r.status.as_str())),
    );
    if r.scenarios.is_empty() {
        out.push_str("<span class=\"muted\">no scenario yet</span>");
    } else {
        out.push_str("<ul>");
        for s in &r.scenarios {
            let (class, label) = match s.status {
                Some(st) => (st.as_str(), status_label(st.as_str())),
                None => ("not_run", "not run".to_owned()),
            };
            let id_html = format!("<code>{}</code>", escape_markup(&s.id));
            let href = (links.local_anchors && s.status.is_some()).then(|| format!("#sc-{}", s.id));
            let _ = write!(
                out,
                "<li>{} {}</li>",
                badge(class, &label),
                link(href, &id_html)
            );
        }
        out.push_str("</ul>");
    }
    out.push_str("</td><td>");
    evidence_items(out, report, &r.id, links);
    out.push_str("</td></tr>\n");
}

fn scenario_section(
    out: &mut String,
    s: &ScenarioReport,
    links: &Links<'_>,
    artefact_requirement: &str,
) {
    let _ = writeln!(
        out,
        "<section class=\"scenario\" id=\"sc-{}\">\n<h3>{} <code>{}</code></h3>\n<p>{}</p>",
        escape_attr(&s.id),
        badge(s.status.as_str(), &status_label(s.status.as_str())),
        escape_markup(&s.id),
        escape_markup(&s.title)
    );
    let reqs: Vec<String> = s
        .requirements
        .iter()
        .map(|r| {
            let html = format!("<code>{}</code>", escape_markup(r));
            if links.local_anchors {
                link(Some(format!("#req-{}", pack::requirement_dir(r))), &html)
            } else {
                html
            }
        })
        .collect();
    let _ = writeln!(
        out,
        "<p>Requirements: {} — duration {:.3} ms</p>",
        reqs.join(", "),
        s.duration_ms
    );
    if let Some(f) = &s.failure {
        let _ = writeln!(
            out,
            "<p>{} {}</p>\n<pre>{}</pre>",
            badge(s.status.as_str(), f.kind.as_str()),
            f.step
                .as_ref()
                .map(|st| format!("in step <code>{}</code>", escape_markup(st)))
                .unwrap_or_default(),
            escape_markup(&f.message)
        );
    }
    if !s.steps.is_empty() {
        out.push_str(
            "<table>\n<tr><th>Step</th><th>Outcome</th><th>ms</th><th>Message</th></tr>\n",
        );
        for st in &s.steps {
            let class = match st.status {
                StepStatus::Passed => "passed",
                StepStatus::Failed => "failed",
                StepStatus::NotApplicable => "not_applicable",
                StepStatus::Interrupted => "interrupted",
            };
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{:.3}</td><td>{}</td></tr>",
                escape_markup(&st.name),
                badge(class, &status_label(class)),
                st.duration_ms,
                escape_markup(st.message.as_deref().unwrap_or_default())
            );
        }
        out.push_str("</table>\n");
    }
    if !s.artefacts.is_empty() {
        out.push_str("<p>Artefacts:</p>\n<ul>\n");
        for a in &s.artefacts {
            let name_html = format!("<code>{}</code>", escape_markup(&a.file_name));
            let _ = writeln!(
                out,
                "<li>{} — {} {}, {} bytes, sha256 <code>{}</code></li>",
                link(
                    links.artefact(artefact_requirement, &s.id, &a.file_name),
                    &name_html
                ),
                escape_markup(a.kind.as_str()),
                escape_markup(&a.media_type),
                a.size,
                escape_markup(&a.sha256)
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");
}

/// Renders the whole run.
pub fn render(report: &RunReport, options: &HtmlOptions) -> String {
    let links = Links {
        report,
        pack: options.pack_base.as_deref(),
        local_anchors: true,
    };
    let mut out = String::new();
    head(
        &mut out,
        &format!("Ségur conformance report — {}", report.host),
    );
    let _ = writeln!(
        out,
        "<h1>Ségur vague 2 conformance report — {}</h1>",
        escape_markup(&report.host.to_string())
    );
    meta_table(&mut out, report);

    out.push_str("<h2>Coverage per theme</h2>\n");
    bucket_table(&mut out, "Theme", &report.coverage.themes, true);
    out.push_str("<h2>Coverage per profile</h2>\n");
    bucket_table(&mut out, "Profile", &report.coverage.profiles, false);

    out.push_str("<h2>Requirements</h2>\n");
    for theme in Theme::ALL {
        let rows: Vec<&RequirementCoverage> = report
            .coverage
            .requirements
            .iter()
            .filter(|r| r.theme == theme)
            .collect();
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "<h3 id=\"theme-{}\">{} — {}</h3>",
            escape_attr(theme.code()),
            escape_markup(theme.code()),
            escape_markup(theme.label())
        );
        out.push_str(
            "<table>\n<tr><th>Requirement</th><th>Check</th><th>Profiles</th><th>Summary</th>\
             <th>Status</th><th>Scenarios</th><th>Editor evidence</th></tr>\n",
        );
        for r in rows {
            requirement_row(&mut out, report, r, &links);
        }
        out.push_str("</table>\n");
    }

    out.push_str("<h2>Scenarios</h2>\n");
    if report.scenarios.is_empty() {
        out.push_str("<p class=\"muted\">No scenario was run.</p>\n");
    }
    for s in &report.scenarios {
        let first = s
            .requirements
            .first()
            .map(String::as_str)
            .unwrap_or_default();
        scenario_section(&mut out, s, &links, first);
    }
    footer(&mut out, report);
    out
}

/// Renders the page of one requirement, as written at
/// `requirements/<dir>/index.html` in the evidence pack (links are relative
/// to that folder). `None` when `requirement_id` is not in the report.
pub fn render_requirement(report: &RunReport, requirement_id: &str) -> Option<String> {
    let r = report.coverage.requirement(requirement_id)?;
    let links = Links {
        report,
        pack: Some("../../"),
        local_anchors: false,
    };
    let mut out = String::new();
    head(&mut out, &format!("{} — Ségur conformance evidence", r.id));
    let _ = writeln!(
        out,
        "<h1><code>{}</code> {}</h1>\n<p>{}</p>",
        escape_markup(&r.id),
        badge(r.status.as_str(), &status_label(r.status.as_str())),
        escape_markup(&r.summary)
    );
    let crates: Vec<String> = r.crates.iter().map(|c| c.package()).collect();
    let rows = [
        ("Theme", format!("{} — {}", r.theme.code(), r.theme.label())),
        ("Check", r.check.as_str().to_owned()),
        (
            "Profiles",
            r.profiles
                .iter()
                .map(|p| p.label())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ("Crates", crates.join(", ")),
        ("Host", report.host.to_string()),
        ("SDK", format!("{} {}", report.sdk.name, report.sdk.version)),
        ("Run started", rfc3339(report.started_at)),
    ];
    key_value_table(&mut out, &rows);
    out.push_str("<p><a href=\"../../report.html\">Whole run report</a></p>\n");

    out.push_str("<h2>Editor evidence</h2>\n");
    let before = out.len();
    evidence_items(&mut out, report, &r.id, &links);
    if out.len() == before {
        out.push_str("<p class=\"muted\">No evidence file declared.</p>\n");
    }

    out.push_str("<h2>Scenarios</h2>\n");
    let ran: Vec<&ScenarioReport> = report
        .scenarios
        .iter()
        .filter(|s| s.requirements.iter().any(|q| q == &r.id))
        .collect();
    if ran.is_empty() {
        out.push_str("<p class=\"muted\">No scenario was run for this requirement.</p>\n");
    }
    for s in ran {
        scenario_section(&mut out, s, &links, &r.id);
    }
    footer(&mut out, report);
    Some(out)
}

fn footer(out: &mut String, report: &RunReport) {
    let _ = writeln!(
        out,
        "<footer><p class=\"muted\">Generated by {} {} (report schema {}). \
         Requirement ids are the official REM identifiers; summaries are segur-rs wording.</p></footer>\n</body>\n</html>",
        escape_markup(&report.sdk.name),
        escape_markup(&report.sdk.version),
        report.schema_version
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_paths_are_encoded() {
        assert_eq!(url_path("a b/ç.html"), "a%20b/%C3%A7.html");
        assert_eq!(
            url_path("requirements/SC.CDA_DD.20/index.html"),
            "requirements/SC.CDA_DD.20/index.html"
        );
    }

    #[test]
    fn css_has_every_status_class() {
        for c in [
            "passed",
            "failed",
            "not_applicable",
            "covered",
            "not_run",
            "no_scenario",
            "provided",
            "missing",
            "empty",
            "unreadable",
            "interrupted",
        ] {
            assert!(STYLE.contains(&format!(".st-{c}")), "{c}");
        }
        // The page must stay well-formed XML: no `<` or `&` in the CSS.
        assert!(!STYLE.contains('<') && !STYLE.contains('&'));
    }
}
