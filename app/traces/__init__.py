"""Trace requests: a regulator or trading partner asks where a product has been."""
