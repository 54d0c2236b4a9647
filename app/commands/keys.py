"""``custody keys generate|issue|revoke``: the checkpoint signing key pair and API keys."""

from __future__ import annotations

import typer

from app.commands._runtime import run_in_transaction
from app.config import load_settings

app = typer.Typer(help="Checkpoint signing keys and API keys.", no_args_is_help=True)
ACTOR = "cli"


@app.command("generate")
def generate(
    force: bool = typer.Option(False, "--force", help="Replace an existing key pair."),
) -> None:
    """Write an Ed25519 key pair to CUSTODY_KEY_DIR and print the public (verifier) key."""
    from app.ledger import keys

    settings = load_settings()
    verifier = keys.generate(settings.key_dir, settings.log_origin, force=force)
    typer.echo(
        f"private key written to {settings.key_dir / keys.SIGNER_FILE} (mode 0600)", err=True
    )
    typer.echo(verifier)


@app.command("issue")
def issue(
    partner: int | None = typer.Option(None, "--partner", help="Partner id (none: operator key)."),
    staff: str | None = typer.Option(None, "--staff", help="A staff member's username: their "
                                     "personal key, acting with their roles."),
    scope: list[str] = typer.Option([], "--scope", help="capture, query, verify, report, admin, "
                                    "regulator; for --staff: scan, receive, investigate, "
                                    "quarantine, release, recall to limit it (default: all "
                                    "the holder's roles allow)."),
    name: str = typer.Option("", "--name", help="What the key is for."),
) -> None:
    """Issue an API key; it is printed once and only its hash is kept."""
    from app.auth import service

    settings = load_settings()
    if staff is not None:
        if partner is not None:
            raise typer.BadParameter("a key is either a partner's or a staff member's",
                                     param_hint="--staff")
        from app.staff.keys import issue_staff_key

        key, plaintext = run_in_transaction(settings, issue_staff_key, staff, scope, name, ACTOR)
    else:
        key, plaintext = run_in_transaction(
            settings, service.issue, partner, scope, name or "key", ACTOR
        )
    typer.echo(f"API key {key.prefix} issued; store it now, it is not shown again:", err=True)
    typer.echo(plaintext)


@app.command("revoke")
def revoke(prefix: str = typer.Argument(..., help="The key's prefix (8 hex digits).")) -> None:
    """Revoke an API key."""
    from app.auth import service

    run_in_transaction(load_settings(), service.revoke, prefix, ACTOR)
    typer.echo(f"API key {prefix} revoked")
