//! Turn pest's "expected one of these rules" into words a policy analyst understands:
//! "expected a status name", never `status_name`.
//!
//! Pest reports every rule it tried at the farthest position it reached. Read raw, that list is
//! long and mixes what would finish the construct at hand (`->` after a rule's trigger) with
//! everything that could start the next one (another rule, a nested status, `}`). So each rule
//! is put in words and sorted into one of two groups: what continues the current construct,
//! shown in full, and what starts the next item, shown as one short phrase when there is
//! something better to say. Doc comments, allowed almost everywhere, are never suggested.
//!
//! A few mistakes get a message of their own: an empty file, a quoted text left open at the end
//! of its line, a duration written the way people say it (`48 hours`, `1.5d`), with the literal
//! to write, `on` followed by anything but `entry` (`on buyer close { ... }`), with the rule to
//! write, and a number with a unit that does not exist (`5x`).

use super::Rule;
use crate::diag::Diagnostic;
use crate::span::Span;
use pest::error::{Error, ErrorVariant, InputLocation};

/// The longest quoted text shown as what was found; past it, only its opening `"` is shown.
const MAX_FOUND_CHARS: usize = 32;

/// Whether a phrase would continue the construct being written or start the next item.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Group {
    /// Finishes or extends what is being written: `->`, `)`, a status name after `->`.
    Continue,
    /// Starts what follows: another rule, a declaration, the block's closing `}`.
    Next,
}

/// One expected thing in words. A lower rank is listed first.
#[derive(Clone, Copy)]
struct Want {
    rank: u8,
    words: &'static str,
    group: Group,
}

const fn cont(rank: u8, words: &'static str) -> Option<Want> {
    Some(Want { rank, words, group: Group::Continue })
}

const fn next(rank: u8, words: &'static str) -> Option<Want> {
    Some(Want { rank, words, group: Group::Next })
}

const CLOSE_BRACE: &str = "`}`";
const DECLARATION: &str = "a declaration";
const END_OF_FILE: &str = "the end of the file";
const OPERATOR: &str = "an operator";

/// Where the parser was, judged from the rules it tried.
struct Context {
    /// Inside a status body: rules and nested statuses may come next.
    body: bool,
    /// At the top level: declarations may come next.
    top: bool,
    /// Only a value would do, so a quoted text or a duration stands for "a value".
    value: bool,
}

impl Context {
    fn of(rules: &[Rule]) -> Self {
        let has = |r: Rule| rules.contains(&r);
        let body = [
            Rule::timer_rule,
            Rule::auto_rule,
            Rule::action_rule,
            Rule::entry_block,
            Rule::deadline_rule,
            Rule::else_kw,
        ]
        .into_iter()
        .any(has);
        let status_start = [Rule::status_decl, Rule::initial_kw, Rule::terminal_kw].into_iter().any(has);
        let top = !body
            && ([
                Rule::EOI,
                Rule::roles_decl,
                Rule::outcomes_decl,
                Rule::timers_decl,
                Rule::fields_decl,
                Rule::actions_decl,
            ]
            .into_iter()
            .any(has)
                || (status_start && !has(Rule::close_brace)));
        let value = [
            Rule::expr,
            Rule::paren,
            Rule::op_not,
            Rule::op_neg,
            Rule::name_ref,
            Rule::kw_now,
            Rule::bool_lit,
            Rule::int_lit,
            Rule::money_lit,
            Rule::time_in,
            Rule::time_since,
        ]
        .into_iter()
        .any(has);
        Context { body, top, value }
    }
}

