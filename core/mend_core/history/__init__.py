"""The migration history: the `prisma/migrations` folder, the `_prisma_migrations` table, and the
state of each migration and of the whole.
"""
