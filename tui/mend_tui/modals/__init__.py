"""Modal dialogs: errors, help, explanations."""
