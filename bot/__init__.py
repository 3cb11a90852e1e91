"""isee-assistant: the virtual assistant of Lạng Sơn's online public-service portal."""

__version__ = "0.1.0"
