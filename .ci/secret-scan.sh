#!/usr/bin/env bash
# Secret scan of the tracked files with detect-secrets. Fails on any finding that is not
# in the reviewed baseline (.secrets.baseline: test and demo passwords, marked
# is_secret=false). Compares hashes, not line numbers, so moving code does not fail it.
# After reviewing a new false positive: .venv/bin/detect-secrets scan --baseline .secrets.baseline
set -euo pipefail
cd "$(dirname "$0")/.."
scan=$(mktemp)
trap 'rm -f "$scan"' EXIT
.venv/bin/detect-secrets scan --exclude-files '^static/vendor/|^\.secrets\.baseline$' > "$scan"
.venv/bin/python - "$scan" .secrets.baseline <<'PY'
import json
import sys

found, baseline = (json.load(open(p)) for p in sys.argv[1:3])
known = {(f, r["hashed_secret"]) for f, rs in baseline["results"].items() for r in rs}
new = [
    (f, r["line_number"], r["type"])
    for f, rs in found["results"].items()
    for r in rs
    if (f, r["hashed_secret"]) not in known
]
files = len({f for f, _ in known})
print(f"secret scan: {sum(len(rs) for rs in found['results'].values())} findings, "
      f"{len(known)} reviewed in the baseline ({files} files), {len(new)} new")
for f, line, kind in new:
    print(f"NEW SECRET? {f}:{line}: {kind}")
sys.exit(1 if new else 0)
PY
