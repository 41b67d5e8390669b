//! Declarations: roles, outcomes, timers, fields, actions and the status tree are entered into
//! the table, with duplicates, unknown types, bad durations and missing initial statuses reported.
//! The [`Context`] here is the checker's working state, shared by every family of checks.

use crate::ast::{self, DurationSpec, DurationTerm, DurationUnit, Policy, StatusDecl, TimerClock, TypeKind};
use crate::compile::table::*;
use crate::diag::{Diagnostic, suggest};
use crate::span::{SourceFile, Span};
use chrono::TimeDelta;
use std::cell::Cell;
use std::collections::{HashMap, HashSet};

/// The checker's working state.
pub struct Context<'a> {
    /// The file being checked.
    pub file: &'a SourceFile,
    /// The table being filled.
    pub table: TransitionTable,
    /// Problems found so far.
    pub diags: Vec<Diagnostic>,
    /// The AST node of each status.
    pub status_decls: Vec<&'a StatusDecl>,
    /// Usage marks, for the unused-name checks.
    pub field_used: Vec<bool>,
    /// Timer usage marks.
    pub timer_used: Vec<bool>,
    /// Action usage marks.
    pub action_used: Vec<bool>,
    /// Where each role, field, timer and action was declared.
    pub field_spans: Vec<Span>,
    /// Where each role was declared.
    pub role_spans: Vec<Span>,
    /// Where each timer's name was declared.
    pub timer_name_spans: Vec<Span>,
    /// Where each action's name was declared.
    pub action_name_spans: Vec<Span>,
    field_index: HashMap<String, FieldId>,
    timer_index: HashMap<String, TimerId>,
    outcome_index: HashMap<String, usize>,
    /// Each enum type by its variants, so inline enums that list the same ones share an id.
    enum_index: HashMap<Vec<String>, usize>,
    /// Each status by its parent (`None` at the top level) and its name, for resolving paths.
    status_children: HashMap<(Option<StatusId>, String), StatusId>,
    /// The first status declared with each name, wherever it is nested.
    status_by_name: HashMap<String, StatusId>,
    /// How many more "did you mean" searches this file may run; see [`Context::suggest`].
    suggestions_left: Cell<usize>,
    /// What is left of [`FILE_SUGGEST_WORK`].
    suggest_work_left: Cell<usize>,
    /// Fields and parameters whose declaration failed; see [`Context::is_broken`].
    broken_names: HashSet<String>,
    /// Reads a file a policy refers to (a calendar's holidays), by the path as written.
    pub read: ReadFile<'a>,
    /// Calendar name to id.
    calendar_index: HashMap<String, CalendarId>,
    /// Where each calendar was declared.
    pub calendar_spans: Vec<Span>,
    /// Calendar usage marks.
    pub calendar_used: Vec<bool>,
    /// Some rule could not be resolved, so the status graph is missing an edge and the
    /// reachability checks would report statuses that only look unreachable.
    pub dropped_rule: bool,
    /// Whose enum a bare variant being typed should belong to, such as "field `reason`", for
    /// naming it when the variant is not one of its (an enum's type spelled out can be long).
    pub enum_owner: Option<String>,
}

/// How the checker reads a file a policy names (a calendar's holidays): given the path as
/// written, its text or the reason it cannot be read, in words.
pub type ReadFile<'a> = &'a dyn Fn(&str) -> Result<String, String>;

/// How many unknown names in one file get a "did you mean" search. Each search weighs up to
/// [`crate::diag::MAX_CANDIDATES`] names; a real policy has a few typos, and the budget keeps a
/// generated file with thousands of them from spending seconds on suggestions.
const SUGGESTION_BUDGET: usize = 1000;

/// Characters and cells of the edit distance all of one file's suggestions may look at together:
/// a few hundred thousand in a real policy, while a generated file of a thousand misspelt
/// thousand-character names would otherwise spend seconds (each search stops at its own
/// [`crate::diag::SUGGEST_WORK`], but a thousand of them add up).
const FILE_SUGGEST_WORK: usize = 20_000_000;

