//! The transition table: what a checked policy compiles to, and all the evaluator reads.
//! Names are resolved to indices; every rule and timer keeps the span and line that produced it.

use crate::ast::BinaryOp;
use crate::span::Span;
use chrono::{DateTime, TimeDelta, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::HashMap;

/// A status and its enclosing statuses, outermost first.
pub type Chain = smallvec::SmallVec<[StatusId; 8]>;

/// Index of a status in [`TransitionTable::statuses`].
pub type StatusId = usize;
/// Index of a field.
pub type FieldId = usize;
/// Index of a timer; also its rank when timers are due at the same instant.
pub type TimerId = usize;
/// Index of an action.
pub type ActionId = usize;
/// Index of a role.
pub type RoleId = usize;
/// Index of an enum type.
pub type EnumId = usize;
/// Index of a calendar in [`TransitionTable::calendars`].
pub type CalendarId = usize;

/// A value's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Type {
    /// true or false.
    Bool,
    /// Whole number.
    Int,
    /// Exact decimal amount.
    Money,
    /// A UTC instant.
    Time,
    /// A length of time.
    Duration,
    /// Free text.
    Text,
    /// One of an enum's variants.
    Enum(EnumId),
}

/// A runtime value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    /// Absent (an optional field or parameter not given).
    Null,
    /// Boolean.
    Bool(bool),
    /// Whole number.
    Int(i64),
    /// Exact decimal.
    Money(Decimal),
    /// UTC instant.
    Time(DateTime<Utc>),
    /// Length of time.
    Duration(TimeDelta),
    /// Text.
    Text(String),
    /// Enum variant: type and variant index.
    Enum(EnumId, u32),
}

/// A resolved, type-checked expression.
#[derive(Debug, Clone, PartialEq, Hash)]
pub enum CExpr {
    /// A constant.
    Const(Value),
    /// A case field.
    Field(FieldId),
    /// An action parameter, by position.
    Param(usize),
    /// The evaluation instant.
    Now,
    /// Time since the case entered a status (absent if it is not in it).
    TimeIn(StatusId),
    /// Time since the instant in a field.
    TimeSince(FieldId),
    /// A time moved on by a step counted in a calendar (`opened_at + 3bd in uk`).
    Shift(Box<CExpr>, Step),
    /// The first instant (`end` false) or the last whole second (`end` true) of a time's day,
    /// in a calendar's zone or in UTC.
    DayEdge {
        /// End rather than start.
        end: bool,
        /// The instant.
        time: Box<CExpr>,
        /// Whose zone; UTC for `None`.
        calendar: Option<CalendarId>,
    },
    /// A time's date at a wall-clock time, in a calendar's zone or in UTC.
    AtTime {
        /// The instant whose date is kept.
        time: Box<CExpr>,
        /// The wall-clock time.
        clock: chrono::NaiveTime,
        /// Whose zone; UTC for `None`.
        calendar: Option<CalendarId>,
    },
    /// Boolean negation.
    Not(Box<CExpr>),
    /// Arithmetic negation.
    Neg(Box<CExpr>),
    /// A binary operation.
    Binary(BinaryOp, Box<CExpr>, Box<CExpr>),
}

/// `field = value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Effect {
    /// Field assigned.
    pub field: FieldId,
    /// Value.
    pub value: CExpr,
}

/// One candidate transition of a rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    /// Condition; `None` always holds.
    pub guard: Option<CExpr>,
    /// The condition as written, for reports.
    pub guard_text: Option<String>,
    /// Target status; `None` stays where the case is.
    pub target: Option<StatusId>,
    /// Field assignments, in order.
    pub effects: Vec<Effect>,
    /// The status that declares the rule.
    pub declared_in: StatusId,
    /// Written with `else`: tried only when the rules before it do not apply.
    pub otherwise: bool,
    /// The rule's text.
    pub span: Span,
    /// The rule's first line in the policy file.
    pub line: usize,
}

/// What a timer does when it expires.
#[derive(Debug, Clone, PartialEq)]
pub enum TimerEffect {
    /// Moves the case: the first candidate whose guard holds is taken.
    Move(Vec<Transition>),
    /// An SLA deadline: reported, marked breached, moves nothing.
    Sla,
}

/// A timer armed while the case is in a status.
#[derive(Debug, Clone, PartialEq)]
pub struct ArmedTimer {
    /// Which timer.
    pub timer: TimerId,
    /// The status that arms it: a duration counts from entering this status.
    pub owner: StatusId,
    /// What happens on expiry.
    pub effect: TimerEffect,
    /// Where it is armed.
    pub span: Span,
    /// Its line in the policy.
    pub line: usize,
}

