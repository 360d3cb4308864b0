"""The one error type for bad input: the CLI turns it into a one-line message and exit code 2."""


class InputError(Exception):
    """Input that cannot be processed; the message names the file and, where known, the row
    (as a spreadsheet shows it: the header is row 1) and the column."""

    def __init__(self, path, problem: str, row: int | None = None, column: str | None = None):
        self.path, self.problem, self.row, self.column = str(path), problem, row, column
        where = ", ".join([f"Zeile {row}"] * (row is not None) + [f"Spalte {column}"] * (column is not None))
        super().__init__(f"{self.path}: {where + ': ' if where else ''}{' '.join(problem.split())}")

    def __reduce__(self):  # pickled back from a worker process as it was raised
        return type(self), (self.path, self.problem, self.row, self.column)