/// What a grammar rule is, in words, in this context; `None` for rules never worth naming.
fn want(rule: Rule, cx: &Context) -> Option<Want> {
    match rule {
        Rule::doc | Rule::WHITESPACE | Rule::COMMENT => None,
        Rule::policy | Rule::header => cont(0, "`policy NAME \"Title\"`"),
        Rule::policy_name => cont(1, "a policy name"),
        Rule::title => cont(1, "a title in quotes"),
        Rule::label => cont(1, "a label in quotes"),
        Rule::string | Rule::duration if cx.value => cont(1, "a value"),
        Rule::string => cont(1, "a quoted text"),
        Rule::duration => cont(1, "a duration such as `5d`"),
        Rule::version_decl => cont(20, "`version`"),
        Rule::EOI => next(90, END_OF_FILE),
        Rule::roles_decl
        | Rule::outcomes_decl
        | Rule::timers_decl
        | Rule::fields_decl
        | Rule::actions_decl
        | Rule::status_decl
        | Rule::initial_kw
        | Rule::terminal_kw
            if cx.top =>
        {
            next(50, DECLARATION)
        }
        Rule::status_decl | Rule::initial_kw | Rule::terminal_kw => next(41, "a status"),
        Rule::timer_rule
        | Rule::auto_rule
        | Rule::action_rule
        | Rule::entry_block
        | Rule::deadline_rule
        | Rule::else_kw => next(40, "a rule"),
        Rule::role_name if cx.body => next(40, "a rule"),
        Rule::role_def | Rule::role_name => cont(1, "a role name"),
        Rule::outcome_def | Rule::outcome_name => cont(1, "an outcome name"),
        Rule::timer_decl => next(40, "a timer"),
        Rule::timer_name => cont(1, "a timer name"),
        Rule::timer_after | Rule::equals => cont(10, "`=`"),
        Rule::timer_at | Rule::kw_at => cont(11, "`at`"),
        Rule::field_decl => next(40, "a field"),
        Rule::field_name => cont(1, "a field name"),
        Rule::assignment => next(40, "an assignment `FIELD = VALUE`"),
        Rule::colon => cont(10, "`:`"),
        Rule::type_expr | Rule::type_name => cont(1, "a type"),
        Rule::enum_type => cont(2, "`enum { ... }`"),
        Rule::optional_mark => cont(80, "`?`"),
        Rule::variant_name => cont(1, "an enum variant"),
        Rule::action_decl => next(40, "an action"),
        Rule::action_name => cont(1, "an action name"),
        Rule::param_list => cont(12, "`(`"),
        Rule::param | Rule::param_name => cont(1, "a parameter name"),
        Rule::status_name | Rule::target | Rule::status_path => cont(1, "a status name"),
        Rule::outcome_clause => cont(20, "`outcome`"),
        Rule::status_body | Rule::effects | Rule::open_brace => cont(21, "`{`"),
        Rule::guard => cont(12, "`when`"),
        Rule::arrow => cont(10, "`->`"),
        Rule::close_paren => cont(9, "`)`"),
        Rule::comma => cont(30, "`,`"),
        Rule::close_brace => next(45, CLOSE_BRACE),
        Rule::expr
        | Rule::paren
        | Rule::op_not
        | Rule::op_neg
        | Rule::name_ref
        | Rule::kw_now
        | Rule::bool_lit
        | Rule::int_lit
        | Rule::money_lit
        | Rule::time_in
        | Rule::time_since => cont(1, "a value"),
        Rule::op_or
        | Rule::op_and
        | Rule::op_eq
        | Rule::op_ne
        | Rule::op_le
        | Rule::op_ge
        | Rule::op_lt
        | Rule::op_gt
        | Rule::op_add
        | Rule::op_sub
        | Rule::op_mul => cont(85, OPERATOR),
        // Silent helpers never reach an error; anything else is named generically.
        _ => None,
    }
}

/// The expected things, in words, most useful first.
fn expected_words(rules: &[Rule], at_end: bool) -> (Vec<&'static str>, Context) {
    let cx = Context::of(rules);
    let mut wants: Vec<Want> = rules.iter().filter_map(|&r| want(r, &cx)).collect();
    wants.sort_by_key(|w| (w.rank, w.words));
    wants.dedup_by_key(|w| w.words);
    // Where the text simply stops, an operator is never what is missing.
    if at_end && wants.iter().any(|w| w.words != OPERATOR) {
        wants.retain(|w| w.words != OPERATOR);
    }
    let continues = wants.iter().any(|w| w.group == Group::Continue);
    let mut words: Vec<&'static str> = wants.iter().filter(|w| w.group == Group::Continue).map(|w| w.words).collect();
    let nexts: Vec<&'static str> = wants.iter().filter(|w| w.group == Group::Next).map(|w| w.words).collect();
    if continues {
        // One phrase stands for everything that could follow the construct.
        if nexts.contains(&CLOSE_BRACE) {
            words.push(CLOSE_BRACE);
        } else if nexts.contains(&DECLARATION) {
            words.push(DECLARATION);
        }
    } else if nexts.len() > 1 {
        words.extend(nexts.into_iter().filter(|w| *w != END_OF_FILE));
    } else {
        words.extend(nexts);
    }
    (words, cx)
}

