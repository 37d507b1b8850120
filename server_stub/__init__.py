"""A J-LIS-style issuance center stub: mutual-TLS API, test PKI, registries, orders, seals."""
