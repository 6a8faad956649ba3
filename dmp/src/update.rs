//! TD3.3 metadata updates with ITI-57 (UpdateDocumentSet), sans-IO
//! (reference §5):
//!
//! - TD3.3a/b, visibility (masking from professionals, invisibility to the
//!   patient or the legal representatives): a new metadata version of the
//!   entry — same `lid` (logicalId), new entryUUID, the confidentiality
//!   codes changed — tied to the submission set by a HasMember association
//!   carrying `PreviousVersion`;
//! - TD3.3c/d, delete and archive / unarchive: an `UpdateAvailabilityStatus`
//!   association from the submission set to the entry, with `OriginalStatus`
//!   and `NewStatus`.
//!
//! Both need the entry as the registry holds it now (entryUUID, logicalId,
//! version, status): the client reads it with GetDocuments first. Applying
//! an update to both forms of an N1/N3 pair is the client's job
//! ([`crate::client::DmpClient`] takes every uniqueId of the pair).

use segur_cda::xds::{
    ASSOCIATION_UPDATE_AVAILABILITY_STATUS, Association, DocumentEntry, Submission, SubmissionSet,
    XdsCode,
};
use segur_ids::Oid;
use time::OffsetDateTime;

use crate::error::{Error, FeedError, ProtocolError};
use crate::feed::{Visibility, new_unique_oid};
use crate::xds::{Availability, LCM_NS};
use crate::xml::{self, Element};

/// A change of availability status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[non_exhaustive]
pub enum StatusChange {
    /// TD3.3d: Approved → Archived.
    Archive,
    /// TD3.3d: Archived → Approved.
    Unarchive,
    /// TD3.3c: Approved (or Archived) → Deleted; only the author may.
    Delete,
}

impl StatusChange {
    /// The new status.
    pub fn target(self) -> Availability {
        match self {
            Self::Archive => Availability::Archived,
            Self::Unarchive => Availability::Approved,
            Self::Delete => Availability::Deleted,
        }
    }

    /// Whether the change applies to an entry in status `from`.
    pub fn applies_to(self, from: Availability) -> bool {
        match self {
            Self::Archive => from == Availability::Approved,
            Self::Unarchive => from == Availability::Archived,
            Self::Delete => matches!(from, Availability::Approved | Availability::Archived),
        }
    }

    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Archive => "archive",
            Self::Unarchive => "unarchive",
            Self::Delete => "delete",
        }
    }
}

fn submission_set(
    entry: &DocumentEntry,
    source_id: &Oid,
    content_type_code: &XdsCode,
    now: OffsetDateTime,
) -> Result<SubmissionSet, Error> {
    let uid = new_unique_oid();
    let mut set = SubmissionSet::for_entry(
        entry,
        &Oid::parse(&uid).map_err(|e| FeedError::PatientId(e.to_string()))?,
        source_id,
        now,
        content_type_code.clone(),
    );
    set.entry_uuid = "SubmissionSet01".into();
    Ok(set)
}

fn wrap(submission: &Submission) -> Result<Element, Error> {
    Ok(xml::parse(submission.to_ebrim().as_bytes())?)
}

/// The status of an entry as the registry returned it.
pub(crate) fn status_of(entry: &DocumentEntry) -> Availability {
    entry
        .status
        .as_deref()
        .and_then(Availability::from_urn)
        .unwrap_or(Availability::Approved)
}

/// ITI-57 request changing the availability status of `entries` (as
/// returned by the registry: `entry_uuid` is the entryUUID), in one
/// submission (both forms of a pair change together).
pub(crate) fn status_update_request(
    entries: &[DocumentEntry],
    change: StatusChange,
    source_id: &Oid,
    content_type_code: &XdsCode,
    now: OffsetDateTime,
) -> Result<Element, Error> {
    let first = entries.first().ok_or(FeedError::Empty)?;
    let set = submission_set(first, source_id, content_type_code, now)?;
    let associations = entries
        .iter()
        .map(|e| {
            Association::new(
                ASSOCIATION_UPDATE_AVAILABILITY_STATUS,
                &set.entry_uuid,
                &e.entry_uuid,
            )
            .with_slot("OriginalStatus", status_of(e).as_urn())
            .with_slot("NewStatus", change.target().as_urn())
        })
        .collect();
    let submission = Submission {
        associations,
        submission_set: Some(set),
        ..Submission::default()
    };
    wrap(&submission)
}

