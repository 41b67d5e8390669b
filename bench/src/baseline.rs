//! The yardstick: the AliExpress rules (`shared/domain/aliexpress.md`, R1-R25) written by hand as
//! a plain state machine, the way an engineer would without a rules engine. Each JSON line is read
//! into a small borrowed struct; open cases live in a `HashMap<Box<str>, Case>` (FxHash, as in
//! Docket, so the comparison is not about the hash function), statuses and
//! timers are enums and the rules are match arms. Closed cases shrink to their status and the
//! delivery ids already applied (a redelivery after closing is still a duplicate, not a rejection).
//!
//! It follows Docket's evaluation semantics where they decide the totals: timers due at or before
//! an event fire before it, in deadline order then declaration order; a deadline already past when
//! its status is entered fires at once; a rejected event still moves the case's clock; an event
//! dated before the case's previous event is rejected; a redelivered `id` already applied to the
//! case is ignored. The summary it prints has the layout of `docket eval --summary`.

use chrono::{DateTime, TimeDelta, Utc};
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{self, BufRead};

/// One JSON line: the four keys every event has, the optional `id`, and the parameters the
/// policy knows. Parameters stay raw until an action needs them, so a bad amount on an action
/// that takes none does not matter, and a bad amount where one is needed rejects the event
/// instead of discarding the line. A key no action has makes the strict reading fail; the line is
/// then read again loosely and marked `stray`, so the event is rejected as Docket rejects it
/// (an unknown key), at no cost to lines without one.
macro_rules! line_structs {
    (required { $($req:ident),* } optional { $($opt:ident),* }) => {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Line<'a> {
            $(#[serde(borrow)] $req: Cow<'a, str>,)*
            $(#[serde(borrow, default)] $opt: Option<&'a RawValue>,)*
            /// The line has a key no action takes.
            #[serde(skip)]
            stray: bool,
        }

        /// [`Line`] without the refusal of other keys.
        #[derive(Deserialize)]
        struct LooseLine<'a> {
            $(#[serde(borrow)] $req: Cow<'a, str>,)*
            $(#[serde(borrow, default)] $opt: Option<&'a RawValue>,)*
        }

        impl<'a> From<LooseLine<'a>> for Line<'a> {
            fn from(l: LooseLine<'a>) -> Self {
                Line { $($req: l.$req,)* $($opt: l.$opt,)* stray: true }
            }
        }
    };
}

line_structs! {
    required { case, at, role, action }
    optional { id, reason, amount, order_total, delivery_due, from, due }
}

impl Line<'_> {
    /// Whether the event carries a parameter its action does not take. (A key given as `null` reads
    /// as absent here, where Docket counts it as given; the generator writes no such key.)
    fn foreign(&self, action: Action) -> bool {
        let (reason, amount, total, delivery, from, due) = match action {
            Action::Open => (true, true, true, true, false, false),
            Action::Propose | Action::Modify | Action::Decide => (false, true, false, false, false, false),
            Action::RequestEvidence => (false, false, false, false, true, true),
            _ => (false, false, false, false, false, false),
        };
        (self.reason.is_some() && !reason)
            || (self.amount.is_some() && !amount)
            || (self.order_total.is_some() && !total)
            || (self.delivery_due.is_some() && !delivery)
            || (self.from.is_some() && !from)
            || (self.due.is_some() && !due)
    }
}

/// What a role sends (the policy's `actions` block).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Open,
    SellerAccept,
    SellerReject,
    Propose,
    BuyerAccept,
    Modify,
    Cancel,
    Escalate,
    SubmitInfo,
    RequestEvidence,
    BuyerEvidence,
    SellerEvidence,
    Decide,
    AcceptDecision,
    DeclineDecision,
    RefundProcessing,
    RefundCompleted,
}

