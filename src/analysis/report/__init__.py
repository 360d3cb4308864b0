"""What organisers and researchers read: German labels, summary tables, charts, slides, the
offline decks, the exports and the codebook document. The only layer with German display names."""
