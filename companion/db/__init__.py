"""Storage: Tortoise ORM models, connection setup and aerich migrations."""
