"""mend's headless core: Prisma Migrate-compatible history, status, deploy, resolve and execute.

Submodules are imported on demand (`from mend_core.history.status import get_status`); importing the
package itself stays cheap and never pulls in a terminal UI library.
"""

__version__ = "0.1.0"