impl<'a> Context<'a> {
    /// A fresh context for one file.
    pub fn new(file: &'a SourceFile, read: ReadFile<'a>) -> Self {
        Context {
            file,
            table: TransitionTable {
                name: String::new(),
                title: String::new(),
                version: None,
                effective: None,
                roles: vec![],
                enums: vec![],
                outcomes: vec![],
                calendars: vec![],
                fields: vec![],
                timers: vec![],
                actions: vec![],
                statuses: vec![],
                initial: 0,
                role_index: HashMap::new(),
                action_index: HashMap::new(),
            },
            diags: vec![],
            status_decls: vec![],
            field_used: vec![],
            timer_used: vec![],
            action_used: vec![],
            field_spans: vec![],
            role_spans: vec![],
            timer_name_spans: vec![],
            action_name_spans: vec![],
            field_index: HashMap::new(),
            timer_index: HashMap::new(),
            outcome_index: HashMap::new(),
            enum_index: HashMap::new(),
            status_children: HashMap::new(),
            status_by_name: HashMap::new(),
            suggestions_left: Cell::new(SUGGESTION_BUDGET),
            suggest_work_left: Cell::new(FILE_SUGGEST_WORK),
            broken_names: HashSet::new(),
            read,
            calendar_index: HashMap::new(),
            calendar_spans: vec![],
            calendar_used: vec![],
            dropped_rule: false,
            enum_owner: None,
        }
    }

    /// 1-based line of a byte offset.
    pub fn line(&self, offset: usize) -> usize {
        self.file.line_col(offset).0
    }

