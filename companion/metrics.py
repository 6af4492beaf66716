"""Prometheus text-format metrics: HTTP requests, the event bus, integration states."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from companion import __version__


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(**labels: str) -> str:
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
    return "{" + inner + "}" if inner else ""


class Metrics:
    """Counters kept in memory and rendered on demand."""

    def __init__(self) -> None:
        self.requests: dict[tuple[str, str, str], int] = defaultdict(int)
        self.durations: dict[tuple[str, str], float] = defaultdict(float)
        self._gauges: list[Callable[[], Iterable[str]]] = []

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one HTTP request by route template and status."""
        self.requests[(method, route, str(status))] += 1
        self.durations[(method, route)] += seconds

    def add_collector(self, collector: Callable[[], Iterable[str]]) -> None:
        """Add a function returning extra sample lines (with their HELP/TYPE lines)."""
        self._gauges.append(collector)

    def render(self) -> str:
        """Return the whole exposition in Prometheus text format 0.0.4."""
        lines = [
            "# HELP companion_info Companion version.",
            "# TYPE companion_info gauge",
            f"companion_info{_labels(version=__version__)} 1",
            "# HELP companion_http_requests_total HTTP requests by route and status.",
            "# TYPE companion_http_requests_total counter",
        ]
        for (method, route, status), count in sorted(self.requests.items()):
            lines.append(
                f"companion_http_requests_total{_labels(method=method, route=route, status=status)} {count}"
            )
        lines += [
            "# HELP companion_http_request_duration_seconds_sum Time spent answering, by route.",
            "# TYPE companion_http_request_duration_seconds_sum counter",
        ]
        for (method, route), total in sorted(self.durations.items()):
            lines.append(
                f"companion_http_request_duration_seconds_sum{_labels(method=method, route=route)} {total:.6f}"
            )
        for collector in self._gauges:
            lines.extend(collector())
        return "\n".join(lines) + "\n"


def gauge(
    name: str, help_text: str, samples: Iterable[tuple[dict[str, str], float]], kind: str = "gauge"
) -> list[str]:
    """Format one metric family."""
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
    lines += [f"{name}{_labels(**labels)} {value:g}" for labels, value in samples]
    return lines
