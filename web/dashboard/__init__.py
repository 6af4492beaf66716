"""The dashboard: server-rendered pages, their static files and CSRF protection."""
