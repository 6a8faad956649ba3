//! Display of N3 documents through the official ANS display stylesheet
//! (SC.CDA/INT.15), with `segur_cda::stylesheet`.
//!
//! The stylesheet (`FeuilleDeStyle/CDA-FO.xsl` of `ansforge/TestContenuCDA-3-0`)
//! is a file the practice installs; its path and XSLT processor are a
//! setting ([`Settings::cda_stylesheet`](super::Settings)), else the ones the
//! conformance run gives in its `HostEnvironment`. The page is the
//! stylesheet's output for the document's bytes as held, unchanged. N1
//! documents are shown by their PDF (`rendering`), not here.

use segur_cda::{Document, Level};
use segur_conformance::host::{DocumentRef, Documents, HostError};
use segur_ssi::audit::Outcome;

use super::{ReferenceLgc, failed};

impl ReferenceLgc {
    /// The page shown when the user displays `document` through the official
    /// stylesheet.
    pub(super) async fn display_through_stylesheet(
        &self,
        document: &DocumentRef,
    ) -> Result<String, HostError> {
        let core = self.core()?;
        let Some(renderer) = core.display_stylesheet.clone() else {
            return Err(HostError::not_implemented(
                "observations.stylesheet_rendering (no display stylesheet installed: Settings::cda_stylesheet)",
            ));
        };
        let xml = Documents::content(self, document).await?;
        let parsed = Document::parse(xml.clone()).map_err(|e| failed("held document")(&e))?;
        if parsed.level() != Level::N3 {
            return Err(HostError::failed(format!(
                "document {document} is an N1 document: it is shown as its PDF"
            )));
        }
        core.trace(
            core.event("cda.document.viewed", "user", Outcome::Success)?
                .with_document(document.as_str()),
        )?;
        let page = tokio::task::spawn_blocking(move || renderer.render(&xml))
            .await
            .map_err(|e| failed("display task")(&e))?
            .map_err(|e| failed("display through the official stylesheet")(&e))?;
        Ok(page.html)
    }
}
