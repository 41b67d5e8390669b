//! The symbol index of a policy: where each status, timer, field, role, action, parameter, enum
//! variant, calendar and outcome is declared, and every place its name is written, all from the
//! AST's spans. Editors (the language server) read it for go to definition, find references,
//! rename, hover and the outline. Names resolve as the checker resolves them: a status path from
//! the innermost status outwards, a bare name in a condition as a parameter of the rule's action,
//! then a field, then a timer, then a variant of the enum compared with or assigned to. A name that
//! does not resolve is left out; the checker reports it. Pure: input is the AST, output the index.

use crate::ast::*;
use crate::span::Span;
use std::collections::BTreeMap;

/// What a symbol is, and its name in full (a status by its dotted path, an action with its role).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SymbolKey {
    /// A status, by dotted path.
    Status(String),
    /// A timer.
    Timer(String),
    /// A case field.
    Field(String),
    /// A role.
    Role(String),
    /// An action: role and action name.
    Action(String, String),
    /// An action's parameter: role, action, parameter.
    Param(String, String, String),
    /// An enum variant: the field or parameter whose inline enum declares it, and its name.
    Variant(Box<SymbolKey>, String),
    /// A calendar.
    Calendar(String),
    /// An outcome kind.
    Outcome(String),
}

impl SymbolKey {
    /// The name as written at a use (a status's last segment, an action's own name).
    pub fn name(&self) -> &str {
        match self {
            SymbolKey::Status(path) => path.rsplit('.').next().unwrap_or(path),
            SymbolKey::Timer(n)
            | SymbolKey::Field(n)
            | SymbolKey::Role(n)
            | SymbolKey::Calendar(n)
            | SymbolKey::Outcome(n)
            | SymbolKey::Action(_, n)
            | SymbolKey::Param(_, _, n)
            | SymbolKey::Variant(_, n) => n,
        }
    }

    /// What kind of thing it is, in words: `status`, `timer`, `enum variant`.
    pub fn kind_word(&self) -> &'static str {
        match self {
            SymbolKey::Status(_) => "status",
            SymbolKey::Timer(_) => "timer",
            SymbolKey::Field(_) => "field",
            SymbolKey::Role(_) => "role",
            SymbolKey::Action(..) => "action",
            SymbolKey::Param(..) => "parameter",
            SymbolKey::Variant(..) => "enum variant",
            SymbolKey::Calendar(_) => "calendar",
            SymbolKey::Outcome(_) => "outcome",
        }
    }
}

/// One declared thing.
#[derive(Debug, Clone)]
pub struct Symbol {
    /// What it is.
    pub key: SymbolKey,
    /// Where its name is written in its declaration.
    pub name_span: Span,
    /// The whole declaration.
    pub span: Span,
    /// Its `##` doc comments.
    pub docs: Vec<String>,
    /// For a status, the enclosing status's symbol; for a parameter or a variant, its owner's.
    pub parent: Option<usize>,
}

/// How a name is used where it is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// The declaration itself.
    Declaration,
    /// A use that reads or names it.
    Reference,
    /// A timer armed here (`after T` or `deadline T`).
    Arm,
}

/// One place a symbol's name is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurrence {
    /// Index into [`SymbolIndex::symbols`].
    pub symbol: usize,
    /// The name's bytes.
    pub span: Span,
    /// Declaration, reference or arming.
    pub kind: Use,
    /// The status whose body holds it (its symbol), if any.
    pub within: Option<usize>,
}

/// A rule's place: what `explain` says of a rule is found through it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleSite {
    /// The whole rule.
    pub span: Span,
    /// The status that declares it (its symbol).
    pub status: usize,
}

/// Every declaration and use of every name in a policy.
#[derive(Debug, Clone, Default)]
pub struct SymbolIndex {
    /// Declarations, in the order of the file.
    pub symbols: Vec<Symbol>,
    /// Every occurrence, sorted by position.
    pub occurrences: Vec<Occurrence>,
    /// Every rule, sorted by position.
    pub rules: Vec<RuleSite>,
    by_key: BTreeMap<SymbolKey, usize>,
    decl_at: BTreeMap<usize, usize>,
    children: BTreeMap<(Option<usize>, String), usize>,
}

