//! Lowering: pest's parse tree to the typed AST. The grammar fixes each pair's shape, so a shape
//! this code does not expect is an internal mismatch, reported as a diagnostic rather than a panic.

use super::Rule;
use super::expr::{duration_term, expr, grammar_bug, unquote};
use crate::ast::*;
use crate::diag::Diagnostic;
use crate::span::Span;
use pest::iterators::Pair;

type Result<T> = std::result::Result<T, Diagnostic>;

/// The span of a pair.
pub fn span_of(pair: &Pair<Rule>) -> Span {
    Span::new(pair.as_span().start(), pair.as_span().end())
}

/// The first inner pair of a rule; punctuation pairs such as `comma` are skipped this way.
fn child<'i>(pair: &Pair<'i, Rule>, rule: Rule) -> Option<Pair<'i, Rule>> {
    pair.clone().into_inner().find(|p| p.as_rule() == rule)
}

/// A name pair as an `Ident`.
pub fn ident(pair: &Pair<Rule>) -> Ident {
    Ident { name: pair.as_str().to_string(), span: span_of(pair) }
}

/// A `status_path` pair as a `Path`.
pub fn path(pair: Pair<Rule>) -> Path {
    let span = span_of(&pair);
    let mut offset = span.start;
    let segments = pair
        .as_str()
        .split('.')
        .map(|s| {
            let id = Ident { name: s.to_string(), span: Span::new(offset, offset + s.len()) };
            offset += s.len() + 1;
            id
        })
        .collect();
    Path { segments, span }
}

fn doc_text(pair: &Pair<Rule>) -> String {
    pair.as_str().trim_start_matches('#').trim().to_string()
}

/// Lower the `policy` pair.
pub fn policy(pair: Pair<Rule>) -> Result<Policy> {
    let span = span_of(&pair);
    let mut inner = pair.into_inner();
    let header = inner.next().ok_or_else(|| grammar_bug(span))?;
    let mut policy = header_of(header)?;
    for item in inner {
        match item.as_rule() {
            Rule::roles_decl => policy.roles.extend(
                item.into_inner()
                    .filter(|p| p.as_rule() == Rule::role_def)
                    .filter_map(|p| p.into_inner().next())
                    .map(|p| ident(&p)),
            ),
            Rule::outcomes_decl => {
                for def in item.into_inner().filter(|p| p.as_rule() == Rule::outcome_def) {
                    let name = child(&def, Rule::outcome_name).map(|p| ident(&p)).ok_or_else(|| grammar_bug(span))?;
                    let amount = child(&def, Rule::type_expr).map(type_expr).transpose()?;
                    policy.outcomes.push(OutcomeDecl { name, amount });
                }
            }
            Rule::calendar_decl => policy.calendars.push(calendar_decl(item)?),
            Rule::timers_decl => {
                for decl in item.into_inner().filter(|p| p.as_rule() == Rule::timer_decl) {
                    policy.timers.push(timer_decl(decl)?);
                }
            }
            Rule::fields_decl => {
                for decl in item.into_inner().filter(|p| p.as_rule() == Rule::field_decl) {
                    policy.fields.push(field_decl(decl)?);
                }
            }
            Rule::actions_decl => {
                for decl in item.into_inner().filter(|p| p.as_rule() == Rule::action_decl) {
                    policy.actions.push(action_decl(decl)?);
                }
            }
            Rule::status_decl => policy.statuses.push(status_decl(item)?),
            _ => {}
        }
    }
    Ok(policy)
}

fn header_of(pair: Pair<Rule>) -> Result<Policy> {
    let span = span_of(&pair);
    let mut docs = Vec::new();
    let mut name = None;
    let mut title = String::new();
    let mut version = None;
    let mut effective = None;
    for p in pair.into_inner() {
        match p.as_rule() {
            Rule::doc => docs.push(doc_text(&p)),
            Rule::policy_name => name = Some(ident(&p)),
            Rule::title => title = unquote(p.as_str()),
            Rule::version_decl => version = p.into_inner().next().map(|s| unquote(s.as_str())),
            Rule::effective_decl => effective = p.into_inner().next().map(|s| (s.as_str().to_string(), span_of(&s))),
            _ => {}
        }
    }
    Ok(Policy {
        name: name.ok_or_else(|| grammar_bug(span))?,
        title,
        version,
        effective,
        docs,
        roles: vec![],
        outcomes: vec![],
        calendars: vec![],
        timers: vec![],
        fields: vec![],
        actions: vec![],
        statuses: vec![],
    })
}

