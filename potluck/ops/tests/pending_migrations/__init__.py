"""The ops migrations plus one more that no database has applied: a pending migration for
`potluck doctor`'s tests (used through MIGRATION_MODULES)."""
