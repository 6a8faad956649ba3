//! Versions, duplicates, N1/N3 pairs, sorting and request ↔ report links.
//!
//! # Versions (SC.CDA/DD.02, DD.04, DD.05, DD.17)
//! A new version has a **new `id`**, the **same `setId`**, `versionNumber` + 1
//! and `relatedDocument[@typeCode='RPLC']/parentDocument/id` = the id of the
//! version it replaces ([`new_version`]). [`compare`] tells whether a received
//! document is the same as, a newer or older version of, or unrelated to one
//! already held; [`find_duplicates`] groups a list by document.
//!
//! # N1/N3 pairs and XFRM — the one documented choice
//! The reference marks the exact N1↔N3 rule UNCONFIRMED (the volet PDFs were
//! not read, and no official example uses XFRM). We follow CDA R2, where
//! `XFRM` means "this document is a transformation of the parent document",
//! and hold this rule, implemented only in [`DocumentPair`]:
//!
//! 1. the N3 document is the source; the N1 (PDF rendering of it) is the
//!    transformed document: it has **its own `id` and its own `setId`** (the
//!    source's setId is not reused) and the same `versionNumber` as the N3;
//! 2. the first version of the N1 carries
//!    `relatedDocument[@typeCode='XFRM']/parentDocument/id` = the N3's `id`;
//! 3. `relatedDocument` is 0..1 in the CI-SIS header, and a replacement must
//!    carry RPLC (DD.02): from version 2 on, each form carries `RPLC` to its
//!    own previous version, and the pair is kept by the [`DocumentPair`]
//!    itself (same patient, type, act and version; see [`DocumentPair::link`]);
//! 4. every action (send, delete, replace) is expressed once on the pair and
//!    applied to both forms ([`DocumentPair::for_each`],
//!    [`DocumentPair::replace`]) (DD.14).

use std::cmp::Ordering;

use time::OffsetDateTime;

use crate::body::{Body, Level, NonXmlBody, StructuredBody};
use crate::clock::{Clock, IdGenerator};
use crate::datatypes::{Ii, Ts};
use crate::document::Document;
use crate::error::BuildError;
use crate::header::{Header, Order, RelatedDocument};
use crate::vocab::template;

impl AsRef<Header> for Header {
    fn as_ref(&self) -> &Header {
        self
    }
}

impl AsRef<Header> for Document {
    fn as_ref(&self) -> &Header {
        &self.header
    }
}

/// The next version of a document: new id (from `ids`), same setId,
/// versionNumber + 1, RPLC to the previous id, creation and signature times
/// set to now, and the new body. The result is validated.
pub fn new_version(
    previous: &Document,
    body: Body,
    ids: &dyn IdGenerator,
    clock: &dyn Clock,
) -> Result<Document, BuildError> {
    let prev = &previous.header;
    let prev_id = prev
        .id
        .clone()
        .ok_or(BuildError::Missing("id of the previous version"))?;
    if prev.set_id.is_none() {
        return Err(BuildError::Missing("setId of the previous version"));
    }
    let version = prev.version().ok_or(BuildError::Invalid {
        field: "versionNumber",
        reason: "the previous version has no valid versionNumber".into(),
    })?;
    let now = Ts::from_datetime(clock.now());
    let mut h = prev.clone();
    h.id = Some(ids.next_id());
    h.version_number = Some((version + 1).to_string());
    h.effective_time = Some(now.clone());
    if let Some(l) = &mut h.legal_authenticator {
        l.time = Some(now);
    }
    h.related_documents = vec![RelatedDocument {
        type_code: Some("RPLC".into()),
        parent_ids: vec![prev_id],
        parent_set_id: None,
        parent_version_number: None,
    }];
    let doc = Document {
        header: h,
        body,
        namespaces: previous.namespaces.clone(),
    };
    check(doc)
}

fn check(doc: Document) -> Result<Document, BuildError> {
    if let Some(f) = doc.validate().errors().next() {
        return Err(BuildError::Rule(f.clone()));
    }
    Ok(doc)
}

/// How a received document relates to one already held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum VersionRelation {
    /// Same document id: a duplicate (DD.04).
    Duplicate,
    /// Same set, higher version (or RPLC to the held id): a newer version (DD.05).
    NewerVersion,
    /// Same set, lower version: an older version.
    OlderVersion,
    /// Same set and version but another id: two documents claim the same version.
    Conflict,
    /// Not the same document.
    Unrelated,
}

/// Compares a received header with a held one.
pub fn compare(held: &Header, received: &Header) -> VersionRelation {
    if let (Some(a), Some(b)) = (&held.id, &received.id) {
        if a.same_as(b) {
            return VersionRelation::Duplicate;
        }
    }
    if let (Some(held_id), Some(rplc)) = (&held.id, received.replaces()) {
        if held_id.same_as(rplc) {
            return VersionRelation::NewerVersion;
        }
    }
    match (&held.set_id, &received.set_id) {
        (Some(a), Some(b)) if a.same_as(b) => match (held.version(), received.version()) {
            (Some(x), Some(y)) => match y.cmp(&x) {
                Ordering::Greater => VersionRelation::NewerVersion,
                Ordering::Less => VersionRelation::OlderVersion,
                Ordering::Equal => VersionRelation::Conflict,
            },
            _ => VersionRelation::Conflict,
        },
        _ => VersionRelation::Unrelated,
    }
}

