"""The Partner Center connector: decided subscription actions carried out through the outbox (API or by hand)."""
