"""Storage: SQLAlchemy Core tables and repositories, mapped onto the domain from outside."""
