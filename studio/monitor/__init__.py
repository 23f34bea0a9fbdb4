"""Monitoring: drift, live and estimated performance, windows, the store and alerts."""
