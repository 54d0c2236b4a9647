"""Delivery confirmation (a one-off signed link or the API) and the 48-hour follow-up."""
