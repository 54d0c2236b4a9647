"""``custody staff add|list|disable|passwd|keys`` and ``custody stations add|list``.

Passwords are read from a hidden prompt or, with ``--password-stdin``, from standard input:
never from the command line, where other users and shell history would see them.
"""

from __future__ import annotations

import sys

import typer

from app.commands._runtime import run_in_transaction
from app.config import load_settings

app = typer.Typer(help="The operator's staff accounts.", no_args_is_help=True)
stations = typer.Typer(help="Scan stations at the operator's sites.", no_args_is_help=True)
ACTOR = "cli"
StdinOption = typer.Option(False, "--password-stdin", help="Read the password from stdin.")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@app.command("add")
def add(
    username: str = typer.Argument(..., help="Sign-in name: a-z, 0-9, '.', '_', '-'."),
    name: str = typer.Option(..., "--name", help="Display name."),
    role: list[str] = typer.Option(..., "--role", help="picker, receiver, pharmacist, qa, admin."),
    password_stdin: bool = StdinOption,
    generate: bool = typer.Option(False, "--generate", help="Make a password and print it once."),
) -> None:
    """Create a staff account."""
    from app.staff import service

    password = service.new_password() if generate else _read_password(password_stdin)
    user = run_in_transaction(load_settings(), service.add_staff, username, name, role, password,
                              ACTOR)
    typer.echo(f"staff account {user.username} created ({', '.join(user.roles)})")
    if generate:
        typer.echo(f"password (shown once): {password}")


@app.command("list")
def list_() -> None:
    """One line per account: username, roles, state, display name."""
    from app.staff import service

    for u in run_in_transaction(load_settings(), service.list_staff):
        state = "disabled" if u.disabled_at else "active"
        typer.echo(f"{u.username}\t{','.join(u.roles)}\t{state}\t{u.display_name}")


@app.command("disable")
def disable(username: str = typer.Argument(...)) -> None:
    """Disable an account: it cannot sign in, and its sessions end."""
    from app.staff import service

    run_in_transaction(load_settings(), service.disable_staff, username, ACTOR)
    typer.echo(f"staff account {username} disabled")


@app.command("passwd")
def passwd(username: str = typer.Argument(...), password_stdin: bool = StdinOption) -> None:
    """Set a new password (ends the account's sessions and lifts a lockout)."""
    from app.staff import service

    password = _read_password(password_stdin)
    run_in_transaction(load_settings(), service.set_password, username, password, ACTOR)
    typer.echo(f"password of {username} changed")


@app.command("keys")
def keys(username: str = typer.Argument(...)) -> None:
    """One line per personal API key: prefix, state, what it may do, name.

    Issue one with ``custody keys issue --staff USERNAME``; revoke with ``custody keys revoke``.
    """
    from app.staff.keys import staff_keys
    from app.staff.service import get_staff

    async def listed(session, name):
        return await staff_keys(session, await get_staff(session, name))

    for key in run_in_transaction(load_settings(), listed, username):
        state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
        typer.echo(f"{key.prefix}\t{state}\t{','.join(key.scopes) or 'as roles'}\t{key.name}")


@stations.command("add")
def station_add(
    name: str = typer.Argument(..., help="Station name, e.g. 'Receiving 1'."),
    sgln: str = typer.Option(..., "--sgln", help="SGLN of one of the operator's sites."),
) -> None:
    """Set up a scan station at one of the operator's sites."""
    from app.staff import service

    settings = load_settings()
    run_in_transaction(settings, service.add_station, settings.operator_gln, name, sgln, ACTOR)
    typer.echo(f"scan station {name!r} at {sgln}")


@stations.command("list")
def station_list() -> None:
    """One line per station: name and site SGLN."""
    from app.staff import service

    for station, sgln in run_in_transaction(load_settings(), service.list_stations):
        typer.echo(f"{station.name}\t{sgln}")
