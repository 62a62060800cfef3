"""The boundary to Xero: xero-python set-up, the gateway the engine uses, error classes."""
