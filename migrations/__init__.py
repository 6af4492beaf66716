"""aerich migrations of the companion database (never edited once landed)."""
