"""The browser tier: Playwright drives the system Chromium against a live server, with axe."""
