"""Where the vault's master keys come from: ``CUSTODY_VAULT_KEY_FILE`` or ``CUSTODY_VAULT_KEY``."""

from __future__ import annotations

import os
from pathlib import Path

from app.config import Settings
from app.errors import CustodyError
from app.vault.crypto import Keyring, MasterKey, new_master_key, parse_keyring


class VaultNotConfigured(CustodyError):
    """No master key is configured (or it cannot be read)."""

    status, slug, title = 409, "vault-not-configured", "Patient-data vault not configured"


def load_keyring(settings: Settings) -> Keyring:
    """The configured master keys, or :class:`VaultNotConfigured` naming the setting."""
    if settings.vault_key_file is not None:
        name, source = "CUSTODY_VAULT_KEY_FILE", settings.vault_key_file
        try:
            text = source.read_text()
        except OSError as exc:
            raise VaultNotConfigured(f"{name} {source}: expected a readable key file, got "
                                     f"{exc.strerror}", field=name) from None
    elif settings.vault_key is not None:
        name, text = "CUSTODY_VAULT_KEY", settings.vault_key.get_secret_value()
    else:
        raise VaultNotConfigured("the patient-data vault has no master key: set "
                                 "CUSTODY_VAULT_KEY_FILE (make one with `custody vault init`) "
                                 "or CUSTODY_VAULT_KEY", field="CUSTODY_VAULT_KEY_FILE")
    try:
        return parse_keyring(text)
    except ValueError as exc:
        raise VaultNotConfigured(f"{name}: {exc}", field=name) from None


def optional_keyring(settings: Settings) -> Keyring | None:
    """The configured master keys, or None when the vault has none usable: what holds no patient
    data (a shipment link, a confirmation) goes on without a commitment."""
    try:
        return load_keyring(settings)
    except VaultNotConfigured:
        return None


def add_key_file_entry(path: Path) -> MasterKey:
    """Append a fresh master key to ``path`` (made with mode 0600 if absent); it becomes current."""
    key = new_master_key()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a") as out:
        out.write(key.line() + "\n")
    return key
