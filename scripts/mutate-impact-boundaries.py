#!/usr/bin/env python3
"""Ad-hoc mutation check: each min_items comparison in impact flipped at the boundary, one at a
time; is it caught by the impact tests?"""
import re, subprocess, sys, pathlib
root = pathlib.Path(__file__).resolve().parents[1]
targets = []
for rel in ('guidelines_tool/impact/data.py', 'guidelines_tool/impact/analysis.py', 'guidelines_tool/impact/report.py',
            'guidelines_tool/impact/compare.py', 'guidelines_tool/impact/placebo.py'):
    lines = (root / rel).read_text().splitlines(keepends=True)
    for k, line in enumerate(lines):
        if 'min_items' in line and re.search(r'(>=|<)\s*(settings\.)?min_items', line) and not line.strip().startswith('#'):
            targets.append((rel, k))
results = []
for rel, k in targets:
    path = root / rel
    original = path.read_text()
    lines = original.splitlines(keepends=True)
    line = lines[k]
    mutated = re.sub(r'>=(\s*(settings\.)?min_items)', r'>\1', line) if '>=' in line else re.sub(r'<(\s*(settings\.)?min_items)', r'<=\1', line)
    lines[k] = mutated
    path.write_text(''.join(lines))
    try:
        r = subprocess.run([str(root / '.venv/bin/python'), '-m', 'pytest', '-q', '-x', '-p', 'no:cacheprovider',
                            'tests/impact', 'tests/cli/test_impact_cli.py', 'tests/test_demo.py'],
                           cwd=root, capture_output=True, text=True)
        caught = r.returncode != 0
    finally:
        path.write_text(original)
    results.append((rel, k + 1, line.strip(), caught))
    print(f"{'caught ' if caught else 'SURVIVED'} {rel}:{k + 1}: {line.strip()}", flush=True)
print(f"{sum(c for *_, c in results)} of {len(results)} caught")
