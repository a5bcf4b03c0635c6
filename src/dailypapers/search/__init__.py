"""Search: the lexical index, the vector index, the embedder and rank fusion (derived data)."""
