"""Rebound's tools that never run in Lambda: the `rebound` CLI, the local stack, benchmarks."""
