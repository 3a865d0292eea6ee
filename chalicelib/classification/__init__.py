"""Pure failure classification: reason vocabulary, phrase tables, status rules, explanations."""

from chalicelib.classification.classify import Classification, classify

__all__ = ["Classification", "classify"]
