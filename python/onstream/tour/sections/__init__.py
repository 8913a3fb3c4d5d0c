"""Tour sections: one module per domain, each defining ``SECTION``."""