/// `a`, `a or b`, `a, b or c`.
fn one_of(words: &[&str]) -> String {
    match words {
        [] => "something else".to_string(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// Where a pest failure is, as a byte offset into the text that was parsed.
pub fn position(err: &Error<Rule>) -> usize {
    match err.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    }
}

/// Build the syntax-error diagnostic for a pest failure.
pub fn describe(text: &str, err: &Error<Rule>) -> Diagnostic {
    describe_at(text, 0, err)
}

/// Build the diagnostic for a pest failure in `text[base..]`, a part of the file parsed on its
/// own after an earlier error: the advice reads the whole text, and spans are in the whole text.
pub fn describe_at(text: &str, base: usize, err: &Error<Rule>) -> Diagnostic {
    let pos = (base + position(err)).min(text.len());
    let rules: &[Rule] = match &err.variant {
        ErrorVariant::ParsingError { positives, .. } => positives,
        ErrorVariant::CustomError { message } => {
            // Pest's own limits (call count, stack); the nesting cap should make these rare.
            return Diagnostic::error("E002", Span::new(pos, pos), format!("the parser gave up here: {message}"))
                .with_help("simplify the text around this point");
        }
    };
    if is_blank(text) {
        let what = if text.trim().is_empty() { "the file is empty" } else { "the file holds only comments" };
        return Diagnostic::error("E001", Span::new(0, 0), what)
            .with_help("a policy starts with its header, such as `policy disputes \"Marketplace disputes\"`");
    }
    if let Some(d) = unclosed_text(text, pos) {
        return d;
    }
    if let Some(d) = spoken_duration(text, pos).or_else(|| on_other_than_entry(text, pos)) {
        return d;
    }
    let found = found_at(text, pos);
    if let Some(d) = bad_duration(pos, &found, rules) {
        return d;
    }
    if let Some(d) = word_after_timer_duration(text, pos, rules) {
        return d;
    }
    if let Some(d) = missing_arrow(text, pos) {
        return d;
    }
    let at_end = found.is_empty();
    // At the end of the file, point just after the last thing written, not at a blank line.
    let start = if at_end { text.trim_end().len() } else { pos };
    let span = Span::new(start, start + found.len());
    // Only the header's leading doc comments were tried: the file does not start with a header.
    if !rules.is_empty() && rules.iter().all(|r| *r == Rule::doc) {
        return Diagnostic::error(
            "E001",
            span,
            format!("expected `policy NAME \"Title\"`, found {}", describe_found(&found)),
        )
        .with_help("a policy file starts with its header, such as `policy disputes \"Marketplace disputes\"`");
    }
    let (words, cx) = expected_words(rules, at_end);
    let before = Before::at(text, pos);
    if let Some(d) = trailing_comma(text, pos, &words, &before).or_else(|| foreign_operator(text, pos, &words, &before))
    {
        return d;
    }
    let message = if words.is_empty() {
        format!("unexpected {}", describe_found(&found))
    } else {
        format!("expected {}, found {}", one_of(&words), describe_found(&found))
    };
    let mut d = Diagnostic::error("E001", span, message);
    if let Some(help) = help_for(&words, &cx, &found, &before) {
        d = d.with_help(help);
    }
    d
}

/// What comes just before the error, comments and blanks skipped: the advice depends on it.
struct Before<'t> {
    /// The last line with something on it, without its comment, trimmed.
    line: &'t str,
    /// That line is a `##` doc comment.
    doc: bool,
    /// The error is on that same line.
    same_line: bool,
}

impl<'t> Before<'t> {
    fn at(text: &'t str, pos: usize) -> Self {
        let before = text.get(..pos).unwrap_or("");
        let mut same_line = true;
        for line in before.rsplit('\n') {
            let trimmed = line.trim();
            if trimmed.starts_with("##") {
                return Before { line: trimmed, doc: true, same_line };
            }
            let code = without_comment(line).trim();
            if !code.is_empty() {
                return Before { line: code, doc: false, same_line };
            }
            same_line = false;
        }
        Before { line: "", doc: false, same_line }
    }

    /// The last word or symbol before the error is `token`.
    fn ends_with(&self, token: &str) -> bool {
        !self.doc && self.line.ends_with(token)
    }
}

/// A line without its `#` comment; a `#` inside a quoted text does not start one.
fn without_comment(line: &str) -> &str {
    let mut quoted = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '#' if !quoted => return &line[..i],
            _ => {}
        }
    }
    line
}

/// Advice for the common situations.
fn help_for(words: &[&str], cx: &Context, found: &str, before: &Before) -> Option<String> {
    // A keyword where a name belongs on the same line was most likely meant as that name; on
    // the next line it more likely starts the next item after something left out.
    let wants_name = words.first().is_some_and(|w| w.ends_with(" name"));
    if wants_name && before.same_line && super::is_keyword(found) {
        return Some(format!("`{found}` is a keyword and cannot be used as a name"));
    }
    let invisible = found.chars().count() == 1
        && found.chars().all(|c| {
            c.is_control()
                || c.is_whitespace()
                || c == '\u{FEFF}'
                || ('\u{200B}'..='\u{200F}').contains(&c)
                || ('\u{2028}'..='\u{202E}').contains(&c)
                || c == '\u{2060}'
                || c == '\u{00A0}'
        });
    if invisible {
        return Some("delete this character; it is invisible or unusual, perhaps pasted from elsewhere".into());
    }
    if before.doc && (found.is_empty() || found == "}") {
        return Some("a `##` doc comment describes what follows it; write that, or make it a `#` comment".into());
    }
    if before.ends_with("->") && words.contains(&"a status name") {
        return Some("name the status the case moves to, such as `-> closed`".into());
    }
    if before.ends_with("status") && words == ["a status name"] {
        return Some("a status is declared as `status NAME \"Label\" { ... }`".into());
    }
    if words == ["`:`"] {
        return Some("a field is declared as `NAME: TYPE`, such as `claim: money = 0`".into());
    }
    if words.contains(&"a type") {
        return Some("the types are money, time, bool, int, text, duration and `enum { ... }`".into());
    }
    if found.is_empty() {
        return words
            .contains(&CLOSE_BRACE)
            .then(|| "a block opened with `{` is still open at the end of the file".to_string());
    }
    if cx.top && words.contains(&DECLARATION) {
        if found == "}" {
            return Some("there is no open `{` for this `}` to close".into());
        }
        return Some(
            "a policy holds `roles`, `outcomes`, `timers { ... }`, `fields { ... }`, `actions { ... }` and `status` \
             declarations"
                .into(),
        );
    }
    if cx.body && words.first() == Some(&"a rule") {
        return Some(
            "a status holds rules (`ROLE ACTION -> STATUS`, `after TIMER -> STATUS`, `when CONDITION -> STATUS`), \
             `deadline TIMER`, `on entry { ... }` and nested statuses"
                .into(),
        );
    }
    None
}

