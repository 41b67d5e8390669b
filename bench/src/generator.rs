//! The log generator: realistic AliExpress dispute logs (`shared/domain/aliexpress.md`), as large
//! as wanted, the same bytes for the same seed.
//!
//! Each case is simulated from its opening to its end with a small model of the policy (who acts
//! when, which timer would fire first), so almost every event is one the policy accepts; a few
//! mistakes are mixed in on purpose (escalating too early, amounts above the order total, editing
//! an escalated claim, late answers, events on closed cases). Cases start spread over time; the
//! events of all cases go through a min-heap keyed by delivery time, and everything due before the
//! next case starts is written out, so memory holds only the cases still running, whatever the
//! number of cases. Redelivered events (same `id`, same `at`) arrive a little later than the
//! original, as a real queue would deliver them; every other line is in `at` order.

use crate::rng::Rng;
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::io::{self, Write};

const MINUTE: i64 = 60;
const HOUR: i64 = 3600;
const DAY: i64 = 86_400;
/// 2026-01-01T00:00:00Z: the first case opens at or shortly after this instant.
const START: i64 = 1_767_225_600;
/// The most events one case may produce (reopened cases can run long).
const MAX_EVENTS_PER_CASE: usize = 60;

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// Number of cases (orders).
    pub cases: u64,
    /// Seed: the same seed gives the same bytes.
    pub seed: u64,
    /// Malformed lines per thousand lines (bad JSON, missing keys, bad times).
    pub malformed_per_mille: u64,
}

/// What was written.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// Cases.
    pub cases: u64,
    /// Lines written.
    pub lines: u64,
    /// Well-formed event lines (redeliveries included).
    pub events: u64,
    /// Redelivered copies of events.
    pub redelivered: u64,
    /// Malformed lines.
    pub malformed: u64,
    /// Bytes written.
    pub bytes: u64,
    /// Most events held in memory at once.
    pub peak_pending: usize,
}

/// The actions of the AliExpress policy, by role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
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

impl Act {
    fn role_action(self) -> (&'static str, &'static str) {
        match self {
            Act::Open => ("buyer", "open"),
            Act::SellerAccept => ("seller", "accept"),
            Act::SellerReject => ("seller", "reject"),
            Act::Propose => ("seller", "propose"),
            Act::BuyerAccept => ("buyer", "accept"),
            Act::Modify => ("buyer", "modify"),
            Act::Cancel => ("buyer", "cancel"),
            Act::Escalate => ("buyer", "escalate"),
            Act::SubmitInfo => ("buyer", "submit_info"),
            Act::RequestEvidence => ("platform", "request_evidence"),
            Act::BuyerEvidence => ("buyer", "submit_evidence"),
            Act::SellerEvidence => ("seller", "submit_evidence"),
            Act::Decide => ("platform", "decide"),
            Act::AcceptDecision => ("buyer", "accept_decision"),
            Act::DeclineDecision => ("buyer", "decline_decision"),
            Act::RefundProcessing => ("platform", "refund_processing"),
            Act::RefundCompleted => ("platform", "refund_completed"),
        }
    }
}

const REASONS: [&str; 5] = ["not_received", "not_as_described", "damaged", "wrong_item", "other"];
const NOT_RECEIVED: u8 = 0;
const FROM: [&str; 3] = ["buyer", "seller", "both"];

/// One event, compact until it is written.
#[derive(Debug, Clone, Copy)]
struct Ev {
    case: u64,
    at: i64,
    act: Act,
    id: Option<u64>,
    /// Cents: `amount` of open, propose, modify and decide.
    amount: i64,
    /// Cents: `order_total` of open.
    total: i64,
    /// Index into [`REASONS`].
    reason: u8,
    /// `delivery_due` of open, `due` of request_evidence.
    time: Option<i64>,
    /// Index into [`FROM`].
    from: u8,
}

/// An event waiting in the heap: ordered by delivery time, then by generation order.
struct Queued {
    deliver: i64,
    seq: u64,
    ev: Ev,
}

impl PartialEq for Queued {
    fn eq(&self, other: &Self) -> bool {
        (self.deliver, self.seq) == (other.deliver, other.seq)
    }
}
impl Eq for Queued {}
impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Queued {
    // Reversed: `BinaryHeap` is a max-heap and we want the earliest first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.deliver, other.seq).cmp(&(self.deliver, self.seq))
    }
}

