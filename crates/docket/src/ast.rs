//! The typed syntax tree of a policy file. Every node carries the span of the text it came from,
//! so every later diagnostic and every compiled table entry can point back at the policy.

use crate::span::Span;
use rust_decimal::Decimal;

/// A name as written, with where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    /// The name.
    pub name: String,
    /// Where it is written.
    pub span: Span,
}

/// A whole policy file.
#[derive(Debug, Clone)]
pub struct Policy {
    /// `policy NAME`.
    pub name: Ident,
    /// The human title.
    pub title: String,
    /// `version "..."`, if given.
    pub version: Option<String>,
    /// `effective INSTANT`, as written, with its span.
    pub effective: Option<(String, Span)>,
    /// Doc comments on the header.
    pub docs: Vec<String>,
    /// Declared roles.
    pub roles: Vec<Ident>,
    /// Declared outcomes.
    pub outcomes: Vec<OutcomeDecl>,
    /// Declared calendars.
    pub calendars: Vec<CalendarDecl>,
    /// Declared timers, in declaration order (which breaks ties between timers due together).
    pub timers: Vec<TimerDecl>,
    /// Declared case fields.
    pub fields: Vec<FieldDecl>,
    /// Declared actions per role.
    pub actions: Vec<ActionDecl>,
    /// Top-level statuses.
    pub statuses: Vec<StatusDecl>,
}

/// `outcomes refund_buyer(money), release_to_seller`.
#[derive(Debug, Clone)]
pub struct OutcomeDecl {
    /// Outcome name.
    pub name: Ident,
    /// Type of its amount, if it carries one.
    pub amount: Option<TypeExpr>,
}

/// `calendar uk { zone "Europe/London" ... }`.
#[derive(Debug, Clone)]
pub struct CalendarDecl {
    /// Doc comments.
    pub docs: Vec<String>,
    /// Calendar name.
    pub name: Ident,
    /// `zone "Europe/London"`: the IANA zone, with the span of its string.
    pub zone: Option<(String, Span)>,
    /// `weekend sat, sun`; `None` when not written (Saturday and Sunday).
    pub weekend: Option<(Vec<Ident>, Span)>,
    /// `holidays "file.toml"`: the data file, relative to the policy file.
    pub holidays: Option<(String, Span)>,
    /// `hours 09:00 to 17:00`: business hours, as written, with their span.
    pub hours: Option<(String, String, Span)>,
    /// The whole declaration.
    pub span: Span,
}

/// How a timer's deadline is found.
#[derive(Debug, Clone)]
pub enum TimerClock {
    /// A duration counted from entering the status that arms it.
    After(DurationSpec),
    /// An instant computed from the case's fields (`at delivery_due`, `at due_by + 75d`).
    At(Expr),
}

/// Where a timer's duration comes from.
#[derive(Debug, Clone)]
pub enum DurationSpec {
    /// `5d`, `3bd in uk`.
    Literal(DurationTerm),
    /// A duration field.
    Field(Ident),
    /// `by network { visa -> 30d, mastercard -> 45d }`.
    Table {
        /// The enum field that chooses.
        field: Ident,
        /// Per variant, its duration.
        entries: Vec<(Ident, DurationTerm)>,
        /// Where.
        span: Span,
    },
}

/// A duration literal and the calendar it is counted in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DurationTerm {
    /// The literal.
    pub lit: DurationLit,
    /// `in uk`.
    pub calendar: Option<Ident>,
}

/// The unit family of a duration literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DurationUnit {
    /// Seconds, minutes, hours, days, weeks: `seconds` holds the length.
    Exact,
    /// `3bd`: business days; `seconds` holds the count of days.
    BusinessDays,
    /// `4bh`: business hours; `seconds` holds the length in seconds.
    BusinessHours,
}

/// A duration literal such as `5d`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DurationLit {
    /// Length in seconds (negative if written so; the checker rejects that), or a count of
    /// business days for [`DurationUnit::BusinessDays`].
    pub seconds: i64,
    /// Which family of units.
    pub unit: DurationUnit,
    /// The literal as written.
    pub text: String,
    /// Where.
    pub span: Span,
}

