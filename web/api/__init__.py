"""REST API route tables, one module per noun."""