    /// Record a problem.
    pub fn report(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// Report the second declaration of a name; `what` names it, such as "field `claim`".
    fn duplicate(&mut self, what: &str, second: Span, first: Span) {
        let (line, _) = self.file.line_col(first.start);
        let (here, _) = self.file.line_col(second.start);
        let where_ = if line == here { "earlier on this line".to_string() } else { format!("on line {line}") };
        self.report(
            Diagnostic::error("E010", second, format!("{what} is declared twice"))
                .with_label("second declaration")
                .with_related(first, "first declared here")
                .with_help(format!("the first is {where_}; remove one or rename it")),
        );
    }

    /// Whether a name's declaration failed (its type is unknown, say). Its uses are then not
    /// reported as unknown: the one error at the declaration says what is wrong.
    pub fn is_broken(&self, name: &str) -> bool {
        self.broken_names.contains(name)
    }

    /// Enter every declaration of the policy.
    pub fn declare(&mut self, ast: &'a Policy) {
        self.table.name = ast.name.name.clone();
        self.table.title = ast.title.clone();
        self.table.version = ast.version.clone();
        if let Some((text, span)) = &ast.effective {
            match crate::eval::time::parse(text) {
                Some(at) => self.table.effective = Some(at),
                None => self.report(
                    Diagnostic::error("E067", *span, format!("`{text}` is not an RFC 3339 instant"))
                        .with_help("write when this version takes effect in UTC or with an offset, such as `effective 2026-06-01T00:00:00Z`"),
                ),
            }
        }
        for role in &ast.roles {
            if let Some(&id) = self.table.role_index.get(&role.name) {
                let first = self.role_spans[id];
                self.duplicate(&format!("role `{}`", role.name), role.span, first);
                continue;
            }
            self.table.role_index.insert(role.name.clone(), self.table.roles.len());
            self.table.roles.push(role.name.clone());
            self.role_spans.push(role.span);
        }
        let mut outcome_spans: Vec<Span> = Vec::new();
        for outcome in &ast.outcomes {
            if let Some(&id) = self.outcome_index.get(&outcome.name.name) {
                let first = outcome_spans[id];
                self.duplicate(&format!("outcome `{}`", outcome.name.name), outcome.name.span, first);
                continue;
            }
            outcome_spans.push(outcome.name.span);
            let amount = outcome.amount.as_ref().and_then(|t| self.resolve_type(t)).map(|(t, _)| t);
            self.outcome_index.insert(outcome.name.name.clone(), self.table.outcomes.len());
            self.table.outcomes.push(OutcomeDef { name: outcome.name.name.clone(), amount });
        }
        self.declare_calendars(ast);
        self.declare_fields(ast);
        self.declare_timers(ast);
        self.declare_actions(ast);
        self.declare_statuses(ast);
    }

    fn declare_fields(&mut self, ast: &'a Policy) {
        for field in &ast.fields {
            if let Some(&id) = self.field_index.get(&field.name.name) {
                let first = self.field_spans[id];
                self.duplicate(&format!("field `{}`", field.name.name), field.name.span, first);
                continue;
            }
            let Some((ty, optional)) = self.resolve_type(&field.ty) else {
                self.broken_names.insert(field.name.name.clone());
                continue;
            };
            let default = match &field.default {
                None if optional => Value::Null,
                None => zero_of(ty),
                Some(expr) => self.constant(expr, ty, format!("field `{}`", field.name.name)),
            };
            self.field_index.insert(field.name.name.clone(), self.table.fields.len());
            self.table.fields.push(FieldDef { name: field.name.name.clone(), ty, optional, default, span: field.span });
            self.field_spans.push(field.name.span);
            self.field_used.push(false);
        }
    }

    /// A field default: a constant of the field's type.
    fn constant(&mut self, expr: &ast::Expr, ty: Type, owner: String) -> Value {
        let scope = super::types::Scope::constant();
        let typed = super::types::typed_for(self, &scope, expr, ty, owner);
        match typed {
            Some((CExpr::Const(v), t)) if t == ty => v,
            Some((CExpr::Neg(inner), t)) if t == ty => match *inner {
                CExpr::Const(Value::Money(m)) => Value::Money(-m),
                CExpr::Const(Value::Int(i)) => Value::Int(-i),
                _ => zero_of(ty),
            },
            Some((_, t)) if t != ty => {
                let (want, got) = (self.table.type_name(ty), self.table.type_name(t));
                let d = Diagnostic::error("E031", expr.span, format!("a {want} field cannot start as a {got} value"))
                    .with_label(format!("this is {got}"))
                    .with_help_opt(self.example_of(ty).map(|e| format!("write a {want} value, such as `{e}`")));
                self.report(d);
                zero_of(ty)
            }
            Some(_) => {
                self.report(
                    Diagnostic::error("E035", expr.span, "a field's default must be a plain value, not a calculation")
                        .with_help("write the value it works out to"),
                );
                zero_of(ty)
            }
            None => zero_of(ty),
        }
    }

    fn declare_timers(&mut self, ast: &'a Policy) {
        for timer in &ast.timers {
            if let Some(&id) = self.timer_index.get(&timer.name.name) {
                let first = self.timer_name_spans[id];
                self.duplicate(&format!("timer `{}`", timer.name.name), timer.name.span, first);
                continue;
            }
            let Some((clock, calendar)) = self.timer_clock(timer) else {
                // Its uses are not reported as unknown: the one error says what is wrong.
                self.broken_names.insert(timer.name.name.clone());
                continue;
            };
            let restart = timer.restart.as_ref().and_then(|r| self.restart(r));
            self.timer_index.insert(timer.name.name.clone(), self.table.timers.len());
            self.table.timers.push(TimerDef {
                name: timer.name.name.clone(),
                clock,
                written: crate::format::timer_clock_text(&self.file.text, timer),
                restart,
                // Pauses name statuses, so they are resolved once the statuses are declared.
                pause: None,
                pause_written: timer.pause.as_ref().map(|(p, _)| crate::format::pause_text(&self.file.text, p)),
                calendar,
                span: timer.span,
                line: self.line(timer.span.start),
                docs: timer.docs.clone(),
            });
            self.timer_name_spans.push(timer.name.span);
            self.timer_used.push(false);
        }
    }

    /// A timer's clock and the calendar it is counted in; `None` after reporting a problem.
    fn timer_clock(&mut self, timer: &'a ast::TimerDecl) -> Option<(Clock, Option<CalendarId>)> {
        let name = &timer.name.name;
        match &timer.clock {
            TimerClock::After(DurationSpec::Literal(term)) => {
                let step = self.timer_step(name, term)?;
                Some((Clock::After(step), step.calendar))
            }
            TimerClock::After(DurationSpec::Field(field)) => {
                let id = self.field(field)?;
                self.field_used[id] = true;
                if self.table.fields[id].ty != Type::Duration {
                    let got = self.table.type_name(self.table.fields[id].ty);
                    self.report(
                        Diagnostic::error(
                            "E034",
                            field.span,
                            format!(
                                "timer `{name}` lasts as long as field `{}`, which holds {got}, not a duration",
                                field.name
                            ),
                        )
                        .with_help(format!(
                            "declare `{}` as `duration`, or give the timer a duration, such as `{name} = 5d`",
                            field.name
                        )),
                    );
                    return None;
                }
                Some((Clock::FromField(id), None))
            }
            TimerClock::After(DurationSpec::Table { field, entries, span }) => {
                self.duration_table(name, field, entries, *span)
            }
            TimerClock::At(expr) => {
                let scope = super::types::Scope::fields_only();
                let (c, t) = super::types::typed(self, &scope, expr, Some(Type::Time))?;
                if t != Type::Time {
                    let got = self.table.type_name(t);
                    if let CExpr::Field(f) = c {
                        let field = self.table.fields[f].name.clone();
                        self.report(
                            Diagnostic::error(
                                "E034",
                                expr.span,
                                format!("timer `{name}` fires at field `{field}`, which holds {got}, not a time"),
                            )
                            .with_help(format!(
                                "declare `{field}` as `time?`, or give the timer a duration, such as `{name} = 5d`"
                            )),
                        );
                        return None;
                    }
                    self.report(
                        Diagnostic::error(
                            "E034",
                            expr.span,
                            format!("timer `{name}` fires at a {got} value, not a time"),
                        )
                        .with_help(format!(
                            "give an instant, such as a `time?` field or `due_by + 75d`, or a duration: `{name} = 5d`"
                        )),
                    );
                    return None;
                }
                let calendar = super::types::calendar_of(&c);
                Some((Clock::At(c), calendar))
            }
        }
    }

    /// A timer's duration literal as a step, refusing one that is not positive.
    fn timer_step(&mut self, name: &str, term: &DurationTerm) -> Option<Step> {
        if term.lit.seconds <= 0 {
            self.report(
                Diagnostic::error(
                    "E045",
                    term.lit.span,
                    format!("timer `{name}` lasts {}, which is not a positive duration", term.lit.text),
                )
                .with_help("a timer must last at least one second, such as `5d`"),
            );
            // Still declared, so its uses are not reported as unknown too.
        }
        self.step(term)
    }

    /// `by FIELD { variant -> duration, ... }`: every variant of the field's enum, once each.
    fn duration_table(
        &mut self,
        name: &str,
        field: &ast::Ident,
        entries: &[(ast::Ident, DurationTerm)],
        span: Span,
    ) -> Option<(Clock, Option<CalendarId>)> {
        let id = self.field(field)?;
        self.field_used[id] = true;
        let Type::Enum(en) = self.table.fields[id].ty else {
            let got = self.table.type_name(self.table.fields[id].ty);
            self.report(
                Diagnostic::error(
                    "E034",
                    field.span,
                    format!("timer `{name}` is chosen by field `{}`, which holds {got}, not an enum", field.name),
                )
                .with_help(
                    "a duration table is keyed by an enum field: `by network { visa -> 30d, mastercard -> 45d }`",
                ),
            );
            return None;
        };
        let variants = self.table.enums[en].clone();
        let mut steps: Vec<Option<Step>> = vec![None; variants.len()];
        let mut written: Vec<Option<Span>> = vec![None; variants.len()];
        let mut ok = true;
        for (variant, term) in entries {
            let Some(i) = variants.iter().position(|v| *v == variant.name) else {
                let help = self.suggest(&variant.name, variants.iter().map(String::as_str));
                self.report(
                    Diagnostic::error(
                        "E026",
                        variant.span,
                        format!("`{}` is not a variant of field `{}`'s enum", variant.name, field.name),
                    )
                    .with_help(super::types::variants_help(help, &variants)),
                );
                ok = false;
                continue;
            };
            if let Some(first) = written[i] {
                self.report(
                    Diagnostic::error("E010", variant.span, format!("variant `{}` has two durations", variant.name))
                        .with_related(first, "first given here")
                        .with_help("give each variant one duration"),
                );
                ok = false;
                continue;
            }
            written[i] = Some(variant.span);
            match self.timer_step(name, term) {
                Some(step) => steps[i] = Some(step),
                None => ok = false,
            }
        }
        let missing: Vec<&str> =
            variants.iter().zip(&steps).filter(|(_, s)| s.is_none()).map(|(v, _)| v.as_str()).collect();
        if ok && !missing.is_empty() {
            self.report(
                Diagnostic::error(
                    "E062",
                    span,
                    format!(
                        "timer `{name}` has no duration for {}",
                        missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")
                    ),
                )
                .with_label("every variant needs a duration")
                .with_help(format!("add `{} -> 30d` (with its real duration) to the table", missing[0])),
            );
            return None;
        }
        let steps: Vec<Step> = steps.into_iter().collect::<Option<_>>()?;
        // Local time is shown when every entry counts in the same calendar.
        let calendar = steps.first().and_then(|s| s.calendar).filter(|c| steps.iter().all(|s| s.calendar == Some(*c)));
        Some((Clock::ByEnum { field: id, steps }, calendar))
    }

    /// A duration literal with its calendar as a step; business units need a calendar.
    pub fn step(&mut self, term: &DurationTerm) -> Option<Step> {
        let lit = &term.lit;
        let calendar = match &term.calendar {
            Some(c) => Some(self.calendar(c)?),
            None => None,
        };
        let amount = match (lit.unit, calendar) {
            (DurationUnit::Exact, None) => StepAmount::Exact(TimeDelta::seconds(lit.seconds)),
            (DurationUnit::Exact, Some(_)) => {
                // Days and weeks as written count on the local calendar; hours and less stay
                // exact, so `48h in uk` is 48 hours and `2d in uk` two local days.
                let (days, rest) = local_days(&lit.text);
                StepAmount::LocalDays { days, rest: TimeDelta::seconds(rest) }
            }
            (DurationUnit::BusinessDays | DurationUnit::BusinessHours, None) => {
                let example = self.table.calendars.first().map_or("uk".to_string(), |c| c.name.clone());
                let kind = if lit.unit == DurationUnit::BusinessDays { "business days" } else { "business hours" };
                let d = Diagnostic::error("E061", lit.span, format!("`{}` counts {kind}, so it needs a calendar", lit.text))
                    .with_label("whose working days?")
                    .with_help(if self.table.calendars.is_empty() {
                        format!(
                            "declare one, such as `calendar {example} {{ zone \"Europe/London\" holidays \"calendars/uk-england-wales.toml\" }}`, and write `{} in {example}`",
                            lit.text
                        )
                    } else {
                        format!("write `{} in {example}`", lit.text)
                    });
                self.report(d);
                return None;
            }
            (DurationUnit::BusinessDays, Some(_)) => StepAmount::BusinessDays(u32::try_from(lit.seconds).ok()?),
            (DurationUnit::BusinessHours, Some(c)) => {
                if self.table.calendars[c].hours.is_none() {
                    let cal = self.table.calendars[c].name.clone();
                    self.report(
                        Diagnostic::error(
                            "E060",
                            lit.span,
                            format!("calendar `{cal}` has no business hours, so `{}` cannot be counted", lit.text),
                        )
                        .with_help(format!("declare them in calendar `{cal}`: `hours 09:00 to 17:00`")),
                    );
                    return None;
                }
                StepAmount::BusinessHours(lit.seconds)
            }
        };
        Some(Step { amount, calendar })
    }

    /// `restart on ...`: the roles whose events restart the clock.
    fn restart(&mut self, r: &ast::Restart) -> Option<Restart> {
        match &r.roles {
            None => Some(Restart::Any),
            Some(roles) => {
                let ids: Option<Vec<RoleId>> = roles.iter().map(|role| self.role(role)).collect();
                Some(Restart::Roles(ids?))
            }
        }
    }

    fn declare_calendars(&mut self, ast: &'a Policy) {
        for decl in &ast.calendars {
            if let Some(&id) = self.calendar_index.get(&decl.name.name) {
                let first = self.calendar_spans[id];
                self.duplicate(&format!("calendar `{}`", decl.name.name), decl.name.span, first);
                continue;
            }
            let Some(calendar) = super::calendars::build(self, decl) else { continue };
            self.calendar_index.insert(decl.name.name.clone(), self.table.calendars.len());
            self.table.calendars.push(calendar);
            self.calendar_spans.push(decl.name.span);
            self.calendar_used.push(false);
        }
    }

    /// Look up a calendar; reports an unknown one.
    pub fn calendar(&mut self, name: &ast::Ident) -> Option<CalendarId> {
        if let Some(&id) = self.calendar_index.get(&name.name) {
            self.calendar_used[id] = true;
            return Some(id);
        }
        if self.broken_names.contains(&name.name) {
            return None;
        }
        let help = self
            .suggest(&name.name, self.table.calendars.iter().map(|c| c.name.as_str()))
            .unwrap_or_else(|| format!("declare it: `calendar {} {{ zone \"Europe/London\" }}`", name.name));
        self.report(Diagnostic::error("E063", name.span, format!("unknown calendar `{}`", name.name)).with_help(help));
        None
    }

    /// Mark a name whose declaration failed, so its uses are not reported as unknown too.
    pub fn mark_broken(&mut self, name: &str) {
        self.broken_names.insert(name.to_string());
    }

    fn declare_actions(&mut self, ast: &'a Policy) {
        for action in &ast.actions {
            let Some(role) = self.role(&action.role) else { continue };
            let key = (role, action.name.name.clone());
            if let Some(&id) = self.table.action_index.get(&key) {
                let first = self.action_name_spans[id];
                let what = format!("action `{} {}`", action.role.name, action.name.name);
                self.duplicate(&what, action.name.span, first);
                continue;
            }
            let mut params: Vec<ParamDef> = Vec::new();
            for (i, p) in action.params.iter().enumerate() {
                if let Some(first) = action.params[..i].iter().find(|q| q.name.name == p.name.name) {
                    self.duplicate(&format!("parameter `{}`", p.name.name), p.name.span, first.name.span);
                    continue;
                }
                let resolved = match &p.ty {
                    Some(t) => self.resolve_type(t),
                    // Without a type, a parameter takes the type of the field of the same name.
                    None => match self.field_index.get(&p.name.name) {
                        Some(&f) => Some((self.table.fields[f].ty, self.table.fields[f].optional)),
                        // The field's own declaration already has an error.
                        None if self.is_broken(&p.name.name) => None,
                        None => {
                            self.report(
                                Diagnostic::error(
                                    "E028",
                                    p.name.span,
                                    format!(
                                        "parameter `{}` has no type and no field of that name gives it one",
                                        p.name.name
                                    ),
                                )
                                .with_help(format!("write its type, such as `{}: money`", p.name.name)),
                            );
                            None
                        }
                    },
                };
                if let (Some(t), Some((ty, optional))) = (&p.ty, resolved) {
                    self.typed_param_named_like_a_field(action, p, t, ty, optional);
                }
                match resolved {
                    Some((ty, optional)) => params.push(ParamDef { name: p.name.name.clone(), ty, optional }),
                    None => {
                        self.broken_names.insert(p.name.name.clone());
                    }
                }
            }
            self.table.action_index.insert(key, self.table.actions.len());
            self.table.actions.push(ActionDef { role, name: action.name.name.clone(), params, span: action.span });
            self.action_name_spans.push(action.name.span);
            self.action_used.push(false);
        }
    }

    /// A parameter written with a type and the name of a field hides the field in its rules:
    /// `amount <= amount` compares the parameter with itself. Without a type, sharing the name is
    /// how a parameter says it sets that field, so only a typed one is ambiguous: an error if its
    /// type is not the field's, since it cannot even be what the field holds, else a warning.
    /// One typed parameter says something an untyped one cannot: `due_by: time` for an optional
    /// field `due_by: time?` makes the parameter required, and is not reported.
    fn typed_param_named_like_a_field(
        &mut self,
        action: &ast::ActionDecl,
        p: &ast::ParamDecl,
        written: &ast::TypeExpr,
        ty: Type,
        optional: bool,
    ) {
        let Some(&f) = self.field_index.get(&p.name.name) else { return };
        let field = &self.table.fields[f];
        let (name, line) = (&p.name.name, self.line(self.field_spans[f].start));
        let what = format!("parameter `{name}` of `{} {}`", action.role.name, action.name.name);
        let span = Span::new(p.name.span.start, written.span.end);
        // The field's line goes in the help, which every output format shows.
        let field_at = format!("field `{name}` is declared on line {line}");
        let d = if field.ty != ty {
            let (got, want) = (self.table.type_name(ty), self.table.type_name(field.ty));
            Diagnostic::error(
                "E011",
                span,
                format!("{what} has the name of field `{name}` but is {got}, and the field holds {want}"),
            )
            .with_label(format!("{got}, not the field's {want}"))
            .with_related(self.field_spans[f], format!("field `{name}` holds {want}"))
            .with_help(format!(
                "{field_at}; rename the parameter, or write it as `{name}` without a type to give it the field's type"
            ))
        } else if field.optional && !optional {
            return;
        } else {
            Diagnostic::warning(
                "E011",
                span,
                format!("{what} has the name of field `{name}` and hides it in its rules"),
            )
            .with_label("hides the field")
            .with_related(self.field_spans[f], "the field it hides")
            .with_help(format!(
                "{field_at}; rename the parameter, or write it as `{name}` without a type to mean the field"
            ))
        };
        self.report(d);
    }

    fn declare_statuses(&mut self, ast: &'a Policy) {
        self.declare_level(&ast.statuses, None, ast.name.span);
        if let Some(top) = self.initial_among(&ast.statuses, None, ast.name.span) {
            self.table.initial = self.table.entry_leaf(top);
        }
    }

    /// Enter sibling statuses (and, recursively, their children); parents get ids first.
    fn declare_level(&mut self, decls: &'a [StatusDecl], parent: Option<StatusId>, _at: Span) {
        for decl in decls {
            // Names are unique among siblings only: `escalated.awaiting_seller` and
            // `dispute_open.awaiting_seller` are two statuses.
            if let Some(&first) = self.status_children.get(&(parent, decl.name.name.clone())) {
                let first = self.status_decls[first].name.span;
                self.duplicate(&format!("status `{}`", decl.name.name), decl.name.span, first);
                continue;
            }
            let id = self.table.statuses.len();
            self.status_children.insert((parent, decl.name.name.clone()), id);
            self.status_by_name.entry(decl.name.name.clone()).or_insert(id);
            let path = match parent {
                Some(p) => format!("{}.{}", self.table.statuses[p].path, decl.name.name),
                None => decl.name.name.clone(),
            };
            self.table.statuses.push(StatusDef {
                name: decl.name.name.clone(),
                path,
                label: decl.label.clone(),
                parent,
                children: vec![],
                initial_child: None,
                terminal: None,
                on_entry: vec![],
                actions: vec![],
                timers: vec![],
                automatic: vec![],
                docs: decl.docs.clone(),
                span: decl.span,
                line: self.line(decl.span.start),
            });
            self.status_decls.push(decl);
            if let Some(p) = parent {
                self.table.statuses[p].children.push(id);
            }
            self.declare_level(&decl.children, Some(id), decl.name.span);
            if !decl.children.is_empty() {
                let initial = self.initial_among(&decl.children, Some(id), decl.name.span);
                self.table.statuses[id].initial_child = initial;
            }
        }
    }

    /// The one status marked `initial` among siblings; reports none or several.
    fn initial_among(&mut self, decls: &[StatusDecl], parent: Option<StatusId>, at: Span) -> Option<StatusId> {
        let marked: Vec<&StatusDecl> = decls.iter().filter(|d| d.initial).collect();
        let where_ = match parent {
            Some(p) => format!("status `{}`", self.table.statuses[p].path),
            None => "the policy".to_string(),
        };
        if marked.len() > 1 {
            self.report(
                Diagnostic::error("E048", marked[1].name.span, format!("{where_} has more than one initial status"))
                    .with_help(format!(
                        "only one of its statuses may be marked `initial`; `{}` already is",
                        marked[0].name.name
                    )),
            );
        }
        let Some(first) = marked.first() else {
            let span = if parent.is_some() { at } else { decls.first().map_or(at, |d| d.name.span) };
            let help = decls
                .first()
                .map(|d| format!("mark the status a case enters first: `initial status {} ...`", d.name.name))
                .unwrap_or_else(|| {
                    "declare the status a case starts in: `initial status NAME \"Label\" { ... }`".into()
                });
            self.report(Diagnostic::error("E047", span, format!("{where_} has no initial status")).with_help(help));
            return None;
        };
        let candidates: Vec<StatusId> = match parent {
            Some(p) => self.table.statuses[p].children.clone(),
            None => (0..self.table.statuses.len()).filter(|&s| self.table.statuses[s].parent.is_none()).collect(),
        };
        candidates.into_iter().find(|&s| std::ptr::eq(self.status_decls[s], *first))
    }

    /// The closest name to a misspelt one, while the file's suggestion budget lasts.
    pub fn suggest<'b>(&self, name: &str, candidates: impl IntoIterator<Item = &'b str>) -> Option<String> {
        let (left, work_left) = (self.suggestions_left.get(), self.suggest_work_left.get());
        if left == 0 || work_left == 0 {
            return None;
        }
        let (found, work) = crate::diag::suggest_within(name, candidates, work_left);
        self.suggestions_left.set(left - 1);
        self.suggest_work_left.set(work_left.saturating_sub(work));
        found
    }