impl Action {
    fn parse(role: &str, action: &str) -> Option<Action> {
        Some(match (role, action) {
            ("buyer", "open") => Action::Open,
            ("seller", "accept") => Action::SellerAccept,
            ("seller", "reject") => Action::SellerReject,
            ("seller", "propose") => Action::Propose,
            ("buyer", "accept") => Action::BuyerAccept,
            ("buyer", "modify") => Action::Modify,
            ("buyer", "cancel") => Action::Cancel,
            ("buyer", "escalate") => Action::Escalate,
            ("buyer", "submit_info") => Action::SubmitInfo,
            ("platform", "request_evidence") => Action::RequestEvidence,
            ("buyer", "submit_evidence") => Action::BuyerEvidence,
            ("seller", "submit_evidence") => Action::SellerEvidence,
            ("platform", "decide") => Action::Decide,
            ("buyer", "accept_decision") => Action::AcceptDecision,
            ("buyer", "decline_decision") => Action::DeclineDecision,
            ("platform", "refund_processing") => Action::RefundProcessing,
            ("platform", "refund_completed") => Action::RefundCompleted,
            _ => return None,
        })
    }
}

/// Leaf statuses, with their dotted paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Status {
    Ordered,
    AwaitingSeller,
    Negotiating,
    EscProcessing,
    EscAwaitingBuyer,
    EscAwaitingSeller,
    EscAwaitingBoth,
    DecisionIssued,
    RefundWaiting,
    RefundProcessing,
    Withdrawn,
    Refunded,
    Released,
}

impl Status {
    fn path(self) -> &'static str {
        match self {
            Status::Ordered => "ordered",
            Status::AwaitingSeller => "dispute_open.awaiting_seller",
            Status::Negotiating => "dispute_open.negotiating",
            Status::EscProcessing => "escalated.processing",
            Status::EscAwaitingBuyer => "escalated.awaiting_buyer",
            Status::EscAwaitingSeller => "escalated.awaiting_seller",
            Status::EscAwaitingBoth => "escalated.awaiting_both",
            Status::DecisionIssued => "decision_issued",
            Status::RefundWaiting => "refunding.waiting",
            Status::RefundProcessing => "refunding.processing",
            Status::Withdrawn => "withdrawn",
            Status::Refunded => "refunded",
            Status::Released => "released",
        }
    }

    fn is_terminal(self) -> bool {
        matches!(self, Status::Refunded | Status::Released)
    }

    fn in_dispute_open(self) -> bool {
        matches!(self, Status::AwaitingSeller | Status::Negotiating)
    }

    fn in_escalated(self) -> bool {
        matches!(
            self,
            Status::EscProcessing | Status::EscAwaitingBuyer | Status::EscAwaitingSeller | Status::EscAwaitingBoth
        )
    }

    /// Timers armed in this status, in declaration order (the order ties fire in).
    fn timers(self) -> &'static [Timer] {
        use Timer::*;
        match self {
            Status::AwaitingSeller => &[SellerResponse, AutoEscalate, DeliveryOverdue],
            Status::Negotiating => &[AutoEscalate, DeliveryOverdue],
            Status::EscProcessing => &[BuyerInformation, DecisionDue],
            Status::EscAwaitingBuyer | Status::EscAwaitingSeller | Status::EscAwaitingBoth => {
                &[BuyerInformation, EvidenceDue, DecisionDue]
            }
            Status::RefundWaiting | Status::RefundProcessing => &[RefundDue],
            Status::Withdrawn => &[ReopenWindow],
            Status::Ordered | Status::DecisionIssued | Status::Refunded | Status::Released => &[],
        }
    }
}

/// The policy's timers, in declaration order (`escalation_opens` is a gate, never armed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Timer {
    SellerResponse,
    AutoEscalate,
    DeliveryOverdue,
    BuyerInformation,
    EvidenceDue,
    DecisionDue,
    RefundDue,
    ReopenWindow,
}

impl Timer {
    fn name(self) -> &'static str {
        match self {
            Timer::SellerResponse => "seller_response",
            Timer::AutoEscalate => "auto_escalate",
            Timer::DeliveryOverdue => "delivery_overdue",
            Timer::BuyerInformation => "buyer_information",
            Timer::EvidenceDue => "evidence_due",
            Timer::DecisionDue => "decision_due",
            Timer::RefundDue => "refund_due",
            Timer::ReopenWindow => "reopen_window",
        }
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

const SELLER_RESPONSE_DAYS: i64 = 5; // R4
const ESCALATION_OPENS_DAYS: i64 = 3; // R11
const AUTO_ESCALATE_DAYS: i64 = 15; // R12
const BUYER_INFORMATION_DAYS: i64 = 7; // R15
const DECISION_DUE_DAYS: i64 = 60; // R20
const REFUND_DUE_DAYS: i64 = 10; // R23
const REOPEN_WINDOW_DAYS: i64 = 15; // R25

/// R2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reason {
    NotReceived,
    NotAsDescribed,
    Damaged,
    WrongItem,
    Other,
}

