"""Question answering: from a question and its vector to an :class:`~index.models.Answer`.

One job per module:

* :mod:`index.qa.routing`: what the question asks (people named, topic words);
* :mod:`index.qa.roles`: offices and organisations, and who holds them in an article;
* :mod:`index.qa.candidates`: what could answer it, read from the store, the vector index
  and keyword search (all passed in as arguments, as :mod:`index.search` does);
* :mod:`index.qa.pool`: one pool of candidates per question (retrieved passages and the
  named person's statements) with one feature row each, ordered by one learned model;
* :mod:`index.qa.ranking`: the general features and the quotes made from the candidates;
* :mod:`index.qa.abstention`: whether to answer at all;
* :mod:`index.qa.pipeline`: the steps above in order (what ``Library.ask`` calls).
"""

from __future__ import annotations

from index.qa.pipeline import answer_question

__all__ = ["answer_question"]
