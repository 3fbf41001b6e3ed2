"""Per-user inbox of reminders and escalations, and e-mail copies sent after commit."""
