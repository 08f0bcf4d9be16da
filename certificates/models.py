"""Certificate templates, issued certificates and batches: the tables land with the certificates issue."""
