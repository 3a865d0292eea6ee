"""Benchmarks run by `make bench`: each prints figures and ratios against a baseline run in the
same process or run, never pass/fail timings."""
