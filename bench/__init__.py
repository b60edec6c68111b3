"""Benchmarks: each prints its figures and their ratios to the machine's bounds, measured alongside."""