fn calendar_decl(pair: Pair<Rule>) -> Result<CalendarDecl> {
    let span = span_of(&pair);
    let mut cal = CalendarDecl {
        docs: vec![],
        name: Ident { name: String::new(), span },
        zone: None,
        weekend: None,
        holidays: None,
        hours: None,
        span,
    };
    for p in pair.into_inner() {
        let pspan = span_of(&p);
        match p.as_rule() {
            Rule::doc => cal.docs.push(doc_text(&p)),
            Rule::calendar_name => cal.name = ident(&p),
            Rule::calendar_zone => {
                let s = child(&p, Rule::string).ok_or_else(|| grammar_bug(pspan))?;
                cal.zone = Some((unquote(s.as_str()), span_of(&s)));
            }
            Rule::calendar_weekend => {
                let days = p.into_inner().filter(|d| d.as_rule() == Rule::weekday).map(|d| ident(&d)).collect();
                cal.weekend = Some((days, pspan));
            }
            Rule::calendar_holidays => {
                let s = child(&p, Rule::string).ok_or_else(|| grammar_bug(pspan))?;
                cal.holidays = Some((unquote(s.as_str()), span_of(&s)));
            }
            Rule::calendar_hours => {
                let times: Vec<String> = p
                    .into_inner()
                    .filter(|t| t.as_rule() == Rule::clock_time)
                    .map(|t| t.as_str().to_string())
                    .collect();
                let [open, close] = <[String; 2]>::try_from(times).map_err(|_| grammar_bug(pspan))?;
                cal.hours = Some((open, close, pspan));
            }
            _ => {}
        }
    }
    Ok(cal)
}

fn timer_decl(pair: Pair<Rule>) -> Result<TimerDecl> {
    let span = span_of(&pair);
    let mut docs = Vec::new();
    let mut name = None;
    let mut clock = None;
    let mut restart = None;
    let mut pause = None;
    for p in pair.into_inner() {
        let pspan = span_of(&p);
        match p.as_rule() {
            Rule::doc => docs.push(doc_text(&p)),
            Rule::timer_name => name = Some(ident(&p)),
            Rule::timer_after => {
                let inner = p.into_inner().find(|q| q.as_rule() != Rule::equals).ok_or_else(|| grammar_bug(span))?;
                clock = Some(TimerClock::After(match inner.as_rule() {
                    Rule::duration_term => DurationSpec::Literal(duration_term(inner)?),
                    Rule::duration_table => duration_table(inner)?,
                    _ => DurationSpec::Field(ident(&inner)),
                }));
            }
            Rule::timer_at => {
                let e = child(&p, Rule::expr).ok_or_else(|| grammar_bug(span))?;
                clock = Some(TimerClock::At(expr(e)?));
            }
            Rule::timer_restart => {
                let any = child(&p, Rule::kw_any).is_some();
                let roles: Vec<Ident> =
                    p.into_inner().filter(|q| q.as_rule() == Rule::role_name).map(|q| ident(&q)).collect();
                restart = Some(Restart { roles: (!any).then_some(roles), span: pspan });
            }
            Rule::timer_pause => {
                let inner = p.into_inner().next().ok_or_else(|| grammar_bug(pspan))?;
                let what = match inner.as_rule() {
                    Rule::pause_in => {
                        Pause::In(inner.into_inner().filter(|q| q.as_rule() == Rule::status_path).map(path).collect())
                    }
                    _ => {
                        Pause::When(child(&inner, Rule::expr).map(expr).transpose()?.ok_or_else(|| grammar_bug(pspan))?)
                    }
                };
                pause = Some((what, pspan));
            }
            _ => {}
        }
    }
    Ok(TimerDecl {
        docs,
        name: name.ok_or_else(|| grammar_bug(span))?,
        clock: clock.ok_or_else(|| grammar_bug(span))?,
        restart,
        pause,
        span,
    })
}

