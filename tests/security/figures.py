"""Figures the security tests prove (trials, winners, kills, fuzz cases), printed at the
end of the pytest run by tests/security/conftest.py so that the CI log shows them."""

from __future__ import annotations

FIGURES: list[str] = []


def report(line: str) -> None:
    FIGURES.append(line)
    print("\n" + line)
