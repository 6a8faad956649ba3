//! The simulator's mail store: mailboxes, folders, delivery and bounces.

use std::collections::{BTreeMap, HashMap, HashSet};

use segur_psc::SharedClock;
use time::OffsetDateTime;

use super::PatientMailboxState;
use crate::address::{MailAddress, MailboxKind, PATIENT_DOMAIN};
use crate::message::mime::{
    Header, Part, format_mailbox, new_message_id, rfc5322_date, write_message,
};

/// A stored message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimMessage {
    /// UID.
    pub uid: u32,
    /// Flags.
    pub flags: Vec<String>,
    /// Raw bytes.
    pub raw: Vec<u8>,
    /// Internal date.
    pub internal_date: OffsetDateTime,
}

/// A message accepted by SMTP submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// Authenticated user (mailbox), or the certificate subject.
    pub user: String,
    /// `MAIL FROM`.
    pub from: String,
    /// `RCPT TO` list.
    pub recipients: Vec<String>,
    /// Raw message (unstuffed).
    pub raw: Vec<u8>,
}

#[derive(Debug, Default)]
pub(crate) struct Folder {
    pub(crate) uid_validity: u32,
    pub(crate) next_uid: u32,
    pub(crate) messages: Vec<SimMessage>,
}

pub(crate) struct Store {
    pub(crate) mailboxes: HashMap<MailAddress, (MailboxKind, BTreeMap<String, Folder>)>,
    pub(crate) patients: HashMap<MailAddress, PatientMailboxState>,
    pub(crate) submissions: Vec<Submission>,
    pub(crate) closed_exchanges: HashSet<MailAddress>,
    /// Folder of the sender where submissions are copied, if any.
    pub(crate) sent_copy: Option<String>,
    clock: SharedClock,
}

fn new_folders() -> BTreeMap<String, Folder> {
    ["INBOX", "Sent", "Drafts", "Trash"]
        .into_iter()
        .enumerate()
        .map(|(i, n)| {
            (
                n.to_owned(),
                Folder {
                    uid_validity: 1000 + i as u32,
                    next_uid: 1,
                    messages: Vec::new(),
                },
            )
        })
        .collect()
}

/// The unfolded value of header `name` in raw message bytes.
pub(crate) fn header_value(raw: &[u8], name: &str) -> Option<String> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(raw.len());
    let text = String::from_utf8_lossy(&raw[..end]);
    let mut value: Option<String> = None;
    for line in text.split("\r\n") {
        if let Some(v) = value.as_mut() {
            if line.starts_with([' ', '\t']) {
                v.push(' ');
                v.push_str(line.trim());
                continue;
            }
            return value;
        }
        if let Some((n, v)) = line.split_once(':') {
            if n.trim().eq_ignore_ascii_case(name) {
                value = Some(v.trim().to_owned());
            }
        }
    }
    value
}

impl Store {
    pub(crate) fn new(
        accounts: Vec<(MailAddress, MailboxKind)>,
        patients: Vec<(MailAddress, PatientMailboxState)>,
        clock: SharedClock,
    ) -> Self {
        let mut mailboxes = HashMap::new();
        for (a, k) in accounts {
            mailboxes.insert(a, (k, new_folders()));
        }
        let mut p = HashMap::new();
        for (a, s) in patients {
            mailboxes.insert(
                a.clone(),
                (MailboxKind::Other("PATIENT".into()), new_folders()),
            );
            p.insert(a, s);
        }
        Self {
            mailboxes,
            patients: p,
            submissions: Vec::new(),
            closed_exchanges: HashSet::new(),
            sent_copy: None,
            clock,
        }
    }

    pub(crate) fn has_account(&self, a: &MailAddress) -> bool {
        self.mailboxes.contains_key(a) && !a.is_patient_mailbox()
    }

    pub(crate) fn is_local_domain(&self, domain: &str) -> bool {
        self.mailboxes
            .keys()
            .any(|a| a.domain() == domain && !a.is_patient_mailbox())
    }

