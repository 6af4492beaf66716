"""Test helpers and fakes shared by tests, benchmarks and demo mode."""
