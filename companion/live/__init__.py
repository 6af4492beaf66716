"""Live events: facts from Jellyfin's sockets and webhooks, applied to the overlay once."""
