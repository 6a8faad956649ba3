//! ISO 8601 text forms of dates in the JSON wire formats (the `time` crate
//! serialises a `Date` as a tuple without its `serde-human-readable` feature).

use time::Date;
use time::macros::format_description;

const FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]");

/// Formats a date as `YYYY-MM-DD`.
pub(crate) fn format_date(d: Date) -> String {
    d.format(FORMAT)
        .unwrap_or_else(|_| format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day()))
}

/// Parses `YYYY-MM-DD`.
pub(crate) fn parse_date(s: &str) -> Option<Date> {
    Date::parse(s, FORMAT).ok()
}

/// `#[serde(with = "date")]`.
pub(crate) mod date {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    pub(crate) fn serialize<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_date(*d))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        super::parse_date(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("{s:?} is not YYYY-MM-DD")))
    }
}

/// `#[serde(with = "option_date")]`.
pub(crate) mod option_date {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    pub(crate) fn serialize<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(&super::format_date(*d)),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        let s = Option::<std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.map(|s| {
            super::parse_date(&s)
                .ok_or_else(|| serde::de::Error::custom(format!("{s:?} is not YYYY-MM-DD")))
        })
        .transpose()
    }
}
