"""Delivery: writing output files safely (and, later, e-mailing them)."""
