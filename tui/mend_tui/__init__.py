"""The `mend` command and terminal app."""