/// How far a duration moves a time: exact seconds, or counted in a calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StepAmount {
    /// Exact seconds (`5d` without a calendar is 432,000 s).
    Exact(TimeDelta),
    /// Local calendar days, then exact time (`20d in uk`, `1d12h in uk`).
    LocalDays {
        /// Whole local days.
        days: i64,
        /// Exact time after them.
        rest: TimeDelta,
    },
    /// Business days of the calendar.
    BusinessDays(u32),
    /// Business hours of the calendar, in seconds.
    BusinessHours(i64),
}

/// A duration and the calendar it is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Step {
    /// How far.
    pub amount: StepAmount,
    /// Counted in this calendar; `None` for exact time.
    pub calendar: Option<CalendarId>,
}

impl Step {
    /// An exact step.
    pub fn exact(d: TimeDelta) -> Step {
        Step { amount: StepAmount::Exact(d), calendar: None }
    }

    /// The exact length, if the step has one whatever the date.
    pub fn fixed(&self) -> Option<TimeDelta> {
        match self.amount {
            StepAmount::Exact(d) => Some(d),
            _ => None,
        }
    }
}

/// When a timer fires.
#[derive(Debug, Clone, PartialEq)]
pub enum Clock {
    /// This long after the timer starts (entering the arming status, or its last restart).
    After(Step),
    /// As long as the duration held in this field.
    FromField(FieldId),
    /// As long as the entry for the variant this enum field holds.
    ByEnum {
        /// The enum field.
        field: FieldId,
        /// Per variant, by index.
        steps: Vec<Step>,
    },
    /// At the instant this expression gives (fields and constants only).
    At(CExpr),
}

/// Which applied events restart a timer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Restart {
    /// Every applied event of the case.
    Any,
    /// Events sent by these roles.
    Roles(Vec<RoleId>),
}

impl Restart {
    /// Whether an event by this role restarts the timer.
    pub fn by(&self, role: RoleId) -> bool {
        match self {
            Restart::Any => true,
            Restart::Roles(roles) => roles.contains(&role),
        }
    }
}

/// When a timer's clock stops.
#[derive(Debug, Clone, PartialEq)]
pub enum PauseRule {
    /// While the case is in (or inside) any of these statuses.
    In(Vec<StatusId>),
    /// While this condition holds (fields and constants only).
    When(CExpr),
}

/// A declared timer.
#[derive(Debug, Clone, PartialEq)]
pub struct TimerDef {
    /// Name.
    pub name: String,
    /// When it fires.
    pub clock: Clock,
    /// The clock as written, normalized (`5d`, `3bd in uk`, `at due_by + 75d`).
    pub written: String,
    /// Which events restart it, if any.
    pub restart: Option<Restart>,
    /// When its clock stops, if ever.
    pub pause: Option<PauseRule>,
    /// The pause as written, normalized (`pause in escalated.awaiting_info`).
    pub pause_written: Option<String>,
    /// The calendar its deadline is counted in, for showing it in local time.
    pub calendar: Option<CalendarId>,
    /// Declaration.
    pub span: Span,
    /// Line.
    pub line: usize,
    /// Doc comments.
    pub docs: Vec<String>,
}

/// A case field.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldDef {
    /// Name.
    pub name: String,
    /// Type.
    pub ty: Type,
    /// May be absent.
    pub optional: bool,
    /// Starting value.
    pub default: Value,
    /// Declaration.
    pub span: Span,
}

/// An action parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamDef {
    /// Name (the event's key).
    pub name: String,
    /// Type.
    pub ty: Type,
    /// May be left out of the event.
    pub optional: bool,
}

/// A declared action.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionDef {
    /// Who sends it.
    pub role: RoleId,
    /// Name.
    pub name: String,
    /// Parameters.
    pub params: Vec<ParamDef>,
    /// Declaration.
    pub span: Span,
}

/// A declared outcome kind.
#[derive(Debug, Clone, PartialEq)]
pub struct OutcomeDef {
    /// Name (`refund_buyer`).
    pub name: String,
    /// Type of its amount, if any.
    pub amount: Option<Type>,
}

/// A terminal status's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct TerminalOutcome {
    /// Which outcome.
    pub outcome: usize,
    /// Its amount.
    pub amount: Option<CExpr>,
}

