"""Benchmarks: scripts that print a table and one target line per goal."""
