//! FHIRPath `Date`, `DateTime` and `Time` values: parsing (literal bodies and
//! FHIR JSON strings), formatting (`@` literal form and `toString()` form),
//! equality / equivalence / comparison with partial precision and timezone
//! offsets, calendar arithmetic with time-valued quantities, `lowBoundary` /
//! `highBoundary` / `precision`, component extraction (`yearOf()` …
//! `timeOf()`), `duration` / `difference`, `now()` / `today()` /
//! `timeOfDay()`, and the string conversions behind `toDate()`,
//! `toDateTime()` and `toTime()` (with the STU format codes).
//!
//! Spec references are to the FHIRPath 3.0 text: §"Date" / §"Time" /
//! §"DateTime" (literals), §"Date/Time Equality", §"Date/Time Equivalence",
//! §"Comparison", §"Date/Time Arithmetic", §"Date/DateTime String Format
//! Codes", and the function catalogue numbers (5.5.4 toDate … 5.11.2
//! difference).
//!
//! Decisions where the spec leaves room (each is repeated on the item it
//! concerns):
//!
//! * **Timezones in comparisons.** Values that both carry an offset are
//!   compared in UTC. Values that both lack one are compared as written. When
//!   exactly one side has an offset, the other side's offset is unknown: the
//!   comparison is made at both extreme real-world offsets (`+14:00` and
//!   `-12:00`) and the answer is given only when both agree, otherwise it is
//!   empty. This yields the suite's empty result for
//!   `@2012-04-15T15:00:00Z = @2012-04-15T10:00:00` and still orders values
//!   that are far apart (`Patient.birthDate < now()`). No local-offset
//!   default is applied, so results never depend on the machine's zone.
//! * **Boundaries** return the input's own type (a `Date`'s boundary is a
//!   `Date`; the suite's `type="dateTime"` on `@2014.lowBoundary(6)` prints
//!   the same text `@2014-01`). A `DateTime` boundary at hour precision or
//!   finer carries the input's offset, or `+14:00` (low) / `-12:00` (high)
//!   when it has none. Following the official suite (not the spec's example),
//!   an hour-precision `DateTime` is first read as minute precision, so
//!   `@2014-01-01T08.highBoundary(17)` is `@2014-01-01T08:00:59.999-12:00`.
//! * **Arithmetic** returns `None` for every case the spec calls an error
//!   (result year outside 1..=9999, date units added to a `Time`), so the
//!   caller should signal an error when an operand was present.

use std::cmp::Ordering;
use std::fmt::Write as _;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::calendar::CalendarUnit;

/// The precision of a date/time value: the finest component it has.
///
/// Ordered from coarsest (`Year`) to finest (`Millisecond`). `Date` values use
/// `Year..=Day`, `Time` values `Hour..=Millisecond`, `DateTime` values all
/// seven. For comparison, `Second` and `Millisecond` count as one precision
/// (decimal seconds), per §"Date/Time Equality".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Precision {
    /// `YYYY`
    Year,
    /// `YYYY-MM`
    Month,
    /// `YYYY-MM-DD`
    Day,
    /// `…Thh`
    Hour,
    /// `…Thh:mm`
    Minute,
    /// `…Thh:mm:ss`
    Second,
    /// `…Thh:mm:ss.fff`
    Millisecond,
}

impl Precision {
    /// The `precision()` digit count of a `Date`/`DateTime` at this precision
    /// (5.10.7): 4, 6, 8, 10, 12, 14, 17 for `Year` … `Millisecond`.
    pub const fn date_time_digits(self) -> i64 {
        match self {
            Precision::Year => 4,
            Precision::Month => 6,
            Precision::Day => 8,
            Precision::Hour => 10,
            Precision::Minute => 12,
            Precision::Second => 14,
            Precision::Millisecond => 17,
        }
    }

    /// The `precision()` digit count of a `Time` at this precision (5.10.7):
    /// 2, 4, 6, 9 for `Hour` … `Millisecond`; 0 for the date precisions,
    /// which a `Time` never has.
    pub const fn time_digits(self) -> i64 {
        match self {
            Precision::Year | Precision::Month | Precision::Day => 0,
            Precision::Hour => 2,
            Precision::Minute => 4,
            Precision::Second => 6,
            Precision::Millisecond => 9,
        }
    }

    /// The precision a `Date`/`DateTime` digit count names (the inverse of
    /// [`Precision::date_time_digits`]); `None` for any other number.
    pub const fn from_date_time_digits(digits: i64) -> Option<Precision> {
        Some(match digits {
            4 => Precision::Year,
            6 => Precision::Month,
            8 => Precision::Day,
            10 => Precision::Hour,
            12 => Precision::Minute,
            14 => Precision::Second,
            17 => Precision::Millisecond,
            _ => return None,
        })
    }

    /// The precision a `Time` digit count names (the inverse of
    /// [`Precision::time_digits`]: 2, 4, 6, 9); `None` for any other number.
    pub const fn from_time_digits(digits: i64) -> Option<Precision> {
        Some(match digits {
            2 => Precision::Hour,
            4 => Precision::Minute,
            6 => Precision::Second,
            9 => Precision::Millisecond,
            _ => return None,
        })
    }

    /// The precision a value needs to have the component a calendar unit
    /// counts (`Week` needs days, so it maps to `Day`).
    pub const fn of_unit(unit: CalendarUnit) -> Precision {
        match unit {
            CalendarUnit::Year => Precision::Year,
            CalendarUnit::Month => Precision::Month,
            CalendarUnit::Week | CalendarUnit::Day => Precision::Day,
            CalendarUnit::Hour => Precision::Hour,
            CalendarUnit::Minute => Precision::Minute,
            CalendarUnit::Second => Precision::Second,
            CalendarUnit::Millisecond => Precision::Millisecond,
        }
    }

    /// How many comparison components (year, month, day, hour, minute,
    /// decimal seconds) a value of this precision has.
    const fn levels(self) -> usize {
        match self {
            Precision::Year => 1,
            Precision::Month => 2,
            Precision::Day => 3,
            Precision::Hour => 4,
            Precision::Minute => 5,
            Precision::Second | Precision::Millisecond => 6,
        }
    }
}

/// A time-zone offset as written: `Z` or `+hh:mm`/`-hh:mm` (kept apart so
/// output reproduces input).
///
/// `Offset` holds minutes east of UTC; valid offsets lie within ±14:00
/// (840 minutes). `Z` and `Offset(0)` denote the same offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tz {
    /// `Z`: UTC.
    Z,
    /// `+hh:mm` / `-hh:mm`, in minutes east of UTC.
    Offset(i16),
}

/// The largest offset magnitude accepted: 14:00, in minutes.
const MAX_OFFSET_MINUTES: i16 = 14 * 60;
/// The earliest-in-UTC real-world offset (`+14:00`): used for `lowBoundary`
/// and for the unknown offset of a value without one.
const EARLIEST_OFFSET: i16 = 14 * 60;
/// The latest-in-UTC real-world offset (`-12:00`): used for `highBoundary`
/// and for the unknown offset of a value without one.
const LATEST_OFFSET: i16 = -12 * 60;

/// Follow the official test suite rather than the spec's example for
/// boundaries of an hour-precision `DateTime`: read `T08` as `T08:00` first
/// (the suite expects `@2014-01-01T08.highBoundary(17)` to be
/// `@2014-01-01T08:00:59.999-12:00`; the spec text shows `…T08:59:59.999`).
const BOUNDARY_HOUR_AS_MINUTE: bool = true;

impl Tz {
    /// The offset in minutes east of UTC (`Z` is 0).
    pub const fn offset_minutes(self) -> i16 {
        match self {
            Tz::Z => 0,
            Tz::Offset(minutes) => minutes,
        }
    }

    /// Parses `Z` or `+hh:mm` / `-hh:mm` (hours 00–14, minutes 00–59, at most
    /// ±14:00), as in §"DateTime" literals and FHIR `dateTime`/`instant`.
    /// `None` for anything else.
    pub fn parse(s: &str) -> Option<Tz> {
        parse_tz(s.as_bytes())
    }

    /// Whether the offset is within ±14:00.
    pub const fn is_valid(self) -> bool {
        match self {
            Tz::Z => true,
            Tz::Offset(m) => m >= -MAX_OFFSET_MINUTES && m <= MAX_OFFSET_MINUTES,
        }
    }

    /// Appends `Z` or `±hh:mm`.
    fn push_to(self, out: &mut String) {
        match self {
            Tz::Z => out.push('Z'),
            Tz::Offset(m) => {
                let sign = if m < 0 { '-' } else { '+' };
                let abs = m.unsigned_abs();
                let _ = write!(out, "{sign}{:02}:{:02}", abs / 60, abs % 60);
            }
        }
    }
}

/// A FHIRPath `Date` (§"Date"): a full or partial calendar date in
/// 0001-01-01..=9999-12-31.
///
/// `precision` is `Year`, `Month` or `Day`; components absent at that
/// precision hold 1. Derived equality is structural; use [`Date::equals`],
/// [`Date::equivalent`] and [`Date::compare`] for FHIRPath semantics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Date {
    /// 1..=9999.
    pub year: u16,
    /// 1..=12, or 1 when absent.
    pub month: u8,
    /// 1..=days in month, or 1 when absent.
    pub day: u8,
    /// `Year..=Day`.
    pub precision: Precision,
}

/// A FHIRPath `Time` (§"Time"): a full or partial time of day in
/// 00:00:00.000..=23:59:59.999, without timezone.
///
/// `precision` is `Hour` … `Millisecond`; components absent at that precision
/// hold 0. Derived equality is structural; use [`Time::equals`],
/// [`Time::equivalent`] and [`Time::compare`] for FHIRPath semantics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Time {
    /// 0..=23.
    pub hour: u8,
    /// 0..=59, or 0 when absent.
    pub minute: u8,
    /// 0..=59, or 0 when absent.
    pub second: u8,
    /// 0..=999, or 0 when absent.
    pub millis: u16,
    /// `Hour..=Millisecond`.
    pub precision: Precision,
}

/// A FHIRPath `DateTime` (§"DateTime"): a full or partial date and time with
/// an optional timezone offset, in 0001-01-01T00:00:00.000..=9999-12-31T23:59:59.999.
///
/// Absent date components hold 1, absent time components 0. `tz` is only
/// present at `Hour` precision or finer (literals and FHIR strings cannot
/// attach an offset to a bare date). Derived equality is structural; use
/// [`DateTime::equals`], [`DateTime::equivalent`] and [`DateTime::compare`]
/// for FHIRPath semantics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DateTime {
    /// 1..=9999.
    pub year: u16,
    /// 1..=12, or 1 when absent.
    pub month: u8,
    /// 1..=days in month, or 1 when absent.
    pub day: u8,
    /// 0..=23, or 0 when absent.
    pub hour: u8,
    /// 0..=59, or 0 when absent.
    pub minute: u8,
    /// 0..=59, or 0 when absent.
    pub second: u8,
    /// 0..=999, or 0 when absent.
    pub millis: u16,
    /// Any precision.
    pub precision: Precision,
    /// The offset as written, if any (only at `Hour` precision or finer).
    pub tz: Option<Tz>,
}

/// A date/time literal of any of the three kinds, as the lexer sees it after
/// `@` (§"Date", §"DateTime", §"Time").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Temporal {
    /// `@2014-01-25`, `@2014-01`, `@2014`.
    Date(Date),
    /// `@2014-01-25T14:30:14.559Z`, `@2014T`, …
    DateTime(DateTime),
    /// `@T14:30:14.559`, `@T12`.
    Time(Time),
}

impl Temporal {
    /// Parses a whole literal including the leading `@`: `@T…` is a `Time`,
    /// a body containing `T` a `DateTime`, otherwise a `Date`. `None` when
    /// the text is not a valid literal (bad shape, out-of-range component,
    /// nonexistent date such as `@2015-02-30`, timezone on a `Time`).
    pub fn parse_literal(s: &str) -> Option<Temporal> {
        let body = s.strip_prefix('@')?;
        if let Some(time) = body.strip_prefix('T') {
            Time::parse(time).map(Temporal::Time)
        } else if body.contains('T') {
            DateTime::parse(body).map(Temporal::DateTime)
        } else {
            Date::parse(body).map(Temporal::Date)
        }
    }

    /// The `@` literal form (see [`Date::to_literal`], [`DateTime::to_literal`],
    /// [`Time::to_literal`]).
    pub fn to_literal(&self) -> String {
        match self {
            Temporal::Date(d) => d.to_literal(),
            Temporal::DateTime(dt) => dt.to_literal(),
            Temporal::Time(t) => t.to_literal(),
        }
    }

    /// The `toString()` form (see the `to_fhir_string` methods).
    pub fn to_fhir_string(&self) -> String {
        match self {
            Temporal::Date(d) => d.to_fhir_string(),
            Temporal::DateTime(dt) => dt.to_fhir_string(),
            Temporal::Time(t) => t.to_fhir_string(),
        }
    }
}

// ---------------------------------------------------------------------------
// Calendar helpers (proleptic Gregorian, total over i64 so that shifted
// values just outside 1..=9999 still compare correctly).

const MS_PER_SECOND: i64 = 1_000;
const MS_PER_MINUTE: i64 = 60 * MS_PER_SECOND;
const MS_PER_HOUR: i64 = 60 * MS_PER_MINUTE;
const MS_PER_DAY: i64 = 24 * MS_PER_HOUR;

fn is_leap_year(year: i64) -> bool {
    year.rem_euclid(4) == 0 && (year.rem_euclid(100) != 0 || year.rem_euclid(400) == 0)
}

/// Days in `month` of `year`; 0 for a month outside 1..=12.
fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days from 0001-01-01 to January 1st of `year`.
fn days_before_year(year: i64) -> i64 {
    let y = year - 1;
    365 * y + y.div_euclid(4) - y.div_euclid(100) + y.div_euclid(400)
}

/// Days from 0001-01-01 (day 0, a Monday) to the given date. Months outside
/// 1..=12 are not rejected (the sum just stops), so this never panics.
fn epoch_days(year: i64, month: i64, day: i64) -> i64 {
    let mut days = days_before_year(year);
    for m in 1..month.clamp(1, 13) {
        days += days_in_month(year, m);
    }
    days + day - 1
}

/// The inverse of [`epoch_days`].
fn civil_from_epoch_days(days: i64) -> (i64, i64, i64) {
    // Estimate the year, then correct it; the estimate is off by at most one.
    let mut year = days.div_euclid(146_097) * 400 + 1 + days.rem_euclid(146_097) / 366;
    while days_before_year(year + 1) <= days {
        year += 1;
    }
    while days_before_year(year) > days {
        year -= 1;
    }
    let mut rest = days - days_before_year(year);
    let mut month = 1;
    while month < 12 && rest >= days_in_month(year, month) {
        rest -= days_in_month(year, month);
        month += 1;
    }
    (year, month, rest + 1)
}

/// Day of week counted from Sunday (0) for a day number of [`epoch_days`].
fn weekday_from_sunday(days: i64) -> i64 {
    (days + 1).rem_euclid(7)
}

/// Plain civil fields in wide integers, for shifting between offsets and for
/// interval arithmetic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Civil {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    millis: i64,
}

impl Civil {
    fn epoch_days(self) -> i64 {
        epoch_days(self.year, self.month, self.day)
    }

    fn epoch_ms(self) -> i64 {
        self.epoch_days() * MS_PER_DAY
            + self.hour * MS_PER_HOUR
            + self.minute * MS_PER_MINUTE
            + self.second * MS_PER_SECOND
            + self.millis
    }

