"""ReturnDesk's persistence: tables, migrations, and stores that apply domain actions atomically."""