/// Where the simulated case stands.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    AwaitingSeller,
    Negotiating,
    Escalated,
    DecisionIssued,
    Refunding(i64),
    Withdrawn,
    /// Refunded or released.
    Closed,
    /// Still open when the log ends: nobody acts any more, or waits on a timer not simulated.
    Idle,
}

/// Which timer ends the negotiation first.
#[derive(Debug, Clone, Copy, PartialEq)]
enum OpenTimer {
    SellerResponse,
    Escalation,
}

/// One case being simulated.
struct Sim<'r> {
    rng: &'r mut Rng,
    case: u64,
    with_ids: bool,
    out: Vec<Ev>,
    t: i64,
    opened: i64,
    awaiting_since: i64,
    escalated_since: i64,
    reason: u8,
    claim: i64,
    offer: i64,
    total: i64,
    delivery_due: Option<i64>,
    info_sent: bool,
    decision: i64,
    rounds: u32,
    declines: u32,
    reopens: u32,
}

impl Sim<'_> {
    fn emit(&mut self, at: i64, act: Act) -> &mut Ev {
        let id = if self.with_ids { Some(self.rng.next_u64()) } else { None };
        self.out.push(Ev { case: self.case, at, act, id, amount: 0, total: 0, reason: 0, time: None, from: 0 });
        let last = self.out.len() - 1;
        &mut self.out[last]
    }

    fn emit_amount(&mut self, at: i64, act: Act, amount: i64) {
        self.emit(at, act).amount = amount;
    }

    /// Cents, skewed towards cheap orders as on a marketplace.
    fn order_total(&mut self) -> i64 {
        match self.rng.weighted(&[45, 40, 15]) {
            0 => self.rng.range(199, 2_999),
            1 => self.rng.range(3_000, 14_999),
            _ => self.rng.range(15_000, 60_000),
        }
    }

    fn percent_of(&mut self, amount: i64, lo: i64, hi: i64) -> i64 {
        amount * self.rng.range(lo, hi) / 100
    }

    /// A mistake worth mixing in now and then: an amount above the order total.
    fn too_much(&mut self) -> i64 {
        self.total + self.rng.range(1, 5_000)
    }

    /// R1, R25: the buyer opens (or reopens) the dispute. Returns the phase it enters.
    fn open(&mut self) -> Phase {
        self.reason = self.rng.weighted(&[30, 28, 14, 16, 12]) as u8;
        self.total = self.order_total();
        self.claim = match self.rng.weighted(&[55, 44, 1]) {
            0 => self.total,
            1 => self.percent_of(self.total, 20, 95),
            _ => 0,
        };
        self.delivery_due = if self.reason == NOT_RECEIVED {
            if self.rng.chance(80) {
                // The promised date has already passed: the platform steps in at once (R13).
                Some(self.t - self.rng.range(DAY, 10 * DAY))
            } else {
                Some(self.t + self.rng.range(2 * DAY, 25 * DAY))
            }
        } else if self.rng.chance(400) {
            Some(self.t - self.rng.range(DAY, 20 * DAY))
        } else {
            None
        };
        if self.rng.chance(10) {
            // R1: a claim above the order total is rejected; the buyer corrects it later.
            let at = self.t;
            let wrong = self.too_much();
            self.emit_open(at, wrong);
            self.t += self.rng.range(10 * MINUTE, 2 * DAY);
        }
        let (at, claim) = (self.t, self.claim);
        self.emit_open(at, claim);
        self.opened = self.t;
        self.awaiting_since = self.t;
        self.offer = 0;
        self.info_sent = false;
        self.decision = 0;
        self.rounds = 0;
        self.declines = 0;
        match self.delivery_due {
            Some(due) if self.reason == NOT_RECEIVED && due <= self.t => Phase::Escalated,
            _ => Phase::AwaitingSeller,
        }
    }

    fn emit_open(&mut self, at: i64, amount: i64) {
        let (total, reason, due) = (self.total, self.reason, self.delivery_due);
        let ev = self.emit(at, Act::Open);
        ev.amount = amount;
        ev.total = total;
        ev.reason = reason;
        ev.time = due;
    }

    /// The first timer that ends this stage of the negotiation, and what it does.
    fn open_deadline(&self, awaiting: bool) -> (i64, OpenTimer) {
        let mut first = (self.opened + 15 * DAY, OpenTimer::Escalation); // R12
        if awaiting && self.awaiting_since + 5 * DAY <= first.0 {
            first = (self.awaiting_since + 5 * DAY, OpenTimer::SellerResponse); // R4, R6
        }
        if let Some(due) = self.delivery_due
            && self.reason == NOT_RECEIVED
            && due < first.0
        {
            first = (due, OpenTimer::Escalation); // R13
        }
        first
    }

    fn timer_fires(&mut self, deadline: (i64, OpenTimer)) -> Phase {
        self.t = self.t.max(deadline.0);
        match deadline.1 {
            OpenTimer::SellerResponse => Phase::Refunding(self.claim),
            OpenTimer::Escalation => Phase::Escalated,
        }
    }

    /// A seller's answer time: mostly within the 5 days, sometimes late.
    fn seller_delay(&mut self) -> i64 {
        if self.rng.chance(900) { self.rng.range(10 * MINUTE, 4 * DAY) } else { self.rng.range(4 * DAY, 7 * DAY) }
    }

    /// R4-R7, R10, R11: the seller has not answered yet.
    fn awaiting_seller(&mut self) -> Phase {
        let deadline = self.open_deadline(true);
        match self.rng.weighted(&[27, 14, 30, 12, 6, 11]) {
            // Seller accepts (R5), rejects or proposes (R7).
            choice @ 0..=2 => {
                let at = self.t + self.seller_delay();
                if at >= deadline.0 {
                    let next = self.timer_fires(deadline);
                    if self.rng.chance(500) {
                        // A late answer: the timer has already moved the case. Accepting an
                        // escalated claim is still allowed (R19); anything else is rejected.
                        let act = [Act::SellerAccept, Act::SellerReject, Act::Propose][choice];
                        let claim = self.claim;
                        self.emit_amount(at, act, claim);
                        if act == Act::SellerAccept && next == Phase::Escalated {
                            self.t = at;
                            return Phase::Refunding(self.claim);
                        }
                    }
                    return next;
                }
                self.t = at;
                match choice {
                    0 => {
                        self.emit(at, Act::SellerAccept);
                        Phase::Refunding(self.claim)
                    }
                    1 => {
                        self.emit(at, Act::SellerReject);
                        self.offer = 0;
                        Phase::Negotiating
                    }
                    _ => {
                        if self.rng.chance(30) {
                            let wrong = self.too_much();
                            self.emit_amount(at, Act::Propose, wrong);
                        }
                        self.offer = if self.rng.chance(100) { 0 } else { self.percent_of(self.claim, 30, 90) };
                        let offer = self.offer;
                        self.emit_amount(at, Act::Propose, offer);
                        Phase::Negotiating
                    }
                }
            }
            // R6: the seller stays silent.
            3 => self.timer_fires(deadline),
            // R10: the buyer cancels while waiting.
            4 => {
                let at = self.t + self.rng.range(HOUR, 3 * DAY);
                if at >= deadline.0 {
                    return self.timer_fires(deadline);
                }
                self.t = at;
                self.emit(at, Act::Cancel);
                Phase::Withdrawn
            }
            // R11: the buyer escalates; impatient buyers try before the 3 days and are refused.
            _ => {
                let opens = self.opened + 3 * DAY;
                if self.rng.chance(250) {
                    let at = self.t + self.rng.range(HOUR, 2 * DAY);
                    if at < opens && at < deadline.0 {
                        self.t = at;
                        self.emit(at, Act::Escalate);
                    }
                }
                let at = self.t.max(opens) + self.rng.range(0, 3 * DAY);
                if at >= deadline.0 {
                    return self.timer_fires(deadline);
                }
                self.t = at;
                self.emit(at, Act::Escalate);
                Phase::Escalated
            }
        }
    }

    /// R7-R11: the seller has answered; the buyer's turn.
    fn negotiating(&mut self) -> Phase {
        let deadline = self.open_deadline(false);
        let modify = if self.rounds < 3 { 18 } else { 0 };
        let choice = self.rng.weighted(&[34, modify, 8, 26, 8, 4, 2]);
        let at = self.t + self.rng.range(10 * MINUTE, 5 * DAY);
        if choice == 4 || at >= deadline.0 {
            // The buyer lets it run: the platform steps in (R12, R13).
            return self.timer_fires(deadline);
        }
        if self.rng.chance(10) {
            // A rejection after the seller has already answered is not allowed (R7).
            self.emit(at, Act::SellerReject);
        }
        self.t = at;
        match choice {
            0 => {
                self.emit(at, Act::BuyerAccept);
                Phase::Refunding(self.offer)
            }
            1 => {
                if self.rng.chance(30) {
                    let wrong = self.too_much();
                    self.emit_amount(at, Act::Modify, wrong);
                }
                self.claim = self.rng.range(self.offer, self.total);
                let claim = self.claim;
                self.emit_amount(at, Act::Modify, claim);
                self.rounds += 1;
                self.awaiting_since = at;
                Phase::AwaitingSeller
            }
            2 => {
                self.emit(at, Act::Cancel);
                Phase::Withdrawn
            }
            3 => {
                self.emit(at, Act::Escalate);
                Phase::Escalated
            }
            5 => {
                self.offer = self.rng.range(self.offer, self.claim.max(self.offer));
                let offer = self.offer;
                self.emit_amount(at, Act::Propose, offer);
                Phase::Negotiating
            }
            _ => {
                self.emit(at, Act::SellerAccept);
                Phase::Refunding(self.claim)
            }
        }
    }

    /// R14-R21: the platform reviews.
    fn escalated(&mut self) -> Phase {
        self.escalated_since = self.t;
        if !self.info_sent {
            if self.rng.chance(880) {
                let at = self.t + self.rng.range(10 * MINUTE, 6 * DAY);
                self.t = at;
                self.emit(at, Act::SubmitInfo);
                self.info_sent = true;
            } else {
                // R15: no details within 7 days, the funds go to the seller; some send them late.
                self.t = self.escalated_since + 7 * DAY;
                if self.rng.chance(300) {
                    let at = self.t + self.rng.range(HOUR, 3 * DAY);
                    self.emit(at, Act::SubmitInfo);
                }
                return Phase::Closed;
            }
        }
        if self.rng.chance(30) {
            // R17: an escalated claim cannot be edited.
            let at = self.t + self.rng.range(HOUR, DAY);
            self.t = at;
            let claim = self.claim;
            self.emit_amount(at, Act::Modify, claim);
        }
        if self.rng.chance(500) {
            self.request_evidence();
        }
        match self.rng.weighted(&[78, 8, 5, 9]) {
            0 => {
                let at = self.t
                    + if self.rng.chance(20) {
                        self.rng.range(55 * DAY, 70 * DAY) // R20: past the SLA
                    } else {
                        self.rng.range(DAY, 25 * DAY)
                    };
                self.t = at;
                if self.rng.chance(30) {
                    let wrong = self.too_much();
                    self.emit_amount(at, Act::Decide, wrong);
                }
                let amount = if self.claim > 0 && self.rng.chance(600) {
                    if self.rng.chance(150) { 0 } else { self.rng.range(0, self.claim - 1) }
                } else {
                    self.rng.range(self.claim, self.total)
                };
                self.emit_amount(at, Act::Decide, amount);
                if amount >= self.claim {
                    Phase::Refunding(amount) // R21
                } else {
                    self.decision = amount;
                    Phase::DecisionIssued // R22
                }
            }
            1 => {
                let at = self.t + self.rng.range(HOUR, 10 * DAY);
                self.t = at;
                self.emit(at, Act::SellerAccept); // R19
                Phase::Refunding(self.claim)
            }
            2 => {
                let at = self.t + self.rng.range(HOUR, 10 * DAY);
                self.t = at;
                self.emit(at, Act::Cancel); // R18
                Phase::Withdrawn
            }
            _ => Phase::Idle,
        }
    }

    /// R16: the platform asks one party or both for evidence; they answer, sometimes late.
    fn request_evidence(&mut self) {
        let from = self.rng.weighted(&[40, 30, 30]) as u8;
        let at = self.t + self.rng.range(HOUR, 5 * DAY);
        let due = if self.rng.chance(10) { at - DAY } else { at + self.rng.range(3 * DAY, 7 * DAY) };
        self.t = at;
        let ev = self.emit(at, Act::RequestEvidence);
        ev.from = from;
        ev.time = Some(due);
        let mut answers: Vec<(i64, Act)> = Vec::with_capacity(2);
        for (asked, act) in [(from != 1, Act::BuyerEvidence), (from != 0, Act::SellerEvidence)] {
            if asked && self.rng.chance(900) {
                answers.push((at + self.rng.range(HOUR, 8 * DAY), act));
            }
        }
        answers.sort_by_key(|a| a.0);
        for (at, act) in answers {
            self.t = at;
            self.emit(at, act);
        }
    }

    /// R22: the buyer answers a decision below the claim.
    fn decision_issued(&mut self) -> Phase {
        let decline = if self.declines < 2 { 30 } else { 0 };
        let at = self.t + self.rng.range(HOUR, 5 * DAY);
        match self.rng.weighted(&[60, decline, 10]) {
            0 => {
                self.t = at;
                self.emit(at, Act::AcceptDecision);
                Phase::Refunding(self.decision)
            }
            1 => {
                self.t = at;
                self.emit(at, Act::DeclineDecision);
                self.declines += 1;
                Phase::Escalated
            }
            _ => Phase::Idle,
        }
    }

    /// R23: the payment pipeline pays the refund, usually within the 10 days.
    fn refunding(&mut self, refund: i64) -> Phase {
        if refund == 0 {
            return Phase::Closed; // R23: a refund of 0 is no refund
        }
        if self.rng.chance(850) {
            let at = self.t + self.rng.range(HOUR, 3 * DAY);
            self.t = at;
            self.emit(at, Act::RefundProcessing);
            if self.rng.chance(10) {
                // Sent twice without an id: the second one is not allowed any more.
                let again = at + self.rng.range(MINUTE, HOUR);
                self.t = again;
                self.out.push(Ev {
                    case: self.case,
                    at: again,
                    act: Act::RefundProcessing,
                    id: None,
                    amount: 0,
                    total: 0,
                    reason: 0,
                    time: None,
                    from: 0,
                });
            }
        }
        if self.rng.chance(940) {
            let at = self.t
                + if self.rng.chance(50) { self.rng.range(10 * DAY, 14 * DAY) } else { self.rng.range(HOUR, 8 * DAY) };
            self.t = at;
            self.emit(at, Act::RefundCompleted);
            Phase::Closed
        } else {
            Phase::Idle
        }
    }

    /// R25: a cancelled dispute may be reopened within 15 days.
    fn withdrawn(&mut self) -> Phase {
        if self.reopens < 2 && self.rng.chance(350) {
            self.reopens += 1;
            let late = self.rng.chance(40);
            let at =
                self.t + if late { self.rng.range(15 * DAY + HOUR, 20 * DAY) } else { self.rng.range(HOUR, 14 * DAY) };
            self.t = at;
            if late {
                // Too late: the window has closed and the funds went to the seller.
                self.delivery_due = None;
                let claim = self.claim;
                self.emit_open(at, claim);
                return Phase::Closed;
            }
            return self.open();
        }
        self.t += 15 * DAY;
        Phase::Closed
    }

    fn run(&mut self) {
        if self.rng.chance(3) {
            // An event whose case was never opened in this log (its opening went elsewhere).
            let at = self.t;
            let act = [Act::SellerAccept, Act::Escalate, Act::RefundCompleted][self.rng.below(3) as usize];
            self.emit(at, act);
            return;
        }
        let mut phase = self.open();
        while self.out.len() < MAX_EVENTS_PER_CASE {
            phase = match phase {
                Phase::AwaitingSeller => self.awaiting_seller(),
                Phase::Negotiating => self.negotiating(),
                Phase::Escalated => self.escalated(),
                Phase::DecisionIssued => self.decision_issued(),
                Phase::Refunding(refund) => self.refunding(refund),
                Phase::Withdrawn => self.withdrawn(),
                Phase::Closed | Phase::Idle => break,
            };
        }
        if phase == Phase::Closed && self.rng.chance(20) {
            // Something arrives after the case has closed.
            let at = self.t + self.rng.range(HOUR, 10 * DAY);
            let act =
                [Act::SellerAccept, Act::Cancel, Act::RefundCompleted, Act::SubmitInfo][self.rng.below(4) as usize];
            self.emit(at, act);
        }
    }
}

