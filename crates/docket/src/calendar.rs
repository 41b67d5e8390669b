//! Business calendars: deadlines counted in business days or business hours, in a time zone,
//! around weekends and holidays. Pure arithmetic: no file I/O and no clock, so every answer
//! follows from the arguments alone and a replayed case log gets the same deadlines.
//!
//! # Days are local dates
//!
//! Everything is computed on the local date and wall-clock time in the calendar's `zone`; a
//! "day" is a local date. Instants go in and come out as UTC. Examples below use Europe/London
//! with a Saturday–Sunday weekend; in 2026 its clocks go forward on Sunday 29 March (01:00 GMT
//! becomes 02:00 BST) and back on Sunday 25 October (02:00 BST becomes 01:00 GMT).
//!
//! # Wall times that do not exist, or exist twice
//!
//! Whenever a result is "date D at wall time W":
//! - if W does not exist on D because the clocks jump over it, the result is the first instant
//!   after the gap, i.e. the gap's end: 01:30 on 2026-03-29 in London gives 02:00 BST
//!   (01:00 UTC), not 02:30;
//! - if W happens twice because the clocks go back, the result is the earlier of the two:
//!   01:30 on 2026-10-25 gives 01:30 BST (00:30 UTC), not 01:30 GMT.
//!
//! # Business days
//!
//! A business day is a date that is neither a weekend day nor a holiday.
//! [`Calendar::add_business_days`]`(t, n)`:
//! - If t's local date is a business day, the result is the local date n business days later at
//!   t's local time of day, and n = 0 gives t itself. Friday 2026-03-27 10:00 GMT plus 1 is
//!   Monday 2026-03-30 10:00 BST: the wall time is kept across the clock change.
//! - If t's local date is not a business day (weekend or holiday), counting starts at 00:00 of
//!   the next business day, and the result is 00:00 of the business day that follows n business
//!   days from there: in business terms, the end of the n-th business day after t. Saturday
//!   2026-03-21 10:00 plus 3 counts Monday, Tuesday, Wednesday and gives Thursday 2026-03-26
//!   00:00; plus 0 gives Monday 2026-03-23 00:00. When the n-th business day is followed by a
//!   weekend or holiday, the result is 00:00 of the business day after that: Saturday
//!   2026-03-21 plus 5 counts Monday to Friday and gives Monday 2026-03-30 00:00 BST.
//!
//! # Holiday data has limits
//!
//! `covers` says which dates the holiday list speaks for. A date outside it is still a weekend
//! day if its weekday is a weekend day, and is otherwise treated as a working day, because the
//! calendar cannot know better. Every computation reports in [`Counted::beyond`] the first date
//! outside `covers` whose business-day-ness it had to decide (each date stepped over or landed
//! on, t's own date included), so the caller can warn that the deadline may be wrong. With data
//! for 2026, Thursday 2026-12-31 10:00 plus 2 business days steps over Friday 2027-01-01
//! (treated as a working day), skips the weekend, lands on Monday 2027-01-04 10:00, and reports
//! `beyond = 2027-01-01`. With `covers = None` (no holiday data at all) nothing is ever beyond.
//!
//! # Business hours
//!
//! [`Calendar::add_business_hours`]`(t, seconds)` counts real seconds that lie within
//! [open, close) local on business days. If t is outside business time, counting starts at the
//! next opening. Consuming exactly up to close ends at close: with hours 09:00–17:00, 2 hours
//! from Monday 15:00 is Monday 17:00, and 3 hours is Tuesday 10:00. Zero seconds gives t if t is
//! within business time, else the next opening (from 17:00, which is not within [09:00, 17:00),
//! that is the next business day's 09:00). The window is the wall-clock [open, close) of each
//! day, so on the rare business day with a clock change inside its hours the window is an hour
//! shorter or longer in real time: hours 00:00–08:00 on 2026-03-29 in London hold 7 real hours,
//! on 2026-10-25 they hold 9. The computation moves a whole business day at a time, so its cost
//! grows with the number of days spanned, not with the seconds.
//!
//! # Local days and the ends of a day
//!
//! - [`Calendar::add_local_days`]`(t, n)`: the same wall time n local dates later (n may be
//!   negative; n = 0 gives t itself): Saturday 2026-03-28 01:30 GMT plus 1 gives 2026-03-29
//!   02:00 BST, the gap's end.
//! - [`Calendar::start_of_day`]: the first instant of t's local date: 00:00, or the gap's end
//!   when midnight is skipped (Havana, 2026-03-08, starts at 01:00 CDT).
//! - [`Calendar::end_of_day`]: the last whole second of t's local date, i.e. the start of the
//!   next local date minus one second: 23:59:59 on a normal day, and also on 2026-03-29
//!   (23:59:59 BST, 23 hours after its start) and 2026-10-25 (23:59:59 GMT, 25 hours after).
//! - [`Calendar::at_time`]: t's local date at a wall time, with the gap and repeat rules above.
//!
//! # When there is no answer
//!
//! Every function that returns an `Option` returns `None` when the arithmetic leaves chrono's
//! representable range. The business-day and business-hour functions also return `None` when no
//! business day is found within [`SEARCH_DAYS`] consecutive days (a calendar whose every day is
//! a weekend day, or a holiday list that closes four years in a row), so they never loop forever.
//!
//! # Holiday files
//!
//! [`parse_holidays`] reads the TOML format described in `calendars/README.md`:
//! `name`, `first`, `last`, and `[[holidays]]` tables of `date` and `name`.

use chrono::{
    DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat, TimeDelta, TimeZone, Utc, Weekday,
};
use chrono_tz::{GapInfo, Tz};
use std::collections::BTreeMap;
use std::ops::Range;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// How many consecutive days are searched for the next business day before giving up. Four
/// years is far more than any real run of weekends and holidays, and small enough that a
/// calendar with no business days at all answers `None` at once instead of hanging.
pub const SEARCH_DAYS: u32 = 366 * 4;

/// The most real time one day's business window can hold: a wall-clock day is under 24 hours and
/// no clock change in the time-zone database moves the clock by more than a day. Used only to
/// see at once that a count of seconds cannot fit before chrono's last date.
const MAX_WINDOW_SECONDS: i64 = 48 * 3600;

/// A business calendar: a zone, weekend days, holidays with the range the data covers, and
/// optional business hours. A policy names one and counts its deadlines with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    /// The policy's name for it, e.g. "uk", so messages can say which calendar was used.
    pub name: String,
    /// The zone whose local dates and wall times the counting uses.
    pub zone: Tz,
    /// Which weekdays are not worked, indexed by `Weekday::num_days_from_monday()`.
    pub weekend: [bool; 7],
    /// Holidays: date to holiday name, the name kept for explanations.
    pub holidays: BTreeMap<NaiveDate, String>,
    /// The first and last date (inclusive) the holiday data speaks for; `None` means there is
    /// no holiday data (weekends only) and so no limit to warn about.
    pub covers: Option<(NaiveDate, NaiveDate)>,
    /// Business hours `[open, close)` in wall-clock time, `open < close`; `None` when the
    /// calendar counts only whole days.
    pub hours: Option<(NaiveTime, NaiveTime)>,
}

/// An instant computed by a calendar, with the first date the computation needed that lies
/// beyond the holiday data. Such a date was treated as a working day unless it is a weekend
/// day, so the caller should warn that the instant may be wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    /// The instant.
    pub at: DateTime<Utc>,
    /// The first date outside the calendar's `covers` that the computation had to decide on.
    pub beyond: Option<NaiveDate>,
}

/// Decides dates as business days or not, remembering the first one outside the holiday data,
/// so that every counting function reports `beyond` the same way.
struct Days<'a> {
    cal: &'a Calendar,
    beyond: Option<NaiveDate>,
}

impl<'a> Days<'a> {
    fn new(cal: &'a Calendar) -> Self {
        Days { cal, beyond: None }
    }

    /// Whether `d` is a business day, noting `d` if the holiday data does not cover it.
    fn is_business(&mut self, d: NaiveDate) -> bool {
        if self.beyond.is_none() && !self.cal.is_covered(d) {
            self.beyond = Some(d);
        }
        self.cal.is_business_day(d)
    }

