"""The live route store: routes by table, kept current by events; the loader fills it."""