    fn from_epoch_ms(ms: i64) -> Civil {
        let (year, month, day) = civil_from_epoch_days(ms.div_euclid(MS_PER_DAY));
        let in_day = ms.rem_euclid(MS_PER_DAY);
        Civil {
            year,
            month,
            day,
            hour: in_day / MS_PER_HOUR,
            minute: in_day % MS_PER_HOUR / MS_PER_MINUTE,
            second: in_day % MS_PER_MINUTE / MS_PER_SECOND,
            millis: in_day % MS_PER_SECOND,
        }
    }

    /// The same instant seen at an offset `minutes` further east.
    fn shifted_minutes(self, minutes: i64) -> Civil {
        Civil::from_epoch_ms(self.epoch_ms() + minutes * MS_PER_MINUTE)
    }

    /// Resets the components finer than `precision` to their defaults.
    fn truncated(self, precision: Precision) -> Civil {
        let mut c = self;
        if precision < Precision::Month {
            c.month = 1;
        }
        if precision < Precision::Day {
            c.day = 1;
        }
        if precision < Precision::Hour {
            c.hour = 0;
        }
        if precision < Precision::Minute {
            c.minute = 0;
        }
        if precision < Precision::Second {
            c.second = 0;
        }
        if precision < Precision::Millisecond {
            c.millis = 0;
        }
        c
    }

    /// Year, month, day, hour, minute, decimal seconds (as milliseconds).
    fn comparison_key(self) -> [i64; 6] {
        [
            self.year,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second * MS_PER_SECOND + self.millis,
        ]
    }

    fn months(self) -> i64 {
        self.year * 12 + (self.month - 1)
    }

    fn after_month(self) -> (i64, i64, i64, i64, i64) {
        (self.day, self.hour, self.minute, self.second, self.millis)
    }
}

/// Component-wise comparison (§"Date/Time Equality", §"Comparison"): the
/// first differing component decides; if all shared components are equal the
/// result is `Equal` when both have the same number of components and
/// unknown (`None`) otherwise.
fn compare_components(a: &[i64], b: &[i64]) -> Option<Ordering> {
    for (x, y) in a.iter().zip(b) {
        match x.cmp(y) {
            Ordering::Equal => {}
            decided => return Some(decided),
        }
    }
    (a.len() == b.len()).then_some(Ordering::Equal)
}

/// Whole calendar periods of `unit` from `a` to `b` (5.11.1 `duration`);
/// both are already truncated to a common precision at least as fine as the
/// unit needs.
fn whole_periods(a: Civil, b: Civil, unit: CalendarUnit) -> i64 {
    match unit {
        CalendarUnit::Year | CalendarUnit::Month => {
            let mut months = b.months() - a.months();
            if months > 0 && b.after_month() < a.after_month() {
                months -= 1;
            } else if months < 0 && b.after_month() > a.after_month() {
                months += 1;
            }
            if unit == CalendarUnit::Year {
                months / 12
            } else {
                months
            }
        }
        _ => (b.epoch_ms() - a.epoch_ms()) / unit_ms(unit),
    }
}

/// Calendar boundaries of `unit` crossed from `a` to `b` (5.11.2
/// `difference`); weeks start on Sunday.
fn boundaries_crossed(a: Civil, b: Civil, unit: CalendarUnit) -> i64 {
    let p = Precision::of_unit(unit);
    let (a, b) = (a.truncated(p), b.truncated(p));
    match unit {
        CalendarUnit::Year => b.year - a.year,
        CalendarUnit::Month => b.months() - a.months(),
        CalendarUnit::Week => {
            let start = |c: Civil| c.epoch_days() - weekday_from_sunday(c.epoch_days());
            (start(b) - start(a)) / 7
        }
        CalendarUnit::Day => b.epoch_days() - a.epoch_days(),
        _ => (b.epoch_ms() - a.epoch_ms()) / unit_ms(unit),
    }
}

/// Fixed length of a unit in milliseconds (calendar conversion factors of
/// §"toQuantity": 1 year = 365 days, 1 month = 30 days).
fn unit_ms(unit: CalendarUnit) -> i64 {
    match unit {
        CalendarUnit::Year => 365 * MS_PER_DAY,
        CalendarUnit::Month => 30 * MS_PER_DAY,
        CalendarUnit::Week => 7 * MS_PER_DAY,
        CalendarUnit::Day => MS_PER_DAY,
        CalendarUnit::Hour => MS_PER_HOUR,
        CalendarUnit::Minute => MS_PER_MINUTE,
        CalendarUnit::Second => MS_PER_SECOND,
        CalendarUnit::Millisecond => 1,
    }
}

// ---------------------------------------------------------------------------
// Arithmetic helpers (§"Date/Time Arithmetic").

/// The unit in which a whole number of steps is added to a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    Years,
    Months,
    Days,
    Hours,
    Minutes,
    Seconds,
    Milliseconds,
}

impl Step {
    /// The step matching a value's finest component.
    fn of_precision(p: Precision) -> Step {
        match p {
            Precision::Year => Step::Years,
            Precision::Month => Step::Months,
            Precision::Day => Step::Days,
            Precision::Hour => Step::Hours,
            Precision::Minute => Step::Minutes,
            Precision::Second => Step::Seconds,
            Precision::Millisecond => Step::Milliseconds,
        }
    }

    /// The calendar unit this step counts.
    fn unit(self) -> CalendarUnit {
        match self {
            Step::Years => CalendarUnit::Year,
            Step::Months => CalendarUnit::Month,
            Step::Days => CalendarUnit::Day,
            Step::Hours => CalendarUnit::Hour,
            Step::Minutes => CalendarUnit::Minute,
            Step::Seconds => CalendarUnit::Second,
            Step::Milliseconds => CalendarUnit::Millisecond,
        }
    }

    fn span(self, count: i64) -> Option<jiff::Span> {
        let s = jiff::Span::new();
        match self {
            Step::Years => s.try_years(count),
            Step::Months => s.try_months(count),
            Step::Days => s.try_days(count),
            Step::Hours => s.try_hours(count),
            Step::Minutes => s.try_minutes(count),
            Step::Seconds => s.try_seconds(count),
            Step::Milliseconds => s.try_milliseconds(count),
        }
        .ok()
    }
}

/// Turns `amount unit` into a whole number of steps for a value of
/// precision `p`:
///
/// * a unit at or above the value's precision is used as is, its fraction
///   dropped, except that seconds keep their fraction (as milliseconds) on a
///   millisecond-precision value (`+ 0.1 's'` adds 100 ms); weeks are 7 days;
/// * a unit finer than the value's precision is converted to the value's
///   finest unit with the calendar factors (months → years by 12, anything
///   else through days: 1 year = 365 days, 1 month = 30 days), then
///   truncated (`@2014 + 23 months` = `@2014 + 1 year`).
///
/// Returns the (truncated, possibly negative) count and its step; `None` on
/// decimal overflow.
fn whole_steps(p: Precision, amount: Decimal, unit: CalendarUnit) -> Option<(Decimal, Step)> {
    let unit_precision = Precision::of_unit(unit);
    if unit_precision <= p {
        return Some(match unit {
            CalendarUnit::Year => (amount.trunc(), Step::Years),
            CalendarUnit::Month => (amount.trunc(), Step::Months),
            CalendarUnit::Week => (amount.trunc().checked_mul(Decimal::from(7))?, Step::Days),
            CalendarUnit::Day => (amount.trunc(), Step::Days),
            CalendarUnit::Hour => (amount.trunc(), Step::Hours),
            CalendarUnit::Minute => (amount.trunc(), Step::Minutes),
            CalendarUnit::Second if p == Precision::Millisecond => (
                amount.checked_mul(Decimal::from(MS_PER_SECOND))?.trunc(),
                Step::Milliseconds,
            ),
            CalendarUnit::Second => (amount.trunc(), Step::Seconds),
            CalendarUnit::Millisecond => (amount.trunc(), Step::Milliseconds),
        });
    }
    let step = Step::of_precision(p);
    let converted = if p == Precision::Year && unit == CalendarUnit::Month {
        amount.checked_div(Decimal::from(12))?
    } else {
        amount
            .checked_mul(Decimal::from(unit_ms(unit)))?
            .checked_div(Decimal::from(unit_ms(step.unit())))?
    };
    Some((converted.trunc(), step))
}

/// Adds a whole number of steps to civil fields with jiff's calendar
/// arithmetic (month-end clamping); `None` outside years 1..=9999.
fn add_steps(c: Civil, count: i64, step: Step) -> Option<Civil> {
    let start = jiff::civil::DateTime::new(
        i16::try_from(c.year).ok()?,
        i8::try_from(c.month).ok()?,
        i8::try_from(c.day).ok()?,
        i8::try_from(c.hour).ok()?,
        i8::try_from(c.minute).ok()?,
        i8::try_from(c.second).ok()?,
        i32::try_from(c.millis).ok()?.checked_mul(1_000_000)?,
    )
    .ok()?;
    let end = start.checked_add(step.span(count)?).ok()?;
    let year = i64::from(end.year());
    if !(1..=9999).contains(&year) {
        return None;
    }
    Some(Civil {
        year,
        month: i64::from(end.month()),
        day: i64::from(end.day()),
        hour: i64::from(end.hour()),
        minute: i64::from(end.minute()),
        second: i64::from(end.second()),
        millis: i64::from(end.subsec_nanosecond() / 1_000_000),
    })
}

// ---------------------------------------------------------------------------
// Parsing helpers (byte-oriented; never index out of bounds).

/// Reads exactly `n` ASCII digits at `*pos`.
fn fixed_digits(b: &[u8], pos: &mut usize, n: usize) -> Option<u32> {
    let digits = b.get(*pos..pos.checked_add(n)?)?;
    let mut value = 0u32;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        value = value * 10 + u32::from(d - b'0');
    }
    *pos += n;
    Some(value)
}

/// `YYYY`, `YYYY-MM` or `YYYY-MM-DD` at the start of `b`; returns the
/// validated date and the number of bytes read.
fn parse_date_prefix(b: &[u8]) -> Option<(Date, usize)> {
    let mut pos = 0;
    let year = fixed_digits(b, &mut pos, 4)?;
    let mut date = Date {
        year: u16::try_from(year).ok()?,
        month: 1,
        day: 1,
        precision: Precision::Year,
    };
    if b.get(pos) == Some(&b'-') {
        pos += 1;
        date.month = u8::try_from(fixed_digits(b, &mut pos, 2)?).ok()?;
        date.precision = Precision::Month;
        if b.get(pos) == Some(&b'-') {
            pos += 1;
            date.day = u8::try_from(fixed_digits(b, &mut pos, 2)?).ok()?;
            date.precision = Precision::Day;
        }
    }
    date.is_valid().then_some((date, pos))
}

/// `hh`, `hh:mm`, `hh:mm:ss` or `hh:mm:ss.f…` at the start of `b`
/// (fraction of any length, truncated to milliseconds); returns the
/// validated time and the number of bytes read.
fn parse_time_prefix(b: &[u8]) -> Option<(Time, usize)> {
    let mut pos = 0;
    let mut time = Time {
        hour: u8::try_from(fixed_digits(b, &mut pos, 2)?).ok()?,
        minute: 0,
        second: 0,
        millis: 0,
        precision: Precision::Hour,
    };
    if b.get(pos) == Some(&b':') {
        pos += 1;
        time.minute = u8::try_from(fixed_digits(b, &mut pos, 2)?).ok()?;
        time.precision = Precision::Minute;
        if b.get(pos) == Some(&b':') {
            pos += 1;
            time.second = u8::try_from(fixed_digits(b, &mut pos, 2)?).ok()?;
            time.precision = Precision::Second;
            if b.get(pos) == Some(&b'.') {
                pos += 1;
                let start = pos;
                let mut millis = 0u16;
                while let Some(d) = b.get(pos).filter(|d| d.is_ascii_digit()) {
                    if pos - start < 3 {
                        millis = millis * 10 + u16::from(d - b'0');
                    }
                    pos += 1;
                }
                let len = pos - start;
                if len == 0 {
                    return None;
                }
                for _ in len..3 {
                    millis *= 10;
                }
                time.millis = millis;
                time.precision = Precision::Millisecond;
            }
        }
    }
    time.is_valid().then_some((time, pos))
}

/// `Z` or `±hh:mm` making up all of `b`.
fn parse_tz(b: &[u8]) -> Option<Tz> {
    if b == b"Z" {
        return Some(Tz::Z);
    }
    let sign: i16 = match b.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    if b.len() != 6 || b.get(3) != Some(&b':') {
        return None;
    }
    let mut pos = 1;
    let hours = fixed_digits(b, &mut pos, 2)?;
    pos += 1;
    let minutes = fixed_digits(b, &mut pos, 2)?;
    if minutes > 59 {
        return None;
    }
    let total = i16::try_from(hours * 60 + minutes).ok()?;
    let tz = Tz::Offset(sign * total);
    tz.is_valid().then_some(tz)
}

fn push_date(out: &mut String, year: u16, month: u8, day: u8, precision: Precision) {
    let _ = write!(out, "{year:04}");
    if precision >= Precision::Month {
        let _ = write!(out, "-{month:02}");
    }
    if precision >= Precision::Day {
        let _ = write!(out, "-{day:02}");
    }
}

fn push_time(out: &mut String, t: Time) {
    let _ = write!(out, "{:02}", t.hour);
    if t.precision >= Precision::Minute {
        let _ = write!(out, ":{:02}", t.minute);
    }
    if t.precision >= Precision::Second {
        let _ = write!(out, ":{:02}", t.second);
    }
    if t.precision >= Precision::Millisecond {
        let _ = write!(out, ".{:03}", t.millis);
    }
}

// ---------------------------------------------------------------------------
// Date

impl Date {
    /// Builds a date of the given precision (`Year..=Day`); components finer
    /// than the precision are ignored and stored as 1. `None` when the
    /// precision is a time precision or the date does not exist in
    /// 0001-01-01..=9999-12-31.
    pub fn new(year: u16, month: u8, day: u8, precision: Precision) -> Option<Date> {
        let d = Date {
            year,
            month: if precision >= Precision::Month {
                month
            } else {
                1
            },
            day: if precision >= Precision::Day { day } else { 1 },
            precision,
        };
        d.is_valid().then_some(d)
    }

    /// Whether the fields satisfy the type's invariants (range, existing
    /// day, absent components 1, precision `Year..=Day`).
    pub fn is_valid(&self) -> bool {
        DateTime::from(*self).is_valid() && self.precision <= Precision::Day
    }

    /// Parses `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (a `Date` literal body after
    /// `@`, a FHIR `date` string, and the strings `toDate()` /
    /// `convertsToDate()` accept, 5.5.4). Year 0000 is rejected (the `Date`
    /// range starts at 0001-01-01 and FHIR's `date` excludes it). `None` for
    /// any other text, including nonexistent dates such as `2015-02-30`.
    pub fn parse(s: &str) -> Option<Date> {
        let (date, len) = parse_date_prefix(s.as_bytes())?;
        (len == s.len()).then_some(date)
    }

    /// The literal form: `@2014-01-25`, `@2014-01`, `@2014`.
    pub fn to_literal(&self) -> String {
        let mut out = String::from("@");
        push_date(&mut out, self.year, self.month, self.day, self.precision);
        out
    }

    /// The `toString()` form (5.5.8 table): `2014-01-25`, `2014-01`, `2014`.
    pub fn to_fhir_string(&self) -> String {
        let mut out = String::new();
        push_date(&mut out, self.year, self.month, self.day, self.precision);
        out
    }

    /// `today()` (5.10.3.3): the current date at the system's local offset.
    pub fn today() -> Date {
        DateTime::now().to_date()
    }

    /// `=` (§"Date/Time Equality"): `Some(true)`/`Some(false)`, or `None`
    /// (empty) when the precisions differ and all shared components are
    /// equal (`@2012-01 = @2012`).
    pub fn equals(&self, other: &Date) -> Option<bool> {
        DateTime::from(*self).equals(&DateTime::from(*other))
    }

