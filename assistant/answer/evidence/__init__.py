"""Evidence: the few sentences of the retrieved passages the model is shown.

``sentences`` splits passages into sentences (a card of short lines is one, a
pronoun comes with the sentence naming its subject); ``selection`` scores them
against the question (key terms, the asked form, the passage's context, its
rank) and keeps the best within the token budget; ``bridge`` adds the sentence
that links a question's two documents when the first choice leaves half of it
uncovered.
"""
