//! Account linking at first login (SC.PSC.02): match the PSC identity to a
//! pre-existing local account by national professional identifier, never by
//! the PSC `sub`, refuse ambiguous matches, and record the link once the
//! professional has proven they own the local account.
//!
//! ```
//! use segur_psc::{AccountLinker, InMemoryAccountStore, LinkDecision, LocalAccountId, PscIdentity};
//! use segur_ids::IdNatPs;
//!
//! let mut store = InMemoryAccountStore::default();
//! let id = IdNatPs::parse("810003612545").unwrap();
//! store.add_account(LocalAccountId::new("dr-martin"), vec![id.clone()]);
//! let identity = PscIdentity::new("https://psc.test", "sub-1", id);
//!
//! let linker = AccountLinker::new(&mut store);
//! // First login: a unique candidate, to confirm with the local password.
//! let LinkDecision::ConfirmMatch(account) = linker.resolve(&identity).unwrap() else { panic!() };
//! let mut linker = linker;
//! linker.confirm_link(&identity, &account).unwrap();
//! // Next logins: linked.
//! assert!(matches!(linker.resolve(&identity).unwrap(), LinkDecision::Linked(_)));
//! ```

use std::collections::HashMap;

use segur_ids::IdNatPs;

use crate::AccountLinkError;
use crate::claims::PscUserInfo;

/// The identifier of an account in the practice software.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LocalAccountId(String);

impl LocalAccountId {
    /// Wraps a local account id.
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The PSC identity to link: issuer plus national identifier(s).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PscIdentity {
    /// The PSC issuer (BAS and production identities are distinct).
    pub issuer: String,
    /// The PSC subject (informational: not a stable key).
    pub sub: String,
    /// `SubjectNameID`.
    pub national_id: IdNatPs,
    /// Other national ids of the same person (`otherIds`: RPPS, PSI…).
    pub other_ids: Vec<IdNatPs>,
}

impl PscIdentity {
    /// An identity with one national id.
    pub fn new(issuer: impl Into<String>, sub: impl Into<String>, national_id: IdNatPs) -> Self {
        Self {
            issuer: issuer.into(),
            sub: sub.into(),
            national_id,
            other_ids: Vec::new(),
        }
    }

    /// The identity of a userinfo response.
    pub fn from_userinfo(issuer: &str, userinfo: &PscUserInfo) -> Result<Self, AccountLinkError> {
        let ids = userinfo.national_ids();
        let national_id = userinfo
            .national_id()
            .ok_or(AccountLinkError::NoNationalId)?;
        Ok(Self {
            issuer: issuer.to_owned(),
            sub: userinfo.sub.clone(),
            other_ids: ids.into_iter().filter(|i| *i != national_id).collect(),
            national_id,
        })
    }

    fn all_ids(&self) -> impl Iterator<Item = &IdNatPs> {
        std::iter::once(&self.national_id).chain(self.other_ids.iter())
    }
}

/// Where the practice software keeps its accounts and PSC links. Implement it
/// over the software's own database; [`InMemoryAccountStore`] is for tests.
pub trait AccountStore {
    /// The account linked to `(issuer, national_id)`, if any.
    fn find_link(
        &self,
        issuer: &str,
        national_id: &IdNatPs,
    ) -> Result<Option<LocalAccountId>, AccountLinkError>;
    /// Local accounts whose recorded professional identifier is one of `ids`.
    fn find_candidates(&self, ids: &[IdNatPs]) -> Result<Vec<LocalAccountId>, AccountLinkError>;
    /// Records (durably) the link, and an audit event.
    fn record_link(
        &mut self,
        issuer: &str,
        national_id: &IdNatPs,
        account: &LocalAccountId,
    ) -> Result<(), AccountLinkError>;
}

/// What to do with a PSC login.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LinkDecision {
    /// Already linked: log the professional into this account.
    Linked(LocalAccountId),
    /// First login and exactly one local account matches: ask the
    /// professional to authenticate locally once, then call
    /// [`AccountLinker::confirm_link`].
    ConfirmMatch(LocalAccountId),
    /// No local account: create one (or have an administrator link it).
    NoAccount,
}

/// Links PSC identities to local accounts through an [`AccountStore`].
#[derive(Debug)]
pub struct AccountLinker<'s, S: AccountStore> {
    store: &'s mut S,
}

impl<'s, S: AccountStore> AccountLinker<'s, S> {
    /// A linker over `store`.
    pub fn new(store: &'s mut S) -> Self {
        Self { store }
    }

    /// Decides what a login with `identity` means. Several candidate
    /// accounts, or links to several accounts, give
    /// [`AccountLinkError::Ambiguous`]: never guess which one.
    pub fn resolve(&self, identity: &PscIdentity) -> Result<LinkDecision, AccountLinkError> {
        let mut linked: Vec<LocalAccountId> = Vec::new();
        for id in identity.all_ids() {
            if let Some(acc) = self.store.find_link(&identity.issuer, id)? {
                if !linked.contains(&acc) {
                    linked.push(acc);
                }
            }
        }
        match linked.len() {
            0 => {}
            1 => return Ok(LinkDecision::Linked(linked.remove(0))),
            count => return Err(AccountLinkError::Ambiguous { count }),
        }
        let ids: Vec<IdNatPs> = identity.all_ids().cloned().collect();
        let mut candidates = self.store.find_candidates(&ids)?;
        candidates.sort();
        candidates.dedup();
        match candidates.len() {
            0 => Ok(LinkDecision::NoAccount),
            1 => Ok(LinkDecision::ConfirmMatch(candidates.remove(0))),
            count => Err(AccountLinkError::Ambiguous { count }),
        }
    }

