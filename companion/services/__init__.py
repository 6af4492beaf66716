"""Core services: the business logic behind the HTTP surface."""
