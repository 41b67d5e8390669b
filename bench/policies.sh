#!/usr/bin/env bash
# Generators of policies (and a one-event log) shaped like the worst cases of issue 17, in awk so
# nothing beyond a POSIX system is needed; sourced by bench/scale.sh and bench/check.sh. Each
# writes to stdout.

# Many timers, every one armed as an SLA deadline by the initial status (item 3), and explained.
timers_policy() { # N
  awk -v n="$1" 'BEGIN {
    print "policy many_timers \"Many timers\"\nroles buyer\noutcomes done\ntimers {"
    for (i = 0; i < n; i++) printf "  deadline_%d = %dh  # timer %d\n", i, (i % 700) + 1, i
    print "}\nactions {\n  buyer note\n  buyer close\n}\ninitial status open \"Open\" {"
    for (i = 0; i < n; i++) printf "  deadline deadline_%d\n", i
    print "  buyer note\n  buyer close -> closed\n}\nterminal status closed \"Closed\" outcome done"
  }'
}

# One event opening one case, for the timers policy; `--now` a month later.
one_event() {
  echo '{"case":"C1","at":"2026-01-01T00:00:00Z","role":"buyer","action":"note"}'
}

# Long status names, each target misspelt, so every one draws a "did you mean" (item 6).
long_names_policy() { # N
  awk -v n="$1" 'BEGIN {
    pad = ""; for (i = 0; i < 400; i++) pad = pad "x"
    print "policy long_names \"Long names\"\nroles buyer\noutcomes done\nactions {\n  buyer go\n}"
    print "initial status start \"Start\" {"
    for (i = 0; i < n; i++) printf "  buyer go when false -> s%d_%s_y\n", i, pad
    print "}"
    for (i = 0; i < n; i++) printf "terminal status s%d_%s_x \"S%d\" outcome done\n", i, pad, i
  }'
}

# Many rules for one action in one status, every pair of which the overlap check compares (item 8).
overlap_policy() { # N
  awk -v n="$1" 'BEGIN {
    print "policy overlap \"Overlap\"\nroles buyer\noutcomes done\nfields {\n  x: int = 0\n}"
    print "actions {\n  buyer go(n: int)\n}\ninitial status open \"Open\" {"
    for (i = 0; i < n; i++) {
      printf "  buyer go when n >= %d", i
      for (k = 1; k < 30; k++) printf " and x >= %d", k
      print " -> closed"
    }
    print "}\nterminal status closed \"Closed\" outcome done"
  }'
}

# Many statuses in a chain, with comments and a loose layout for fmt; `renamed` renames them all
# (item 7: diff matches every one by name).
chain_policy() { # N PREFIX
  awk -v n="$1" -v p="$2" 'BEGIN {
    print "policy chain \"Chain\"\nroles   buyer\noutcomes done\nactions {\n  buyer next\n}"
    for (i = 0; i < n; i++) {
      printf "## step %d of the chain\n", i
      printf "%sstatus %s%d \"Step %d\" {   # step %d\n    buyer next -> %s%d   # onwards\n}\n", (i == 0 ? "initial " : ""), p, i, i, i, p, i + 1
    }
    printf "terminal status %s%d \"End\" outcome done\n", p, n
  }'
}

# A policy of many statuses written as policies are: each arms a deadline and a timer, and has
# guarded rules for two roles and an `else`; money fields and parameters in the conditions.
wide_policy() { # N
  awk -v n="$1" 'BEGIN {
    print "policy wide \"Wide\"\nroles buyer, seller\noutcomes done, lost\nfields {\n  amount: money = 0\n  offer: money = 0\n}"
    print "timers {"
    for (i = 0; i < n; i++) printf "  answer_%d = %dd  ## the seller answers status %d\n  late_%d = %dh\n", i, (i % 14) + 1, i, i, (i % 48) + 1
    print "}\nactions {\n  buyer claim(claimed: money)\n  seller offer(offered: money)\n  buyer accept\n}"
    for (i = 0; i < n; i++) {
      printf "## Status %d: the buyer claims, the seller offers.\n", i
      printf "%sstatus s%d \"Step %d\" {\n  deadline late_%d\n", (i == 0 ? "initial " : ""), i, i, i
      printf "  buyer claim when claimed > %d.50 -> s%d { amount = claimed }\n", i, i + 1
      printf "  seller offer when offered <= amount + %d -> s%d { offer = offered }\n", i % 97, i + 1
      printf "  buyer accept -> won\n  after answer_%d -> lost_case\n}\n", i
    }
    printf "status s%d \"Last\" {\n  buyer accept -> won\n}\n", n
    print "terminal status won \"Won\" outcome done\nterminal status lost_case \"Lost\" outcome lost"
  }'
}