/// `restart on any` / `restart on buyer, seller`.
#[derive(Debug, Clone)]
pub struct Restart {
    /// The roles whose events restart the clock; `None` for any event.
    pub roles: Option<Vec<Ident>>,
    /// Where.
    pub span: Span,
}

/// `pause in s1, s2` / `pause when cond`.
#[derive(Debug, Clone)]
pub enum Pause {
    /// While the case is in any of these statuses.
    In(Vec<Path>),
    /// While the condition holds.
    When(Expr),
}

/// `seller_response = 5d` or `delivery_overdue at delivery_due`.
#[derive(Debug, Clone)]
pub struct TimerDecl {
    /// Doc comments.
    pub docs: Vec<String>,
    /// Timer name.
    pub name: Ident,
    /// When it fires.
    pub clock: TimerClock,
    /// `restart on ...`.
    pub restart: Option<Restart>,
    /// `pause ...`, with its span.
    pub pause: Option<(Pause, Span)>,
    /// The whole declaration.
    pub span: Span,
}

/// A type as written.
#[derive(Debug, Clone)]
pub struct TypeExpr {
    /// Named type or inline enum.
    pub kind: TypeKind,
    /// `?`: the value may be absent.
    pub optional: bool,
    /// Where.
    pub span: Span,
}

/// The two shapes of a type.
#[derive(Debug, Clone)]
pub enum TypeKind {
    /// `money`, `time`, `bool`, `int`, `text`.
    Named(Ident),
    /// `enum { a, b }`.
    Enum(Vec<Ident>),
}

/// `claim: money = 0`.
#[derive(Debug, Clone)]
pub struct FieldDecl {
    /// Doc comments.
    pub docs: Vec<String>,
    /// Field name.
    pub name: Ident,
    /// Its type.
    pub ty: TypeExpr,
    /// Default value.
    pub default: Option<Expr>,
    /// The whole declaration.
    pub span: Span,
}

/// `buyer open(reason, amount: money)`.
#[derive(Debug, Clone)]
pub struct ActionDecl {
    /// Doc comments.
    pub docs: Vec<String>,
    /// Who may send it.
    pub role: Ident,
    /// Action name.
    pub name: Ident,
    /// Parameters.
    pub params: Vec<ParamDecl>,
    /// The whole declaration.
    pub span: Span,
}

/// One action parameter; without a type it takes the type of the field of the same name.
#[derive(Debug, Clone)]
pub struct ParamDecl {
    /// Parameter name.
    pub name: Ident,
    /// Its type, if written.
    pub ty: Option<TypeExpr>,
}

/// A status and everything declared inside it.
#[derive(Debug, Clone)]
pub struct StatusDecl {
    /// Doc comments.
    pub docs: Vec<String>,
    /// Status name (scoped by its parent).
    pub name: Ident,
    /// Human label.
    pub label: String,
    /// Marked `initial` among its siblings.
    pub initial: bool,
    /// Marked `terminal`.
    pub terminal: bool,
    /// `outcome refund_buyer(refund)`.
    pub outcome: Option<OutcomeUse>,
    /// Rules, timers and entry effects, in order.
    pub items: Vec<StatusItem>,
    /// Nested statuses.
    pub children: Vec<StatusDecl>,
    /// Whether it had a `{ }` body.
    pub has_body: bool,
    /// The whole declaration.
    pub span: Span,
}

/// `outcome refund_buyer(refund)`.
#[derive(Debug, Clone)]
pub struct OutcomeUse {
    /// Outcome name.
    pub name: Ident,
    /// Amount expression.
    pub amount: Option<Expr>,
    /// Where.
    pub span: Span,
}

/// What can be declared inside a status.
#[derive(Debug, Clone)]
pub enum StatusItem {
    /// A rule: an action, a timer or a condition moves the case.
    Rule(Box<Rule>),
    /// `deadline NAME`: an SLA deadline, reported and marked breached, moving nothing.
    Deadline(Ident),
    /// `on entry { ... }`.
    Entry(Vec<Assignment>, Span),
}