    /// The first business day after `d`, within [`SEARCH_DAYS`].
    fn next_business(&mut self, d: NaiveDate) -> Option<NaiveDate> {
        let mut day = d;
        for _ in 0..SEARCH_DAYS {
            day = day.succ_opt()?;
            if self.is_business(day) {
                return Some(day);
            }
        }
        None
    }

    /// The business day `n` business days after the business day `d`.
    fn skip(&mut self, d: NaiveDate, n: u32) -> Option<NaiveDate> {
        let mut day = d;
        for _ in 0..n {
            day = self.next_business(day)?;
        }
        Some(day)
    }

    fn counted(&self, at: DateTime<Utc>) -> Counted {
        Counted { at, beyond: self.beyond }
    }
}

/// Whether `n` more days after `d` would pass chrono's last date, so a count can stop at once
/// instead of walking there.
fn past_last_date(d: NaiveDate, n: i64) -> bool {
    NaiveDate::MAX.signed_duration_since(d).num_days() < n
}

impl Calendar {
    /// A calendar with a Saturday–Sunday weekend, no holidays and no business hours: the common
    /// starting point, to which a policy adds holidays and hours.
    pub fn new(name: &str, zone: Tz) -> Calendar {
        let mut weekend = [false; 7];
        weekend[Weekday::Sat.num_days_from_monday() as usize] = true;
        weekend[Weekday::Sun.num_days_from_monday() as usize] = true;
        Calendar { name: name.to_string(), zone, weekend, holidays: BTreeMap::new(), covers: None, hours: None }
    }

    /// Whether `d` is worked: not a weekend day and not a holiday. A date outside `covers` has
    /// no holiday data, so it is a business day unless it is a weekend day.
    pub fn is_business_day(&self, d: NaiveDate) -> bool {
        !self.weekend[d.weekday().num_days_from_monday() as usize] && !self.holidays.contains_key(&d)
    }

    /// Whether the holiday data speaks for `d`: always when there is no holiday data (`covers`
    /// is `None`), else when `d` lies within `covers`, both ends included.
    pub fn is_covered(&self, d: NaiveDate) -> bool {
        self.covers.is_none_or(|(first, last)| first <= d && d <= last)
    }

    /// `t` plus `n` business days: the same wall time n business days later when t falls on a
    /// business day, else 00:00 of the business day after the n-th business day following t
    /// (see the module docs). `None` outside chrono's range or when no business day is found
    /// within [`SEARCH_DAYS`].
    pub fn add_business_days(&self, t: DateTime<Utc>, n: u32) -> Option<Counted> {
        let local = self.local(t)?;
        if past_last_date(local.date(), i64::from(n)) {
            return None;
        }
        let mut days = Days::new(self);
        if days.is_business(local.date()) {
            if n == 0 {
                return Some(days.counted(t));
            }
            let date = days.skip(local.date(), n)?;
            return Some(days.counted(self.resolve(date.and_time(local.time()))?));
        }
        let first = days.next_business(local.date())?;
        let date = days.skip(first, n)?;
        Some(days.counted(self.resolve(date.and_time(NaiveTime::MIN))?))
    }

    /// `t` plus `seconds` of business time, counted only within the business hours of business
    /// days (see the module docs). `None` when the calendar has no hours or hours that do not
    /// open before they close (no time would ever pass), when `seconds` is negative, outside
    /// chrono's range, or when no business day is found within [`SEARCH_DAYS`].
    pub fn add_business_hours(&self, t: DateTime<Utc>, seconds: i64) -> Option<Counted> {
        let (open, close) = self.hours?;
        if seconds < 0 || open >= close {
            return None;
        }
        let mut days = Days::new(self);
        let (mut day, mut cursor) = self.first_business_moment(&mut days, t, open, close)?;
        let mut left = seconds;
        loop {
            if past_last_date(day, left / MAX_WINDOW_SECONDS) {
                return None;
            }
            let end = self.resolve(day.and_time(close))?;
            let available = end.signed_duration_since(cursor).num_seconds().max(0);
            if left <= available {
                return Some(days.counted(cursor.checked_add_signed(TimeDelta::try_seconds(left)?)?));
            }
            left -= available;
            day = days.next_business(day)?;
            cursor = self.resolve(day.and_time(open))?;
        }
    }

    /// Where business time counting from `t` begins: `t` itself when it is within business
    /// time, else the next opening; with the local date that window belongs to.
    fn first_business_moment(
        &self,
        days: &mut Days<'_>,
        t: DateTime<Utc>,
        open: NaiveTime,
        close: NaiveTime,
    ) -> Option<(NaiveDate, DateTime<Utc>)> {
        let date = self.local(t)?.date();
        if days.is_business(date) && t < self.resolve(date.and_time(close))? {
            return Some((date, t.max(self.resolve(date.and_time(open))?)));
        }
        let day = days.next_business(date)?;
        Some((day, self.resolve(day.and_time(open))?))
    }

    /// `t` moved by `days` local dates at the same wall time, for deadlines stated in calendar
    /// days; `days = 0` gives `t` itself. `None` outside chrono's range.
    pub fn add_local_days(&self, t: DateTime<Utc>, days: i64) -> Option<DateTime<Utc>> {
        if days == 0 {
            return Some(t);
        }
        let local = self.local(t)?;
        let date = local.date().checked_add_signed(TimeDelta::try_days(days)?)?;
        self.resolve(date.and_time(local.time()))
    }

    /// The first instant of t's local date (00:00, or the gap's end when midnight is skipped),
    /// for deadlines that start "from the beginning of the day". `None` outside chrono's range.
    pub fn start_of_day(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.resolve(self.local(t)?.date().and_time(NaiveTime::MIN))
    }

    /// The last whole second of t's local date: the start of the next local date minus one
    /// second, for deadlines that run "until the end of the day" whatever its length. `None`
    /// outside chrono's range.
    pub fn end_of_day(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let next = self.local(t)?.date().succ_opt()?;
        self.resolve(next.and_time(NaiveTime::MIN))?.checked_sub_signed(TimeDelta::seconds(1))
    }

    /// t's local date at wall time `time` (gap: the gap's end; repeated: the earlier), for
    /// deadlines such as "by 17:00 that day". `None` outside chrono's range.
    pub fn at_time(&self, t: DateTime<Utc>, time: NaiveTime) -> Option<DateTime<Utc>> {
        self.resolve(self.local(t)?.date().and_time(time))
    }

    /// `t` as RFC 3339 text with the zone's offset, to whole seconds, so a person reads the
    /// deadline as the calendar's people would: "2026-03-30T10:00:00+01:00". At the very edge of
    /// chrono's range, where the local time cannot be represented, the UTC text instead.
    pub fn local_text(&self, t: DateTime<Utc>) -> String {
        match self.local(t) {
            Some(_) => t.with_timezone(&self.zone).to_rfc3339_opts(SecondsFormat::Secs, false),
            None => t.to_rfc3339_opts(SecondsFormat::Secs, false),
        }
    }

    /// t's local wall-clock date and time; `None` when that is outside chrono's range (chrono's
    /// own `naive_local` would panic there).
    fn local(&self, t: DateTime<Utc>) -> Option<NaiveDateTime> {
        use chrono::Offset;
        let offset = self.zone.offset_from_utc_datetime(&t.naive_utc()).fix();
        t.naive_utc().checked_add_offset(offset)
    }

    /// The instant a wall time names: in a gap, the gap's end; when repeated, the earlier.
    fn resolve(&self, wall: NaiveDateTime) -> Option<DateTime<Utc>> {
        use chrono::LocalResult;
        match self.zone.from_local_datetime(&wall) {
            LocalResult::Single(at) => Some(at.with_timezone(&Utc)),
            LocalResult::Ambiguous(a, b) => Some(a.min(b).with_timezone(&Utc)),
            LocalResult::None => Some(GapInfo::new(&wall, &self.zone)?.end?.with_timezone(&Utc)),
        }
    }
}