fn duration_table(pair: Pair<Rule>) -> Result<DurationSpec> {
    let span = span_of(&pair);
    let field = child(&pair, Rule::field_name).map(|p| ident(&p)).ok_or_else(|| grammar_bug(span))?;
    let mut entries = Vec::new();
    for entry in pair.into_inner().filter(|p| p.as_rule() == Rule::duration_entry) {
        let espan = span_of(&entry);
        let variant = child(&entry, Rule::variant_name).map(|p| ident(&p)).ok_or_else(|| grammar_bug(espan))?;
        let term =
            child(&entry, Rule::duration_term).map(duration_term).transpose()?.ok_or_else(|| grammar_bug(espan))?;
        entries.push((variant, term));
    }
    Ok(DurationSpec::Table { field, entries, span })
}

fn type_expr(pair: Pair<Rule>) -> Result<TypeExpr> {
    let span = span_of(&pair);
    let mut kind = None;
    let mut optional = false;
    for p in pair.into_inner() {
        match p.as_rule() {
            Rule::type_name => kind = Some(TypeKind::Named(ident(&p))),
            Rule::enum_type => {
                kind = Some(TypeKind::Enum(
                    p.into_inner().filter(|v| v.as_rule() == Rule::variant_name).map(|v| ident(&v)).collect(),
                ))
            }
            Rule::optional_mark => optional = true,
            _ => {}
        }
    }
    Ok(TypeExpr { kind: kind.ok_or_else(|| grammar_bug(span))?, optional, span })
}

fn field_decl(pair: Pair<Rule>) -> Result<FieldDecl> {
    let span = span_of(&pair);
    let mut docs = Vec::new();
    let mut name = None;
    let mut ty = None;
    let mut default = None;
    for p in pair.into_inner() {
        match p.as_rule() {
            Rule::doc => docs.push(doc_text(&p)),
            Rule::field_name => name = Some(ident(&p)),
            Rule::type_expr => ty = Some(type_expr(p)?),
            Rule::expr => default = Some(expr(p)?),
            _ => {}
        }
    }
    Ok(FieldDecl {
        docs,
        name: name.ok_or_else(|| grammar_bug(span))?,
        ty: ty.ok_or_else(|| grammar_bug(span))?,
        default,
        span,
    })
}

fn action_decl(pair: Pair<Rule>) -> Result<ActionDecl> {
    let span = span_of(&pair);
    let mut docs = Vec::new();
    let mut role = None;
    let mut name = None;
    let mut params = Vec::new();
    for p in pair.into_inner() {
        match p.as_rule() {
            Rule::doc => docs.push(doc_text(&p)),
            Rule::role_name => role = Some(ident(&p)),
            Rule::action_name => name = Some(ident(&p)),
            Rule::param_list => {
                for param in p.into_inner().filter(|q| q.as_rule() == Rule::param) {
                    let pname = child(&param, Rule::param_name).map(|q| ident(&q)).ok_or_else(|| grammar_bug(span))?;
                    let ty = child(&param, Rule::type_expr).map(type_expr).transpose()?;
                    params.push(ParamDecl { name: pname, ty });
                }
            }
            _ => {}
        }
    }
    Ok(ActionDecl {
        docs,
        role: role.ok_or_else(|| grammar_bug(span))?,
        name: name.ok_or_else(|| grammar_bug(span))?,
        params,
        span,
    })
}

