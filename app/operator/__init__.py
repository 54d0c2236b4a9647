"""The operator: the trading partner this instance runs for, and its own events."""
