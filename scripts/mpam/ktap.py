#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Count the results in a console log holding KTAP/TAP output.

Understands KUnit's output (nested by indentation, behind printk
timestamps) and the kselftest runner's (nested by "# " prefixes).  Only
leaf results are counted: a suite's own line is not a test.  A parent that
failed although none of its children did (a test program that crashed
after its last result) counts as one failure, and so does every result a
plan announced that never came (a kernel that died in the middle).

Prints one line per failure and, last, "<name>: N passed, N failed,
N skipped".  With --counts FILE, also writes "P F S" to FILE.
"""
import argparse
import re
import sys

TS = re.compile(r'^\[\s*\d+\.\d+\]\s?')
RESULT = re.compile(r'^(not ok|ok)\s+\d+\s*(?:-\s*)?([^#]*?)\s*(?:#\s*(.*))?$')
PLAN = re.compile(r'^1\.\.(\d+)')


def depth_and_body(line):
    line = TS.sub('', line.rstrip('\r\n'))
    depth = 0
    while True:
        if line.startswith('# ') and (RESULT.match(line[2:].lstrip()) or
                                      PLAN.match(line[2:].lstrip()) or
                                      line[2:].startswith(('# ', '    ', 'TAP', 'KTAP'))):
            line = line[2:]
            depth += 1
        elif line.startswith('    '):
            line = line[4:]
            depth += 1
        else:
            return depth, line


def parse(lines):
    passed = failed = skipped = 0
    failures = []
    # Per depth: results seen, plan announced, leaf failures below.
    seen = {}
    plan = {}
    leaf_fail = {}
    path = {}

    def close(d):
        """Check the plan of the results at depth d and forget them."""
        nonlocal failed
        if d in plan and seen.get(d, 0) < plan[d]:
            missing = plan[d] - seen.get(d, 0)
            failed += missing
            failures.append('%d planned result(s) never came after %s' %
                            (missing, path.get(d, 'the start')))
        seen.pop(d, None)
        plan.pop(d, None)

    for raw in lines:
        d, body = depth_and_body(raw)
        m = PLAN.match(body)
        if m:
            plan[d] = int(m.group(1))
            continue
        m = RESULT.match(body)
        if not m:
            if body.startswith(('KTAP version', 'TAP version')) and d == 0:
                for dd in sorted(set(seen) | set(plan), reverse=True):
                    close(dd)
                path.clear()
            continue
        ok = m.group(1) == 'ok'
        name = m.group(2)
        directive = (m.group(3) or '').strip()
        children = seen.get(d + 1, 0)
        for dd in sorted([k for k in set(seen) | set(plan) if k > d], reverse=True):
            close(dd)
        below = sum(leaf_fail.pop(k) for k in list(leaf_fail) if k > d)
        seen[d] = seen.get(d, 0) + 1
        mine = 0
        if directive.upper().startswith('SKIP'):
            if children == 0:
                skipped += 1
        elif children == 0:
            if ok:
                passed += 1
            else:
                mine = 1
                failures.append('not ok: %s%s' % (
                    name, ' # ' + directive if directive else ''))
        elif not ok and not below:
            mine = 1
            failures.append('not ok: %s (its own tests all passed)' % name)
        failed += mine
        leaf_fail[d] = leaf_fail.get(d, 0) + below + mine
        path[d] = name
    for dd in sorted(set(seen) | set(plan), reverse=True):
        close(dd)
    return passed, failed, skipped, failures


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('log')
    ap.add_argument('--name', default='results')
    ap.add_argument('--counts')
    a = ap.parse_args()
    with open(a.log, errors='replace') as f:
        p, fl, s, failures = parse(f)
    for x in failures:
        print('%s: %s' % (a.name, x))
    print('%s: %d passed, %d failed, %d skipped' % (a.name, p, fl, s))
    if a.counts:
        with open(a.counts, 'w') as f:
            f.write('%d %d %d\n' % (p, fl, s))
    return 1 if fl else 0


if __name__ == '__main__':
    sys.exit(main())