    /// `~` (§"Date/Time Equivalence"): like `=`, but different precisions
    /// give `false`.
    pub fn equivalent(&self, other: &Date) -> bool {
        DateTime::from(*self).equivalent(&DateTime::from(*other))
    }

    /// `<`, `<=`, `>`, `>=` (§"Comparison"): the ordering, or `None` (empty)
    /// when the precisions differ and all shared components are equal.
    pub fn compare(&self, other: &Date) -> Option<Ordering> {
        DateTime::from(*self).compare(&DateTime::from(*other))
    }

    /// `+` with a time-valued quantity `amount unit` (§"Date/Time
    /// Arithmetic"); subtract by negating `amount`. Fractions are dropped
    /// (`+ 7.7 days` adds 7 days); units finer than the date's precision are
    /// converted to its finest unit first and the remainder ignored
    /// (`@2014 + 23 months` = `@2015`, `@2019-03-01 + 48 hours` =
    /// `@2019-03-03`); month and year steps clamp to the month's last day.
    /// `None` (an error for the caller) when the result leaves years
    /// 1..=9999 or the amount overflows.
    pub fn add(&self, amount: Decimal, unit: CalendarUnit) -> Option<Date> {
        if !self.is_valid() {
            return None;
        }
        DateTime::from(*self)
            .add(amount, unit)
            .map(|dt| dt.to_date())
    }

    /// `lowBoundary([precision])` (5.10.5): the earliest date at `precision`
    /// digits (4, 6 or 8; default 8, the finest a `Date` has). Coarser
    /// precisions truncate (`@2014-05-06.lowBoundary(4)` = `@2014`). `None`
    /// for other digit counts (a `Date` cannot reach 10 or more).
    pub fn low_boundary(&self, precision: Option<i64>) -> Option<Date> {
        self.boundary(precision, false)
    }

    /// `highBoundary([precision])` (5.10.6): the latest date at `precision`
    /// digits (4, 6 or 8; default 8): `@2014.highBoundary(6)` = `@2014-12`,
    /// `@2014-02.highBoundary()` = `@2014-02-28`. `None` for other digit
    /// counts.
    pub fn high_boundary(&self, precision: Option<i64>) -> Option<Date> {
        self.boundary(precision, true)
    }

    fn boundary(&self, precision: Option<i64>, high: bool) -> Option<Date> {
        let digits = precision.unwrap_or(Precision::Day.date_time_digits());
        if Precision::from_date_time_digits(digits)? > Precision::Day {
            return None;
        }
        DateTime::from(*self)
            .boundary(Some(digits), high)
            .map(|dt| dt.to_date())
    }

    /// `precision()` (5.10.7): 4, 6 or 8.
    pub fn precision_digits(&self) -> i64 {
        self.precision.date_time_digits()
    }

    /// `yearOf()` (5.10.8.1).
    pub fn year_of(&self) -> Option<i64> {
        Some(i64::from(self.year))
    }

    /// `monthOf()` (5.10.8.2): `None` below month precision.
    pub fn month_of(&self) -> Option<i64> {
        (self.precision >= Precision::Month).then_some(i64::from(self.month))
    }

    /// `dayOf()` (5.10.8.3): `None` below day precision.
    pub fn day_of(&self) -> Option<i64> {
        (self.precision >= Precision::Day).then_some(i64::from(self.day))
    }

    /// `duration(value, unit)` (5.11.1): whole calendar periods of `unit`
    /// (`Year`, `Month`, `Week` or `Day`) from `self` to `other`, negative
    /// when `other` is earlier. `None` when either value is coarser than the
    /// unit (weeks need days) or the unit is finer than a day.
    pub fn duration(&self, other: &Date, unit: CalendarUnit) -> Option<i64> {
        DateTime::from(*self).duration(&DateTime::from(*other), unit)
    }

    /// `difference(value, unit)` (5.11.2): calendar boundaries of `unit`
    /// crossed from `self` to `other` (weeks start on Sunday). `None` as for
    /// [`Date::duration`].
    pub fn difference(&self, other: &Date, unit: CalendarUnit) -> Option<i64> {
        DateTime::from(*self).difference(&DateTime::from(*other), unit)
    }
}

impl From<Date> for DateTime {
    /// The implicit `Date` → `DateTime` conversion (§"Conversion",
    /// `toDateTime()` 5.5.5.1): same date components and precision, no time
    /// components, no offset.
    fn from(d: Date) -> DateTime {
        DateTime {
            year: d.year,
            month: d.month,
            day: d.day,
            hour: 0,
            minute: 0,
            second: 0,
            millis: 0,
            precision: d.precision,
            tz: None,
        }
    }
}

// ---------------------------------------------------------------------------
// DateTime

impl DateTime {
    /// Assembles a date/time from a date, an optional time and an optional
    /// offset. `None` when a time is given with a partial date, an offset is
    /// given without a time, or any part is invalid.
    pub fn from_parts(date: Date, time: Option<Time>, tz: Option<Tz>) -> Option<DateTime> {
        let mut dt = DateTime::from(date);
        if let Some(t) = time {
            if date.precision != Precision::Day {
                return None;
            }
            dt.hour = t.hour;
            dt.minute = t.minute;
            dt.second = t.second;
            dt.millis = t.millis;
            dt.precision = t.precision;
        }
        dt.tz = tz;
        dt.is_valid().then_some(dt)
    }

    /// Whether the fields satisfy the type's invariants (ranges, existing
    /// day, absent components at their defaults, offset within ±14:00 and
    /// only at hour precision or finer).
    pub fn is_valid(&self) -> bool {
        let p = self.precision;
        let year = i64::from(self.year);
        let month = i64::from(self.month);
        let in_range = |present: bool, value: i64, lo: i64, hi: i64, absent: i64| {
            if present {
                (lo..=hi).contains(&value)
            } else {
                value == absent
            }
        };
        (1..=9999).contains(&year)
            && in_range(p >= Precision::Month, month, 1, 12, 1)
            && in_range(
                p >= Precision::Day,
                i64::from(self.day),
                1,
                days_in_month(year, month),
                1,
            )
            && in_range(p >= Precision::Hour, i64::from(self.hour), 0, 23, 0)
            && in_range(p >= Precision::Minute, i64::from(self.minute), 0, 59, 0)
            && in_range(p >= Precision::Second, i64::from(self.second), 0, 59, 0)
            && in_range(
                p >= Precision::Millisecond,
                i64::from(self.millis),
                0,
                999,
                0,
            )
            && match self.tz {
                None => true,
                Some(tz) => p >= Precision::Hour && tz.is_valid(),
            }
    }

    /// Parses a `DateTime` literal body after `@` (`2015T`, `2015-02T`,
    /// `2015-02-04T`, `2015-02-04T14`, `…T14:34`, `…T14:34:28`,
    /// `…T14:34:28.123`, the time forms optionally followed by `Z` or
    /// `±hh:mm`) and FHIR `dateTime` / `instant` strings (`2015`, `2015-02`,
    /// `2015-02-04`, `2015-02-04T14:34:28.239+02:00`); this is also what
    /// `toDateTime()` / `convertsToDateTime()` accept (5.5.5). A date-only
    /// string gives precision `Year`/`Month`/`Day`. Fractional seconds may
    /// have any number of digits and are truncated to milliseconds. A time
    /// needs a full date; an offset needs a time; leap second `:60` and
    /// hour 24 are rejected. `None` for anything invalid.
    pub fn parse(s: &str) -> Option<DateTime> {
        let b = s.as_bytes();
        let (date, mut pos) = parse_date_prefix(b)?;
        let mut dt = DateTime::from(date);
        if pos == b.len() {
            return Some(dt);
        }
        if b.get(pos) != Some(&b'T') {
            return None;
        }
        pos += 1;
        if pos == b.len() {
            return Some(dt);
        }
        if date.precision != Precision::Day {
            return None;
        }
        let (time, len) = parse_time_prefix(b.get(pos..)?)?;
        pos += len;
        dt.hour = time.hour;
        dt.minute = time.minute;
        dt.second = time.second;
        dt.millis = time.millis;
        dt.precision = time.precision;
        if pos < b.len() {
            dt.tz = Some(parse_tz(b.get(pos..)?)?);
        }
        dt.is_valid().then_some(dt)
    }

    fn push_body(&self, out: &mut String) {
        push_date(out, self.year, self.month, self.day, self.precision);
        if self.precision >= Precision::Hour {
            out.push('T');
            push_time(out, self.time_part());
            if let Some(tz) = self.tz {
                tz.push_to(out);
            }
        }
    }

    /// The literal form as the official suite writes outputs:
    /// `@1974-01-01T00:00:00.000+10:00`, `@2014-01-01T08`, and, for
    /// `Year`/`Month`/`Day` precision, the date alone without the trailing
    /// `T` (`@2014-01`, as in the suite's LowBoundaryDateMonth output).
    pub fn to_literal(&self) -> String {
        let mut out = String::from("@");
        self.push_body(&mut out);
        out
    }

    /// The `toString()` form (5.5.8 table): `2015-02-04T14:34:28.123+02:00`,
    /// `2025-11-01` for a date-precision value.
    pub fn to_fhir_string(&self) -> String {
        let mut out = String::new();
        self.push_body(&mut out);
        out
    }

    /// `now()` (5.10.3.1): the current instant at millisecond precision with
    /// the system's local offset (whole minutes). Falls back to
    /// 1970-01-01T00:00:00.000Z in the impossible case that the clock lies
    /// outside years 1..=9999.
    pub fn now() -> DateTime {
        DateTime::from_zoned(&jiff::Zoned::now()).unwrap_or(DateTime {
            year: 1970,
            month: 1,
            day: 1,
            hour: 0,
            minute: 0,
            second: 0,
            millis: 0,
            precision: Precision::Millisecond,
            tz: Some(Tz::Z),
        })
    }

    /// A millisecond-precision value for a jiff zoned time, with its offset
    /// (seconds dropped) written as `±hh:mm`. Lets the evaluator take one
    /// clock reading per expression. `None` outside years 1..=9999.
    pub fn from_zoned(zoned: &jiff::Zoned) -> Option<DateTime> {
        let c = zoned.datetime();
        let minutes = i16::try_from(zoned.offset().seconds() / 60).ok()?;
        let dt = DateTime {
            year: u16::try_from(c.year()).ok()?,
            month: u8::try_from(c.month()).ok()?,
            day: u8::try_from(c.day()).ok()?,
            hour: u8::try_from(c.hour()).ok()?,
            minute: u8::try_from(c.minute()).ok()?,
            second: u8::try_from(c.second()).ok()?,
            millis: u16::try_from(c.subsec_nanosecond() / 1_000_000).ok()?,
            precision: Precision::Millisecond,
            tz: Some(Tz::Offset(minutes)),
        };
        dt.is_valid().then_some(dt)
    }

    /// The offset if the value is precise enough to carry one.
    fn effective_tz(&self) -> Option<Tz> {
        self.tz.filter(|_| self.precision >= Precision::Hour)
    }

    fn civil(&self) -> Civil {
        Civil {
            year: i64::from(self.year),
            month: i64::from(self.month),
            day: i64::from(self.day),
            hour: i64::from(self.hour),
            minute: i64::from(self.minute),
            second: i64::from(self.second),
            millis: i64::from(self.millis),
        }
    }

    fn with_civil(&self, c: Civil) -> Option<DateTime> {
        let dt = DateTime {
            year: u16::try_from(c.year).ok()?,
            month: u8::try_from(c.month).ok()?,
            day: u8::try_from(c.day).ok()?,
            hour: u8::try_from(c.hour).ok()?,
            minute: u8::try_from(c.minute).ok()?,
            second: u8::try_from(c.second).ok()?,
            millis: u16::try_from(c.millis).ok()?,
            precision: self.precision,
            tz: self.tz,
        };
        dt.is_valid().then_some(dt)
    }

    /// The comparison components, seen at offset `at` (minutes east) when
    /// the value has an offset and `at` is given, else as written; cut to
    /// the value's precision.
    fn key_at(&self, at: Option<i16>) -> ([i64; 6], usize) {
        let c = match (self.effective_tz(), at) {
            (Some(tz), Some(at)) => self
                .civil()
                .shifted_minutes(i64::from(at) - i64::from(tz.offset_minutes())),
            _ => self.civil(),
        };
        (c.comparison_key(), self.precision.levels())
    }

    /// `<`, `<=`, `>`, `>=` (§"Comparison"): component-wise from the year
    /// down, seconds and milliseconds as one decimal component; `None`
    /// (empty) when one value stops before the other with all shared
    /// components equal. Offsets: both present → compared in UTC; both
    /// absent → as written; only one present → the other's unknown offset
    /// is tried at `+14:00` and `-12:00` and the result is given only if
    /// both agree (so `@2012-04-15T15:00:00Z` vs `@2012-04-15T10:00:00` is
    /// empty, while values days apart still order).
    pub fn compare(&self, other: &DateTime) -> Option<Ordering> {
        let cmp = |a: Option<i16>, b: Option<i16>| {
            let (ka, la) = self.key_at(a);
            let (kb, lb) = other.key_at(b);
            compare_components(ka.get(..la)?, kb.get(..lb)?)
        };
        match (self.effective_tz(), other.effective_tz()) {
            (Some(_), Some(_)) => cmp(Some(0), Some(0)),
            (None, None) => cmp(None, None),
            (Some(_), None) => {
                let r = cmp(Some(EARLIEST_OFFSET), None);
                (r == cmp(Some(LATEST_OFFSET), None)).then_some(r).flatten()
            }
            (None, Some(_)) => {
                let r = cmp(None, Some(EARLIEST_OFFSET));
                (r == cmp(None, Some(LATEST_OFFSET))).then_some(r).flatten()
            }
        }
    }

    /// `=` (§"Date/Time Equality"): `Some(true)` when every component is
    /// equal at the same precision (`@…T10:30:31.0 = @…T10:30:31`),
    /// `Some(false)` when a shared component differs, `None` (empty) when
    /// the precisions differ with all shared components equal, or the
    /// offsets cannot be reconciled (see [`DateTime::compare`]).
    pub fn equals(&self, other: &DateTime) -> Option<bool> {
        self.compare(other).map(|o| o == Ordering::Equal)
    }

    /// `~` (§"Date/Time Equivalence"): `true` exactly when [`DateTime::equals`]
    /// is `Some(true)`; different precisions (or unreconcilable offsets)
    /// give `false`.
    pub fn equivalent(&self, other: &DateTime) -> bool {
        self.compare(other) == Some(Ordering::Equal)
    }

    /// `+` with a time-valued quantity `amount unit` (§"Date/Time
    /// Arithmetic"); subtract by negating `amount`. Calendar semantics on the
    /// value as written (the offset is kept): years and months clamp to the
    /// month's last day (`@2026-01-31 + 1 month` = `@2026-02-28`), days and
    /// weeks respect month and year lengths, hours … milliseconds carry into
    /// days. Fractions are dropped except for seconds on a
    /// millisecond-precision value (`+ 0.1 's'` adds 100 ms, `+ 7.7 days`
    /// adds 7 days). Units finer than the value's precision are converted
    /// to its finest unit and truncated (`@2014T + 23 months` = `@2015T`).
    /// The precision is unchanged. `None` (an error for the caller) when the
    /// result leaves years 1..=9999 or the amount overflows.
    pub fn add(&self, amount: Decimal, unit: CalendarUnit) -> Option<DateTime> {
        if !self.is_valid() {
            return None;
        }
        let (count, step) = whole_steps(self.precision, amount, unit)?;
        let c = add_steps(self.civil(), count.to_i64()?, step)?;
        self.with_civil(c)
    }

