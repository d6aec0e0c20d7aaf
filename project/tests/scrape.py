"""Reading a /metrics answer in tests: every sample by name and labels."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

TOKEN = "metrics-test-token-0123456789"
AUTHORIZATION = f"Bearer {TOKEN}"


class Scrape:
    def __init__(self, text: str):
        self.text = text
        self.samples = [
            sample for family in text_string_to_metric_families(text) for sample in family.samples
        ]

    def value(self, name: str, **labels) -> float | None:
        """The one sample with exactly these labels (ignoring `pid`), or None."""
        found = [s.value for s in self.series(name, **labels)]
        assert len(found) <= 1, f"{name}{labels}: {len(found)} series"
        return found[0] if found else None

    def series(self, name: str, **labels) -> list:
        wanted = {key: str(value) for key, value in labels.items()}
        return [
            sample
            for sample in self.samples
            if sample.name == name
            and {k: v for k, v in sample.labels.items() if k not in ("pid", "le")} == wanted
        ]

    def label_values(self, name: str, label: str) -> set[str]:
        return {s.labels[label] for s in self.samples if s.name == name and label in s.labels}
