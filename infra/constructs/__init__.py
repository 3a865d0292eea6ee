"""The stack's building blocks, one construct per concern (mail intake, storage, app, alarms)."""
