"""Ingestion of raw survey exports: read, validate, load, audit."""

from orchestration.ingest.loader import IngestReport, ingest_landing

__all__ = ["IngestReport", "ingest_landing"]