    /// A literal of a type, for advice; `None` for a time, which has no literal.
    pub fn example_of(&self, ty: Type) -> Option<String> {
        Some(match ty {
            Type::Bool => "false".into(),
            Type::Int => "0".into(),
            Type::Money => "12.50".into(),
            Type::Duration => "5d".into(),
            Type::Text => "\"\"".into(),
            Type::Enum(e) => self.table.enums.get(e)?.first()?.clone(),
            Type::Time => return None,
        })
    }

    /// The child of `parent` (a top-level status for `None`) with this name.
    pub fn status_child(&self, parent: Option<StatusId>, name: &str) -> Option<StatusId> {
        self.status_children.get(&(parent, name.to_string())).copied()
    }

    /// The first status declared with this name, at any depth.
    pub fn status_named(&self, name: &str) -> Option<StatusId> {
        self.status_by_name.get(name).copied()
    }

    /// Resolve a type; reports unknown type names.
    pub fn resolve_type(&mut self, t: &ast::TypeExpr) -> Option<(Type, bool)> {
        let ty = match &t.kind {
            TypeKind::Enum(variants) => {
                let mut names: Vec<String> = Vec::new();
                for (i, v) in variants.iter().enumerate() {
                    if let Some(first) = variants[..i].iter().find(|w| w.name == v.name) {
                        self.duplicate(&format!("enum variant `{}`", v.name), v.span, first.span);
                    } else {
                        names.push(v.name.clone());
                    }
                }
                // An enum type is its variants in order: two inline enums that list the same
                // variants are one type, so a parameter `kind: enum { a, b }` can set a field
                // declared `enum { a, b }`.
                match self.enum_index.get(&names) {
                    Some(&id) => Type::Enum(id),
                    None => {
                        let id = self.table.enums.len();
                        self.enum_index.insert(names.clone(), id);
                        self.table.enums.push(names);
                        Type::Enum(id)
                    }
                }
            }
            TypeKind::Named(name) => match name.name.as_str() {
                "money" => Type::Money,
                "time" => Type::Time,
                "bool" => Type::Bool,
                "int" => Type::Int,
                "text" => Type::Text,
                "duration" => Type::Duration,
                other => {
                    let help = suggest(other, ["money", "time", "bool", "int", "text", "duration"]);
                    self.report(Diagnostic::error("E028", name.span, format!("unknown type `{other}`")).with_help(
                        help.unwrap_or_else(|| {
                            "types are money, time, bool, int, text, duration or enum { ... }".into()
                        }),
                    ));
                    return None;
                }
            },
        };
        Some((ty, t.optional))
    }

