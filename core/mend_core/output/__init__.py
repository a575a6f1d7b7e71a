"""What mend writes for people and clients: text safe for a terminal, passwords kept out, SQL text
for a client, private files.
"""
