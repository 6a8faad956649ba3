//! SOAP 1.2 envelopes with WS-Addressing 2005/08 and a WS-Security header
//! carrying the VIHF (reference §1), SOAP faults, and the HTTP framing of a
//! request (plain `application/soap+xml` or MTOM). Sans-IO: bytes in, bytes
//! out; the client shell and the simulator both use it.

use crate::error::{Error, ProtocolError};
use crate::mtom::{self, DecodedMessage, Part};
use crate::vihf::{SAML2_NS, VihfAssertion};
use crate::xml::{self, Element, Scope};

/// `http://www.w3.org/2003/05/soap-envelope`
pub const SOAP_NS: &str = "http://www.w3.org/2003/05/soap-envelope";
/// `http://www.w3.org/2005/08/addressing`
pub const WSA_NS: &str = "http://www.w3.org/2005/08/addressing";
/// WS-Security 1.0 secext namespace.
pub const WSSE_NS: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
const WSA_ANONYMOUS: &str = "http://www.w3.org/2005/08/addressing/anonymous";

fn soap(local: &str) -> Element {
    Element::new(format!("soap:{local}"), SOAP_NS)
}

fn wsa(local: &str) -> Element {
    Element::new(format!("wsa:{local}"), WSA_NS)
}

/// A new `urn:uuid:` message id.
pub(crate) fn new_message_id() -> String {
    format!("urn:uuid:{}", uuid::Uuid::new_v4())
}

/// Builds a request envelope: WS-Addressing headers (Action with
/// `mustUnderstand`), the VIHF in `wsse:Security`, and the body.
pub(crate) fn request_envelope(
    action: &str,
    to: &str,
    message_id: &str,
    assertion: Option<&VihfAssertion>,
    body: Element,
) -> Element {
    let mut header = soap("Header")
        .child(
            wsa("Action")
                .attr_ns("soap:mustUnderstand", SOAP_NS, "true")
                .text(action),
        )
        .child(wsa("MessageID").text(message_id))
        .child(wsa("ReplyTo").child(wsa("Address").text(WSA_ANONYMOUS)))
        .child(wsa("To").text(to));
    if let Some(a) = assertion {
        header = header.child(
            Element::new("wsse:Security", WSSE_NS)
                .decl("wsse", WSSE_NS)
                .attr_ns("soap:mustUnderstand", SOAP_NS, "true")
                .child(a.element().clone()),
        );
    }
    soap("Envelope")
        .decl("soap", SOAP_NS)
        .decl("wsa", WSA_NS)
        .child(header)
        .child(soap("Body").child(body))
}

/// Builds a response envelope (Action and RelatesTo).
pub(crate) fn response_envelope(action: &str, relates_to: Option<&str>, body: Element) -> Element {
    let mut header = soap("Header").child(
        wsa("Action")
            .attr_ns("soap:mustUnderstand", SOAP_NS, "true")
            .text(action),
    );
    if let Some(r) = relates_to {
        header = header.child(wsa("RelatesTo").text(r));
    }
    soap("Envelope")
        .decl("soap", SOAP_NS)
        .decl("wsa", WSA_NS)
        .child(header)
        .child(soap("Body").child(body))
}

/// A SOAP 1.2 fault received from (or sent by) a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoapFault {
    /// `Code/Value` (e.g. `soap:Sender`, `soap:Receiver`), as written.
    pub code: String,
    /// `Code/Subcode/Value` chain (service-specific error codes).
    pub subcodes: Vec<String>,
    /// `Reason/Text` (first).
    pub reason: String,
    /// Text content of `Detail`, if any.
    pub detail: Option<String>,
}

impl std::fmt::Display for SoapFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SOAP fault {}", self.code)?;
        for s in &self.subcodes {
            write!(f, "/{s}")?;
        }
        write!(f, ": {}", self.reason)?;
        if let Some(d) = &self.detail {
            write!(f, " ({d})")?;
        }
        Ok(())
    }
}

