"""Forms of the certificates package."""
