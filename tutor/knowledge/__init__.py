"""From notes on disk to cited passages: load, clean, chunk, embed, index, retrieve."""