    /// Records the link after the professional proved they own `account`
    /// (local authentication or administrator action).
    pub fn confirm_link(
        &mut self,
        identity: &PscIdentity,
        account: &LocalAccountId,
    ) -> Result<(), AccountLinkError> {
        match self.resolve(identity)? {
            LinkDecision::Linked(existing) if existing == *account => Ok(()),
            LinkDecision::Linked(_) => Err(AccountLinkError::AlreadyLinked),
            _ => self
                .store
                .record_link(&identity.issuer, &identity.national_id, account),
        }
    }
}

/// A recorded link event (audit trail of [`InMemoryAccountStore`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkEvent {
    /// Issuer.
    pub issuer: String,
    /// National id linked.
    pub national_id: IdNatPs,
    /// Local account.
    pub account: LocalAccountId,
}

/// An in-memory [`AccountStore`] for tests and examples.
#[derive(Debug, Default, Clone)]
pub struct InMemoryAccountStore {
    accounts: Vec<(LocalAccountId, Vec<IdNatPs>)>,
    links: HashMap<(String, IdNatPs), LocalAccountId>,
    events: Vec<LinkEvent>,
}

impl InMemoryAccountStore {
    /// Adds a local account known by these professional identifiers.
    pub fn add_account(&mut self, account: LocalAccountId, ids: Vec<IdNatPs>) {
        self.accounts.push((account, ids));
    }

    /// The recorded link events.
    pub fn events(&self) -> &[LinkEvent] {
        &self.events
    }
}

impl AccountStore for InMemoryAccountStore {
    fn find_link(
        &self,
        issuer: &str,
        national_id: &IdNatPs,
    ) -> Result<Option<LocalAccountId>, AccountLinkError> {
        Ok(self
            .links
            .get(&(issuer.to_owned(), national_id.clone()))
            .cloned())
    }

    fn find_candidates(&self, ids: &[IdNatPs]) -> Result<Vec<LocalAccountId>, AccountLinkError> {
        Ok(self
            .accounts
            .iter()
            .filter(|(_, known)| known.iter().any(|k| ids.contains(k)))
            .map(|(a, _)| a.clone())
            .collect())
    }

    fn record_link(
        &mut self,
        issuer: &str,
        national_id: &IdNatPs,
        account: &LocalAccountId,
    ) -> Result<(), AccountLinkError> {
        self.links
            .insert((issuer.to_owned(), national_id.clone()), account.clone());
        self.events.push(LinkEvent {
            issuer: issuer.to_owned(),
            national_id: national_id.clone(),
            account: account.clone(),
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> IdNatPs {
        IdNatPs::parse(s).expect("valid id")
    }

    #[test]
    fn ambiguous_matches_are_refused() {
        let mut store = InMemoryAccountStore::default();
        store.add_account(LocalAccountId::new("a"), vec![id("810003612545")]);
        store.add_account(LocalAccountId::new("b"), vec![id("810003612545")]);
        let identity = PscIdentity::new("iss", "sub", id("810003612545"));
        let linker = AccountLinker::new(&mut store);
        assert_eq!(
            linker.resolve(&identity),
            Err(AccountLinkError::Ambiguous { count: 2 })
        );
    }

    #[test]
    fn link_is_recorded_and_reused_and_not_stolen() {
        let mut store = InMemoryAccountStore::default();
        store.add_account(LocalAccountId::new("a"), vec![id("810003612545")]);
        store.add_account(LocalAccountId::new("other"), vec![]);
        let identity = PscIdentity::new("iss", "sub", id("810003612545"));
        let mut linker = AccountLinker::new(&mut store);
        assert_eq!(
            linker.resolve(&identity),
            Ok(LinkDecision::ConfirmMatch(LocalAccountId::new("a")))
        );
        linker
            .confirm_link(&identity, &LocalAccountId::new("a"))
            .expect("link");
        assert_eq!(
            linker.resolve(&identity),
            Ok(LinkDecision::Linked(LocalAccountId::new("a")))
        );
        assert_eq!(
            linker.confirm_link(&identity, &LocalAccountId::new("other")),
            Err(AccountLinkError::AlreadyLinked)
        );
        // The same identity under another issuer (BAS vs production) is not linked.
        let bas = PscIdentity::new("bas-iss", "sub", id("810003612545"));
        assert!(matches!(
            linker.resolve(&bas),
            Ok(LinkDecision::ConfirmMatch(_))
        ));
        assert_eq!(store.events().len(), 1);
    }

    #[test]
    fn no_account_and_no_national_id() {
        let mut store = InMemoryAccountStore::default();
        let identity = PscIdentity::new("iss", "sub", id("810003612545"));
        assert_eq!(
            AccountLinker::new(&mut store).resolve(&identity),
            Ok(LinkDecision::NoAccount)
        );
        let ui: PscUserInfo = serde_json::from_str(r#"{"sub":"s"}"#).expect("json");
        assert_eq!(
            PscIdentity::from_userinfo("iss", &ui),
            Err(AccountLinkError::NoNationalId)
        );
    }
}
