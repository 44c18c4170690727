"""Server-rendered pages, one module per area, each with a ``router``."""
