"""The project and its configuration: where it is, its schema and config files, the database URL,
and the options a command runs with.
"""
