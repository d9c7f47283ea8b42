"""SQLAlchemy 2.0 models of the civmon database, engine setup and migrations."""