/// Groups of indices of `docs` that are the same document (same id), each
/// group with more than one member (DD.04, DD.17).
pub fn find_duplicates<T: AsRef<Header>>(docs: &[T]) -> Vec<Vec<usize>> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (i, d) in docs.iter().enumerate() {
        let Some(id) = d.as_ref().id.as_ref() else {
            continue;
        };
        match groups.iter_mut().find(|g| {
            docs[g[0]]
                .as_ref()
                .id
                .as_ref()
                .is_some_and(|other| other.same_as(id))
        }) {
            Some(g) => g.push(i),
            None => groups.push(vec![i]),
        }
    }
    groups.retain(|g| g.len() > 1);
    groups
}

/// The latest version of each set among `docs` (documents without setId are
/// their own set): indices, in input order.
pub fn latest_versions<T: AsRef<Header>>(docs: &[T]) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    for (i, d) in docs.iter().enumerate() {
        let h = d.as_ref();
        let same_set = out.iter().position(|&j| {
            let o = docs[j].as_ref();
            matches!((&o.set_id, &h.set_id), (Some(a), Some(b)) if a.same_as(b))
        });
        match same_set {
            Some(k) => {
                if compare(docs[out[k]].as_ref(), h) == VersionRelation::NewerVersion {
                    out[k] = i;
                }
            }
            None => out.push(i),
        }
    }
    out.sort_unstable();
    out
}

/// The N3-only volet a header declares, if any (by templateId).
pub fn n3_only_volet(h: &Header) -> Option<(segur_ids::Oid, &'static str)> {
    template::N3_ONLY.into_iter().find(|(oid, _)| {
        h.template_ids
            .iter()
            .any(|t| t.root.as_deref() == Some(oid.as_str()))
    })
}

/// The N1 and N3 forms of the same document (see the module docs for the XFRM rule).
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentPair {
    n3: Document,
    n1: Document,
}

impl DocumentPair {
    /// Derives the N1 form of an N3 document: same header facts, the three N1
    /// templateIds, its own id and setId, `XFRM` to the N3 (first version) or
    /// `RPLC` to `previous_n1` (later versions), and `pdf` as body.
    ///
    /// Volets shared as N3 only ([`template::N3_ONLY`]: the child health
    /// record certificates and measures, the vaccination note) are refused
    /// with [`BuildError::N3Only`], whoever calls.
    pub fn from_n3(
        n3: Document,
        pdf: NonXmlBody,
        previous_n1: Option<&Document>,
        ids: &dyn IdGenerator,
    ) -> Result<Self, BuildError> {
        if let Some((oid, volet)) = n3_only_volet(&n3.header) {
            return Err(BuildError::N3Only {
                volet,
                template: oid.to_string(),
            });
        }
        if n3.level() != Level::N3 {
            return Err(BuildError::Invalid {
                field: "N3 document",
                reason: "the source of a pair must be structured (N3)".into(),
            });
        }
        let n3_id = n3
            .header
            .id
            .clone()
            .ok_or(BuildError::Missing("id of the N3 document"))?;
        let mut h = n3.header.clone();
        h.template_ids = template::N1.iter().map(Ii::root_only).collect();
        h.id = Some(ids.next_id());
        h.related_documents = match previous_n1 {
            None => {
                h.set_id = Some(ids.next_id());
                vec![RelatedDocument {
                    type_code: Some("XFRM".into()),
                    parent_ids: vec![n3_id],
                    parent_set_id: None,
                    parent_version_number: None,
                }]
            }
            Some(prev) => {
                h.set_id = prev.header.set_id.clone();
                vec![RelatedDocument {
                    type_code: Some("RPLC".into()),
                    parent_ids: vec![
                        prev.header
                            .id
                            .clone()
                            .ok_or(BuildError::Missing("id of the previous N1"))?,
                    ],
                    parent_set_id: None,
                    parent_version_number: None,
                }]
            }
        };
        let n1 = check(Document {
            header: h,
            body: Body::NonXml(pdf),
            namespaces: Vec::new(),
        })?;
        Ok(Self { n3, n1 })
    }

    /// Recognises two received documents as a pair: one N1 and one N3, the N1
    /// carrying XFRM to the N3's id, or (later versions) the same patient ids,
    /// document type, act time and version. Gives both back when they are not a pair.
    pub fn link(a: Document, b: Document) -> Result<Self, Box<(Document, Document)>> {
        let (n1, n3) = match (a.level(), b.level()) {
            (Level::N1, Level::N3) => (a, b),
            (Level::N3, Level::N1) => (b, a),
            _ => return Err(Box::new((a, b))),
        };
        let xfrm = match (n1.header.transformed_from(), &n3.header.id) {
            (Some(src), Some(id)) => src.same_as(id),
            _ => false,
        };
        let (h1, h3) = (&n1.header, &n3.header);
        let same_facts = h1.patient_role().map(|p| &p.ids) == h3.patient_role().map(|p| &p.ids)
            && h1.code.as_ref().map(|c| (&c.code, &c.code_system))
                == h3.code.as_ref().map(|c| (&c.code, &c.code_system))
            && h1.act_time() == h3.act_time()
            && h1.version() == h3.version();
        if xfrm || same_facts {
            Ok(Self { n3, n1 })
        } else {
            Err(Box::new((n1, n3)))
        }
    }

