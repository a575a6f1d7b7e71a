"""`python -m mend_tui` is the `mend` command."""

from mend_tui.cli import main

if __name__ == "__main__":
    main()