/// What each list's name means, for "a comma after the last role".
const LISTED: &[(&str, &str)] = &[
    ("a role name", "role"),
    ("an outcome name", "outcome"),
    ("a parameter name", "parameter"),
    ("a status name", "status"),
    ("an enum variant", "variant"),
];

/// A comma after the last item of a list (`roles buyer, seller,` then the next line): pest
/// expects one more name and finds the next declaration, or `)`. The comma is the mistake.
fn trailing_comma(text: &str, pos: usize, words: &[&str], before: &Before) -> Option<Diagnostic> {
    let noun = LISTED.iter().find(|(w, _)| words.first() == Some(w)).map(|(_, n)| *n)?;
    let found = found_at(text, pos);
    if !before.ends_with(",") || (before.same_line && found != ")") {
        return None;
    }
    let comma = text[..pos].rfind(',')?;
    let last = before.line.trim_end_matches(',').rsplit([',', ' ', '(']).next().unwrap_or("").trim();
    let example = match noun {
        "role" => "`roles buyer, seller`",
        "outcome" => "`outcomes refund_buyer(money), release_to_seller`",
        "parameter" => "`buyer open(reason, amount: money)`",
        "variant" => "`enum { lost, damaged }`",
        _ => "`pause in escalated, escalated.awaiting_info`",
    };
    let after = if last.is_empty() { String::new() } else { format!(" `{last}`") };
    Some(
        Diagnostic::error("E001", Span::new(comma, comma + 1), format!("a comma after the last {noun}{after}"))
            .with_label("remove this comma")
            .with_help(format!("a list is separated by commas, with none after its last item, such as {example}")),
    )
}

/// An operator from another language in a condition: `||`, `&&`, `!`, `=` for a comparison, or
/// `=>` for `->`. Each is named with the word to write.
fn foreign_operator(text: &str, pos: usize, words: &[&str], before: &Before) -> Option<Diagnostic> {
    let rest = text.get(pos..)?;
    let in_condition = words.contains(&OPERATOR) || words.contains(&"a value");
    let wants_arrow = words.contains(&"`->`");
    let (written, write, what) = if rest.starts_with("||") && in_condition {
        ("||", "or", "either condition")
    } else if rest.starts_with("&&") && in_condition {
        ("&&", "and", "both conditions")
    } else if rest.starts_with("=>") && wants_arrow {
        ("=>", "->", "the status the case moves to")
    } else if rest.starts_with('=')
        && !rest.starts_with("==")
        && words.contains(&OPERATOR)
        && before.line.contains("when")
    {
        ("=", "==", "a comparison")
    } else if rest.starts_with('!') && !rest.starts_with("!=") && words.contains(&"a value") {
        ("!", "not", "the opposite of a condition")
    } else {
        return None;
    };
    let help = match written {
        "=" => "`=` sets a field in `{ ... }`; in a condition, `==` compares: `when reason == damaged`".to_string(),
        "=>" => "a rule moves the case with `->`, such as `buyer accept -> refunding`".to_string(),
        _ => format!("conditions are written in words: `{write}` for {what}, such as `when a > 1 {write} b > 2`"),
    };
    let help = if written == "!" { "write `not`, such as `when not offer_made`".to_string() } else { help };
    Some(
        Diagnostic::error(
            "E001",
            Span::new(pos, pos + written.len()),
            format!("write `{write}` instead of `{written}`"),
        )
        .with_label(format!("`{written}` is not an operator here"))
        .with_help(help),
    )
}