impl SymbolIndex {
    /// The symbol of a key, if declared.
    pub fn find(&self, key: &SymbolKey) -> Option<usize> {
        self.by_key.get(key).copied()
    }

    /// The occurrence whose name covers `offset` (its end counts, so a cursor just after a name
    /// finds it).
    pub fn at(&self, offset: usize) -> Option<&Occurrence> {
        let i = self.occurrences.partition_point(|o| o.span.start <= offset);
        self.occurrences[..i].iter().rev().take(2).find(|o| o.span.start <= offset && offset <= o.span.end)
    }

    /// Every occurrence of one symbol, its declaration included, in order.
    pub fn occurrences_of(&self, symbol: usize) -> impl Iterator<Item = &Occurrence> {
        self.occurrences.iter().filter(move |o| o.symbol == symbol)
    }

    /// The innermost status whose declaration covers `offset`.
    pub fn status_at(&self, offset: usize) -> Option<usize> {
        self.symbols
            .iter()
            .enumerate()
            .filter(|(_, s)| matches!(s.key, SymbolKey::Status(_)) && s.span.start <= offset && offset <= s.span.end)
            .max_by_key(|(_, s)| s.span.start)
            .map(|(i, _)| i)
    }

    /// The innermost rule covering `offset`.
    pub fn rule_at(&self, offset: usize) -> Option<&RuleSite> {
        self.rules.iter().filter(|r| r.span.start <= offset && offset <= r.span.end).max_by_key(|r| r.span.start)
    }

    /// The statuses a path written inside `from` may start with: its children, then each
    /// enclosing level's, then the top level's, nearest first, each name once.
    pub fn visible_statuses(&self, from: Option<usize>) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        let mut scope = from;
        loop {
            for ((parent, name), &s) in &self.children {
                if *parent == scope && !out.iter().any(|&o| self.symbols[o].key.name() == name) {
                    out.push(s);
                }
            }
            match scope {
                Some(s) => scope = self.symbols[s].parent,
                None => break,
            }
        }
        out
    }

    /// The children of a status (or the top-level statuses for `None`).
    pub fn child_statuses(&self, of: Option<usize>) -> Vec<usize> {
        self.children.iter().filter(|((p, _), _)| *p == of).map(|(_, &s)| s).collect()
    }

    /// Resolve a dotted path written inside status `from`, as the checker does: the first segment
    /// among `from`'s children, then outwards; each later one among the children of the one before.
    pub fn resolve_path<'a>(&self, from: Option<usize>, segments: impl IntoIterator<Item = &'a str>) -> Vec<usize> {
        let mut out = Vec::new();
        let mut segments = segments.into_iter();
        let Some(first) = segments.next() else { return out };
        let mut scope = from;
        let found = loop {
            if let Some(&s) = self.children.get(&(scope, first.to_string())) {
                break Some(s);
            }
            match scope {
                Some(s) => scope = self.symbols[s].parent,
                None => break None,
            }
        };
        let Some(mut cur) = found else { return out };
        out.push(cur);
        for seg in segments {
            match self.children.get(&(Some(cur), seg.to_string())) {
                Some(&c) => {
                    cur = c;
                    out.push(c);
                }
                None => break,
            }
        }
        out
    }

    fn declare(&mut self, key: SymbolKey, name: &Ident, span: Span, docs: &[String], parent: Option<usize>) -> usize {
        let id = self.symbols.len();
        self.symbols.push(Symbol { key: key.clone(), name_span: name.span, span, docs: docs.to_vec(), parent });
        self.by_key.entry(key).or_insert(id);
        self.decl_at.insert(name.span.start, id);
        self.occurrences.push(Occurrence { symbol: id, span: name.span, kind: Use::Declaration, within: None });
        id
    }

    fn refer(&mut self, key: &SymbolKey, span: Span, kind: Use, within: Option<usize>) -> Option<usize> {
        let id = self.find(key)?;
        self.occurrences.push(Occurrence { symbol: id, span, kind, within });
        Some(id)
    }
}

