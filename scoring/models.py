"""Marking schemes, marks and results: the tables land with the judging and results issues."""
