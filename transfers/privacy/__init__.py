"""Personal data: masking in logs, and the audited full view of ID numbers."""
