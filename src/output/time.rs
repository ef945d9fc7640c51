//! Go `time.Time` formatting as helm applies it to release timestamps:
//! Go's layout language, `Time.String()`, ANSIC, RFC 3339.
//!
//! The time type itself, its parsing, its JSON text and Go's local zone
//! live in [`crate::gojson::time`], which release records use too; they are
//! re-exported here.

use jiff::tz::TimeZone;

use crate::gojson::go_time_format::{Civil, format_civil};

pub use crate::gojson::time::{
    GoTime, OffsetNotation, go_local_zone, go_local_zone_from, parse_go_rfc3339, rfc3339_nano,
};

/// `t.Format(time.ANSIC)`, `Mon Jan _2 15:04:05 2006`, as `helm history`
/// and `helm status` print times.
pub fn ansic(t: &GoTime) -> String {
    format_layout(t, "Mon Jan _2 15:04:05 2006")
}

/// `t.String()`, `2006-01-02 15:04:05.999999999 -0700 MST`, as `helm list`
/// prints times by default; the zone name comes from [`go_local_zone`].
pub fn go_string(t: &GoTime) -> String {
    format_layout(t, "2006-01-02 15:04:05.999999999 -0700 MST")
}

/// `t.Format(time.RFC3339)`, `2006-01-02T15:04:05Z07:00` (`Z` for any
/// zero offset).
pub fn rfc3339(t: &GoTime) -> String {
    format_layout(t, "2006-01-02T15:04:05Z07:00")
}

/// `t.Format(layout)` with Go's layout language (the reference time
/// `Mon Jan 2 15:04:05 MST 2006`), as `helm list --time-format` uses it,
/// with zone names from [`go_local_zone`].
pub fn format_layout(t: &GoTime, layout: &str) -> String {
    format_layout_in(t, layout, go_local_zone())
}

/// [`format_layout`] with an explicit local zone.
pub fn format_layout_in(t: &GoTime, layout: &str, local: &TimeZone) -> String {
    let wall = t.offset().to_datetime(t.timestamp());
    let civil = Civil {
        year: i64::from(wall.year()),
        month: i64::from(wall.month()),
        day: i64::from(wall.day()),
        yday: i64::from(wall.day_of_year()),
        weekday: i64::from(wall.weekday().to_sunday_zero_offset()),
        hour: i64::from(wall.hour()),
        min: i64::from(wall.minute()),
        sec: i64::from(wall.second()),
        nsec: i64::from(wall.subsec_nanosecond()),
        offset: i64::from(t.offset().seconds()),
    };
    let mut zone_name: Option<Option<String>> = None;
    format_civil(&civil, layout, || {
        zone_name.get_or_insert_with(|| t.zone_name(local)).clone()
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn berlin() -> TimeZone {
        go_local_zone_from(Some("Europe/Berlin"))
    }

    #[test]
    fn zone_names() {
        let utc = TimeZone::UTC;
        let z = GoTime::parse_rfc3339("2024-05-01T10:00:00Z").unwrap();
        let plus0 = GoTime::parse_rfc3339("2024-05-01T10:00:00+00:00").unwrap();
        let cest = GoTime::parse_rfc3339("2024-05-01T10:00:00.5+02:00").unwrap();
        let layout = "2006-01-02 15:04:05.999999999 -0700 MST";
        assert_eq!(
            format_layout_in(&z, layout, &berlin()),
            "2024-05-01 10:00:00 +0000 UTC"
        );
        assert_eq!(
            format_layout_in(&plus0, layout, &berlin()),
            "2024-05-01 10:00:00 +0000 +0000"
        );
        assert_eq!(
            format_layout_in(&plus0, layout, &utc),
            "2024-05-01 10:00:00 +0000 UTC"
        );
        assert_eq!(
            format_layout_in(&cest, layout, &berlin()),
            "2024-05-01 10:00:00.5 +0200 CEST"
        );
        assert_eq!(
            format_layout_in(&cest, layout, &utc),
            "2024-05-01 10:00:00.5 +0200 +0200"
        );
    }

    /// Records are written with the direct RFC3339Nano writer of
    /// `gojson::time`; Go's layout engine here must agree with it.
    #[test]
    fn the_layout_engine_agrees_with_the_record_writer() {
        for s in [
            "2024-05-01T10:00:00Z",
            "2024-05-01T10:00:00+00:00",
            "2024-05-01T10:00:00.120+02:00",
            "0001-01-01T00:00:00Z",
            "9999-12-30T20:59:59.999999999-00:30",
            "1969-12-31T23:59:59.000000001+14:00",
        ] {
            let t = GoTime::parse_rfc3339(s).unwrap();
            let layout =
                format_layout_in(&t, "2006-01-02T15:04:05.999999999Z07:00", &TimeZone::UTC);
            assert_eq!(layout, rfc3339_nano(&t), "{s}");
        }
    }

    #[test]
    fn ansic_pads_the_day() {
        let t = GoTime::parse_rfc3339("2024-03-05T01:02:03-07:30").unwrap();
        assert_eq!(ansic(&t), "Tue Mar  5 01:02:03 2024");
        assert_eq!(rfc3339(&t), "2024-03-05T01:02:03-07:30");
    }
}