    pub(crate) fn folder_names(&self, a: &MailAddress) -> Vec<String> {
        self.mailboxes
            .get(a)
            .map(|(_, f)| f.keys().cloned().collect())
            .unwrap_or_default()
    }

    pub(crate) fn folder_mut(&mut self, a: &MailAddress, name: &str) -> Option<&mut Folder> {
        let (_, folders) = self.mailboxes.get_mut(a)?;
        let key = folders
            .keys()
            .find(|k| {
                k.eq_ignore_ascii_case(name) && (name.eq_ignore_ascii_case("INBOX") || *k == name)
            })
            .cloned()?;
        folders.get_mut(&key)
    }

    pub(crate) fn create_folder(&mut self, a: &MailAddress, name: &str) -> bool {
        let Some((_, folders)) = self.mailboxes.get_mut(a) else {
            return false;
        };
        if folders.contains_key(name) {
            return false;
        }
        let v = 2000 + folders.len() as u32;
        folders.insert(
            name.to_owned(),
            Folder {
                uid_validity: v,
                next_uid: 1,
                messages: Vec::new(),
            },
        );
        true
    }

    pub(crate) fn messages(&self, a: &MailAddress, folder: &str) -> Vec<SimMessage> {
        self.mailboxes
            .get(a)
            .and_then(|(_, f)| {
                f.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(folder))
                    .map(|(_, f)| f.messages.clone())
            })
            .unwrap_or_default()
    }

    pub(crate) fn deliver(
        &mut self,
        a: &MailAddress,
        folder: &str,
        raw: Vec<u8>,
        flags: Vec<String>,
    ) -> Option<u32> {
        let now = self.clock.now();
        let f = self.folder_mut(a, folder)?;
        let uid = f.next_uid;
        f.next_uid += 1;
        f.messages.push(SimMessage {
            uid,
            flags,
            raw,
            internal_date: now,
        });
        Some(uid)
    }

    /// Delivers a submitted message; returns the DSNs to send back.
    pub(crate) fn accept_submission(
        &mut self,
        sub: Submission,
        notify_success: &[String],
        max_patient_size: u64,
    ) {
        let sender = MailAddress::parse(&sub.from).ok();
        let closing =
            header_value(&sub.raw, "X-MSS-MES").is_some_and(|v| v.eq_ignore_ascii_case("FIN"));
        let mut failures: Vec<(String, &'static str, String)> = Vec::new();
        let mut delivered: Vec<String> = Vec::new();
        for r in &sub.recipients {
            let Ok(addr) = MailAddress::parse(r) else {
                failures.push((r.clone(), "5.1.3", "bad recipient address syntax".into()));
                continue;
            };
            if addr.domain() == PATIENT_DOMAIN {
                match self.patients.get(&addr) {
                    None => failures.push((
                        r.clone(),
                        "5.1.1",
                        "Mon espace santé: patient inconnu ou sans profil actif".into(),
                    )),
                    Some(PatientMailboxState::Closed) => failures.push((
                        r.clone(),
                        "5.2.1",
                        "Mon espace santé: boîte aux lettres clôturée".into(),
                    )),
                    Some(PatientMailboxState::Open) if sub.raw.len() as u64 > max_patient_size => {
                        failures.push((
                            r.clone(),
                            "5.3.4",
                            "Mon espace santé: message trop volumineux".into(),
                        ))
                    }
                    Some(PatientMailboxState::Open) => {
                        self.deliver(&addr, "INBOX", sub.raw.clone(), Vec::new());
                        if closing {
                            self.closed_exchanges.insert(addr.clone());
                        }
                        delivered.push(r.clone());
                    }
                }
            } else if self.mailboxes.contains_key(&addr) {
                self.deliver(&addr, "INBOX", sub.raw.clone(), Vec::new());
                delivered.push(r.clone());
            } else {
                // Another operator: relayed (recorded in the submissions only).
                delivered.push(r.clone());
            }
        }
        let original_headers = {
            let end = sub
                .raw
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
                .map(|p| p + 2)
                .unwrap_or(sub.raw.len());
            String::from_utf8_lossy(&sub.raw[..end]).into_owned()
        };
        let envid = header_value(&sub.raw, "Message-ID");
        if let Some(sender) = sender.filter(|s| self.mailboxes.contains_key(s)) {
            if !failures.is_empty() {
                let dsn = self.dsn(
                    &sender,
                    envid.as_deref(),
                    &failures
                        .iter()
                        .map(|(r, s, d)| (r.clone(), "failed", *s, Some(d.clone())))
                        .collect::<Vec<_>>(),
                    &original_headers,
                );
                self.deliver(&sender, "INBOX", dsn, Vec::new());
            }
            let receipts: Vec<_> = delivered
                .iter()
                .filter(|r| notify_success.contains(r))
                .map(|r| (r.clone(), "delivered", "2.0.0", None))
                .collect();
            if !receipts.is_empty() {
                let dsn = self.dsn(&sender, envid.as_deref(), &receipts, &original_headers);
                self.deliver(&sender, "INBOX", dsn, Vec::new());
            }
        }
        if let (Some(folder), Ok(sender)) = (self.sent_copy.clone(), MailAddress::parse(&sub.from))
        {
            self.deliver(&sender, &folder, sub.raw.clone(), vec!["\\Seen".to_owned()]);
        }
        self.submissions.push(sub);
    }

    fn dsn(
        &self,
        to: &MailAddress,
        envid: Option<&str>,
        rcpts: &[(String, &str, &str, Option<String>)],
        original_headers: &str,
    ) -> Vec<u8> {
        let now = self.clock.now();
        let daemon = MailAddress::parse(&format!("MAILER-DAEMON@{}", to.domain())).ok();
        let failed = rcpts.iter().any(|r| r.1 == "failed");
        let mut fields = format!("Reporting-MTA: dns; sim.{}\r\n", to.domain());
        if let Some(e) = envid {
            fields.push_str(&format!("Original-Envelope-Id: {e}\r\n"));
        }
        fields.push_str(&format!("Arrival-Date: {}\r\n", rfc5322_date(now)));
        for (r, action, status, diag) in rcpts {
            fields.push_str(&format!(
                "\r\nFinal-Recipient: rfc822; {r}\r\nAction: {action}\r\nStatus: {status}\r\n"
            ));
            if let Some(d) = diag {
                fields.push_str(&format!(
                    "Diagnostic-Code: smtp; 550 {status} {}\r\n",
                    d.replace(['\r', '\n'], " ")
                ));
            }
        }
        let subject = if failed {
            "Undelivered Mail Returned to Sender"
        } else {
            "Successful Mail Delivery Report"
        };
        let human = if failed {
            format!(
                "Message non distribué à : {}",
                rcpts
                    .iter()
                    .map(|r| r.0.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else {
            "Message distribué.".to_owned()
        };
        let headers = vec![
            Header {
                name: "Date".into(),
                value: rfc5322_date(now),
                structured: true,
            },
            Header {
                name: "From".into(),
                value: daemon
                    .map(|d| format_mailbox(Some("Mail Delivery System"), &d))
                    .unwrap_or_else(|| "<>".into()),
                structured: true,
            },
            Header {
                name: "To".into(),
                value: format_mailbox(None, to),
                structured: true,
            },
            Header {
                name: "Subject".into(),
                value: subject.into(),
                structured: false,
            },
            Header {
                name: "Message-ID".into(),
                value: new_message_id(&format!("sim.{}", to.domain())),
                structured: true,
            },
            Header {
                name: "Auto-Submitted".into(),
                value: "auto-replied".into(),
                structured: true,
            },
        ];
        let root = Part::Multipart {
            subtype: "report; report-type=delivery-status".into(),
            parts: vec![
                Part::Text(human),
                Part::Raw {
                    content_type: "message/delivery-status".into(),
                    body: fields,
                },
                Part::Raw {
                    content_type: "text/rfc822-headers".into(),
                    body: original_headers.to_owned(),
                },
            ],
        };
        write_message(&headers, &root).unwrap_or_default()
    }
}
