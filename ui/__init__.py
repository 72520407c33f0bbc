"""What the pages share: cached models and data, and figure builders. Imports streamlit and vae, never pages."""
