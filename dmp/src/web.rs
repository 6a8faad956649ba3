//! Contextual call to the web DMP (SC.DMP/UX.31): the software opens the
//! professional web access of the DMP on the patient it is showing, without
//! a new login, by posting a signed VIHF naming the patient.
//!
//! The exact contract of the DMP web access (URL, field names) is in the
//! DMPi guide, which is not public (UNCONFIRMED): [`WebDmpLink`] is an
//! HTTP form POST to a configurable URL with two fields, `VIHF` (the signed
//! assertion, base64) and `INS` (the patient's INS as CX). The simulator
//! serves the same contract, checks the assertion and shows the patient's
//! documents. Hosts open it with [`WebDmpLink::auto_post_html`] in the
//! system browser.

use base64::Engine as _;
use segur_ins::Ins;

use crate::vihf::VihfAssertion;

/// A contextual link: a form to POST.
#[derive(Clone, PartialEq, Eq)]
pub struct WebDmpLink {
    /// Where to post.
    pub url: String,
    /// Form fields (`application/x-www-form-urlencoded`).
    pub fields: Vec<(String, String)>,
}

impl std::fmt::Debug for WebDmpLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The assertion is a bearer credential for its validity window.
        f.debug_struct("WebDmpLink")
            .field("url", &self.url)
            .field(
                "fields",
                &self.fields.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// Form field carrying the VIHF.
pub const FIELD_VIHF: &str = "VIHF";
/// Form field carrying the patient INS (CX).
pub const FIELD_INS: &str = "INS";

/// The link opening the web DMP of `patient` (the assertion must name the
/// same patient).
pub fn contextual_link(url: &str, patient: &Ins, assertion: &VihfAssertion) -> WebDmpLink {
    WebDmpLink {
        url: url.to_owned(),
        fields: vec![
            (
                FIELD_VIHF.to_owned(),
                base64::engine::general_purpose::STANDARD.encode(assertion.as_xml()),
            ),
            (FIELD_INS.to_owned(), patient.to_cx()),
        ],
    }
}

fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

impl WebDmpLink {
    /// The form body (`application/x-www-form-urlencoded`).
    pub fn form_body(&self) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(self.fields.iter())
            .finish()
    }

    /// A small HTML page that posts the form as soon as it is opened
    /// (write it to a temporary file and open it in the system browser).
    pub fn auto_post_html(&self) -> String {
        let mut inputs = String::new();
        for (k, v) in &self.fields {
            inputs.push_str(&format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                html_escape(k),
                html_escape(v)
            ));
        }
        format!(
            "<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>DMP</title></head>\
             <body onload=\"document.forms[0].submit()\"><form method=\"post\" action=\"{}\">{inputs}\
             <noscript><button type=\"submit\">Ouvrir le DMP</button></noscript></form></body></html>",
            html_escape(&self.url)
        )
    }
}

/// Reads a posted form (simulator side): `(assertion XML, INS)`.
pub(crate) fn read_form(body: &[u8]) -> Option<(String, String)> {
    let mut vihf = None;
    let mut ins = None;
    for (k, v) in url::form_urlencoded::parse(body) {
        match k.as_ref() {
            FIELD_VIHF => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(v.as_bytes())
                    .ok()?;
                vihf = Some(String::from_utf8(bytes).ok()?);
            }
            FIELD_INS => ins = Some(v.into_owned()),
            _ => {}
        }
    }
    Some((vihf?, ins?))
}

/// Escapes text for the simulator's page.
pub(crate) fn escape(s: &str) -> String {
    html_escape(s)
}