    /// Look up a role; reports an unknown one.
    pub fn role(&mut self, name: &ast::Ident) -> Option<RoleId> {
        if let Some(&id) = self.table.role_index.get(&name.name) {
            return Some(id);
        }
        let help = self
            .suggest(&name.name, self.table.roles.iter().map(String::as_str))
            .or_else(|| Some(format!("declare it: `roles {}`", name.name)));
        self.report(Diagnostic::error("E021", name.span, format!("unknown role `{}`", name.name)).with_help_opt(help));
        None
    }

    /// Look up a field; reports an unknown one.
    pub fn field(&mut self, name: &ast::Ident) -> Option<FieldId> {
        if let Some(id) = self.field_id(&name.name) {
            return Some(id);
        }
        if self.is_broken(&name.name) {
            return None;
        }
        let help = self.suggest(&name.name, self.table.fields.iter().map(|f| f.name.as_str()));
        self.report(Diagnostic::error("E022", name.span, format!("unknown field `{}`", name.name)).with_help_opt(help));
        None
    }

    /// A field's id by name, without reporting.
    pub fn field_id(&self, name: &str) -> Option<FieldId> {
        self.field_index.get(name).copied()
    }

    /// A timer's id by name, without reporting.
    pub fn timer_id(&self, name: &str) -> Option<TimerId> {
        self.timer_index.get(name).copied()
    }

