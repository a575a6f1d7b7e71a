"""Connections, sessions and running statements: the session, Prisma's lock, the journal, splitting
and running scripts, and what a statement can destroy.
"""
