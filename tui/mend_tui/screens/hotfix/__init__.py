"""The hotfix wizard: Items, Name, Preview, Targets, Apply, Verify; its flow, its steps and what
they say.
"""
