"""Scheduling: turns watched task IDs into a steady stream of fresh reports. No UI, no argparse."""