/// Generate a log into `out`.
pub fn generate(cfg: &Config, out: &mut impl Write) -> io::Result<Stats> {
    let mut cases_rng = Rng::new(cfg.seed, 1);
    let mut delivery_rng = Rng::new(cfg.seed, 2);
    let mut writer = LineWriter { out, buf: Vec::with_capacity(512), stats: Stats::default(), cfg: *cfg };
    let mut heap: BinaryHeap<Queued> = BinaryHeap::new();
    let mut seq: u64 = 0;
    // About 2,700 cases a day (a year for a million cases), and at least a month in all.
    let mean_gap = (30 * DAY / cfg.cases.max(1) as i64).max(31);
    let mut start = START;
    for case in 1..=cfg.cases {
        start += cases_rng.range(0, 2 * mean_gap);
        while heap.peek().is_some_and(|q| q.deliver <= start) {
            if let Some(q) = heap.pop() {
                writer.event(&q.ev, &mut delivery_rng)?;
            }
        }
        let with_ids = cases_rng.chance(350);
        let mut sim = Sim {
            rng: &mut cases_rng,
            case,
            with_ids,
            out: Vec::with_capacity(8),
            t: start,
            opened: start,
            awaiting_since: start,
            escalated_since: start,
            reason: 0,
            claim: 0,
            offer: 0,
            total: 0,
            delivery_due: None,
            info_sent: false,
            decision: 0,
            rounds: 0,
            declines: 0,
            reopens: 0,
        };
        sim.run();
        for ev in sim.out {
            seq += 1;
            heap.push(Queued { deliver: ev.at, seq, ev });
            if ev.id.is_some() && delivery_rng.chance(15) {
                // A queue redelivers the same event (same id, same `at`) a little later.
                seq += 1;
                let deliver = ev.at + delivery_rng.range(MINUTE, 6 * HOUR);
                heap.push(Queued { deliver, seq, ev });
                writer.stats.redelivered += 1;
            }
        }
        writer.stats.peak_pending = writer.stats.peak_pending.max(heap.len());
        writer.stats.cases += 1;
    }
    while let Some(q) = heap.pop() {
        writer.event(&q.ev, &mut delivery_rng)?;
    }
    Ok(writer.stats)
}

