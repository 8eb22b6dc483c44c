"""SQLite with its writers taking turns in order (ADR 0031): the database engine named in
`settings.DATABASES` when no DATABASE_URL is given."""
