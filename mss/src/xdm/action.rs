//! The replace / delete "action" of a document in an XDM package.
//!
//! The ANS samples (`ansforge/hl7V2-exemples`, Trans_LPS_CDA_MSSanté) name
//! an action flag `C` (replace: a new version of a document sent before) and
//! `D` (delete: withdraw a document sent before). No public ANS artefact
//! gives the METADATA.XML slot that carries it (UNCONFIRMED, reference
//! sheet §3.3 / §9.6). Choice made here: the extra-metadata slot
//! `urn:action:extraMetadataSlot` on the DocumentEntry (`ExtrinsicObject`),
//! value `C` or `D`, absent for a first sending — the slot a public French
//! XDM generator writes for new versions, and a legal IHE extra-metadata
//! name (ITI TF-3 4.1.14: a URN outside `urn:ihe:`), which receivers that do
//! not know it ignore. A replacement also carries, as the standard says, the
//! CDA `relatedDocument typeCode="RPLC"` to the replaced version, which is
//! what receivers use to find it; the subject of the message says
//! « Annule et remplace » (AMBU.MSS/va1.02) or « Annulation » (deletion:
//! our choice, no convention found).

use quick_xml::Reader;
use quick_xml::events::Event;

/// The slot name carrying the action.
pub const ACTION_SLOT: &str = "urn:action:extraMetadataSlot";

/// What the sender asks the recipient to do with a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
#[non_exhaustive]
pub enum XdmAction {
    /// A document sent for the first time (no slot).
    #[default]
    Original,
    /// `C`: a new version replacing a document sent before (RPLC).
    Replace,
    /// `D`: withdraw a document sent before.
    Delete,
}

impl XdmAction {
    /// The slot value (`None` for a first sending).
    pub fn code(self) -> Option<&'static str> {
        match self {
            Self::Original => None,
            Self::Replace => Some("C"),
            Self::Delete => Some("D"),
        }
    }

    /// From a slot value.
    pub fn from_code(s: &str) -> Option<Self> {
        match s.trim() {
            "C" | "c" => Some(Self::Replace),
            "D" | "d" => Some(Self::Delete),
            _ => None,
        }
    }
}

fn slot_xml(code: &str) -> String {
    format!(
        "<rim:Slot name=\"{ACTION_SLOT}\"><rim:ValueList><rim:Value>{code}</rim:Value></rim:ValueList></rim:Slot>"
    )
}

/// Adds the action slot as the first child of the `ExtrinsicObject`s of
/// `metadata` (ebRIM written by segur-cda) whose `id` is a key of
/// `actions`. Slots come first in an ebRIM object, so the document stays
/// schema-valid.
pub(crate) fn insert_action_slots(metadata: &str, actions: &[(String, XdmAction)]) -> String {
    let mut out = metadata.to_owned();
    for (entry_id, action) in actions {
        let Some(code) = action.code() else { continue };
        let needle = format!("id=\"{}\"", quick_xml::escape::escape(entry_id.as_str()));
        let mut from = 0;
        while let Some(pos) = out[from..].find("<rim:ExtrinsicObject") {
            let start = from + pos;
            let Some(end) = out[start..].find('>').map(|e| start + e) else {
                break;
            };
            if out[start..end].contains(&needle) && !out[start..end].ends_with('/') {
                out.insert_str(end + 1, &slot_xml(code));
                break;
            }
            from = end;
        }
    }
    out
}

/// The actions carried by a METADATA.XML: `(ExtrinsicObject id, action)`.
/// Unknown values are ignored (a document without a readable action is
/// handled as a first sending, with its CDA RPLC link still honoured).
pub fn read_actions(metadata: &[u8]) -> Vec<(String, XdmAction)> {
    let mut reader = Reader::from_reader(metadata);
    reader.config_mut().trim_text(true);
    let mut buf = Vec::new();
    let mut out = Vec::new();
    // The ExtrinsicObject being read, whether in the action slot, in a Value.
    let mut current: Option<String> = None;
    let mut in_slot = false;
    let mut in_value = false;
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => {
                let name = e.local_name();
                match name.as_ref() {
                    b"ExtrinsicObject" => {
                        current = e
                            .attributes()
                            .flatten()
                            .find(|a| a.key.local_name().as_ref() == b"id")
                            .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()));
                    }
                    b"Slot" if current.is_some() => {
                        in_slot = e.attributes().flatten().any(|a| {
                            a.key.local_name().as_ref() == b"name"
                                && a.unescape_value().is_ok_and(|v| v == ACTION_SLOT)
                        });
                    }
                    b"Value" if in_slot => in_value = true,
                    _ => {}
                }
            }
            Ok(Event::Text(t)) if in_value => {
                if let (Some(id), Ok(text)) = (&current, t.decode())
                    && let Some(a) = XdmAction::from_code(&text)
                {
                    out.push((id.clone(), a));
                }
            }
            Ok(Event::End(e)) => match e.local_name().as_ref() {
                b"ExtrinsicObject" => current = None,
                b"Slot" => in_slot = false,
                b"Value" => in_value = false,
                _ => {}
            },
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buf.clear();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_written_first_and_read_back() {
        let xml = "<lcm:SubmitObjectsRequest xmlns:lcm=\"l\" xmlns:rim=\"r\"><rim:RegistryObjectList>\
            <rim:ExtrinsicObject id=\"Document01\" mimeType=\"text/xml\"><rim:Slot name=\"URI\"><rim:ValueList><rim:Value>DOC0001.XML</rim:Value></rim:ValueList></rim:Slot></rim:ExtrinsicObject>\
            <rim:ExtrinsicObject id=\"Document02\" mimeType=\"text/xml\"></rim:ExtrinsicObject>\
            <rim:ExtrinsicObject id=\"Document03\" mimeType=\"text/xml\"></rim:ExtrinsicObject>\
            </rim:RegistryObjectList></lcm:SubmitObjectsRequest>";
        let out = insert_action_slots(
            xml,
            &[
                ("Document02".into(), XdmAction::Replace),
                ("Document03".into(), XdmAction::Delete),
                ("Document01".into(), XdmAction::Original),
            ],
        );
        assert!(out.contains(
            "<rim:ExtrinsicObject id=\"Document02\" mimeType=\"text/xml\"><rim:Slot name=\"urn:action:extraMetadataSlot\">"
        ));
        assert_eq!(
            read_actions(out.as_bytes()),
            vec![
                ("Document02".to_owned(), XdmAction::Replace),
                ("Document03".to_owned(), XdmAction::Delete)
            ]
        );
        // Junk values and slots outside entries are ignored; bad XML gives
        // what was read before the error, never a panic.
        let junk = "<r><rim:Slot name=\"urn:action:extraMetadataSlot\"><rim:ValueList><rim:Value>C</rim:Value></rim:ValueList></rim:Slot>\
            <rim:ExtrinsicObject id=\"X\"><rim:Slot name=\"urn:action:extraMetadataSlot\"><rim:ValueList><rim:Value>Z</rim:Value></rim:ValueList></rim:Slot></rim:ExtrinsicObject><broken";
        assert!(read_actions(junk.as_bytes()).is_empty());
    }
}