/// Writes events as JSON Lines, now and then a malformed line before one.
struct LineWriter<'w, W: Write> {
    out: &'w mut W,
    buf: Vec<u8>,
    stats: Stats,
    cfg: Config,
}

impl<W: Write> LineWriter<'_, W> {
    fn event(&mut self, ev: &Ev, rng: &mut Rng) -> io::Result<()> {
        self.buf.clear();
        render(ev, &mut self.buf);
        if self.cfg.malformed_per_mille > 0 && rng.chance(self.cfg.malformed_per_mille) {
            let bad = malformed(&self.buf, rng);
            self.write(&bad)?;
            self.stats.malformed += 1;
        }
        let line = std::mem::take(&mut self.buf);
        self.write(&line)?;
        self.buf = line;
        self.stats.events += 1;
        Ok(())
    }

    fn write(&mut self, line: &[u8]) -> io::Result<()> {
        self.out.write_all(line)?;
        self.out.write_all(b"\n")?;
        self.stats.lines += 1;
        self.stats.bytes += line.len() as u64 + 1;
        Ok(())
    }
}

/// A broken copy of a good line: cut short, a key renamed, an unreadable time, or not an object.
fn malformed(line: &[u8], rng: &mut Rng) -> Vec<u8> {
    let text = String::from_utf8_lossy(line);
    match rng.below(4) {
        0 => line[..rng.range(1, line.len() as i64 - 2) as usize].to_vec(),
        1 => {
            let key = ["\"case\":", "\"at\":", "\"role\":", "\"action\":"][rng.below(4) as usize];
            text.replacen(key, "\"note\":", 1).into_bytes()
        }
        2 => {
            // `"at": "2026-03-01T09:00:00Z"` becomes `"at": "01/03/2026 09:00"`.
            const AT: &str = "\"at\": \"";
            match text.find(AT) {
                Some(i) if text.len() > i + AT.len() + 21 => {
                    let v = &text[i + AT.len()..i + AT.len() + 20];
                    let (y, m, d, hm) = (&v[0..4], &v[5..7], &v[8..10], &v[11..16]);
                    let rest = &text[i + AT.len() + 21..];
                    format!("{}{AT}{d}/{m}/{y} {hm}\"{rest}", &text[..i]).into_bytes()
                }
                _ => b"{".to_vec(),
            }
        }
        _ => format!("[{text}]").into_bytes(),
    }
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (Howard Hinnant's algorithm).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn push_time(buf: &mut Vec<u8>, t: i64) {
    let (y, m, d) = civil(t.div_euclid(DAY));
    let s = t.rem_euclid(DAY);
    let _ = write!(buf, "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", s / HOUR, s % HOUR / MINUTE, s % MINUTE);
}

fn push_money(buf: &mut Vec<u8>, cents: i64) {
    let _ = write!(buf, "{}.{:02}", cents / 100, cents % 100);
}

fn key(buf: &mut Vec<u8>, k: &str) {
    buf.extend_from_slice(b", \"");
    buf.extend_from_slice(k.as_bytes());
    buf.extend_from_slice(b"\": ");
}

fn quoted(buf: &mut Vec<u8>, v: &str) {
    buf.push(b'"');
    buf.extend_from_slice(v.as_bytes());
    buf.push(b'"');
}

/// One event as a JSON object, keys in the order of the vocabulary's example.
fn render(ev: &Ev, buf: &mut Vec<u8>) {
    let (role, action) = ev.act.role_action();
    let _ = write!(buf, "{{\"case\": \"AE-{:07}\", \"at\": \"", ev.case);
    push_time(buf, ev.at);
    buf.push(b'"');
    key(buf, "role");
    quoted(buf, role);
    key(buf, "action");
    quoted(buf, action);
    if let Some(id) = ev.id {
        key(buf, "id");
        let _ = write!(buf, "\"{id:016x}\"");
    }
    match ev.act {
        Act::Open => {
            key(buf, "reason");
            quoted(buf, REASONS[ev.reason as usize]);
            key(buf, "amount");
            buf.push(b'"');
            push_money(buf, ev.amount);
            buf.push(b'"');
            key(buf, "order_total");
            buf.push(b'"');
            push_money(buf, ev.total);
            buf.push(b'"');
            if let Some(due) = ev.time {
                key(buf, "delivery_due");
                buf.push(b'"');
                push_time(buf, due);
                buf.push(b'"');
            }
        }
        Act::Propose | Act::Modify | Act::Decide => {
            key(buf, "amount");
            buf.push(b'"');
            push_money(buf, ev.amount);
            buf.push(b'"');
        }
        Act::RequestEvidence => {
            key(buf, "from");
            quoted(buf, FROM[ev.from as usize]);
            if let Some(due) = ev.time {
                key(buf, "due");
                buf.push(b'"');
                push_time(buf, due);
                buf.push(b'"');
            }
        }
        _ => {}
    }
    buf.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil(0), (1970, 1, 1));
        assert_eq!(civil(START / DAY), (2026, 1, 1));
        assert_eq!(civil(START / DAY + 59), (2026, 3, 1));
        let mut b = Vec::new();
        push_time(&mut b, START + 9 * HOUR + 5 * MINUTE + 7);
        assert_eq!(b, b"2026-01-01T09:05:07Z");
    }

    #[test]
    fn same_seed_same_bytes() {
        let cfg = Config { cases: 300, seed: 7, malformed_per_mille: 5 };
        let (mut a, mut b) = (Vec::new(), Vec::new());
        generate(&cfg, &mut a).unwrap();
        generate(&cfg, &mut b).unwrap();
        assert_eq!(a, b);
        let mut c = Vec::new();
        generate(&Config { seed: 8, ..cfg }, &mut c).unwrap();
        assert_ne!(a, c);
    }
}