/// A rule that names its target without `->` (`buyer close closed`): the parser reads the status
/// as the next rule's role and fails a few words later, so the failure's own message would point
/// past the mistake. Looked for on the failure's line and the line with code before it.
fn missing_arrow(text: &str, pos: usize) -> Option<Diagnostic> {
    let line_start = text[..pos].rfind('\n').map_or(0, |i| i + 1);
    let mut candidates = vec![line_start];
    let mut start = line_start;
    while start > 0 {
        let prev = text[..start - 1].rfind('\n').map_or(0, |i| i + 1);
        if !without_comment(&text[prev..start - 1]).trim().is_empty() {
            candidates.push(prev);
            break;
        }
        start = prev;
    }
    let roles = declared_roles(text);
    let statuses = declared_statuses(text);
    for start in candidates.into_iter().rev() {
        let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        // A rule's effects may follow its target: `buyer accept refunding { refund = offer }`.
        let code = without_comment(&text[start..end]).split('{').next().unwrap_or("");
        if code.contains("->") || code.contains("=>") || code.contains('}') {
            continue;
        }
        let words: Vec<&str> = code.split_whitespace().collect();
        let (Some(first), Some(last)) = (words.first(), words.last()) else { continue };
        let rule = roles.contains(first) || *first == "after" || *first == "else";
        if !rule || words.len() < 3 || !statuses.contains(last) || words[words.len() - 2] == "->" {
            continue;
        }
        let at = start + code.rfind(last)?;
        return Some(
            Diagnostic::error("E001", Span::new(at, at + last.len()), format!("expected `->` before `{last}`"))
                .with_label("the status the case moves to")
                .with_help(format!("a rule names where the case goes with `->`: `... -> {last}`")),
        );
    }
    None
}

/// The roles the text declares, read from its `roles` lines.
fn declared_roles(text: &str) -> Vec<&str> {
    text.lines()
        .filter_map(|l| without_comment(l).trim().strip_prefix("roles "))
        .flat_map(|names| names.split(','))
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .collect()
}

/// The status names the text declares (`status NAME`), dotted paths' last parts included.
fn declared_statuses(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut words = without_comment(line).split_whitespace();
        while let Some(w) = words.next() {
            if w == "status"
                && let Some(name) = words.next()
            {
                out.push(name);
            }
        }
    }
    out
}

/// Whether the text holds nothing but blanks and comments.
fn is_blank(text: &str) -> bool {
    text.lines().all(|l| {
        let l = l.trim();
        l.is_empty() || (l.starts_with('#') && !l.starts_with("##"))
    })
}

/// A `"` at the error with no closing `"` before the end of its line.
fn unclosed_text(text: &str, pos: usize) -> Option<Diagnostic> {
    let rest = text.get(pos..)?;
    let after = rest.strip_prefix('"')?;
    let line = after.split('\n').next().unwrap_or("");
    if line.contains('"') {
        return None;
    }
    let end = pos + 1 + line.trim_end_matches('\r').len();
    Some(
        Diagnostic::error("E001", Span::new(pos, end), "this quoted text is not closed")
            .with_label("no closing `\"` on this line")
            .with_help("end the text with `\"` on the same line; a quoted text cannot span lines"),
    )
}

/// A number followed by letters where a duration or a value belongs: `5x`, `3days`. Where any
/// value would do, only letters that look like a unit count (`2hours`, not `0released`, which is
/// more likely two words run together).
fn bad_duration(pos: usize, found: &str, rules: &[Rule]) -> Option<Diagnostic> {
    let digits = found.chars().take_while(char::is_ascii_digit).count();
    let letters = &found[digits..];
    let plausible = !letters.is_empty() && letters.len() <= 7 && letters.chars().all(|c| c.is_ascii_lowercase());
    let only_duration = rules.contains(&Rule::duration)
        && !rules.iter().any(|r| matches!(r, Rule::expr | Rule::int_lit | Rule::name_ref));
    let unit_like = letters.starts_with(['s', 'm', 'h', 'd', 'w', 'y']);
    let value = rules.iter().any(|r| matches!(r, Rule::duration | Rule::expr | Rule::int_lit | Rule::name_ref));
    if digits == 0 || !plausible || !value || !(only_duration || unit_like) {
        return None;
    }
    Some(
        Diagnostic::error("E001", Span::new(pos, pos + found.len()), format!("`{found}` is not a duration"))
            .with_label("unknown unit")
            .with_help("a duration is a whole number and a unit, s m h d or w, such as `5d` or `1d12h`"),
    )
}

/// A word after a timer's duration that the parser took for the next timer's name:
/// `wait = 3d business` fails only at the next line, where `business` lacks its `=`. The
/// diagnostic points at the word instead, and says how to write what was meant.
fn word_after_timer_duration(text: &str, pos: usize, rules: &[Rule]) -> Option<Diagnostic> {
    if !rules.iter().any(|r| matches!(r, Rule::timer_after | Rule::equals)) {
        return None;
    }
    // The timer name pest just read: the last word before `pos`.
    let before = text.get(..pos)?.trim_end();
    // The character before the word may be several bytes long (any non-word character is).
    let name_start = before
        .char_indices()
        .rev()
        .find(|&(_, c)| !(c.is_alphanumeric() || c == '_'))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let word = &before[name_start..];
    // It must sit on the line of a complete `NAME = DURATION`, after the duration.
    let line_start = before[..name_start].rfind('\n').map_or(0, |i| i + 1);
    let head = without_comment(&before[line_start..name_start]).trim();
    let (_, value) = head.split_once('=')?;
    let value = value.trim();
    let is_duration = !value.is_empty()
        && value.starts_with(|c: char| c.is_ascii_digit())
        && value.chars().all(|c| c.is_ascii_alphanumeric());
    if word.is_empty() || !is_duration {
        return None;
    }
    let span = Span::new(name_start, name_start + word.len());
    let business = ["business", "working", "workdays", "weekdays", "bank"].contains(&word);
    let help = if business {
        let n: String = value.chars().take_while(char::is_ascii_digit).collect();
        format!(
            "to count business days write `{n}bd in uk` (hours: `{n}bh in uk`), with the calendar declared, such as \
             `calendar uk {{ zone \"Europe/London\" }}`"
        )
    } else {
        "a timer is `NAME = DURATION [in CALENDAR] [restart on ...] [pause ...]` or `NAME at INSTANT`, one per line"
            .to_string()
    };
    Some(
        Diagnostic::error("E001", span, format!("`{word}` after the duration `{value}` is not part of a timer"))
            .with_label("unexpected word")
            .with_help(help),
    )
}

