"""Library errors. The CLI and UI turn these into friendly messages at the edge."""


class AssistantError(Exception):
    """Base class of every error the library raises on purpose."""


class InputError(AssistantError):
    """Bad user input: empty question, unreadable path, etc."""


class ModelMissingError(AssistantError):
    """A model's files are not in the cache."""


class IndexMismatchError(AssistantError):
    """An index on disk was built with other settings or documents."""


class IngestError(AssistantError):
    """A single file could not be read; indexing skips it and continues."""


class BackendUnavailableError(AssistantError):
    """A remote service the assistant needs (a model server) cannot be reached or failed."""


class GenerationAborted(AssistantError):
    """The model's call was interrupted by ``Generator.abort_current`` (a stop request)."""
