"""Encrypted backups of the database (`potluck backup`) and restoring them (`potluck restore`).

sealing.py: the file format (X25519 + HKDF-SHA256 + AES-256-GCM in chunks); engines.py:
pg_dump/pg_restore and SQLite's online backup API; services.py: what the commands do.
docs/backups.md is the operator's guide.
"""
