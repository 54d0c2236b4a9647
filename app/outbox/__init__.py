"""The outbox: EPCIS documents pushed to partners capture URLs, with retries and backoff."""