    /// Look up a timer; reports one used but never declared.
    pub fn timer(&mut self, name: &ast::Ident) -> Option<TimerId> {
        if let Some(id) = self.timer_id(&name.name) {
            self.timer_used[id] = true;
            return Some(id);
        }
        if self.is_broken(&name.name) {
            return None;
        }
        let help = self
            .suggest(&name.name, self.table.timers.iter().map(|t| t.name.as_str()))
            .unwrap_or_else(|| format!("declare it in the `timers` block, such as `{} = 5d`", name.name));
        self.report(
            Diagnostic::error("E023", name.span, format!("timer `{}` is used but never declared", name.name))
                .with_help(help),
        );
        None
    }

    /// Look up an outcome; reports an unknown one.
    pub fn outcome(&mut self, name: &ast::Ident) -> Option<usize> {
        if let Some(&id) = self.outcome_index.get(&name.name) {
            return Some(id);
        }
        let help = self
            .suggest(&name.name, self.table.outcomes.iter().map(|o| o.name.as_str()))
            .unwrap_or_else(|| format!("declare it: `outcomes {}`", name.name));
        self.report(Diagnostic::error("E027", name.span, format!("unknown outcome `{}`", name.name)).with_help(help));
        None
    }

    /// Look up an action of a role; reports an unknown one.
    pub fn action(&mut self, role: RoleId, name: &ast::Ident) -> Option<ActionId> {
        if let Some(&id) = self.table.action_index.get(&(role, name.name.clone())) {
            self.action_used[id] = true;
            return Some(id);
        }
        let role_name = self.table.roles[role].clone();
        let help = self
            .suggest(&name.name, self.table.actions.iter().filter(|a| a.role == role).map(|a| a.name.as_str()))
            .unwrap_or_else(|| format!("declare it in the `actions` block: `{role_name} {}`", name.name));
        self.report(
            Diagnostic::error("E024", name.span, format!("role `{role_name}` has no action `{}`", name.name))
                .with_help(help),
        );
        None
    }
}

