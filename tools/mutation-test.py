#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Mutation test of the estimator core against the 'unit' test suite.

Builds a copy of the committed tree (git archive HEAD) in a temporary
directory, then for each mutant -- every numeric #define in the core's
estimation files shifted by one unit (integers) or by 1 % (reals), plus the
comparison flips listed in tools/mutants.txt -- rebuilds and runs
`meson test --suite unit`.  A mutant no unit test notices is "SURVIVED".
Prints one line per mutant and a summary; exits 1 if any mutant survived.

Usage: tools/mutation-test.py [FILE.c ...]   (default: the files below)
Takes about 15 s per mutant on one core; the worktree is not touched.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

FILES = ['inter_arrival.c', 'inter_arrival.h', 'kalman.c',
         'overuse_detector.c', 'aimd.c', 'rate_statistics.c',
         'rate_statistics.h', 'probe_clusters.c', 'remote_estimator.c',
         'remb_throttler.c']
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFINE = re.compile(r'(#define\s+\w+\s+)([\d.]+(?:e-?\d+)?f?)(\s.*)?$')


def shifted(value):
    if re.fullmatch(r'\d+', value):
        return str(int(value) + 1)
    number = float(value.rstrip('f'))
    if number == 0.0:
        return None
    return repr(number * 1.01) + ('f' if value.endswith('f') else '')


def mutants(src, files):
    found = []
    listed = os.path.join(src, 'tools', 'mutants.txt')
    entries = [e.split('\t') for e in open(listed).read().splitlines()
               if e and not e.startswith('#')]
    equivalent = set((e[1], e[2]) for e in entries if e[0] == 'equivalent')
    for name in files:
        lines = open(os.path.join(src, 'estimator', name)).read().split('\n')
        for i, line in enumerate(lines):
            m = DEFINE.match(line)
            macro = line.split()[1] if m else None
            if m and shifted(m.group(2)) and (name, macro) not in equivalent:
                found.append((name, i, m.group(1) + shifted(m.group(2)) +
                              (m.group(3) or '')))
    for entry in entries:
        if entry[0] != 'flip':
            continue
        name, old, new = entry[1:]
        if name not in files:
            continue
        lines = open(os.path.join(src, 'estimator', name)).read().split('\n')
        hits = [i for i, line in enumerate(lines) if old in line]
        if not hits:
            print('not found in %s: %s' % (name, old))
            continue
        found.append((name, hits[0], lines[hits[0]].replace(old, new, 1)))
    return found


def unit_tests_pass(build):
    if subprocess.run(['ninja', '-C', build], capture_output=True).returncode:
        return None
    run = subprocess.run(['meson', 'test', '-C', build, '--suite', 'unit'],
                         capture_output=True)
    return run.returncode == 0


def main():
    files = sys.argv[1:] or FILES
    tmp = tempfile.mkdtemp(prefix='bwe-mutation-')
    try:
        src = os.path.join(tmp, 'src')
        os.mkdir(src)
        archive = subprocess.run(['git', '-C', ROOT, 'archive', 'HEAD'],
                                 capture_output=True, check=True).stdout
        subprocess.run(['tar', '-x', '-C', src], input=archive, check=True)
        build = os.path.join(src, 'build')
        subprocess.run(['meson', 'setup', build, src, '-Dgst=disabled'],
                       capture_output=True, check=True)
        if not unit_tests_pass(build):
            print('the unmutated tree fails its unit tests')
            return 2
        survived = killed = 0
        for name, i, new in mutants(src, files):
            path = os.path.join(src, 'estimator', name)
            original = open(path).read()
            lines = original.split('\n')
            old, lines[i] = lines[i], new
            open(path, 'w').write('\n'.join(lines))
            result = unit_tests_pass(build)
            open(path, 'w').write(original)
            if result is None:
                verdict = 'no build'
            elif result:
                verdict = 'SURVIVED'
                survived += 1
            else:
                verdict = 'killed'
                killed += 1
            print('%-8s %s:%d  %s  ->  %s' % (verdict, name, i + 1,
                                              old.strip(), new.strip()),
                  flush=True)
        print('%d mutants: %d killed, %d survived' % (killed + survived,
                                                      killed, survived))
        return 1 if survived else 0
    finally:
        shutil.rmtree(tmp)


if __name__ == '__main__':
    sys.exit(main())
