"""Multi-step answers: questions the model answers better in two steps.

``plan`` holds what every plan shares (the one-question answerer it calls, the
final answer, summed timings); ``versus`` compares two figures from two
documents (each asked alone, code compares them); ``decompose`` finds a thing
named by description first, then asks about it, and picks the plan of a
question (``plan_steps``).
"""
