//! The documentation of every diagnostic code, as `docket codes CODE` prints it: what it means,
//! a policy that draws it, and the fix. A test checks every example with `docket check` and
//! finds its code, then applies the fix and finds nothing. Data only.

use super::{CodeDoc, Stored};

/// Every code's documentation, sorted by code.
pub const DOCS: &[CodeDoc] = &[
    CodeDoc {
        code: "E001",
        about: r#"The text does not follow the grammar: a word, a symbol or a bracket is missing or out of place. The message says what the parser expected and what it found; for the usual slips (`||` for `or`, a comma after the last role, a rule without `->`, a `{` never closed) it names the slip. After an error, checking goes on from the next declaration or rule, so one run reports up to ten."#,
        example: r#"policy demo "Demo"

roles buyer, seller
outcomes closed_out

actions {
  buyer close
  seller close
}

initial status open "Open" {
  buyer close closed
  seller close -> closed
}

terminal status closed "Closed" outcome closed_out
"#,
        stored: Stored::AsWritten,
        beside: &[],
        args: &[],
        fix: &[(r#"buyer close closed"#, r#"buyer close -> closed"#)],
        fix_note: r#"write `->` before the status the case moves to"#,
    },
    CodeDoc {
        code: "E002",
        about: r#"Brackets nest more than 64 levels deep, or one expression chains more than 256 operators. Real policies nest a handful of levels; the limits keep a hostile file from exhausting the parser."#,
        example: r#"policy demo "Demo"

roles buyer, seller
outcomes closed_out

fields {
  n: int = (((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((1)))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))
}

actions {
  buyer close
  seller close
}

initial status open "Open" {
  buyer close -> closed { n = 2 }
  seller close -> closed
}

terminal status closed "Closed" outcome closed_out
"#,
        stored: Stored::AsWritten,
        beside: &[],
        args: &[],
        fix: &[(
            r#"(((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((1)))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))"#,
            r#"1"#,
        )],
        fix_note: r#"split the expression into smaller ones, or drop the brackets it does not need"#,
    },
    CodeDoc {
        code: "E003",
        about: r#"A number, an amount or a duration is too large to represent exactly (amounts are exact decimals of up to 28 digits; durations are whole seconds)."#,
        example: r#"policy demo "Demo"

roles buyer, seller
outcomes closed_out

fields {
  claim: money = 99999999999999999999999999999999.00
}

actions {
  buyer close
  seller close
}

initial status open "Open" {
  buyer close -> closed { claim = 0 }
  seller close -> closed
}

terminal status closed "Closed" outcome closed_out
"#,
        stored: Stored::AsWritten,
        beside: &[],
        args: &[],
        fix: &[(r#"99999999999999999999999999999999.00"#, r#"0"#)],
        fix_note: r#"use a value of a realistic size"#,
    },
    CodeDoc {
        code: "E004",
        about: r#"The file is not valid UTF-8 text, as when an editor saves it as Latin-1 or Windows-1252: a character such as `é` is then one byte that cannot start a UTF-8 character. The example is that policy saved as Latin-1."#,
        example: r#"policy demo "Démo"

roles buyer, seller
outcomes closed_out

actions {
  buyer close
  seller close
}

initial status open "Open" {
  buyer close -> closed
  seller close -> closed
}

terminal status closed "Closed" outcome closed_out
"#,
        stored: Stored::Latin1,
        beside: &[],
        args: &[],
        fix: &[],
        fix_note: r#"save the file as UTF-8 (the same text, re-encoded)"#,
    },
    CodeDoc {
        code: "E005",
        about: r#"The file is larger than 1 MiB, the most a policy may hold. Real policies are a few kilobytes; the limit keeps `check` from spending minutes on the wrong file. The example is this policy followed by a megabyte of generated comments."#,
        example: r#"policy demo "Demo"

roles buyer, seller
outcomes closed_out

actions {
  buyer close
  seller close
}

initial status open "Open" {
  buyer close -> closed
  seller close -> closed
}

terminal status closed "Closed" outcome closed_out
# ... and 1.1 MB more of generated comments
"#,
        stored: Stored::PastTheLimit,
        beside: &[],
        args: &[],
        fix: &[],
        fix_note: r#"check that this is the right file; a policy is a few kilobytes of text"#,
    },
    CodeDoc {
        code: "E010",
        about: r#"A name is declared twice in the same scope (a role, an outcome, a field, a timer, an action, a parameter, an enum variant, sibling statuses, a calendar, a weekday in `weekend`, a variant in a duration table), or one status arms a timer twice. The diagnostic points at the second declaration and at the first."#,
        example: r#"policy demo "Demo"

roles buyer, seller
outcomes closed_out

fields {
  claim: money = 0
  claim: money = 10
}

actions {
  buyer close
  seller close
}

initial status open "Open" {
  buyer close -> closed { claim = 1 }
  seller close -> closed
}

terminal status closed "Closed" outcome closed_out
"#,
        stored: Stored::AsWritten,
        beside: &[],
        args: &[],
        fix: &[(
            r#"  claim: money = 10
"#,
            r#""#,
        )],
        fix_note: r#"remove one of the two, or rename it"#,
    },
    CodeDoc {
        code: "E011",
        about: r#"A parameter written with a type has the name of a field, so in its rules the name means the parameter and the field is hidden (`amount <= amount` compares the parameter with itself). An error when the types differ, a warning when they agree. Without a type, sharing the field's name is how a parameter says it is the value for that field."#,
        example: r#"policy demo "Demo"

roles buyer, seller
outcomes closed_out

fields {
  amount: money = 0
}

actions {
  buyer close(amount: int)
  seller close
}

initial status open "Open" {
  buyer close when amount > 1 -> closed
  seller close when amount > 0 -> closed
}

terminal status closed "Closed" outcome closed_out
"#,
        stored: Stored::AsWritten,
        beside: &[],
        args: &[],
        fix: &[(r#"buyer close(amount: int)"#, r#"buyer close(amount)"#)],
        fix_note: r#"drop the type, so the parameter takes the field's type and means its value, or rename the parameter"#,
    },
    CodeDoc {
        code: "E020",
        about: r#"A rule's target, a `time_in`, or a pause names a status that does not exist where it is looked up: among the current status's children, then its siblings, then outwards to the top level. A nested status is named by its dotted path from there."#,
        example: r#"policy demo "Demo"

roles buyer, seller
outcomes closed_out

actions {
  buyer close
  seller close
}

initial status open "Open" {
  buyer close -> closd
  seller close -> closed
}

terminal status closed "Closed" outcome closed_out
"#,
        stored: Stored::AsWritten,
        beside: &[],
        args: &[],
        fix: &[(r#"-> closd"#, r#"-> closed"#)],
        fix_note: r#"name a declared status (the message suggests the closest)"#,
    },
    CodeDoc {
        code: "E021",
        about: r#"A rule, an action or a `restart on` names a role the `roles` line does not declare."#,
        example: r#"policy demo "Demo"

roles buyer, seller
outcomes closed_out

actions {
  buyer close
  seller close
}

initial status open "Open" {
  buyer close -> closed
  seler close -> closed
}

terminal status closed "Closed" outcome closed_out
"#,
        stored: Stored::AsWritten,
        beside: &[],
        args: &[],
        fix: &[(r#"  seler close"#, r#"  seller close"#)],
        fix_note: r#"use a declared role, or add it to `roles`"#,
    },
    CodeDoc {
        code: "E022",
        about: r#"An effect or a `time_since` names a field that is not declared."#,
        example: r#"policy demo "Demo"

roles buyer, seller
outcomes closed_out

fields {
  claim: money = 0
}

actions {
  buyer close
  seller close
}

initial status open "Open" {
  buyer close -> closed { clam = 1 }
  seller close -> closed { claim = 2 }
}

terminal status closed "Closed" outcome closed_out
"#,
        stored: Stored::AsWritten,
        beside: &[],
        args: &[],
        fix: &[(r#"clam = 1"#, r#"claim = 1"#)],
        fix_note: r#"use a declared field, or declare it in `fields`"#,
    },
    CodeDoc {
        code: "E023",
        about: r#"A timer rule or a `deadline` names a timer the `timers` block does not declare."#,
        example: r#"policy demo "Demo"

roles buyer, seller
outcomes closed_out

actions {
  buyer close
  seller close
}

initial status open "Open" {
  after reply -> closed
  buyer close -> closed
  seller close -> closed
}

terminal status closed "Closed" outcome closed_out
"#,
        stored: Stored::AsWritten,
        beside: &[],
        args: &[],
        fix: &[(
            r#"roles buyer, seller
outcomes closed_out
"#,
            r#"roles buyer, seller
outcomes closed_out

timers {
  reply = 5d
}
"#,
        )],
        fix_note: r#"declare the timer with its duration in `timers { ... }`"#,
    },
    CodeDoc {
        code: "E024",
        about: r#"A rule names an action that its role does not declare in `actions`."#,
        example: r#"policy demo "Demo"

roles buyer, seller
outcomes closed_out

actions {
  buyer close
  seller close
}

initial status open "Open" {
  buyer close -> closed
  seller refund -> closed
}

terminal status closed "Closed" outcome closed_out
"#,
        stored: Stored::AsWritten,
        beside: &[],
        args: &[],
        fix: &[(r#"seller refund"#, r#"seller close"#)],
        fix_note: r#"use one of the role's actions, or declare the action for the role"#,
    },
    CodeDoc {
        code: "E025",
        about: r#"A name in an expression is not one of the rule's parameters, a field, or a timer."#,
        example: r#"policy demo "Demo"

roles buyer, seller
outcomes closed_out

fields {
  claim: money = 0
}

actions {
  buyer close
  seller close
}

initial status open "Open" {
  buyer close when clam > 0 -> closed
  else buyer close -> closed { claim = 1 }
  seller close -> closed
}

terminal status closed "Closed" outcome closed_out
"#,
        stored: Stored::AsWritten,
        beside: &[],
        args: &[],
        fix: &[(r#"when clam > 0"#, r#"when claim > 0"#)],
        fix_note: r#"use a declared name (the message suggests the closest)"#,
    },
    CodeDoc {
        code: "E026",
        about: r#"A bare word where an enum's variant is expected (compared with an enum field, assigned to one, in a duration table) is not one of that enum's variants. The message names whose enum it is, such as field `reason`'s, and lists its variants."#,
        example: r#"policy demo "Demo"

roles buyer, seller
outcomes closed_out

fields {
  reason: enum { lost, damaged }
}

actions {
  buyer close
  seller close
}

initial status open "Open" {
  buyer close -> closed { reason = stolen }
  seller close -> closed { reason = lost }
}

terminal status closed "Closed" outcome closed_out
"#,
        stored: Stored::AsWritten,
        beside: &[],
        args: &[],
        fix: &[(r#"reason = stolen"#, r#"reason = damaged"#)],
        fix_note: r#"use one of the enum's variants, or add the variant to the enum"#,
    },
    CodeDoc {
        code: "E027",
        about: r#"A terminal status ends with an outcome the `outcomes` line does not declare."#,
        example: r#"policy demo "Demo"

roles buyer, seller
outcomes closed_out

actions {
  buyer close
  seller close
}

initial status open "Open" {
  buyer close -> closed
  seller close -> closed
}

terminal status closed "Closed" outcome closed_oot
"#,
        stored: Stored::AsWritten,
        beside: &[],
        args: &[],
        fix: &[(r#"outcome closed_oot"#, r#"outcome closed_out"#)],
        fix_note: r#"use a declared outcome, or add it to `outcomes`"#,
    },
    CodeDoc {
        code: "E028",
        about: r#"A type is not one of money, time, bool, int, text, duration and `enum { ... }`, or a parameter written without a type has no field of its name to take one from."#,
        example: r#"policy demo "Demo"

roles buyer, seller
outcomes closed_out

fields {
  claim: mony = 0
}

actions {
  buyer close
  seller close
}

initial status open "Open" {
  buyer close -> closed { claim = 1 }
  seller close -> closed
}

terminal status closed "Closed" outcome closed_out
"#,
        stored: Stored::AsWritten,
        beside: &[],
        args: &[],
        fix: &[(r#"claim: mony"#, r#"claim: money"#)],
        fix_note: r#"write one of the types"#,
    },
    CodeDoc {
        code: "E030",
        about: r#"An operator is given values it cannot combine or compare: money with a time, a time plus a time, text with a number, two different enums."#,
        example: r#"policy demo "Demo"

roles buyer, seller
outcomes closed_out

fields {
  claim: money = 0
  due: time?
}

actions {
  buyer close
  seller close
}

initial status open "Open" {
  buyer close when claim > due -> closed
  else buyer close -> closed { due = now }
  seller close -> closed
}

terminal status closed "Closed" outcome closed_out
"#,
        stored: Stored::AsWritten,
        beside: &[],
        args: &[],
        fix: &[(r#"when claim > due"#, r#"when claim > 0"#)],
        fix_note: r#"compare values of one type (a time with a time, money with money)"#,
    },
    CodeDoc {
        code: "E031",
        about: r#"A field is given a value of another type, by an effect or by its default."#,
        example: r#"policy demo "Demo"

roles buyer, seller
outcomes closed_out

fields {
  claim: money = 0
}

actions {
  buyer close
  seller close
}

initial status open "Open" {
  buyer close -> closed { claim = "ten" }
  seller close -> closed
}

terminal status closed "Closed" outcome closed_out
"#,
        stored: Stored::AsWritten,
        beside: &[],
        args: &[],
        fix: &[(r#"claim = "ten""#, r#"claim = 10.00"#)],
        fix_note: r#"give the field a value of its type"#,
    },
    CodeDoc {
        code: "E032",
        about: r#"A rule's condition (after `when`) is not true or false, such as an amount on its own."#,
        example: r#"policy demo "Demo"

roles buyer, seller
outcomes closed_out

fields {
  claim: money = 0
}

actions {
  buyer close
  seller close
}

initial status open "Open" {
  buyer close when claim -> closed
  else buyer close -> closed { claim = 1 }
  seller close -> closed
}

terminal status closed "Closed" outcome closed_out
"#,
        stored: Stored::AsWritten,
        beside: &[],
        args: &[],
        fix: &[(r#"when claim ->"#, r#"when claim > 0 ->"#)],
        fix_note: r#"write a comparison, such as `claim > 0`"#,
    },
    CodeDoc {
        code: "E033",
        about: r#"An outcome declared with an amount (`refund_buyer(money)`) is given none by a terminal status, or is given one of the wrong type, or an outcome without an amount is given one."#,
        example: r#"policy demo "Demo"

roles buyer
outcomes refund_buyer(money)

actions {
  buyer close
}

initial status open "Open" {
  buyer close -> refunded
}

terminal status refunded "Refunded" outcome refund_buyer
"#,
        stored: Stored::AsWritten,
        beside: &[],
        args: &[],
        fix: &[(
            r#"outcome refund_buyer
"#,
            r#"outcome refund_buyer(10.00)
"#,
        )],
        fix_note: r#"give the terminal status the outcome's amount: a money value or field, such as `outcome refund_buyer(claim)`"#,
    },
    CodeDoc {
        code: "E034",
        about: r#"A timer that fires `at` a field names a field that does not hold a time."#,
        example: r#"policy demo "Demo"

roles buyer, seller
outcomes closed_out

timers {
  reply at claim
}

fields {
  claim: money = 0
  due: time?
}

actions {
  buyer close
  seller close
}

initial status open "Open" {
  after reply -> closed
  buyer close -> closed { claim = 1, due = now }
  seller close -> closed
}

terminal status closed "Closed" outcome closed_out
"#,
        stored: Stored::AsWritten,
        beside: &[],
        args: &[],
        fix: &[(r#"reply at claim"#, r#"reply at due"#)],
        fix_note: r#"fire at a time field, or give the timer a duration (`reply = 5d`)"#,
    },
    CodeDoc {
        code: "E035",
        about: r#"A field's default is not a plain value: defaults are constants (`0`, `false`, `""`, a variant), not expressions over other fields."#,
        example: r#"policy demo "Demo"

roles buyer, seller
outcomes closed_out

fields {
  claim: money = 0
  offer: money = claim
}

actions {
  buyer close
  seller close
}

initial status open "Open" {
  buyer close -> closed { offer = claim }
  seller close -> closed
}

terminal status closed "Closed" outcome closed_out
"#,
        stored: Stored::AsWritten,
        beside: &[],
        args: &[],
        fix: &[(r#"offer: money = claim"#, r#"offer: money = 0"#)],
        fix_note: r#"write a constant, and set the field from the other in an `on entry` or a rule's effects"#,
    },
    CodeDoc {
        code: "E040",
        about: r#"No rule, timer or automatic transition leads from the initial status to this status, so no case can ever be in it and its rules are dead. An error rather than a warning: the transition meant to lead there is most likely missing or misnamed, which changes what cases do."#,
        example: r#"policy demo "Demo"

roles buyer, seller
outcomes closed_out

actions {
  buyer close
  seller close
  seller review
}

initial status open "Open" {
  buyer close -> closed
  seller close -> closed
}

status reviewing "Reviewing" {
  seller review -> closed
}

terminal status closed "Closed" outcome closed_out
"#,
        stored: Stored::AsWritten,
        beside: &[],
        args: &[],
        fix: &[(
            r#"  seller close -> closed
}

status reviewing"#,
            r#"  seller close -> reviewing
}

status reviewing"#,
        )],
        fix_note: r#"add the rule that leads to it, or remove it"#,
    },
    CodeDoc {
        code: "E041",
        about: r#"A status that is not terminal has no rule, timer or automatic transition leading out of it: a case that enters it is stuck forever."#,
        example: r#"policy demo "Demo"

roles buyer, seller
outcomes closed_out

actions {
  buyer close
  seller hold
}

initial status open "Open" {
  buyer close -> closed
  seller hold -> on_hold
}

status on_hold "On hold" {
}

terminal status closed "Closed" outcome closed_out
"#,
        stored: Stored::AsWritten,
        beside: &[],
        args: &[],
        fix: &[(
            r#"status on_hold "On hold" {
}"#,
            r#"status on_hold "On hold" {
  buyer close -> closed
}"#,
        )],
        fix_note: r#"add a way out (a rule, a timer, a `when`), or make it terminal with an outcome"#,
    },
    CodeDoc {
        code: "E042",
        about: r#"A terminal status has rules or statuses inside it: a case in a terminal status is closed, so nothing in it could ever apply."#,
        example: r#"policy demo "Demo"

roles buyer, seller
outcomes closed_out

actions {
  buyer close
  seller close
}

initial status open "Open" {
  buyer close -> closed
  seller close -> closed
}

terminal status closed "Closed" outcome closed_out {
  buyer close -> open
}
"#,
        stored: Stored::AsWritten,
        beside: &[],
        args: &[],
        fix: &[(
            r#" outcome closed_out {
  buyer close -> open
}"#,
            r#" outcome closed_out"#,
        )],
        fix_note: r#"remove what is inside it, or make it an ordinary status"#,
    },
    CodeDoc {
        code: "E043",
        about: r#"Two rules for the same trigger (a role's action, a timer, or automatic transitions) in one status can both apply, so which one is taken would depend on their order. The diagnostic points at both. `else` before the later one says the order is meant: it is tried only when the earlier one does not apply."#,
        example: r#"policy demo "Demo"

roles buyer, seller
outcomes closed_out

actions {
  buyer close(amount: money)
  seller close
}

initial status open "Open" {
  buyer close when amount > 10 -> closed
  buyer close when amount > 100 -> closed
  seller close -> closed
}

terminal status closed "Closed" outcome closed_out
"#,
        stored: Stored::AsWritten,
        beside: &[],
        args: &[],
        fix: &[(r#"  buyer close when amount > 100"#, r#"  else buyer close when amount > 100"#)],
        fix_note: r#"make the conditions exclusive (`amount <= 10`), or write `else` before the later rule"#,
    },
    CodeDoc {
        code: "E044",
        about: r#"Retired: a timer declared but never armed or read was this error until it became the warning W005, like every unused declaration. Nothing reports E044 any more; the code is kept so configurations that name it still mean something."#,
        example: r#""#,
        stored: Stored::AsWritten,
        beside: &[],
        args: &[],
        fix: &[],
        fix_note: r#"see `docket codes W005`"#,
    },
    CodeDoc {
        code: "E045",
        about: r#"A timer's duration is zero or negative: it would fire the moment its status is entered."#,
        example: r#"policy demo "Demo"

roles buyer, seller
outcomes closed_out

timers {
  reply = 0d
}

actions {
  buyer close
  seller close
}

initial status open "Open" {
  after reply -> closed
  buyer close -> closed
  seller close -> closed
}

terminal status closed "Closed" outcome closed_out
"#,
        stored: Stored::AsWritten,
        beside: &[],
        args: &[],
        fix: &[(r#"reply = 0d"#, r#"reply = 5d"#)],
        fix_note: r#"give it a positive duration; for "at once", write an automatic transition (`when ... -> STATUS`)"#,
    },
    CodeDoc {
        code: "E046",
        about: r#"Automatic transitions (`when ... -> ...`) can lead from status to status in a loop whose conditions can all hold at once, so evaluation could go round forever."#,
        example: r#"policy demo "Demo"

roles buyer, seller
outcomes closed_out

fields {
  ready: bool = false
}

actions {
  buyer close
  seller mark
}

initial status open "Open" {
  when ready -> checking
  seller mark -> open { ready = true }
  buyer close -> closed
}

status checking "Checking" {
  when ready -> open
}

terminal status closed "Closed" outcome closed_out
"#,
        stored: Stored::AsWritten,
        beside: &[],
        args: &[],
        fix: &[(
            r#"  when ready -> open
"#,
            r#"  buyer close -> closed
"#,
        )],
        fix_note: r#"break the loop: leave one of its statuses by an event or a timer instead"#,
    },
    CodeDoc {
        code: "E047",
        about: r#"The policy, or a status with children, marks none of them `initial`: where a case starts, or where it goes on entering the parent, is not said."#,
        example: r#"policy demo "Demo"

roles buyer, seller
outcomes closed_out

actions {
  buyer close
  seller close
}

status open "Open" {
  buyer close -> closed
  seller close -> closed
}

terminal status closed "Closed" outcome closed_out
"#,
        stored: Stored::AsWritten,
        beside: &[],
        args: &[],
        fix: &[(
            r#"
status open "Open""#,
            r#"
initial status open "Open""#,
        )],
        fix_note: r#"mark one status `initial`"#,
    },
    CodeDoc {
        code: "E048",
        about: r#"More than one status among siblings is marked `initial`."#,
        example: r#"policy demo "Demo"

roles buyer, seller
outcomes closed_out

actions {
  buyer close
  seller close
}

initial status open "Open" {
  buyer close -> closed
  seller close -> waiting
}

initial status waiting "Waiting" {
  buyer close -> closed
}

terminal status closed "Closed" outcome closed_out
"#,
        stored: Stored::AsWritten,
        beside: &[],
        args: &[],
        fix: &[(r#"initial status waiting"#, r#"status waiting"#)],
        fix_note: r#"keep `initial` on one of them"#,
    },
    CodeDoc {
        code: "E049",
        about: r#"A terminal status has no outcome, or a status that is not terminal has one. A terminal status ends the case, and its outcome is how."#,
        example: r#"policy demo "Demo"

roles buyer, seller
outcomes closed_out

actions {
  buyer close
  seller close
}

initial status open "Open" {
  buyer close -> closed
  seller close -> closed
}

terminal status closed "Closed"
"#,
        stored: Stored::AsWritten,
        beside: &[],
        args: &[],
        fix: &[(
            r#"terminal status closed "Closed"
"#,
            r#"terminal status closed "Closed" outcome closed_out
"#,
        )],
        fix_note: r#"give the terminal status one of the declared outcomes"#,
    },
    CodeDoc {
        code: "E060",
        about: r#"A calendar is wrong: it has no zone or an unknown one (the message suggests the closest IANA name), business hours that end before they start, or a holiday file that cannot be read or is not valid (with its file, line and column)."#,
        example: r#"policy demo "Demo"

roles buyer, seller
outcomes closed_out

calendar uk {
  zone "Europe/Londn"
}

timers {
  reply = 3bd in uk
}

actions {
  buyer close
  seller close
}

initial status open "Open" {
  after reply -> closed
  buyer close -> closed
  seller close -> closed
}

terminal status closed "Closed" outcome closed_out
"#,
        stored: Stored::AsWritten,
        beside: &[],
        args: &[],
        fix: &[(r#""Europe/Londn""#, r#""Europe/London""#)],
        fix_note: r#"write an IANA zone name, such as "Europe/London" or "UTC""#,
    },
    CodeDoc {
        code: "E061",
        about: r#"A duration in business days (`bd`) or business hours (`bh`) names no calendar to count them in: which days are business days depends on a country's weekends and holidays."#,
        example: r#"policy demo "Demo"

roles buyer, seller
outcomes closed_out

calendar uk {
  zone "Europe/London"
}

timers {
  reply = 3bd
}

actions {
  buyer close
  seller close
}

initial status open "Open" {
  after reply -> closed
  buyer close -> closed
  seller close -> closed
}

terminal status closed "Closed" outcome closed_out
"#,
        stored: Stored::AsWritten,
        beside: &[],
        args: &[],
        fix: &[(
            r#"reply = 3bd
"#,
            r#"reply = 3bd in uk
"#,
        )],
        fix_note: r#"count it in a declared calendar: `3bd in uk`"#,
    },
    CodeDoc {
        code: "E062",
        about: r#"A duration table (`by FIELD { variant -> duration, ... }`) leaves out a variant of its enum field, so a case with that value would have no deadline."#,
        example: r#"policy demo "Demo"

roles buyer, seller
outcomes closed_out

timers {
  window = by network { visa -> 30d }
}

fields {
  network: enum { visa, mastercard }
}

actions {
  buyer open(network)
  seller close
}

initial status open "Open" {
  buyer open -> waiting { network = network }
  seller close -> closed
}

status waiting "Waiting" {
  after window -> closed
}

terminal status closed "Closed" outcome closed_out
"#,
        stored: Stored::AsWritten,
        beside: &[],
        args: &[],
        fix: &[(r#"{ visa -> 30d }"#, r#"{ visa -> 30d, mastercard -> 45d }"#)],
        fix_note: r#"give every variant its duration"#,
    },
    CodeDoc {
        code: "E063",
        about: r#"A duration or a day boundary names a calendar that is not declared."#,
        example: r#"policy demo "Demo"

roles buyer, seller
outcomes closed_out

timers {
  reply = 3bd in uk
}

actions {
  buyer close
  seller close
}

initial status open "Open" {
  after reply -> closed
  buyer close -> closed
  seller close -> closed
}

terminal status closed "Closed" outcome closed_out
"#,
        stored: Stored::AsWritten,
        beside: &[],
        args: &[],
        fix: &[(
            r#"
timers {"#,
            r#"
calendar uk {
  zone "Europe/London"
}

timers {"#,
        )],
        fix_note: r#"declare the calendar: `calendar uk { zone "Europe/London" }`"#,
    },
    CodeDoc {
        code: "E064",
        about: r#"An automatic transition, a timer's instant or a pause condition reads the clock (`now`, `time_in`, `time_since`), so it would become true by time passing alone, which is noticed only at the case's next event: at the wrong instant, or never. A timer fires at its instant."#,
        example: r#"policy demo "Demo"

roles buyer, seller
outcomes closed_out

actions {
  buyer close
  seller close
}

initial status open "Open" {
  when time_in(open) >= 21d -> closed
  buyer close -> closed
  seller close -> closed
}

terminal status closed "Closed" outcome closed_out
"#,
        stored: Stored::AsWritten,
        beside: &[],
        args: &[],
        fix: &[
            (
                r#"outcomes closed_out
"#,
                r#"outcomes closed_out

timers {
  idle = 21d
}
"#,
            ),
            (r#"when time_in(open) >= 21d"#, r#"after idle"#),
        ],
        fix_note: r#"arm a timer and act when it fires: `after idle -> closed`"#,
    },
    CodeDoc {
        code: "E065",
        about: r#"A duration counted on a calendar (`3bd in uk`, `20d in uk`) has no fixed length, so it cannot be compared or multiplied; it can only be added to a time."#,
        example: r#"policy demo "Demo"

roles buyer, seller
outcomes closed_out

calendar uk {
  zone "Europe/London"
}

timers {
  wait = 3bd in uk
}

actions {
  buyer close
  seller close
}

initial status open "Open" {
  after wait -> closed
  buyer close when time_in(open) >= 3bd in uk -> closed
  seller close -> closed
}

terminal status closed "Closed" outcome closed_out
"#,
        stored: Stored::AsWritten,
        beside: &[],
        args: &[],
        fix: &[(
            r#"buyer close when time_in(open) >= 3bd in uk -> closed"#,
            r#"buyer close when time_in(open) >= 3d -> closed"#,
        )],
        fix_note: r#"compare with an exact duration (`3d`), or arm the timer and act when it fires"#,
    },
    CodeDoc {
        code: "E066",
        about: r#"A timer counted on a calendar is given a pause: a paused clock resumes with the exact time it had left, which a business-day count does not have."#,
        example: r#"policy demo "Demo"

roles buyer, seller
outcomes closed_out

calendar uk {
  zone "Europe/London"
}

timers {
  wait = 3bd in uk pause in open.held
}

actions {
  buyer close
  seller hold
}

initial status open "Open" {
  after wait -> closed
  buyer close -> closed
  initial status running "Running" {
    seller hold -> held
  }
  status held "Held" {
  }
}

terminal status closed "Closed" outcome closed_out
"#,
        stored: Stored::AsWritten,
        beside: &[],
        args: &[],
        fix: &[(r#"wait = 3bd in uk pause in open.held"#, r#"wait = 72h pause in open.held"#)],
        fix_note: r#"count it in exact time (`72h`), or drop the pause"#,
    },
    CodeDoc {
        code: "E067",
        about: r#"A policy's `effective` is not an RFC 3339 instant with its offset."#,
        example: r#"policy demo "Demo"
version "2026.1"
effective 2026-03-10

roles buyer, seller
outcomes closed_out

actions {
  buyer close
  seller close
}

initial status open "Open" {
  buyer close -> closed
  seller close -> closed
}

terminal status closed "Closed" outcome closed_out
"#,
        stored: Stored::AsWritten,
        beside: &[],
        args: &[],
        fix: &[(
            r#"effective 2026-03-10
"#,
            r#"effective 2026-03-10T00:00:00Z
"#,
        )],
        fix_note: r#"write a full instant, such as `2026-03-10T00:00:00Z`"#,
    },
    CodeDoc {
        code: "E068",
        about: r#"Versions of one policy clash: two files of the same policy checked together, one with `effective`, have the same version string or effective instant (or two have none), a version has no version string, or the files are of different policies. The example is checked with the other version beside it, `docket check example.policy other.policy`."#,
        example: r#"policy demo "Demo"
version "2026.1"
effective 2026-06-01T00:00:00Z

roles buyer, seller
outcomes closed_out

actions {
  buyer close
  seller close
}

initial status open "Open" {
  buyer close -> closed
  seller close -> closed
}

terminal status closed "Closed" outcome closed_out
"#,
        stored: Stored::AsWritten,
        beside: &[(
            r#"other.policy"#,
            r#"policy demo "Demo"
version "2026.1"
effective 2026-01-01T00:00:00Z

roles buyer, seller
outcomes closed_out

actions {
  buyer close
  seller close
}

initial status open "Open" {
  buyer close -> closed
  seller close -> closed
}

terminal status closed "Closed" outcome closed_out
"#,
        )],
        args: &[r#"other.policy"#],
        fix: &[(
            r#"version "2026.1"
effective 2026-06-01"#,
            r#"version "2026.2"
effective 2026-06-01"#,
        )],
        fix_note: r#"give each version its own `version "..."` and `effective INSTANT`"#,
    },
    CodeDoc {
        code: "W001",
        about: r#"A field is declared but no condition, effect, timer or outcome uses it."#,
        example: r#"policy demo "Demo"

roles buyer, seller
outcomes closed_out

fields {
  claim: money = 0
}

actions {
  buyer close
  seller close
}

initial status open "Open" {
  buyer close -> closed
  seller close -> closed
}

terminal status closed "Closed" outcome closed_out
"#,
        stored: Stored::AsWritten,
        beside: &[],
        args: &[],
        fix: &[(
            r#"
fields {
  claim: money = 0
}
"#,
            r#""#,
        )],
        fix_note: r#"remove it, or use it"#,
    },
    CodeDoc {
        code: "W002",
        about: r#"A role is declared but takes no action anywhere."#,
        example: r#"policy demo "Demo"

roles buyer, seller, platform
outcomes closed_out

actions {
  buyer close
  seller close
}

initial status open "Open" {
  buyer close -> closed
  seller close -> closed
}

terminal status closed "Closed" outcome closed_out
"#,
        stored: Stored::AsWritten,
        beside: &[],
        args: &[],
        fix: &[(r#"roles buyer, seller, platform"#, r#"roles buyer, seller"#)],
        fix_note: r#"remove it, or give it an action and a rule"#,
    },
    CodeDoc {
        code: "W003",
        about: r#"An action is declared but no rule in any status uses it, so an event of it is always rejected."#,
        example: r#"policy demo "Demo"

roles buyer, seller
outcomes closed_out

actions {
  buyer close
  seller close
  seller refund
}

initial status open "Open" {
  buyer close -> closed
  seller close -> closed
}

terminal status closed "Closed" outcome closed_out
"#,
        stored: Stored::AsWritten,
        beside: &[],
        args: &[],
        fix: &[(
            r#"  seller refund
"#,
            r#""#,
        )],
        fix_note: r#"add a rule for it in some status, or remove it"#,
    },
    CodeDoc {
        code: "W004",
        about: r#"Given `check --now`, a calendar's holiday data ends less than a year after that instant, so deadlines counted in business days will soon need days it does not cover (they are then counted by weekday alone, and cases say so). The example is checked with `--now 2026-06-01T00:00:00Z`."#,
        example: r#"policy demo "Demo"

roles buyer, seller
outcomes closed_out

calendar uk {
  zone "Europe/London"
  holidays "holidays-2026.toml"
}

timers {
  reply = 3bd in uk
}

actions {
  buyer close
  seller close
}

initial status open "Open" {
  after reply -> closed
  buyer close -> closed
  seller close -> closed
}

terminal status closed "Closed" outcome closed_out
"#,
        stored: Stored::AsWritten,
        beside: &[
            (
                r#"holidays-2026.toml"#,
                r#"name = "Demo holidays"
first = 2026-01-01
last = 2026-12-31

[[holidays]]
date = 2026-12-25
name = "Christmas Day"
"#,
            ),
            (
                r#"holidays-2026-2028.toml"#,
                r#"name = "Demo holidays"
first = 2026-01-01
last = 2028-12-31

[[holidays]]
date = 2026-12-25
name = "Christmas Day"
"#,
            ),
        ],
        args: &[r#"--now"#, r#"2026-06-01T00:00:00Z"#],
        fix: &[(r#"holidays "holidays-2026.toml""#, r#"holidays "holidays-2026-2028.toml""#)],
        fix_note: r#"add the coming years' holidays to the file and move its `last`"#,
    },
    CodeDoc {
        code: "W005",
        about: r#"A timer is declared but no status arms it (`after`, `deadline`) and no expression reads it. A warning, like every unused declaration: the policy works as written. It was the error E044."#,
        example: r#"policy demo "Demo"

roles buyer, seller
outcomes closed_out

timers {
  reply = 5d
}

actions {
  buyer close
  seller close
}

initial status open "Open" {
  buyer close -> closed
  seller close -> closed
}

terminal status closed "Closed" outcome closed_out
"#,
        stored: Stored::AsWritten,
        beside: &[],
        args: &[],
        fix: &[(
            r#"
timers {
  reply = 5d
}
"#,
            r#""#,
        )],
        fix_note: r#"arm it in a status (`after reply -> ...` or `deadline reply`), or remove it"#,
    },
    CodeDoc {
        code: "W006",
        about: r#"A `# docket:` comment silences nothing: no warning of the code it names is on its line (or, for a comment on a line of its own, the next line of code), the code is an error's or unknown, or the comment is not `# docket: allow CODE`. Reported only for a policy without errors. So an allow comment does not outlive its reason."#,
        example: r#"policy demo "Demo"

roles buyer, seller
outcomes closed_out

fields {
  claim: money = 0  # docket: allow W001
}

actions {
  buyer close
  seller close
}

initial status open "Open" {
  buyer close -> closed { claim = 1 }
  seller close -> closed
}

terminal status closed "Closed" outcome closed_out
"#,
        stored: Stored::AsWritten,
        beside: &[],
        args: &[],
        fix: &[(r#"  # docket: allow W001"#, r#""#)],
        fix_note: r#"remove the comment"#,
    },
    CodeDoc {
        code: "W007",
        about: r#"A timer moves the case to a status from which timers and automatic transitions, with no condition and no event, lead back again: once a case is there, it moves round the circle for as long as no event comes, one step each time the timer runs out. Evaluation stops such a case after 10,000 moves with a policy error. Usually a reminder was meant to stay put (a `deadline`) or the circle needs a way out. A step with a condition may end the loop (a counter), so a circle with one is not reported."#,
        example: r#"policy demo "Demo"

roles buyer
outcomes closed_out

timers {
  reminder = 1d
}

actions {
  buyer close
}

initial status waiting "Waiting" {
  after reminder -> waiting
  buyer close -> closed
}

terminal status closed "Closed" outcome closed_out
"#,
        stored: Stored::AsWritten,
        beside: &[],
        args: &[],
        fix: &[(r#"  after reminder -> waiting"#, r#"  deadline reminder"#)],
        fix_note: r#"make the reminder a `deadline` (reported, moves nothing), or let the timer lead out of the circle"#,
    },
];