/// "mon" … "sun" (lowercase, three letters) to a weekday, the spelling policies use for weekend
/// days; anything else is `None` so the caller can say what is allowed.
pub fn parse_weekday(s: &str) -> Option<Weekday> {
    match s {
        "mon" => Some(Weekday::Mon),
        "tue" => Some(Weekday::Tue),
        "wed" => Some(Weekday::Wed),
        "thu" => Some(Weekday::Thu),
        "fri" => Some(Weekday::Fri),
        "sat" => Some(Weekday::Sat),
        "sun" => Some(Weekday::Sun),
        _ => None,
    }
}

/// A parsed holiday data file: what a calendar's `holidays` and `covers` are made from.
#[derive(Debug, Clone, PartialEq)]
pub struct HolidayFile {
    /// What the holidays are, e.g. "England and Wales bank holidays".
    pub name: String,
    /// The first date the data speaks for.
    pub first: NaiveDate,
    /// The last date the data speaks for (inclusive).
    pub last: NaiveDate,
    /// Date to holiday name.
    pub holidays: BTreeMap<NaiveDate, String>,
}

/// What is wrong with a holiday file, with a 1-based line and column (in characters), so the
/// person editing it can go straight there. Something missing points where it belongs: the
/// start of the file for a top-level key, the `[[holidays]]` table for a holiday's key.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct HolidayError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What was expected, in plain words.
    pub message: String,
}

/// The keys a holiday file may have at the top, as the error for an unknown key lists them.
const FILE_KEYS: &[&str] = &["name", "first", "last", "holidays"];
/// The keys a `[[holidays]]` table may have.
const HOLIDAY_KEYS: &[&str] = &["date", "name"];

type Table<'i> = DeTable<'i>;
type Value<'i> = Spanned<DeValue<'i>>;

/// Reads one holiday file's text, keeping spans so every error can point at its place.
struct Reader<'t> {
    text: &'t str,
}

impl Reader<'_> {
    fn error(&self, span: Range<usize>, message: impl Into<String>) -> HolidayError {
        let (line, column) = crate::span::SourceFile::new("", self.text).line_col(span.start);
        HolidayError { line, column, message: message.into() }
    }

    /// The first key in file order that is not allowed, as an error listing the allowed ones.
    fn unknown_keys(&self, table: &Table<'_>, allowed: &[&str], what: &str, keys: &str) -> Result<(), HolidayError> {
        let unknown = table.keys().filter(|k| !allowed.contains(&k.get_ref().as_ref())).min_by_key(|k| k.span().start);
        match unknown {
            Some(k) => {
                Err(self.error(k.span(), format!("unknown key `{}` in {what}; the keys are {keys}", k.get_ref())))
            }
            None => Ok(()),
        }
    }

    fn string(&self, value: &Value<'_>, message: &str) -> Result<String, HolidayError> {
        match value.get_ref() {
            DeValue::String(s) => Ok(s.to_string()),
            other => Err(self.error(value.span(), format!("{message}, not {}", kind(other)))),
        }
    }

    fn date(&self, value: &Value<'_>, message: &str) -> Result<NaiveDate, HolidayError> {
        let DeValue::Datetime(dt) = value.get_ref() else {
            return Err(self.error(value.span(), format!("{message}, not {}", kind(value.get_ref()))));
        };
        let (Some(date), None, None) = (dt.date, dt.time, dt.offset) else {
            return Err(self.error(value.span(), format!("{message}, not {}", kind(value.get_ref()))));
        };
        // toml has already checked the day against the month; chrono agrees on every such date.
        NaiveDate::from_ymd_opt(i32::from(date.year), u32::from(date.month), u32::from(date.day))
            .ok_or_else(|| self.error(value.span(), message))
    }

    fn file(&self, root: &Table<'_>) -> Result<HolidayFile, HolidayError> {
        self.unknown_keys(root, FILE_KEYS, "a holiday file", "`name`, `first`, `last` and `[[holidays]]`")?;
        let missing = |m: &str| self.error(0..0, m);
        let name = root.get("name").ok_or_else(|| {
            missing(
                "a holiday file needs a `name` saying what the holidays are, \
                 such as name = \"England and Wales bank holidays\"",
            )
        })?;
        let name = self.string(name, "`name` must be a string such as \"England and Wales bank holidays\"")?;
        let first = root.get("first").ok_or_else(|| {
            missing("a holiday file needs `first`, the first date its data speaks for, such as first = 2025-01-01")
        })?;
        let first_date = self.date(first, "`first` must be a date such as 2025-01-01")?;
        let last = root.get("last").ok_or_else(|| {
            missing("a holiday file needs `last`, the last date its data speaks for, such as last = 2030-12-31")
        })?;
        let last_date = self.date(last, "`last` must be a date such as 2030-12-31")?;
        if first_date > last_date {
            return Err(self.error(
                last.span(),
                format!("`last` ({last_date}) is before `first` ({first_date}); the data runs from `first` to `last`"),
            ));
        }
        let holidays = match root.get("holidays") {
            None => BTreeMap::new(),
            Some(list) => self.holidays(list, first_date, last_date)?,
        };
        Ok(HolidayFile { name, first: first_date, last: last_date, holidays })
    }

    fn holidays(
        &self,
        list: &Value<'_>,
        first: NaiveDate,
        last: NaiveDate,
    ) -> Result<BTreeMap<NaiveDate, String>, HolidayError> {
        const NOT_A_LIST: &str = "`holidays` must be a list of [[holidays]] tables, each with a `date` and a `name`";
        let DeValue::Array(items) = list.get_ref() else {
            return Err(self.error(list.span(), NOT_A_LIST));
        };
        let mut out: BTreeMap<NaiveDate, (String, usize)> = BTreeMap::new();
        for item in items.iter() {
            let DeValue::Table(table) = item.get_ref() else {
                return Err(self.error(item.span(), NOT_A_LIST));
            };
            let (date, name, span) = self.holiday(table, item.span())?;
            if date < first || date > last {
                return Err(self.error(
                    span,
                    format!(
                        "holiday {date} is outside the dates this file covers, {first} to {last}; \
                         change `first` or `last`, or remove it"
                    ),
                ));
            }
            if let Some((earlier, at)) = out.get(&date) {
                let (line, _) = crate::span::SourceFile::new("", self.text).line_col(*at);
                return Err(
                    self.error(span, format!("{date} is listed twice: it is already \"{earlier}\" on line {line}"))
                );
            }
            out.insert(date, (name, span.start));
        }
        Ok(out.into_iter().map(|(d, (n, _))| (d, n)).collect())
    }

    /// One `[[holidays]]` table: its date, its name, and the span of its date.
    fn holiday(&self, table: &Table<'_>, at: Range<usize>) -> Result<(NaiveDate, String, Range<usize>), HolidayError> {
        self.unknown_keys(table, HOLIDAY_KEYS, "a [[holidays]] table", "`date` and `name`")?;
        let date = table
            .get("date")
            .ok_or_else(|| self.error(at.clone(), "this holiday has no `date`; add one such as date = 2025-12-25"))?;
        let day = self.date(date, "a holiday's `date` must be a date such as 2025-12-25")?;
        let name = table
            .get("name")
            .ok_or_else(|| self.error(at, "this holiday has no `name`; add one such as name = \"Christmas Day\""))?;
        let name = self.string(name, "a holiday's `name` must be a string such as \"Christmas Day\"")?;
        Ok((day, name, date.span()))
    }
}

/// A TOML value's kind in plain words, for "must be a date, not a string".
fn kind(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) | DeValue::Float(_) => "a number",
        DeValue::Boolean(_) => "true or false",
        DeValue::Datetime(dt) if dt.date.is_none() => "a time of day",
        DeValue::Datetime(dt) if dt.time.is_none() => "a date",
        DeValue::Datetime(_) => "a date and time",
        DeValue::Array(_) => "a list",
        DeValue::Table(_) => "a table",
    }
}

