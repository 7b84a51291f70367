"""Tests in a real browser (Chromium through Playwright) against the real app."""
