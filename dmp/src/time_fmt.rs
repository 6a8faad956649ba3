//! Timestamps as stored and compared by the local tables: fixed-width UTC
//! RFC 3339 with microseconds, so that string order is time order.

use time::OffsetDateTime;

/// `2025-03-01T08:00:00.000000Z`
pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    )
}

/// Parses an RFC 3339 timestamp.
pub(crate) fn parse_rfc3339(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

/// XDS / HL7 `yyyyMMddHHmmss` in UTC.
pub(crate) fn hl7(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_round_trip() {
        let t = time::macros::datetime!(2025-03-01 08:09:10.5 UTC);
        assert_eq!(rfc3339(t), "2025-03-01T08:09:10.500000Z");
        assert_eq!(parse_rfc3339(&rfc3339(t)), Some(t));
        assert_eq!(hl7(t), "20250301080910");
    }
}
