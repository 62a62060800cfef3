"""The sync domain: the three sync steps, Auto Sync, Retry and Dismiss, bulk runs (no Qt)."""