/// One case that is not closed.
#[derive(Debug, Clone)]
struct Case {
    status: Status,
    /// Timers already fired (or passed with a false condition) in the current stay.
    spent: u16,
    /// The instant the case has been evaluated up to.
    clock: DateTime<Utc>,
    last_event: DateTime<Utc>,
    /// When the top-level status (dispute_open, escalated, refunding, withdrawn...) was entered.
    top_since: DateTime<Utc>,
    /// When the leaf status (awaiting_seller, escalated.awaiting_*) was entered.
    leaf_since: DateTime<Utc>,
    reason: Reason,
    claim: Decimal,
    offer: Decimal,
    offer_made: bool,
    order_total: Decimal,
    delivery_due: Option<DateTime<Utc>>,
    info_sent: bool,
    evidence_due_at: Option<DateTime<Utc>>,
    decision: Decimal,
    refund: Decimal,
    return_required: bool,
    /// Delivery ids applied.
    ids: Vec<Box<str>>,
}

/// A closed case: enough to tell a redelivery from a late event.
#[derive(Debug)]
struct Closed {
    status: Status,
    ids: Vec<Box<str>>,
}

/// Totals, as `docket eval --summary` prints them.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Cases seen.
    pub cases: usize,
    /// Events read.
    pub events: usize,
    /// Events applied.
    pub applied: usize,
    /// Events rejected.
    pub rejected: usize,
    /// Lines that were not events.
    pub malformed: usize,
    /// Redeliveries ignored.
    pub duplicates: usize,
    /// Cases per status.
    pub by_status: BTreeMap<String, usize>,
    /// Closed cases per outcome.
    pub by_outcome: BTreeMap<String, usize>,
    /// Pending deadlines per timer.
    pub pending_deadlines: BTreeMap<String, usize>,
}

/// An event after its line was read.
struct Event<'a> {
    at: DateTime<Utc>,
    action: Option<Action>,
    id: Option<Cow<'a, str>>,
    line: &'a Line<'a>,
}

/// A parameter value as written.
enum Param<'a> {
    Text(Cow<'a, str>),
    Number(&'a str),
    Other,
}

fn param<'a>(raw: Option<&'a RawValue>) -> Option<Param<'a>> {
    let text = raw?.get();
    Some(match text.as_bytes().first() {
        Some(b'"') => match serde_json::from_str::<Cow<'a, str>>(text) {
            Ok(s) => Param::Text(s),
            Err(_) => Param::Other,
        },
        Some(b'-' | b'0'..=b'9') => Param::Number(text),
        Some(b'n') => return None,
        _ => Param::Other,
    })
}

fn money(raw: Option<&RawValue>) -> Result<Decimal, ()> {
    match param(raw) {
        Some(Param::Text(s)) => exact_amount(&s),
        Some(Param::Number(s)) => exact_amount(s),
        _ => Err(()),
    }
}

/// A plain decimal (`-`, digits, at most one `.` between digits) that a Decimal holds exactly.
fn exact_amount(s: &str) -> Result<Decimal, ()> {
    let body = s.strip_prefix('-').unwrap_or(s);
    let mut parts = body.split('.');
    let ok = |p: Option<&str>| p.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let whole = parts.next();
    let fraction = parts.next();
    if !ok(whole) || (fraction.is_some() && !ok(fraction)) || parts.next().is_some() {
        return Err(());
    }
    Decimal::from_str_exact(s).map_err(drop)
}

fn time(raw: Option<&RawValue>) -> Result<Option<DateTime<Utc>>, ()> {
    match param(raw) {
        None => Ok(None),
        Some(Param::Text(s)) => parse_time(&s).map(Some).ok_or(()),
        Some(_) => Err(()),
    }
}

fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text).ok().map(|t| t.with_timezone(&Utc))
}

fn reason(raw: Option<&RawValue>) -> Result<Reason, ()> {
    match param(raw) {
        Some(Param::Text(s)) => match s.as_ref() {
            "not_received" => Ok(Reason::NotReceived),
            "not_as_described" => Ok(Reason::NotAsDescribed),
            "damaged" => Ok(Reason::Damaged),
            "wrong_item" => Ok(Reason::WrongItem),
            "other" => Ok(Reason::Other),
            _ => Err(()),
        },
        _ => Err(()),
    }
}

/// R1: no amount may be negative or above the order total.
fn within(amount: Decimal, total: Decimal) -> bool {
    amount >= Decimal::ZERO && amount <= total
}

impl Case {
    fn new(at: DateTime<Utc>) -> Case {
        Case {
            status: Status::Ordered,
            spent: 0,
            clock: at,
            last_event: at,
            top_since: at,
            leaf_since: at,
            reason: Reason::Other,
            claim: Decimal::ZERO,
            offer: Decimal::ZERO,
            offer_made: false,
            order_total: Decimal::ZERO,
            delivery_due: None,
            info_sent: false,
            evidence_due_at: None,
            decision: Decimal::ZERO,
            refund: Decimal::ZERO,
            return_required: false,
            ids: Vec::new(),
        }
    }

    fn deadline(&self, timer: Timer) -> Option<DateTime<Utc>> {
        let after = |since: DateTime<Utc>, days: i64| since.checked_add_signed(TimeDelta::days(days));
        match timer {
            Timer::SellerResponse => after(self.leaf_since, SELLER_RESPONSE_DAYS),
            Timer::AutoEscalate => after(self.top_since, AUTO_ESCALATE_DAYS),
            Timer::DeliveryOverdue => self.delivery_due,
            Timer::BuyerInformation => after(self.top_since, BUYER_INFORMATION_DAYS),
            Timer::EvidenceDue => self.evidence_due_at,
            Timer::DecisionDue => after(self.top_since, DECISION_DUE_DAYS),
            Timer::RefundDue => after(self.top_since, REFUND_DUE_DAYS),
            Timer::ReopenWindow => after(self.top_since, REOPEN_WINDOW_DAYS),
        }
    }

    /// The next timer to fire: earliest deadline, then declaration order.
    fn next_timer(&self) -> Option<(DateTime<Utc>, Timer)> {
        let mut next: Option<(DateTime<Utc>, Timer)> = None;
        for &timer in self.status.timers() {
            if self.spent & timer.bit() != 0 {
                continue;
            }
            if let Some(at) = self.deadline(timer)
                && next.is_none_or(|(n, _)| at < n)
            {
                next = Some((at, timer));
            }
        }
        next
    }

    /// Fire every timer due at or before `to`.
    fn advance(&mut self, to: DateTime<Utc>) {
        while let Some((deadline, timer)) = self.next_timer() {
            if deadline > to {
                break;
            }
            // A deadline already past when its status was entered fires at once, at entry time.
            let at = self.clock.max(deadline);
            self.spent |= timer.bit();
            self.clock = at;
            match timer {
                Timer::SellerResponse => {
                    // R6: silence refunds the claim.
                    self.refund = self.claim;
                    self.enter_refunding(at);
                }
                Timer::AutoEscalate => self.enter_escalated(at), // R12
                Timer::DeliveryOverdue => {
                    if self.reason == Reason::NotReceived {
                        self.enter_escalated(at); // R13
                    }
                }
                Timer::BuyerInformation => {
                    if !self.info_sent {
                        self.status = Status::Released; // R15
                    }
                }
                Timer::ReopenWindow => self.status = Status::Released, // R25
                Timer::EvidenceDue | Timer::DecisionDue | Timer::RefundDue => {} // SLA: reported only
            }
        }
        if self.clock < to {
            self.clock = to;
        }
    }

