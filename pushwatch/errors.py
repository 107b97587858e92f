"""Errors every layer may raise for the front ends to print as one line."""


class UserError(Exception):
    """A mistake the user can fix (bad flag, bad config, bad input); printed as one line, exit code 2."""
