"""Inbound webhook receivers (Jellyfin Webhook plugin, Lidarr, slskd, automations)."""
