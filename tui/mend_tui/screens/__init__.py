"""The screens of the terminal app: the status dashboard and the history browser."""
