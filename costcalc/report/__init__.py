"""Renderings: results (DataFrames, quotes, price tables) -> text in a named format. No computation."""
