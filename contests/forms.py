"""Forms of the contests package."""
