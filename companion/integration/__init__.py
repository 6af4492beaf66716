"""The integration framework: manifests, config flows and the config entry lifecycle."""
