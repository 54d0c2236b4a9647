"""Suspect and illegitimate product: quarantine, investigations, FDA Form 3911 drafts."""
