"""The recovery engine: analyse a failed migration, plan, rehearse, execute and resolve, verify."""
