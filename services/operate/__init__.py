"""What an operator does to a running Chronicle: rebuild, check, dead letters, rejects,
status.
"""
