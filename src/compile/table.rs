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
#[derive(Debug, Clone, PartialEq, Eq)]
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
#[derive(Debug, Clone, PartialEq)]
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

/// When a timer fires.
#[derive(Debug, Clone, PartialEq)]
pub enum Clock {
    /// This long after entering the arming status.
    After(TimeDelta),
    /// At the time held in this field.
    At(FieldId),
}

/// A declared timer.
#[derive(Debug, Clone, PartialEq)]
pub struct TimerDef {
    /// Name.
    pub name: String,
    /// When it fires.
    pub clock: Clock,
    /// The duration as written (`5d`), or the field name.
    pub written: String,
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
    /// Role names.
    pub roles: Vec<String>,
    /// Enum types: their variants.
    pub enums: Vec<Vec<String>>,
    /// Outcome kinds.
    pub outcomes: Vec<OutcomeDef>,
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
