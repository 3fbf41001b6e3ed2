"""Supervisors: overdue dashboard, ledgers (台账) with 销号, summaries, 催办单/督办单."""
