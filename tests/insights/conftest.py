"""The Playwright fixtures of tests/browser, for the process health page's browser test."""
