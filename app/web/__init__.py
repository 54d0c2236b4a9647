"""Pages for people: the landing page and the API docs, served with no CDN and no build step."""
