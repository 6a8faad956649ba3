//! MSSanté secure messaging.
//!
//! This crate will hold the IMAP/SMTP client, mailbox autoconfiguration, XDM
//! packaging, the X-MSS message conventions, Mon espace santé patient
//! mailboxes, reception and patient matching, the Annuaire Santé client, and an
//! operator simulator behind the `sim` feature.
