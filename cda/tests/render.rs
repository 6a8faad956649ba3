//! HTML rendering: content, escaping, no script injection.
#![allow(clippy::unwrap_used)]

use segur_cda::body::{Section, XmlFragment};
use segur_cda::render::{RenderOptions, render_html};
use segur_cda::{Body, Document, StructuredBody, samples};

fn shared() -> std::path::PathBuf {
    std::env::var_os("SEGUR_SHARED")
        .map(Into::into)
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared").into())
}

#[test]
fn renders_n1_with_header_summary_and_embedded_pdf() {
    let doc = samples::n1_document().unwrap();
    let html = render_html(&doc, &RenderOptions::default());
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("TESTPATIENT CAMILLE MARIE"));
    assert!(html.contains("Identité qualifiée"));
    assert!(html.contains("INS-NIR de test 285037511104286"));
    assert!(html.contains("12/03/1985"));
    assert!(html.contains("CR de consultation"));
    assert!(html.contains("Jean MEDECIN-TEST"));
    assert!(html.contains("data:application/pdf;base64,JVBER"));
    assert!(html.contains("Content-Security-Policy"));
    let linked = render_html(
        &doc,
        &RenderOptions {
            pdf_href: Some("https://lgc.example/doc.pdf".into()),
            ..Default::default()
        },
    );
    assert!(linked.contains("href=\"https://lgc.example/doc.pdf\""));
    assert!(!linked.contains("base64,"));
    let out = std::env::var_os("SEGUR_TEST_OUT")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/../target/segur-test-out").into());
    std::fs::create_dir_all(out.join("html")).unwrap();
    std::fs::write(out.join("html/sample-n1.html"), &html).unwrap();
}

#[test]
fn renders_n3_narrative_of_the_official_examples() {
    let bytes =
        std::fs::read(shared().join("vendor/ans-cda/ExemplesCDA/VSM_1.4_2022.01.xml")).unwrap();
    let doc = Document::parse(bytes).unwrap();
    let html = render_html(&doc, &RenderOptions::default());
    assert!(html.contains("<table"));
    assert!(html.contains("<h2>"));
    assert!(html.contains("PAT-TROIS DOMINIQUE MARIE-LOUISE"));
    let n_sections = html.matches("<section>").count();
    assert_eq!(
        n_sections,
        doc.structured_body().unwrap().all_sections().len()
    );
    for f in [
        "eP-MED-DM_2024.01_PosoStruct.xml",
        "CSE-CS8_2025.01.xml",
        "VAC-NOTE_2023.01.xml",
    ] {
        let doc = Document::parse(
            std::fs::read(shared().join("vendor/ans-cda/ExemplesCDA").join(f)).unwrap(),
        )
        .unwrap();
        let html = render_html(&doc, &RenderOptions::default());
        assert!(!html.contains("<script"), "{f}");
        assert!(html.matches("<table").count() >= 1, "{f}");
    }
}

#[test]
fn document_content_cannot_inject_markup_or_script() {
    let mut doc = samples::n1_document().unwrap();
    doc.header.title = Some("<script>alert(1)</script>".into());
    doc.header.record_targets[0]
        .patient_role
        .patient
        .as_mut()
        .unwrap()
        .names[0]
        .parts[0]
        .value = "\"><img src=x onerror=alert(1)>".into();
    let narrative = XmlFragment::parse(
        "<paragraph>Hello <content styleCode=\"Bold x&quot; onmouseover=&quot;alert(1)\">bold</content> \
         &lt;script&gt;alert(2)&lt;/script&gt;</paragraph>\
         <linkHtml href=\"javascript:alert(3)\">click</linkHtml>\
         <linkHtml href=\"https://ok.example/\">ok</linkHtml>\
         <table><caption>Résultats</caption><thead><tr><th colspan=\"2\">A</th></tr></thead>\
         <tbody><tr><td colspan=\"2&quot; onclick=&quot;x\">1</td></tr></tbody></table>\
         <list listType=\"ordered\"><item>un</item><item>deux<br/>suite</item></list>\
         <renderMultiMedia referencedObject=\"&lt;img&gt;\"/>",
    )
    .unwrap();
    doc.body = Body::Structured(StructuredBody {
        sections: vec![Section {
            title: Some("<b>Section</b>".into()),
            text: Some(narrative),
            ..Section::default()
        }],
    });
    let html = render_html(&doc, &RenderOptions::default());
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("javascript:"));
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(!html.contains(" onmouseover="));
    assert!(!html.contains(" onclick="));
    assert!(!html.contains("<img src=x"));
    assert!(!html.contains("<b>Section"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("<a href=\"https://ok.example/\" rel=\"noopener noreferrer\">ok</a>"));
    assert!(html.contains("<ol><li>un</li><li>deux<br>suite</li></ol>"));
    assert!(html.contains("<caption>Résultats</caption>"));
    assert!(html.contains("<th colspan=\"2\">A</th>"));
    assert!(html.contains("<td>1</td>"));
}

