"""Persistence: the watchlist and last-known state, saved atomically under a lock (store/atomic.py)."""
