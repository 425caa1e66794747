"""Local, CPU-first cited question answering over Chinese and English documents.

    from assistant import Assistant
    bot = Assistant.from_settings()
    bot.index(["../shared/corpus"])
    print(bot.ask("广西今年2月设立的人工智能产业基金规模是多少？").text)
"""

from .assistant import Assistant, IndexReport
from .errors import AssistantError, IndexMismatchError, IngestError, InputError, ModelMissingError
from .settings import Settings
from .types import Answer, Chunk, Citation, Document, Embedder, Generator, Hit, VectorStore

__all__ = [
    "Answer", "Assistant", "AssistantError", "Chunk", "Citation", "Document", "Embedder",
    "Generator", "Hit", "IndexMismatchError", "IndexReport", "IngestError", "InputError",
    "ModelMissingError", "Settings", "VectorStore",
]