/// A line starting with `on` and a word other than `entry`, such as `on buyer close { ... }`,
/// holds the failure: the author meant to react to an event. Unless a role is named `on`.
fn on_other_than_entry(text: &str, pos: usize) -> Option<Diagnostic> {
    let line_start = text[..pos].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
    let line = without_comment(&text[line_start..line_end]);
    let code = line.trim_start();
    let on_start = line_start + (line.len() - code.len());
    let rest = code.strip_prefix("on")?;
    if !rest.starts_with([' ', '\t', '.']) {
        return None;
    }
    // The words after `on`, up to what is not a name (`{`, `->`, `(`) or the keyword `when`.
    let mut words: Vec<&str> = Vec::new();
    let mut end = on_start + 2;
    let mut at = 0;
    let bytes = rest.as_bytes();
    loop {
        let skip = bytes[at..].iter().take_while(|b| matches!(b, b' ' | b'\t' | b'.')).count();
        let len = bytes[at + skip..].iter().take_while(|b| b.is_ascii_alphanumeric() || **b == b'_').count();
        let word = &rest[at + skip..at + skip + len];
        if len == 0 || word == "when" || words.len() == 2 {
            break;
        }
        words.push(word);
        at += skip + len;
        end = on_start + 2 + at;
    }
    if words.first().is_none_or(|w| *w == "entry") || declares_role_on(text) {
        return None;
    }
    let rule = match words.as_slice() {
        [role, action] => Some(format!("{role} {action} -> STATUS {{ ... }}")),
        _ => None,
    };
    Some(super::on_is_only_entry(Span::new(on_start, end), rule.as_deref(), true))
}

/// Whether a `roles` line declares a role named `on`.
fn declares_role_on(text: &str) -> bool {
    text.lines()
        .filter_map(|l| without_comment(l).trim().strip_prefix("roles"))
        .any(|names| names.split(',').any(|n| n.trim() == "on"))
}

/// The units of a duration literal, with the words people write for them.
const UNIT_WORDS: &[(&str, i64, &[&str])] = &[
    ("s", 1, &["s", "sec", "secs", "second", "seconds"]),
    ("m", 60, &["m", "min", "mins", "minute", "minutes"]),
    ("h", 3600, &["h", "hr", "hrs", "hour", "hours"]),
    ("d", 86_400, &["d", "day", "days"]),
    ("w", 604_800, &["w", "wk", "wks", "week", "weeks"]),
];

/// Words for lengths of time that no duration unit measures.
const NO_UNIT_WORDS: &[&str] = &["mo", "month", "months", "y", "yr", "yrs", "year", "years"];

/// How many lines with code, up to the failure's own, may hold the duration that misled the
/// parser. `48 hours` parses as the number `48` and then a rule whose role is `hours`, so the
/// failure comes a few tokens later, at most a line or two on.
const SPOKEN_DURATION_LINES: usize = 3;

