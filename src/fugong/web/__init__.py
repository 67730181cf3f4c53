"""Web face: FastAPI app factory, thin routers, Jinja2 pages in Chinese with an English switch."""
