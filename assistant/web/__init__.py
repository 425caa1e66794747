"""Front ends served over HTTP: the Gradio chat UI and what it is built from.

``chat`` is the session-independent service (one index and model per profile,
one generation queue), ``kb`` the knowledge base (uploads, delete, rebuild),
``render`` the HTML of answers and sources, and ``app`` the Gradio layout.
"""