/// A duration written as people say it, `48 hours`, `2 d`, `48hours`, `1.5d` or `1.5 days`,
/// near the failure: the parser read the number as a value and the unit as the start of
/// something else, so its own message would point past the mistake.
fn spoken_duration(text: &str, pos: usize) -> Option<Diagnostic> {
    let line_end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
    // The start of the region searched: the [`SPOKEN_DURATION_LINES`]th line with code, counting
    // back from the failure's line.
    let mut start = text[..pos].rfind('\n').map_or(0, |i| i + 1);
    let mut code_lines = usize::from(!without_comment(&text[start..line_end]).trim().is_empty());
    while start > 0 && code_lines < SPOKEN_DURATION_LINES {
        let prev = text[..start - 1].rfind('\n').map_or(0, |i| i + 1);
        if !without_comment(&text[prev..start - 1]).trim().is_empty() {
            code_lines += 1;
        }
        start = prev;
    }
    let mut last = None;
    let mut at = start;
    for line in text[start..line_end].split('\n') {
        for (span, written) in spoken_durations(line, at) {
            if span.start <= pos {
                last = Some((span, written));
            }
        }
        at += line.len() + 1;
    }
    let (span, written) = last?;
    let d = Diagnostic::error("E001", span, format!("`{}` is not a duration", written.text));
    Some(match written.literal() {
        Literal::NoUnit => d.with_label("no such unit").with_help(
            "a duration has no unit for months or years, whose length varies; count days or weeks, such as `30d`",
        ),
        Literal::Exact(literal) if written.fraction.is_empty() => {
            d.with_label("a number and a unit word").with_help(format!(
                "write `{literal}`: a duration is a whole number followed by a one-letter unit, s m h d or w, with \
                 no space between"
            ))
        }
        Literal::Exact(literal) => d.with_label("a fraction of a unit").with_help(format!(
            "write `{literal}`, which is as long: a duration is whole numbers, each followed by a unit, s m h d or w"
        )),
        Literal::Rounded(rounded) => d.with_label("not a whole number of seconds").with_help(format!(
            "a duration counts whole seconds, and `{}` does not divide into them; round it, such as `{rounded}`",
            written.text
        )),
        Literal::TooLong => d
            .with_label("a fraction of a unit")
            .with_help("a duration is whole numbers, each followed by a unit, s m h d or w, such as `1d12h`"),
    })
}

/// The duration literal that a [`SpokenDuration`] means.
enum Literal {
    /// The same length, as a literal.
    Exact(String),
    /// Not a whole number of seconds: the nearest literal that is.
    Rounded(String),
    /// Too long to compute.
    TooLong,
    /// Months or years, which no literal measures.
    NoUnit,
}

/// A number and a unit word, as written.
struct SpokenDuration<'t> {
    /// The whole text, number to unit.
    text: &'t str,
    /// The digits before the point.
    whole: &'t str,
    /// The digits after the point, if any.
    fraction: &'t str,
    /// The unit's letter, with the seconds in one unit; `None` for months and years.
    unit: Option<(&'static str, i64)>,
}

impl SpokenDuration<'_> {
    /// The literal that means the same.
    fn literal(&self) -> Literal {
        let Some((unit, unit_seconds)) = self.unit else { return Literal::NoUnit };
        if self.fraction.is_empty() {
            return Literal::Exact(format!("{}{unit}", self.whole));
        }
        // Exact arithmetic on the digits: `1.5d` is 15 * 86400 / 10 seconds.
        let (Ok(whole), Ok(fraction), Ok(digits)) =
            (self.whole.parse::<i128>(), self.fraction.parse::<i128>(), u32::try_from(self.fraction.len()))
        else {
            return Literal::TooLong;
        };
        let scaled = 10i128.checked_pow(digits).and_then(|scale| {
            let tenths = whole.checked_mul(scale)?.checked_add(fraction)?;
            Some((tenths.checked_mul(i128::from(unit_seconds))?, scale))
        });
        let Some((scaled, scale)) = scaled else { return Literal::TooLong };
        let literal = |seconds: i128| {
            i64::try_from(seconds).ok().and_then(chrono::TimeDelta::try_seconds).map(crate::eval::time::format_duration)
        };
        let (exact, seconds) = (scaled % scale == 0, (scaled + scale / 2) / scale);
        match literal(seconds.max(1)) {
            Some(l) if exact => Literal::Exact(l),
            Some(l) => Literal::Rounded(l),
            None => Literal::TooLong,
        }
    }
}

/// Every number followed by a unit word that is not a duration literal in one line (`48 hours`,
/// `2 d`, `48hours`, `1.5d`), outside comments and quoted text; `offset` is the line's start.
fn spoken_durations(line: &str, offset: usize) -> Vec<(Span, SpokenDuration<'_>)> {
    let code = without_comment(line);
    let bytes = code.as_bytes();
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let digits_from = |i: usize| i + bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
    let mut out = Vec::new();
    let (mut i, mut quoted) = (0, false);
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'"' {
            quoted = !quoted;
        }
        let starts_number = b.is_ascii_digit() && (i == 0 || !(ident(bytes[i - 1]) || bytes[i - 1] == b'.'));
        if quoted || !starts_number {
            i += 1;
            continue;
        }
        let whole_end = digits_from(i);
        let mut number_end = whole_end;
        if bytes.get(whole_end) == Some(&b'.') && bytes.get(whole_end + 1).is_some_and(u8::is_ascii_digit) {
            number_end = digits_from(whole_end + 1);
        }
        let word_start = number_end + bytes[number_end..].iter().take_while(|b| matches!(b, b' ' | b'\t')).count();
        let word_end = word_start + bytes[word_start..].iter().take_while(|&&b| ident(b)).count();
        let word = code[word_start..word_end].to_ascii_lowercase();
        let unit = UNIT_WORDS.iter().find(|(_, _, words)| words.contains(&word.as_str())).map(|&(u, s, _)| (u, s));
        let known = unit.is_some() || NO_UNIT_WORDS.contains(&word.as_str());
        // `48h` is a literal already; a space, a point or a longer word make it spoken.
        let spoken = word_start > number_end || number_end > whole_end || word.len() > 1 || unit.is_none();
        if known && spoken {
            let fraction = if number_end > whole_end { &code[whole_end + 1..number_end] } else { "" };
            out.push((
                Span::new(offset + i, offset + word_end),
                SpokenDuration { text: &code[i..word_end], whole: &code[i..whole_end], fraction, unit },
            ));
        }
        i = word_end.max(i + 1);
    }
    out
}

