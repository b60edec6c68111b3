"""Benchmarks: each prints its figures, and their ratios to machine bounds measured alongside."""
