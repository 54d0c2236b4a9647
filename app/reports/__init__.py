"""Reports for regulators and partners: unit provenance and lots, with offline-verifiable proof bundles."""
