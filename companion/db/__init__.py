"""Storage plumbing: Tortoise connection setup and aerich migrations (models live with their capability)."""
