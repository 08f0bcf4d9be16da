"""URL arguments of the certificate pages for the access-matrix walk (the demo has no certificates yet:
ids that do not exist give 404, which the walk accepts as "allowed")."""

from __future__ import annotations

RESOLVERS = {
    "cert_kind": lambda role: "award",
    "fmt": lambda role: "pdf",
    "serial": lambda role: "2020-FP2020-DG-0001",
    "cert_id": lambda role: 0,
    "batch_id": lambda role: 0,
    "token": lambda role: "0" * 16,
}
