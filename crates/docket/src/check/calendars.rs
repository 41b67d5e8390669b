//! Calendars: a `calendar` declaration becomes a [`Calendar`], its zone, weekend, business hours
//! and holiday file checked. The holiday file is read through the checker's [`ReadFile`], so a
//! policy read from a git revision reads its holidays from the same revision.
//!
//! [`ReadFile`]: super::declare::ReadFile

use super::declare::Context;
use crate::ast::CalendarDecl;
use crate::calendar::{Calendar, parse_holidays, parse_weekday};
use crate::diag::{Diagnostic, suggest};
use chrono::NaiveTime;
use std::str::FromStr;

/// Build a declared calendar; `None` after reporting what is wrong with it.
pub fn build(cx: &mut Context, decl: &CalendarDecl) -> Option<Calendar> {
    let name = &decl.name.name;
    let zone = zone(cx, decl);
    let weekend = weekend(cx, decl);
    let hours = hours(cx, decl);
    let holidays = holidays(cx, decl);
    match (zone, weekend, hours, holidays) {
        (Some(zone), Some(weekend), Some(hours), Some(holidays)) => {
            let mut cal = Calendar::new(name, zone);
            cal.weekend = weekend;
            cal.hours = hours;
            if let Some(file) = holidays {
                cal.covers = Some((file.first, file.last));
                cal.holidays = file.holidays;
            }
            if cal.weekend.iter().all(|w| *w) {
                cx.report(
                    Diagnostic::error(
                        "E060",
                        decl.name.span,
                        format!("calendar `{name}` has no working day in the week"),
                    )
                    .with_help("list only the days off after `weekend`, such as `weekend sat, sun`"),
                );
                return None;
            }
            Some(cal)
        }
        _ => {
            cx.mark_broken(name);
            None
        }
    }
}

fn zone(cx: &mut Context, decl: &CalendarDecl) -> Option<chrono_tz::Tz> {
    let Some((text, span)) = &decl.zone else {
        cx.report(
            Diagnostic::error("E060", decl.name.span, format!("calendar `{}` has no time zone", decl.name.name))
                .with_help("say where its days begin and end: `zone \"Europe/London\"` (an IANA zone name; `UTC` too)"),
        );
        return None;
    };
    match chrono_tz::Tz::from_str(text) {
        Ok(tz) => Some(tz),
        Err(_) => {
            let names = chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name());
            let help = suggest(text, names).unwrap_or_else(|| {
                "write an IANA zone name such as \"Europe/London\", \"America/Los_Angeles\" or \"UTC\"".into()
            });
            cx.report(Diagnostic::error("E060", *span, format!("unknown time zone `{text}`")).with_help(help));
            None
        }
    }
}

fn weekend(cx: &mut Context, decl: &CalendarDecl) -> Option<[bool; 7]> {
    let Some((days, _)) = &decl.weekend else { return Some([false, false, false, false, false, true, true]) };
    let mut weekend: [Option<crate::span::Span>; 7] = [None; 7];
    for day in days {
        // The grammar admits only the seven short names.
        let wd = parse_weekday(&day.name)?;
        let i = wd.num_days_from_monday() as usize;
        if let Some(first) = weekend[i] {
            cx.report(
                Diagnostic::error("E010", day.span, format!("`{}` is listed twice", day.name))
                    .with_related(first, "first listed here")
                    .with_help("list each day off once"),
            );
            return None;
        }
        weekend[i] = Some(day.span);
    }
    Some(weekend.map(|d| d.is_some()))
}

fn hours(cx: &mut Context, decl: &CalendarDecl) -> Option<Option<(NaiveTime, NaiveTime)>> {
    let Some((open, close, span)) = &decl.hours else { return Some(None) };
    let parse = |t: &str| NaiveTime::parse_from_str(t, "%H:%M").ok();
    match (parse(open), parse(close)) {
        (Some(o), Some(c)) if o < c => Some(Some((o, c))),
        (Some(_), Some(_)) => {
            cx.report(
                Diagnostic::error("E060", *span, format!("business hours {open} to {close} end before they start"))
                    .with_help("write the opening time first, such as `hours 09:00 to 17:00`"),
            );
            None
        }
        _ => {
            cx.report(
                Diagnostic::error("E060", *span, format!("`{open} to {close}` is not a pair of times of day"))
                    .with_help("write hours and minutes from 00:00 to 23:59, such as `hours 09:00 to 17:00`"),
            );
            None
        }
    }
}

/// The holiday file, if one is named: `Some(None)` when none is, `None` after an error.
fn holidays(cx: &mut Context, decl: &CalendarDecl) -> Option<Option<crate::calendar::HolidayFile>> {
    let Some((path, span)) = &decl.holidays else { return Some(None) };
    let text = match (cx.read)(path) {
        Ok(text) => text,
        Err(reason) => {
            cx.report(
                Diagnostic::error("E060", *span, format!("cannot read the holiday file `{path}`: {reason}"))
                    .with_help("the path is relative to the policy file; the bundled files are in `calendars/`"),
            );
            return None;
        }
    };
    match parse_holidays(&text) {
        Ok(file) => Some(Some(file)),
        Err(e) => {
            cx.report(
                Diagnostic::error(
                    "E060",
                    *span,
                    format!(
                        "the holiday file `{path}` is not valid: line {}, column {}: {}",
                        e.line, e.column, e.message
                    ),
                )
                .with_help("the format is described in calendars/README.md"),
            );
            None
        }
    }
}
