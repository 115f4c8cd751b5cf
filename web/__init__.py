"""ReturnDesk's HTTP side: the Litestar app, its pages, fragments and API."""
