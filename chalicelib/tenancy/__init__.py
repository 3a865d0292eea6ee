"""Tenancy: who a bounce belongs to (signed return paths) and who may read what (API keys)."""
