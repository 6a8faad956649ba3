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

/// Parses an HL7 `yyyy[MM[dd[HH[mm[ss]]]]]` timestamp (UTC).
pub(crate) fn parse_hl7(s: &str) -> Option<OffsetDateTime> {
    let s = s.trim();
    let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
    if digits.len() < 4 {
        return None;
    }
    let num = |a: usize, b: usize, default: u32| -> Option<u32> {
        if digits.len() >= b {
            digits[a..b].parse().ok()
        } else {
            Some(default)
        }
    };
    let year = i32::try_from(num(0, 4, 0)?).ok()?;
    let month = time::Month::try_from(u8::try_from(num(4, 6, 1)?).ok()?).ok()?;
    let day = u8::try_from(num(6, 8, 1)?).ok()?;
    let date = time::Date::from_calendar_date(year, month, day).ok()?;
    let t = time::Time::from_hms(
        u8::try_from(num(8, 10, 0)?).ok()?,
        u8::try_from(num(10, 12, 0)?).ok()?,
        u8::try_from(num(12, 14, 0)?).ok()?,
    )
    .ok()?;
    Some(date.with_time(t).assume_utc())
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
        assert_eq!(
            parse_hl7("20250301080910"),
            Some(time::macros::datetime!(2025-03-01 08:09:10 UTC))
        );
        assert_eq!(
            parse_hl7("202503"),
            Some(time::macros::datetime!(2025-03-01 00:00 UTC))
        );
        assert_eq!(parse_hl7("20251301"), None);
        assert_eq!(parse_hl7("x"), None);
    }
}
