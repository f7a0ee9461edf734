"""In-process fakes of outside services for tests (never imported by the packages)."""