    /// The N3 form.
    pub fn n3(&self) -> &Document {
        &self.n3
    }

    /// The N1 form.
    pub fn n1(&self) -> &Document {
        &self.n1
    }

    /// Both forms, N3 first.
    pub fn documents(&self) -> [&Document; 2] {
        [&self.n3, &self.n1]
    }

    /// Applies one action (send, delete…) to both forms, N3 first; stops at
    /// the first error.
    pub fn for_each<E>(&self, mut action: impl FnMut(&Document) -> Result<(), E>) -> Result<(), E> {
        action(&self.n3)?;
        action(&self.n1)
    }

    /// Replaces both forms by their next versions (each with RPLC to its own
    /// previous version).
    pub fn replace(
        &self,
        n3_body: StructuredBody,
        pdf: NonXmlBody,
        ids: &dyn IdGenerator,
        clock: &dyn Clock,
    ) -> Result<Self, BuildError> {
        let n3 = new_version(&self.n3, Body::Structured(n3_body), ids, clock)?;
        Self::from_n3(n3, pdf, Some(&self.n1), ids)
    }
}

/// Sort order of a document list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortOrder {
    /// Oldest act first.
    OldestFirst,
    /// Latest act first.
    LatestFirst,
}

/// Filter of a document list (SC.CDA/INT.17): by type codes and act date.
#[derive(Debug, Clone, Default)]
pub struct DocumentFilter {
    /// Document type codes to keep (`code/@code`); empty keeps all.
    pub type_codes: Vec<String>,
    /// Keep acts at or after.
    pub from: Option<OffsetDateTime>,
    /// Keep acts at or before.
    pub until: Option<OffsetDateTime>,
}

impl DocumentFilter {
    /// Whether a header passes the filter (act date: [`Header::act_time`]).
    pub fn accepts(&self, h: &Header) -> bool {
        if !self.type_codes.is_empty() {
            let code = h.code.as_ref().map(|c| c.code_str()).unwrap_or("");
            if !self.type_codes.iter().any(|t| t == code) {
                return false;
            }
        }
        if self.from.is_some() || self.until.is_some() {
            let Some(t) = h.act_time().and_then(Ts::to_offset_datetime) else {
                return false;
            };
            if self.from.is_some_and(|f| t < f) || self.until.is_some_and(|u| t > u) {
                return false;
            }
        }
        true
    }

    /// The documents that pass, sorted by act date (documents without a
    /// valid date last), ties kept in input order.
    pub fn apply<'a, T: AsRef<Header>>(&self, docs: &'a [T], order: SortOrder) -> Vec<&'a T> {
        let mut out: Vec<&T> = docs.iter().filter(|d| self.accepts(d.as_ref())).collect();
        out.sort_by(|a, b| {
            let ta = a.as_ref().act_time().and_then(Ts::to_offset_datetime);
            let tb = b.as_ref().act_time().and_then(Ts::to_offset_datetime);
            match (ta, tb) {
                (Some(x), Some(y)) => match order {
                    SortOrder::OldestFirst => x.cmp(&y),
                    SortOrder::LatestFirst => y.cmp(&x),
                },
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            }
        });
        out
    }
}

/// The `inFulfillmentOf/order` that points to a request document (its id and
/// type), to put in the report that fulfils it (SC.DB/TRA.02).
pub fn order_for(request: &Header) -> Result<Order, BuildError> {
    Ok(Order {
        ids: vec![
            request
                .id
                .clone()
                .ok_or(BuildError::Missing("id of the request document"))?,
        ],
        code: request.code.clone(),
    })
}

/// Whether `report` fulfils `request`: one of its `inFulfillmentOf/order/id`
/// is the request document's id.
pub fn fulfills(report: &Header, request: &Header) -> bool {
    let Some(request_id) = &request.id else {
        return false;
    };
    report
        .in_fulfillment_of
        .iter()
        .flat_map(|o| o.ids.iter())
        .any(|id| id.same_as(request_id))
}

/// Links requests to the reports that fulfil them: `(request index, report index)`
/// pairs, both ways navigable.
pub fn link_requests<R: AsRef<Header>, P: AsRef<Header>>(
    requests: &[R],
    reports: &[P],
) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (i, rq) in requests.iter().enumerate() {
        for (j, rp) in reports.iter().enumerate() {
            if fulfills(rp.as_ref(), rq.as_ref()) {
                out.push((i, j));
            }
        }
    }
    out
}
