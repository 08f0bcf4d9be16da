"""Services of the certificates package: the operations views call, one per request."""
