"""The one exception type for bad user input, shared by every layer.

The command line prints an :class:`InputError` as a single line and exits with status 2;
anything else that escapes is a bug and keeps its traceback.
"""


class InputError(Exception):
    """Bad input from the user (an unknown id, an out-of-range hyperparameter, a missing file)."""
