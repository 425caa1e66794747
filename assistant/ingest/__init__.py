"""Ingestion: files → documents → cleaned text → chunks.

``load`` reads files (one extractor per file type, chosen by extension from
``load.EXTRACTORS``), ``clean`` removes boilerplate, pinyin glosses and
footnotes (rules by name in ``clean.RULES``), ``chunk`` cuts passages with
offsets into the original text, and ``normalize`` gives the simplified,
half-width form both search paths compare.
"""

from .load import SUPPORTED, LoadResult, Skipped, discover, load_file, load_paths

__all__ = ["SUPPORTED", "LoadResult", "Skipped", "discover", "load_file", "load_paths"]
