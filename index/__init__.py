"""newsbot's retrieval library: storage, embedding, search and quoted answers.

Nothing in this package imports Discord or the ``bot`` package. Front ends use
:class:`index.library.Library` and the records in :mod:`index.models`. Submodules are
imported on demand so that light users (the sentence splitter, the loaders) do not pay
for torch and FAISS.
"""
