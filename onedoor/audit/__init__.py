"""The audit trail. `record()` is the only way a row is written."""
