"""Rebound's Lambda code: the pure core (parsing, classification), services and adapters."""