    fn enter_dispute_open(&mut self, at: DateTime<Utc>) {
        self.status = Status::AwaitingSeller;
        self.top_since = at;
        self.leaf_since = at;
        self.spent &= !(Timer::SellerResponse.bit() | Timer::AutoEscalate.bit() | Timer::DeliveryOverdue.bit());
    }

    fn enter_awaiting_seller(&mut self, at: DateTime<Utc>) {
        self.status = Status::AwaitingSeller;
        self.leaf_since = at;
        self.spent &= !Timer::SellerResponse.bit();
    }

    fn enter_escalated(&mut self, at: DateTime<Utc>) {
        self.status = Status::EscProcessing;
        self.top_since = at;
        self.leaf_since = at;
        self.spent &= !(Timer::BuyerInformation.bit() | Timer::DecisionDue.bit());
    }

    fn enter_evidence(&mut self, status: Status, at: DateTime<Utc>) {
        self.status = status;
        self.leaf_since = at;
        self.spent &= !Timer::EvidenceDue.bit();
    }

    fn enter_refunding(&mut self, at: DateTime<Utc>) {
        self.status = Status::RefundWaiting;
        self.top_since = at;
        self.leaf_since = at;
        self.spent &= !Timer::RefundDue.bit();
        // R24: a full refund of goods that arrived means sending them back.
        self.return_required = self.refund >= self.order_total && self.reason != Reason::NotReceived;
        if self.refund.is_zero() {
            self.status = Status::Released; // R23: a refund of 0 is no refund
        }
    }

    fn enter_withdrawn(&mut self, at: DateTime<Utc>) {
        self.status = Status::Withdrawn;
        self.top_since = at;
        self.leaf_since = at;
        self.spent &= !Timer::ReopenWindow.bit();
    }

    /// R1, R25: a buyer opens (or reopens) a dispute.
    fn open(&mut self, line: &Line, at: DateTime<Utc>) -> bool {
        let (Ok(reason), Ok(amount), Ok(total), Ok(delivery_due)) =
            (reason(line.reason), money(line.amount), money(line.order_total), time(line.delivery_due))
        else {
            return false;
        };
        if !within(amount, total) {
            return false;
        }
        self.claim = amount;
        self.order_total = total;
        self.reason = reason;
        self.delivery_due = delivery_due;
        if self.status == Status::Withdrawn {
            // R25: a reopened dispute starts afresh.
            self.offer = Decimal::ZERO;
            self.offer_made = false;
            self.info_sent = false;
            self.refund = Decimal::ZERO;
            self.decision = Decimal::ZERO;
        }
        self.enter_dispute_open(at);
        true
    }

