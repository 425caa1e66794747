"""The answering step: compact evidence, calibrated answerability, grounded answers.

``converse`` prepares the question (follow-ups made standalone, English
translated for search), ``evidence`` picks the sentences the model reads,
``answerability`` decides whether to answer, ``generate`` (llama.cpp in
process) or ``remote`` (an OpenAI-compatible server) writes the answer,
``ground`` checks it against the evidence, ``cite`` verifies its citations,
``language`` puts it into the user's script and language, and ``pipeline``
wires them; ``prompting`` holds the prompt files and the refusal sentence.
"""