/// Index a parsed policy.
pub fn index(ast: &Policy) -> SymbolIndex {
    let mut ix = SymbolIndex::default();
    for r in &ast.roles {
        ix.declare(SymbolKey::Role(r.name.clone()), r, r.span, &[], None);
    }
    for o in &ast.outcomes {
        ix.declare(SymbolKey::Outcome(o.name.name.clone()), &o.name, o.name.span, &[], None);
    }
    for c in &ast.calendars {
        ix.declare(SymbolKey::Calendar(c.name.name.clone()), &c.name, c.span, &c.docs, None);
    }
    for t in &ast.timers {
        ix.declare(SymbolKey::Timer(t.name.name.clone()), &t.name, t.span, &t.docs, None);
    }
    for f in &ast.fields {
        let key = SymbolKey::Field(f.name.name.clone());
        let id = ix.declare(key.clone(), &f.name, f.span, &f.docs, None);
        declare_variants(&mut ix, &key, &f.ty, id);
    }
    for a in &ast.actions {
        let id =
            ix.declare(SymbolKey::Action(a.role.name.clone(), a.name.name.clone()), &a.name, a.span, &a.docs, None);
        for p in &a.params {
            let key = SymbolKey::Param(a.role.name.clone(), a.name.name.clone(), p.name.name.clone());
            let pid = ix.declare(key.clone(), &p.name, p.name.span, &[], Some(id));
            if let Some(ty) = &p.ty {
                declare_variants(&mut ix, &key, ty, pid);
            }
        }
    }
    for s in &ast.statuses {
        declare_status(&mut ix, s, None, "");
    }
    // Uses, now that every declaration is known.
    let cx = Lookup::new(ast);
    for a in &ast.actions {
        ix.refer(&SymbolKey::Role(a.role.name.clone()), a.role.span, Use::Reference, None);
        for p in &a.params {
            // An untyped parameter takes the type of the field of its name: that is a use of it.
            if p.ty.is_none() {
                ix.refer(&SymbolKey::Field(p.name.name.clone()), p.name.span, Use::Reference, None);
            }
        }
    }
    for t in &ast.timers {
        match &t.clock {
            TimerClock::After(DurationSpec::Literal(term)) => term_calendar(&mut ix, term, None),
            TimerClock::After(DurationSpec::Field(f)) => {
                ix.refer(&SymbolKey::Field(f.name.clone()), f.span, Use::Reference, None);
            }
            TimerClock::After(DurationSpec::Table { field, entries, .. }) => {
                ix.refer(&SymbolKey::Field(field.name.clone()), field.span, Use::Reference, None);
                let owner = cx.enum_of_field(&field.name);
                for (variant, term) in entries {
                    if let Some(owner) = &owner {
                        ix.refer(
                            &SymbolKey::Variant(Box::new(owner.clone()), variant.name.clone()),
                            variant.span,
                            Use::Reference,
                            None,
                        );
                    }
                    term_calendar(&mut ix, term, None);
                }
            }
            TimerClock::At(e) => expr(&mut ix, &cx, None, e, None, None),
        }
        if let Some(r) = &t.restart {
            for role in r.roles.iter().flatten() {
                ix.refer(&SymbolKey::Role(role.name.clone()), role.span, Use::Reference, None);
            }
        }
        match &t.pause {
            Some((Pause::In(paths), _)) => {
                for p in paths {
                    path(&mut ix, None, p, None);
                }
            }
            Some((Pause::When(e), _)) => expr(&mut ix, &cx, None, e, None, None),
            None => {}
        }
    }
    for f in &ast.fields {
        if let Some(d) = &f.default {
            let hint = cx.enum_of_field(&f.name.name);
            expr(&mut ix, &cx, None, d, hint.as_ref(), None);
        }
    }
    for s in &ast.statuses {
        status_uses(&mut ix, &cx, s, None);
    }
    ix.occurrences.sort_by_key(|o| (o.span.start, o.span.end));
    ix.occurrences.dedup_by_key(|o| (o.span, o.symbol));
    ix.rules.sort_by_key(|r| r.span.start);
    ix
}

