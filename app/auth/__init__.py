"""API keys, scopes and the ``require(scope)`` dependency."""