/// What triggers a rule.
#[derive(Debug, Clone)]
pub enum Trigger {
    /// `role action`.
    Action {
        /// Who.
        role: Ident,
        /// What.
        action: Ident,
    },
    /// `after TIMER`.
    Timer(Ident),
    /// `when COND -> ...` with no event: an automatic transition.
    Automatic,
}

/// `[else] trigger [when guard] [-> target] [{ effects }]`.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Doc comments.
    pub docs: Vec<String>,
    /// `else`: tried only when the rules before it for the same trigger do not apply.
    pub otherwise: bool,
    /// What triggers it.
    pub trigger: Trigger,
    /// Condition.
    pub guard: Option<Expr>,
    /// Where the case goes; `None` stays in the same status.
    pub target: Option<Path>,
    /// Field assignments.
    pub effects: Vec<Assignment>,
    /// The whole rule.
    pub span: Span,
}

/// A dotted status path such as `escalated.processing`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    /// Its segments.
    pub segments: Vec<Ident>,
    /// Where.
    pub span: Span,
}

impl Path {
    /// The path as written.
    pub fn dotted(&self) -> String {
        self.segments.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(".")
    }
}

/// `field = expr`.
#[derive(Debug, Clone)]
pub struct Assignment {
    /// Field assigned.
    pub field: Ident,
    /// Value.
    pub value: Expr,
}

/// An expression with its span.
#[derive(Debug, Clone)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where.
    pub span: Span,
}

/// Expression forms.
#[derive(Debug, Clone)]
pub enum ExprKind {
    /// `true`, `false`.
    Bool(bool),
    /// `3`.
    Int(i64),
    /// `25.00`.
    Money(Decimal),
    /// `5d`, `3bd in uk`.
    Duration(DurationTerm),
    /// `"text"`.
    Text(String),
    /// A parameter, field, timer or enum variant; resolved by the checker.
    Name(String),
    /// The evaluation instant.
    Now,
    /// Time since the case entered a status.
    TimeIn(Path),
    /// Time since the instant held in a field.
    TimeSince(Ident),
    /// `end_of_day(t[, cal])` (`end` true) or `start_of_day(t[, cal])`.
    DayEdge {
        /// End rather than start.
        end: bool,
        /// The instant.
        time: Box<Expr>,
        /// The calendar whose zone counts; UTC without one.
        calendar: Option<Ident>,
    },
    /// `at_time(t, 17:00[, cal])`.
    AtTime {
        /// The instant whose date is kept.
        time: Box<Expr>,
        /// The wall-clock time, as written (`17:00`), and its span.
        clock: (String, Span),
        /// The calendar whose zone counts; UTC without one.
        calendar: Option<Ident>,
    },
    /// `not x`, `-x`.
    Unary(UnaryOp, Box<Expr>),
    /// `a op b`.
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
}

/// Prefix operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    /// `not`.
    Not,
    /// `-`.
    Neg,
}

/// Infix operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `or`.
    Or,
    /// `and`.
    And,
    /// `==`.
    Eq,
    /// `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// `+`.
    Add,
    /// `-`.
    Sub,
    /// `*`.
    Mul,
}

impl BinaryOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Or => "or",
            BinaryOp::And => "and",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
        }
    }

    /// How tightly it binds, loosest first (`not` sits at 3, between `and` and comparisons); the
    /// parser's table in `syntax/expr.rs` has the same order, and the printers add parentheses
    /// only where this says they are needed.
    pub fn precedence(self) -> u8 {
        match self {
            BinaryOp::Or => 1,
            BinaryOp::And => 2,
            BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => 4,
            BinaryOp::Add | BinaryOp::Sub => 5,
            BinaryOp::Mul => 6,
        }
    }

    /// Whether it compares two values.
    pub fn is_comparison(self) -> bool {
        matches!(self, BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge)
    }
}
