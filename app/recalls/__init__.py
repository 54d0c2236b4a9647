"""Recalls: lots of a product withdrawn by its brand owner, and the custodians to tell."""
