"""sf_social."""
