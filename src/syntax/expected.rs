//! Turn pest's "expected one of these rules" into words a policy analyst understands:
//! "expected a status name", never `status_name`.

use super::Rule;
use crate::diag::Diagnostic;
use crate::span::Span;
use pest::error::{Error, ErrorVariant, InputLocation};

/// What a grammar rule is, in words.
fn rule_in_words(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::policy | Rule::header => "`policy NAME \"Title\"`",
        Rule::policy_name => "a policy name",
        Rule::title | Rule::label | Rule::string => "a quoted text",
        Rule::version_decl => "`version \"...\"`",
        Rule::roles_decl => "`roles`",
        Rule::outcomes_decl => "`outcomes`",
        Rule::timers_decl => "`timers {`",
        Rule::fields_decl => "`fields {`",
        Rule::actions_decl => "`actions {`",
        Rule::status_decl => "a status",
        Rule::doc => "a doc comment",
        Rule::role_def | Rule::role_name => "a role name",
        Rule::outcome_def | Rule::outcome_name => "an outcome name",
        Rule::timer_decl | Rule::timer_name => "a timer name",
        Rule::timer_after => "`= DURATION`",
        Rule::timer_at | Rule::kw_at => "`at FIELD`",
        Rule::field_decl | Rule::field_name | Rule::assignment => "a field name",
        Rule::type_expr | Rule::type_name => "a type (money, time, bool, int, text or enum { ... })",
        Rule::enum_type => "`enum { ... }`",
        Rule::optional_mark => "`?`",
        Rule::variant_name => "an enum variant",
        Rule::action_decl => "an action (`role action(params)`)",
        Rule::action_name => "an action name",
        Rule::param_list => "a parameter list `( ... )`",
        Rule::param | Rule::param_name => "a parameter name",
        Rule::initial_kw => "`initial`",
        Rule::terminal_kw => "`terminal`",
        Rule::outcome_clause => "`outcome`",
        Rule::status_body => "a status body `{ ... }`",
        Rule::status_name => "a status name",
        Rule::entry_block => "`on entry`",
        Rule::deadline_rule => "`deadline TIMER`",
        Rule::timer_rule => "`after TIMER`",
        Rule::auto_rule => "`when CONDITION -> STATUS`",
        Rule::action_rule => "a rule (`role action ... -> status`)",
        Rule::else_kw => "`else`",
        Rule::guard => "`when CONDITION`",
        Rule::target | Rule::status_path => "a status name",
        Rule::effects => "effects `{ field = value }`",
        Rule::expr => "an expression",
        Rule::op_not | Rule::op_neg => "an expression",
        Rule::op_or | Rule::op_and => "`and`/`or`",
        Rule::op_eq | Rule::op_ne | Rule::op_le | Rule::op_ge | Rule::op_lt | Rule::op_gt => "a comparison",
        Rule::op_add | Rule::op_sub | Rule::op_mul => "an operator",
        Rule::time_in | Rule::time_since | Rule::kw_now | Rule::bool_lit | Rule::money_lit | Rule::int_lit => "a value",
        Rule::duration => "a duration such as `5d` (units s m h d w)",
        Rule::name_ref => "a name",
        Rule::EOI => "the end of the file",
        _ => return None,
    })
}

/// Punctuation pest tried at the failure point, shown as written.
fn token_in_words(token: &str) -> Option<String> {
    const SHOWN: &[&str] = &["{", "}", "(", ")", "->", "=", ":", ",", "."];
    SHOWN.contains(&token).then(|| format!("`{token}`"))
}

/// Build the syntax-error diagnostic for a pest failure.
pub fn describe(text: &str, err: &Error<Rule>) -> Diagnostic {
    let pos = match err.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let mut wanted: Vec<String> = Vec::new();
    if let ErrorVariant::ParsingError { positives, .. } = &err.variant {
        wanted.extend(positives.iter().filter_map(|r| rule_in_words(*r)).map(str::to_string));
    }
    if let Some(attempts) = err.parse_attempts() {
        wanted.extend(attempts.expected_tokens().iter().filter_map(|t| token_in_words(&t.to_string())));
    }
    wanted.sort();
    wanted.dedup();
    let found = found_at(text, pos);
    let expected = match wanted.len() {
        0 => "something else".to_string(),
        1 => wanted.remove(0),
        _ => {
            let last = wanted.pop().unwrap_or_default();
            format!("{} or {last}", wanted.join(", "))
        }
    };
    let end = (pos + found.len().max(1)).min(text.len().max(pos));
    Diagnostic::error(
        "E001",
        Span::new(pos, end.max(pos)),
        format!("expected {expected}, found {}", describe_found(&found)),
    )
}

/// The token at the failure point, for "found ...".
fn found_at(text: &str, pos: usize) -> String {
    let rest = text.get(pos..).unwrap_or("");
    let word: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    if !word.is_empty() {
        return word;
    }
    rest.chars().next().map(String::from).unwrap_or_default()
}

fn describe_found(found: &str) -> String {
    match found {
        "" => "the end of the file".to_string(),
        "\n" | "\r" => "the end of the line".to_string(),
        s if s.chars().all(|c| !c.is_control()) => format!("`{s}`"),
        _ => "a control character".to_string(),
    }
}
