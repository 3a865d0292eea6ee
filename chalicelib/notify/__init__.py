"""Staff notifications: scheduled summaries (alerts come later)."""
