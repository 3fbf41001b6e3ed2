"""Benchmark (issue 18): a 350,000-person ledger (about 16 MB as .xlsx, 41 MB as .csv),
places by name, checked and imported in well under two minutes with flat memory.

    .venv/bin/python bench/import_350k.py [--csv] [--database-url URL]

On PostgreSQL: `bash .ci/postgres.sh start DIR PORT` prints the URL to pass. Prints the
seconds of the check and of the import, and the peak resident memory; the same run at
100,000 persons (bench/import_ledger.py) shows the memory does not grow with the file.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.import_ledger import main  # noqa: E402 - after the path is set

if __name__ == "__main__":
    main(persons=350_000)
