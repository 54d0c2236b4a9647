"""Units: serialized packages and logistic units, and their status rules."""
