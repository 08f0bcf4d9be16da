"""Forms of the scoring package."""