fn declare_variants(ix: &mut SymbolIndex, owner: &SymbolKey, ty: &TypeExpr, owner_id: usize) {
    if let TypeKind::Enum(variants) = &ty.kind {
        for v in variants {
            ix.declare(SymbolKey::Variant(Box::new(owner.clone()), v.name.clone()), v, v.span, &[], Some(owner_id));
        }
    }
}

fn declare_status(ix: &mut SymbolIndex, s: &StatusDecl, parent: Option<usize>, prefix: &str) {
    let path = if prefix.is_empty() { s.name.name.clone() } else { format!("{prefix}.{}", s.name.name) };
    let id = ix.declare(SymbolKey::Status(path.clone()), &s.name, s.span, &s.docs, parent);
    ix.children.entry((parent, s.name.name.clone())).or_insert(id);
    for c in &s.children {
        declare_status(ix, c, Some(id), &path);
    }
}

/// The declarations a bare name in an expression may resolve to.
struct Lookup<'a> {
    fields: BTreeMap<&'a str, &'a FieldDecl>,
    timers: BTreeMap<&'a str, &'a TimerDecl>,
    actions: BTreeMap<(&'a str, &'a str), &'a ActionDecl>,
}

impl<'a> Lookup<'a> {
    fn new(ast: &'a Policy) -> Self {
        let mut fields = BTreeMap::new();
        for f in &ast.fields {
            fields.entry(f.name.name.as_str()).or_insert(f);
        }
        let mut timers = BTreeMap::new();
        for t in &ast.timers {
            timers.entry(t.name.name.as_str()).or_insert(t);
        }
        let mut actions = BTreeMap::new();
        for a in &ast.actions {
            actions.entry((a.role.name.as_str(), a.name.name.as_str())).or_insert(a);
        }
        Lookup { fields, timers, actions }
    }

    /// The owner of a field's inline enum, if its type is one.
    fn enum_of_field(&self, name: &str) -> Option<SymbolKey> {
        let f = self.fields.get(name)?;
        matches!(f.ty.kind, TypeKind::Enum(_)).then(|| SymbolKey::Field(name.to_string()))
    }

    /// What a bare name resolves to inside a rule of `action` (if any), and the enum its value
    /// belongs to.
    fn name(&self, action: Option<&ActionDecl>, name: &str) -> Option<(SymbolKey, Option<SymbolKey>)> {
        if let Some(a) = action
            && let Some(p) = a.params.iter().find(|p| p.name.name == name)
        {
            let key = SymbolKey::Param(a.role.name.clone(), a.name.name.clone(), name.to_string());
            let owner = match &p.ty {
                Some(TypeExpr { kind: TypeKind::Enum(_), .. }) => Some(key.clone()),
                Some(_) => None,
                None => self.enum_of_field(name),
            };
            return Some((key, owner));
        }
        if self.fields.contains_key(name) {
            return Some((SymbolKey::Field(name.to_string()), self.enum_of_field(name)));
        }
        if self.timers.contains_key(name) {
            return Some((SymbolKey::Timer(name.to_string()), None));
        }
        None
    }
}

fn term_calendar(ix: &mut SymbolIndex, term: &DurationTerm, within: Option<usize>) {
    if let Some(c) = &term.calendar {
        ix.refer(&SymbolKey::Calendar(c.name.clone()), c.span, Use::Reference, within);
    }
}

fn path(ix: &mut SymbolIndex, from: Option<usize>, p: &Path, within: Option<usize>) {
    let found = ix.resolve_path(from, p.segments.iter().map(|s| s.name.as_str()));
    for (seg, s) in p.segments.iter().zip(found) {
        let key = ix.symbols[s].key.clone();
        ix.refer(&key, seg.span, Use::Reference, within);
    }
}

