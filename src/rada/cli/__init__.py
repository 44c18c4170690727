"""The ``rada`` command: typer + rich, one module per noun."""
