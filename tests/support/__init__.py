"""Test-only helpers shared by the test tiers (never imported by chalicelib or the Lambdas)."""
