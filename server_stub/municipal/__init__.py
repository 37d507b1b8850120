"""The municipal issuance server role (市区町村の証明書発行サーバ) and the center's side of its protocol.

docs/center.md "Tiers": the center sends a resident id and a service, the municipality answers with the
certificate content it alone can create from its registry; the center checks it and seals it.
"""
