"""The Dagster layer: assets, asset checks, sensors, the schedule and the settings resource, thin
adapters over the plain libraries (orchestration/ingest, orchestration/publish, ...), which never
import from here (tests/test_layers.py). orchestration/definitions.py gathers them into the code
location."""