/// A duration literal split into the days and weeks it writes (in days) and the exact seconds of
/// its hours, minutes and seconds: `1w2d3h` is 9 days and 10,800 seconds. The parser has checked
/// the literal, so every number fits.
fn local_days(text: &str) -> (i64, i64) {
    let (mut days, mut seconds, mut number) = (0i64, 0i64, 0i64);
    for c in text.chars() {
        match c.to_digit(10) {
            Some(d) => number = number.saturating_mul(10).saturating_add(i64::from(d)),
            None => {
                match c {
                    'w' => days = days.saturating_add(number.saturating_mul(7)),
                    'd' => days = days.saturating_add(number),
                    'h' => seconds = seconds.saturating_add(number.saturating_mul(3600)),
                    'm' => seconds = seconds.saturating_add(number.saturating_mul(60)),
                    's' => seconds = seconds.saturating_add(number),
                    _ => {}
                }
                number = 0;
            }
        }
    }
    (days, seconds)
}

/// The value a field starts with when no default is written.
pub fn zero_of(ty: Type) -> Value {
    match ty {
        Type::Bool => Value::Bool(false),
        Type::Int => Value::Int(0),
        Type::Money => Value::Money(rust_decimal::Decimal::ZERO),
        Type::Duration => Value::Duration(TimeDelta::zero()),
        Type::Text => Value::Text(String::new()),
        // An enum or a time has no natural zero: it starts absent.
        Type::Enum(_) | Type::Time => Value::Null,
    }
}
