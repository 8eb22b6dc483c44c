"""Backups you can restore: `manage.py backup` copies a live SQLite database (docs/deploy.md)."""
