"""The patient-data vault: per-case data keys wrapped by a master key, crypto-shredding,
subject-access export and retention (docs/decisions: vault keys)."""
