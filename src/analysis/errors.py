"""The one error type for bad input: the CLI turns it into a one-line message and exit code 2."""


class InputError(Exception):
    """Input that cannot be processed; the message names the file and the problem."""

    def __init__(self, path, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")