/// The token at the failure point, for "found ...": a word, a quoted text, `->` or one character.
fn found_at(text: &str, pos: usize) -> String {
    let rest = text.get(pos..).unwrap_or("");
    // A long word is shortened in the message, where every quoted text is; the span keeps it all.
    let word: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    if !word.is_empty() {
        return word;
    }
    for token in ["->", "##"] {
        if rest.starts_with(token) {
            return token.into();
        }
    }
    if let Some(after) = rest.strip_prefix('"') {
        let line = after.split('\n').next().unwrap_or("");
        if let Some(close) = line.find('"')
            && line[..close].chars().count() <= MAX_FOUND_CHARS
        {
            return rest[..close + 2].to_string();
        }
    }
    rest.chars().next().map(String::from).unwrap_or_default()
}

fn describe_found(found: &str) -> String {
    match found {
        "" => END_OF_FILE.to_string(),
        "\n" | "\r" => "the end of the line".to_string(),
        "`" => "a backtick".to_string(),
        "##" => "a doc comment".to_string(),
        s if s.chars().count() == 1 && s.chars().all(|c| c.is_control()) => {
            s.chars().map(|c| format!("a control character (U+{:04X})", u32::from(c))).collect()
        }
        // An invisible or unusual character is named by its code point.
        s if s.chars().count() == 1 && s.chars().all(|c| !c.is_ascii_graphic() && !c.is_alphanumeric()) => {
            s.chars().map(|c| format!("the character U+{:04X}", u32::from(c))).collect()
        }
        s => format!("`{s}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one spoken duration in a line and what it suggests, if any.
    fn suggestion(line: &str) -> Option<(String, String)> {
        let found = spoken_durations(line, 0);
        assert!(found.len() <= 1, "{line}");
        found.into_iter().next().map(|(span, d)| {
            let literal = match d.literal() {
                Literal::Exact(l) => l,
                Literal::Rounded(l) => format!("~{l}"),
                Literal::TooLong => "too long".into(),
                Literal::NoUnit => "no unit".into(),
            };
            (line[span.start..span.end].to_string(), literal)
        })
    }

    #[test]
    fn a_word_after_a_timer_duration_behind_a_multibyte_character_is_cut_on_a_character_boundary() {
        // Found by the parse_check fuzz target: a two-byte mark (U+059B) before the word.
        for text in
            ["timers {\n  first = 1d \u{59b}business", "timers {\n  first = 1d\u{59b}business", "é = 1d business"]
        {
            let found = word_after_timer_duration(text, text.len(), &[Rule::equals]);
            if let Some(d) = found {
                assert!(text.get(d.span.start..d.span.end).is_some(), "{text}: {:?}", d.span);
            }
        }
        let text = "timers {\n  first = 1d \u{59b}business";
        assert!(
            word_after_timer_duration(text, text.len(), &[Rule::equals])
                .is_none_or(|d| &text[d.span.start..d.span.end] == "business")
        );
    }

    #[test]
    fn spoken_durations_suggest_the_literal_of_the_same_length() {
        for (line, spoken, literal) in [
            ("x > 48 hours -> y", "48 hours", "48h"),
            ("t = 1 hour", "1 hour", "1h"),
            ("t = 2 d", "2 d", "2d"),
            ("t = 48hours", "48hours", "48h"),
            ("t = 3 Days", "3 Days", "3d"),
            ("t = 10 minutes", "10 minutes", "10m"),
            ("t = 30 seconds", "30 seconds", "30s"),
            ("t = 2 weeks", "2 weeks", "2w"),
            ("t = 1.5d", "1.5d", "1d12h"),
            ("t = 1.5 days", "1.5 days", "1d12h"),
            ("t = 0.5m", "0.5m", "30s"),
            ("t = 2.75 weeks", "2.75 weeks", "19d6h"),
            ("t = 1.3s", "1.3s", "~1s"),
            ("t = 0.0001d", "0.0001d", "~9s"),
            ("t = 3 months", "3 months", "no unit"),
        ] {
            assert_eq!(suggestion(line), Some((spoken.to_string(), literal.to_string())), "{line}");
        }
    }

    #[test]
    fn literals_names_comments_and_quoted_text_are_not_spoken_durations() {
        for line in [
            "t = 48h",
            "t = 1d12h",
            "x48 hours",
            "claim = 12.50",
            "status s \"wait 48 hours\" {",
            "t = 2d  # 48 hours",
            "when n > 2 and m > 3 -> x",
        ] {
            assert_eq!(suggestion(line), None, "{line}");
        }
    }
}
