"""Benchmarks (not tests): see bench/run.py and `make bench`."""
