"""Settings: defaults for a newcomer, one-line errors naming the variable."""

import pytest

from app.config import Settings, load_settings
from app.errors import ConfigurationError


def test_default_is_embedded_sqlite(monkeypatch):
    monkeypatch.delenv("CUSTODY_DATABASE_URL", raising=False)
    assert Settings(_env_file=None).database_url == "sqlite+aiosqlite:///./custody.db"


def test_plain_driver_names_get_async_drivers():
    assert Settings(database_url="postgresql://u@h/db").database_url == "postgresql+psycopg://u@h/db"
    assert Settings(database_url="sqlite:///x.db").database_url == "sqlite+aiosqlite:///x.db"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("mysql://root@localhost/x", "CUSTODY_DATABASE_URL: expected a driver among sqlite+aiosqlite, postgresql+psycopg, got 'mysql'"),
        ("not a url", "CUSTODY_DATABASE_URL: expected a SQLAlchemy URL such as postgresql+psycopg://user@host/db, got 'not a url'"),
    ],
)
def test_bad_database_url_is_one_line(monkeypatch, value, message):
    monkeypatch.setenv("CUSTODY_DATABASE_URL", value)
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    assert caught.value.detail == message


def test_bad_port_names_the_variable(monkeypatch):
    monkeypatch.setenv("CUSTODY_PORT", "99999")
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    assert caught.value.detail == "CUSTODY_PORT: Input should be less than or equal to 65535"


def test_operator_gln_is_checked(monkeypatch):
    monkeypatch.setenv("CUSTODY_OPERATOR_GLN", " 0614141000005 ")
    assert load_settings().operator_gln == "0614141000005"
    monkeypatch.setenv("CUSTODY_OPERATOR_GLN", "0614141000006")
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    assert str(caught.value) == ("CUSTODY_OPERATOR_GLN: GLN '0614141000006': expected check digit 5"
                                 " at position 13, got 6")
