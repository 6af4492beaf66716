"""The HTTP surface: REST API, client websocket, dashboard, middlewares."""