fn status_decl(pair: Pair<Rule>) -> Result<StatusDecl> {
    let span = span_of(&pair);
    let mut status = StatusDecl {
        docs: vec![],
        name: Ident { name: String::new(), span },
        label: String::new(),
        initial: false,
        terminal: false,
        outcome: None,
        items: vec![],
        children: vec![],
        has_body: false,
        span,
    };
    for p in pair.into_inner() {
        match p.as_rule() {
            Rule::doc => status.docs.push(doc_text(&p)),
            Rule::initial_kw => status.initial = true,
            Rule::terminal_kw => status.terminal = true,
            Rule::status_name => status.name = ident(&p),
            Rule::label => status.label = unquote(p.as_str()),
            Rule::outcome_clause => {
                let ospan = span_of(&p);
                let name = child(&p, Rule::outcome_name).map(|q| ident(&q)).ok_or_else(|| grammar_bug(ospan))?;
                let amount = child(&p, Rule::expr).map(expr).transpose()?;
                status.outcome = Some(OutcomeUse { name, amount, span: ospan });
            }
            Rule::status_body => {
                status.has_body = true;
                for item in p.into_inner() {
                    status_item(item, &mut status)?;
                }
            }
            _ => {}
        }
    }
    Ok(status)
}

fn status_item(pair: Pair<Rule>, status: &mut StatusDecl) -> Result<()> {
    let span = span_of(&pair);
    match pair.as_rule() {
        Rule::status_decl => status.children.push(status_decl(pair)?),
        Rule::entry_block => {
            let effects =
                pair.into_inner().find(|p| p.as_rule() == Rule::effects).map(effects).transpose()?.unwrap_or_default();
            status.items.push(StatusItem::Entry(effects, span));
        }
        Rule::deadline_rule => {
            let timer = pair.into_inner().find(|p| p.as_rule() == Rule::timer_name).ok_or_else(|| grammar_bug(span))?;
            status.items.push(StatusItem::Deadline(ident(&timer)));
        }
        Rule::timer_rule | Rule::auto_rule | Rule::action_rule => {
            status.items.push(StatusItem::Rule(Box::new(rule(pair)?)))
        }
        _ => {}
    }
    Ok(())
}

fn rule(pair: Pair<Rule>) -> Result<crate::ast::Rule> {
    let span = span_of(&pair);
    let kind = pair.as_rule();
    let mut docs = Vec::new();
    let mut otherwise = false;
    let mut role = None;
    let mut action = None;
    let mut timer = None;
    let mut guard = None;
    let mut target = None;
    let mut effs = Vec::new();
    for p in pair.into_inner() {
        match p.as_rule() {
            Rule::doc => docs.push(doc_text(&p)),
            Rule::else_kw => otherwise = true,
            Rule::role_name => role = Some(ident(&p)),
            Rule::action_name => action = Some(ident(&p)),
            Rule::timer_name => timer = Some(ident(&p)),
            Rule::guard => guard = p.into_inner().next().map(expr).transpose()?,
            // An automatic rule's condition is a bare `expr`, not a `guard`.
            Rule::expr => guard = Some(expr(p)?),
            Rule::target => target = p.into_inner().next().map(path),
            Rule::effects => effs = effects(p)?,
            _ => {}
        }
    }
    let trigger = match kind {
        Rule::timer_rule => Trigger::Timer(timer.ok_or_else(|| grammar_bug(span))?),
        Rule::auto_rule => Trigger::Automatic,
        _ => Trigger::Action {
            role: role.ok_or_else(|| grammar_bug(span))?,
            action: action.ok_or_else(|| grammar_bug(span))?,
        },
    };
    Ok(crate::ast::Rule { docs, otherwise, trigger, guard, target, effects: effs, span })
}

fn effects(pair: Pair<Rule>) -> Result<Vec<Assignment>> {
    let span = span_of(&pair);
    pair.into_inner()
        .filter(|p| p.as_rule() == Rule::assignment)
        .map(|a| {
            let field = child(&a, Rule::field_name).map(|p| ident(&p)).ok_or_else(|| grammar_bug(span))?;
            let value = child(&a, Rule::expr).map(expr).transpose()?.ok_or_else(|| grammar_bug(span))?;
            Ok(Assignment { field, value })
        })
        .collect()
}