/// The enum a name's value belongs to, for resolving the other side of a comparison.
fn enum_hint(cx: &Lookup, action: Option<&ActionDecl>, e: &Expr) -> Option<SymbolKey> {
    match &e.kind {
        ExprKind::Name(n) => cx.name(action, n).and_then(|(_, owner)| owner),
        _ => None,
    }
}

fn expr(
    ix: &mut SymbolIndex,
    cx: &Lookup,
    action: Option<&ActionDecl>,
    e: &Expr,
    hint: Option<&SymbolKey>,
    within: Option<usize>,
) {
    match &e.kind {
        ExprKind::Name(n) => match cx.name(action, n) {
            Some((key, _)) => {
                ix.refer(&key, e.span, Use::Reference, within);
            }
            None => {
                if let Some(owner) = hint {
                    ix.refer(&SymbolKey::Variant(Box::new(owner.clone()), n.clone()), e.span, Use::Reference, within);
                }
            }
        },
        ExprKind::Duration(term) => term_calendar(ix, term, within),
        ExprKind::TimeIn(p) => path(ix, within, p, within),
        ExprKind::TimeSince(f) => {
            ix.refer(&SymbolKey::Field(f.name.clone()), f.span, Use::Reference, within);
        }
        ExprKind::DayEdge { time, calendar, .. } | ExprKind::AtTime { time, calendar, .. } => {
            expr(ix, cx, action, time, None, within);
            if let Some(c) = calendar {
                ix.refer(&SymbolKey::Calendar(c.name.clone()), c.span, Use::Reference, within);
            }
        }
        ExprKind::Unary(_, x) => expr(ix, cx, action, x, hint, within),
        ExprKind::Binary(op, l, r) => {
            let (lh, rh) = if op.is_comparison() {
                (enum_hint(cx, action, r), enum_hint(cx, action, l))
            } else {
                (hint.cloned(), hint.cloned())
            };
            expr(ix, cx, action, l, lh.as_ref(), within);
            expr(ix, cx, action, r, rh.as_ref(), within);
        }
        ExprKind::Bool(_) | ExprKind::Int(_) | ExprKind::Money(_) | ExprKind::Text(_) | ExprKind::Now => {}
    }
}

fn assignments(
    ix: &mut SymbolIndex,
    cx: &Lookup,
    action: Option<&ActionDecl>,
    list: &[Assignment],
    within: Option<usize>,
) {
    for a in list {
        ix.refer(&SymbolKey::Field(a.field.name.clone()), a.field.span, Use::Reference, within);
        let hint = cx.enum_of_field(&a.field.name);
        expr(ix, cx, action, &a.value, hint.as_ref(), within);
    }
}