    /// `lowBoundary([precision])` (5.10.5): the earliest value at `precision`
    /// digits (4, 6, 8, 10, 12, 14 or 17; default 17). Missing components
    /// take their least value; coarser precisions truncate
    /// (`@2014-01-01T08.lowBoundary(8)` = `@2014-01-01`). At hour precision
    /// or finer the result carries the value's offset, or `+14:00` (the
    /// earliest possible) when it has none:
    /// `@2014-01-01T08.lowBoundary(17)` = `@2014-01-01T08:00:00.000+14:00`.
    /// `None` for other digit counts.
    pub fn low_boundary(&self, precision: Option<i64>) -> Option<DateTime> {
        self.boundary(precision, false)
    }

    /// `highBoundary([precision])` (5.10.6): the latest value at `precision`
    /// digits (as for [`DateTime::low_boundary`]); missing components take
    /// their greatest value (month 12, the month's last day, 23:59:59.999),
    /// and the offset defaults to `-12:00`. An hour-precision value is read
    /// as minute precision first, as the official suite expects:
    /// `@2014-01-01T08.highBoundary(17)` = `@2014-01-01T08:00:59.999-12:00`.
    pub fn high_boundary(&self, precision: Option<i64>) -> Option<DateTime> {
        self.boundary(precision, true)
    }

    fn boundary(&self, precision: Option<i64>, high: bool) -> Option<DateTime> {
        if !self.is_valid() {
            return None;
        }
        let target = match precision {
            None => Precision::Millisecond,
            Some(digits) => Precision::from_date_time_digits(digits)?,
        };
        let mut v = *self;
        if BOUNDARY_HOUR_AS_MINUTE && v.precision == Precision::Hour {
            v.precision = Precision::Minute;
        }
        let mut c = v.civil().truncated(target);
        if target > v.precision && high {
            let p = v.precision;
            if p < Precision::Month {
                c.month = 12;
            }
            if p < Precision::Day {
                c.day = days_in_month(c.year, c.month);
            }
            if p < Precision::Hour && target >= Precision::Hour {
                c.hour = 23;
            }
            if p < Precision::Minute && target >= Precision::Minute {
                c.minute = 59;
            }
            if p < Precision::Second && target >= Precision::Second {
                c.second = 59;
            }
            if target == Precision::Millisecond {
                c.millis = 999;
            }
            c = c.truncated(target);
        }
        let tz = (target >= Precision::Hour).then(|| {
            v.effective_tz().unwrap_or(Tz::Offset(if high {
                LATEST_OFFSET
            } else {
                EARLIEST_OFFSET
            }))
        });
        let shape = DateTime {
            precision: target,
            tz,
            ..v
        };
        shape.with_civil(c)
    }

    /// `precision()` (5.10.7): 4, 6, 8, 10, 12, 14 or 17.
    pub fn precision_digits(&self) -> i64 {
        self.precision.date_time_digits()
    }

    /// `yearOf()` (5.10.8.1), as written (no offset normalisation).
    pub fn year_of(&self) -> Option<i64> {
        Some(i64::from(self.year))
    }

    /// `monthOf()` (5.10.8.2): `None` below month precision.
    pub fn month_of(&self) -> Option<i64> {
        (self.precision >= Precision::Month).then_some(i64::from(self.month))
    }

    /// `dayOf()` (5.10.8.3): `None` below day precision.
    pub fn day_of(&self) -> Option<i64> {
        (self.precision >= Precision::Day).then_some(i64::from(self.day))
    }

    /// `hourOf()` (5.10.8.4), as written: `@2012-01-01T16:30:40.002-07:00` → 16.
    /// `None` below hour precision.
    pub fn hour_of(&self) -> Option<i64> {
        (self.precision >= Precision::Hour).then_some(i64::from(self.hour))
    }

    /// `minuteOf()` (5.10.8.5): `None` below minute precision.
    pub fn minute_of(&self) -> Option<i64> {
        (self.precision >= Precision::Minute).then_some(i64::from(self.minute))
    }

    /// `secondOf()` (5.10.8.6): `None` below second precision.
    pub fn second_of(&self) -> Option<i64> {
        (self.precision >= Precision::Second).then_some(i64::from(self.second))
    }

    /// `millisecondOf()` (5.10.8.7): `None` unless the value has a
    /// fractional-seconds part.
    pub fn millisecond_of(&self) -> Option<i64> {
        (self.precision >= Precision::Millisecond).then_some(i64::from(self.millis))
    }

    /// `timezoneOffsetOf()` (5.10.8.8): the offset in hours, fractional hours
    /// as decimals, with at least one decimal place (`-07:00` → `-7.0`,
    /// `+08:45` → `8.75`, `Z` → `0.0`). `None` without an offset.
    pub fn timezone_offset_of(&self) -> Option<Decimal> {
        let minutes = self.effective_tz()?.offset_minutes();
        let mut hours = Decimal::from(minutes)
            .checked_div(Decimal::from(60))?
            .normalize();
        if hours.scale() == 0 {
            hours.rescale(1);
        }
        Some(hours)
    }

    /// `dateOf()` (5.10.8.9): the date components up to the value's
    /// precision, without offset normalisation. Same as [`DateTime::to_date`].
    pub fn date_of(&self) -> Date {
        self.to_date()
    }

    /// `timeOf()` (5.10.8.10): the time components as written (offset
    /// dropped), `None` below hour precision:
    /// `@2012-01-01T12:30:00.000-07:00` → `@T12:30:00.000`.
    pub fn time_of(&self) -> Option<Time> {
        (self.precision >= Precision::Hour).then(|| self.time_part())
    }

    fn time_part(&self) -> Time {
        Time {
            hour: self.hour,
            minute: self.minute,
            second: self.second,
            millis: self.millis,
            precision: self.precision.max(Precision::Hour),
        }
    }

    /// `toDate()` on a `DateTime` (5.5.4.2): year, month and day as written,
    /// without timezone conversion, at precision `min(self, Day)`:
    /// `@2024-01-15T23:30:00-05:00` → `@2024-01-15`.
    pub fn to_date(&self) -> Date {
        Date {
            year: self.year,
            month: self.month,
            day: self.day,
            precision: self.precision.min(Precision::Day),
        }
    }

    /// Validated operands for `duration` / `difference`: both at least as
    /// precise as the unit needs, normalised to UTC for hour-or-finer units
    /// when both carry an offset (otherwise taken as written), and truncated
    /// to their common precision.
    fn interval_operands(&self, other: &DateTime, unit: CalendarUnit) -> Option<(Civil, Civil)> {
        if !self.is_valid() || !other.is_valid() {
            return None;
        }
        let required = Precision::of_unit(unit);
        if self.precision < required || other.precision < required {
            return None;
        }
        let (mut a, mut b) = (self.civil(), other.civil());
        if required >= Precision::Hour
            && let (Some(ta), Some(tb)) = (self.effective_tz(), other.effective_tz())
        {
            a = a.shifted_minutes(-i64::from(ta.offset_minutes()));
            b = b.shifted_minutes(-i64::from(tb.offset_minutes()));
        }
        let common = self.precision.min(other.precision);
        Some((a.truncated(common), b.truncated(common)))
    }

    /// `duration(value, unit)` (5.11.1): whole calendar periods of `unit`
    /// from `self` to `other` (negative when `other` is earlier), fractions
    /// dropped. Years and months count calendar months, with a partial last
    /// month not counted (`@2024-12-01` → `@2025-09-01` is 0 years); weeks,
    /// days and finer units count elapsed time. For `Hour` and finer, values
    /// that both carry an offset are compared in UTC; otherwise as written.
    /// `None` when either value is coarser than the unit needs.
    pub fn duration(&self, other: &DateTime, unit: CalendarUnit) -> Option<i64> {
        let (a, b) = self.interval_operands(other, unit)?;
        Some(whole_periods(a, b, unit))
    }

    /// `difference(value, unit)` (5.11.2): calendar boundaries of `unit`
    /// crossed from `self` to `other` (negative when `other` is earlier);
    /// weeks start on Sunday (`@2025-01-02` → `@2025-01-07` crosses 1).
    /// Offsets and `None` as for [`DateTime::duration`].
    pub fn difference(&self, other: &DateTime, unit: CalendarUnit) -> Option<i64> {
        let (a, b) = self.interval_operands(other, unit)?;
        Some(boundaries_crossed(a, b, unit))
    }
}

// ---------------------------------------------------------------------------
// Time

impl Time {
    /// Builds a time of the given precision (`Hour..=Millisecond`);
    /// components finer than the precision are ignored and stored as 0.
    /// `None` for a date precision or an out-of-range component.
    pub fn new(
        hour: u8,
        minute: u8,
        second: u8,
        millis: u16,
        precision: Precision,
    ) -> Option<Time> {
        let t = Time {
            hour,
            minute: if precision >= Precision::Minute {
                minute
            } else {
                0
            },
            second: if precision >= Precision::Second {
                second
            } else {
                0
            },
            millis: if precision >= Precision::Millisecond {
                millis
            } else {
                0
            },
            precision,
        };
        t.is_valid().then_some(t)
    }

    /// Whether the fields satisfy the type's invariants.
    pub fn is_valid(&self) -> bool {
        self.precision >= Precision::Hour && self.as_date_time().is_valid()
    }

    /// The time on 0001-01-01, for sharing the `DateTime` machinery.
    fn as_date_time(&self) -> DateTime {
        DateTime {
            year: 1,
            month: 1,
            day: 1,
            hour: self.hour,
            minute: self.minute,
            second: self.second,
            millis: self.millis,
            precision: self.precision,
            tz: None,
        }
    }

    fn ms_of_day(&self) -> i64 {
        i64::from(self.hour) * MS_PER_HOUR
            + i64::from(self.minute) * MS_PER_MINUTE
            + i64::from(self.second) * MS_PER_SECOND
            + i64::from(self.millis)
    }

    /// Parses `hh`, `hh:mm`, `hh:mm:ss` or `hh:mm:ss.f…` (a `Time` literal
    /// body after `@T`, a FHIR `time` string, and what `toTime()` /
    /// `convertsToTime()` accept, 5.5.9). Fractional seconds may have any
    /// number of digits and are truncated to milliseconds. Time values have
    /// no offset, so a trailing `Z`/`±hh:mm` is rejected. `None` for anything
    /// invalid (hour 24, minute 60, …).
    pub fn parse(s: &str) -> Option<Time> {
        let (time, len) = parse_time_prefix(s.as_bytes())?;
        (len == s.len()).then_some(time)
    }

    /// The literal form: `@T14:34`, `@T10:30:00.000`.
    pub fn to_literal(&self) -> String {
        let mut out = String::from("@T");
        push_time(&mut out, *self);
        out
    }

    /// The `toString()` form (5.5.8 table), without `@T`: `14:34:28`,
    /// `10:30:00.000`, `11:45`.
    pub fn to_fhir_string(&self) -> String {
        let mut out = String::new();
        push_time(&mut out, *self);
        out
    }

    /// `timeOfDay()` (5.10.3.2): the current local time at millisecond
    /// precision (the time part of [`DateTime::now`]).
    pub fn time_of_day() -> Time {
        DateTime::now().time_part()
    }

    /// `<`, `<=`, `>`, `>=` (§"Comparison"): component-wise from the hour,
    /// seconds and milliseconds as one decimal component; `None` (empty)
    /// when the precisions differ with all shared components equal
    /// (`@T10 < @T10:30`).
    pub fn compare(&self, other: &Time) -> Option<Ordering> {
        self.as_date_time().compare(&other.as_date_time())
    }

    /// `=` (§"Date/Time Equality"): as [`Time::compare`] giving `Equal`;
    /// `None` when the comparison is empty.
    pub fn equals(&self, other: &Time) -> Option<bool> {
        self.compare(other).map(|o| o == Ordering::Equal)
    }

    /// `~` (§"Date/Time Equivalence"): equal at the same precision
    /// (`@T10:30:00 ~ @T10:30:00.0` is `true`); otherwise `false`.
    pub fn equivalent(&self, other: &Time) -> bool {
        self.compare(other) == Some(Ordering::Equal)
    }

    /// `+` with a time-valued quantity (§"Date/Time Arithmetic"): `unit`
    /// must be `Hour`, `Minute`, `Second` or `Millisecond` (`None`, an error
    /// for the caller, for date units). The result wraps around midnight
    /// (`@T23:00:00 + 50 hours` = `@T01:00:00`). Fractions and finer units
    /// are handled as for [`DateTime::add`]; the precision is unchanged.
    pub fn add(&self, amount: Decimal, unit: CalendarUnit) -> Option<Time> {
        if !self.is_valid() {
            return None;
        }
        let units_per_day = match unit {
            CalendarUnit::Hour => 24,
            CalendarUnit::Minute => 24 * 60,
            CalendarUnit::Second => 24 * 60 * 60,
            CalendarUnit::Millisecond => MS_PER_DAY,
            _ => return None,
        };
        // Whole days change nothing; dropping them first keeps huge amounts
        // in range without changing the truncation.
        let amount = amount.checked_rem(Decimal::from(units_per_day))?;
        let (count, step) = whole_steps(self.precision, amount, unit)?;
        let delta = count.to_i64()?.checked_mul(unit_ms(step.unit()))?;
        let ms = (self.ms_of_day() + delta).rem_euclid(MS_PER_DAY);
        let t = Time {
            hour: u8::try_from(ms / MS_PER_HOUR).ok()?,
            minute: u8::try_from(ms % MS_PER_HOUR / MS_PER_MINUTE).ok()?,
            second: u8::try_from(ms % MS_PER_MINUTE / MS_PER_SECOND).ok()?,
            millis: u16::try_from(ms % MS_PER_SECOND).ok()?,
            precision: self.precision,
        };
        t.is_valid().then_some(t)
    }

    /// `lowBoundary([precision])` (5.10.5): the earliest time at `precision`
    /// digits (2, 4, 6 or 9; default 9): `@T10:30.lowBoundary(9)` =
    /// `@T10:30:00.000`. Coarser precisions truncate. `None` for other digit
    /// counts.
    pub fn low_boundary(&self, precision: Option<i64>) -> Option<Time> {
        self.boundary(precision, false)
    }

    /// `highBoundary([precision])` (5.10.6): the latest time at `precision`
    /// digits (2, 4, 6 or 9; default 9): `@T10:30.highBoundary(9)` =
    /// `@T10:30:59.999`. `None` for other digit counts.
    pub fn high_boundary(&self, precision: Option<i64>) -> Option<Time> {
        self.boundary(precision, true)
    }

    fn boundary(&self, precision: Option<i64>, high: bool) -> Option<Time> {
        if !self.is_valid() {
            return None;
        }
        let target = match precision {
            None => Precision::Millisecond,
            Some(digits) => Precision::from_time_digits(digits)?,
        };
        let mut t = Time {
            precision: target,
            ..*self
        };
        let p = self.precision;
        if target <= p {
            if target < Precision::Minute {
                t.minute = 0;
            }
            if target < Precision::Second {
                t.second = 0;
            }
            if target < Precision::Millisecond {
                t.millis = 0;
            }
        } else if high {
            if p < Precision::Minute {
                t.minute = 59;
            }
            if p < Precision::Second && target >= Precision::Second {
                t.second = 59;
            }
            if target == Precision::Millisecond {
                t.millis = 999;
            }
        }
        t.is_valid().then_some(t)
    }

    /// `precision()` (5.10.7): 2, 4, 6 or 9.
    pub fn precision_digits(&self) -> i64 {
        self.precision.time_digits()
    }

    /// `hourOf()` (5.10.8.4).
    pub fn hour_of(&self) -> Option<i64> {
        Some(i64::from(self.hour))
    }

    /// `minuteOf()` (5.10.8.5): `None` below minute precision.
    pub fn minute_of(&self) -> Option<i64> {
        (self.precision >= Precision::Minute).then_some(i64::from(self.minute))
    }

    /// `secondOf()` (5.10.8.6): `None` below second precision.
    pub fn second_of(&self) -> Option<i64> {
        (self.precision >= Precision::Second).then_some(i64::from(self.second))
    }

