//! Calendar duration units: the time-valued quantity keywords of FHIRPath
//! (§2.1.5.2 "Time-valued Quantities", `year`…`millisecond` and plurals).

/// A calendar duration unit, as written after a number in a FHIRPath
/// quantity literal (`4 days`, `1 year`) or derived from the definite UCUM
/// time units (`'d'`, `'wk'`, `'h'`, `'min'`, `'s'`, `'ms'`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CalendarUnit {
    /// `year` / `years` (calendar year; not the UCUM `'a'`).
    Year,
    /// `month` / `months` (calendar month; not the UCUM `'mo'`).
    Month,
    /// `week` / `weeks` (= 7 days, same as UCUM `'wk'`).
    Week,
    /// `day` / `days` (same as UCUM `'d'`).
    Day,
    /// `hour` / `hours` (same as UCUM `'h'`).
    Hour,
    /// `minute` / `minutes` (same as UCUM `'min'`).
    Minute,
    /// `second` / `seconds` (same as UCUM `'s'`).
    Second,
    /// `millisecond` / `milliseconds` (same as UCUM `'ms'`).
    Millisecond,
}

impl CalendarUnit {
    /// All units, largest first.
    pub const ALL: [CalendarUnit; 8] = [
        CalendarUnit::Year,
        CalendarUnit::Month,
        CalendarUnit::Week,
        CalendarUnit::Day,
        CalendarUnit::Hour,
        CalendarUnit::Minute,
        CalendarUnit::Second,
        CalendarUnit::Millisecond,
    ];

    /// Parses a calendar keyword, singular or plural (`"day"`, `"days"`).
    pub fn from_keyword(word: &str) -> Option<CalendarUnit> {
        let singular = word.strip_suffix('s').unwrap_or(word);
        Some(match singular {
            "year" => CalendarUnit::Year,
            "month" => CalendarUnit::Month,
            "week" => CalendarUnit::Week,
            "day" => CalendarUnit::Day,
            "hour" => CalendarUnit::Hour,
            "minute" => CalendarUnit::Minute,
            "second" => CalendarUnit::Second,
            "millisecond" => CalendarUnit::Millisecond,
            _ => return None,
        })
    }

    /// The singular keyword (`"day"`).
    pub fn keyword(self) -> &'static str {
        match self {
            CalendarUnit::Year => "year",
            CalendarUnit::Month => "month",
            CalendarUnit::Week => "week",
            CalendarUnit::Day => "day",
            CalendarUnit::Hour => "hour",
            CalendarUnit::Minute => "minute",
            CalendarUnit::Second => "second",
            CalendarUnit::Millisecond => "millisecond",
        }
    }

    /// The plural keyword (`"days"`).
    pub fn plural(self) -> &'static str {
        match self {
            CalendarUnit::Year => "years",
            CalendarUnit::Month => "months",
            CalendarUnit::Week => "weeks",
            CalendarUnit::Day => "days",
            CalendarUnit::Hour => "hours",
            CalendarUnit::Minute => "minutes",
            CalendarUnit::Second => "seconds",
            CalendarUnit::Millisecond => "milliseconds",
        }
    }

    /// The definite UCUM time unit with the same meaning (`'d'` for day), or
    /// `None` for `year` and `month`, whose UCUM counterparts `'a'` and `'mo'`
    /// are mean durations, not calendar durations (§2.1.5.2).
    pub fn definite_ucum(self) -> Option<&'static str> {
        Some(match self {
            CalendarUnit::Year | CalendarUnit::Month => return None,
            CalendarUnit::Week => "wk",
            CalendarUnit::Day => "d",
            CalendarUnit::Hour => "h",
            CalendarUnit::Minute => "min",
            CalendarUnit::Second => "s",
            CalendarUnit::Millisecond => "ms",
        })
    }

    /// The calendar unit a definite UCUM time code stands for (`"wk"` → `Week`).
    /// `'a'` and `'mo'` give `None`: they are not calendar durations.
    pub fn from_definite_ucum(code: &str) -> Option<CalendarUnit> {
        Some(match code {
            "wk" => CalendarUnit::Week,
            "d" => CalendarUnit::Day,
            "h" => CalendarUnit::Hour,
            "min" => CalendarUnit::Minute,
            "s" => CalendarUnit::Second,
            "ms" => CalendarUnit::Millisecond,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_round_trip() {
        for u in CalendarUnit::ALL {
            assert_eq!(CalendarUnit::from_keyword(u.keyword()), Some(u));
            assert_eq!(CalendarUnit::from_keyword(u.plural()), Some(u));
            if let Some(code) = u.definite_ucum() {
                assert_eq!(CalendarUnit::from_definite_ucum(code), Some(u));
            }
        }
        assert_eq!(CalendarUnit::from_keyword("fortnight"), None);
        assert_eq!(CalendarUnit::from_definite_ucum("a"), None);
    }
}
