"""The answering step: compact evidence, calibrated answerability, grounded answers.

``evidence`` picks the sentences the model reads, ``answerability`` decides
whether to answer, ``ground`` checks the answer against the evidence,
``language`` puts it into the user's script and language, and ``pipeline``
wires them; ``prompting`` holds the prompt files and the refusal sentence.
"""