    /// `millisecondOf()` (5.10.8.7): `None` without a fractional-seconds part.
    pub fn millisecond_of(&self) -> Option<i64> {
        (self.precision >= Precision::Millisecond).then_some(i64::from(self.millis))
    }

    /// `duration(value, unit)` (5.11.1): whole periods of `unit` (`Hour` …
    /// `Millisecond`) from `self` to `other` within the same day (negative
    /// when `other` is earlier). `None` for date units or when either value
    /// is coarser than the unit.
    pub fn duration(&self, other: &Time, unit: CalendarUnit) -> Option<i64> {
        if Precision::of_unit(unit) < Precision::Hour {
            return None;
        }
        self.as_date_time().duration(&other.as_date_time(), unit)
    }

    /// `difference(value, unit)` (5.11.2): boundaries of `unit` (`Hour` …
    /// `Millisecond`) crossed from `self` to `other`. `None` as for
    /// [`Time::duration`].
    pub fn difference(&self, other: &Time, unit: CalendarUnit) -> Option<i64> {
        if Precision::of_unit(unit) < Precision::Hour {
            return None;
        }
        self.as_date_time().difference(&other.as_date_time(), unit)
    }
}

// ---------------------------------------------------------------------------
// Free-function forms of the operators, for the evaluator's dispatch tables.

/// `=` on two `DateTime`s (a `Date` operand is widened with
/// `DateTime::from` first); see [`DateTime::equals`].
pub fn datetime_equals(a: &DateTime, b: &DateTime) -> Option<bool> {
    a.equals(b)
}

/// `~` on two `DateTime`s; see [`DateTime::equivalent`].
pub fn datetime_equivalent(a: &DateTime, b: &DateTime) -> bool {
    a.equivalent(b)
}

/// `<`/`<=`/`>`/`>=` on two `DateTime`s; see [`DateTime::compare`].
pub fn datetime_compare(a: &DateTime, b: &DateTime) -> Option<Ordering> {
    a.compare(b)
}

/// `=` on two `Time`s; see [`Time::equals`].
pub fn time_equals(a: &Time, b: &Time) -> Option<bool> {
    a.equals(b)
}

/// `~` on two `Time`s; see [`Time::equivalent`].
pub fn time_equivalent(a: &Time, b: &Time) -> bool {
    a.equivalent(b)
}

/// `<`/`<=`/`>`/`>=` on two `Time`s; see [`Time::compare`].
pub fn time_compare(a: &Time, b: &Time) -> Option<Ordering> {
    a.compare(b)
}

// ---------------------------------------------------------------------------
// Format codes (§"Date/DateTime String Format Codes", STU).

/// The fields a format template picked out of a string.
#[derive(Debug, Default)]
struct Scanned {
    year: Option<i64>,
    month: Option<i64>,
    day: Option<i64>,
    hour: Option<i64>,
    hour_is_12: bool,
    minute: Option<i64>,
    second: Option<i64>,
    millis: Option<i64>,
    pm: Option<bool>,
    tz: Option<Tz>,
}

const MONTH_NAMES: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// Stores a field once; a second occurrence of the same code is an error.
fn set_once(slot: &mut Option<i64>, value: i64) -> Option<()> {
    if slot.is_some() {
        return None;
    }
    *slot = Some(value);
    Some(())
}

/// Reads between `min` and `max` ASCII digits (greedy) at `*pos`.
fn scan_digits(input: &[char], pos: &mut usize, min: usize, max: usize) -> Option<i64> {
    let mut value = 0i64;
    let mut n = 0;
    while n < max {
        let Some(d) = input.get(*pos + n).and_then(|c| c.to_digit(10)) else {
            break;
        };
        value = value * 10 + i64::from(d);
        n += 1;
    }
    if n < min {
        return None;
    }
    *pos += n;
    Some(value)
}

/// Whether `input[pos..]` starts with `word`, ignoring ASCII case.
fn starts_with_ignore_case(input: &[char], pos: usize, word: &str) -> bool {
    word.chars().enumerate().all(|(i, w)| {
        input
            .get(pos + i)
            .is_some_and(|c| c.eq_ignore_ascii_case(&w))
    })
}

/// `MMM` (abbreviated) or `MMMM` (full) English month name.
fn scan_month_name(input: &[char], pos: &mut usize, abbreviated: bool) -> Option<i64> {
    for (index, name) in MONTH_NAMES.iter().enumerate() {
        let word = if abbreviated { name.get(..3)? } else { name };
        if starts_with_ignore_case(input, *pos, word) {
            *pos += word.len();
            return i64::try_from(index + 1).ok();
        }
    }
    None
}

/// `AM`/`PM` or `A`/`P` (en-US), ignoring case; returns whether it is PM.
fn scan_am_pm(input: &[char], pos: &mut usize) -> Option<bool> {
    let first = input.get(*pos)?.to_ascii_uppercase();
    let pm = match first {
        'A' => false,
        'P' => true,
        _ => return None,
    };
    *pos += 1;
    if input
        .get(*pos)
        .is_some_and(|c| c.eq_ignore_ascii_case(&'m'))
    {
        *pos += 1;
    }
    Some(pm)
}

/// `Z`, `±hh`, `±hhmm` or `±hh:mm`.
fn scan_offset(input: &[char], pos: &mut usize) -> Option<Tz> {
    let sign: i64 = match input.get(*pos)? {
        'Z' => {
            *pos += 1;
            return Some(Tz::Z);
        }
        '+' => 1,
        '-' => -1,
        _ => return None,
    };
    *pos += 1;
    let hours = scan_digits(input, pos, 2, 2)?;
    if input.get(*pos) == Some(&':') {
        *pos += 1;
    }
    let minutes = if input.get(*pos).is_some_and(char::is_ascii_digit) {
        scan_digits(input, pos, 2, 2)?
    } else {
        0
    };
    if minutes > 59 {
        return None;
    }
    let tz = Tz::Offset(i16::try_from(sign * (hours * 60 + minutes)).ok()?);
    tz.is_valid().then_some(tz)
}

fn is_format_code(c: char) -> bool {
    matches!(
        c,
        'y' | 'M' | 'd' | 'h' | 'H' | 'm' | 's' | 'S' | 'a' | 'z' | 'Z'
    )
}

/// Matches `input` against a format template; `None` when the template
/// uses an unsupported code (`z`, `y`, `yyy`, …), repeats a field, or the
/// input does not match completely.
fn scan_with_format(input: &str, format: &str) -> Option<Scanned> {
    let fmt: Vec<char> = format.chars().collect();
    let inp: Vec<char> = input.chars().collect();
    let mut out = Scanned::default();
    let (mut i, mut j) = (0usize, 0usize);
    while let Some(&c) = fmt.get(i) {
        if !is_format_code(c) {
            if inp.get(j) != Some(&c) {
                return None;
            }
            i += 1;
            j += 1;
            continue;
        }
        let mut n = 1;
        while fmt.get(i + n) == Some(&c) {
            n += 1;
        }
        i += n;
        let (min, max) = if n == 1 { (1, 2) } else { (2, 2) };
        match (c, n) {
            ('y', 4) => set_once(&mut out.year, scan_digits(&inp, &mut j, 4, 4)?)?,
            ('y', 2) => {
                let yy = scan_digits(&inp, &mut j, 2, 2)?;
                set_once(&mut out.year, if yy < 50 { 2000 + yy } else { 1900 + yy })?;
            }
            ('M', 1 | 2) => set_once(&mut out.month, scan_digits(&inp, &mut j, min, max)?)?,
            ('M', 3 | 4) => set_once(&mut out.month, scan_month_name(&inp, &mut j, n == 3)?)?,
            ('d', 1 | 2) => set_once(&mut out.day, scan_digits(&inp, &mut j, min, max)?)?,
            ('H' | 'h', 1 | 2) => {
                set_once(&mut out.hour, scan_digits(&inp, &mut j, min, max)?)?;
                out.hour_is_12 = c == 'h';
            }
            ('m', 1 | 2) => set_once(&mut out.minute, scan_digits(&inp, &mut j, min, max)?)?,
            ('s', 1 | 2) => set_once(&mut out.second, scan_digits(&inp, &mut j, min, max)?)?,
            ('S', _) => {
                let mut millis = 0i64;
                for k in 0..n {
                    let d = inp.get(j + k)?.to_digit(10)?;
                    if k < 3 {
                        millis = millis * 10 + i64::from(d);
                    }
                }
                for _ in n..3 {
                    millis *= 10;
                }
                j += n;
                set_once(&mut out.millis, millis)?;
            }
            ('a', 1 | 2) => {
                if out.pm.is_some() {
                    return None;
                }
                out.pm = Some(scan_am_pm(&inp, &mut j)?);
            }
            ('Z', 1) => {
                if out.tz.is_some() {
                    return None;
                }
                out.tz = Some(scan_offset(&inp, &mut j)?);
            }
            _ => return None,
        }
    }
    (j == inp.len()).then_some(out)
}

/// Builds a `DateTime` from scanned fields: each component needs the one
/// above it; the precision is the finest component present; an offset is
/// kept only with a time.
fn build_date_time(sc: &Scanned) -> Option<DateTime> {
    let chain = [
        sc.year, sc.month, sc.day, sc.hour, sc.minute, sc.second, sc.millis,
    ];
    let present = chain.iter().take_while(|f| f.is_some()).count();
    if present == 0 || chain.iter().skip(present).any(Option::is_some) {
        return None;
    }
    let precision = [
        Precision::Year,
        Precision::Month,
        Precision::Day,
        Precision::Hour,
        Precision::Minute,
        Precision::Second,
        Precision::Millisecond,
    ]
    .get(present - 1)
    .copied()?;
    let mut hour = sc.hour.unwrap_or(0);
    if sc.hour.is_some() && sc.hour_is_12 {
        if !(1..=12).contains(&hour) {
            return None;
        }
        match sc.pm {
            Some(true) => hour = hour % 12 + 12,
            Some(false) => hour %= 12,
            None => {}
        }
    }
    let dt = DateTime {
        year: u16::try_from(sc.year?).ok()?,
        month: u8::try_from(sc.month.unwrap_or(1)).ok()?,
        day: u8::try_from(sc.day.unwrap_or(1)).ok()?,
        hour: u8::try_from(hour).ok()?,
        minute: u8::try_from(sc.minute.unwrap_or(0)).ok()?,
        second: u8::try_from(sc.second.unwrap_or(0)).ok()?,
        millis: u16::try_from(sc.millis.unwrap_or(0)).ok()?,
        precision,
        tz: sc.tz.filter(|_| precision >= Precision::Hour),
    };
    dt.is_valid().then_some(dt)
}

/// `toDate(format)` / `convertsToDate(format)` on a string (5.5.4, STU
/// format codes): parses `s` with the template `format` and keeps the date
/// part. Supported codes: `yyyy`, `yy` (00–49 → 20xx, 50–99 → 19xx), `M`,
/// `MM`, `MMM`/`MMMM` (English month names, any case), `d`, `dd`, `H`, `HH`,
/// `h`, `hh` (with `a`: `AM`/`PM`/`A`/`P`), `m`, `mm`, `s`, `ss`, `S…`
/// (fraction, first three digits kept), `Z` (`Z`, `±hh`, `±hhmm`,
/// `±hh:mm`); `z` (zone names) is not supported. Any other character must
/// match itself. The result is partial when the template stops early
/// (`'12-27'` with `'MM-yy'` → `@2027-12`). `None` when the template is
/// unsupported or the input does not match it exactly or names a
/// nonexistent date.
pub fn parse_date_with_format(s: &str, format: &str) -> Option<Date> {
    parse_datetime_with_format(s, format).map(|dt| dt.to_date())
}