impl SoapFault {
    /// A sender-side fault (the request was refused).
    pub fn sender(subcode: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            code: "soap:Sender".into(),
            subcodes: vec![subcode.into()],
            reason: reason.into(),
            detail: None,
        }
    }

    /// A receiver-side fault (the service failed).
    pub fn receiver(subcode: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            code: "soap:Receiver".into(),
            subcodes: vec![subcode.into()],
            reason: reason.into(),
            detail: None,
        }
    }

    /// Whether the service, not the request, failed (worth retrying later).
    pub fn is_receiver(&self) -> bool {
        local(&self.code) == "Receiver"
    }

    pub(crate) fn to_element(&self) -> Element {
        let mut code = soap("Code").child(soap("Value").text(&self.code));
        // Nested subcodes, innermost last.
        if !self.subcodes.is_empty() {
            let mut sub: Option<Element> = None;
            for s in self.subcodes.iter().rev() {
                let mut e = soap("Subcode").child(soap("Value").text(s));
                if let Some(inner) = sub.take() {
                    e = e.child(inner);
                }
                sub = Some(e);
            }
            code = code.child_opt(sub);
        }
        let mut f = soap("Fault").child(code).child(
            soap("Reason").child(
                soap("Text")
                    .attr_ns("xml:lang", xml::XML_NS, "fr")
                    .text(&self.reason),
            ),
        );
        if let Some(d) = &self.detail {
            f = f.child(soap("Detail").text(d));
        }
        f
    }

    fn from_element(f: &Element) -> Self {
        let code_el = f.first(SOAP_NS, "Code");
        let code = code_el
            .and_then(|c| c.child_text(SOAP_NS, "Value"))
            .unwrap_or_default();
        let mut subcodes = Vec::new();
        let mut cur = code_el.and_then(|c| c.first(SOAP_NS, "Subcode"));
        while let Some(s) = cur {
            if let Some(v) = s.child_text(SOAP_NS, "Value") {
                subcodes.push(v);
            }
            cur = s.first(SOAP_NS, "Subcode");
        }
        let reason = f
            .first(SOAP_NS, "Reason")
            .and_then(|r| r.child_text(SOAP_NS, "Text"))
            .unwrap_or_default();
        let detail = f.first(SOAP_NS, "Detail").map(|d| {
            let mut s = d.text_content().trim().to_owned();
            if s.is_empty() {
                s = d.elements().map(Element::to_xml).collect::<String>();
            }
            s
        });
        Self {
            code,
            subcodes,
            reason,
            detail,
        }
    }
}

fn local(qname: &str) -> &str {
    xml::local_part(qname)
}

/// A received SOAP message: the envelope tree and the MTOM parts.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub envelope: Element,
    pub parts: DecodedMessage,
}

impl Received {
    /// Decodes an HTTP body (MTOM or plain) and parses the envelope.
    pub fn decode(content_type: &str, body: &[u8]) -> Result<Self, Error> {
        let mut parts = mtom::decode(content_type, body)?;
        let envelope = xml::parse(&parts.root)?;
        if !envelope.is(SOAP_NS, "Envelope") {
            return Err(ProtocolError::NotSoap(format!(
                "root element {} (expected a SOAP 1.2 Envelope)",
                envelope.name
            ))
            .into());
        }
        parts.root.clear();
        Ok(Self { envelope, parts })
    }

    /// The first element of the Body.
    pub fn body(&self) -> Result<&Element, Error> {
        self.envelope
            .first(SOAP_NS, "Body")
            .and_then(|b| b.elements().next())
            .ok_or_else(|| ProtocolError::NotSoap("empty SOAP Body".into()).into())
    }

    /// The fault in the body, if the body is one.
    pub fn fault(&self) -> Option<SoapFault> {
        self.body()
            .ok()
            .filter(|b| b.is(SOAP_NS, "Fault"))
            .map(SoapFault::from_element)
    }

