"""The pages benchmark's parts: a bare Litestar + Jinja app to compare against."""
