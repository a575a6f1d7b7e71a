"""The schema engine: inspect a database into a model, compare two models, plan the SQL.

inspect (live database, or a shadow database replaying migrations or a DDL file) -> compare ->
plan -> apply, as separate stages.
"""