/// Parse a holiday file (see `calendars/README.md`), reporting the first thing wrong with it.
/// Holiday data is checked as strictly as policy text: a mistyped key or a holiday outside the
/// covered range would otherwise silently shift a deadline.
pub fn parse_holidays(text: &str) -> Result<HolidayFile, HolidayError> {
    let reader = Reader { text };
    let doc = DeTable::parse(text).map_err(|e| {
        let message = format!("the file is not valid TOML: {}", e.message().trim_end());
        reader.error(e.span().unwrap_or(0..0), message)
    })?;
    reader.file(doc.get_ref())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use chrono_tz::America::{Havana, Los_Angeles};
    use chrono_tz::Europe::London;

    /// A UTC instant from RFC 3339 text, so expectations read like the docs.
    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    /// London, Saturday–Sunday weekend, the Early May bank holiday 2026, data for 2026.
    fn uk() -> Calendar {
        let mut cal = Calendar::new("uk", London);
        cal.holidays.insert(day("2026-05-04"), "Early May bank holiday".into());
        cal.covers = Some((day("2026-01-01"), day("2026-12-31")));
        cal
    }

    fn uk_hours() -> Calendar {
        Calendar { hours: Some((hm(9, 0), hm(17, 0))), ..uk() }
    }

    /// London with every day worked, so the Sunday clock changes fall on business days.
    fn every_day() -> Calendar {
        Calendar { weekend: [false; 7], ..Calendar::new("all", London) }
    }

    fn days(cal: &Calendar, t: &str, n: u32) -> String {
        cal.local_text(cal.add_business_days(at(t), n).unwrap().at)
    }

    fn hours(cal: &Calendar, t: &str, seconds: i64) -> String {
        cal.local_text(cal.add_business_hours(at(t), seconds).unwrap().at)
    }

    // Calendar::new, is_business_day, is_covered, parse_weekday

    #[test]
    fn new_calendar_has_a_saturday_sunday_weekend_and_nothing_else() {
        let cal = Calendar::new("uk", London);
        assert_eq!(cal.name, "uk");
        assert_eq!(cal.zone, London);
        assert_eq!(cal.weekend, [false, false, false, false, false, true, true]);
        assert!(cal.holidays.is_empty());
        assert_eq!(cal.covers, None);
        assert_eq!(cal.hours, None);
    }

    #[test]
    fn weekend_days_and_holidays_are_not_business_days() {
        let cal = uk();
        assert!(cal.is_business_day(day("2026-05-01")), "a Friday");
        assert!(!cal.is_business_day(day("2026-05-02")), "a Saturday");
        assert!(!cal.is_business_day(day("2026-05-03")), "a Sunday");
        assert!(!cal.is_business_day(day("2026-05-04")), "the Early May bank holiday");
        assert!(cal.is_business_day(day("2026-05-05")), "a Tuesday");
    }

    #[test]
    fn outside_coverage_a_weekday_is_a_business_day_and_a_weekend_day_is_not() {
        let cal = uk();
        assert!(cal.is_business_day(day("2027-01-01")), "a Friday with no data");
        assert!(!cal.is_business_day(day("2027-01-02")), "a Saturday with no data");
    }

    #[test]
    fn coverage_includes_both_ends() {
        let cal = uk();
        assert!(!cal.is_covered(day("2025-12-31")));
        assert!(cal.is_covered(day("2026-01-01")));
        assert!(cal.is_covered(day("2026-12-31")));
        assert!(!cal.is_covered(day("2027-01-01")));
    }

    #[test]
    fn without_holiday_data_every_date_is_covered() {
        let cal = Calendar::new("plain", London);
        assert!(cal.is_covered(NaiveDate::MIN));
        assert!(cal.is_covered(NaiveDate::MAX));
    }

    #[test]
    fn weekdays_parse_from_three_lowercase_letters_only() {
        let all = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        let parsed: Vec<_> = all.iter().map(|s| parse_weekday(s)).collect();
        let want = [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun];
        assert_eq!(parsed, want.map(Some));
        for bad in ["Mon", "MON", "monday", "m", "", " mon"] {
            assert_eq!(parse_weekday(bad), None, "{bad:?}");
        }
    }

    // Wall times that do not exist, or exist twice

    #[test]
    fn a_wall_time_in_the_spring_gap_gives_the_gaps_end() {
        let cal = uk();
        let t = cal.at_time(at("2026-03-29T00:10:00Z"), hm(1, 30)).unwrap();
        assert_eq!(t, at("2026-03-29T01:00:00Z"));
        assert_eq!(cal.local_text(t), "2026-03-29T02:00:00+01:00");
    }

    #[test]
    fn a_wall_time_repeated_in_autumn_gives_the_earlier_instant() {
        let cal = uk();
        let t = cal.at_time(at("2026-10-25T12:00:00Z"), hm(1, 30)).unwrap();
        assert_eq!(t, at("2026-10-25T00:30:00Z"));
        assert_eq!(cal.local_text(t), "2026-10-25T01:30:00+01:00");
    }

    #[test]
    fn at_time_uses_the_local_date_not_the_utc_date() {
        // 23:30 UTC on 29 March is already 30 March in London (BST).
        let cal = uk();
        assert_eq!(cal.at_time(at("2026-03-29T23:30:00Z"), hm(9, 0)), Some(at("2026-03-30T08:00:00Z")));
    }

    // Business days: a start on a business day

    #[test]
    fn business_days_keep_the_wall_time_within_a_week() {
        assert_eq!(days(&uk(), "2026-03-23T10:00:00Z", 3), "2026-03-26T10:00:00+00:00");
    }

    #[test]
    fn business_days_skip_the_weekend() {
        assert_eq!(days(&uk(), "2026-03-20T10:00:00Z", 1), "2026-03-23T10:00:00+00:00");
    }

    #[test]
    fn business_days_keep_the_wall_time_across_the_clock_change() {
        // The module docs' example: Friday 10:00 GMT plus 1 is Monday 10:00 BST.
        assert_eq!(days(&uk(), "2026-03-27T10:00:00Z", 1), "2026-03-30T10:00:00+01:00");
    }

    #[test]
    fn business_days_skip_a_holiday() {
        // Friday 1 May 2026 plus 1: Monday 4 May is the Early May bank holiday.
        assert_eq!(days(&uk(), "2026-05-01T09:00:00Z", 1), "2026-05-05T10:00:00+01:00");
    }

    #[test]
    fn zero_business_days_from_a_business_day_is_t_itself() {
        let t = at("2026-03-23T10:11:12.5Z");
        assert_eq!(uk().add_business_days(t, 0), Some(Counted { at: t, beyond: None }));
    }

    #[test]
    fn zero_business_days_keeps_the_later_of_two_repeated_times() {
        // 01:30 GMT on 25 October is the second 01:30 that day; n = 0 must not move it.
        let t = at("2026-10-25T01:30:00Z");
        assert_eq!(every_day().add_business_days(t, 0).unwrap().at, t);
    }

    #[test]
    fn business_days_landing_in_the_spring_gap_give_the_gaps_end() {
        assert_eq!(days(&every_day(), "2026-03-28T01:30:00Z", 1), "2026-03-29T02:00:00+01:00");
    }

    #[test]
    fn business_days_landing_on_a_repeated_time_give_the_earlier_instant() {
        let cal = every_day();
        let t = cal.add_business_days(at("2026-10-24T00:30:00Z"), 1).unwrap().at;
        assert_eq!(t, at("2026-10-25T00:30:00Z"));
        assert_eq!(cal.local_text(t), "2026-10-25T01:30:00+01:00");
    }

    // Business days: a start on a day that is not a business day

    #[test]
    fn from_a_saturday_three_business_days_end_at_thursday_midnight() {
        assert_eq!(days(&uk(), "2026-03-21T10:00:00Z", 3), "2026-03-26T00:00:00+00:00");
    }

    #[test]
    fn from_a_saturday_zero_business_days_is_mondays_midnight() {
        assert_eq!(days(&uk(), "2026-03-21T10:00:00Z", 0), "2026-03-23T00:00:00+00:00");
    }

    #[test]
    fn from_a_sunday_counting_also_starts_on_monday() {
        assert_eq!(days(&uk(), "2026-03-22T23:59:59Z", 1), "2026-03-24T00:00:00+00:00");
    }

    #[test]
    fn when_the_nth_business_day_is_a_friday_the_result_is_mondays_midnight() {
        // The module docs' example, which also crosses the clock change.
        assert_eq!(days(&uk(), "2026-03-21T10:00:00Z", 5), "2026-03-30T00:00:00+01:00");
    }

    #[test]
    fn from_a_holiday_counting_starts_the_next_business_day() {
        // Monday 4 May 2026 is a holiday: Tuesday is the first business day counted.
        assert_eq!(days(&uk(), "2026-05-04T09:00:00Z", 1), "2026-05-06T00:00:00+01:00");
        assert_eq!(days(&uk(), "2026-05-04T09:00:00Z", 0), "2026-05-05T00:00:00+01:00");
    }

    #[test]
    fn from_a_weekend_before_a_holiday_counting_starts_after_the_holiday() {
        assert_eq!(days(&uk(), "2026-05-02T09:00:00Z", 0), "2026-05-05T00:00:00+01:00");
    }

    #[test]
    fn a_midnight_result_in_a_gap_gives_the_gaps_end() {
        // Havana's clocks go from 00:00 to 01:00 on Sunday 8 March 2026; with Sunday worked
        // and Saturday not, counting from Saturday starts at Sunday's first instant.
        let mut cal = Calendar::new("cu", Havana);
        cal.weekend = [false, false, false, false, false, true, false];
        let got = cal.add_business_days(at("2026-03-07T15:00:00Z"), 0).unwrap().at;
        assert_eq!(cal.local_text(got), "2026-03-08T01:00:00-04:00");
    }

    // beyond

    #[test]
    fn beyond_names_the_first_date_past_the_data_and_weekends_still_count() {
        // Thursday 31 Dec 2026 plus 2: Friday 1 Jan 2027 is treated as a working day, the
        // weekend is skipped, and the result is Monday 4 January.
        let got = uk().add_business_days(at("2026-12-31T10:00:00Z"), 2).unwrap();
        assert_eq!(got, Counted { at: at("2027-01-04T10:00:00Z"), beyond: Some(day("2027-01-01")) });
    }

    #[test]
    fn beyond_is_not_reported_inside_the_data() {
        let got = uk().add_business_days(at("2026-12-30T10:00:00Z"), 1).unwrap();
        assert_eq!(got, Counted { at: at("2026-12-31T10:00:00Z"), beyond: None });
    }

    #[test]
    fn beyond_includes_the_start_date_itself() {
        let got = uk().add_business_days(at("2027-01-04T10:00:00Z"), 0).unwrap();
        assert_eq!(got.beyond, Some(day("2027-01-04")));
        let got = uk().add_business_days(at("2025-12-31T10:00:00Z"), 1).unwrap();
        assert_eq!(got.beyond, Some(day("2025-12-31")), "a date before `first` is beyond too");
    }

    #[test]
    fn beyond_includes_weekend_days_stepped_over() {
        // Covered to Friday 2026-12-25 only: Saturday 26th is outside and is stepped over.
        let cal = Calendar { covers: Some((day("2026-01-01"), day("2026-12-25"))), ..uk() };
        let got = cal.add_business_days(at("2026-12-25T10:00:00Z"), 1).unwrap();
        assert_eq!(got, Counted { at: at("2026-12-28T10:00:00Z"), beyond: Some(day("2026-12-26")) });
    }

    #[test]
    fn without_holiday_data_nothing_is_beyond() {
        let cal = Calendar::new("plain", London);
        assert_eq!(cal.add_business_days(at("2031-06-06T10:00:00Z"), 10).unwrap().beyond, None);
    }

    // When there is no answer

    #[test]
    fn a_calendar_with_no_business_days_answers_none_without_hanging() {
        let cal = Calendar { weekend: [true; 7], hours: Some((hm(9, 0), hm(17, 0))), ..Calendar::new("never", London) };
        assert_eq!(cal.add_business_days(at("2026-03-23T10:00:00Z"), 1), None);
        assert_eq!(cal.add_business_days(at("2026-03-23T10:00:00Z"), 0), None);
        assert_eq!(cal.add_business_days(at("2026-03-23T10:00:00Z"), u32::MAX), None);
        assert_eq!(cal.add_business_hours(at("2026-03-23T10:00:00Z"), 60), None);
    }

    #[test]
    fn four_years_of_holidays_in_a_row_answer_none() {
        let mut cal = Calendar::new("closed", London);
        let mut d = day("2026-03-24");
        for _ in 0..SEARCH_DAYS {
            cal.holidays.insert(d, "closed".into());
            d = d.succ_opt().unwrap();
        }
        assert_eq!(cal.add_business_days(at("2026-03-23T10:00:00Z"), 1), None);
        cal.holidays.remove(&d.pred_opt().unwrap());
        assert!(
            cal.add_business_days(at("2026-03-23T10:00:00Z"), 1).is_some(),
            "a business day on the last day searched"
        );
    }

    #[test]
    fn counts_past_chronos_last_date_answer_none_at_once() {
        let cal = uk_hours();
        assert_eq!(cal.add_business_days(DateTime::<Utc>::MAX_UTC, 1), None);
        assert_eq!(cal.add_business_days(at("2026-03-23T10:00:00Z"), u32::MAX), None);
        assert_eq!(cal.add_business_hours(at("2026-03-23T10:00:00Z"), i64::MAX), None);
        assert_eq!(cal.add_business_hours(DateTime::<Utc>::MAX_UTC, 1), None);
    }

    #[test]
    fn local_days_and_day_ends_past_chronos_range_answer_none() {
        let cal = Calendar::new("tokyo", chrono_tz::Asia::Tokyo);
        let max = DateTime::<Utc>::MAX_UTC;
        assert_eq!(cal.add_local_days(max, 1), None);
        assert_eq!(cal.add_local_days(at("2026-03-23T10:00:00Z"), i64::MAX), None);
        assert_eq!(cal.add_local_days(at("2026-03-23T10:00:00Z"), i64::MIN), None);
        assert_eq!(cal.end_of_day(max), None);
        assert_eq!(cal.start_of_day(max), None, "the local date is past chrono's last date");
        assert_eq!(cal.at_time(max, hm(9, 0)), None);
        let west = Calendar::new("la", Los_Angeles);
        assert_eq!(west.start_of_day(DateTime::<Utc>::MIN_UTC), None);
    }

    #[test]
    fn local_text_at_the_edge_of_chronos_range_does_not_panic() {
        let cal = Calendar::new("tokyo", chrono_tz::Asia::Tokyo);
        assert!(cal.local_text(DateTime::<Utc>::MAX_UTC).ends_with("+00:00"));
    }

    // Business hours

    #[test]
    fn business_hours_within_one_day() {
        assert_eq!(hours(&uk_hours(), "2026-03-23T10:00:00Z", 2 * 3600), "2026-03-23T12:00:00+00:00");
    }

    #[test]
    fn business_hours_consumed_exactly_up_to_close_end_at_close() {
        assert_eq!(hours(&uk_hours(), "2026-03-23T15:00:00Z", 2 * 3600), "2026-03-23T17:00:00+00:00");
    }

    #[test]
    fn business_hours_past_close_continue_at_the_next_opening() {
        assert_eq!(hours(&uk_hours(), "2026-03-23T15:00:00Z", 3 * 3600), "2026-03-24T10:00:00+00:00");
    }

    #[test]
    fn business_hours_skip_a_weekend() {
        assert_eq!(hours(&uk_hours(), "2026-03-20T16:00:00Z", 2 * 3600), "2026-03-23T10:00:00+00:00");
    }

    #[test]
    fn business_hours_skip_a_holiday() {
        // Friday 1 May 16:00 BST; Monday 4 May is a holiday.
        assert_eq!(hours(&uk_hours(), "2026-05-01T15:00:00Z", 2 * 3600), "2026-05-05T10:00:00+01:00");
    }

    #[test]
    fn business_hours_from_before_opening_start_at_opening() {
        assert_eq!(hours(&uk_hours(), "2026-03-23T07:00:00Z", 3600), "2026-03-23T10:00:00+00:00");
    }

    #[test]
    fn business_hours_from_after_closing_start_at_the_next_opening() {
        assert_eq!(hours(&uk_hours(), "2026-03-23T18:00:00Z", 3600), "2026-03-24T10:00:00+00:00");
    }

    #[test]
    fn business_hours_from_exactly_close_start_at_the_next_opening() {
        assert_eq!(hours(&uk_hours(), "2026-03-23T17:00:00Z", 3600), "2026-03-24T10:00:00+00:00");
    }

    #[test]
    fn business_hours_from_a_weekend_start_at_mondays_opening() {
        assert_eq!(hours(&uk_hours(), "2026-03-21T12:00:00Z", 3600), "2026-03-23T10:00:00+00:00");
    }

    #[test]
    fn zero_business_seconds_within_business_time_is_t() {
        let t = at("2026-03-23T10:11:12Z");
        assert_eq!(uk_hours().add_business_hours(t, 0), Some(Counted { at: t, beyond: None }));
    }

    #[test]
    fn zero_business_seconds_outside_business_time_is_the_next_opening() {
        assert_eq!(hours(&uk_hours(), "2026-03-21T12:00:00Z", 0), "2026-03-23T09:00:00+00:00");
        assert_eq!(hours(&uk_hours(), "2026-03-23T17:00:00Z", 0), "2026-03-24T09:00:00+00:00");
        assert_eq!(hours(&uk_hours(), "2026-03-23T08:59:59Z", 0), "2026-03-23T09:00:00+00:00");
    }

    #[test]
    fn business_hours_span_whole_days() {
        // Five 8-hour days from Monday's opening end at Friday's close; one more hour is the
        // next Monday, across the clock change.
        assert_eq!(hours(&uk_hours(), "2026-03-23T09:00:00Z", 40 * 3600), "2026-03-27T17:00:00+00:00");
        assert_eq!(hours(&uk_hours(), "2026-03-23T09:00:00Z", 41 * 3600), "2026-03-30T10:00:00+01:00");
    }

    #[test]
    fn business_hours_need_hours_and_a_count_that_is_not_negative() {
        assert_eq!(uk().add_business_hours(at("2026-03-23T10:00:00Z"), 60), None);
        assert_eq!(uk_hours().add_business_hours(at("2026-03-23T10:00:00Z"), -1), None);
    }

    #[test]
    fn business_hours_that_do_not_open_before_they_close_answer_none() {
        for (open, close) in [(hm(17, 0), hm(9, 0)), (hm(9, 0), hm(9, 0))] {
            let cal = Calendar { hours: Some((open, close)), ..uk() };
            assert_eq!(cal.add_business_hours(at("2026-03-23T10:00:00Z"), 60), None);
        }
    }

    #[test]
    fn a_business_window_holds_seven_real_hours_on_the_spring_change() {
        let cal = Calendar { hours: Some((hm(0, 0), hm(8, 0))), ..every_day() };
        assert_eq!(hours(&cal, "2026-03-29T00:00:00Z", 7 * 3600), "2026-03-29T08:00:00+01:00");
        assert_eq!(hours(&cal, "2026-03-29T00:00:00Z", 8 * 3600), "2026-03-30T01:00:00+01:00");
    }

    #[test]
    fn a_business_window_holds_nine_real_hours_on_the_autumn_change() {
        let cal = Calendar { hours: Some((hm(0, 0), hm(8, 0))), ..every_day() };
        assert_eq!(hours(&cal, "2026-10-24T23:00:00Z", 9 * 3600), "2026-10-25T08:00:00+00:00");
        assert_eq!(hours(&cal, "2026-10-24T23:00:00Z", 10 * 3600), "2026-10-26T01:00:00+00:00");
    }

    #[test]
    fn business_hours_report_beyond_past_the_data() {
        let got = uk_hours().add_business_hours(at("2026-12-31T16:00:00Z"), 2 * 3600).unwrap();
        assert_eq!(got, Counted { at: at("2027-01-01T10:00:00Z"), beyond: Some(day("2027-01-01")) });
        let got = uk_hours().add_business_hours(at("2026-12-30T16:00:00Z"), 2 * 3600).unwrap();
        assert_eq!(got.beyond, None);
    }

    #[test]
    fn many_business_hours_take_one_step_per_day() {
        // Ten years of 8-hour days: fast because whole days are consumed at once.
        let cal = Calendar { hours: Some((hm(9, 0), hm(17, 0))), ..Calendar::new("plain", London) };
        let got = cal.add_business_hours(at("2026-03-23T09:00:00Z"), 10 * 261 * 8 * 3600).unwrap();
        assert!(got.at > at("2036-01-01T00:00:00Z") && got.at < at("2036-04-01T00:00:00Z"), "{}", got.at);
    }

    // Local days

    #[test]
    fn local_days_keep_the_wall_time_across_the_clock_change() {
        assert_eq!(uk().add_local_days(at("2026-03-28T10:00:00Z"), 2), Some(at("2026-03-30T09:00:00Z")));
    }

    #[test]
    fn local_days_may_be_negative() {
        assert_eq!(uk().add_local_days(at("2026-03-30T09:00:00Z"), -2), Some(at("2026-03-28T10:00:00Z")));
    }

    #[test]
    fn local_days_count_weekends_and_holidays() {
        assert_eq!(uk().add_local_days(at("2026-05-01T09:00:00Z"), 3), Some(at("2026-05-04T09:00:00Z")));
    }

    #[test]
    fn zero_local_days_is_t_itself() {
        let t = at("2026-10-25T01:30:00Z");
        assert_eq!(uk().add_local_days(t, 0), Some(t));
    }

    #[test]
    fn local_days_landing_in_the_spring_gap_give_the_gaps_end() {
        let cal = uk();
        let got = cal.add_local_days(at("2026-03-28T01:30:00Z"), 1).unwrap();
        assert_eq!(cal.local_text(got), "2026-03-29T02:00:00+01:00");
    }

    #[test]
    fn local_days_landing_on_a_repeated_time_give_the_earlier_instant() {
        let cal = uk();
        let got = cal.add_local_days(at("2026-10-24T00:30:00Z"), 1).unwrap();
        assert_eq!(cal.local_text(got), "2026-10-25T01:30:00+01:00");
        let got = cal.add_local_days(at("2026-10-26T01:30:00Z"), -1).unwrap();
        assert_eq!(cal.local_text(got), "2026-10-25T01:30:00+01:00");
    }

    // Start and end of day

    #[test]
    fn start_of_day_is_local_midnight() {
        let cal = uk();
        assert_eq!(cal.start_of_day(at("2026-06-15T12:00:00Z")), Some(at("2026-06-14T23:00:00Z")));
        assert_eq!(cal.start_of_day(at("2026-01-15T12:00:00Z")), Some(at("2026-01-15T00:00:00Z")));
        assert_eq!(cal.start_of_day(at("2026-10-25T12:00:00Z")), Some(at("2026-10-24T23:00:00Z")));
    }

    #[test]
    fn start_of_a_day_whose_midnight_is_skipped_is_the_gaps_end() {
        let cal = Calendar::new("cu", Havana);
        let got = cal.start_of_day(at("2026-03-08T12:00:00Z")).unwrap();
        assert_eq!(cal.local_text(got), "2026-03-08T01:00:00-04:00");
    }

    #[test]
    fn end_of_day_is_235959_either_side_of_the_spring_change() {
        let cal = uk();
        assert_eq!(cal.local_text(cal.end_of_day(at("2026-03-28T12:00:00Z")).unwrap()), "2026-03-28T23:59:59+00:00");
        assert_eq!(cal.local_text(cal.end_of_day(at("2026-03-29T12:00:00Z")).unwrap()), "2026-03-29T23:59:59+01:00");
        assert_eq!(cal.local_text(cal.end_of_day(at("2026-03-30T12:00:00Z")).unwrap()), "2026-03-30T23:59:59+01:00");
    }

    #[test]
    fn end_of_day_is_235959_either_side_of_the_autumn_change() {
        let cal = uk();
        assert_eq!(cal.local_text(cal.end_of_day(at("2026-10-24T12:00:00Z")).unwrap()), "2026-10-24T23:59:59+01:00");
        assert_eq!(cal.local_text(cal.end_of_day(at("2026-10-25T12:00:00Z")).unwrap()), "2026-10-25T23:59:59+00:00");
        assert_eq!(cal.local_text(cal.end_of_day(at("2026-10-26T12:00:00Z")).unwrap()), "2026-10-26T23:59:59+00:00");
    }

    #[test]
    fn the_clock_change_days_last_23_and_25_hours() {
        let cal = uk();
        let length = |t: &str| {
            let t = at(t);
            cal.end_of_day(t).unwrap().signed_duration_since(cal.start_of_day(t).unwrap()).num_seconds() + 1
        };
        assert_eq!(length("2026-03-29T12:00:00Z"), 23 * 3600);
        assert_eq!(length("2026-10-25T12:00:00Z"), 25 * 3600);
        assert_eq!(length("2026-06-15T12:00:00Z"), 24 * 3600);
    }

    #[test]
    fn end_of_day_in_los_angeles() {
        let cal = Calendar::new("us", Los_Angeles);
        assert_eq!(cal.end_of_day(at("2026-01-15T20:00:00Z")), Some(at("2026-01-16T07:59:59Z")));
        assert_eq!(cal.end_of_day(at("2026-06-15T20:00:00Z")), Some(at("2026-06-16T06:59:59Z")));
        // 03:00 UTC on 16 June is still 15 June in Los Angeles.
        assert_eq!(cal.end_of_day(at("2026-06-16T03:00:00Z")), Some(at("2026-06-16T06:59:59Z")));
        // 8 March 2026, the spring change: 23 hours long, ending 23:59:59 PDT.
        assert_eq!(cal.end_of_day(at("2026-03-08T20:00:00Z")), Some(at("2026-03-09T06:59:59Z")));
        assert_eq!(cal.local_text(at("2026-03-09T06:59:59Z")), "2026-03-08T23:59:59-07:00");
    }

    #[test]
    fn end_of_the_day_before_a_skipped_midnight_is_one_second_before_the_gaps_end() {
        let cal = Calendar::new("cu", Havana);
        let got = cal.end_of_day(at("2026-03-07T12:00:00Z")).unwrap();
        assert_eq!(cal.local_text(got), "2026-03-07T23:59:59-05:00");
    }

    // local_text

    #[test]
    fn local_text_shows_the_zones_offset_to_whole_seconds() {
        assert_eq!(uk().local_text(at("2026-03-30T09:00:00.75Z")), "2026-03-30T10:00:00+01:00");
        assert_eq!(uk().local_text(at("2026-01-15T09:00:00Z")), "2026-01-15T09:00:00+00:00");
        assert_eq!(
            Calendar::new("us", Los_Angeles).local_text(at("2026-06-15T17:00:00Z")),
            "2026-06-15T10:00:00-07:00"
        );
        assert_eq!(
            Calendar::new("utc", chrono_tz::UTC).local_text(at("2026-06-15T17:00:00Z")),
            "2026-06-15T17:00:00+00:00"
        );
    }

    // Holiday files

    const HEAD: &str = "name = \"Test holidays\"\nfirst = 2025-01-01\nlast = 2025-12-31\n";

    /// The error for `text`, as (line, column, message).
    fn fails(text: &str) -> (usize, usize, String) {
        let e = parse_holidays(text).unwrap_err();
        (e.line, e.column, e.message)
    }

    #[test]
    fn a_holiday_file_parses_with_its_comments_and_coverage() {
        let text = "# England and Wales bank holidays. Source: https://www.gov.uk/bank-holidays\n\
                    name = \"England and Wales bank holidays\"\n\
                    first = 2025-01-01     # the data speaks for every date from first to last, inclusive\n\
                    last = 2030-12-31\n\n\
                    [[holidays]]\ndate = 2025-01-01\nname = \"New Year's Day\"\n\n\
                    [[holidays]]\nname = \"Good Friday\"\ndate = 2025-04-18\n";
        let file = parse_holidays(text).unwrap();
        assert_eq!(file.name, "England and Wales bank holidays");
        assert_eq!((file.first, file.last), (day("2025-01-01"), day("2030-12-31")));
        let want: BTreeMap<_, _> =
            [(day("2025-01-01"), "New Year's Day".to_string()), (day("2025-04-18"), "Good Friday".to_string())].into();
        assert_eq!(file.holidays, want);
    }

    #[test]
    fn a_holiday_file_may_list_no_holidays_and_cover_one_day() {
        let file = parse_holidays("name = \"none\"\nfirst = 2025-01-01\nlast = 2025-01-01\n").unwrap();
        assert_eq!((file.first, file.last), (day("2025-01-01"), day("2025-01-01")));
        assert!(file.holidays.is_empty());
    }

    #[test]
    fn holidays_may_be_written_as_an_inline_list() {
        let file =
            parse_holidays(&format!("{HEAD}holidays = [{{ date = 2025-12-25, name = \"Christmas Day\" }}]\n")).unwrap();
        assert_eq!(file.holidays.get(&day("2025-12-25")).map(String::as_str), Some("Christmas Day"));
    }

    #[test]
    fn text_that_is_not_toml_is_an_error_at_its_place() {
        let (line, column, message) = fails("name = \"x\"\nfirst = \n");
        assert_eq!((line, column), (2, 9));
        assert!(message.starts_with("the file is not valid TOML: "), "{message}");
    }

    #[test]
    fn a_date_that_is_not_on_the_calendar_is_a_toml_error() {
        let (line, column, message) = fails("name = \"x\"\nfirst = 2025-02-30\nlast = 2025-12-31\n");
        assert_eq!((line, column), (2, 9));
        assert!(message.starts_with("the file is not valid TOML: invalid date"), "{message}");
    }

    #[test]
    fn an_unknown_top_level_key_is_named_with_the_allowed_keys() {
        let (line, column, message) = fails(&format!("{HEAD}source = \"gov.uk\"\nzone = \"x\"\n"));
        assert_eq!((line, column), (4, 1), "the first unknown key in the file");
        assert_eq!(
            message,
            "unknown key `source` in a holiday file; the keys are `name`, `first`, `last` and `[[holidays]]`"
        );
    }

    #[test]
    fn a_missing_name_is_an_error_at_the_start() {
        let (line, column, message) = fails("first = 2025-01-01\nlast = 2025-12-31\n");
        assert_eq!((line, column), (1, 1));
        assert_eq!(
            message,
            "a holiday file needs a `name` saying what the holidays are, such as name = \"England and Wales bank holidays\""
        );
    }

    #[test]
    fn a_name_that_is_not_a_string_is_an_error() {
        let (line, column, message) = fails("name = 3\nfirst = 2025-01-01\nlast = 2025-12-31\n");
        assert_eq!((line, column), (1, 8));
        assert_eq!(message, "`name` must be a string such as \"England and Wales bank holidays\", not a number");
    }

    #[test]
    fn a_missing_first_is_an_error() {
        let (line, column, message) = fails("name = \"x\"\nlast = 2025-12-31\n");
        assert_eq!((line, column), (1, 1));
        assert_eq!(
            message,
            "a holiday file needs `first`, the first date its data speaks for, such as first = 2025-01-01"
        );
    }

    #[test]
    fn a_first_that_is_not_a_date_says_what_it_is() {
        let cases = [
            ("\"2025-01-01\"", "a string"),
            ("2025-01-01T10:00:00", "a date and time"),
            ("2025-01-01T10:00:00Z", "a date and time"),
            ("10:00:00", "a time of day"),
            ("20250101", "a number"),
            ("true", "true or false"),
            ("[2025-01-01]", "a list"),
            ("{ date = 2025-01-01 }", "a table"),
        ];
        for (value, what) in cases {
            let (line, column, message) = fails(&format!("name = \"x\"\nfirst = {value}\nlast = 2025-12-31\n"));
            assert_eq!((line, column), (2, 9), "{value}");
            assert_eq!(message, format!("`first` must be a date such as 2025-01-01, not {what}"));
        }
    }

    #[test]
    fn a_missing_last_is_an_error() {
        let (line, column, message) = fails("name = \"x\"\nfirst = 2025-01-01\n");
        assert_eq!((line, column), (1, 1));
        assert_eq!(
            message,
            "a holiday file needs `last`, the last date its data speaks for, such as last = 2030-12-31"
        );
    }

    #[test]
    fn a_last_that_is_not_a_date_is_an_error() {
        let (line, column, message) = fails("name = \"x\"\nfirst = 2025-01-01\nlast = \"soon\"\n");
        assert_eq!((line, column), (3, 8));
        assert_eq!(message, "`last` must be a date such as 2030-12-31, not a string");
    }

    #[test]
    fn first_after_last_is_an_error_at_last() {
        let (line, column, message) = fails("name = \"x\"\nfirst = 2025-01-01\nlast = 2024-12-31\n");
        assert_eq!((line, column), (3, 8));
        assert_eq!(message, "`last` (2024-12-31) is before `first` (2025-01-01); the data runs from `first` to `last`");
    }

    #[test]
    fn holidays_that_are_not_a_list_of_tables_are_an_error() {
        let want = "`holidays` must be a list of [[holidays]] tables, each with a `date` and a `name`";
        assert_eq!(fails(&format!("{HEAD}holidays = 3\n")), (4, 12, want.to_string()));
        assert_eq!(fails(&format!("{HEAD}holidays = [2025-12-25]\n")), (4, 13, want.to_string()));
        assert_eq!(fails(&format!("{HEAD}[holidays]\ndate = 2025-12-25\n")).2, want);
    }

    #[test]
    fn an_unknown_holiday_key_is_named_with_the_allowed_keys() {
        let (line, column, message) =
            fails(&format!("{HEAD}\n[[holidays]]\ndate = 2025-12-25\nname = \"Christmas Day\"\nday = 5\n"));
        assert_eq!((line, column), (8, 1));
        assert_eq!(message, "unknown key `day` in a [[holidays]] table; the keys are `date` and `name`");
    }

    #[test]
    fn a_holiday_without_a_date_is_an_error_at_its_table() {
        let (line, column, message) = fails(&format!("{HEAD}\n[[holidays]]\nname = \"Christmas Day\"\n"));
        assert_eq!((line, column), (5, 1));
        assert_eq!(message, "this holiday has no `date`; add one such as date = 2025-12-25");
    }

    #[test]
    fn a_holiday_date_that_is_not_a_date_is_an_error() {
        let (line, column, message) =
            fails(&format!("{HEAD}\n[[holidays]]\ndate = \"25 Dec\"\nname = \"Christmas Day\"\n"));
        assert_eq!((line, column), (6, 8));
        assert_eq!(message, "a holiday's `date` must be a date such as 2025-12-25, not a string");
        let (_, _, message) =
            fails(&format!("{HEAD}\n[[holidays]]\ndate = 2025-12-25T00:00:00Z\nname = \"Christmas Day\"\n"));
        assert_eq!(message, "a holiday's `date` must be a date such as 2025-12-25, not a date and time");
    }

    #[test]
    fn a_holiday_without_a_name_is_an_error_at_its_table() {
        let (line, column, message) = fails(&format!("{HEAD}\n[[holidays]]\ndate = 2025-12-25\n"));
        assert_eq!((line, column), (5, 1));
        assert_eq!(message, "this holiday has no `name`; add one such as name = \"Christmas Day\"");
    }

    #[test]
    fn a_holiday_name_that_is_not_a_string_is_an_error() {
        let (line, column, message) = fails(&format!("{HEAD}\n[[holidays]]\ndate = 2025-12-25\nname = 25\n"));
        assert_eq!((line, column), (7, 8));
        assert_eq!(message, "a holiday's `name` must be a string such as \"Christmas Day\", not a number");
    }

    #[test]
    fn a_holiday_outside_first_and_last_is_an_error() {
        for date in ["2024-12-31", "2026-01-01"] {
            let (line, column, message) = fails(&format!("{HEAD}\n[[holidays]]\ndate = {date}\nname = \"x\"\n"));
            assert_eq!((line, column), (6, 8));
            assert_eq!(
                message,
                format!(
                    "holiday {date} is outside the dates this file covers, 2025-01-01 to 2025-12-31; change `first` or `last`, or remove it"
                )
            );
        }
    }

    #[test]
    fn the_same_date_twice_is_an_error_at_the_second() {
        let text = format!(
            "{HEAD}\n[[holidays]]\ndate = 2025-12-25\nname = \"Christmas Day\"\n\n[[holidays]]\nname = \"Xmas\"\ndate = 2025-12-25\n"
        );
        let (line, column, message) = fails(&text);
        assert_eq!((line, column), (11, 8));
        assert_eq!(message, "2025-12-25 is listed twice: it is already \"Christmas Day\" on line 6");
    }

    #[test]
    fn an_error_column_counts_characters_not_bytes() {
        let (line, column, _) = fails("name = \"Fête\"; first = 2025-01-01\n");
        assert_eq!(line, 1);
        assert_eq!(column, 14, "the `;` after a four-character string");
    }

    #[test]
    fn a_holiday_error_displays_as_its_message() {
        let e = parse_holidays("name = 3\nfirst = 2025-01-01\nlast = 2025-12-31\n").unwrap_err();
        assert_eq!(e.to_string(), e.message);
    }

    // The shipped holiday files

    const UK_FILE: &str = include_str!("../../../calendars/uk-england-wales.toml");
    const US_FILE: &str = include_str!("../../../calendars/us-federal.toml");

    #[test]
    fn the_england_and_wales_file_parses_and_has_known_dates() {
        let file = parse_holidays(UK_FILE).unwrap();
        assert_eq!(file.name, "England and Wales bank holidays");
        assert_eq!((file.first, file.last), (day("2025-01-01"), day("2030-12-31")));
        assert_eq!(file.holidays.len(), 8 * 6, "eight bank holidays a year");
        let name = |d: &str| file.holidays.get(&day(d)).map(String::as_str);
        assert_eq!(name("2025-12-25"), Some("Christmas Day"));
        assert_eq!(name("2026-05-04"), Some("Early May bank holiday"));
        assert_eq!(name("2026-08-31"), Some("Summer bank holiday"));
        assert_eq!(name("2026-12-28"), Some("Boxing Day (substitute day)"));
        assert_eq!(name("2026-12-26"), None, "a Saturday: the substitute day is taken instead");
        assert_eq!(name("2027-12-27"), Some("Christmas Day (substitute day)"));
        assert_eq!(name("2028-01-03"), Some("New Year's Day (substitute day)"));
        assert_eq!(name("2030-04-19"), Some("Good Friday"));
    }

    #[test]
    fn the_us_federal_file_parses_and_has_known_dates() {
        let file = parse_holidays(US_FILE).unwrap();
        assert_eq!(file.name, "United States federal holidays");
        assert_eq!((file.first, file.last), (day("2025-01-01"), day("2030-12-31")));
        assert_eq!(file.holidays.len(), 11 * 6, "eleven holidays a year, 2028's New Year's Day observed in 2027");
        let name = |d: &str| file.holidays.get(&day(d)).map(String::as_str);
        assert_eq!(name("2025-12-25"), Some("Christmas Day"));
        assert_eq!(name("2026-07-03"), Some("Independence Day (observed)"));
        assert_eq!(name("2027-12-31"), Some("New Year's Day (observed)"));
        assert_eq!(name("2028-01-01"), None, "a Saturday: observed the Friday before");
        assert_eq!(name("2026-11-26"), Some("Thanksgiving Day"));
        assert_eq!(name("2029-11-12"), Some("Veterans Day (observed)"));
    }

    #[test]
    fn every_shipped_holiday_falls_on_a_weekday() {
        for text in [UK_FILE, US_FILE] {
            let file = parse_holidays(text).unwrap();
            for d in file.holidays.keys() {
                assert!(!matches!(d.weekday(), Weekday::Sat | Weekday::Sun), "{d} in {}", file.name);
            }
        }
    }

    #[test]
    fn a_calendar_built_from_the_uk_file_flags_dates_past_its_coverage() {
        let file = parse_holidays(UK_FILE).unwrap();
        let cal =
            Calendar { holidays: file.holidays, covers: Some((file.first, file.last)), ..Calendar::new("uk", London) };
        // Thursday 24 Dec 2026 plus 1: Christmas Friday, the weekend, then the Boxing Day substitute.
        assert_eq!(days(&cal, "2026-12-24T10:00:00Z", 1), "2026-12-29T10:00:00+00:00");
        let got = cal.add_business_days(at("2030-12-31T10:00:00Z"), 1).unwrap();
        assert_eq!(got.beyond, Some(day("2031-01-01")));
    }
}
