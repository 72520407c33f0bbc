"""What several pages share: cached models and data, this session's own models and training, the checkpoint
upload, common figures, and the table of pages. Imports streamlit and vae, never a page (app_pages)."""