/// `toDateTime(format)` / `convertsToDateTime(format)` on a string (5.5.5,
/// STU format codes; codes as for [`parse_date_with_format`]). The precision
/// is the finest field present (each field needs the one above it); an
/// offset (`Z` code) is kept only when the template has a time.
pub fn parse_datetime_with_format(s: &str, format: &str) -> Option<DateTime> {
    build_date_time(&scan_with_format(s, format)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn lit(s: &str) -> Temporal {
        Temporal::parse_literal(s).unwrap_or_else(|| panic!("bad literal {s}"))
    }

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap_or_else(|_| panic!("bad decimal {s}"))
    }

    /// Compares two literals the way the evaluator would (Date widened to
    /// DateTime when mixed).
    fn cmp(a: &str, b: &str) -> Option<Ordering> {
        match (lit(a), lit(b)) {
            (Temporal::Date(x), Temporal::Date(y)) => x.compare(&y),
            (Temporal::Time(x), Temporal::Time(y)) => x.compare(&y),
            (Temporal::Date(x), Temporal::DateTime(y)) => DateTime::from(x).compare(&y),
            (Temporal::DateTime(x), Temporal::Date(y)) => x.compare(&DateTime::from(y)),
            (Temporal::DateTime(x), Temporal::DateTime(y)) => x.compare(&y),
            _ => panic!("incomparable {a} {b}"),
        }
    }

    fn eq(a: &str, b: &str) -> Option<bool> {
        let r = match (lit(a), lit(b)) {
            (Temporal::Date(x), Temporal::Date(y)) => x.equals(&y),
            (Temporal::Time(x), Temporal::Time(y)) => x.equals(&y),
            _ => cmp(a, b).map(|o| o == Ordering::Equal),
        };
        assert_eq!(r, cmp(a, b).map(|o| o == Ordering::Equal), "{a} = {b}");
        r
    }

    fn equiv(a: &str, b: &str) -> bool {
        match (lit(a), lit(b)) {
            (Temporal::Date(x), Temporal::Date(y)) => x.equivalent(&y),
            (Temporal::Time(x), Temporal::Time(y)) => x.equivalent(&y),
            (Temporal::DateTime(x), Temporal::DateTime(y)) => x.equivalent(&y),
            _ => cmp(a, b) == Some(Ordering::Equal),
        }
    }

    fn op(a: &str, o: &str, b: &str) -> Option<bool> {
        let ord = cmp(a, b)?;
        Some(match o {
            "<" => ord == Ordering::Less,
            "<=" => ord != Ordering::Greater,
            ">" => ord == Ordering::Greater,
            ">=" => ord != Ordering::Less,
            "=" => ord == Ordering::Equal,
            _ => panic!("bad op {o}"),
        })
    }

    fn plus(a: &str, amount: &str, unit: CalendarUnit) -> Option<String> {
        let amount = dec(amount);
        match lit(a) {
            Temporal::Date(d) => d.add(amount, unit).map(|r| r.to_literal()),
            Temporal::DateTime(d) => d.add(amount, unit).map(|r| r.to_literal()),
            Temporal::Time(t) => t.add(amount, unit).map(|r| r.to_literal()),
        }
    }

    fn boundary(a: &str, digits: Option<i64>, high: bool) -> Option<String> {
        match lit(a) {
            Temporal::Date(d) => if high {
                d.high_boundary(digits)
            } else {
                d.low_boundary(digits)
            }
            .map(|r| r.to_literal()),
            Temporal::DateTime(d) => if high {
                d.high_boundary(digits)
            } else {
                d.low_boundary(digits)
            }
            .map(|r| r.to_literal()),
            Temporal::Time(t) => if high {
                t.high_boundary(digits)
            } else {
                t.low_boundary(digits)
            }
            .map(|r| r.to_literal()),
        }
    }

    #[test]
    fn free_function_forms_match_methods() {
        let a = DateTime::parse("2012-04-15T15:00:00+02:00").expect("a");
        let b = DateTime::parse("2012-04-15T16:00:00+03:00").expect("b");
        assert_eq!(datetime_equals(&a, &b), Some(true));
        assert!(datetime_equivalent(&a, &b));
        assert_eq!(datetime_compare(&a, &b), Some(Ordering::Equal));
        let x = Time::parse("10:30").expect("x");
        let y = Time::parse("10:30:00").expect("y");
        assert_eq!(time_equals(&x, &y), None);
        assert!(!time_equivalent(&x, &y));
        assert_eq!(time_compare(&x, &y), None);
    }

    #[test]
    fn sizes_fit_in_sixteen_bytes() {
        assert!(std::mem::size_of::<Date>() <= 16);
        assert!(std::mem::size_of::<Time>() <= 16);
        assert!(std::mem::size_of::<DateTime>() <= 16);
        assert!(std::mem::size_of::<Tz>() <= 4);
    }

    #[test]
    fn literal_round_trips() {
        // Literals from testLiterals and every date/dateTime/time <output>
        // of the official suite, written back unchanged.
        let same = [
            "@2015",
            "@2015-02",
            "@2015-02-04",
            "@2015-02-04T14",
            "@2015-02-04T14:34",
            "@2015-02-04T14:34:28",
            "@2015-02-04T14:34:28.123",
            "@2015-02-04T14:34:28Z",
            "@2015-02-04T14:34:28+10:00",
            "@2015-02-04T14:34:28.123-05:30",
            "@T14",
            "@T14:34",
            "@T14:34:28",
            "@T14:34:28.123",
            "@1974-12-25",
            "@1974-01-01",
            "@1974-01-01T00:00:00.000+10:00",
            "@1973-12-25T00:00:01.000+10:00",
            "@1973-12-25T00:00:00.010+10:00",
            "@1973-12-25T00:01:00.000+10:00",
            "@1973-12-25T01:00:00.000+10:00",
            "@1973-12-26",
            "@1974-01-25",
            "@1974-12-25",
            "@T03:00:00",
            "@T01:00:00",
            "@T23:30:00",
            "@T23:00:00",
            "@1974-11-25",
            "@2014-01",
            "@2014-12",
            "@2014-01-01T08:00:00.000+14:00",
            "@2014-01-01T08:05:00.000+08:00",
            "@2014-01-01",
            "@T10:30:00.000",
            "@2014-01-01T08:00:59.999-12:00",
            "@2014-01-01T08:05:59.999-05:00",
            "@T10:30:59.999",
            "@0001-01-01",
            "@9999-12-31T23:59:59.999-14:00",
        ];
        for s in same {
            assert_eq!(lit(s).to_literal(), s, "round trip of {s}");
        }
        // Normalised forms: the partial-DateTime `T` suffix is not printed,
        // and any fraction prints as milliseconds.
        let normalised = [
            ("@2015T", "@2015"),
            ("@2015-02T", "@2015-02"),
            ("@2015-02-04T", "@2015-02-04"),
            ("@2012-04-15T15:30:31.0", "@2012-04-15T15:30:31.000"),
            ("@2012-04-15T15:30:31.1", "@2012-04-15T15:30:31.100"),
            ("@T10:30:00.12", "@T10:30:00.120"),
            (
                "@2015-02-04T14:34:28.123456789Z",
                "@2015-02-04T14:34:28.123Z",
            ),
        ];
        for (s, want) in normalised {
            assert_eq!(lit(s).to_literal(), want, "literal of {s}");
        }
        // Kinds, as testLiterals checks with is(Date) / is(DateTime) / is(Time).
        assert!(matches!(lit("@2015"), Temporal::Date(_)));
        assert!(matches!(lit("@2015T"), Temporal::DateTime(_)));
        assert!(matches!(lit("@2015-02-04T14"), Temporal::DateTime(_)));
        assert!(matches!(lit("@T14"), Temporal::Time(_)));
        // testLiteralTimeUTC / testLiteralTimeTimezoneOffset are invalid.
        assert_eq!(Temporal::parse_literal("@T14:34:28Z"), None);
        assert_eq!(Temporal::parse_literal("@T14:34:28+10:00"), None);
    }

    #[test]
    fn parses_fhir_strings() {
        let dt = DateTime::parse("2015-02-04T14:34:28.239+02:00").expect("instant");
        assert_eq!(
            (
                dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second, dt.millis
            ),
            (2015, 2, 4, 14, 34, 28, 239)
        );
        assert_eq!(dt.tz, Some(Tz::Offset(120)));
        assert_eq!(dt.precision, Precision::Millisecond);
        for (s, p) in [
            ("2015", Precision::Year),
            ("2015-02", Precision::Month),
            ("2015-02-04", Precision::Day),
            ("2015-02-04T14", Precision::Hour),
            ("2015-02-04T14:34", Precision::Minute),
            ("2015-02-04T14:34:28Z", Precision::Second),
        ] {
            assert_eq!(DateTime::parse(s).map(|d| d.precision), Some(p), "{s}");
        }
        assert_eq!(
            Date::parse("2015-02-04")
                .map(|d| d.to_fhir_string())
                .as_deref(),
            Some("2015-02-04")
        );
        assert_eq!(
            Time::parse("14:34:28")
                .map(|t| t.to_fhir_string())
                .as_deref(),
            Some("14:34:28")
        );
        assert_eq!(
            Time::parse("14").map(|t| t.precision),
            Some(Precision::Hour)
        );
        assert_eq!(Time::parse("14:34:28.123").map(|t| t.millis), Some(123));
        let invalid = [
            "",
            "0000",
            "2015-13",
            "2015-00",
            "2015-02-30",
            "2015-02-29",
            "2015-2-04",
            "2015-02-04T24:00",
            "2015-02-04T14:60",
            "2015-02-04T14:34:60",
            "2015-02-04T14:34:28.",
            "2015-02-04T14:34:28+15:00",
            "2015-02-04T14:34:28+10",
            "2015-02-04T14:34:28+10:60",
            "2015T14",
            "2015-02T14",
            "2015Z",
            "2015-02-04Z",
            "2015-02-04TZ",
            "2015-02-04T14:34:28ZZ",
            " 2015",
            "2015 ",
            "+2015",
            "20150",
            "T14",
        ];
        for s in invalid {
            assert_eq!(DateTime::parse(s), None, "datetime {s:?}");
        }
        for s in ["2015T", "2015-02-04T14", "2016-02-30", "12345"] {
            assert_eq!(Date::parse(s), None, "date {s:?}");
        }
        assert_eq!(Date::parse("2016-02-29").map(|d| d.day), Some(29));
        for s in [
            "24",
            "1",
            "14:3",
            "14:34:28Z",
            "14:34:28+10:00",
            "T14",
            "14:34:28.",
            "14:34:28.1x",
        ] {
            assert_eq!(Time::parse(s), None, "time {s:?}");
        }
    }

    #[test]
    fn to_string_forms() {
        // testToString5 and the 5.5.8 table.
        let cases = [
            ("@2014-12-14", "2014-12-14"),
            (
                "@2020-01-01T10:00:00.000+10:00",
                "2020-01-01T10:00:00.000+10:00",
            ),
            ("@2025-11-01", "2025-11-01"),
            (
                "@2015-02-04T14:34:28.123+02:00",
                "2015-02-04T14:34:28.123+02:00",
            ),
            ("@T10:30:00.000", "10:30:00.000"),
            ("@T11:45", "11:45"),
            ("@2015-02-04T14:34:28Z", "2015-02-04T14:34:28Z"),
        ];
        for (l, want) in cases {
            assert_eq!(lit(l).to_fhir_string(), want, "toString of {l}");
        }
        // testToday2 / testNow2: today() prints 10 characters, now() more.
        assert_eq!(Date::today().to_fhir_string().len(), 10);
        assert!(DateTime::now().to_fhir_string().len() > 10);
    }

    #[test]
    fn equality_equivalence_and_ordering_from_suite() {
        // (lhs, op, rhs, expected) — from testEquality, testNEquality,
        // testLessThan…testGreaterThan, testDateNotEqual… and the spec.
        let t = Some(true);
        let f = Some(false);
        let e: Option<bool> = None;
        let cases: &[(&str, &str, &str, Option<bool>)] = &[
            ("@2012-04-15", "=", "@2012-04-15", t),
            ("@2012-04-15", "=", "@2012-04-16", f),
            ("@2012-04-15", "=", "@2012-04-15T10:00:00", e),
            ("@2012-04-15T15:00:00", "=", "@2012-04-15T10:00:00", f),
            ("@2012-04-15T15:30:31", "=", "@2012-04-15T15:30:31.0", t),
            ("@2012-04-15T15:30:31", "=", "@2012-04-15T15:30:31.1", f),
            ("@2012-04-15T15:00:00Z", "=", "@2012-04-15T10:00:00", e),
            (
                "@2012-04-15T15:00:00+02:00",
                "=",
                "@2012-04-15T16:00:00+03:00",
                t,
            ),
            (
                "@2017-11-05T01:30:00.0-04:00",
                ">",
                "@2017-11-05T01:15:00.0-05:00",
                f,
            ),
            (
                "@2017-11-05T01:30:00.0-04:00",
                "<",
                "@2017-11-05T01:15:00.0-05:00",
                t,
            ),
            (
                "@2017-11-05T01:30:00.0-04:00",
                "=",
                "@2017-11-05T01:15:00.0-05:00",
                f,
            ),
            (
                "@2017-11-05T01:30:00.0-04:00",
                "=",
                "@2017-11-05T00:30:00.0-05:00",
                t,
            ),
            ("@1974-12-25", "=", "@1974-12-25T12:34:00", e),
            ("@1974-12-25", "=", "@1974-12-25T12:34:00-10:00", e),
            ("@1974-12-25", "=", "@1974-12-25T12:34:00+10:00", e),
            ("@1974-12-25", "=", "@1974-12-25T12:34:00Z", e),
            ("@2012", "=", "@2012", t),
            ("@2012", "=", "@2013", f),
            ("@2012-01", "=", "@2012", e),
            ("@2012-01-01T10:30", "=", "@2012-01-01T10:30", t),
            ("@2012-01-01T10:30", "=", "@2012-01-01T10:31", f),
            ("@2012-01-01T10:30:31", "=", "@2012-01-01T10:30", e),
            ("@2014-12-12", "<", "@2014-12-13", t),
            ("@2014-12-13T12:00:00", "<", "@2014-12-13T12:00:01", t),
            ("@T12:00:00", "<", "@T14:00:00", t),
            ("@2014-12-12", "<", "@2014-12-12", f),
            ("@2014-12-13T12:00:00", "<", "@2014-12-13T12:00:00", f),
            ("@T12:00:00", "<", "@T12:00:00", f),
            ("@2014-12-13", "<", "@2014-12-12", f),
            ("@2014-12-13T12:00:01", "<", "@2014-12-13T12:00:00", f),
            ("@T12:00:01", "<", "@T12:00:00", f),
            ("@2018-03", "<", "@2018-03-01", e),
            ("@2018-03-01T10:30", "<", "@2018-03-01T10:30:00", e),
            ("@T10:30", "<", "@T10:30:00", e),
            ("@2018-03-01T10:30:00", "<", "@2018-03-01T10:30:00.0", f),
            ("@T10:30:00", "<", "@T10:30:00.0", f),
            ("@2014-12-12", "<=", "@2014-12-13", t),
            ("@2014-12-13T12:00:00", "<=", "@2014-12-13T12:00:01", t),
            ("@T12:00:00", "<=", "@T14:00:00", t),
            ("@2014-12-12", "<=", "@2014-12-12", t),
            ("@2014-12-13", "<=", "@2014-12-12", f),
            ("@2018-03", "<=", "@2018-03-01", e),
            ("@2018-03-01T10:30", "<=", "@2018-03-01T10:30:00", e),
            ("@T10:30", "<=", "@T10:30:00", e),
            ("@2018-03-01T10:30:00", "<=", "@2018-03-01T10:30:00.0", t),
            ("@T10:30:00", "<=", "@T10:30:00.0", t),
            ("@2014-12-12", ">=", "@2014-12-13", f),
            ("@2014-12-13T12:00:00", ">=", "@2014-12-13T12:00:01", f),
            ("@T12:00:00", ">=", "@T14:00:00", f),
            ("@2014-12-12", ">=", "@2014-12-12", t),
            ("@2014-12-13T12:00:01", ">=", "@2014-12-13T12:00:00", t),
            ("@T12:00:01", ">=", "@T12:00:00", t),
            ("@2018-03", ">=", "@2018-03-01", e),
            ("@2018-03-01T10:30", ">=", "@2018-03-01T10:30:00", e),
            ("@T10:30", ">=", "@T10:30:00", e),
            ("@2018-03-01T10:30:00", ">=", "@2018-03-01T10:30:00.0", t),
            ("@T10:30:00", ">=", "@T10:30:00.0", t),
            ("@2014-12-12", ">", "@2014-12-13", f),
            ("@2014-12-13", ">", "@2014-12-12", t),
            ("@2014-12-13T12:00:01", ">", "@2014-12-13T12:00:00", t),
            ("@T12:00:01", ">", "@T12:00:00", t),
            ("@2018-03", ">", "@2018-03-01", e),
            ("@2018-03-01T10:30", ">", "@2018-03-01T10:30:00", e),
            ("@T10:30", ">", "@T10:30:00", e),
            ("@2018-03-01T10:30:00", ">", "@2018-03-01T10:30:00.0", f),
            ("@T10:30:00", ">", "@T10:30:00.0", f),
            ("@2018-03-01", ">", "@2018-01-01", t),
            ("@2018-03-01T10", ">", "@2018-03-01T10:30", e),
            ("@T10", ">", "@T10:30", e),
            (
                "@2018-01-01T16:00:00+11:00",
                "<",
                "@2018-01-01T15:00:00.0+10:00",
                f,
            ),
            (
                "@2018-01-01T16:00:00+12:00",
                "<",
                "@2018-01-01T15:00:00.0+10:00",
                t,
            ),
            (
                "@2018-01-01T16:00:00+11:00",
                "<=",
                "@2018-01-01T15:00:00.0+10:00",
                t,
            ),
            (
                "@2018-01-01T16:00:00+12:00",
                "<=",
                "@2018-01-01T15:00:00.0+10:00",
                t,
            ),
            // Mixed offset presence: decided when far apart, empty when close.
            ("@2012-04-15T15:00:00Z", "<", "@2012-04-17T10:00:00", t),
            ("@2012-04-15T15:00:00Z", "<", "@2012-04-16T04:00:00", e),
            ("@1974-12-25", "<", "@2026-02-25T14:31:39.096+11:00", t),
            ("@2026-02-25T14:31:39.096+11:00", ">", "@2026-02-25", e),
            ("@2012-04-15T15:00:00Z", "=", "@2013-04-15T15:00:00", f),
            // Z and +00:00 are the same offset.
            (
                "@2012-04-15T15:00:00Z",
                "=",
                "@2012-04-15T15:00:00+00:00",
                t,
            ),
            // Both offsets, normalised across a day boundary.
            ("@2012-04-15T23:30+14:00", "=", "@2012-04-14T21:30-12:00", t),
            ("@2012-04-15", "<", "@2012-04-15T10:00:00", e),
            ("@2012", "<", "@2012-01-01T10:00:00", e),
            ("@2011", "<", "@2012-01-01T10:00:00", t),
        ];
        for &(a, o, b, want) in cases {
            let got = if o == "=" { eq(a, b) } else { op(a, o, b) };
            assert_eq!(got, want, "{a} {o} {b}");
        }
        // testEquivalent14-18 and the §"Date/Time Equivalence" examples.
        let equivalences = [
            ("@2012-04-15", "@2012-04-15", true),
            ("@2012-04-15", "@2012-04-16", false),
            ("@2012-04-15", "@2012-04-15T10:00:00", false),
            ("@2012-04-15T15:30:31", "@2012-04-15T15:30:31.0", true),
            ("@2012-04-15T15:30:31", "@2012-04-15T15:30:31.1", false),
            ("@2012", "@2012", true),
            ("@2012", "@2013", false),
            ("@2012-01", "@2012", false),
            ("@2012-01-01T10:30", "@2012-01-01T10:30", true),
            ("@2012-01-01T10:30", "@2012-01-01T10:31", false),
            ("@2012-01-01T10:30:31", "@2012-01-01T10:30", false),
            ("@T10:30:00", "@T10:30:00.000", true),
            ("@T10:30", "@T10:30:00", false),
            ("@2012-04-15T15:00:00Z", "@2012-04-15T10:00:00", false),
        ];
        for (a, b, want) in equivalences {
            assert_eq!(equiv(a, b), want, "{a} ~ {b}");
        }
    }

    #[test]
    fn arithmetic_from_suite_and_spec() {
        use CalendarUnit as U;
        let cases: &[(&str, &str, CalendarUnit, Option<&str>)] = &[
            // testPlusDate1-22, testPlusTime1-3, testMinus5/7/8.
            ("@1973-12-25", "7", U::Day, Some("@1974-01-01")),
            ("@1973-12-25", "7.7", U::Day, Some("@1974-01-01")),
            (
                "@1973-12-25T00:00:00.000+10:00",
                "7",
                U::Day,
                Some("@1974-01-01T00:00:00.000+10:00"),
            ),
            (
                "@1973-12-25T00:00:00.000+10:00",
                "7.7",
                U::Day,
                Some("@1974-01-01T00:00:00.000+10:00"),
            ),
            (
                "@1973-12-25T00:00:00.000+10:00",
                "1",
                U::Second,
                Some("@1973-12-25T00:00:01.000+10:00"),
            ),
            (
                "@1973-12-25T00:00:00.000+10:00",
                "10",
                U::Millisecond,
                Some("@1973-12-25T00:00:00.010+10:00"),
            ),
            (
                "@1973-12-25T00:00:00.000+10:00",
                "1",
                U::Minute,
                Some("@1973-12-25T00:01:00.000+10:00"),
            ),
            (
                "@1973-12-25T00:00:00.000+10:00",
                "1",
                U::Hour,
                Some("@1973-12-25T01:00:00.000+10:00"),
            ),
            ("@1973-12-25", "1", U::Day, Some("@1973-12-26")),
            ("@1973-12-25", "1", U::Month, Some("@1974-01-25")),
            ("@1973-12-25", "1", U::Week, Some("@1974-01-01")),
            ("@1973-12-25", "1", U::Year, Some("@1974-12-25")),
            (
                "@1973-12-25T00:00:00.000+10:00",
                "0.1",
                U::Second,
                Some("@1973-12-25T00:00:00.100+10:00"),
            ),
            ("@T01:00:00", "2", U::Hour, Some("@T03:00:00")),
            ("@T23:00:00", "2", U::Hour, Some("@T01:00:00")),
            ("@T23:00:00", "50", U::Hour, Some("@T01:00:00")),
            ("@1974-12-25", "-1", U::Month, Some("@1974-11-25")),
            ("@T00:30:00", "-1", U::Hour, Some("@T23:30:00")),
            ("@T01:00:00", "-2", U::Hour, Some("@T23:00:00")),
            // §"Date/Time Arithmetic" examples.
            ("@1973-12-25", "7.9", U::Day, Some("@1974-01-01")),
            ("@2019-03-01", "24", U::Month, Some("@2021-03-01")),
            ("@2026-01-31", "1", U::Month, Some("@2026-02-28")),
            ("@2024-01-31", "1", U::Month, Some("@2024-02-29")),
            ("@2024-02-29", "1", U::Year, Some("@2025-02-28")),
            (
                "@2026-01-01T13:00:00",
                "30",
                U::Minute,
                Some("@2026-01-01T13:30:00"),
            ),
            (
                "@1973-12-25T00:00:00.000+10:00",
                "42.53",
                U::Second,
                Some("@1973-12-25T00:00:42.530+10:00"),
            ),
            ("@T23:30:00", "1", U::Hour, Some("@T00:30:00")),
            ("@T01:00:00", "48", U::Hour, Some("@T01:00:00")),
            ("@2014", "24", U::Month, Some("@2016")),
            ("@2014", "23", U::Month, Some("@2015")),
            ("@2016", "365", U::Day, Some("@2017")),
            ("@2014", "11", U::Month, Some("@2014")),
            ("@2026-02", "5", U::Week, Some("@2026-03")),
            ("@2026-02", "4", U::Week, Some("@2026-02")),
            ("@2014", "-24", U::Month, Some("@2012")),
            ("@2019-03-01", "-24", U::Month, Some("@2017-03-01")),
            ("@2014", "-1", U::Month, Some("@2014")),
            ("@2026-02", "-1", U::Day, Some("@2026-02")),
            // Finer units on partial values; partial DateTimes keep their shape.
            ("@2019-03-01", "48", U::Hour, Some("@2019-03-03")),
            ("@2019-03-01", "47", U::Hour, Some("@2019-03-02")),
            ("@2019-03-01T10", "90", U::Minute, Some("@2019-03-01T11")),
            (
                "@2019-03-01T10:00:00",
                "1500",
                U::Millisecond,
                Some("@2019-03-01T10:00:01"),
            ),
            (
                "@2019-03-01T10:00:00",
                "0.5",
                U::Second,
                Some("@2019-03-01T10:00:00"),
            ),
            ("@2014T", "23", U::Month, Some("@2015")),
            ("@T10", "90", U::Minute, Some("@T11")),
            (
                "@T10:00:00.000",
                "-0.001",
                U::Second,
                Some("@T09:59:59.999"),
            ),
            (
                "@T00:00:00.000",
                "-1",
                U::Millisecond,
                Some("@T23:59:59.999"),
            ),
            (
                "@2012-12-31T23:59:59.999Z",
                "1",
                U::Millisecond,
                Some("@2013-01-01T00:00:00.000Z"),
            ),
            (
                "@2012-03-01T00:00-05:00",
                "-1",
                U::Minute,
                Some("@2012-02-29T23:59-05:00"),
            ),
            // Errors: out of range, date units on Time.
            ("@9999-12-31T23:59:59.999+14:00", "1", U::Year, None),
            ("@9999-12-31", "1", U::Day, None),
            ("@0001-01-01", "-1", U::Day, None),
            ("@0001", "-1", U::Year, None),
            ("@2014", "100000000000000000000", U::Year, None),
            ("@T10:00", "1", U::Day, None),
            ("@T10:00", "1", U::Week, None),
            ("@T10:00", "1", U::Month, None),
            ("@T10:00", "1", U::Year, None),
        ];
        for &(a, amount, unit, want) in cases {
            assert_eq!(
                plus(a, amount, unit).as_deref(),
                want,
                "{a} + {amount} {unit:?}"
            );
        }
        // Huge cyclic amounts on Time are reduced modulo a day.
        assert_eq!(
            plus(
                "@T10:00:00.000",
                "79228162514264337593543950335",
                U::Millisecond
            )
            .as_deref(),
            Some("@T11:19:10.335")
        );
        let t = Time::parse("10:00:00.000").expect("time");
        let big = Decimal::MAX;
        assert!(t.add(big, U::Hour).is_some());
        assert!(t.add(big, U::Second).is_some());
        assert!(t.add(-big, U::Millisecond).is_some());
        // 24 h * k wraps to the same time.
        assert_eq!(t.add(dec("2400000"), U::Hour), Some(t));
    }

    #[test]
    fn boundaries_from_suite_and_spec() {
        let cases: &[(&str, Option<i64>, bool, Option<&str>)] = &[
            // LowBoundary / HighBoundary groups.
            ("@2014", Some(6), false, Some("@2014-01")),
            (
                "@2014-01-01T08",
                Some(17),
                false,
                Some("@2014-01-01T08:00:00.000+14:00"),
            ),
            (
                "@2014-01-01T08:05+08:00",
                Some(17),
                false,
                Some("@2014-01-01T08:05:00.000+08:00"),
            ),
            ("@2014-01-01T08", Some(8), false, Some("@2014-01-01")),
            ("@T10:30", Some(9), false, Some("@T10:30:00.000")),
            ("@2014", Some(6), true, Some("@2014-12")),
            (
                "@2014-01-01T08",
                Some(17),
                true,
                Some("@2014-01-01T08:00:59.999-12:00"),
            ),
            (
                "@2014-01-01T08:05-05:00",
                Some(17),
                true,
                Some("@2014-01-01T08:05:59.999-05:00"),
            ),
            ("@T10:30", Some(9), true, Some("@T10:30:59.999")),
            // More shapes.
            ("@2014", None, false, Some("@2014-01-01")),
            ("@2014", None, true, Some("@2014-12-31")),
            ("@2016-02", None, true, Some("@2016-02-29")),
            ("@2015-02", Some(8), true, Some("@2015-02-28")),
            ("@2014-05-06", Some(4), false, Some("@2014")),
            ("@2014", Some(10), false, None),
            ("@2014", Some(5), false, None),
            ("@2014", Some(-1), false, None),
            (
                "@2014T",
                None,
                false,
                Some("@2014-01-01T00:00:00.000+14:00"),
            ),
            ("@2014T", None, true, Some("@2014-12-31T23:59:59.999-12:00")),
            ("@2014-02T", Some(10), true, Some("@2014-02-28T23-12:00")),
            (
                "@2014-02T",
                Some(12),
                false,
                Some("@2014-02-01T00:00+14:00"),
            ),
            (
                "@2014-01-01T08:05:30.123Z",
                Some(12),
                true,
                Some("@2014-01-01T08:05Z"),
            ),
            (
                "@2014-01-01T08:05:30.123Z",
                None,
                true,
                Some("@2014-01-01T08:05:30.123Z"),
            ),
            (
                "@2014-01-01T08:05:30Z",
                Some(17),
                true,
                Some("@2014-01-01T08:05:30.999Z"),
            ),
            ("@2014-01-01T08:05:30Z", Some(6), true, Some("@2014-01")),
            (
                "@2014-01-01T08:05",
                Some(14),
                false,
                Some("@2014-01-01T08:05:00+14:00"),
            ),
            ("@2014-01-01", Some(18), false, None),
            (
                "@9999-12-31T23:59:59.999",
                None,
                true,
                Some("@9999-12-31T23:59:59.999-12:00"),
            ),
            ("@T10", None, true, Some("@T10:59:59.999")),
            ("@T10", Some(4), true, Some("@T10:59")),
            ("@T10", Some(6), false, Some("@T10:00:00")),
            ("@T10:30:15.250", Some(2), true, Some("@T10")),
            ("@T10:30", Some(17), true, None),
            ("@T10:30", Some(3), true, None),
        ];
        for &(a, digits, high, want) in cases {
            assert_eq!(
                boundary(a, digits, high).as_deref(),
                want,
                "{a} high={high} {digits:?}"
            );
        }
        // testPeriodInvariantNew: start.lowBoundary() < end.highBoundary().
        let start = DateTime::parse("2001-05-06")
            .and_then(|d| d.low_boundary(None))
            .expect("low");
        let end = DateTime::parse("2001-05-06T10:10:10Z")
            .and_then(|d| d.high_boundary(None))
            .expect("high");
        assert_eq!(start.compare(&end), Some(Ordering::Less));
        // testPeriodInvariantOld: start <= end is empty (different precisions).
        let s = DateTime::parse("2001-05-06").expect("start");
        let e = DateTime::parse("2001-05-06T10:10:10Z").expect("end");
        assert_eq!(s.compare(&e), None);
    }

    #[test]
    fn precision_and_components() {
        // Precision group and 5.10.7 examples.
        let precisions = [
            ("@2014", 4),
            ("@2014-01-05T10:30:00.000", 17),
            ("@T10:30", 4),
            ("@T10:30:00.000", 9),
            ("@2014-01", 6),
            ("@2014-01-05", 8),
            ("@2014-01-05T", 8),
            ("@2014-01-05T10", 10),
            ("@2014-01-05T10:30", 12),
            ("@2014-01-05T10:30:00", 14),
            ("@T10", 2),
            ("@T10:30:00", 6),
        ];
        for (l, want) in precisions {
            let got = match lit(l) {
                Temporal::Date(d) => d.precision_digits(),
                Temporal::DateTime(d) => d.precision_digits(),
                Temporal::Time(t) => t.precision_digits(),
            };
            assert_eq!(got, want, "{l}.precision()");
        }
        let dt = |s: &str| match lit(s) {
            Temporal::DateTime(d) => d,
            other => panic!("not a DateTime: {other:?}"),
        };
        // 5.10.8 examples.
        assert_eq!(dt("@2014-01-05T10:30:00.000").year_of(), Some(2014));
        assert_eq!(dt("@2014-01-05T10:30:00.000").month_of(), Some(1));
        assert_eq!(dt("@2014-01-05T10:30:00.000").day_of(), Some(5));
        assert_eq!(Date::parse("2012").and_then(|d| d.month_of()), None);
        assert_eq!(dt("@2012-01-01T03:30:40.002-07:00").hour_of(), Some(3));
        assert_eq!(dt("@2012-01-01T16:30:40.002-07:00").hour_of(), Some(16));
        assert_eq!(dt("@2012-01-01T12:30:40.002-07:00").minute_of(), Some(30));
        assert_eq!(dt("@2012-01-01T12:30:40.002-07:00").second_of(), Some(40));
        assert_eq!(
            dt("@2012-01-01T12:30:00.002-07:00").millisecond_of(),
            Some(2)
        );
        assert_eq!(dt("@2012-01-01T12:30:00-07:00").millisecond_of(), None);
        assert_eq!(dt("@2012-01-01T").hour_of(), None);
        let tz = |s: &str| dt(s).timezone_offset_of().map(|d| d.to_string());
        assert_eq!(
            tz("@2012-01-01T12:30:00.000-07:00").as_deref(),
            Some("-7.0")
        );
        assert_eq!(
            tz("@2012-01-01T12:30:00.000+08:45").as_deref(),
            Some("8.75")
        );
        assert_eq!(
            tz("@2012-01-01T12:30:00.000-07:30").as_deref(),
            Some("-7.5")
        );
        assert_eq!(tz("@2012-01-01T12:30:00.000Z").as_deref(), Some("0.0"));
        assert_eq!(tz("@2012-01-01T12:30:00.000"), None);
        assert_eq!(
            dt("@2012-01-01T12:30:00.000-07:00").date_of().to_literal(),
            "@2012-01-01"
        );
        assert_eq!(dt("@2012-01T").date_of().to_literal(), "@2012-01");
        assert_eq!(
            dt("@2012-01-01T12:30:00.000-07:00")
                .time_of()
                .map(|t| t.to_literal())
                .as_deref(),
            Some("@T12:30:00.000")
        );
        assert_eq!(dt("@2012-01-01T").time_of(), None);
        // toDate() on a DateTime keeps the written date (5.5.4.2 example).
        assert_eq!(
            dt("@2024-01-15T23:30:00-05:00").to_date().to_literal(),
            "@2024-01-15"
        );
        let t = Time::parse("10:30:15.250").expect("time");
        assert_eq!(
            (
                t.hour_of(),
                t.minute_of(),
                t.second_of(),
                t.millisecond_of()
            ),
            (Some(10), Some(30), Some(15), Some(250))
        );
        let t = Time::parse("10").expect("time");
        assert_eq!((t.hour_of(), t.minute_of()), (Some(10), None));
        // Date → DateTime keeps precision and adds no time.
        let d = Date::parse("2015-02").expect("date");
        assert_eq!(DateTime::from(d).to_literal(), "@2015-02");
        assert_eq!(DateTime::from(d).hour_of(), None);
    }

    #[test]
    fn duration_and_difference() {
        use CalendarUnit as U;
        let d = |s: &str| Date::parse(s).expect("date");
        // 5.11 examples.
        assert_eq!(d("2025-01-02").duration(&d("2025-01-07"), U::Week), Some(0));
        assert_eq!(d("2025-01-01").duration(&d("2025-09-01"), U::Year), Some(0));
        assert_eq!(d("2024-12-01").duration(&d("2025-09-01"), U::Year), Some(0));
        assert_eq!(
            d("2025-01-02").difference(&d("2025-01-07"), U::Week),
            Some(1)
        );
        assert_eq!(
            d("2025-01-01").difference(&d("2025-09-01"), U::Year),
            Some(0)
        );
        assert_eq!(
            d("2024-12-01").difference(&d("2025-09-01"), U::Year),
            Some(1)
        );
        // Sign, months, days.
        assert_eq!(
            d("2025-09-01").duration(&d("2024-12-01"), U::Month),
            Some(-9)
        );
        assert_eq!(
            d("2025-01-31").duration(&d("2025-02-28"), U::Month),
            Some(0)
        );
        assert_eq!(
            d("2025-01-31").difference(&d("2025-02-28"), U::Month),
            Some(1)
        );
        assert_eq!(d("2024-02-28").duration(&d("2024-03-01"), U::Day), Some(2));
        assert_eq!(
            d("2000-06-15").duration(&d("2025-06-14"), U::Year),
            Some(24)
        );
        assert_eq!(
            d("2000-06-15").duration(&d("2025-06-15"), U::Year),
            Some(25)
        );
        assert_eq!(
            d("2025-06-15").duration(&d("2000-06-16"), U::Year),
            Some(-24)
        );
        // Week boundaries: Sat → Sun crosses one, Sun → Sat none.
        assert_eq!(
            d("2025-01-04").difference(&d("2025-01-05"), U::Week),
            Some(1)
        );
        assert_eq!(
            d("2025-01-05").difference(&d("2025-01-11"), U::Week),
            Some(0)
        );
        // Precision requirements.
        assert_eq!(d("2025-01").duration(&d("2025-03-01"), U::Day), None);
        assert_eq!(d("2025-01").duration(&d("2025-03-01"), U::Month), Some(2));
        assert_eq!(d("2025-01-01").duration(&d("2025-03-01"), U::Hour), None);
        let dt = |s: &str| DateTime::parse(s).expect("datetime");
        // Hour-and-finer units normalise offsets.
        assert_eq!(
            dt("2025-01-01T10:00:00+10:00").duration(&dt("2025-01-01T10:00:00Z"), U::Hour),
            Some(10)
        );
        assert_eq!(
            dt("2025-01-01T10:00:00+10:00").difference(&dt("2025-01-01T01:00:00Z"), U::Hour),
            Some(1)
        );
        assert_eq!(
            dt("2025-01-01T10:00:00+10:00").duration(&dt("2025-01-01T10:00:00Z"), U::Day),
            Some(0)
        );
        assert_eq!(
            dt("2025-01-01T10:59:59.999").duration(&dt("2025-01-01T12:00:00.000"), U::Hour),
            Some(1)
        );
        assert_eq!(
            dt("2025-01-01T10:59:59.999").difference(&dt("2025-01-01T12:00:00.000"), U::Hour),
            Some(2)
        );
        assert_eq!(
            dt("2025-01-01T10:00:00").duration(&dt("2025-01-01T10:00:01.500"), U::Millisecond),
            None
        );
        assert_eq!(
            dt("2025-01-01T10:00:00.000").duration(&dt("2025-01-01T10:00:01.500"), U::Millisecond),
            Some(1500)
        );
        assert_eq!(
            dt("2025-01-01T10:00:00").duration(&dt("2025-01-01T10:00:01.500"), U::Second),
            Some(1)
        );
        let t = |s: &str| Time::parse(s).expect("time");
        assert_eq!(t("10:00").duration(&t("11:30"), U::Hour), Some(1));
        assert_eq!(t("10:59").difference(&t("11:00"), U::Hour), Some(1));
        assert_eq!(t("11:30").duration(&t("10:00"), U::Minute), Some(-90));
        assert_eq!(t("10").duration(&t("11:30"), U::Minute), None);
        assert_eq!(t("10:00").duration(&t("11:30"), U::Day), None);
    }

    #[test]
    fn string_conversions_and_formats() {
        // testStringYear/Month/DayConvertsToDate, …ConvertsToDateTime,
        // …ConvertsToTime, testLiteral…ToDateTime.
        for s in ["2015", "2015-02", "2015-02-04"] {
            assert!(Date::parse(s).is_some(), "{s}");
            let via_string = DateTime::parse(s).expect("datetime");
            let literal = Date::parse(s).map(DateTime::from).expect("date");
            assert_eq!(
                via_string.equals(&literal),
                Some(true),
                "'{s}'.toDateTime() = @{s}"
            );
        }
        for s in [
            "2015-02-04T14",
            "2015-02-04T14:34",
            "2015-02-04T14:34:28",
            "2015-02-04T14:34:28.123",
            "2015-02-04T14:34:28Z",
            "2015-02-04T14:34:28+10:00",
        ] {
            let via_string = DateTime::parse(s).expect("datetime");
            let Temporal::DateTime(literal) = lit(&format!("@{s}")) else {
                panic!("literal kind")
            };
            assert_eq!(
                via_string.equals(&literal),
                Some(true),
                "'{s}'.toDateTime()"
            );
        }
        for s in ["14", "14:34", "14:34:28", "14:34:28.123"] {
            assert!(Time::parse(s).is_some(), "'{s}'.convertsToTime()");
        }
        assert_eq!(Date::parse("not-a-date"), None);
        assert_eq!(DateTime::parse("not a datetime"), None);
        assert_eq!(Date::parse("2015-02-04T14:34:28"), None);

        // 5.5.4.2 / 5.5.5.1 format examples and more.
        let date = |s: &str, f: &str| parse_date_with_format(s, f).map(|d| d.to_literal());
        assert_eq!(date("150124", "ddMMyy").as_deref(), Some("@2024-01-15"));
        assert_eq!(
            date("15-01-2024", "dd-MM-yyyy").as_deref(),
            Some("@2024-01-15")
        );
        assert_eq!(date("12-27", "MM-yy").as_deref(), Some("@2027-12"));
        assert_eq!(date("12-75", "MM-yy").as_deref(), Some("@1975-12"));
        assert_eq!(date("2024", "yyyy").as_deref(), Some("@2024"));
        assert_eq!(date("5/1/2024", "d/M/yyyy").as_deref(), Some("@2024-01-05"));
        assert_eq!(
            date("15 Jan 2024", "dd MMM yyyy").as_deref(),
            Some("@2024-01-15")
        );
        assert_eq!(
            date("15 january 2024", "dd MMMM yyyy").as_deref(),
            Some("@2024-01-15")
        );
        assert_eq!(
            date("2024-01-15 10:30", "yyyy-MM-dd HH:mm").as_deref(),
            Some("@2024-01-15")
        );
        assert_eq!(date("30-02-2024", "dd-MM-yyyy"), None);
        assert_eq!(date("15-01-2024x", "dd-MM-yyyy"), None);
        assert_eq!(date("15-01", "dd-MM"), None);
        assert_eq!(date("2024-15", "yyyy-dd"), None);
        assert_eq!(date("2024", "yyy"), None);
        assert_eq!(date("2024 PST", "yyyy z"), None);
        assert_eq!(date("2024 2025", "yyyy yyyy"), None);
        let dtf = |s: &str, f: &str| parse_datetime_with_format(s, f).map(|d| d.to_literal());
        assert_eq!(
            dtf("2024-01-15 10:30:45.123 +0200", "yyyy-MM-dd HH:mm:ss.SSS Z").as_deref(),
            Some("@2024-01-15T10:30:45.123+02:00")
        );
        assert_eq!(
            dtf("2024-01-15T10:30Z", "yyyy-MM-ddTHH:mmZ").as_deref(),
            Some("@2024-01-15T10:30Z")
        );
        assert_eq!(
            dtf("01/15/2024 02:05 PM", "MM/dd/yyyy hh:mm a").as_deref(),
            Some("@2024-01-15T14:05")
        );
        assert_eq!(
            dtf("01/15/2024 12:05 am", "MM/dd/yyyy hh:mm a").as_deref(),
            Some("@2024-01-15T00:05")
        );
        assert_eq!(
            dtf("01/15/2024 12:05 P", "MM/dd/yyyy h:mm a").as_deref(),
            Some("@2024-01-15T12:05")
        );
        assert_eq!(dtf("01/15/2024 13:05 PM", "MM/dd/yyyy hh:mm a"), None);
        assert_eq!(
            dtf("2024-01-15 10:30:45.1", "yyyy-MM-dd HH:mm:ss.S").as_deref(),
            Some("@2024-01-15T10:30:45.100")
        );
        assert_eq!(
            dtf("2024-01-15 10", "yyyy-MM-dd HH").as_deref(),
            Some("@2024-01-15T10")
        );
        assert_eq!(dtf("2024-01 Z", "yyyy-MM Z").as_deref(), Some("@2024-01"));
        assert_eq!(dtf("2024-01-15 25:00", "yyyy-MM-dd HH:mm"), None);
        assert_eq!(dtf("2024-01-15 10:30 +1500", "yyyy-MM-dd HH:mm Z"), None);
        assert_eq!(dtf("10:30", "HH:mm"), None);
    }

    #[test]
    fn now_today_time_of_day() {
        let now = DateTime::now();
        assert!(now.is_valid());
        assert_eq!(now.precision, Precision::Millisecond);
        assert!(now.tz.is_some());
        // testNow1 / testToday1 / testDateTimeGreaterThanDate1.
        let birth = Date::parse("1974-12-25").expect("birthDate");
        assert_eq!(DateTime::from(birth).compare(&now), Some(Ordering::Less));
        assert_eq!(birth.compare(&Date::today()), Some(Ordering::Less));
        // testDateTimeGreaterThanDate2: now() > today() is empty.
        assert_eq!(now.compare(&DateTime::from(Date::today())), None);
        assert!(Time::time_of_day().is_valid());
        assert_eq!(Time::time_of_day().precision, Precision::Millisecond);
        // A fixed instant through from_zoned.
        let zoned = jiff::civil::date(2026, 2, 25)
            .at(14, 31, 39, 96_000_000)
            .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(11)))
            .expect("zoned");
        let dt = DateTime::from_zoned(&zoned).expect("in range");
        assert_eq!(dt.to_literal(), "@2026-02-25T14:31:39.096+11:00");
    }

    #[test]
    fn hostile_input_never_panics() {
        let mut inputs: Vec<String> = [
            "",
            "@",
            "T",
            "-",
            "9999999999999999999999999999",
            "99999-12-31",
            "2015-02-04T14:34:28.99999999999999999999999999999999999999",
            "2015-02-04T14:34:28+99:99",
            "2015-02-04T14:34:28-14:01",
            "２０１５-02-04",
            "2015-02-04T14:34:28+1０:00",
            "2015-é2",
            "🙂",
            "2015-02-04T14:34:28.123Z\u{0}",
            "0000-00-00T00:00:00.000Z",
            "2015--02",
            "2015-02-04TT14",
            "2015-02-04T14::34",
            "2015-02-04T1",
            "14:34:28.",
            "1",
            "@T",
            "@2015-02-04T14:34:28.123+10:00",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        inputs.push("9".repeat(10_000));
        inputs.push(format!("2015-02-04T14:34:28.{}", "1".repeat(100_000)));
        // Deterministic mutations of valid strings.
        let seeds = [
            "2015-02-04T14:34:28.123+10:00",
            "14:34:28.123",
            "2016-02-29",
        ];
        let alphabet = b"0123456789-:.TZ+ x";
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..3_000 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let seed = seeds[(state >> 60) as usize % seeds.len()]
                .as_bytes()
                .to_vec();
            let mut s = seed;
            let pos = (state >> 20) as usize % s.len();
            let ch = alphabet[(state >> 40) as usize % alphabet.len()];
            match (state >> 33) % 3 {
                0 => s[pos] = ch,
                1 => s.insert(pos, ch),
                _ => {
                    s.remove(pos);
                }
            }
            inputs.push(String::from_utf8(s).expect("ascii"));
        }
        let units = CalendarUnit::ALL;
        let amounts = [
            dec("1"),
            dec("-1.5"),
            Decimal::MAX,
            Decimal::MIN,
            dec("0.0001"),
        ];
        for s in &inputs {
            let date = Date::parse(s);
            let time = Time::parse(s);
            let dt = DateTime::parse(s);
            let _ = Temporal::parse_literal(s);
            let _ = Temporal::parse_literal(&format!("@{s}"));
            let _ = Tz::parse(s);
            let _ = parse_date_with_format(s, "yyyy-MM-dd");
            let _ = parse_datetime_with_format(s, s);
            let _ = parse_datetime_with_format("2015-02-04", s);
            if let Some(d) = dt {
                assert!(d.is_valid(), "{s}");
                assert_eq!(
                    DateTime::parse(&d.to_fhir_string()).map(|r| r.to_literal()),
                    Some(d.to_literal())
                );
                for &u in &units {
                    for &a in &amounts {
                        if let Some(r) = d.add(a, u) {
                            assert!(r.is_valid(), "{s} + {a} {u:?}");
                        }
                    }
                    let _ = d.duration(&d, u);
                    let _ = d.difference(&d, u);
                }
                for digits in [-1, 0, 4, 6, 8, 10, 12, 14, 17, 18, i64::MAX] {
                    for r in [d.low_boundary(Some(digits)), d.high_boundary(Some(digits))]
                        .into_iter()
                        .flatten()
                    {
                        assert!(r.is_valid(), "{s} boundary {digits}");
                    }
                }
                assert_eq!(d.compare(&d), Some(Ordering::Equal));
            }
            if let Some(d) = date {
                assert!(d.is_valid());
                for &u in &units {
                    for &a in &amounts {
                        let _ = d.add(a, u);
                    }
                }
            }
            if let Some(t) = time {
                assert!(t.is_valid());
                for &u in &units {
                    for &a in &amounts {
                        if let Some(r) = t.add(a, u) {
                            assert!(r.is_valid());
                        }
                    }
                }
            }
        }
        // Garbage structs (public fields) are refused rather than panicking.
        let garbage = DateTime {
            year: u16::MAX,
            month: 200,
            day: 255,
            hour: 99,
            minute: 99,
            second: 99,
            millis: u16::MAX,
            precision: Precision::Millisecond,
            tz: Some(Tz::Offset(i16::MIN)),
        };
        assert!(!garbage.is_valid());
        assert_eq!(garbage.add(dec("1"), CalendarUnit::Day), None);
        assert_eq!(garbage.low_boundary(None), None);
        let _ = garbage.compare(&garbage);
        let _ = garbage.to_literal();
        let _ = garbage.timezone_offset_of();
        let bad_time = Time {
            hour: 200,
            minute: 200,
            second: 200,
            millis: 5000,
            precision: Precision::Year,
        };
        assert_eq!(bad_time.add(dec("1"), CalendarUnit::Hour), None);
        let _ = bad_time.compare(&bad_time);
        let _ = bad_time.to_literal();
    }

    #[test]
    fn calendar_helpers_agree_with_jiff() {
        // Epoch-day arithmetic round-trips and matches jiff's weekday.
        for days in (-800_000..4_000_000).step_by(997) {
            let (y, m, d) = civil_from_epoch_days(days);
            assert_eq!(epoch_days(y, m, d), days);
            if (1..=9999).contains(&y) {
                let date = jiff::civil::Date::new(
                    i16::try_from(y).expect("year"),
                    i8::try_from(m).expect("month"),
                    i8::try_from(d).expect("day"),
                )
                .expect("valid");
                assert_eq!(
                    weekday_from_sunday(days),
                    i64::from(date.weekday().to_sunday_zero_offset())
                );
            }
        }
        assert_eq!(epoch_days(1, 1, 1), 0);
        assert_eq!(weekday_from_sunday(epoch_days(2025, 1, 5)), 0);
    }
}