fn status_uses(ix: &mut SymbolIndex, cx: &Lookup, s: &StatusDecl, parent: Option<usize>) {
    // Found by where its name is declared, so a status declared twice keeps its own uses.
    let Some(me) = ix.decl_at.get(&s.name.span.start).copied() else { return };
    let _ = parent;
    let within = Some(me);
    if let Some(o) = &s.outcome {
        ix.refer(&SymbolKey::Outcome(o.name.name.clone()), o.name.span, Use::Reference, within);
        if let Some(a) = &o.amount {
            expr(ix, cx, None, a, None, within);
        }
    }
    for item in &s.items {
        match item {
            StatusItem::Deadline(t) => {
                ix.refer(&SymbolKey::Timer(t.name.clone()), t.span, Use::Arm, within);
            }
            StatusItem::Entry(list, _) => assignments(ix, cx, None, list, within),
            StatusItem::Rule(rule) => {
                ix.rules.push(RuleSite { span: rule.span, status: me });
                let mut action = None;
                match &rule.trigger {
                    Trigger::Action { role, action: name } => {
                        ix.refer(&SymbolKey::Role(role.name.clone()), role.span, Use::Reference, within);
                        ix.refer(
                            &SymbolKey::Action(role.name.clone(), name.name.clone()),
                            name.span,
                            Use::Reference,
                            within,
                        );
                        action = cx.actions.get(&(role.name.as_str(), name.name.as_str())).copied();
                    }
                    Trigger::Timer(t) => {
                        ix.refer(&SymbolKey::Timer(t.name.clone()), t.span, Use::Arm, within);
                    }
                    Trigger::Automatic => {}
                }
                if let Some(g) = &rule.guard {
                    expr(ix, cx, action, g, None, within);
                }
                if let Some(t) = &rule.target {
                    path(ix, within, t, within);
                }
                assignments(ix, cx, action, &rule.effects, within);
            }
        }
    }
    for c in &s.children {
        status_uses(ix, cx, c, within);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = "policy p \"P\"\nroles buyer, seller\ntimers {\n  wait = 5d\n}\nfields {\n  kind: enum { a, b } = a\n  n: int = 0\n}\nactions {\n  buyer go(kind)\n  seller stop(how: enum { a, c })\n}\ninitial status one \"One\" {\n  after wait -> two\n  buyer go when kind == b -> two.inner { n = 1 }\n  initial status inner \"Inner\" {\n    seller stop when how == c -> two\n  }\n}\nstatus two \"Two\" {\n  deadline wait\n  initial status inner \"In two\"\n}\n";

    fn names_at(ix: &SymbolIndex, text: &str, needle: &str, nth: usize) -> SymbolKey {
        let at = text.match_indices(needle).nth(nth).map(|(i, _)| i).unwrap();
        let o = ix.at(at).unwrap();
        ix.symbols[o.symbol].key.clone()
    }

    #[test]
    fn names_resolve_as_the_checker_resolves_them() {
        let ast = crate::syntax::parse(POLICY).unwrap();
        let ix = index(&ast);
        // The target `two` inside `one` is the top-level status; `two.inner` its child.
        assert_eq!(names_at(&ix, POLICY, "two", 0), SymbolKey::Status("two".into()));
        let inner = POLICY.find("two.inner").unwrap() + 4;
        assert_eq!(ix.symbols[ix.at(inner).unwrap().symbol].key, SymbolKey::Status("two.inner".into()));
        // `kind` in the guard is the parameter (it hides the field); `b` its enum's variant, the field's.
        let guard = POLICY.find("kind == b").unwrap();
        assert_eq!(
            ix.symbols[ix.at(guard).unwrap().symbol].key,
            SymbolKey::Param("buyer".into(), "go".into(), "kind".into())
        );
        let b = ix.at(guard + 8).unwrap();
        assert_eq!(ix.symbols[b.symbol].key, SymbolKey::Variant(Box::new(SymbolKey::Field("kind".into())), "b".into()));
        // `c` is a variant of the parameter's own enum.
        let c = POLICY.find("how == c").unwrap() + 7;
        assert_eq!(
            ix.symbols[ix.at(c).unwrap().symbol].key,
            SymbolKey::Variant(Box::new(SymbolKey::Param("seller".into(), "stop".into(), "how".into())), "c".into())
        );
        // The timer is declared once and armed twice.
        let wait = ix.find(&SymbolKey::Timer("wait".into())).unwrap();
        let arms: Vec<Use> = ix.occurrences_of(wait).map(|o| o.kind).collect();
        assert_eq!(arms, vec![Use::Declaration, Use::Arm, Use::Arm]);
        assert_eq!(ix.rules.len(), 3);
    }

    #[test]
    fn the_innermost_status_and_rule_are_found_by_position() {
        let ast = crate::syntax::parse(POLICY).unwrap();
        let ix = index(&ast);
        let at = POLICY.find("seller stop when").unwrap();
        let s = ix.status_at(at).unwrap();
        assert_eq!(ix.symbols[s].key, SymbolKey::Status("one.inner".into()));
        assert_eq!(ix.rule_at(at).map(|r| r.status), Some(s));
        let visible: Vec<&str> = ix.visible_statuses(Some(s)).iter().map(|&v| ix.symbols[v].key.name()).collect();
        assert_eq!(visible, vec!["inner", "one", "two"]);
    }
}
