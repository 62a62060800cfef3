"""The app's dialogs: an order's details, Resolve, Settings."""