    /// The rules: apply an event the status allows and whose conditions hold.
    fn handle(&mut self, ev: &Event) -> bool {
        let Some(action) = ev.action else { return false };
        if ev.line.stray || ev.line.foreign(action) {
            return false; // an unknown key
        }
        let at = ev.at;
        let s = self.status;
        match action {
            Action::Open if matches!(s, Status::Ordered | Status::Withdrawn) => self.open(ev.line, at),
            Action::SellerAccept if s.in_dispute_open() || s.in_escalated() => {
                self.refund = self.claim; // R5, R19
                self.enter_refunding(at);
                true
            }
            Action::SellerReject if s == Status::AwaitingSeller => {
                self.offer = Decimal::ZERO; // R7
                self.offer_made = true;
                self.status = Status::Negotiating;
                true
            }
            Action::Propose if s.in_dispute_open() => match money(ev.line.amount) {
                Ok(amount) if within(amount, self.order_total) => {
                    self.offer = amount; // R7
                    self.offer_made = true;
                    self.status = Status::Negotiating;
                    true
                }
                _ => false,
            },
            Action::BuyerAccept if s == Status::Negotiating => {
                self.refund = self.offer; // R8
                self.enter_refunding(at);
                true
            }
            Action::Modify if s == Status::Negotiating => match money(ev.line.amount) {
                Ok(amount) if within(amount, self.order_total) => {
                    self.claim = amount; // R9
                    self.enter_awaiting_seller(at);
                    true
                }
                _ => false,
            },
            Action::Cancel if s.in_dispute_open() || s.in_escalated() => {
                self.enter_withdrawn(at); // R10, R18
                true
            }
            Action::Escalate if s.in_dispute_open() => {
                // R11: once the seller has answered, or 3 days after opening.
                let open_for = at - self.top_since;
                if self.offer_made || open_for >= TimeDelta::days(ESCALATION_OPENS_DAYS) {
                    self.enter_escalated(at);
                    true
                } else {
                    false
                }
            }
            Action::SubmitInfo if s.in_escalated() => {
                self.info_sent = true; // R15
                true
            }
            Action::RequestEvidence if s.in_escalated() => {
                // R16
                let from = match param(ev.line.from) {
                    Some(Param::Text(f)) => match f.as_ref() {
                        "buyer" => Status::EscAwaitingBuyer,
                        "seller" => Status::EscAwaitingSeller,
                        "both" => Status::EscAwaitingBoth,
                        _ => return false,
                    },
                    _ => return false,
                };
                let Ok(Some(due)) = time(ev.line.due) else { return false };
                self.evidence_due_at = Some(due);
                self.enter_evidence(from, at);
                true
            }
            Action::BuyerEvidence if s == Status::EscAwaitingBuyer => {
                self.enter_evidence(Status::EscProcessing, at);
                true
            }
            Action::SellerEvidence if s == Status::EscAwaitingSeller => {
                self.enter_evidence(Status::EscProcessing, at);
                true
            }
            Action::BuyerEvidence if s == Status::EscAwaitingBoth => {
                self.enter_evidence(Status::EscAwaitingSeller, at);
                true
            }
            Action::SellerEvidence if s == Status::EscAwaitingBoth => {
                self.enter_evidence(Status::EscAwaitingBuyer, at);
                true
            }
            Action::Decide if s.in_escalated() => match money(ev.line.amount) {
                Ok(amount) if within(amount, self.order_total) => {
                    self.decision = amount;
                    if amount >= self.claim {
                        self.refund = amount; // R21
                        self.enter_refunding(at);
                    } else {
                        self.status = Status::DecisionIssued; // R22
                        self.top_since = at;
                        self.leaf_since = at;
                    }
                    true
                }
                _ => false,
            },
            Action::AcceptDecision if s == Status::DecisionIssued => {
                self.refund = self.decision; // R22
                self.enter_refunding(at);
                true
            }
            Action::DeclineDecision if s == Status::DecisionIssued => {
                self.enter_escalated(at); // R22: another review
                true
            }
            Action::RefundProcessing if s == Status::RefundWaiting => {
                self.status = Status::RefundProcessing; // R23
                true
            }
            Action::RefundCompleted if matches!(s, Status::RefundWaiting | Status::RefundProcessing) => {
                self.status = Status::Refunded; // R23
                true
            }
            _ => false,
        }
    }

    /// Apply one event; returns whether it was applied, rejected or a duplicate.
    fn apply(&mut self, ev: &Event, totals: &mut Summary) {
        if let Some(id) = &ev.id
            && self.ids.iter().any(|x| **x == **id)
        {
            totals.duplicates += 1;
            return;
        }
        if ev.at < self.last_event {
            totals.rejected += 1;
            return;
        }
        self.last_event = ev.at;
        self.advance(ev.at);
        if self.status.is_terminal() {
            totals.rejected += 1;
            return;
        }
        if self.handle(ev) {
            totals.applied += 1;
            if let Some(id) = &ev.id {
                self.ids.push(id.as_ref().into());
            }
            self.advance(ev.at);
        } else {
            totals.rejected += 1;
        }
    }
}

/// Read a line into an event; `None` if it is malformed.
fn read_line<'a>(text: &'a str) -> Option<Line<'a>> {
    // A JSON array would fill the struct by position; an event must be an object.
    if !text.trim_start().starts_with('{') {
        return None;
    }
    match serde_json::from_str(text) {
        Ok(line) => Some(line),
        Err(_) => serde_json::from_str::<LooseLine>(text).ok().map(Line::from),
    }
}

