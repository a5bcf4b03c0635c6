"""Search: the lexical index, the vector index, the embedder and rank fusion (derived data)."""

# The ways a search ranks and the orders it may give; the CLI's choices read them from here
# without importing the indexes.
SEARCH_MODES = ("lexical", "semantic", "hybrid")
SEARCH_SORTS = ("relevance", "newest", "upvotes")