    /// The body, or the fault as an error.
    pub fn body_or_fault(&self) -> Result<&Element, Error> {
        if let Some(f) = self.fault() {
            return Err(Error::Fault(f));
        }
        self.body()
    }

    fn header_text(&self, local: &str) -> Option<String> {
        self.envelope
            .first(SOAP_NS, "Header")
            .and_then(|h| h.child_text(WSA_NS, local))
    }

    /// `wsa:Action`.
    pub fn action(&self) -> Option<String> {
        self.header_text("Action")
    }

    /// `wsa:MessageID`.
    pub fn message_id(&self) -> Option<String> {
        self.header_text("MessageID")
    }

    /// `wsa:RelatesTo`.
    pub fn relates_to(&self) -> Option<String> {
        self.header_text("RelatesTo")
    }

    /// The VIHF assertion in `wsse:Security`, with the bindings in scope.
    pub fn assertion(&self) -> Option<(&Element, Scope)> {
        let header = self.envelope.first(SOAP_NS, "Header")?;
        let security = header.first(WSSE_NS, "Security")?;
        security.first(SAML2_NS, "Assertion")?;
        xml::find_with_scope(&self.envelope, SAML2_NS, "Assertion")
    }

    /// Binary content of an element carrying either an `xop:Include` or
    /// base64 text (IHE `Document`).
    pub fn binary(&self, el: &Element) -> Result<Vec<u8>, Error> {
        use base64::Engine as _;
        if let Some(inc) = el.first(mtom::XOP_NS, "Include") {
            let href = inc.req_attr("href")?;
            return self
                .parts
                .part(href)
                .map(|p| p.body.clone())
                .ok_or_else(|| crate::error::MimeError::MissingPart(href.to_owned()).into());
        }
        let text: String = el
            .text_content()
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|e| {
                ProtocolError::Unexpected(format!("{}: bad base64 content ({e})", el.name)).into()
            })
    }
}

/// An HTTP message ready to send: `Content-Type` and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpMessage {
    /// `Content-Type` header.
    pub content_type: String,
    /// Body bytes.
    pub body: Vec<u8>,
}

/// Frames an envelope: MTOM when there are parts (or `force_mtom`), else
/// plain `application/soap+xml` with the action parameter.
pub(crate) fn frame(
    envelope: &Element,
    action: &str,
    parts: &[Part],
    force_mtom: bool,
) -> HttpMessage {
    let xml = envelope.to_document();
    if parts.is_empty() && !force_mtom {
        return HttpMessage {
            content_type: format!("application/soap+xml; charset=UTF-8; action=\"{action}\""),
            body: xml.into_bytes(),
        };
    }
    let m = mtom::encode(xml.as_bytes(), parts, Some(action));
    HttpMessage {
        content_type: m.content_type,
        body: m.body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_round_trip() {
        let mut f = SoapFault::sender("DMPAccessDenied", "Accès refusé");
        f.subcodes.push("inner".into());
        f.detail = Some("pas d'autorisation".into());
        let env = response_envelope(
            "http://www.w3.org/2005/08/addressing/soap/fault",
            Some("urn:uuid:1"),
            f.to_element(),
        );
        let msg = frame(&env, "x", &[], false);
        let r = Received::decode(&msg.content_type, &msg.body).expect("decode");
        assert_eq!(r.fault(), Some(f.clone()));
        assert_eq!(r.relates_to().as_deref(), Some("urn:uuid:1"));
        assert!(matches!(r.body_or_fault(), Err(Error::Fault(_))));
        assert!(!f.is_receiver());
        assert!(SoapFault::receiver("x", "y").is_receiver());
        assert!(f.to_string().contains("DMPAccessDenied/inner"));
    }

    #[test]
    fn not_soap_is_an_error() {
        assert!(matches!(
            Received::decode("text/xml", b"<html/>"),
            Err(Error::Protocol(ProtocolError::NotSoap(_)))
        ));
    }
}
