"""The subcommands' work: thin presentation over mend_core, one module per command."""