/// ITI-57 request making a new metadata version of each of `entries` with
/// its visibility codes replaced, in one submission.
pub(crate) fn visibility_update_request(
    entries: &[DocumentEntry],
    visibility: Visibility,
    source_id: &Oid,
    content_type_code: &XdsCode,
    now: OffsetDateTime,
) -> Result<Element, Error> {
    let first = entries.first().ok_or(FeedError::Empty)?;
    let set = submission_set(first, source_id, content_type_code, now)?;
    let mut updated_entries = Vec::new();
    let mut previous_versions = Vec::new();
    for entry in entries {
        let logical_id = entry
            .logical_id
            .clone()
            .unwrap_or_else(|| entry.entry_uuid.clone());
        let previous = entry.version.clone().unwrap_or_else(|| "1".into());
        let mut updated = entry.clone();
        updated.entry_uuid = format!("urn:uuid:{}", uuid::Uuid::new_v4());
        updated.logical_id = Some(logical_id);
        updated.version = None;
        updated.status = None;
        updated.repository_unique_id = None;
        updated.confidentiality_codes = visibility.apply(&entry.confidentiality_codes);
        previous_versions.push((updated.entry_uuid.clone(), previous));
        updated_entries.push(updated);
    }
    let submission = Submission {
        previous_versions,
        entries: updated_entries,
        submission_set: Some(set),
        ..Submission::default()
    };
    wrap(&submission)
}

/// What an ITI-57 request asks (simulator side).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ReceivedUpdate {
    /// New metadata versions: `(entry, PreviousVersion)`.
    Metadata(Vec<(DocumentEntry, String)>),
    /// Status changes: `(entryUUID, original, new)`.
    Status(Vec<(String, String, String)>),
}

/// Reads an ITI-57 request body (`lcm:SubmitObjectsRequest`).
pub(crate) fn read_update_request(
    body: &Element,
    scope: &xml::Scope,
) -> Result<ReceivedUpdate, Error> {
    if !body.is(LCM_NS, "SubmitObjectsRequest") {
        return Err(ProtocolError::Unexpected(format!(
            "{} instead of SubmitObjectsRequest",
            body.name
        ))
        .into());
    }
    let submission = Submission::from_ebrim(body.to_xml_in_scope(scope).as_bytes())
        .map_err(|e| Error::Cda(segur_cda::Error::Xds(e)))?;
    let status: Vec<(String, String, String)> = submission
        .associations
        .iter()
        .filter(|a| a.association_type == ASSOCIATION_UPDATE_AVAILABILITY_STATUS)
        .map(|a| {
            (
                a.target.clone(),
                a.slot("OriginalStatus").unwrap_or_default().to_owned(),
                a.slot("NewStatus").unwrap_or_default().to_owned(),
            )
        })
        .collect();
    if !status.is_empty() {
        return Ok(ReceivedUpdate::Status(status));
    }
    let mut metadata = Vec::new();
    for e in submission.entries {
        let previous = submission
            .previous_versions
            .iter()
            .find(|(id, _)| *id == e.entry_uuid)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| {
                ProtocolError::Unexpected(format!(
                    "metadata update of {} without PreviousVersion",
                    e.entry_uuid
                ))
            })?;
        metadata.push((e, previous));
    }
    if metadata.is_empty() {
        return Err(ProtocolError::Unexpected("empty UpdateDocumentSet".into()).into());
    }
    Ok(ReceivedUpdate::Metadata(metadata))
}
