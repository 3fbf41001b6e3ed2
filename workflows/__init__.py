"""The pure domain: procedures as data plus policy rules. No Flask, no SQLAlchemy."""
