"""Ingestion of raw survey exports: read, validate, load, audit; reload one measurement year."""

from orchestration.ingest.loader import IngestReport, ingest_landing
from orchestration.ingest.reload import ReloadError, ReloadReport, reload_year

__all__ = ["IngestReport", "ReloadError", "ReloadReport", "ingest_landing", "reload_year"]
