"""Where posts come from: the ``Source`` port and its adapters (JSONL files, memory, ...)."""

from sf_social.sources.base import Cursor, Source, SourceBatch

__all__ = ["Cursor", "Source", "SourceBatch"]