/// A status with its rules flattened: inherited rules and timers resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusDef {
    /// Own name.
    pub name: String,
    /// Dotted path from the top.
    pub path: String,
    /// Human label.
    pub label: String,
    /// Enclosing status.
    pub parent: Option<StatusId>,
    /// Nested statuses.
    pub children: Vec<StatusId>,
    /// Entered when this status is entered.
    pub initial_child: Option<StatusId>,
    /// Outcome, for a terminal status.
    pub terminal: Option<TerminalOutcome>,
    /// Effects applied on entry.
    pub on_entry: Vec<Effect>,
    /// Per action, the ordered candidates (from the innermost status that declares that action).
    pub actions: Vec<(ActionId, Vec<Transition>)>,
    /// Timers armed here, one per timer, in declaration order of the timers.
    pub timers: Vec<ArmedTimer>,
    /// Automatic transitions, innermost status first.
    pub automatic: Vec<Transition>,
    /// Doc comments.
    pub docs: Vec<String>,
    /// Declaration.
    pub span: Span,
    /// Line.
    pub line: usize,
}

/// The compiled policy.
#[derive(Debug, Clone, PartialEq)]
pub struct TransitionTable {
    /// Policy name.
    pub name: String,
    /// Human title.
    pub title: String,
    /// Version string.
    pub version: Option<String>,
    /// From when this version applies to new cases (`effective`); `None` from the beginning.
    pub effective: Option<DateTime<Utc>>,
    /// Role names.
    pub roles: Vec<String>,
    /// Enum types: their variants.
    pub enums: Vec<Vec<String>>,
    /// Outcome kinds.
    pub outcomes: Vec<OutcomeDef>,
    /// Calendars, in declaration order.
    pub calendars: Vec<crate::calendar::Calendar>,
    /// Case fields.
    pub fields: Vec<FieldDef>,
    /// Timers, in declaration order.
    pub timers: Vec<TimerDef>,
    /// Actions.
    pub actions: Vec<ActionDef>,
    /// Statuses, parents before children.
    pub statuses: Vec<StatusDef>,
    /// The leaf status a case starts in.
    pub initial: StatusId,
    /// Role name to id.
    pub role_index: HashMap<String, RoleId>,
    /// (role, action name) to id.
    pub action_index: HashMap<(RoleId, String), ActionId>,
}

impl TransitionTable {
    /// The statuses from the top down to `leaf`, inclusive. Inline for the usual few levels:
    /// the evaluator asks for it on every transition.
    pub fn chain(&self, leaf: StatusId) -> Chain {
        let mut chain = Chain::new();
        chain.push(leaf);
        let mut cur = leaf;
        while let Some(p) = self.statuses[cur].parent {
            chain.push(p);
            cur = p;
        }
        chain.reverse();
        chain
    }

    /// Descend initial children to the leaf entered when `status` is entered.
    pub fn entry_leaf(&self, status: StatusId) -> StatusId {
        let mut cur = status;
        while let Some(c) = self.statuses[cur].initial_child {
            cur = c;
        }
        cur
    }

    /// Whether `ancestor` is `status` or encloses it.
    pub fn is_within(&self, status: StatusId, ancestor: StatusId) -> bool {
        let mut cur = Some(status);
        while let Some(s) = cur {
            if s == ancestor {
                return true;
            }
            cur = self.statuses[s].parent;
        }
        false
    }

    /// The candidates for an action in a status.
    pub fn candidates(&self, status: StatusId, action: ActionId) -> Option<&[Transition]> {
        self.statuses[status].actions.iter().find(|(a, _)| *a == action).map(|(_, t)| t.as_slice())
    }

    /// Find a status by dotted path.
    pub fn status_by_path(&self, path: &str) -> Option<StatusId> {
        self.statuses.iter().position(|s| s.path == path)
    }

    /// A value as text, for reports: money as its decimal string, enums by variant name.
    pub fn show(&self, v: &Value) -> String {
        match v {
            Value::Null => "none".to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Money(m) => m.to_string(),
            Value::Time(t) => crate::eval::time::format(t),
            Value::Duration(d) => crate::eval::time::format_duration(*d),
            Value::Text(s) => s.clone(),
            Value::Enum(e, i) => self.enums.get(*e).and_then(|vs| vs.get(*i as usize)).cloned().unwrap_or_default(),
        }
    }

    /// A type's name, for messages.
    pub fn type_name(&self, ty: Type) -> String {
        match ty {
            Type::Bool => "bool".into(),
            Type::Int => "int".into(),
            Type::Money => "money".into(),
            Type::Time => "time".into(),
            Type::Duration => "duration".into(),
            Type::Text => "text".into(),
            Type::Enum(e) => format!("enum {{ {} }}", self.enums.get(e).map(|v| v.join(", ")).unwrap_or_default()),
        }
    }
}
