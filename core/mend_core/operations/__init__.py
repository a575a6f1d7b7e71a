"""The operations on a history: deploy, resolve, execute, drift, and the demo."""
