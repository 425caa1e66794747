"""Front ends served over HTTP: the Gradio chat UI and the OpenAI-compatible API.

``chat`` is the session-independent service both use (one index and model per
profile, one generation queue), ``kb`` the knowledge base (uploads, delete,
incremental re-index), ``render`` the HTML of answers and sources, ``app`` the
Gradio layout, ``api`` the HTTP API and ``api_shapes`` its wire formats.
"""
