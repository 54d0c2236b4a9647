"""The operator's staff: accounts, sign-in with lockout, and scan stations."""
