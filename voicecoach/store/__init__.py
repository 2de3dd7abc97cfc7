"""The user's history on disk: SQLite with named migrations, takes with their audio, and the
pure history maths (trends, attempts, take comparison).

Knows no speech code: imports only the top level.
"""
