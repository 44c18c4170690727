"""Rada: workers' councils, an uncensorable public record and exact economic planning.

The package is layered (see ``../shared/STYLE.md`` and the import-linter contracts in
``pyproject.toml``): ``planning``, ``counting`` and ``record`` are libraries that import nothing
else of Rada; ``cli`` and ``web`` are the entry points.
"""

__version__ = "0.1.0"