#[test]
fn stylesheet_helper() {
    let doc = samples::n1_document().unwrap();
    let xml = String::from_utf8(doc.to_xml_with_stylesheet("CDA-FO.xsl")).unwrap();
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<?xml-stylesheet type=\"text/xsl\" href=\"CDA-FO.xsl\"?>"));
    // Still parses to the same document.
    assert_eq!(Document::parse(xml.into_bytes()).unwrap(), doc);
    let again = segur_cda::document::with_stylesheet_pi(&doc.to_xml(), "other.xsl");
    assert!(
        String::from_utf8(again)
            .unwrap()
            .contains("href=\"other.xsl\"")
    );
}

#[test]
fn render_multimedia_shows_referenced_images_only() {
    use segur_cda::body::Entry;
    let mut doc = samples::n1_document().unwrap();
    let entry = |id: &str, mt: &str| {
        Entry::Xml(
            XmlFragment::parse(format!(
                "<entry><observationMedia classCode=\"OBS\" moodCode=\"EVN\" ID=\"{id}\"><value mediaType=\"{mt}\" representation=\"B64\">iVBO\nRw0K</value></observationMedia></entry>"
            ))
            .unwrap(),
        )
    };
    doc.body = Body::Structured(StructuredBody {
        sections: vec![Section {
            title: Some("Images".into()),
            text: Some(
                XmlFragment::parse(
                    "<renderMultiMedia referencedObject=\"img1\"/><renderMultiMedia referencedObject=\"doc1\"/><renderMultiMedia referencedObject=\"missing\"/>",
                )
                .unwrap(),
            ),
            entries: vec![entry("img1", "image/png"), entry("doc1", "application/pdf")],
            ..Section::default()
        }],
    });
    let html = render_html(&doc, &RenderOptions::default());
    assert!(
        html.contains("<img alt=\"img1\" src=\"data:image/png;base64,iVBORw0K\">"),
        "{html}"
    );
    assert!(html.contains("[média doc1]"));
    assert!(html.contains("[média missing]"));
}

#[test]
fn extra_blocks_are_rendered_after_the_content_with_escaped_headings() {
    let doc = samples::n1_document().unwrap();
    let html = render_html(
        &doc,
        &RenderOptions {
            extra: vec![segur_cda::render::ExtraBlock {
                heading: "Courbes <de> croissance".into(),
                html: "<svg xmlns=\"http://www.w3.org/2000/svg\"><title>t</title></svg>".into(),
            }],
            ..Default::default()
        },
    );
    assert!(html.contains("<h2>Courbes &lt;de&gt; croissance</h2>"));
    let svg = html.find("<svg xmlns").unwrap();
    assert!(svg > html.find("Document").unwrap());
    assert!(svg < html.find("</body>").unwrap());
    // Without blocks, nothing is added.
    let plain = render_html(&doc, &RenderOptions::default());
    assert!(!plain.contains("class=\"extra\""));
}
