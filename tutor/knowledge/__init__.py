"""From notes on disk to cited passages: load, clean, chunk, embed, index, retrieve.

The bottom of the tutor's own layers: it imports only storage, text_in, prompts, config and
errors, never learning (the ingest builds the question bank through the `questions` hook
`tutor.context.open_index` gives `NotesIndex`).

- Leaves: `words` (tokens, keywords, stopwords, near and one-edit spellings), `markdown`
  (fence lines, Python fence info, `plain`), `passage` (`Passage`, `cite`), `citations`
  (source refs and footers for answers);
- Ingest: `loaders` and `cleaning` (files to clean lines), `chunking`, `embeddings` (MiniLM
  offline, OpenAI when asked), `records` (what was ingested), `index` (`NotesIndex` in
  Chroma), `indexer` (the ingest as a LangGraph graph), `tags`, `aliases`;
- Keyword search on disk: `terms` (the terms indexed and looked up), `keyword_store` (BM25
  postings written with the ingest record), `keyword_sql` (its SQLite and PostgreSQL
  connections), `keyword_upkeep` (backfill of an older index, aliases re-read at ingest),
  `bm25` (scoring the postings a query reads);
- Search and teaching: `retriever` (`HybridRetriever`, dense + BM25), `coverage` (whether the
  notes cover a topic), `note_units`, `explanation`, `explanation_parts` and `compose` (the
  offline explanation).

Nothing is imported here: Chroma and the embedding model load only when used.
"""

__all__ = [
    "aliases",
    "bm25",
    "chunking",
    "citations",
    "cleaning",
    "compose",
    "coverage",
    "embeddings",
    "explanation",
    "explanation_parts",
    "index",
    "indexer",
    "keyword_sql",
    "keyword_store",
    "keyword_upkeep",
    "loaders",
    "markdown",
    "note_units",
    "passage",
    "records",
    "retriever",
    "tags",
    "terms",
    "words",
]