fn read_id(raw: Option<&RawValue>) -> Result<Option<Cow<'_, str>>, ()> {
    match param(raw) {
        None => Ok(None),
        Some(Param::Text(s)) => Ok(Some(s)),
        Some(Param::Number(n)) => Ok(Some(Cow::Borrowed(n))),
        Some(Param::Other) => Err(()),
    }
}

/// Run a whole log and count.
pub fn run(mut reader: impl BufRead) -> io::Result<Summary> {
    let mut totals = Summary::default();
    let mut open: FxHashMap<Box<str>, Case> = FxHashMap::default();
    let mut closed: FxHashMap<Box<str>, Closed> = FxHashMap::default();
    let mut buf = Vec::with_capacity(512);
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        let Ok(text) = std::str::from_utf8(&buf) else {
            totals.malformed += 1;
            continue;
        };
        if text.trim().is_empty() {
            continue;
        }
        let Some(line) = read_line(text) else {
            totals.malformed += 1;
            continue;
        };
        let (Some(at), Ok(id)) = (parse_time(&line.at), read_id(line.id)) else {
            totals.malformed += 1;
            continue;
        };
        totals.events += 1;
        let ev = Event { at, action: Action::parse(&line.role, &line.action), id, line: &line };
        if let Some(case) = open.get_mut(line.case.as_ref()) {
            case.apply(&ev, &mut totals);
            if case.status.is_terminal()
                && let Some((key, case)) = open.remove_entry(line.case.as_ref())
            {
                closed.insert(key, Closed { status: case.status, ids: case.ids });
            }
        } else if let Some(case) = closed.get(line.case.as_ref()) {
            match &ev.id {
                Some(id) if case.ids.iter().any(|x| **x == **id) => totals.duplicates += 1,
                _ => totals.rejected += 1, // the case is closed
            }
        } else {
            let mut case = Case::new(at);
            case.apply(&ev, &mut totals);
            let key: Box<str> = line.case.as_ref().into();
            if case.status.is_terminal() {
                closed.insert(key, Closed { status: case.status, ids: case.ids });
            } else {
                open.insert(key, case);
            }
        }
    }
    totals.cases = open.len() + closed.len();
    for case in open.values_mut() {
        let to = case.last_event;
        case.advance(to);
        *totals.by_status.entry(case.status.path().to_string()).or_default() += 1;
        if case.status.is_terminal() {
            *totals.by_outcome.entry(outcome(case.status).to_string()).or_default() += 1;
            continue;
        }
        for &timer in case.status.timers() {
            // A report lists a moving timer only while its condition holds (R13: not received;
            // R15: the details not sent yet).
            let live = match timer {
                Timer::DeliveryOverdue => case.reason == Reason::NotReceived,
                Timer::BuyerInformation => !case.info_sent,
                _ => true,
            };
            if case.spent & timer.bit() == 0 && case.deadline(timer).is_some() && live {
                *totals.pending_deadlines.entry(timer.name().to_string()).or_default() += 1;
            }
        }
    }
    let mut by_terminal: BTreeMap<Status, usize> = BTreeMap::new();
    for case in closed.values() {
        *by_terminal.entry(case.status).or_default() += 1;
    }
    for (status, n) in by_terminal {
        *totals.by_status.entry(status.path().to_string()).or_default() += n;
        *totals.by_outcome.entry(outcome(status).to_string()).or_default() += n;
    }
    Ok(totals)
}

fn outcome(status: Status) -> &'static str {
    if status == Status::Refunded { "refund_buyer" } else { "release_to_seller" }
}

/// The totals in the layout of `docket eval --summary`.
pub fn render(s: &Summary) -> String {
    let mut out = format!(
        "cases: {}\nevents: {} (applied {}, rejected {}, malformed {}, duplicates ignored {}, after --now 0)\n",
        s.cases, s.events, s.applied, s.rejected, s.malformed, s.duplicates
    );
    for (title, map) in [
        ("by status", &s.by_status),
        ("by outcome", &s.by_outcome),
        ("pending deadlines by timer", &s.pending_deadlines),
    ] {
        out.push_str(&format!("{title}:\n"));
        for (k, v) in map {
            out.push_str(&format!("  {k:<32} {v:>10}\n"));
        }
    }
    out
}
